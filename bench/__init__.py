"""Benchmarks: ``python -m bench [NAME...]`` (see bench/core.py and docs/benchmarks.md)."""
