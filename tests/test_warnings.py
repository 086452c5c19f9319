"""No warning that nobody expects (issue 22, item 12): the library's own calls warn only
where a warning is its message to the user. pyproject.toml makes any other warning in
the suite an error; these tests pin the causes that were fixed in the library."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sktime.datasets import load_airline
from sktime.forecasting.base import ForecastingHorizon

from skrnn import RNNClassifier, RNNForecaster
from skrnn._training.data import ArrayRows
from skrnn._training.health import TrainingHealth


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_constructing_a_forecaster_warns_nothing(no_warnings):
    # sktime 1.2 warned on every construction that remember_data changes its default;
    # RNNForecaster keeps its own data (and updates natively), so it opts out.
    f = RNNForecaster(window_length=4)
    clone(f)
    assert f.get_config()["remember_data"] is False


def test_forecaster_fit_update_predict_work_without_sktimes_data_copy(no_warnings):
    y = load_airline()
    f = RNNForecaster(
        strategy="recursive", window_length=6, units=4, epochs=2, intervals=None, random_state=0
    )
    f.fit(y.iloc[:60], fh=[1, 2])
    f.update(y.iloc[60:72], update_params=False)
    pred = f.predict()
    assert str(pred.index[0]) == str(y.index[72])
    residuals = f.predict_residuals(y.iloc[60:72])  # in-sample, y given explicitly
    assert residuals.notna().all()


def test_batches_of_a_read_only_array_are_writable_copies():
    # torch warns (once per process) when handed a read-only array, as slices of
    # scikit-learn's read-only memmaps are: skrnn copies such a batch, as torch asks
    array = np.arange(12.0).reshape(6, 2)
    array.flags.writeable = False
    batch = ArrayRows(array).take(slice(0, 3))
    assert not np.shares_memory(batch.numpy(), array)
    assert batch.tolist() == array[:3].tolist()
    writable = np.arange(12.0).reshape(6, 2)[:, :1]  # strided: copied anyway, once
    assert ArrayRows(writable).take(slice(0, 3)).numpy().flags.writeable


def test_nan_labels_are_an_error_without_a_cast_warning(no_warnings):
    # scikit-learn's target-type check casts NaN to int (RuntimeWarning) before refusing
    y = np.where(np.arange(12) % 2, 1.0, np.nan)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        RNNClassifier(units=4, epochs=1).fit(np.zeros((12, 3, 1)), y)
    with pytest.raises(ValueError, match="Input y contains infinity"):
        RNNClassifier(units=4, epochs=1).fit(np.zeros((12, 3, 1)), np.where(y > 0, 1.0, np.inf))


@pytest.mark.parametrize("losses, warns", [([0.0, 0.0], False), ([0.5, 0.5], True)])
def test_no_convergence_warning_for_a_loss_that_starts_at_zero(losses, warns):
    # one class to predict (scikit-learn's check_classifiers_one_label): the loss is 0
    # from the first epoch, and "the model has not learned" would be wrong
    class Net:
        history = [{"train_loss": loss} for loss in losses]
        module_ = None

    health = TrainingHealth()
    health.on_train_begin(type("Empty", (), {"history": []})())
    if warns:
        with pytest.warns(ConvergenceWarning, match="no better than"):
            health.on_train_end(Net())
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            health.on_train_end(Net())


def test_the_theta_fallback_of_short_series_warns_nothing():
    """A series too short for a network is forecast by sktime's ThetaForecaster, built
    per window: sktime 1.2 warned on each construction that remember_data's default
    changes (a FutureWarning about an internal object the user never sees). Recorded
    rather than raised: sktime's date handling resets FutureWarning's filter to
    "default" (sktime.utils.warnings._SuppressWarningPattern), so "error" cannot catch it."""
    y = load_airline().iloc[:30]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = RNNForecaster(random_state=0).fit(y, fh=list(range(1, 13)))
        f.predict()
    assert f.estimators_ == []  # the Theta fallback, no network
    assert [str(w.message)[:60] for w in caught] == []


def test_warnings_stay_errors_after_sktimes_date_handling():
    """pyproject makes every warning an error; sktime's date handling (here: a relative
    horizon on monthly periods) must not switch FutureWarning back to "default" for the
    rest of the test (tests/conftest.py restores the filters it changed)."""
    y = load_airline()
    ForecastingHorizon([1, 2], is_relative=True).to_absolute(y.index[-1])
    with pytest.raises(FutureWarning, match="still an error"):
        warnings.warn("still an error", FutureWarning, stacklevel=1)


def test_the_has_not_learned_warning_names_the_users_fit():
    X, y = np.zeros((12, 3, 1)), np.r_[np.zeros(6), np.ones(6)]  # nothing to learn from X
    clf = RNNClassifier(units=2, epochs=3, lr=1e-6, n_iter_no_change=None, random_state=0)
    with pytest.warns(ConvergenceWarning, match="has not learned") as record:
        clf.fit(X, y)
    assert [w.filename for w in record] == [__file__]
