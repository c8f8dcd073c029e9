"""FOI request letters: the draft the site offers, and a linter that explains in plain words
what would make a public body refuse or delay it, each with the ICO's guidance.

The letter follows what the ICO says a valid request needs (FOIA section 8): in writing, the
requester's real name, an address for correspondence, and a description of the recorded
information wanted. It asks for a re-usable, machine-readable form under section 11(1A), with
a re-use licence, so the answer can be published here.

The linter is a table of rules (RULES), each a code, what finds the problem and the message
a volunteer reads, checked in the order listed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
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


# A finder looks at the letter (stripped) and the template it started from: None when the
# letter is fine on that count, else the text its rule's message quotes as {found} ("" when
# the message quotes nothing).
Finder = Callable[[str, str | None], str | None]


@dataclass(frozen=True)
class Rule:
    """One thing that gets a request refused or delayed, and what to tell the volunteer."""

    code: str
    finds: Finder
    message: str
    guidance: str = ICO_HOW_TO_ASK

    def check(self, body: str, template: str | None) -> Problem | None:
        found = self.finds(body, template)
        if found is None:
            return None
        return Problem(self.code, self.message.replace("{found}", found), self.guidance)


def matching(pattern: str) -> Finder:
    """A finder for words the letter should not have: the pattern, ignoring case."""
    compiled = re.compile(pattern, re.I)

    def finds(body: str, _template: str | None) -> str | None:
        match = compiled.search(body)
        return match.group(0) if match else None

    return finds


def lacking(test: Callable[[str], bool]) -> Finder:
    """A finder for something the letter should have: `test` says whether it has it."""

    def finds(body: str, _template: str | None) -> str | None:
        return None if test(body) else ""

    return finds


def _unchanged(body: str, template: str | None) -> str | None:
    return "" if template is not None and _same(body, template.strip()) else None


def _placeholder_left(body: str, template: str | None) -> str | None:
    """A part in square brackets left from the draft (the untouched draft is _unchanged)."""
    if _unchanged(body, template) is not None:
        return None
    found = PLACEHOLDER.search(body)
    return found.group(0) if found else None


def _shouting(body: str, _template: str | None) -> str | None:
    letters = [c for c in body if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return "" if len(letters) > 40 and upper > 0.6 * len(letters) else None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _signed(body: str) -> bool:
    """A name of two or more words on the line after "Yours faithfully" (or sincerely)."""
    match = re.search(r"yours (faithfully|sincerely),?[^\S\n]*\n\s*([^\n]+)", body, re.I)
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
    # Bounded as addresses are (64 before the @, labels of 63): unbounded, the search was
    # quadratic in a run of letters, dots or hyphens (a 20,000-character letter, 1.2 s).
    email = re.search(r"\b[\w.+-]{1,64}@[\w-]{1,63}(\.[\w-]{1,63}){1,8}\b", body)
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


# In the order the problems are listed.
RULES: tuple[Rule, ...] = (
    Rule(
        "template-unchanged",
        _unchanged,
        "This is still the draft we started you with: say exactly which information "
        "you want, the dates it should cover, and sign it with your name.",
    ),
    Rule(
        "template-unchanged",
        _placeholder_left,
        "Fill in {found}: the part in square brackets is left from the draft.",
    ),
    Rule(
        "no-real-name",
        lacking(_signed),
        "Sign the request with your real name (first name and surname) after "
        '"Yours faithfully". A request under a pseudonym is not valid under the Act.',
    ),
    Rule(
        "no-contact-address",
        lacking(_has_address),
        "Give an address for the reply: an email address or a postal address.",
    ),
    Rule(
        "asks-a-question",
        matching(r"\bwhy (did|do|does|have|has|was|were|is|are|would)\b"),
        'The Act gives you recorded information, not explanations: instead of "why '
        'did you...", ask for the documents, minutes or data that record the decision.',
    ),
    Rule(
        "own-personal-data",
        matching(
            r"\b(about me|my (own )?(personal )?(data|records|file|information)|"
            r"information (you hold|held) (about|on) me)\b"
        ),
        "Information about yourself is not released under FOI: ask the body for it "
        "with a subject access request under data protection law instead.",
        ICO_SUBJECT_ACCESS,
    ),
    Rule(
        "no-date-range",
        lacking(_has_dates),
        "Say which period you want (for example 2022 to 2024). Without dates the "
        "search may cost more than the limit, and the request can be refused.",
    ),
    Rule(
        "too-broad",
        matching(
            r"\b(all|any and all|every) (information|documents|records|emails|correspondence)\b"
        ),
        'Asking for "all information" or "all emails" risks the cost limit (section '
        "12): name the kind of record, the team and the period.",
    ),
    Rule(
        "all-capitals",
        _shouting,
        "The letter is written mostly in capitals, which reads as shouting: write it "
        "in ordinary sentence case.",
    ),
)


def lint_letter(text: str, template: str | None = None) -> list[Problem]:
    """Everything in a draft that would get it refused or delayed; empty for a good one."""
    body = text.strip()
    return [problem for rule in RULES if (problem := rule.check(body, template)) is not None]
