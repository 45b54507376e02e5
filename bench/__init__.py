"""Benchmarks: measured and reported, never asserted (docs/benchmarks.md)."""
