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
