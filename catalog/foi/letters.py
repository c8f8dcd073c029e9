"""FOI request letters: the draft the site offers, and a linter that explains in plain words
what would make a public body refuse or delay it, each with the ICO's guidance.

The letter follows what the ICO says a valid request needs (FOIA section 8): in writing, the
requester's real name, an address for correspondence, and a description of the recorded
information wanted. It asks for a re-usable, machine-readable form under section 11(1A), with
a re-use licence, so the answer can be published here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

ICO_HOW_TO_ASK = "https://ico.org.uk/for-the-public/official-information/"
ICO_SUBJECT_ACCESS = (
    "https://ico.org.uk/for-the-public/getting-copies-of-your-information-subject-access-request/"
)
PLACEHOLDER = re.compile(r"\[[^\]\n]{2,60}\]")


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    guidance: str


def draft_letter(
    authority: str,
    topic: str,
    today: dt.date,
    date_from: str = "[start date]",
    date_to: str = "[end date]",
    breakdown: str = "[how the figures should be broken down, e.g. by ward and by month]",
) -> str:
    """The letter the site pre-fills (from the search that found nothing); fully editable."""
    return f"""Subject: Freedom of Information request: {topic}

{today.strftime("%-d %B %Y")}

Dear {authority},

Under the Freedom of Information Act 2000, please send me the following recorded information:

{topic}, for the period from {date_from} to {date_to}, broken down {breakdown}.

Under section 11(1A) of the Act, please provide the information as a dataset in a re-usable,
machine-readable form, such as a CSV file, and tell me the licence under which I may re-use
it (for example the Open Government Licence).

If any part of this request is unclear, or would exceed the cost limit, please tell me how it
could be narrowed, as section 16 of the Act provides.

Yours faithfully,

[Your full name]
[Your email or postal address]
"""


def lint_letter(text: str, template: str | None = None) -> list[Problem]:
    """Everything in a draft that would get it refused or delayed; empty for a good one."""
    problems: list[Problem] = []
    body = text.strip()
    if template is not None and _same(body, template.strip()):
        problems.append(
            Problem(
                "template-unchanged",
                "This is still the draft we started you with: say exactly which information "
                "you want, the dates it should cover, and sign it with your name.",
                ICO_HOW_TO_ASK,
            )
        )
    elif PLACEHOLDER.search(body):
        found = PLACEHOLDER.search(body)
        assert found is not None
        problems.append(
            Problem(
                "template-unchanged",
                f"Fill in {found.group(0)}: the part in square brackets is left from the draft.",
                ICO_HOW_TO_ASK,
            )
        )
    if not _signed(body):
        problems.append(
            Problem(
                "no-real-name",
                "Sign the request with your real name (first name and surname) after "
                '"Yours faithfully". A request under a pseudonym is not valid under the Act.',
                ICO_HOW_TO_ASK,
            )
        )
    if not _has_address(body):
        problems.append(
            Problem(
                "no-contact-address",
                "Give an address for the reply: an email address or a postal address.",
                ICO_HOW_TO_ASK,
            )
        )
    if re.search(r"\bwhy (did|do|does|have|has|was|were|is|are|would)\b", body, re.I):
        problems.append(
            Problem(
                "asks-a-question",
                'The Act gives you recorded information, not explanations: instead of "why '
                'did you...", ask for the documents, minutes or data that record the decision.',
                ICO_HOW_TO_ASK,
            )
        )
    if re.search(
        r"\b(about me|my (own )?(personal )?(data|records|file|information)|"
        r"information (you hold|held) (about|on) me)\b",
        body,
        re.I,
    ):
        problems.append(
            Problem(
                "own-personal-data",
                "Information about yourself is not released under FOI: ask the body for it "
                "with a subject access request under data protection law instead.",
                ICO_SUBJECT_ACCESS,
            )
        )
    if not _has_dates(body):
        problems.append(
            Problem(
                "no-date-range",
                "Say which period you want (for example 2022 to 2024). Without dates the "
                "search may cost more than the limit, and the request can be refused.",
                ICO_HOW_TO_ASK,
            )
        )
    if re.search(
        r"\b(all|any and all|every) (information|documents|records|emails|correspondence)\b",
        body,
        re.I,
    ):
        problems.append(
            Problem(
                "too-broad",
                'Asking for "all information" or "all emails" risks the cost limit (section '
                "12): name the kind of record, the team and the period.",
                ICO_HOW_TO_ASK,
            )
        )
    letters = [c for c in body if c.isalpha()]
    if len(letters) > 40 and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        problems.append(
            Problem(
                "all-capitals",
                "The letter is written mostly in capitals, which reads as shouting: write it "
                "in ordinary sentence case.",
                ICO_HOW_TO_ASK,
            )
        )
    return problems


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _signed(body: str) -> bool:
    """A name of two or more words on the line after "Yours faithfully" (or sincerely)."""
    match = re.search(r"yours (faithfully|sincerely),?\s*\n\s*([^\n]+)", body, re.I)
    if not match:
        return False
    name = match.group(2).strip()
    # Letters of any alphabet (Łukasz, Nguyễn, Ó Súilleabháin), apostrophes, dots, hyphens.
    words = [
        w
        for w in re.split(r"\s+", name)
        if re.fullmatch(r"(?:[^\W\d_]|['’.-])+", w) and any(c.isalpha() for c in w)
    ]
    return len(words) >= 2 and not PLACEHOLDER.search(name)


def _has_address(body: str) -> bool:
    email = re.search(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b", body)
    postcode = re.search(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", body, re.I)
    return bool(email or postcode)


def _has_dates(body: str) -> bool:
    """A period the request covers: a year, or "the last N years" (the letter's own date,
    on a line of its own, does not count)."""
    body = "\n".join(
        line for line in body.splitlines() if not re.fullmatch(r"\s*\d{1,2} \w+ \d{4}\s*", line)
    )
    years = re.findall(r"(?<!Act )\b(19|20)\d{2}\b", body)  # not "the Act 2000"
    relative = re.search(
        r"\b(last|past|previous) (\d+|two|three|four|five|six|twelve) (years?|months?)\b",
        body,
        re.I,
    )
    return bool(years or relative)
