"""Benchmarks (`make bench`). Each bench/bench_<name>.py has `run() -> dict`; results go to bench/results/."""
