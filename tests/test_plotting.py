"""Displays (Agg backend): the figure holds the expected lines, labels and data."""

import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skrnn import (
    AttentionDisplay,
    ForecastDisplay,
    RNNRegressor,
    Seq2SeqTransformer,
    SlidingWindowTransformer,
    TrainingCurveDisplay,
)

matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

FAST = {**FAST, "epochs": 4}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labels(ax):
    return [line.get_label() for line in ax.get_lines()]


# -- training curve -------------------------------------------------------------------
def test_training_curve_from_estimator_with_validation(seq_data):
    reg = RNNRegressor(early_stopping=True, **FAST).fit(*seq_data)
    disp = TrainingCurveDisplay.from_estimator(reg)
    assert labels(disp.ax_) == ["training loss", "validation loss", "best epoch"]
    np.testing.assert_allclose(disp.train_line_.get_ydata(), reg.loss_curve_)
    valid = [h["valid_loss"] for h in reg.history_]
    np.testing.assert_allclose(disp.valid_line_.get_ydata(), valid)
    assert list(disp.train_line_.get_xdata()) == [1, 2, 3, 4]
    assert disp.best_epoch_ == 1 + int(np.argmin(valid))
    assert disp.ax_.get_xlabel() == "epoch" and disp.ax_.get_ylabel() == "loss"
    assert disp.ax_.get_title() == "RNNRegressor" and disp.figure_ is disp.ax_.figure


def test_training_curve_looks_inside_pipelines_and_draws_on_given_axes(seq_data):
    X, y = seq_data
    series = X[:, :, 0].ravel()
    pipe = make_pipeline(SlidingWindowTransformer(4), RNNRegressor(**FAST))
    model = TransformedTargetRegressor(pipe, transformer=MinMaxScaler()).fit(series, series)
    _, ax = plt.subplots()
    disp = TrainingCurveDisplay.from_estimator(model, ax=ax, name="airline", log_scale=True)
    assert disp.ax_ is ax and labels(ax) == ["training loss"] and disp.valid_line_ is None
    assert ax.get_title() == "airline" and ax.get_yscale() == "log"
    assert len(disp.train_line_.get_ydata()) == 4


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_training_curve_of_mlp_and_errors(seq_data):
    X, y = seq_data
    mlp = MLPRegressor(max_iter=5, random_state=0).fit(X.reshape(len(X), -1), y)
    disp = TrainingCurveDisplay.from_estimator(mlp)
    np.testing.assert_allclose(disp.train_line_.get_ydata(), mlp.loss_curve_)
    from sklearn.linear_model import Ridge

    with pytest.raises(TypeError, match="loss_curve_"):
        TrainingCurveDisplay.from_estimator(Ridge().fit(X.reshape(len(X), -1), y))
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(RNNRegressor())
    from skrnn import RNNForecaster

    with pytest.raises(ValueError, match="not been fitted"):  # sktime's NotFittedError
        TrainingCurveDisplay.from_estimator(RNNForecaster())


def test_missing_matplotlib_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        TrainingCurveDisplay([1.0, 0.5]).plot()


# -- forecast -------------------------------------------------------------------------
def test_forecast_from_predictions_arrays_continue_history():
    disp = ForecastDisplay.from_predictions(
        [5.0, 6.0, 7.0],
        [5.5, 6.5, 6.9],
        y_history=[1.0, 2.0, 3.0, 4.0],
        y_interval=np.array([[5, 6], [6, 7], [6.5, 7.5]]),
        coverage=0.9,
    )
    assert labels(disp.ax_) == ["history", "truth", "forecast"]
    assert list(disp.history_line_.get_xdata()) == [0, 1, 2, 3]
    assert list(disp.pred_line_.get_xdata()) == [4, 5, 6]
    assert list(disp.true_line_.get_ydata()) == [5.0, 6.0, 7.0]
    legend = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert legend == ["history", "truth", "forecast", "90% interval"]
    upper = disp.interval_.get_paths()[0].vertices[:, 1].max()
    assert upper == 7.5


def test_forecast_from_estimator_regressor_uses_series_index():
    index = pd.period_range("1950-01", periods=48, freq="M")
    series = pd.Series(np.sin(np.arange(48) / 3.0) + 2, index=index)
    model = make_pipeline(SlidingWindowTransformer(6), RNNRegressor(**FAST))
    model.fit(series[:36], series[:36])
    disp = ForecastDisplay.from_estimator(model, series[36:], series[36:], y_history=series[:36])
    assert labels(disp.ax_) == ["history", "truth", "RNNRegressor"]
    x = disp.pred_line_.get_xdata()
    assert len(x) == 12 and pd.Timestamp(x[0]) == index[36].to_timestamp()
    np.testing.assert_allclose(disp.pred_line_.get_ydata(), model.predict(series[36:]), rtol=1e-6)


def test_forecast_from_sktime_forecaster_with_interval():
    from sktime.datasets import load_airline
    from sktime.forecasting.naive import NaiveForecaster

    y = load_airline()
    # sktime 1.2 warns on every construction of its own forecasters (clones in fit too)
    with pytest.warns(FutureWarning, match="remember_data"):
        forecaster = NaiveForecaster(strategy="last").fit(y[:-12])
        disp = ForecastDisplay.from_estimator(
            forecaster, fh=np.arange(1, 13), y=y[-12:], y_history=y[:-12], coverage=0.8
        )
    assert labels(disp.ax_) == ["history", "truth", "NaiveForecaster"]
    assert disp.interval_ is not None
    assert set(disp.pred_line_.get_ydata()) == {float(y.iloc[-13])}


def test_rnn_forecaster_interval_and_training_curve():
    from sktime.datasets import load_airline

    from skrnn import RNNForecaster

    y = load_airline()
    forecaster = RNNForecaster(n_estimators=1, units=4, epochs=3, random_state=0)
    forecaster.fit(y[:-6], fh=range(1, 7))
    disp = ForecastDisplay.from_estimator(
        forecaster, fh=[1, 2, 3, 4, 5, 6], y=y[-6:], y_history=y[:-6], coverage=0.9
    )
    assert labels(disp.ax_) == ["history", "truth", "RNNForecaster"]
    np.testing.assert_allclose(disp.pred_line_.get_ydata(), forecaster.predict(fh=range(1, 7)))
    legend = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert legend[-1] == "90% interval"
    curve = TrainingCurveDisplay.from_estimator(forecaster)
    assert len(curve.train_line_.get_ydata()) == 3
    assert curve.ax_.get_title() == "RNNForecaster"
    np.testing.assert_allclose(curve.train_line_.get_ydata(), forecaster.estimator_.loss_curve_)


def test_forecast_input_errors():
    with pytest.raises(ValueError, match="exactly one"):
        ForecastDisplay.from_estimator(RNNRegressor())
    with pytest.raises(ValueError, match="same steps"):
        ForecastDisplay.from_predictions([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match=r"\(n_steps, 2\)"):
        ForecastDisplay.from_predictions([1, 2], [1, 2], y_interval=[[0, 1, 2], [0, 1, 2]])


# -- attention ------------------------------------------------------------------------
WORDS = ["abc", "ba", "cab", "ca", "bca"] * 6


@pytest.mark.parametrize("decoding", ["greedy", "beam"])
def test_attention_display_for_text(decoding):
    s2s = Seq2SeqTransformer(attention="additive", decoding=decoding, **FAST)
    s2s.fit(WORDS, [w[::-1] for w in WORDS])
    disp = AttentionDisplay.from_estimator(s2s, "cab")
    pred = s2s.predict(["cab"])[0]
    weights = disp.im_.get_array()
    assert weights.shape == (len(pred) + 1, 3)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["c", "a", "b"]
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == [*pred, "<end>"]
    assert disp.colorbar_ is not None and disp.ax_.get_xlabel() == "input step"
    if decoding == "greedy":  # the weights are those of predict's step-by-step decoding
        steps = []
        hook = s2s.module_.decoder.attention.register_forward_hook(
            lambda mod, args, out: steps.append(out[1][0, 0].numpy())
        )
        s2s.predict(["cab"])
        hook.remove()
        np.testing.assert_allclose(weights, np.stack(steps), rtol=1e-5, atol=1e-6)


def test_attention_display_numeric_and_errors():
    rng = np.random.RandomState(0)
    s2s = Seq2SeqTransformer(attention="dot", **FAST).fit(rng.rand(20, 6, 2), rng.rand(20, 3))
    x = rng.rand(6, 2)
    disp = AttentionDisplay.from_estimator(s2s, x, colorbar=False)
    assert disp.im_.get_array().shape == (3, 6) and disp.colorbar_ is None
    # the weights are those of predict's step-by-step decoding
    steps = []
    hook = s2s.module_.decoder.attention.register_forward_hook(
        lambda mod, args, out: steps.append(out[1][0, 0].numpy())
    )
    s2s.predict(x[None])
    hook.remove()
    np.testing.assert_allclose(disp.im_.get_array(), np.stack(steps), rtol=1e-5, atol=1e-6)
    plain = Seq2SeqTransformer(attention=None, **FAST).fit(WORDS, WORDS)
    with pytest.raises(ValueError, match="attention=None"):
        AttentionDisplay.from_estimator(plain, "abc")
    autoencoder = Seq2SeqTransformer(**FAST).fit(WORDS)  # "auto": no attention
    with pytest.raises(ValueError, match="attention='auto', which is None"):
        AttentionDisplay.from_estimator(autoencoder, "abc")
    with pytest.raises(TypeError, match="Seq2SeqTransformer"):
        AttentionDisplay.from_estimator(RNNRegressor(), "abc")


def test_plot_draws_again_on_other_axes():
    disp = TrainingCurveDisplay([1.0, 0.5, 0.25], [1.2, 0.7, 0.8])
    _, (a, b) = plt.subplots(1, 2)
    disp.plot(ax=a)
    disp.plot(ax=b)
    assert disp.ax_ is b and labels(a) == labels(b)
    assert disp.best_epoch_ == 2
    att = AttentionDisplay([[0.2, 0.8], [1.0, 0.0]], input_labels=["x", "y"]).plot(ax=a)
    assert att.ax_ is a and [t.get_text() for t in a.get_xticklabels()] == ["x", "y"]
