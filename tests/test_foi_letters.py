"""The FOI draft linter: each problem flagged on a bad draft, nothing on a good one."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog.foi.letters import draft_letter, lint_letter

TODAY = dt.date(2026, 11, 24)
TEMPLATE = draft_letter("Camden Council", "Fly-tipping reports", TODAY)
GOOD = (
    draft_letter(
        "Camden Council",
        "The number of fly-tipping reports received",
        TODAY,
        date_from="1 April 2022",
        date_to="31 March 2025",
        breakdown="by ward and by month",
    )
    .replace("[Your full name]", "Amira Okafor")
    .replace("[Your email or postal address]", "amira.okafor@example.org")
)


def codes(text: str, template: str | None = TEMPLATE) -> set[str]:
    return {p.code for p in lint_letter(text, template)}


def test_a_good_draft_has_no_problems() -> None:
    assert lint_letter(GOOD, TEMPLATE) == []
    postal = GOOD.replace("amira.okafor@example.org", "12 High Street, London NW1 8NP")
    assert lint_letter(postal, TEMPLATE) == []


def test_the_untouched_template_is_flagged() -> None:
    assert "template-unchanged" in codes(TEMPLATE)
    assert "template-unchanged" in codes(GOOD.replace("by ward and by month", "[breakdown]"))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda t: t.replace("Amira Okafor", "Amira"), "no-real-name"),
        (lambda t: t.replace("Yours faithfully,\n\nAmira Okafor", "Thanks"), "no-real-name"),
        (lambda t: t.replace("amira.okafor@example.org", ""), "no-contact-address"),
        (
            lambda t: t + "\nAlso, why did you close the recycling centre?\n",
            "asks-a-question",
        ),
        (
            lambda t: t + "\nPlease include all the information you hold about me.\n",
            "own-personal-data",
        ),
        (
            lambda t: t.replace(", for the period from 1 April 2022 to 31 March 2025", ""),
            "no-date-range",
        ),
        (lambda t: t + "\nPlease send all emails about fly-tipping.\n", "too-broad"),
        (lambda t: t.upper(), "all-capitals"),
    ],
)
def test_each_problem_is_flagged_with_guidance(change, code: str) -> None:
    bad = change(GOOD)
    problems = lint_letter(bad, TEMPLATE)
    found = {p.code for p in problems}
    assert code in found, found
    problem = next(p for p in problems if p.code == code)
    assert problem.message and problem.guidance.startswith("https://ico.org.uk/")


def test_the_draft_says_what_the_ico_asks() -> None:
    assert TEMPLATE.startswith("Subject: Freedom of Information request: Fly-tipping reports")
    assert "24 November 2026" in TEMPLATE and "Dear Camden Council," in TEMPLATE
    assert "section 11(1A)" in TEMPLATE and "CSV" in TEMPLATE and "licence" in TEMPLATE
    assert "Yours faithfully," in TEMPLATE
