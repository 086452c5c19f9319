"""Benchmarks of skrnn against hand-written PyTorch loops (issue #5).

Run ``python -m benchmarks`` (full, ~15 min, writes ``docs/benchmarks.md``) or
``python -m benchmarks --quick`` (< 2 min, prints the table).
"""
