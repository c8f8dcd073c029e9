"""Spend-like CSV files for the ingest benchmark, generated in chunks from a fixed seed.

Eight columns, like a council's spend-over-£500 file: date, supplier, department, amount,
transaction_id, postcode, category (an enum) and a long free-text description. The "errors"
variant replaces 0.1% of the rows with each kind of error in ERROR_KINDS, at seeded random
rows; the rest of the file is identical to the "valid" variant of the same size.

Files are cached by size, variant, seed and GENERATOR_VERSION (bump it whenever the output
changes), and written under a temporary name first, so an interrupted run leaves no half file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

GENERATOR_VERSION = 1
SEED = 20240611
CHUNK_ROWS = 100_000
ERROR_RATE = 0.001  # of the rows, for each kind of error
VARIANTS = ("valid", "errors")

HEADER = "date,supplier,department,amount,transaction_id,postcode,category,description"
CATEGORIES = [
    "Consultancy",
    "Equipment",
    "Facilities",
    "Grants",
    "IT Services",
    "Legal",
    "Professional Fees",
    "Rent",
    "Social Care",
    "Training",
    "Transport",
    "Utilities",
]
DEPARTMENTS = [
    "Adult Social Care",
    "Children's Services",
    "Corporate Resources",
    "Environment",
    "Finance",
    "Highways",
    "Housing",
    "Human Resources",
    "Legal and Democratic Services",
    "Libraries",
    "Parks and Open Spaces",
    "Planning",
    "Public Health",
    "Regeneration",
    "Waste Management",
]
POSTCODE_PATTERN = "[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"

SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "date", "type": "date"},
        {"name": "supplier", "type": "string", "constraints": {"required": True}},
        {"name": "department", "type": "string"},
        {
            "name": "amount",
            "type": "number",
            "constraints": {"minimum": -1_000_000_000, "maximum": 1_000_000_000},
        },
        {
            "name": "transaction_id",
            "type": "string",
            "constraints": {"required": True, "unique": True, "pattern": "TX[0-9]{9}"},
        },
        {"name": "postcode", "type": "string", "constraints": {"pattern": POSTCODE_PATTERN}},
        {"name": "category", "type": "string", "constraints": {"enum": CATEGORIES}},
        {"name": "description", "type": "string"},
    ]
}

# Each kind of injected error, and the frictionless error type it should be reported as.
ERROR_KINDS: dict[str, str] = {
    "date-type": "type-error",
    "amount-type": "type-error",
    "category-enum": "constraint-error",
    "postcode-pattern": "constraint-error",
    "duplicate-id": "unique-error",
    "supplier-missing": "constraint-error",
    "extra-cell": "extra-cell",
    "missing-cell": "missing-cell",
    "blank-row": "blank-row",
}
_BAD_DATES = ["31/12/2021", "2021-02-30", "2021-13-01", "yesterday"]
_BAD_AMOUNTS = ["n/a", '"£1,234.00"', "12.3.4", "1O0.00"]
_BAD_CATEGORIES = ["Miscellaneous", "consultancy", "Other", "IT services"]
_BAD_POSTCODES = ["SW1A1AA", "N/A", "12345", "sw1a 1aa"]

_WORD_TEXT = (
    "annual maintenance contract for the council offices including cleaning materials and "
    "waste collection services provided under framework agreement reference quarterly "
    "payment invoice repairs to street lighting columns temporary accommodation for "
    "families supply of library books and periodicals software licences renewal support "
    "for school transport routes consultancy fees relating to the regeneration programme "
    "grant to community group café refurbishment of play areas in parks legal advice on "
    "planning appeal £ agency staff cover during vacancies residential care placement "
    "fuel for fleet vehicles électricité gas and water charges training course for social "
    "workers rent of depot premises arrears first second third instalment of the works"
)
_WORDS = _WORD_TEXT.split()


def generate(folder: Path, rows: int, variant: str, seed: int = SEED) -> Path:
    """The cached CSV file of `rows` data rows for this variant, generated if missing."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"spend-v{GENERATOR_VERSION}-s{seed}-{rows}-{variant}.csv"
    if path.is_file():
        return path
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    errors = _error_rows(rows, seed) if variant == "errors" else {}
    pools = _Pools(seed)
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            out.write(HEADER + "\n")
            for start in range(0, rows, CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, rows)
                out.write("".join(_chunk(pools, seed, start, stop, errors)))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_schema(folder: Path) -> Path:
    """SCHEMA as a JSON file, for `datastore validate FILE --schema PATH` by hand."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"spend-v{GENERATOR_VERSION}-schema.json"
    path.write_text(json.dumps(SCHEMA, indent=2) + "\n", encoding="utf-8")
    return path


def error_rows_per_kind(rows: int) -> int:
    return round(rows * ERROR_RATE)


class _Pools:
    """Ready-rendered CSV cells that the rows are drawn from (quoted where they need it)."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng([seed, 0])
        first = dt.date(2014, 1, 1)
        self.dates = np.array(
            [(first + dt.timedelta(days=d)).isoformat() for d in range(11 * 365)], dtype=object
        )
        self.suppliers = np.array([_supplier(rng) for _ in range(5000)], dtype=object)
        self.departments = np.array([_cell(d) for d in DEPARTMENTS], dtype=object)
        self.postcodes = np.array([_postcode(rng) for _ in range(20_000)], dtype=object)
        self.categories = np.array(CATEGORIES, dtype=object)
        # A description is two fragments, so there are 16M different ones; a row's cell is
        # quoted when either fragment holds a comma or a double quote.
        self.heads, self.heads_quoted = _fragments(rng, 4096)
        self.tails, self.tails_quoted = _fragments(rng, 4096)


def _chunk(
    pools: _Pools, seed: int, start: int, stop: int, errors: dict[int, tuple[str, int]]
) -> list[str]:
    """Rows [start, stop) as CSV lines. Each chunk has its own generator, so the first N rows
    of every file are the same whatever its size."""
    rng = np.random.default_rng([seed, 1, start])
    n = stop - start
    dates = pools.dates[rng.integers(0, len(pools.dates), n)].tolist()
    suppliers = pools.suppliers[rng.zipf(1.3, n) % len(pools.suppliers)].tolist()
    departments = pools.departments[rng.integers(0, len(pools.departments), n)].tolist()
    pence = np.rint(rng.lognormal(10.5, 1.6, n)).clip(1, 90_000_000_000)
    pence[rng.random(n) < 0.03] *= -1  # credit notes
    amounts = (pence / 100).tolist()
    ids = _transaction_numbers(np.arange(start, stop, dtype=np.int64), seed).tolist()
    postcodes = pools.postcodes[rng.integers(0, len(pools.postcodes), n)].tolist()
    categories = pools.categories[rng.integers(0, len(pools.categories), n)].tolist()
    head = rng.integers(0, len(pools.heads), n)
    tail = rng.integers(0, len(pools.tails), n)
    quotes = np.where(pools.heads_quoted[head] | pools.tails_quoted[tail], '"', "").tolist()
    heads = pools.heads[head].tolist()
    tails = pools.tails[tail].tolist()
    lines = [
        f"{d},{s},{p},{a:.2f},TX{t:09d},{c},{k},{q}{h} {e}{q}\n"
        for d, s, p, a, t, c, k, q, h, e in zip(
            dates,
            suppliers,
            departments,
            amounts,
            ids,
            postcodes,
            categories,
            quotes,
            heads,
            tails,
            strict=True,
        )
    ]
    for row in range(start, stop):
        if row not in errors:
            continue
        kind, arg = errors[row]
        i = row - start
        cells = [
            dates[i],
            suppliers[i],
            departments[i],
            f"{amounts[i]:.2f}",
            f"TX{ids[i]:09d}",
            postcodes[i],
            categories[i],
            f"{quotes[i]}{heads[i]} {tails[i]}{quotes[i]}",
        ]
        lines[i] = ",".join(_INJECT[kind](cells, arg, seed)) + "\n"
    return lines


_ID_STEP = 387_420_489  # 3**18, which shares no factor with 10**9


def _transaction_numbers(rows: np.ndarray, seed: int) -> np.ndarray:
    """A different nine-digit number for every row: an affine map, one-to-one mod 10**9."""
    return (rows * _ID_STEP + seed) % 1_000_000_000


def _error_rows(rows: int, seed: int) -> dict[int, tuple[str, int]]:
    """{row index: (error kind, argument)}, ERROR_RATE of the rows for each kind, no row
    twice, never row 0. The argument is the row itself, or for a duplicate id the earlier
    clean row whose id it repeats."""
    per_kind = error_rows_per_kind(rows)
    if per_kind * len(ERROR_KINDS) >= rows:
        raise ValueError(f"{rows} rows are too few to hold every kind of error")
    rng = np.random.default_rng([seed, 2, rows])
    chosen = (rng.choice(rows - 1, per_kind * len(ERROR_KINDS), replace=False) + 1).tolist()
    taken = set(chosen)
    errors: dict[int, tuple[str, int]] = {}
    for k, kind in enumerate(ERROR_KINDS):
        for row in chosen[k * per_kind : (k + 1) * per_kind]:
            arg = row
            if kind == "duplicate-id":
                arg = int(rng.integers(0, row))
                while arg in taken:
                    arg = int(rng.integers(0, row))
            errors[row] = (kind, arg)
    return errors


def _duplicate_id(cells: list[str], earlier: int, seed: int) -> list[str]:
    cells[4] = f"TX{(earlier * _ID_STEP + seed) % 1_000_000_000:09d}"
    return cells


def _set(index: int, options: list[str]) -> Callable[[list[str], int, int], list[str]]:
    def inject(cells: list[str], row: int, seed: int) -> list[str]:
        cells[index] = options[row % len(options)]
        return cells

    return inject


_INJECT: dict[str, Callable[[list[str], int, int], list[str]]] = {
    "date-type": _set(0, _BAD_DATES),
    "amount-type": _set(3, _BAD_AMOUNTS),
    "category-enum": _set(6, _BAD_CATEGORIES),
    "postcode-pattern": _set(5, _BAD_POSTCODES),
    "duplicate-id": _duplicate_id,
    "supplier-missing": _set(1, [""]),
    "extra-cell": lambda cells, row, seed: [*cells, "EXTRA"],
    "missing-cell": lambda cells, row, seed: cells[:-1],
    "blank-row": lambda cells, row, seed: [""] * len(cells),
}


def _cell(text: str) -> str:
    if "," in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _supplier(rng: np.random.Generator) -> str:
    syllables = ["ab", "bel", "cor", "dun", "el", "fen", "gar", "hol", "ing", "kes", "lan"]
    name = "".join(rng.choice(syllables, rng.integers(2, 4))).capitalize()
    shape = rng.integers(0, 6)
    if shape == 0:
        partner = "".join(rng.choice(syllables, 2)).capitalize()
        return _cell(f"{name}, {partner} & Co")  # needs quoting
    suffix = ["Ltd", "Limited", "plc", "LLP", "Services Ltd"][shape - 1]
    return _cell(f"{name} {suffix}")


def _postcode(rng: np.random.Generator) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUWYZ"
    area = "".join(rng.choice(list(letters), rng.integers(1, 3)))
    district = str(rng.integers(1, 10))
    if rng.random() < 0.3:
        district += str(rng.integers(0, 10))
    inward = str(rng.integers(0, 10)) + "".join(rng.choice(list(letters), 2))
    return f"{area}{district} {inward}"


def _fragments(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` fragments of 55-100 characters, some with commas or an inch mark."""
    texts: list[str] = []
    for _ in range(count):
        words: list[str] = []
        length = rng.integers(55, 100)
        while sum(len(w) + 1 for w in words) < length:
            word = str(_WORDS[rng.integers(0, len(_WORDS))])
            if rng.random() < 0.005:
                word += ","
            elif rng.random() < 0.003:
                word = '2" pipe'
            words.append(word)
        texts.append(" ".join(words).capitalize())
    quoted = np.array(["," in t or '"' in t for t in texts], dtype=bool)
    escaped = np.array([t.replace('"', '""') for t in texts], dtype=object)
    return escaped, quoted
