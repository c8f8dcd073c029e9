"""Rival readings of a legacy file: which encoding to preselect, and when to ask."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.readings import score_character
from ingest.sniff import DEFAULT_LEGACY_ENCODINGS, Sniffed, encoding_choices, sniff_file

DATA = Path(__file__).parent / "data"
DOS = DATA / "derived/uk-rpa-spend-feb-2011-cp850/rpa-over-25k-1102-cp850.csv"
RPA = DATA / "invalid/uk-rpa-spend-feb-2011/rpa-over-25k-1102.csv"
CABINET = DATA / "invalid/uk-cabinet-office-spend-nov-2010/co-spend-data-nov2010.csv"
GLA = DATA / "invalid/uk-gla-payments-dec-2009/gla-december_2009.csv"
FRENCH = DATA / "invalid/fr-ev-charging-stations/issue-647.csv.txt"


def test_cp850_is_a_default_candidate_after_the_windows_ones():
    assert DEFAULT_LEGACY_ENCODINGS == ("cp1252", "latin_1", "iso8859_15", "cp850")


def test_pound_signs_from_a_dos_system_are_preselected_over_windows_oe():
    choices = encoding_choices(DOS)
    assert choices.preselected == "cp850" and not choices.certain
    dos, windows, latin = choices.choices
    assert (dos.encoding, windows.encoding, latin.encoding) == ("cp850", "cp1252", "latin_1")
    assert dos.label == "DOS Latin-1 (code page 850)" and latin.same_as == ("iso8859_15",)
    assert dos.lines[0][0] == 2 and '"£196,538.13"' in dos.lines[0][1]
    assert windows.lines[0][0] == 2 and '"œ196,538.13"' in windows.lines[0][1]
    assert "\x9c196,538.13" in latin.lines[0][1]  # a control character in Latin-1
    assert len(dos.lines) == 5 and all(len(text) <= 121 for _, text in dos.lines)
    assert dos.score > 0 > windows.score > latin.score
    assert sniff_file(DOS) == Sniffed("cp850", ",", "\n")  # sniff preselects the same


@pytest.mark.parametrize(
    ("path", "line", "windows", "dos"),
    [
        (RPA, 2, '"£196,538.13"', '"ú196,538.13"'),
        (CABINET, 1, "Amount £,", "Amount ú,"),
        (GLA, 2, "Greater than £ 1000.00", "Greater than ú 1000.00"),
    ],
)
def test_the_real_uk_files_are_windows_1252_without_asking(path, line, windows, dos):
    choices = encoding_choices(path)
    assert choices.preselected == "cp1252" and choices.certain
    first, rival = choices.choices
    assert first.same_as == ("latin_1", "iso8859_15")  # their £ bytes read alike in all three
    assert rival.encoding == "cp850"
    assert first.lines[0][0] == line and windows in first.lines[0][1]
    assert rival.lines[0][0] == line and dos in rival.lines[0][1]
    assert sniff_file(path).encoding == "cp1252"


def test_french_accents_read_as_windows_1252_without_asking():
    choices = encoding_choices(FRENCH)
    assert (choices.preselected, choices.certain) == ("cp1252", True)
    assert "accessibilité" in choices.choices[0].lines[0][1]
    assert "accessibilitÚ" in choices.choices[1].lines[0][1]


@pytest.mark.parametrize(
    ("path", "encoding"),
    [
        (DATA / "valid/gdp/data/top-economies.csv", "utf-8"),  # ASCII
        (DATA / "valid/uk-public-bodies/data/gb.csv", "utf-8"),
        (DATA / "invalid/frictionless-bom/bom.csv", "utf-8-sig"),
    ],
)
def test_utf8_and_ascii_files_are_certain_with_no_choices(path, encoding):
    choices = encoding_choices(path)
    assert (choices.preselected, choices.choices, choices.certain) == (encoding, [], True)
    assert choices.to_dict() == {"preselected": encoding, "certain": True, "choices": []}


def test_a_file_every_candidate_reads_alike_is_certain(tmp_path):
    path = tmp_path / "accents.csv"
    path.write_bytes("id;place\n1;Zürich\n2;Besançon\n".encode("cp1252"))
    choices = encoding_choices(path, ("cp1252", "latin_1"))
    assert (choices.preselected, choices.certain, len(choices.choices)) == ("cp1252", True, 1)


@pytest.mark.parametrize(
    ("text", "index", "score"),
    [
        ("£196.00", 0, 2),
        ("Amount £", 7, 1),
        ("œ196.00", 0, -2),
        ("cœur", 1, 2),
        ("Société", 3, 2),
        ("ChildrenÆs", 8, -1),
        ("Children’s", 8, 1),
        ("a ¥ b", 2, -1),
        ("x╝y", 1, -2),
        ("\x9c196", 0, -3),
    ],
)
def test_characters_are_scored_by_where_they_stand(text, index, score):
    assert score_character(text, index) == score
