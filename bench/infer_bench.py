"""The inference benchmark: schemas.infer_table over a generated flights-like file.

The file has the shape of the 336,776-row New York flights table (19 columns: whole numbers
with "NA" in the delay and time columns, carrier and tail-number codes, a date-and-time
column), written once into bench/out. Inference reads every value of it.

    python -m bench infer                  # 336,776 rows
    python -m bench infer --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from pathlib import Path

from schemas import infer_table

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_ROWS = 336_776
HEADER = [
    "year",
    "month",
    "day",
    "dep_time",
    "sched_dep_time",
    "dep_delay",
    "arr_time",
    "sched_arr_time",
    "arr_delay",
    "carrier",
    "flight",
    "tailnum",
    "origin",
    "dest",
    "air_time",
    "distance",
    "hour",
    "minute",
    "time_hour",
]


def write_flights(path: Path, rows: int) -> None:
    """A flights-like CSV file: about 3% of flights cancelled (NA in their times)."""
    chance = random.Random(1)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for _ in range(rows):
            month, day = chance.randint(1, 12), chance.randint(1, 28)
            hour, minute = chance.randint(5, 23), chance.randint(0, 59)
            gone = chance.random() < 0.03

            def na(value: object, cancelled: bool = gone) -> object:
                return "NA" if cancelled else value

            tail = f"N{chance.randint(100, 999)}{chance.choice('UAJBW')}{chance.choice('ABCDE')}"
            out.writerow(
                [2013, month, day, na(hour * 100 + minute), hour * 100 + minute]
                + [na(chance.randint(-20, 300)), na(chance.randint(1, 2359))]
                + [
                    chance.randint(1, 2359),
                    na(chance.randint(-60, 300), gone or chance.random() < 0.01),
                ]
                + [chance.choice(["UA", "AA", "B6", "DL", "EV", "MQ"]), chance.randint(1, 6000)]
                + [na(tail, chance.random() < 0.007), chance.choice(["EWR", "LGA", "JFK"])]
                + [chance.choice(["IAH", "MIA", "BQN", "ATL", "ORD", "FLL"])]
                + [na(chance.randint(20, 600)), chance.randint(80, 4983), hour, minute]
                + [f"2013-{month:02d}-{day:02d} {hour:02d}:00:00"]
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench infer", description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    options = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"flights-{options.rows}.csv"
    if not path.exists():
        write_flights(path, options.rows)
    started = time.perf_counter()
    inference = infer_table(path)
    seconds = time.perf_counter() - started
    size = path.stat().st_size / 1_000_000
    print(f"infer_table: {inference.rows:,} rows, {size:.1f} MB in {seconds:.2f} s")
    for column in inference.columns:
        print(f"  {column.description}")
    return 0
