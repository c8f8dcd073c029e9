"""Personal data in a table: what a volunteer should take out before publishing.

Looked for in each column's values (the first `limit` non-blank ones):

- email addresses, anywhere in a value, except an organisation's role addresses (info@,
  enquiries@ ...);
- UK phone numbers, landline (01, 02) and mobile (07), written with 0, +44 or 0044, spaces,
  hyphens or brackets allowed: an organisation's 03, 08 and 09 numbers are not a person's;
- National Insurance numbers by HMRC's rules: two prefix letters (not D, F, I, Q, U or V;
  the second not O; not BG, GB, KN, NK, NT, TN or ZZ), six digits, a suffix A to D;
- people's names: a column headed like a name ("Name", "Full name", "Forename", "Surname")
  in which at least half the values read as people's, not organisations' (person_names);
- dates of birth: a column headed like one ("DOB", "Date of birth", "Born") whose values
  are mostly dates.

The file is about individuals when it has a column of people's names or of dates of birth.
Only then are these looked for too, since on their own they say nothing about a person:

- full UK postcodes (a council's list of toilets has them; a list of people's homes too);
- other columns of dates that could be dates of birth: all in the past, all giving ages of
  0 to 110, and spread over at least 20 years (dates of payments or meetings bunch together).

A column holding a kind is one finding; its examples are masked ("j***@example.org") so the
warning itself does not spread the data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from ingest.person_names import looks_like_person, mask_name, name_column_kind


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string, for lists of words that read better so."""
    return frozenset(text.split())


SAMPLE_VALUES = 1000  # values looked at in each column
NAMES_SHARE = 0.5  # share of a name column's values that must read as people's
DATES_SHARE = 0.8  # share of a column's values that must be dates for it to be dates
BIRTH_YEARS_SPREAD = 20
OLDEST = 110
EXAMPLES = 3

LABELS = {
    "email": "email addresses",
    "phone": "phone numbers",
    "national-insurance-number": "National Insurance numbers",
    "person-name": "people's names",
    "date-of-birth": "dates of birth",
    "postcode": "postcodes, in a file about people",
}

# Bounded as the standard bounds addresses (64 before the @, labels of 63): unbounded, a long
# run of letters made findall quadratic (a 200 kB cell took 39 s, holding the GIL).
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"
)
SCAN_CHARS = 10_000  # of each value: contact details sit in its text, not 1 MB in
_ROLE_ADDRESSES = _words(
    """admin contact customerservices enquiries enquiry feedback hello help info mail office
    post reception sales support webmaster"""
)
# Not inside a longer number: no digit, letter or decimal point either side.
_PHONE = re.compile(r"(?<![\w+.,])(?:\+44|0044|\(?0)[\d \-()]{8,16}\d(?!\d|[.,]\d)")
_UK_PERSONAL_NUMBER = re.compile(r"0(?:7\d{9}|[12]\d{8,9})")
_NINO = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
)
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b")
_BIRTH_WORDS = ("dob", "birth", "birthday", "birthdate", "born")
_DATE_FORMATS = (
    "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%d %b %Y",
    "%d-%b-%Y", "%d/%m/%y", "%d-%b-%y",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One column that seems to hold one kind of personal data."""

    column: str
    kind: str  # a stable code: email, phone, national-insurance-number, person-name, ...
    label: str  # in plain words: "email addresses"
    count: int  # values that hold it, of those looked at
    checked: int  # non-blank values looked at
    examples: list[str] = field(default_factory=list)  # masked

    @property
    def message(self) -> str:
        shown = f" (for example {', '.join(self.examples)})" if self.examples else ""
        counted = f"{self.count} of {self.checked} values"
        return f"“{self.column}” seems to hold {self.label}: {counted}{shown}"


def find_personal_data(
    names: list[str],
    columns: list[list[str]],
    limit: int | None = SAMPLE_VALUES,
    today: dt.date | None = None,
) -> list[Finding]:
    """Personal data in the columns (one list of values per column, named by `names`).

    `limit` is how many non-blank values of each column are looked at (None: all);
    `today` is the day ages are counted from.
    """
    today = today or dt.date.today()
    samples = [_sample(values, limit) for values in columns]
    findings: list[Finding] = []
    for name, values in zip(names, samples, strict=True):
        findings.extend(_contact_findings(name, values))
        finding = _name_finding(name, values) or _named_birth_finding(name, values)
        if finding:
            findings.append(finding)
    about_people = any(f.kind in ("person-name", "date-of-birth") for f in findings)
    if about_people:
        flagged = {(f.column, f.kind) for f in findings}
        for name, values in zip(names, samples, strict=True):
            found = [_postcode_finding(name, values)]
            if (name, "date-of-birth") not in flagged:
                found.append(_birth_like(name, values, today))
            findings.extend(f for f in found if f is not None)
    order = {name: i for i, name in reversed(list(enumerate(names)))}
    findings.sort(key=lambda f: (order[f.column], list(LABELS).index(f.kind)))
    return findings


def mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(number: str) -> str:
    """Digits but the first four and the last two hidden: "0770* ****23"."""
    positions = [i for i, c in enumerate(number) if c.isdigit()]
    hidden = set(positions[4:-2])
    return "".join("*" if i in hidden else c for i, c in enumerate(number))


def mask_insurance_number(number: str) -> str:
    return number[:2] + re.sub(r"[0-9A-D]", "*", number[2:])


def mask_postcode(postcode: str) -> str:
    """The outward code only ("SW1A ***"), which names a district, not a home."""
    compact = postcode.replace(" ", "")
    return f"{compact[:-3]} ***"


def mask_date(text: str) -> str:
    """The year only: "**/**/1984"."""
    year = re.search(r"\d{4}", text)
    keep = range(year.start(), year.end()) if year else range(0)
    return "".join(c if i in keep or not c.isdigit() else "*" for i, c in enumerate(text))


def read_date(text: str) -> dt.date | None:
    """A date written in one of the ways UK files write them, or None."""
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _sample(values: list[str], limit: int | None) -> list[str]:
    kept = []
    for value in values:
        text = value.strip() if isinstance(value, str) else ""
        if text:
            kept.append(text)
            if limit is not None and len(kept) >= limit:
                break
    return kept


def _contact_findings(name: str, values: list[str]) -> list[Finding]:
    """Emails, phone numbers and National Insurance numbers anywhere in the values."""
    found: dict[str, list[str]] = {"email": [], "phone": [], "national-insurance-number": []}
    for value in (v[:SCAN_CHARS] for v in values):
        emails = [e for e in _EMAIL.findall(value) if not _is_role_address(e)]
        if emails:
            found["email"].append(mask_email(emails[0]))
        phones = [p.strip() for p in _PHONE.findall(value) if _is_personal_number(p)]
        if phones:
            found["phone"].append(mask_phone(phones[0]))
        numbers = _NINO.findall(value.upper())
        if numbers:
            found["national-insurance-number"].append(mask_insurance_number(numbers[0]))
    return [_finding(name, kind, masked, len(values)) for kind, masked in found.items() if masked]


def _name_finding(name: str, values: list[str]) -> Finding | None:
    kind = name_column_kind(name)
    if kind is None or not values:
        return None
    people = [v for v in values if looks_like_person(v, kind)]
    if len(people) < NAMES_SHARE * len(values):
        return None
    return _finding(name, "person-name", [mask_name(v) for v in people], len(values))


def _named_birth_finding(name: str, values: list[str]) -> Finding | None:
    words = re.findall(r"[a-z]+", name.lower())
    if not values or not (set(words) & set(_BIRTH_WORDS) or "".join(words) == "dateofbirth"):
        return None
    dates = [v for v in values if read_date(v)]
    if len(dates) < DATES_SHARE * len(values):
        return None
    return _finding(name, "date-of-birth", [mask_date(v) for v in dates], len(values))


def _birth_like(name: str, values: list[str], today: dt.date) -> Finding | None:
    """A column of dates that could be births: all past, ages 0 to 110, spread out."""
    read = [(v, read_date(v)) for v in values]
    dates = [(v, d) for v, d in read if d is not None]
    if not dates or len(dates) < DATES_SHARE * len(values):
        return None
    years = [d.year for _v, d in dates]
    if any(d > today or today.year - d.year > OLDEST for _v, d in dates):
        return None
    if max(years) - min(years) < BIRTH_YEARS_SPREAD:
        return None
    finding = _finding(name, "date-of-birth", [mask_date(v) for v, _d in dates], len(values))
    return replace(finding, label="dates that could be dates of birth")


def _postcode_finding(name: str, values: list[str]) -> Finding | None:
    masked = [mask_postcode(m[0]) for v in values if (m := _POSTCODE.findall(v.upper()))]
    return _finding(name, "postcode", masked, len(values)) if masked else None


def _finding(name: str, kind: str, masked: list[str], checked: int) -> Finding:
    examples = list(dict.fromkeys(masked))[:EXAMPLES]
    return Finding(name, kind, LABELS[kind], len(masked), checked, examples)


def _is_role_address(address: str) -> bool:
    local = address.partition("@")[0].lower()
    return local.replace(".", "").replace("-", "").replace("_", "") in _ROLE_ADDRESSES


def _is_personal_number(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0044"):
        digits = "0" + digits[4:].removeprefix("0")
    elif text.lstrip("(").startswith("+44"):
        digits = "0" + digits[2:].removeprefix("0")
    return bool(_UK_PERSONAL_NUMBER.fullmatch(digits))
