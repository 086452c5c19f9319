"""Category codes among the input features (``categorical_features`` of the recurrent
estimators)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

import skrnn
from skrnn import RNNClassifier, RNNRegressor

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
