"""SequenceMinMaxScaler and SequenceStandardScaler; scaling the target of a pipeline."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skrnn import (
    RNNRegressor,
    SequenceMinMaxScaler,
    SequenceStandardScaler,
    SlidingWindowTransformer,
)

SCALERS = [SequenceMinMaxScaler(), SequenceMinMaxScaler((-1, 1)), SequenceStandardScaler()]


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.floats(-1e5, 1e5, allow_nan=False),
    ),
    st.sampled_from(SCALERS),
)
def test_inverse_transform_recovers_the_input(X, scaler):
    scaler = clone(scaler)
    scaled = scaler.fit_transform(X)
    assert scaled.shape == X.shape
    np.testing.assert_allclose(scaler.inverse_transform(scaled), X, rtol=1e-9, atol=1e-6)


def test_3d_statistics_are_per_feature_over_samples_and_steps():
    rng = np.random.RandomState(0)
    X = rng.rand(7, 5, 3) * np.array([1.0, 100.0, 1e4]) - 50.0
    scaled = SequenceMinMaxScaler().fit(X).transform(X)
    np.testing.assert_allclose(scaled.min(axis=(0, 1)), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.max(axis=(0, 1)), 1.0)
    assert scaled[:, :, 0].max(axis=0).min() < 1.0  # not one statistic per time step
    standard = SequenceStandardScaler().fit(X)
    z = standard.transform(X)
    np.testing.assert_allclose(z.mean(axis=(0, 1)), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=(0, 1)), 1.0)
    np.testing.assert_allclose(standard.mean_, X.reshape(-1, 3).mean(axis=0))
    assert standard.n_samples_seen_ == 35


def test_series_is_scaled_per_column_like_sklearn():
    X = np.random.RandomState(1).rand(20, 2) * [3.0, 300.0]
    ours = SequenceMinMaxScaler(feature_range=(-1, 1), clip=True).fit(X[:10])
    ref = MinMaxScaler(feature_range=(-1, 1), clip=True).fit(X[:10])
    np.testing.assert_allclose(ours.transform(X), ref.transform(X))
    np.testing.assert_allclose(ours.data_min_, ref.data_min_)
    assert ours.transform(np.array([[-1e9, 1e9]])).tolist() == [[-1.0, 1.0]]  # clipped


def test_1d_series_and_pandas_output():
    index = pd.period_range("2000-01", periods=6, freq="M")
    series = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 9.0], index=index)
    assert SequenceMinMaxScaler().fit_transform(series.to_numpy()).shape == (6,)
    df = SequenceMinMaxScaler().set_output(transform="pandas").fit_transform(series.to_frame("y"))
    assert list(df.columns) == ["y"]
    assert df.index.equals(index)
    assert df["y"].iloc[-1] == 1.0
    with pytest.raises(ValueError, match="3D array .* DataFrame cannot hold"):
        SequenceStandardScaler().set_output(transform="pandas").fit_transform(np.zeros((2, 3, 1)))


@pytest.mark.parametrize("Scaler", [SequenceMinMaxScaler, SequenceStandardScaler])
def test_bad_input_is_a_clear_error(Scaler):
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Scaler().fit(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="got a 4D array"):
        Scaler().fit(np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="X has 2 features, but .* expecting 3 features"):
        Scaler().fit(np.zeros((4, 5, 3))).transform(np.zeros((4, 5, 2)))


def test_target_scaling_gives_predictions_in_original_units():
    """The documented recipe: scale X in the pipeline, y with TransformedTargetRegressor."""
    t = np.arange(60.0)
    series = 300.0 + 100.0 * np.sin(t / 3.0)  # passenger-like units
    model = TransformedTargetRegressor(
        regressor=Pipeline(
            [
                ("scale", SequenceMinMaxScaler()),
                ("window", SlidingWindowTransformer(4)),
                ("rnn", RNNRegressor(units=4, epochs=2, batch_size=16, random_state=0)),
            ]
        ),
        transformer=MinMaxScaler(),
    ).fit(series[:40], series[:40])
    pred = model.predict(series[40:])
    inner = model.regressor_.predict(series[40:])  # in the scaled units of the target
    np.testing.assert_allclose(pred, model.transformer_.inverse_transform(inner[:, None])[:, 0])
    assert model.transformer_.data_min_[0] == series[:40].min()
    assert 0.0 <= np.abs(inner).max() < 2.0 < pred.min()
