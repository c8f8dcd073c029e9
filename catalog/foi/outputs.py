"""An FOI letter in the forms a requester takes away: plain text, an email draft, a mailto
link, and the reply's deadline as a calendar event.

The site never sends email: the requester sends the letter from their own mail program and
records the date they sent it. So the .eml is an unsent draft (`X-Unsent: 1`, no From, no
Date: the mail program fills those in when it is sent), and every header value is one line,
so nothing typed into a letter can add a header.
"""

from __future__ import annotations

import datetime as dt
import re
from email import policy
from email.message import EmailMessage
from urllib.parse import quote

from icalendar import Alarm, Calendar, Event

MAILTO_SAFE_LENGTH = 2000
PRODID = "-//Open datastore//FOI requests//EN"

_SUBJECT_LINE = re.compile(r"[ \t]*subject[ \t]*:(.*)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def split_subject(letter: str, fallback: str) -> tuple[str, str]:
    """The subject from a leading "Subject:" line (else `fallback`), and the rest of the
    letter without that line and the blank lines after it; line endings become "\\n"."""
    text = normalise_newlines(letter)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    match = _SUBJECT_LINE.fullmatch(lines[first]) if first is not None else None
    if first is None or match is None:
        return fallback.strip(), text
    rest = lines[first + 1 :]
    while rest and not rest[0].strip():
        rest.pop(0)
    return match.group(1).strip() or fallback.strip(), "\n".join(rest)


def letter_text(letter: str) -> bytes:
    """The .txt download: UTF-8 with Windows line endings, ending with one newline."""
    text = normalise_newlines(letter).rstrip("\n") + "\n"
    return text.replace("\n", "\r\n").encode("utf-8")


def letter_email(letter: str, to: str, fallback_subject: str) -> bytes:
    """The .eml download: an unsent draft addressed to `to` (no To header when empty)."""
    subject, body = split_subject(letter, fallback_subject)
    message = EmailMessage(policy=policy.SMTP)
    address = check_address(to)
    if address:
        message["To"] = address
    message["Subject"] = one_line(subject)
    message["X-Unsent"] = "1"
    message.set_content(
        body.rstrip("\n") + "\n", subtype="plain", charset="utf-8", cte="quoted-printable"
    )
    return message.as_bytes()


def mailto_url(to: str, subject: str, body: str) -> str:
    """An RFC 6068 mailto link: every reserved character percent-encoded, spaces as %20,
    line breaks in the body as %0D%0A."""
    address = quote(check_address(to), safe="@+")
    fields = [
        ("subject", one_line(subject)),
        ("body", normalise_newlines(body).replace("\n", "\r\n")),
    ]
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in fields if value)
    return f"mailto:{address}?{query}" if query else f"mailto:{address}"


def mailto_fits(url: str) -> bool:
    """Whether a mailto link is short enough that mail programs and browsers keep all of it."""
    return len(url) <= MAILTO_SAFE_LENGTH


def deadline_calendar(
    uid: str,
    title: str,
    due: dt.date,
    url: str,
    description: str,
    stamp: dt.datetime,
) -> bytes:
    """An iCalendar file with one all-day event on the due date and a reminder the day
    before; folding and escaping are left to the icalendar library."""
    if stamp.tzinfo is None:
        raise ValueError("stamp must be timezone-aware")
    summary = f"FOI reply due: {title}"
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", dt.timedelta(days=-1))
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", due)
    event.add("dtend", due + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("url", url)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")
    event.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def one_line(text: str) -> str:
    """A header value on one line: every run of whitespace, line breaks included, becomes
    one space."""
    return " ".join(text.split())


def check_address(to: str) -> str:
    """The address trimmed; a line break or other control character in it is refused, as it
    could only smuggle in another header."""
    address = to.strip()
    if _CONTROL.search(address):
        raise ValueError(f"an email address cannot contain a line break: {address!r}")
    return address
