"""Whether a column holds people's names: by its heading, then by its values.

A heading says a column may hold names ("Name", "Full name", "Supplier name", "Forename",
"Surname"); the values decide. A value is a person's name when it has no digits and no word
of an organisation ("Ltd", "plc", "Council", "University", "Trust" ...), and either starts
with a title ("Mr J Smith"), or has two to four words of which the first (or, written
"Smith, John", the one after the comma) is a common forename or an initial. In a column
headed for one part of a name ("Forename", "Surname") one or two plain words will do.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string, for lists of words that read better so."""
    return frozenset(text.split())


# Headings: the words that make a column a name column, and what part of a name it holds.
_GIVEN = {"forename", "forenames", "firstname", "givenname", "middlename", "christianname"}
_FAMILY = {"surname", "lastname", "familyname", "maidenname"}
_FULL = {"name", "names", "fullname"}
# Words beside "name" that say it is not a person's.
_NOT_PEOPLE = _words(
    """area authority brand building business city company council country county dataset
    district event field file location organisation organization parish place product
    programme project region road scheme school sector site street town venue
    ward"""
)
_TITLES = _words("mr mrs ms miss mx dr prof sir dame lady lord rev revd fr")
ORGANISATION_WORDS = _words(
    """academy agency associates association authority bank board borough branch centre
    church club co college committee company consultancy consultants consulting corporation
    council department enterprises estate estates foundation fund gardens group hall holdings
    global hospital hotel house housing inc institute international limited llp ltd management
    ministry nhs office partners partnership plc practice project properties school services
    society solutions systems technologies the trust trustees uk university worldwide"""
)
# Common forenames in England and Wales, 1930s to 2010s (ONS baby names), lower case.
FORENAMES = _words(
    """aaron abigail adam adrian aisha alan albert alex alexander alfie alice alison amanda
    amber amelia amy andrea andrew angela ann anna anne anthony arthur ava barbara barry ben
    benjamin beth betty brenda brian callum carl carol caroline catherine charles charlie
    charlotte chloe chris christine christopher claire clare colin craig daniel danielle
    darren david dawn dean deborah debra denise dennis derek diane donna dorothy douglas
    edward eileen eleanor elizabeth ella ellie emily emma eric ethan evelyn frank freya gary
    gemma george georgia georgina gillian gordon grace graham hannah harriet harry harvey
    heather helen henry holly ian isabella isla isaac jack jacob jade james jamie jane janet
    jason jayden jean jennifer jessica joan joanne john jonathan joseph joshua joyce julie
    karen kate katherine kathleen kathryn keith kelly kenneth kevin kieran kim laura lauren
    leah lee leo leon lesley lewis liam lily linda lisa logan louise lucy luke lynn malcolm
    margaret maria marie mark martin mary matthew megan melanie michael michelle mia mohammed
    muhammad nathan neil nicholas nicola nigel noah oliver olivia oscar owen pamela patricia
    patrick paul pauline peter philip rachel rebecca richard robert ronald rose ruby ruth
    ryan sally samantha samuel sandra sarah scott sharon shirley simon sophia sophie stephen
    steven stuart susan teresa thomas tim timothy tina tom tony tracey tracy valerie victoria
    wayne wendy william zoe"""
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*\.?")
_ALLOWED = re.compile(r"[A-Za-z'\-. ,]+")


def name_column_kind(heading: str) -> str | None:
    """ "full", "given" or "family" when the heading says the column may hold names."""
    words = re.findall(r"[a-z]+", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", heading).lower())
    joined = {a + b for a, b in zip(words, words[1:], strict=False)} | set(words)
    if joined & _GIVEN:
        return "given"
    if joined & _FAMILY:
        return "family"
    if joined & _FULL and not set(words) & _NOT_PEOPLE:
        return "full"
    return None


def looks_like_person(value: str, kind: str = "full") -> bool:
    """Whether a value of a name column reads as a person's name rather than a body's."""
    text = value.strip()
    if not text or not _ALLOWED.fullmatch(text) or text.count(",") > 1:
        return False
    words = [w.rstrip(".").lower() for w in _WORD.findall(text)]
    if not words or ORGANISATION_WORDS & set(words):
        return False
    if kind != "full":
        return len(words) <= 2 and all(len(w) > 1 for w in words)
    titled = words[0] in _TITLES
    rest = words[1:] if titled else words
    if titled:
        return 1 <= len(rest) <= 3
    if not 2 <= len(rest) <= 4:
        return False
    if "," in text:  # "Smith, John": the forename comes after the comma
        after = _WORD.findall(text.split(",", 1)[1])
        first = after[0].rstrip(".").lower() if after else ""
    else:
        first = rest[0]
    return first in FORENAMES or len(first) == 1


def mask_name(value: str) -> str:
    """Each word of a name to its first letter and stars, titles kept: "Mr J*** S***"."""
    masked = []
    for word in value.split():
        bare = word.rstrip(".,").lower()
        masked.append(word if bare in _TITLES else word[0] + "***")
    return " ".join(masked)
