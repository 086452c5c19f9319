"""Target scaling and per-window (instance) normalisation of the regression estimators."""

import numpy as np
import pytest
from conftest import FAST

from skrnn import RNNRegressor, Seq2SeqTransformer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST = {**FAST, "epochs": 5}


@pytest.fixture
def trend_data():
    """Windows of noisy random walks: the target is the next value of feature 0."""
    rng = np.random.RandomState(0)
    walks = np.cumsum(rng.randn(40, 9, 2), axis=1)
    return walks[:, :8], walks[:, 8, 0]


def test_predictions_are_in_y_units_and_invariant_to_y_scale(seq_data):
    X, y = seq_data
    base = RNNRegressor(**FAST).fit(X, y)
    big = RNNRegressor(**FAST).fit(X, 1000.0 * y - 7.0)
    np.testing.assert_allclose(big.predict(X), 1000.0 * base.predict(X) - 7.0, rtol=1e-4)
    np.testing.assert_allclose(big.target_mean_, [1000.0 * y.mean() - 7.0], rtol=1e-6)
    np.testing.assert_allclose(big.target_scale_, [1000.0 * y.std()], rtol=1e-6)
    # the loss is on the standardised scale: the same history for both
    np.testing.assert_allclose(
        big.history_[:, "train_loss"], base.history_[:, "train_loss"], rtol=1e-3
    )


def test_scale_target_can_be_turned_off(seq_data):
    X, y = seq_data
    reg = RNNRegressor(scale_target=False, **FAST).fit(X, 1000.0 * y)
    assert reg.target_mean_.tolist() == [0.0] and reg.target_scale_.tolist() == [1.0]
    # unscaled targets of ~1000: the first loss is of the order of y**2
    assert reg.history_[0, "train_loss"] > 1e4


def test_scaled_target_trains_where_raw_units_do_not(seq_data):
    X, y = seq_data
    y = 500.0 + 100.0 * y
    kw = dict(units=8, epochs=60, lr=0.01, random_state=0)
    scaled = RNNRegressor(**kw).fit(X, y)
    raw = RNNRegressor(scale_target=False, **kw).fit(X, y)
    assert scaled.score(X, y) > 0.5 > raw.score(X, y)


def test_multi_output_and_per_step_targets_are_scaled_per_column(seq_data):
    X, _ = seq_data
    Y = np.stack([X[:, :, 0], 100.0 * X[:, :, 1] + 50.0], axis=2)  # (n, steps, 2)
    reg = RNNRegressor(return_sequences=True, **FAST).fit(X, Y)
    np.testing.assert_allclose(reg.target_mean_, Y.reshape(-1, 2).mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(reg.target_scale_, Y.reshape(-1, 2).std(axis=0), rtol=1e-5)
    base = RNNRegressor(return_sequences=True, **FAST).fit(X, Y / [1.0, 100.0])
    np.testing.assert_allclose(reg.predict(X), base.predict(X) * [1.0, 100.0], rtol=1e-3)


def test_per_step_targets_of_variable_length_skip_padding():
    rng = np.random.RandomState(0)
    X = [rng.rand(t, 1) for t in (3, 5, 4, 6)] * 4
    y = [1000.0 * x[:, 0] for x in X]
    reg = RNNRegressor(return_sequences=True, **FAST).fit(X, y)
    np.testing.assert_allclose(reg.target_mean_, [np.concatenate(y).mean()], rtol=1e-5)
    assert [len(p) for p in reg.predict(X[:4])] == [3, 5, 4, 6]


@pytest.mark.parametrize("mode", ["last", "mean"])
def test_instance_norm_shift_moves_predictions_by_the_same_amount(trend_data, mode):
    X, y = trend_data
    reg = RNNRegressor(instance_norm=mode, **FAST).fit(X, y)
    shifted = reg.predict(X + 1000.0)
    np.testing.assert_allclose(shifted, reg.predict(X) + 1000.0, atol=1e-2)
    # trained on the shifted series, the model is the same one
    reg2 = RNNRegressor(instance_norm=mode, **FAST).fit(X + 1000.0, y + 1000.0)
    np.testing.assert_allclose(reg2.predict(X + 1000.0), shifted, atol=1e-2)


def test_instance_norm_standard_is_affine_equivariant(trend_data):
    X, y = trend_data
    reg = RNNRegressor(instance_norm="standard", **FAST).fit(X, y)
    np.testing.assert_allclose(
        reg.predict(10.0 * X + 1000.0), 10.0 * reg.predict(X) + 1000.0, rtol=1e-4, atol=1e-2
    )


def test_instance_norm_uses_the_target_feature(trend_data):
    X, y = trend_data
    X = X.copy()
    X[:, :, 1] += 1000.0  # feature 1 lives at another level
    reg = RNNRegressor(instance_norm="last", target_feature=1, **FAST).fit(X, y + 1000.0)
    moved = X.copy()
    moved[:, :, 1] += 50.0  # only the target's feature moves: so does the prediction
    np.testing.assert_allclose(reg.predict(moved), reg.predict(X) + 50.0, atol=1e-2)


def test_instance_norm_beats_raw_levels_on_a_shifted_series(trend_data):
    """Trained at one level, evaluated 200 higher: only the normalised net follows."""
    X, y = trend_data
    kw = dict(units=8, epochs=60, lr=0.01, batch_size=16, random_state=0)
    normed = RNNRegressor(instance_norm="last", **kw).fit(X, y)
    raw = RNNRegressor(**kw).fit(X, y)
    err = lambda m: np.abs(m.predict(X + 200.0) - (y + 200.0)).mean()  # noqa: E731
    assert err(normed) < 0.1 * err(raw)


def test_instance_norm_variable_length_ignores_padding():
    rng = np.random.RandomState(0)
    X = [rng.rand(t, 1) + 5.0 for t in (3, 5, 4, 6)] * 4
    y = [x[-1, 0] for x in X]
    reg = RNNRegressor(instance_norm="mean", **FAST).fit(X, y)
    together = reg.predict(X[:4])
    alone = [reg.predict([x])[0] for x in X[:4]]
    np.testing.assert_allclose(together, alone, rtol=1e-5)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(instance_norm="last", target_feature=2), "X has 2 feature"),
        (dict(instance_norm="last", target_feature=[0, 1, 0]), "one per output"),
        (dict(instance_norm="last", target_feature=1.5), "target_feature"),
        (dict(instance_norm="last", target_feature=[0.5]), "target_feature must be an int"),
        (dict(instance_norm="median"), "instance_norm"),
    ],
)
def test_bad_normalisation_parameters_are_clear_errors(trend_data, params, match):
    X, y = trend_data
    with pytest.raises((ValueError, TypeError), match=match):
        RNNRegressor(**params, **FAST).fit(X, y)


def test_instance_norm_needs_numeric_input():
    with pytest.raises(ValueError, match="instance_norm=None"):
        RNNRegressor(instance_norm="last", embedding_dim=4, **FAST).fit(
            np.array([[2, 3], [3, 2]]), [1.0, 2.0]
        )


S2S = dict(units=8, epochs=5, batch_size=16, random_state=0)


def _windows_and_futures(level=0.0):
    rng = np.random.RandomState(1)
    walks = np.cumsum(rng.randn(32, 10, 2), axis=1) + level
    return walks[:, :7], walks[:, 7:, :1]  # 7 steps in, the next 3 of feature 0 out


def test_seq2seq_numeric_targets_are_scaled(seq_data):
    X, Y = _windows_and_futures()
    base = Seq2SeqTransformer(**S2S).fit(X, Y)
    big = Seq2SeqTransformer(**S2S).fit(X, 1000.0 * Y + 3.0)
    np.testing.assert_allclose(big.predict(X), 1000.0 * base.predict(X) + 3.0, rtol=1e-4)
    np.testing.assert_allclose(big.target_scale_, [1000.0 * Y.std()], rtol=1e-5)
    off = Seq2SeqTransformer(scale_target=False, **S2S).fit(X, Y)
    assert off.target_scale_.tolist() == [1.0]


@pytest.mark.parametrize("mode", ["last", "mean"])
def test_seq2seq_instance_norm_shift(mode):
    X, Y = _windows_and_futures()
    est = Seq2SeqTransformer(instance_norm=mode, **S2S).fit(X, Y)
    np.testing.assert_allclose(est.predict(X + 1000.0), est.predict(X) + 1000.0, atol=1e-2)
    np.testing.assert_allclose(est.transform(X + 1000.0), est.transform(X), atol=1e-4)


def test_seq2seq_autoencoder_maps_each_feature_to_itself():
    X, _ = _windows_and_futures()
    X = X + [0.0, 500.0]
    est = Seq2SeqTransformer(instance_norm="last", **S2S).fit(X)
    moved = X + [0.0, 20.0]
    np.testing.assert_allclose(est.predict(moved), est.predict(X) + [0.0, 20.0], atol=1e-2)


def test_seq2seq_instance_norm_needs_numeric_input():
    with pytest.raises(ValueError, match="instance_norm=None"):
        Seq2SeqTransformer(instance_norm="last", **S2S).fit(["ab", "ba"], ["a", "b"])
