"""Klinik's benchmark suite behind `make bench` (`python -m bench`).

Benchmarks are plain functions registered in `bench.registry`; each runs once per database in
its own subprocess against its own fresh database. Nothing here is part of the test suite.
"""
