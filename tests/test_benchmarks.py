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


def test_export_benchmark_runs_and_renders():
    """benchmarks.export on tiny data: every workload exported, timed and rendered."""
    pytest.importorskip("onnxruntime")
    from benchmarks import export

    results = export.run(tiny=True, log=lambda *_: None)
    assert [row["key"] for row in results["rows"]] == ["airline", "W2", "W3"]
    assert all(row["sizes"]["onnx"] > 0 and row["speedup"] > 0 for row in results["rows"])
    text = export.render(results)
    assert text.startswith(export.START) and text.endswith(export.END)
    assert "| W3: 2 x LSTM 64 units" in text


def test_w4_raw_side_draws_its_weights_with_the_estimators_scheme(monkeypatch):
    """W4's two modules differ in shape, so its losses agree only roughly, and only if
    both start from the same scheme: the raw side drew PyTorch's after the estimator
    moved to Keras' (one-epoch losses 1.49 / 1.59 on the full W4)."""
    from skrnn import Seq2SeqTransformer

    schemes = []
    draw = benchmarks.init_parameters
    monkeypatch.setattr(
        benchmarks,
        "init_parameters",
        lambda module, generator, scheme="torch": (
            schemes.append(scheme) or draw(module, generator, scheme)
        ),
    )
    w4 = next(w for w in benchmarks.workloads(tiny=True) if w.key == "W4")
    X, y = w4.data()
    w4.fit_raw(*w4.raw_inputs(X, y), seed=0)
    assert schemes == [Seq2SeqTransformer().init]


def test_only_a_full_run_of_every_part_writes_the_docs_by_default():
    """A W4-only run without --out replaced docs/benchmarks.md's results block (W1-W4,
    accuracy, grid) with its one row: subsets and quick runs are printed unless --out."""
    from argparse import Namespace

    from benchmarks import __main__ as harness

    full = Namespace(out=None, quick=False, only="")
    assert harness._out_path(full).endswith("benchmarks.md")
    assert harness._out_path(Namespace(out=None, quick=False, only="W4")) is None
    assert harness._out_path(Namespace(out=None, quick=True, only="")) is None
    assert harness._out_path(Namespace(out="x.md", quick=False, only="W4")) == "x.md"
