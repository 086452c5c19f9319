"""Scale -> window -> RNN as one estimator: grid search with time-series CV, no look-ahead."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skrnn import RNNRegressor, SequenceMinMaxScaler, SlidingWindowTransformer


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny nets train much faster on one thread (more threads spin on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def forecaster(time_steps=3, time_steps_rnn=1, **rnn):
    params = dict(units=3, epochs=1, batch_size=16, random_state=0, time_steps=time_steps_rnn)
    params |= rnn
    pipe = Pipeline(
        [
            ("scale", SequenceMinMaxScaler()),
            ("window", SlidingWindowTransformer(time_steps)),
            ("rnn", RNNRegressor(**params)),
        ]
    )
    return TransformedTargetRegressor(regressor=pipe, transformer=MinMaxScaler())


@pytest.fixture
def monthly():
    t = np.arange(60)
    values = 200.0 + 2.0 * t + 40.0 * np.sin(2 * np.pi * t / 12)
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=60, freq="MS"), name="y")


def test_grid_search_over_time_steps_units_and_epochs(monthly):
    grid = {
        "regressor__window__time_steps": [3, 6],
        "regressor__rnn__units": [2, 4],
        "regressor__rnn__epochs": [1, 2],
    }
    search = GridSearchCV(
        forecaster(),
        grid,
        cv=TimeSeriesSplit(n_splits=3),
        scoring="neg_root_mean_squared_error",
        error_score="raise",
    ).fit(monthly.to_frame(), monthly)
    assert len(search.cv_results_["params"]) == 8
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_.regressor_
    assert (
        best.named_steps["window"].time_steps
        == search.best_params_["regressor__window__time_steps"]
    )
    assert best.named_steps["rnn"].n_iter_ == search.best_params_["regressor__rnn__epochs"]
    pred = search.predict(monthly.to_frame().iloc[-5:])
    assert pred.shape == (5,)
    assert pred.min() > 50.0  # in the units of the series, not in [0, 1]


def test_grid_search_with_two_jobs_matches_one_job(monthly):
    grid = {"regressor__window__time_steps": [3, 6]}
    scores = [
        GridSearchCV(forecaster(), grid, cv=TimeSeriesSplit(n_splits=3), n_jobs=n_jobs)
        .fit(monthly.to_frame(), monthly)
        .cv_results_["mean_test_score"]
        for n_jobs in (1, 2)
    ]
    np.testing.assert_allclose(scores[0], scores[1], rtol=1e-5)


def test_test_fold_is_windowed_as_the_continuation_of_the_training_fold(monthly):
    X = monthly.to_frame()
    model = forecaster(time_steps=4).fit(X.iloc[:40], monthly.iloc[:40])
    pipe = model.regressor_
    scaled = pipe.named_steps["scale"].transform(X)
    full_windows = clone(pipe.named_steps["window"]).fit_transform(scaled)
    inner = pipe.named_steps["rnn"].predict(full_windows[40:])
    expected = model.transformer_.inverse_transform(inner[:, None])[:, 0]
    np.testing.assert_allclose(model.predict(X.iloc[40:]), expected, rtol=1e-6)


def test_predictions_never_read_future_values(monthly):
    X = monthly.to_frame()
    model = forecaster(time_steps=4).fit(X.iloc[:40], monthly.iloc[:40])
    changed = X.iloc[40:].copy()
    changed.iloc[10:] *= 3.0  # rewrite the future from test row 10 on
    before, after = model.predict(X.iloc[40:]), model.predict(changed)
    np.testing.assert_array_equal(before[:11], after[:11])  # rows up to 10 only see the past
    assert not np.allclose(before[11:], after[11:])


def test_pandas_output_through_the_whole_univariate_pipeline(monthly):
    """A DataFrame holds a table: flat lag columns (flatten=True) that the network reads
    one column per step (time_steps=None), oldest first."""
    model = forecaster(time_steps=3, time_steps_rnn=None)
    model.regressor.set_params(window__flatten=True).set_output(transform="pandas")
    model.fit(monthly.to_frame(), monthly)
    rnn = model.regressor_.named_steps["rnn"]
    assert rnn.feature_names_in_.tolist() == ["y_lag3", "y_lag2", "y_lag1"]
    assert rnn.input_shape_ == (3, 1)
    assert model.predict(monthly.to_frame().iloc[-4:]).shape == (4,)
