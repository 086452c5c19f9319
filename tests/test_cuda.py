"""Every estimator on a GPU (``device="cuda"``): what the CPU tests check, where the
network's parameters and the data meet on the device. Skipped without CUDA; the CPU
runs of the same code are the rest of the suite."""

import numpy as np
import pytest
import torch
from conftest import FAST

import skrnn
from skrnn import RNNClassifier, RNNForecaster, RNNRegressor, Seq2SeqTransformer

pytestmark = [
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

#: a small forecaster: two networks of a few units, two epochs
TINY_FORECASTER = dict(n_estimators=2, units=4, epochs=2, batch_size=16, random_state=0)


def _on_cuda(net) -> bool:
    return all(p.is_cuda for p in net.module_.parameters())


def _airline():
    from sktime.datasets import load_airline

    return load_airline()


def _panel():
    from benchmarks.forecasting_panel import synthetic_panel

    return synthetic_panel(6, n_steps=60)


def test_forecaster_of_a_series_on_cuda_matches_the_cpu_fit():
    """Same seed, same windows: the GPU's forecasts differ from the CPU's by float
    rounding only (cuDNN's kernels sum in another order), not by a different fit."""
    y = _airline()
    cpu = RNNForecaster(**TINY_FORECASTER).fit(y, fh=[1, 2, 3])
    gpu = RNNForecaster(**TINY_FORECASTER, device="cuda").fit(y, fh=[1, 2, 3])
    assert all(_on_cuda(m.net_) for m in gpu.estimators_)
    np.testing.assert_allclose(gpu.predict(), cpu.predict(), rtol=1e-2)
    interval = gpu.predict_interval(coverage=0.9)
    assert np.isfinite(interval.to_numpy()).all()


@pytest.mark.parametrize("strategy", ["recursive", "seq2seq"])
def test_other_strategies_on_cuda(strategy):
    y = _airline()
    f = RNNForecaster(**TINY_FORECASTER, strategy=strategy, device="cuda")
    pred = f.fit(y, fh=[1, 2]).predict()
    assert np.isfinite(pred.to_numpy()).all() and len(pred) == 2


def test_global_panel_fit_update_and_pretrain_on_cuda():
    """The panel's one network, its batched forecast of every series, ``update`` and the
    pretrained network reused on a series outside the panel, all on the device."""
    y = _panel()
    f = RNNForecaster(**TINY_FORECASTER, device="cuda").fit(y, fh=[1, 2, 3])
    assert all(_on_cuda(m.net_) for m in f.estimators_)
    pred = f.predict()
    assert pred.shape == (6 * 3, 1) and np.isfinite(pred.to_numpy()).all()
    assert np.isfinite(f.predict_interval(coverage=0.8).to_numpy()).all()

    times = y.index.get_level_values(-1)
    head = y[times < times.max()]
    g = RNNForecaster(**TINY_FORECASTER, device="cuda").fit(head, fh=[1, 2, 3])
    g.update(y, update_params=False)
    assert np.isfinite(g.predict().to_numpy()).all()

    new = _airline()
    p = RNNForecaster(**TINY_FORECASTER, device="cuda").pretrain(y, fh=[1, 2, 3])
    assert np.isfinite(p.fit(new, fh=[1, 2, 3]).predict().to_numpy()).all()


def test_save_and_load_of_a_cuda_forecaster(tmp_path):
    f = RNNForecaster(**TINY_FORECASTER, device="cuda").fit(_panel(), fh=[1, 2])
    skrnn.save(f, tmp_path / "f.skrnn")
    back = skrnn.load(tmp_path / "f.skrnn")
    np.testing.assert_allclose(back.predict(), f.predict(), rtol=1e-6)
    on_cpu = skrnn.load(tmp_path / "f.skrnn", device="cpu")  # for a machine without a GPU
    assert not any(_on_cuda(m.net_) for m in on_cpu.estimators_)
    np.testing.assert_allclose(on_cpu.predict(), f.predict(), rtol=1e-2)


def test_classifier_defaults_on_long_series_on_cuda():
    """The time-series classifier's default network (recurrent and convolution branches)
    on the device: probabilities, and a model that fits its training set."""
    rng = np.random.RandomState(0)
    t = np.linspace(0, 1, 300)
    y = rng.randint(2, size=60)
    X = np.sin(2 * np.pi * (3 + 3 * y[:, None]) * t) + 0.3 * rng.randn(60, 300)
    clf = RNNClassifier(device="cuda", epochs=30, random_state=0).fit(X[:, :, None], y)
    assert _on_cuda(clf)
    proba = clf.predict_proba(X[:, :, None])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert clf.score(X[:, :, None], y) > 0.9


def test_regressor_on_a_table_and_partial_fit_on_cuda():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 5)
    y = X @ rng.randn(5)
    reg = RNNRegressor(device="cuda", random_state=0).fit(X, y)
    assert _on_cuda(reg) and reg.score(X, y) > 0.5
    reg.partial_fit(X, y)
    assert np.isfinite(reg.predict(X)).all()


def test_seq2seq_greedy_and_beam_on_cuda():
    words = ["abc", "ba", "cab", "ca", "b", "acca"] * 4
    est = Seq2SeqTransformer(**FAST, attention="dot", beam_width=1, device="cuda")
    est.fit(words, [w[::-1] for w in words])
    assert _on_cuda(est)
    greedy = est.predict(["abc", "a"])
    beam = est.set_params(beam_width=3).predict(["abc", "a"])
    assert greedy.shape == beam.shape == (2,)
    assert all(set(p) <= set("abc") for p in np.concatenate([greedy, beam]))


def test_onnx_export_of_a_cuda_model_runs_on_the_cpu():
    pytest.importorskip("onnxruntime")
    rng = np.random.RandomState(0)
    X = rng.randn(40, 6, 2).astype(np.float32)
    y = X.sum(axis=(1, 2))
    reg = RNNRegressor(**FAST, device="cuda").fit(X, y)
    import onnxruntime as ort

    graph = skrnn.to_onnx(reg, X)
    sess = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    out = sess.run(None, skrnn.onnx_inputs(reg, X))[0]
    # the GPU's own predictions run in TF32 by default (1.9e-3 from the graph on an H200)
    np.testing.assert_allclose(out.ravel(), reg.predict(X), rtol=1e-2)
    from skrnn._deploy.export import _float32_arithmetic

    with _float32_arithmetic():
        np.testing.assert_allclose(out.ravel(), reg.predict(X), rtol=1e-4, atol=1e-4)
