"""Benchmarks: `make bench` runs every `bench/bench_*.py` against the emulator in-process."""
