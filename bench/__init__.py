"""Benchmarks of the bridge: ``python -m bench.relay`` (figures are printed, never asserted)."""
