"""Bad input gets a clear error naming the problem."""

import numpy as np
import pytest
from conftest import FAST

from skrnn import RNNClassifier, RNNRegressor

FAST = {**FAST, "units": 4, "epochs": 1, "batch_size": 32}
X = np.random.RandomState(0).rand(12, 5, 2)
y = np.arange(12.0)
labels = np.array(["a", "b"] * 6)


@pytest.mark.parametrize("Est, target", [(RNNRegressor, y), (RNNClassifier, labels)])
@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros(12), "got a 1D array"),
        (np.zeros((12, 5, 2, 1)), "got a 4D array"),
        (np.zeros((0, 5, 2)), "0 sample"),
        (np.zeros((12, 0, 2)), "0 time steps"),
        (np.zeros((12, 5, 0)), "0 features per time step"),
        (np.where(np.arange(120).reshape(12, 5, 2) == 7, np.nan, 1.0), "Input X contains NaN"),
        (np.where(np.arange(120).reshape(12, 5, 2) == 7, np.inf, 1.0), "Input X contains infinity"),
        (np.full((12, 5), "x", dtype=object), "could not convert string to float"),
    ],
)
def test_bad_X_at_fit(Est, target, bad, match):
    with pytest.raises(ValueError, match=match):
        Est(**FAST).fit(bad, target[: len(bad)] if len(bad) else target[:0])


@pytest.mark.parametrize("Est, target", [(RNNRegressor, y), (RNNClassifier, labels)])
def test_length_mismatch(Est, target):
    with pytest.raises(ValueError, match="12 sequences in X and 11 targets in y"):
        Est(**FAST).fit(X, target[:11])


@pytest.mark.parametrize("Est, target", [(RNNRegressor, y), (RNNClassifier, labels)])
def test_y_none(Est, target):
    with pytest.raises(ValueError, match="requires y"):
        Est(**FAST).fit(X, None)


def test_nan_in_y():
    with pytest.raises(ValueError, match="Input y contains NaN"):
        RNNRegressor(**FAST).fit(X, np.where(y == 3, np.nan, y))


@pytest.mark.parametrize("Est, target", [(RNNRegressor, y), (RNNClassifier, labels)])
def test_shape_differs_at_predict(Est, target):
    est = Est(**FAST).fit(X, target)
    with pytest.raises(ValueError, match="sequences of 6 time steps, but .* 5 time steps"):
        est.predict(np.zeros((3, 6, 2)))
    with pytest.raises(ValueError, match="3 features per time step, but .* 2 features"):
        est.predict(np.zeros((3, 5, 3)))
    est2d = Est(**FAST).fit(X[:, :, 0], target)
    with pytest.raises(ValueError, match="X has 4 features, but .* expecting 5 features"):
        est2d.predict(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(np.full((3, 5, 2), np.nan))


def test_predict_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RNNRegressor().predict(X)
    with pytest.raises(NotFittedError):
        RNNClassifier().predict_proba(X)


@pytest.mark.parametrize(
    "target, match",
    [
        (np.linspace(0, 1, 12), "Unknown label type"),
        (np.array(["a", 1] * 6, dtype=object), "mixes label types"),
    ],
)
def test_classifier_rejects_unusable_labels(target, match):
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**FAST).fit(X, target)


def test_regressor_rejects_3d_y():
    with pytest.raises(ValueError, match="y must be 1D or 2D"):
        RNNRegressor(**FAST).fit(X, np.zeros((12, 2, 2)))


def test_single_class_y_is_a_clear_error(clf_data):
    """As scikit-learn's classifiers: one class is nothing to learn (it trained before,
    with only a ConvergenceWarning), and the fitted state is left as it was."""
    X, y = clf_data
    with pytest.raises(ValueError, match="at least 2 classes, but y holds only one class: 'up'"):
        RNNClassifier(units=4, epochs=1, random_state=0).fit(X, np.full(len(X), "up"))
    clf = RNNClassifier(units=4, epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros(len(X), dtype=int))
    assert clf.classes_.tolist() == ["down", "flat", "up"]
    # partial_fit on a batch of one class is fine when classes names them all
    part = RNNClassifier(units=4, random_state=0).partial_fit(X[:5], ["up"] * 5, classes=y)
    assert part.classes_.tolist() == ["down", "flat", "up"]
