"""Smoke test of the quality benchmark (``python -m benchmarks.quality --quick``): tiny data,
2 epochs; the numbers are not checked, the plumbing and the report are."""

import json

import pytest

quality = pytest.importorskip("benchmarks.quality")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_quick_run_writes_every_section(tmp_path):
    out, dump = tmp_path / "quality.md", tmp_path / "quality.json"
    results = quality.main(["--quick", "--out", str(out), "--json", str(dump)])
    models = {(r["data"], r["model"]) for key in quality.SECTIONS for r in results[key]}
    assert ("wine", "skrnn") in models and ("wine", "linear") in models
    assert ("ItalyPowerDemand", "1-NN Euclidean") in models
    assert ("airline", "seasonal naive (sp=12)") in models
    text = out.read_text()
    for title in quality.SECTIONS.values():
        assert title in text
    # a later run renders an earlier one's dump as its "before" column
    again = quality.render(results, before=json.loads(dump.read_text()))
    assert "| data | model | before | after |" in again


def _tsc_rows(skrnn_seeds, dtw, ed, published):
    rows = [
        dict(data="GunPoint", model=m, mean=a, std=0.0, fit_s=1.0, seeds=[a])
        for m, a in (("1-NN Euclidean", ed), ("1-NN DTW", dtw), ("MiniRocket", 0.99))
    ]
    rows.append(
        dict(
            data="GunPoint",
            model="skrnn",
            mean=sum(skrnn_seeds) / 3,
            std=0.0,
            fit_s=9.0,
            seeds=skrnn_seeds,
            train_seeds=[1.0, 1.0, 1.0],
            published=published,
            length=150,
        )
    )
    return rows


def test_tsc_summary_says_which_targets_are_missed_and_by_how_much():
    met = "\n".join(quality.tsc_summary(_tsc_rows([0.99, 0.98, 1.0], 0.91, 0.91, {"FCN": 1.0})))
    assert "all met." in met
    assert "| GunPoint | 150 | 0.990 / 0.980 / 0.020 | 1.000 | 0.910 | 0.910 | 0.990 |" in met
    missed = "\n".join(quality.tsc_summary(_tsc_rows([0.80, 0.90, 0.95], 0.9, 0.85, {"FCN": 1.0})))
    assert "mean 0.883 below 1-NN DTW 0.900" in missed
    assert "a seed at 0.800 below 1-NN Euclidean 0.850" in missed
    assert "published 1.000 (by 0.087)" in missed
    assert "seed spread 0.150 > 0.05" in missed


def test_only_one_section_rewrites_that_section_and_keeps_the_rest(tmp_path):
    out = tmp_path / "quality.md"
    first = {"machine": "m", "classification": _tsc_rows([1.0, 1.0, 1.0], 0.9, 0.9, {})}
    first["forecasting"] = [dict(data="airline", model="naive", mean=48.0, std=0.0, fit_s=0.0)]
    out.write_text(quality.render(first) + "\nHand-written notes.\n")
    second = {"machine": "m", "classification": _tsc_rows([0.5, 0.5, 0.5], 0.9, 0.9, {})}
    quality.write_sections(str(out), second, None, ["classification"])
    text = out.read_text()
    assert "0.500 / 0.500 / 0.000" in text and "1.000 / 1.000 / 0.000" not in text
    assert "| airline | naive | 48.000 |" in text and "Hand-written notes." in text


def test_a_baseline_too_slow_for_a_set_is_left_out_of_that_set(monkeypatch):
    monkeypatch.setitem(quality.SKIP_BASELINES, "ItalyPowerDemand", ("1-NN Euclidean",))
    rows = quality.run_classification(True, lambda *a: None)
    models = {r["model"] for r in rows if r["data"] == "ItalyPowerDemand"}
    assert "1-NN Euclidean" not in models
    assert {"RandomForest", "skrnn"} <= models
    summary = "\n".join(quality.tsc_summary(rows))
    assert "| ItalyPowerDemand | 24 |" in summary and "a seed at" not in summary
