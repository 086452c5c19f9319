"""Category codes among the input features (``categorical_features`` of the recurrent
estimators), and the learned series embedding of global panel forecasts built on them
(``RNNForecaster(series_embedding=...)``, issue 23)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

import skrnn
from skrnn import RNNClassifier, RNNForecaster, RNNRegressor

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

TINY = dict(units=4, epochs=3, random_state=0)


def coded(n=60, steps=5, n_codes=3, seed=0):
    """Sequences of one numeric feature (noise) and one code per sequence; the target
    is the code's offset."""
    rng = np.random.RandomState(seed)
    code = np.arange(n) % n_codes
    X = np.concatenate(
        [rng.randn(n, steps, 1), np.repeat(code[:, None, None], steps, axis=1)], axis=2
    )
    return X.astype(np.float32), (3.0 * code - 3.0).astype(np.float32), code


# -- the network side: RNNRegressor / RNNClassifier -------------------------------------
def test_default_fits_are_those_of_before_the_feature():
    """categorical_features=None (the default) trains the network it trained before:
    the predictions of 2660117 (main before this feature), to rounding."""
    rng = np.random.RandomState(0)
    X = rng.randn(40, 6, 3).astype(np.float32)
    reg = RNNRegressor(**TINY).fit(X, X.sum(axis=(1, 2)))
    assert reg.is_categorical_ is None and not hasattr(reg, "categories_")
    assert reg.module_.categorical_embeddings is None
    np.testing.assert_allclose(reg.predict(X[:3]), [1.92611221, -3.20361548, -4.01086498], 1e-6)


def test_codes_are_embedded_and_not_normalised():
    X, y, code = coded()
    y = y + X[:, :, 0].mean(axis=1)  # per window: the mean and the code's offset
    reg = RNNRegressor(
        **dict(TINY, epochs=60), lr=1e-2, categorical_features=[1], instance_norm="mean"
    ).fit(X, y)
    assert reg.is_categorical_.tolist() == [False, True]
    assert [c.tolist() for c in reg.categories_] == [[0, 1, 2]]
    emb = reg.module_.categorical_embeddings[0]
    assert (emb.num_embeddings, emb.embedding_dim) == (3, 2)  # min(50, (3 + 1) // 2)
    assert reg.module_.rnn.input_size == 1 + 2
    # the normalised target (less the window's mean) is the code's offset; shifting
    # the code column by its window mean would make it 0 in every window
    Xn, _ = reg._normalize_X(X)
    np.testing.assert_array_equal(Xn[:, :, 1], X[:, :, 1])
    windows = np.lib.stride_tricks.sliding_window_view(X[:, 0], 3, axis=0).transpose(0, 2, 1)
    rows, _ = reg._normalize_X(windows)  # a strided view: normalised a batch at a time
    np.testing.assert_array_equal(rows.take(slice(0, 4)).numpy()[:, :, 1], windows[:4, :, 1])
    assert reg.score(X, y) > 0.95


def test_classifier_embeds_codes_and_zscores_the_other_features():
    X, _, code = coded(steps=8)
    clf = RNNClassifier(**TINY, categorical_features=[False, True], categorical_embedding_dim=3)
    clf.fit(X, code)
    module = clf.module_
    assert module.zscore and module._categorical == (1,) and module.rnn.input_size == 1 + 3
    assert clf.predict_proba(X).shape == (60, 3)


@pytest.mark.parametrize(
    "value, message",
    [
        (-1.0, "integers from 0"),
        (1.5, "integers from 0"),
        (2.0**24, "integers from 0"),
    ],
)
def test_codes_must_be_non_negative_integers(value, message):
    X, y, _ = coded()
    X[3, 2, 1] = value
    with pytest.raises(ValueError, match=f"Feature 1 of X is categorical.*{message}"):
        RNNRegressor(**TINY, categorical_features=1).fit(X, y)


def test_padding_is_not_read_as_a_code():
    X, y, _ = coded()
    X[:10, 3:, 1] = -1.0  # beyond the lengths
    lengths = np.full(len(X), 5)
    lengths[:10] = 3
    reg = RNNRegressor(**TINY, categorical_features=1).fit(X, y, lengths=lengths)
    assert reg.predict(X, lengths=lengths).shape == (60,)


def test_codes_unseen_in_fit_are_refused():
    X, y, _ = coded(n_codes=3)
    reg = RNNRegressor(**TINY, categorical_features=1).fit(X[X[:, 0, 1] != 1], y[X[:, 0, 1] != 1])
    assert [c.tolist() for c in reg.categories_] == [[0, 2]]
    assert reg.module_.categorical_embeddings[0].num_embeddings == 3
    with pytest.raises(ValueError, match=r"holds the code\(s\) \[1\], which RNNRegressor did"):
        reg.predict(X)
    with pytest.raises(ValueError, match=r"code\(s\) \[5\]"):
        reg.partial_fit(np.where(X == 1, 5.0, X), y)


@pytest.mark.parametrize(
    "params, error, message",
    [
        (dict(categorical_features=2), ValueError, "names a feature that X does not have"),
        (dict(categorical_features=[1, -1]), ValueError, "names a feature twice"),
        (dict(categorical_features=[True]), ValueError, "boolean mask of 1 features"),
        (dict(categorical_features=[1.5]), TypeError, "must be an int"),
        (dict(categorical_features=1, instance_norm="last", target_feature=1), ValueError,
         "target_feature=1 names a categorical feature"),
        (dict(categorical_features=1, embedding_dim=4), ValueError, "token input"),
    ],
)  # fmt: skip
def test_categorical_features_errors_name_the_parameter(params, error, message):
    X, y, _ = coded()
    with pytest.raises(error, match=message):
        RNNRegressor(**TINY, **params).fit(X, y)


def test_parameters_are_validated_cloned_and_kept():
    X, y, _ = coded()
    with pytest.raises(InvalidParameterError, match="categorical_embedding_dim"):
        RNNRegressor(categorical_embedding_dim=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="categorical_features"):
        RNNRegressor(categorical_features="code").fit(X, y)
    reg = RNNRegressor(**TINY, categorical_features=[1], categorical_embedding_dim=2)
    params = clone(reg).get_params()
    assert params["categorical_features"] == [1] and params["categorical_embedding_dim"] == 2
    reg.fit(X, y)
    with pytest.raises(ValueError, match="categorical_features from"):
        reg.set_params(warm_start=True, categorical_features=None).fit(X, y)


def test_onnx_export_refuses_codes_and_keeps_default_modules():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    X, y, _ = coded()
    reg = RNNRegressor(**TINY, categorical_features=1).fit(X, y)
    with pytest.raises(NotImplementedError, match=r"cannot export \['categorical_embeddings'\]"):
        skrnn.to_onnx(reg, X)
    plain = RNNRegressor(**TINY).fit(X, y)  # the default module: no new attribute
    assert skrnn.to_onnx(plain, X) is not None


def test_regressor_with_codes_round_trips_through_save(tmp_path):
    X, y, _ = coded()
    reg = RNNRegressor(**TINY, categorical_features=1).fit(X, y)
    skrnn.save(reg, tmp_path / "m.skrnn")
    loaded = skrnn.load(tmp_path / "m.skrnn")
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert [c.tolist() for c in loaded.categories_] == [[0, 1, 2]]


# -- the forecaster side: RNNForecaster(series_embedding=...) ---------------------------
FTINY = dict(
    window_length=2,
    units=4,
    epochs=3,
    n_estimators=1,
    transform=None,
    deseasonalize=False,
    random_state=0,
)
#: RNNForecaster(**FTINY).fit(panel(), fh=[1, 2]).predict() of 2660117
GOLDEN_FORECAST = [10.00364314934885, 9.99979078013285, 10.00364314934885, 9.99979078013285]


def panel(n=62):
    """Two monthly series whose recent windows are the same, up to their spikes:
    every third step one rises by 1, the other falls by 1. After a window of two flat
    steps (their last two), the next value is 11 for "up", 9 for "down"."""
    t = np.arange(n)
    times = pd.period_range("2000-01", periods=n, freq="M")
    spike = np.where(t % 3 == 2, 1.0, 0.0)
    series = {"up": pd.Series(10 + spike, index=times), "down": pd.Series(10 - spike, index=times)}
    return pd.concat(series, names=["id"]).to_frame("y")


def test_default_global_fits_are_those_of_before_the_feature():
    """series_embedding=None (the default) and 0 fit the networks of before: one feature,
    the forecasts of 2660117 (main before this feature), to rounding."""
    y = panel()
    f = RNNForecaster(**FTINY).fit(y, fh=[1, 2])
    assert f._F.shape[1] == 1 and f.estimator_.n_features_in_ == 1
    np.testing.assert_allclose(f.predict().to_numpy().ravel(), GOLDEN_FORECAST, 1e-6)
    off = RNNForecaster(**FTINY, series_embedding=0).fit(y, fh=[1, 2])
    pd.testing.assert_frame_equal(off.predict(), f.predict())


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_series_embedding_tells_series_with_alike_windows_apart(strategy):
    """After the same (normalised) windows the two series go opposite ways: without a
    code the network forecasts both alike (the mean, 10), with one it learns both."""
    y = panel()
    params = dict(FTINY, strategy=strategy, epochs=150, lr=1e-2, intervals=None, units=8)
    plain = RNNForecaster(**params).fit(y, fh=[1, 2]).predict()["y"]
    assert abs(plain["up"].iloc[0] - plain["down"].iloc[0]) < 0.05
    f = RNNForecaster(**params, series_embedding=2).fit(y, fh=[1, 2])
    assert f._F.shape[1] == 2 and f.estimator_.categories_[0].tolist() == [0, 1]
    pred = f.predict()["y"]
    np.testing.assert_allclose(pred["up"], [11, 10], atol=0.25)
    np.testing.assert_allclose(pred["down"], [9, 10], atol=0.25)


def test_series_codes_reach_the_network_as_views_and_update_keeps_them(monkeypatch):
    seen = []
    fit = RNNRegressor.fit

    def spy(self, X, y, lengths=None, sample_weight=None):
        seen.append(X)
        return fit(self, X, y, lengths=lengths, sample_weight=sample_weight)

    monkeypatch.setattr(RNNRegressor, "fit", spy)
    y = panel()
    f = RNNForecaster(**FTINY, series_embedding=3).fit(y, fh=[1, 2])
    assert np.shares_memory(seen[-1], f._F) and seen[-1].shape[2] == 2
    np.testing.assert_array_equal(f._F[:, 1], np.repeat([0.0, 1.0], 62))
    assert f.estimator_.module_.categorical_embeddings[0].embedding_dim == 3
    # new observations of both series, given in the other order: the codes stay
    times = pd.period_range("2005-03", periods=2, freq="M")
    new = pd.concat(
        {k: pd.Series([11.0, 10.0], index=times) for k in ("down", "up")}, names=["id"]
    ).to_frame("y")
    for update_params in (False, True):
        f.update(new, update_params=update_params)
        codes = [{"up": 0.0, "down": 1.0}[instance[0]] for instance, _ in f._series.keys]
        np.testing.assert_array_equal(f._F[:, 1], np.repeat(codes, f._lengths))
        new.index = new.index.set_levels(times + 2, level=1)
    assert f.predict().shape == (4, 1)


def test_forecaster_with_series_embedding_round_trips_through_save(tmp_path):
    f = RNNForecaster(**FTINY, series_embedding=2).fit(panel(), fh=[1, 2])
    skrnn.save(f, tmp_path / "f.skrnn")
    loaded = skrnn.load(tmp_path / "f.skrnn")
    pd.testing.assert_frame_equal(loaded.predict(), f.predict())
    pd.testing.assert_frame_equal(loaded.predict_interval(), f.predict_interval())
    assert loaded.get_params()["series_embedding"] == 2


def test_pretrain_refuses_series_embedding():
    y = panel()
    with pytest.raises(ValueError, match="series_embedding=2 learns one embedding per series"):
        RNNForecaster(**FTINY, series_embedding=2).pretrain(y, fh=[1, 2])
    f = RNNForecaster(**FTINY).pretrain(y, fh=[1, 2])  # off: pretrain as before
    assert f.fit(y.loc["up"], fh=[1, 2]).predict().shape == (2, 1)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(series_embedding=-1), "series_embedding must be None or 0"),
        (dict(series_embedding=True), "series_embedding must be None or 0"),
        (dict(series_embedding=2, strategy="seq2seq"), "strategy='seq2seq' does not"),
    ],
)
def test_series_embedding_values_are_checked(params, message):
    with pytest.raises(ValueError, match=message):
        RNNForecaster(**dict(FTINY, **params)).fit(panel(), fh=[1, 2])


def test_single_series_and_local_panels_ignore_series_embedding():
    y = panel()
    one = RNNForecaster(**FTINY, series_embedding=2).fit(y.loc["up"], fh=[1, 2])
    assert one.estimator_.is_categorical_ is None
    local = RNNForecaster(**FTINY, panel="local", series_embedding=2).fit(y, fh=[1, 2])
    plain = RNNForecaster(**FTINY, panel="local").fit(y, fh=[1, 2])
    pd.testing.assert_frame_equal(local.predict(), plain.predict())
