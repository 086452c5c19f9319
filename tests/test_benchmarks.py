"""Smoke test of the benchmark harness on tiny data (no timing is checked)."""

import pytest

benchmarks = pytest.importorskip("benchmarks.workloads")
from benchmarks import report  # noqa: E402


def test_skrnn_trains_exactly_like_the_raw_loop():
    """Same seed, same permutations, same weights: skrnn's loss is the raw loop's."""
    wl = benchmarks.workloads(tiny=True)[1]
    row = benchmarks.run_training(wl, log=lambda *_: None)
    assert row["loss_skrnn"] == pytest.approx(row["loss_raw"], rel=1e-5)
    assert row["params"][0] == row["params"][1]
    text = report.render({"training": [row], "skipped": {"W4": "pending"}})
    assert "| W2 air quality |" in text and "| W4 | not run: pending |" in text
