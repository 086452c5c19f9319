"""Sample weights in fit / partial_fit: a weighted mean of the loss."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier, RNNRegressor

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# full batches: a weight of 2 and a duplicated row then give the same gradients
FULL_BATCH = dict(units=8, epochs=15, batch_size=1000, lr=0.01, random_state=0)


def _duplicated(X, y, w):
    idx = np.repeat(np.arange(len(X)), w)
    return X[idx], y[idx]


@pytest.mark.parametrize("Est, data", [(RNNRegressor, "seq_data"), (RNNClassifier, "clf_data")])
def test_weight_two_equals_a_duplicated_row(Est, data, request):
    X, y = request.getfixturevalue(data)
    w = np.where(np.arange(len(X)) % 3 == 0, 2, 1)
    # no target scaling: duplicated rows would move the target's mean and scale
    kw = dict(scale_target=False) if Est is RNNRegressor else {}
    weighted = Est(**FULL_BATCH, **kw).fit(X, y, sample_weight=w)
    dup = Est(**FULL_BATCH, **kw).fit(*_duplicated(X, y, w))
    out = "predict" if Est is RNNRegressor else "predict_proba"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(dup, out)(X), atol=1e-4)


def test_unit_weights_change_nothing(seq_data):
    X, y = seq_data
    kw = dict(units=8, epochs=3, batch_size=16, random_state=0)
    plain = RNNRegressor(**kw).fit(X, y)
    ones = RNNRegressor(**kw).fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_allclose(ones.predict(X), plain.predict(X), rtol=1e-5)


def test_weights_pull_the_fit_towards_heavy_samples():
    X = np.zeros((40, 3, 1))
    y = np.r_[np.zeros(20), np.ones(20)]  # identical inputs, two targets
    w = np.r_[np.full(20, 9.0), np.ones(20)]
    reg = RNNRegressor(units=4, epochs=60, lr=0.05, random_state=0, scale_target=False)
    assert reg.fit(X, y, sample_weight=w).predict(X[:1])[0] == pytest.approx(0.1, abs=0.05)


def test_per_step_and_class_weighted_losses_accept_weights(clf_data):
    X, y = clf_data
    steps = np.repeat(y[:, None], X.shape[1], axis=1)
    w = np.linspace(0.5, 2.0, len(X))
    tagger = RNNClassifier(return_sequences=True, class_weight="balanced", **FULL_BATCH)
    tagger.fit(X, steps, sample_weight=w)
    assert np.isfinite(tagger.history_[:, "train_loss"]).all()
    reg = RNNRegressor(return_sequences=True, **FULL_BATCH)
    reg.fit(
        [x[: 3 + i % 3] for i, x in enumerate(X)],
        [x[: 3 + i % 3, 0] for i, x in enumerate(X)],
        sample_weight=w,
    )
    assert np.isfinite(reg.history_[:, "train_loss"]).all()


def test_partial_fit_and_early_stopping_take_weights(clf_data):
    X, y = clf_data
    w = np.linspace(0.5, 2.0, len(X))
    clf = RNNClassifier(units=4, early_stopping=True, epochs=3, random_state=0)
    clf.fit(X, y, sample_weight=w)
    clf.partial_fit(X, y, sample_weight=w)
    assert clf.n_iter_ == len(clf.history_) and "valid_loss" in clf.history_[-1]


def test_pipeline_routes_sample_weight(seq_data):
    X, y = seq_data
    w = np.where(np.arange(len(X)) % 2 == 0, 3.0, 1.0)
    kw = dict(units=4, epochs=3, batch_size=16, random_state=0)
    pipe = make_pipeline(FunctionTransformer(), RNNRegressor(**kw))
    pipe.fit(X, y, rnnregressor__sample_weight=w)
    direct = RNNRegressor(**kw).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(pipe.predict(X), direct.predict(X), rtol=1e-5)


@pytest.mark.parametrize(
    "w, match", [(np.ones(3), "sample_weight"), (-np.ones(48), "(?i)negative")]
)
def test_bad_weights_are_clear_errors(seq_data, w, match):
    X, y = seq_data
    with pytest.raises(ValueError, match=match):
        RNNRegressor(units=4, epochs=1).fit(X, y, sample_weight=w)
