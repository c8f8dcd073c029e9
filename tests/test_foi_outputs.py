"""The forms an FOI letter is taken away in, each read back with a real parser: the .eml with
the stdlib email parser, the mailto link with urllib.parse, the .ics with icalendar."""

from __future__ import annotations

import datetime as dt
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from icalendar import Calendar

from catalog.foi.letters import draft_letter
from catalog.foi.outputs import (
    MAILTO_SAFE_LENGTH,
    deadline_calendar,
    letter_email,
    letter_text,
    mailto_fits,
    mailto_url,
    split_subject,
)

TODAY = dt.date(2026, 11, 24)
TOPIC = "Café licences and £ fees for “pavement” seating"
SUBJECT = f"Freedom of Information request: {TOPIC}"
LETTER = (
    draft_letter(
        "Camden Council",
        TOPIC,
        TODAY,
        date_from="1 April 2022",
        date_to="31 March 2025",
        breakdown="by ward and by month",
    )
    .replace("[Your full name]", "Amélie O’Connor")
    .replace("[Your email or postal address]", "amelie@example.org")
)
TO = "foi@camden.gov.uk"


def read_email(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_split_subject_takes_the_subject_line_and_the_blank_lines_after_it():
    subject, body = split_subject(LETTER.replace("\n", "\r\n"), "fallback")
    assert subject == SUBJECT
    assert body.startswith("24 November 2026\n\nDear Camden Council,\n")
    assert "\r" not in body
    assert body.rstrip().endswith("Amélie O’Connor\namelie@example.org")


def test_split_subject_without_a_subject_line_uses_the_fallback():
    letter = LETTER.split("\n", 2)[2]
    assert split_subject(letter, "FOI request") == ("FOI request", letter)


def test_split_subject_reads_a_lower_case_subject_line():
    letter = LETTER.replace(f"Subject: {SUBJECT}", "subject:   Fly-tipping  ")
    subject, body = split_subject(letter, "fallback")
    assert subject == "Fly-tipping"
    assert body.startswith("24 November 2026")


def test_split_subject_only_reads_the_first_line():
    letter = "Dear Camden Council,\nSubject: not a header\n"
    assert split_subject(letter, "FOI request") == ("FOI request", letter)


def test_text_download_is_utf8_with_crlf_and_one_final_newline():
    raw = letter_text(LETTER + "\n\n")
    text = raw.decode("utf-8")
    assert text.startswith(f"Subject: {SUBJECT}\r\n\r\n24 November 2026\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert text.endswith("amelie@example.org\r\n")
    assert not text.endswith("\r\n\r\n")
    assert "£" in text
    assert "é" in text
    assert "O’Connor" in text


def test_email_is_an_unsent_draft_with_the_letter_as_body():
    raw = letter_email(LETTER, TO, "fallback")
    message = read_email(raw)
    assert message["To"] == TO
    assert message["Subject"] == SUBJECT
    assert message["X-Unsent"] == "1"
    assert message["From"] is None
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content().replace("\r\n", "\n")
    assert body == split_subject(LETTER, "")[1].rstrip("\n") + "\n"
    assert "£ fees" in body
    assert "Amélie O’Connor" in body
    assert not message.defects
    assert all(line.endswith(b"\r\n") for line in raw.splitlines(keepends=True))
    assert max(len(line) for line in raw.splitlines()) <= 78


def test_email_without_an_address_has_no_to_header():
    message = read_email(letter_email(LETTER, "  ", "fallback"))
    assert "To" not in message
    assert message["Subject"] == SUBJECT


def test_email_uses_the_fallback_subject_when_the_line_was_removed():
    letter = LETTER.split("\n", 2)[2]
    message = read_email(letter_email(letter, TO, "FOI request: café fees"))
    assert message["Subject"] == "FOI request: café fees"
    assert message.get_content().startswith("24 November 2026\r\n\r\nDear")


def test_email_folds_a_long_non_ascii_subject():
    topic = "Pavement café licences, fees in £ and “tables and chairs” permits " * 4
    letter = draft_letter("Camden Council", topic.strip(), TODAY)
    raw = letter_email(letter, TO, "fallback")
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in header.split(b"\r\n")) <= 78
    assert read_email(raw)["Subject"] == f"Freedom of Information request: {topic.strip()}"


def test_a_line_break_in_the_subject_cannot_add_a_header():
    letter = LETTER.replace(SUBJECT, "Fees\r\nBcc: x@y")
    message = read_email(letter_email(letter, TO, "fallback"))
    assert "Bcc" not in message
    assert message["Subject"] == "Fees"
    message = read_email(letter_email(LETTER.split("\n", 2)[2], TO, "Fees\r\nBcc: x@y"))
    assert "Bcc" not in message
    assert message["Subject"] == "Fees Bcc: x@y"
    assert sorted(message.keys()) == sorted(
        ["To", "Subject", "X-Unsent", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"]
    )


@pytest.mark.parametrize("to", ["foi@camden.gov.uk\r\nBcc: x@y", "foi@camden.gov.uk\nBcc: x@y"])
def test_a_line_break_in_the_address_is_refused(to):
    with pytest.raises(ValueError, match="line break"):
        letter_email(LETTER, to, "fallback")
    with pytest.raises(ValueError, match="line break"):
        mailto_url(to, SUBJECT, "body")


def test_mailto_round_trips_address_subject_and_body():
    to = "foi+requests@camden.gov.uk"
    subject = "Fees & charges? #1 at 100% + VAT: café “£5”"
    body = "Dear Sir or Madam,\n\nA&B?C#D%E+F=G é £\r\nYours faithfully,\n"
    url = mailto_url(to, subject, body)
    assert " " not in url
    assert "+" not in url.split("?", 1)[1]
    assert "%20" in url
    assert "%0D%0A" in url
    parts = urlsplit(url)
    assert parts.scheme == "mailto"
    assert unquote(parts.path) == to
    assert parts.fragment == ""
    fields = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert fields == {
        "subject": [subject],
        "body": ["Dear Sir or Madam,\r\n\r\nA&B?C#D%E+F=G é £\r\nYours faithfully,\r\n"],
    }


def test_mailto_percent_encodes_the_address_and_allows_none():
    url = mailto_url("foi office?#%@example.org", "Fees", "")
    assert unquote(urlsplit(url).path) == "foi office?#%@example.org"
    assert url == "mailto:foi%20office%3F%23%25@example.org?subject=Fees"
    url = mailto_url("", "Fees", "Dear")
    assert url == "mailto:?subject=Fees&body=Dear"


def test_mailto_fits_the_draft_but_not_a_long_letter():
    subject, body = split_subject(LETTER, "fallback")
    assert mailto_fits(mailto_url(TO, subject, body))
    detail = "Please include the licence fee, the date granted and the number of tables.\n\n"
    long_body = body.replace("Yours faithfully,", detail * 8 + "Yours faithfully,")
    url = mailto_url(TO, subject, long_body)
    assert len(url) > MAILTO_SAFE_LENGTH
    assert not mailto_fits(url)


STAMP = dt.datetime(2026, 11, 24, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
DUE = dt.date(2026, 12, 22)
DESCRIPTION = "Sent to Camden Council on 24 November 2026.\nThe reply is due by law, section 10."


def read_calendar(raw: bytes) -> Calendar:
    return Calendar.from_ical(raw)


def test_deadline_is_an_all_day_event_with_a_reminder_the_day_before():
    raw = deadline_calendar(
        "request-42@datastore.example.org",
        "Café licences",
        DUE,
        "https://datastore.example.org/requests/42",
        DESCRIPTION,
        STAMP,
    )
    calendar = read_calendar(raw)
    assert str(calendar["PRODID"]) == "-//Open datastore//FOI requests//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert type(start) is dt.date
    assert start == DUE
    assert event.decoded("DTEND") == dt.date(2026, 12, 23)
    assert b"DTSTART;VALUE=DATE:20261222\r\n" in raw
    assert event.decoded("DTSTAMP") == dt.datetime(2026, 11, 24, 14, 30, tzinfo=dt.UTC)
    assert b"DTSTAMP:20261124T143000Z\r\n" in raw
    assert str(event["UID"]) == "request-42@datastore.example.org"
    assert str(event["SUMMARY"]) == "FOI reply due: Café licences"
    assert str(event["URL"]) == "https://datastore.example.org/requests/42"
    assert str(event["DESCRIPTION"]) == DESCRIPTION
    assert str(event["TRANSP"]) == "TRANSPARENT"
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == dt.timedelta(days=-1)
    assert str(alarm["DESCRIPTION"]) == "FOI reply due: Café licences"


def test_deadline_escapes_and_folds_awkward_text():
    title = "Fees, charges; and “pavement” café licences\nfor tables, chairs; £ " * 3
    description = DESCRIPTION + "\nCommas, semicolons; backslash \\ and é. " * 5
    raw = deadline_calendar(
        "request-42@datastore.example.org",
        title,
        DUE,
        "https://datastore.example.org/requests/42?tab=letter&from=search",
        description,
        STAMP,
    )
    lines = raw.split(b"\r\n")
    assert lines[-1] == b""
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    [event] = read_calendar(raw).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"FOI reply due: {title}"
    assert str(event["DESCRIPTION"]) == description
    assert str(event["URL"]) == "https://datastore.example.org/requests/42?tab=letter&from=search"


def test_deadline_needs_an_aware_stamp():
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_calendar("u", "t", DUE, "https://example.org", "d", dt.datetime(2026, 11, 24))
