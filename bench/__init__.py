"""Benchmarks, run by `make bench`. Each issue that names a speed or memory target adds one."""
