"""The one adjustment of RNNForecaster (skrnn/forecasting/_seasonal.py: log, M4's
seasonality test, classical deseasonalisation in NumPy) against its reference, sktime's
transformers (LogTransformer, autocorrelation_seasonality_test, Deseasonalizer), for
single series and panels alike (issue 18)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline
from sktime.transformations.boxcox import LogTransformer
from sktime.transformations.detrend import Deseasonalizer
from sktime.utils.seasonality import autocorrelation_seasonality_test

from skrnn import RNNForecaster
from skrnn.forecasting._seasonal import adjust, fit_adjustment, seasonality_test, unadjust

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.filterwarnings("ignore:The default of config:FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

TINY = dict(window_length=4, units=3, epochs=2, batch_size=16, n_estimators=1, random_state=0)
N = 60


def shapes() -> dict:
    rng = np.random.RandomState(0)
    t = np.arange(N)
    return {
        "seasonal": np.exp(3 + 0.01 * t + 0.3 * np.sin(2 * np.pi * t / 12)),
        "flat": 5 + rng.normal(0, 1, N).cumsum() * 0.1,
        "signs": np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.1, N),
    }


def sktime_steps(series: pd.Series, sp: int) -> list:
    """The reference: sktime's transformers, as RNNForecaster used them per series
    (log when strictly positive; then Deseasonalizer when M4's test finds a season)."""
    steps = [LogTransformer()] if (series > 0).all() else []
    for step in steps:
        series = step.fit_transform(series)
    if autocorrelation_seasonality_test(series, sp=sp):
        steps.append(Deseasonalizer(sp=sp).fit(series))
    return steps


def sktime_transform(series: pd.Series, steps: list) -> np.ndarray:
    for step in steps:
        series = step.transform(series)
    return series.to_numpy()


def sktime_inverse(values: np.ndarray, index: pd.Index, steps: list) -> np.ndarray:
    series = pd.Series(values, index=index)
    for step in reversed(steps):
        series = step.inverse_transform(series)
    return series.to_numpy()


def test_seasonality_test_is_sktimes_on_real_and_synthetic_series():
    import statsmodels.api as sm

    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    series = {
        "airline": (np.log(load_airline().to_numpy()), 12),
        "co2": (co2.to_numpy()[-240:], 12),
        "nile": (sm.datasets.nile.load_pandas().data["volume"].to_numpy(), 4),
        **{k: (v, 12) for k, v in shapes().items()},
    }
    decisions = []
    for values, sp in series.values():
        expected = autocorrelation_seasonality_test(pd.Series(values), sp=sp)
        assert seasonality_test(values, sp) == expected
        decisions.append(expected)
    assert any(decisions) and not all(decisions)  # both outcomes are covered


@pytest.mark.parametrize("name", ["seasonal", "flat", "signs"])
def test_adjustment_is_sktimes_transformers(name):
    values = shapes()[name]
    index = pd.period_range("2000-01", periods=N, freq="M")
    steps = sktime_steps(pd.Series(values, index=index), 12)
    log, season, path = fit_adjustment(values, 12, transform="auto", deseasonalize="auto", name="y")
    assert path is None  # classical: fixed indices
    assert log == any(isinstance(s, LogTransformer) for s in steps)
    assert season.any() == any(isinstance(s, Deseasonalizer) for s in steps)
    positions = np.arange(N)
    expected = sktime_transform(pd.Series(values, index=index), steps)
    np.testing.assert_allclose(adjust(values, log, season, positions), expected, rtol=1e-12)
    # back at later times (sktime aligns its indices by the time from the fit's start)
    later = pd.period_range("2005-01", periods=5, freq="M")
    z = np.linspace(-0.3, 0.4, 5) + (3.5 if log else 0.0)
    back = unadjust(z, log, season, N + np.arange(5))
    np.testing.assert_allclose(back, sktime_inverse(z, later, steps), rtol=1e-12)


def test_single_series_and_panel_fits_adjust_as_sktime():
    """Both fits use the NumPy adjustment; their data on the networks' scale and their
    forecasts mapped back equal sktime's transformers (the networks' own point
    forecasts taken as given), with seasonal_method="classical" (the default is STL:
    next tests)."""
    index = pd.period_range("2000-01", periods=N, freq="M")
    frames = [
        pd.DataFrame({"v": v}, index=pd.MultiIndex.from_product([[k], index]))
        for k, v in shapes().items()
    ]
    panel = pd.concat(frames)
    times = pd.period_range("2005-01", periods=2, freq="M")
    # without the drift a global fit also removes (next tests): sktime's transformers only
    f = RNNForecaster(**TINY, seasonal_method="classical", series_drift=False)
    f.fit(panel, fh=[1, 2])
    assert f.sp_ == 12 and f.series_log_.tolist() == [True, True, False]
    assert not f.series_drifts_.any()
    ends = f._offsets + f._lengths
    point = f.strategy_.forecast(f, f._F, ends, None, 2)[:, :, 0] * f.series_scales_[:, None]
    pred = f.predict()
    for i, (key, values) in enumerate(shapes().items()):
        series = pd.Series(values, index=index)
        steps = sktime_steps(series, 12)
        got = f._F[f._offsets[i] : ends[i], 0] * f.series_scales_[i]
        np.testing.assert_allclose(got, sktime_transform(series, steps), rtol=1e-5, atol=1e-5)
        back = sktime_inverse(point[i], times, steps)
        np.testing.assert_allclose(pred.loc[key, "v"].to_numpy(), back, rtol=1e-6)
        # the same series alone
        single = RNNForecaster(**TINY, seasonal_method="classical").fit(series, fh=[1, 2])
        Y = single._adjust(series.to_frame())
        np.testing.assert_allclose(Y[:, 0], sktime_transform(series, steps), rtol=1e-12)
        own = single.strategy_.forecast(single, Y, np.array([N]), None, 2)[0, :, 0]
        back = sktime_inverse(own, times, steps)
        np.testing.assert_allclose(single.predict().to_numpy(), back, rtol=1e-12)


def test_a_panel_is_adjusted_by_stl_and_forecast_with_its_last_season():
    """The default seasonal_method for a panel: the seasonal series are adjusted by the STL
    component of each time (statsmodels' STL, 7-season local-constant smoother, as R's
    stl) and forecast with its last season; the series without a season are not
    adjusted. Each series' drift is removed after (series_drift=True) and continued in
    its forecasts. An update without refit keeps the fitted path and drift
    for the old times and continues them for the new ones."""
    from statsmodels.tsa.seasonal import STL

    index = pd.period_range("2000-01", periods=N, freq="M")
    frames = [
        pd.DataFrame({"v": v}, index=pd.MultiIndex.from_product([[k], index]))
        for k, v in shapes().items()
    ]
    f = RNNForecaster(**TINY, series_drift=True).fit(pd.concat(frames), fh=[1, 2])
    ends = f._offsets + f._lengths
    point = f.strategy_.forecast(f, f._F, ends, None, 2)[:, :, 0] * f.series_scales_[:, None]
    pred = f.predict()
    assert f.series_seasonal_.any(axis=1).tolist() == [True, False, True]
    for i, (key, values) in enumerate(shapes().items()):
        logged = np.log(values) if f.series_log_[i] else values
        path = np.zeros(N)  # "flat": no season found, nothing removed
        if key != "flat":
            path = STL(logged, period=12, seasonal=7, seasonal_deg=0).fit().seasonal
        adjusted = logged - path
        drift = (adjusted[-1] - adjusted[0]) / (N - 1)
        assert f.series_drifts_[i] == pytest.approx(drift, rel=1e-9, abs=1e-12)
        got = f._F[f._offsets[i] : ends[i], 0] * f.series_scales_[i]
        np.testing.assert_allclose(got, adjusted - drift * np.arange(N), rtol=1e-5, atol=1e-5)
        # the next two months take the component of the same months of the last year,
        # and the drift continued
        z = point[i] + path[N - 12 : N - 10] + drift * np.arange(N, N + 2)
        back = np.exp(z) if f.series_log_[i] else z
        np.testing.assert_allclose(pred.loc[key, "v"].to_numpy(), back, rtol=1e-6)
    before = f._F[: f._lengths[0], 0].copy()
    new = pd.concat(
        {k: pd.DataFrame({"v": [v[-12] * 1.01]}, index=index[-1:] + 1) for k, v in shapes().items()}
    )
    f.update(new, update_params=False)
    np.testing.assert_array_equal(f._F[: len(before), 0], before)
    season = f.series_seasonal_[0]
    logged = np.log(new.loc["seasonal", "v"].iloc[0])
    expected = (logged - season[N % 12] - f.series_drifts_[0] * N) / f.series_scales_[0]
    np.testing.assert_allclose(f._F[len(before), 0], expected, rtol=1e-5)


def test_a_panels_stl_calibration_forecasts_the_season_of_the_held_out_steps():
    """The calibration networks of a panel with STL read each seasonal series adjusted
    by the STL of its observations before the held-out last horizon, continued over it
    by its last season, less the drift of those observations; adjusting by the component
    (or the drift) fitted to all the data would fit the held-out steps to them (errors too
    small, intervals too narrow)."""
    from statsmodels.tsa.seasonal import STL

    t = np.arange(N)
    amplitude = np.where(t < N - 6, 0.2, 0.5)  # the season grows in the held-out steps
    values = {
        "a": np.exp(3 + 0.01 * t + amplitude * np.sin(2 * np.pi * t / 12)),
        "b": shapes()["flat"],
    }
    index = pd.period_range("2000-01", periods=N, freq="M")
    y = pd.concat({k: pd.DataFrame({"v": v}, index=index) for k, v in values.items()})
    f = RNNForecaster(**TINY, series_drift=True).fit(y, fh=np.arange(1, 7))
    Hc = f._calibration_horizon
    assert Hc == 6 and f.series_seasonal_.any(axis=1).tolist() == [True, False]
    Fc = f._calibration_panel(Hc)
    logged = np.log(values["a"])
    head = STL(logged[: N - Hc], period=12, seasonal=7, seasonal_deg=0).fit().seasonal
    season = np.r_[head, head[N - Hc - 12 : N - 12]]  # the last season continues
    adjusted = logged - season
    drift = (adjusted[N - Hc - 1] - adjusted[0]) / (N - Hc - 1)  # of the head only
    expected = (adjusted - drift * t) / f.series_scales_[0]
    np.testing.assert_allclose(Fc[:N, 0], expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(Fc[N - Hc : N, 0], f._F[N - Hc : N, 0], rtol=1e-3)
    # "b": no season, as in fit; its drift that of its head
    b = np.log(values["b"]) if f.series_log_[1] else values["b"]
    b = b - (b[N - Hc - 1] - b[0]) / (N - Hc - 1) * t
    np.testing.assert_allclose(Fc[N:, 0], b / f.series_scales_[1], rtol=1e-5, atol=1e-6)


def test_a_single_series_stl_calibration_forecasts_the_season_of_its_origins(monkeypatch):
    """With seasonal_method="stl", the calibration networks of a single series read it
    adjusted by the STL of the observations they train on, continued by its last season
    over the origins' steps, as for a panel; it was the component fitted to all the
    data, which fits the season of the steps the intervals are calibrated on (errors
    too small, intervals too narrow). The final networks keep the full component."""
    from statsmodels.tsa.seasonal import STL

    from skrnn.forecasting._strategies import STRATEGIES

    seen = []
    direct = STRATEGIES["direct"]
    forecast = direct.ensemble_forecast

    def spy(self, f, members, lengths, F, origins, X, H):
        seen.append((F.copy(), origins.copy()))
        return forecast(self, f, members, lengths, F, origins, X, H)

    monkeypatch.setattr(direct, "ensemble_forecast", spy)
    t = np.arange(72)
    amplitude = np.where(t < 60, 0.2, 0.5)  # the season grows in the last year
    y = pd.Series(
        np.exp(3 + 0.01 * t + amplitude * np.sin(2 * np.pi * t / 12)),
        index=pd.period_range("2000-01", periods=72, freq="M"),
    )
    f = RNNForecaster(**TINY, seasonal_method="stl").fit(y, fh=np.arange(1, 4))
    F, origins = seen[0]  # the calibration's forecasts, at the origins left out
    n_train = int(origins[0])
    logged = np.log(y.to_numpy())
    head = STL(logged[:n_train], period=12, seasonal=7, seasonal_deg=0).fit().seasonal
    continued = head[n_train - 12 + (np.arange(72 - n_train) % 12)]
    np.testing.assert_allclose(F[:, 0], logged - np.r_[head, continued], rtol=1e-5)
    full = f._adjust(y.to_frame())[:, 0]
    assert not np.allclose(F[n_train:, 0], full[n_train:], rtol=1e-3)
    assert f.calibration_errors_ is not None and f.predict().notna().all()


def test_a_single_series_is_adjusted_by_stl_by_default():
    """The default for a single series (as for a panel): its adjusted history and the
    forecasts' season from statsmodels' STL with R's local-constant smoother; the
    classical indices on request. A value outside the methods is a ValueError naming
    them."""
    from statsmodels.tsa.seasonal import STL

    y = load_airline().astype(float)
    f = RNNForecaster(**dict(TINY, intervals=None)).fit(y, fh=[1, 2])
    path = STL(np.log(y.to_numpy()), period=12, seasonal=7, seasonal_deg=0).fit().seasonal
    n = len(y)
    np.testing.assert_allclose(f._adjust(y.to_frame())[:, 0], np.log(y.to_numpy()) - path)
    assert np.allclose(f.series_seasonal_[0][np.arange(n - 12, n) % 12], path[-12:])
    classical = RNNForecaster(**dict(TINY, intervals=None), seasonal_method="classical")
    classical.fit(y, fh=[1, 2])
    assert not np.allclose(classical.series_seasonal_, f.series_seasonal_)
    with pytest.raises(ValueError, match="seasonal_method must be 'stl' or 'classical'"):
        RNNForecaster(seasonal_method="x13").fit(y, fh=[1])


def test_forecasts_at_a_horizon_with_gaps_take_the_season_of_their_times():
    """fh=[1, 3, 12]: each step gets the seasonal index of its own time (sktime's
    Deseasonalizer.inverse_transform assigns a series' indices by position from its
    first time, so the steps after a gap took the indices of the times right after it)."""
    y = load_airline().astype(float)
    params = dict(TINY, window_length=12, intervals=None)
    full = RNNForecaster(**params).fit(y, fh=np.arange(1, 13)).predict()
    gaps = RNNForecaster(**params).fit(y, fh=[1, 3, 12]).predict()
    np.testing.assert_allclose(gaps.to_numpy(), full.iloc[[0, 2, 11]].to_numpy(), rtol=1e-12)


def test_log_of_a_series_with_values_at_or_below_zero_is_an_error_naming_it():
    values = np.array([1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="transform='log' needs a strictly positive y; 'y'"):
        fit_adjustment(values, 1, transform="log", deseasonalize=False, name="'y'")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log of 0 attempted with transform="auto"
        log, season, _ = fit_adjustment(values, 1, transform="auto", deseasonalize="auto", name="y")
    assert not log and season.tolist() == [0.0]
