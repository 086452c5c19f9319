"""Messages a new user meets (issue 22): each names what was given, in the user's terms,
and the fix."""

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import (
    RNNClassifier,
    RNNRegressor,
    Seq2SeqTransformer,
    generate_text,
    sample_with_temperature,
    sktime_to_sequences,
)
from skrnn._input.sequences import FLOAT32_MAX, _check_float32_range
from skrnn._training.health import TrainingDivergedError

FAST = {**FAST, "units": 4, "epochs": 2}
rng = np.random.RandomState(0)
X = rng.rand(24, 5, 2)
y = X.sum(axis=(1, 2))
labels = np.array(["a", "b"] * 12)


def test_divergence_error_quotes_the_targets_in_the_users_units():
    # scale_target=True trains on standardised targets (largest about 2); the message
    # tells the user to scale the targets, so it must quote the targets they gave
    big = y * 1e6
    with pytest.raises(TrainingDivergedError, match="Training diverged") as info:
        RNNRegressor(**FAST, lr=1e30, optimizer="sgd").fit(X, big)
    assert f"target value is {np.abs(big).max():.3g}." in str(info.value)
    assert f"input value is {X.max():.3g}" in str(info.value)


def test_seq2seq_divergence_error_quotes_the_targets_in_the_users_units():
    Y = np.stack([X[:, -2:, 0] * 1e6], axis=-1)  # (n, 2, 1) numeric targets
    with pytest.raises(TrainingDivergedError, match="Training diverged") as info:
        Seq2SeqTransformer(**FAST, lr=1e30, optimizer="sgd").fit(X, Y)
    assert f"target value is {np.abs(Y).max():.3g}." in str(info.value)


def test_2d_X_to_a_model_fitted_on_3d_names_both_shapes():
    est = RNNRegressor(**FAST).fit(X, y)
    for bad in (X.reshape(24, 10), X[:, :, 0]):
        with pytest.raises(ValueError) as info:
            est.predict(bad)
        message = str(info.value)
        assert f"shape {bad.shape}" in message
        assert "input_shape_=(5, 2)" in message and "(n_samples, 5, 2)" in message


@pytest.mark.parametrize("scale", [1e39, 1e300])
def test_float64_X_beyond_float32_is_refused_in_fit_and_predict(scale):
    with pytest.raises(ValueError, match="X holds values too large for float32"):
        RNNRegressor(**FAST).fit(X * scale, y)
    est = RNNRegressor(**FAST).fit(X, y)
    before = est.predict(X)
    with pytest.raises(ValueError, match="X holds values too large for float32"):
        est.predict(X * scale)
    with pytest.raises(ValueError, match="X holds values too large for float32"):
        est.predict(-X * scale)
    np.testing.assert_array_equal(est.predict(X), before)


def test_float32_range_check_keeps_the_float32_limit():
    _check_float32_range(np.array([FLOAT32_MAX, -FLOAT32_MAX]), "X")  # representable
    with pytest.raises(ValueError, match="Xw holds values too large"):
        _check_float32_range(np.array([0.0, -FLOAT32_MAX * 1.01]), "Xw")


def test_time_steps_true_is_a_parameter_error():
    with pytest.raises(InvalidParameterError, match="'time_steps' parameter .* Got True"):
        RNNRegressor(**FAST, time_steps=True).fit(X.reshape(24, 10), y)


def test_ragged_list_with_lengths_says_lengths_is_for_padded_arrays():
    ragged = [np.ones((3, 2)), np.ones((5, 2))]
    with pytest.raises(ValueError, match="X is a ragged list, whose sequences carry their own"):
        RNNRegressor(**FAST).fit(ragged, [1.0, 2.0], lengths=[3, 5])


def test_lbfgs_trains_and_weight_decay_it_lacks_is_named():
    # LBFGS takes no weight_decay: it was passed one (0.0) and failed on it
    est = RNNRegressor(**FAST, optimizer=torch.optim.LBFGS, lr=1.0).fit(X, y)
    assert est.loss_curve_[-1] < est.loss_curve_[0] / 10
    with pytest.raises(ValueError, match="optimizer=LBFGS takes no weight_decay"):
        RNNRegressor(**FAST, optimizer=torch.optim.LBFGS, weight_decay=0.1).fit(X, y)


def test_generate_text_on_a_regressor_names_the_classifier_it_needs():
    est = RNNRegressor(**FAST).fit(X, y)
    with pytest.raises(TypeError, match="needs a fitted next-character classifier .*RNNRegressor"):
        generate_text(est, "ab", 3)


def test_sample_with_temperature_refuses_no_classes_and_negative_probabilities():
    with pytest.raises(ValueError, match=r"proba has shape \(2, 0\): no classes"):
        sample_with_temperature(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="proba holds negative values"):
        sample_with_temperature([[-1, 2]])
    with pytest.raises(ValueError, match="proba holds NaN"):
        sample_with_temperature([[np.nan, 1.0]])


@pytest.mark.parametrize("bad, name", [(None, "None"), ([1, 2], "list"), ("abc", "str")])
def test_sktime_to_sequences_names_what_it_needs(bad, name):
    with pytest.raises(TypeError, match=f"needs X, an sktime panel.*got {name}"):
        sktime_to_sequences(bad)


def test_balanced_class_weight_names_the_class_absent_from_y():
    est = RNNClassifier(**FAST, class_weight="balanced")
    with pytest.raises(ValueError, match=r"no sample of the classes \['c'\]"):
        est.partial_fit(X, labels, classes=["a", "b", "c"])
    # a class present in y keeps working, and the estimator stays unfitted after the error
    assert not hasattr(est, "classes_")
    est.partial_fit(X, labels, classes=["a", "b"])
