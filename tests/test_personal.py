"""The personal-data check: each kind found in a made file of fake people, masked in the
examples; nothing found in the real corpus (clean files and UK spend files)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from ingest import sniff_file
from ingest.header import read_header
from ingest.person_names import looks_like_person, name_column_kind
from ingest.personal import (
    find_personal_data,
    mask_date,
    mask_email,
    mask_insurance_number,
    mask_phone,
    mask_postcode,
    read_date,
)

DATA = Path(__file__).parent / "data"
PEOPLE = DATA / "made/personal-data.csv"
TODAY = dt.date(2025, 6, 1)
CORPUS = sorted((DATA / "valid").rglob("*.csv")) + sorted((DATA / "invalid").glob("uk-*/*.csv"))


def read_table(path: Path, line: int | None = None) -> tuple[list[str], list[list[str]]]:
    """A file's header (on `line`, or where the ingest finds it) and its columns of values."""
    sniffed = sniff_file(path)
    if line is None:
        line, _cells = read_header(path, sniffed)
    with open(path, encoding=sniffed.encoding, newline="") as text:
        rows = list(csv.reader(text, delimiter=sniffed.delimiter))
    header, data = rows[line - 1], rows[line:]
    return header, [[row[i] if i < len(row) else "" for row in data] for i in range(len(header))]


def flat(findings) -> list[tuple[str, str, int]]:
    return [(f.column, f.kind, f.count) for f in findings]


def test_each_kind_is_found_in_the_file_of_fake_people():
    findings = find_personal_data(*read_table(PEOPLE), today=TODAY)
    assert flat(findings) == [
        ("Full name", "person-name", 7),  # "Priya Sharma" is not a forename we know
        ("Date of birth", "date-of-birth", 8),
        ("Email", "email", 8),
        ("Phone", "phone", 8),
        ("NI number", "national-insurance-number", 8),
        ("Home postcode", "postcode", 8),
        ("Notes", "phone", 1),  # a mobile number in a sentence
    ]
    labels = {f.kind: f.label for f in findings}
    assert labels == {
        "person-name": "people's names",
        "date-of-birth": "dates of birth",
        "email": "email addresses",
        "phone": "phone numbers",
        "national-insurance-number": "National Insurance numbers",
        "postcode": "postcodes, in a file about people",
    }
    examples = {f.column: f.examples for f in findings}
    assert examples["Email"] == ["m***@example.org", "d***@example.com", "p***@example.net"]
    assert examples["Full name"] == ["M*** T***", "Mr D*** O***", "S*** J***"]
    assert examples["Date of birth"] == ["**/**/1948", "**/**/1979", "**/**/1991"]
    assert examples["Home postcode"] == ["SW1A ***", "M1 ***", "B33 ***"]
    assert findings[0].message == (
        "“Full name” seems to hold people's names: 7 of 8 values "
        "(for example M*** T***, Mr D*** O***, S*** J***)"
    )


def test_no_example_shows_a_value_as_it_is():
    header, columns = read_table(PEOPLE)
    values = {v for column in columns for v in column if v}
    for finding in find_personal_data(header, columns, today=TODAY):
        assert len(finding.examples) <= 3
        assert not values & set(finding.examples), finding


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.parent.name + "/" + p.name)
def test_nothing_is_found_in_the_real_corpus(path):
    assert find_personal_data(*read_table(path), limit=None, today=TODAY) == []


def test_nothing_is_found_under_the_gla_files_real_header():
    """Five of its 156 payees are people (sole traders), four of them with a forename we
    know (not "TEMI ODUMOSU"); the rest are companies."""
    path = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
    header, columns = read_table(path, line=6)
    assert header[0] == "Supplier Name" and name_column_kind(header[0]) == "full"
    people = [v for v in columns[0] if looks_like_person(v)]
    assert sorted(set(people)) == [
        "CATHERINE JONES", "CHRIS WAITE", "GEORGINA HARPER", "PAUL BROWN"
    ]  # fmt: skip
    assert find_personal_data(header, columns, limit=None, today=TODAY) == []
    assert flat(find_personal_data(header[:1], [people], today=TODAY)) == [
        ("Supplier Name", "person-name", 4)
    ]


# The rules, one at a time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("AB 12 34 56 C", True), ("ab123456c", True), ("JG103726A", True),
        ("QQ 12 34 56 C", False),  # HMRC's example: Q is never a prefix letter
        ("GB 12 34 56 A", False), ("NK 12 34 56 A", False),  # prefixes never allocated
        ("AO 12 34 56 A", False),  # O is never the second letter
        ("AB 12 34 56 E", False),  # the suffix is A to D
        ("AB 12 34 5 C", False),
    ],
)  # fmt: skip
def test_national_insurance_numbers_by_the_real_rules(value, found):
    findings = find_personal_data(["Reference"], [[value]], today=TODAY)
    assert (flat(findings) == [("Reference", "national-insurance-number", 1)]) is found


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("07700 900123", True), ("07700900123", True), ("+44 7700 900123", True),
        ("+44 (0)7700 900123", True), ("0044 7700 900123", True), ("01632 960960", True),
        ("(01632) 960 960", True), ("020 7946 0000", True), ("020-7946-0000", True),
        ("Ring 01632 960960 after six", True),
        ("0300 123 4567", False),  # 03, 08 and 09 numbers are organisations'
        ("0800 123 4567", False),
        ("3000012936", False), ("0900101000", False),  # references and codes
        ("110637.01632960123", False),  # decimals
        ("07700 9001", False),  # too short
    ],
)  # fmt: skip
def test_uk_phone_numbers(value, found):
    assert bool(find_personal_data(["Contact"], [[value]], today=TODAY)) is found


def test_role_email_addresses_are_an_organisations():
    values = ["info@example.gov.uk", "enquiries@example.org", "customer.services@example.com"]
    assert find_personal_data(["Email"], [values], today=TODAY) == []
    values.append("Write to jo.bloggs@example.org")
    assert flat(find_personal_data(["Email"], [values], today=TODAY)) == [("Email", "email", 1)]


def test_postcodes_only_in_a_file_about_people():
    postcodes = ["SW1A 1AA", "M1 1AE", "CR2 6XH"]
    toilets = find_personal_data(["Location", "Postcode"], [["Market Sq"] * 3, postcodes])
    assert toilets == []
    names = ["Margaret Thompson", "Tom Evans", "Mr D Okafor"]
    people = find_personal_data(["Name", "Postcode"], [names, postcodes], today=TODAY)
    assert flat(people) == [("Name", "person-name", 3), ("Postcode", "postcode", 3)]


def test_dates_of_birth_by_heading_or_by_spread_in_a_file_about_people():
    births = ["14/03/1948", "2 November 1979", "1991-07-23", "30-Jan-72"]
    assert flat(find_personal_data(["DOB"], [births], today=TODAY)) == [("DOB", "date-of-birth", 4)]
    names = ["Margaret Thompson", "Tom Evans", "Sophie Williams", "Aisha Begum"]
    found = find_personal_data(["Name", "Registered"], [names, births], today=TODAY)
    assert flat(found) == [("Name", "person-name", 4), ("Registered", "date-of-birth", 4)]
    assert found[1].label == "dates that could be dates of birth"
    # Dates that bunch together are events, and there are no births in a file about bodies.
    payments = ["01/11/2010", "02/11/2010", "14/03/2011", "30/01/2012"]
    assert flat(find_personal_data(["Name", "Paid"], [names, payments], today=TODAY)) == [
        ("Name", "person-name", 4)
    ]
    bodies = ["Acme Ltd", "Leeds City Council", "University of Essex", "EDF Energy plc"]
    assert find_personal_data(["Name", "Founded"], [bodies, births], today=TODAY) == []
    # A date in the future is no birth.
    assert len(find_personal_data(["Name", "Due"], [names, [*births, "01/01/2030"]])) == 1


@pytest.mark.parametrize(
    ("value", "person"),
    [
        ("Margaret Thompson", True), ("Mr J Smith", True), ("MRS A JONES", True),
        ("Smith, John", True), ("J. Smith", True), ("Dr Priya Sharma", True),
        ("EDF TRADING LTD", False), ("University of Essex", False), ("Leeds City Council", False),
        ("Unit4 Business Software Ltd", False), ("Abbey Gardens, Angel Hill", False),
        ("3M", False), ("JACK MORTON WORLDWIDE", False), ("ACCOR SERVICES", False),
        ("Babraham Bioscience Technologies Ltd", False),
        ("Priya Sharma", False),  # a forename we do not know, with no title: not counted
    ],
)  # fmt: skip
def test_peoples_names_not_organisations(value, person):
    assert looks_like_person(value) is person


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Name", "full"), ("Full name", "full"), ("Supplier Name", "full"), ("FirstName", "given"),
        ("Forename", "given"), ("Surname", "family"), ("last_name", "family"),
        ("Country Name", None), ("Scheme name", None), ("Supplier", None), ("Entity", None),
    ],
)  # fmt: skip
def test_name_columns_by_their_heading(heading, kind):
    assert name_column_kind(heading) == kind


def test_a_forename_column_needs_no_known_forenames():
    found = find_personal_data(["Forename"], [["Priya", "Temi", "Ewa"]], today=TODAY)
    assert flat(found) == [("Forename", "person-name", 3)]


def test_only_the_first_values_are_looked_at():
    values = ["Rent"] * 5 + ["jo@example.org"]
    assert find_personal_data(["Note"], [values], limit=5) == []
    assert flat(find_personal_data(["Note"], [values], limit=None)) == [("Note", "email", 1)]


def test_masks():
    assert mask_email("margaret.thompson@example.org") == "m***@example.org"
    assert mask_phone("+44 7700 900123") == "+44 77** ****23"
    assert mask_insurance_number("AB 12 34 56 C") == "AB ** ** ** *"
    assert mask_postcode("SW1A 1AA") == "SW1A ***"
    assert mask_postcode("M11AE") == "M1 ***"
    assert mask_date("1984-03-12") == "1984-**-**"


def test_read_date():
    assert read_date("14/03/1948") == dt.date(1948, 3, 14)
    assert read_date("02-Aug-10") == dt.date(2010, 8, 2)
    assert read_date("Some Date") is None


def test_a_huge_cell_is_looked_through_in_linear_time():
    """A long run of letters made the email pattern quadratic (a 200 kB cell took 39 s, a
    1 MB one would take an hour, holding the interpreter's lock, so the whole site waited):
    the pattern is bounded as addresses are, and only a value's first characters are read."""
    huge = "y" * 1_000_000
    found = find_personal_data(["Comment"], [[huge, huge + " jo.bloggs@gmail.com", "x"]])
    assert found == []  # the address sits past the characters looked at
    found = find_personal_data(["Comment"], [["write to jo.bloggs@gmail.com " + huge, "x"]])
    assert [(f.kind, f.examples) for f in found] == [("email", ["j***@gmail.com"])]
