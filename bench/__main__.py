"""`make bench`: runs every benchmark module listed here and prints its figures.

python -m bench                      # every benchmark, with its default sizes
python -m bench ingest [OPTIONS]     # one benchmark; OPTIONS go to it (see --help)
"""

import importlib
import sys

# name -> module with main(argv) -> exit status; the reads and search issues add theirs
BENCHMARKS: dict[str, str] = {
    "infer": "bench.infer_bench",
    "ingest": "bench.ingest_bench",
    "reads": "bench.reads_bench",
    "search": "bench.search_bench",
    "hostile": "bench.hostile_bench",
    "charts": "bench.charts_bench",
    "load": "bench.load_bench",
    "scale": "bench.scale_bench",
}


def main(argv: list[str]) -> int:
    if argv and not argv[0].startswith("-"):
        name, options = argv[0], argv[1:]
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; there are: {', '.join(BENCHMARKS)}")
            return 2
        names = [name]
    elif argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip().split("\n", 1)[1].strip("\n"))
        print(f"\nbenchmarks: {', '.join(BENCHMARKS)}")
        return 0
    else:
        names, options = list(BENCHMARKS), argv
    status = 0
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        status = max(status, module.main(options))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
