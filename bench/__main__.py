"""`make bench`: runs every benchmark module listed here and prints its figures."""

BENCHMARKS: list[str] = []  # the ingest, reads and search issues add theirs

if __name__ == "__main__":
    if not BENCHMARKS:
        print("No benchmarks yet: the first targets arrive with the ingest engine (issue 3).")
