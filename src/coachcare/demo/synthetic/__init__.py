"""Synthetic data at national scale, for benchmarks and load tests (never real people)."""
