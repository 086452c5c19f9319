"""RNNForecaster: an sktime forecaster over skrnn's estimators."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import windows_seen
from sklearn.base import clone
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.forecasting.conformal import ConformalIntervals
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import MeanAbsoluteError
from sktime.split import ExpandingWindowSplitter
from sktime.transformations.series.boxcox import LogTransformer
from sktime.transformations.series.difference import Differencer
from sktime.utils import check_estimator

from skrnn import RNNForecaster, Seq2SeqTransformer
from skrnn.forecasting._forecaster import PinballLoss
from skrnn.forecasting._strategies import quantile_at

STRATEGIES = ["recursive", "direct", "seq2seq"]
#: tiny networks on the raw series (no log, no deseasonalisation), one per forecaster,
#: with the quantile head: the mechanics of each strategy. The defaults have own tests.
TINY = dict(
    window_length=4,
    units=3,
    epochs=2,
    batch_size=16,
    n_estimators=1,
    transform=None,
    deseasonalize=False,
    intervals="quantile",
    random_state=0,
)

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.filterwarnings("ignore:The default of config:FutureWarning"),
    # tiny networks of one or two epochs test the mechanics, not the learning
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def seasonal(n=60, index="period"):
    t = np.arange(n)
    values = 10.0 + 0.05 * t + np.sin(2 * np.pi * t / 12)
    indexes = {
        "period": pd.period_range("2000-01", periods=n, freq="M"),
        "datetime": pd.date_range("2000-01-01", periods=n, freq="D"),
        "range": pd.RangeIndex(n),
    }
    return pd.Series(values, index=indexes[index], name="sales")


def test_sktime_check_estimator_passes():
    """sktime's own conformance suite, on the tiny get_test_params networks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(RNNForecaster, raise_exceptions=False, verbose=False)
    failed = {name: str(result)[:200] for name, result in results.items() if result != "PASSED"}
    assert len(results) > 500
    assert failed == {}


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("index", ["period", "datetime", "range"])
def test_fh_shapes_and_index_types(strategy, index):
    y = seasonal(index=index)
    train, cutoff = y.iloc[:50], y.index[49]
    fh = ForecastingHorizon([1, 3, 7], is_relative=True)  # with gaps
    f = RNNForecaster(strategy=strategy, **TINY).fit(train, fh=fh)
    pred = f.predict()
    assert isinstance(pred, pd.Series) and pred.name == "sales"
    expected = fh.to_absolute_index(cutoff)
    pd.testing.assert_index_equal(pred.index, expected)
    # a RangeIndex with gaps becomes an integer Index (as sktime's fh gives it)
    assert pred.index.dtype == y.index.dtype
    # the same horizon given as absolute time points
    absolute = ForecastingHorizon(y.index[[50, 52, 56]], is_relative=False)
    f_abs = RNNForecaster(strategy=strategy, **TINY).fit(train, fh=absolute)
    np.testing.assert_allclose(f_abs.predict().to_numpy(), pred.to_numpy(), rtol=1e-5)
    assert np.isfinite(pred).all()


def test_networks_that_learn_only_the_drift_do_not_warn():
    """A random walk leaves a network nothing to learn beyond the mean change (the drift
    forecast): the forecaster drops the networks' NothingLearnedWarning, whose advice
    (more epochs, another lr, scaled data) is not the forecaster's to take."""
    from skrnn._training.health import NothingLearnedWarning

    rng = np.random.default_rng(0)
    index = pd.period_range("2000-01", periods=80, freq="M")
    y = pd.Series(100 + np.cumsum(rng.normal(size=80)), index=index)
    params = dict(n_estimators=2, units=4, epochs=5, intervals=None, deseasonalize=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = RNNForecaster(random_state=0, **params).fit(y, fh=[1, 2, 3])
    history = [e.net_.history for e in f.estimators_]
    # a network did end where it began
    assert any(h[-1, "train_loss"] >= h[0, "train_loss"] for h in history)
    assert not [w for w in caught if issubclass(w.category, NothingLearnedWarning)]


def _while_held_in_a_thread(fit, inside, done, meanwhile):
    """Run ``fit`` in a thread and, once it is held inside (``inside`` set), ``meanwhile``
    in this one; then release it (``done``), re-raise what it raised and return what
    ``meanwhile`` returned."""
    import threading

    errors = []

    def run():
        try:
            fit()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert inside.wait(60)
        out = meanwhile()
    finally:
        done.set()
        thread.join()
    assert not errors, errors
    return out


@pytest.mark.parametrize("panel", [False, True], ids=["series", "panel"])
def test_a_forecaster_training_in_a_thread_leaves_other_threads_warnings_alone(monkeypatch, panel):
    """The forecaster silences its networks' NothingLearnedWarning for its own thread
    only: a warnings filter that another thread adds meanwhile survives the fit, and a
    network fitted meanwhile in that other thread still warns (``catch_warnings`` swapped
    the process's one filter list, ignoring the warning everywhere during the fit and
    dropping on exit every filter added in the meantime). Both training paths: one
    series' networks and a panel's global ones."""
    import threading

    from skrnn import RNNClassifier
    from skrnn._training.health import NothingLearnedWarning
    from skrnn.forecasting import _strategies

    inside, done = threading.Event(), threading.Event()
    network = _strategies._Strategy.network  # every strategy's networks, either path

    def paused(self, *args, **kwargs):  # hold the forecaster as it builds a network
        inside.set()
        assert done.wait(60)
        return network(self, *args, **kwargs)

    monkeypatch.setattr(_strategies._Strategy, "network", paused)
    y = seasonal()
    if panel:
        y = pd.concat({"a": y, "b": y + 1.0}, names=["id", "time"]).to_frame()

    def fit_forecaster():
        f = RNNForecaster(**{**TINY, "intervals": None}).fit(y, fh=[1, 2])
        assert (f.n_series_ if panel else 1) == (2 if panel else 1)

    def meanwhile():
        # no filter of the process ignores the warning for the networks of other threads
        assert not [f for f in warnings.filters if f[2] is NothingLearnedWarning]
        warnings.filterwarnings("ignore", message="a filter of this thread")
        X, y = np.zeros((12, 3, 1)), np.r_[np.zeros(6), np.ones(6)]
        clf = RNNClassifier(units=2, epochs=3, lr=1e-6, n_iter_no_change=None, random_state=0)
        with pytest.warns(NothingLearnedWarning, match="has not learned"):
            clf.fit(X, y)
        return warnings.filters[0]

    mine = _while_held_in_a_thread(fit_forecaster, inside, done, meanwhile)
    assert mine in warnings.filters


def test_the_theta_fallback_in_a_thread_leaves_other_threads_warnings_alone(monkeypatch):
    """A series too short for a network is forecast by sktime's Theta, whose construction
    warns in sktime 1.2 (remember_data's default changes in 1.3). The fallback's Theta
    keeps no data by its class config: silenced by a ``catch_warnings`` block instead,
    every filter another thread added while it fitted was dropped on exit."""
    import threading

    from sktime.forecasting.theta import ThetaForecaster

    inside, done = threading.Event(), threading.Event()
    fit = ThetaForecaster._fit

    def paused(self, *args, **kwargs):  # hold the first Theta fit
        if not inside.is_set():
            inside.set()
            assert done.wait(60)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(ThetaForecaster, "_fit", paused)

    def fit_forecaster():
        plain = dict(transform=None, deseasonalize=False, random_state=0)
        f = RNNForecaster(**plain).fit(seasonal(20), fh=[1, 2, 3])
        assert f.estimators_ == []  # the Theta fallback

    def meanwhile():
        warnings.filterwarnings("ignore", message="a filter of this thread")
        return warnings.filters[0]

    mine = _while_held_in_a_thread(fit_forecaster, inside, done, meanwhile)
    assert mine in warnings.filters


def test_recursive_forecasts_any_fh_at_predict_time():
    f = RNNForecaster(strategy="recursive", **TINY).fit(seasonal())
    assert len(f.predict(fh=[1, 2])) == 2
    assert len(f.predict(fh=np.arange(1, 25))) == 24
    # step k of a longer horizon is the same forecast
    np.testing.assert_allclose(f.predict(fh=[2]).iloc[0], f.predict(fh=[1, 2]).iloc[1])


def test_recursive_conformal_intervals_beyond_the_calibrated_steps():
    """fh may outgrow the calibration horizon (two seasons): the widths of later steps
    grow as sqrt(step) from the last calibrated one (this raised a broadcasting
    ValueError before: the scores were divided by the extended scale)."""
    y = pd.Series(np.sin(np.arange(60) / 3) + np.arange(60) / 20)  # no season: sp=1, 2 steps
    f = RNNForecaster(**dict(TINY, strategy="recursive", intervals="conformal"))
    f.fit(y, fh=[1, 2])
    assert f.calibration_errors_.shape[1] == 2
    near = f.predict_interval(fh=[1, 2], coverage=0.8)
    far = f.predict_interval(fh=[1, 2, 3, 8], coverage=0.8)
    pd.testing.assert_frame_equal(far.iloc[:2], near)  # the calibrated steps unchanged
    width = (far.iloc[:, 1] - far.iloc[:, 0]).to_numpy()
    np.testing.assert_allclose(width[2:] / width[1], np.sqrt([3 / 2, 8 / 2]), rtol=1e-6)


def test_each_strategy_is_a_class_chosen_in_fit():
    """Issue 18 item 4: ``strategy`` selects one class per strategy (sktime's reducers'
    layout) as the fitted ``strategy_``; the parameter itself is unchanged."""
    from skrnn.forecasting._strategies import STRATEGIES as CLASSES
    from skrnn.forecasting._strategies import _Strategy

    assert sorted(CLASSES) == sorted(STRATEGIES)
    for name, cls in CLASSES.items():
        assert issubclass(cls, _Strategy) and cls.name == name
        f = RNNForecaster(strategy=name, **TINY)
        assert not hasattr(f, "strategy_")
        assert f.get_tag("requires-fh-in-fit") is cls.fh_in_fit
        f.fit(seasonal(), fh=[1, 2])
        assert type(f.strategy_) is cls and clone(f).get_params() == f.get_params()
        assert not hasattr(clone(f), "strategy_")
    expected = {"direct": "RNNRegressor", "recursive": "RNNRegressor"}
    for name, cls in CLASSES.items():
        assert cls.estimator.__name__ == expected.get(name, "Seq2SeqTransformer")


@pytest.mark.parametrize("strategy", ["direct", "seq2seq"])
def test_horizon_strategies_need_fh_in_fit_and_keep_it(strategy):
    y = seasonal()
    with pytest.raises(ValueError, match="must be passed to `fit`"):
        RNNForecaster(strategy=strategy, **TINY).fit(y)
    f = RNNForecaster(strategy=strategy, **TINY).fit(y, fh=[1, 2, 3])
    assert f.horizon_ == 3
    with pytest.raises(ValueError, match="different forecasting horizon"):
        f.predict(fh=[1, 2, 3, 4])


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_in_sample_fh_gives_one_step_fitted_values(strategy):
    y = seasonal()
    f = RNNForecaster(**(TINY | dict(strategy=strategy, intervals=None))).fit(y, fh=[-5, 0, 2])
    pred = f.predict()
    pd.testing.assert_index_equal(pred.index, f.fh.to_absolute_index(y.index[-1]))
    assert pred.index[0] == y.index[54] and pred.index[1] == y.index[59]
    # the fitted value at t is the network's one-step forecast from the window before t
    window = y.to_numpy()[54 - 4 : 54].reshape(1, 4, 1)
    step1 = f.estimator_.predict(window).reshape(-1)[0]
    np.testing.assert_allclose(pred.iloc[0], step1, rtol=1e-6)
    early = RNNForecaster(strategy=strategy, **TINY).fit(y, fh=[-58, 1])
    with pytest.raises(ValueError, match="fewer observations"):
        early.predict()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_multivariate_y_keeps_columns(strategy):
    y = pd.concat([seasonal().rename("a"), 2 * seasonal().rename("b")], axis=1)
    f = RNNForecaster(strategy=strategy, **TINY).fit(y, fh=[1, 2])
    pred = f.predict()
    assert list(pred.columns) == ["a", "b"] and pred.shape == (2, 2)
    q = f.predict_quantiles(alpha=[0.1, 0.9]) if f.get_tag("capability:pred_int") else None
    if q is not None:
        assert list(q.columns) == [("a", 0.1), ("a", 0.9), ("b", 0.1), ("b", 0.9)]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_instance_norm_last_moves_forecasts_with_the_level_of_their_variable(strategy):
    """instance_norm="last" (the default) reaches the network, and each output column is
    mapped back by its own variable: lifting b by 1000 lifts b's forecasts only."""
    y = pd.concat([seasonal().rename("a"), seasonal().rename("b")], axis=1)
    lifted = y.assign(b=y["b"] + 1000.0)
    fits = [RNNForecaster(strategy=strategy, **TINY).fit(d, fh=[1, 3]) for d in (y, lifted)]
    base, moved = (f.predict_quantiles(alpha=[0.1, 0.5, 0.9]) for f in fits)
    np.testing.assert_allclose(moved["a"], base["a"], atol=1e-3)
    np.testing.assert_allclose(moved["b"] - 1000.0, base["b"], atol=1e-2)
    plain = RNNForecaster(strategy=strategy, instance_norm=None, **TINY).fit(lifted, fh=[1, 3])
    assert np.abs(plain.predict()["a"] - moved.loc[:, ("a", 0.5)]).max() > 1e-3


def copy_of_x(n=240, seed=0):
    """y copies an exogenous X that is white noise: no lag of y helps, the known X does."""
    rng = np.random.RandomState(seed)
    index = pd.period_range("2000-01", periods=n, freq="M")
    X = pd.DataFrame({"x": rng.randn(n)}, index=index)
    return X["x"].rename("y"), X


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_known_future_x_is_used(strategy):
    y, X = copy_of_x()
    train, test = slice(0, 220), slice(220, 224)
    params = dict(window_length=3, units=16, epochs=60, batch_size=16, lr=1e-2, random_state=0)
    params.update(intervals=None, n_estimators=1)  # the default adjustment: none applies
    f = RNNForecaster(strategy=strategy, **params).fit(y[train], X=X[train], fh=[1, 2, 3, 4])
    pred = f.predict(X=X[test])
    err = np.abs(pred.to_numpy() - y[test].to_numpy()).mean()
    assert err < 0.35, err  # the unconditional error of white noise is ~0.8
    shuffled = X[test].iloc[::-1].set_axis(X[test].index)
    err_wrong_x = np.abs(f.predict(X=shuffled).to_numpy() - y[test].to_numpy()).mean()
    assert err_wrong_x > 2 * err


def test_missing_future_x_is_a_clear_error():
    y, X = copy_of_x(60)
    f = RNNForecaster(**TINY).fit(y[:50], X=X[:50], fh=[1, 2, 3])
    with pytest.raises(ValueError, match="needs the exogenous X"):
        f.predict()
    with pytest.raises(ValueError, match="needs the exogenous X"):
        f.predict(X=X[50:52])  # step 3 missing
    assert len(f.predict(X=X[50:53])) == 3
    direct = RNNForecaster(strategy="direct", **TINY).fit(y[:50], X=X[:50], fh=[3])
    with pytest.raises(ValueError, match="2000-03|2004-03"):
        direct.predict(X=X[52:53])  # steps 1 and 2 of the window's X missing


def test_quantile_interpolation_is_monotone_and_exact_at_levels():
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    values = np.array([-1.6, -0.7, 0.0, 0.7, 1.6])
    alphas = np.linspace(0.001, 0.999, 99)
    q = np.array([quantile_at(levels, values, a) for a in alphas])
    assert (np.diff(q) > 0).all()
    np.testing.assert_allclose([quantile_at(levels, values, a) for a in levels], values)


def test_pinball_loss_is_minimised_by_the_quantile():
    rng = np.random.RandomState(0)
    y = torch.tensor(rng.randn(20000), dtype=torch.float32)
    grid = np.linspace(-2, 2, 81)
    for level in (0.1, 0.9):
        loss = PinballLoss([level])
        losses = [float(loss(torch.full_like(y, g), y)) for g in grid]
        assert abs(grid[np.argmin(losses)] - np.quantile(y.numpy(), level)) < 0.06


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_quantiles_are_monotone_and_intervals_nested(strategy):
    f = RNNForecaster(strategy=strategy, n_sample_paths=50, **TINY).fit(seasonal(), fh=[1, 2, 5])
    q = f.predict_quantiles(alpha=[0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98])
    assert (np.diff(q.to_numpy(), axis=1) >= 0).all()
    wide, narrow = (f.predict_interval(coverage=c)["sales", c] for c in (0.9, 0.5))
    assert (wide["lower"] <= narrow["lower"]).all() and (wide["upper"] >= narrow["upper"]).all()


@pytest.mark.parametrize(
    "strategy, intervals",
    [(s, "quantile") for s in STRATEGIES] + [("direct", "conformal"), ("recursive", "conformal")],
)
def test_interval_coverage_on_gaussian_noise(strategy, intervals):
    """90% intervals of N(5, 1) white noise cover about 90% of held-out values."""
    rng = np.random.RandomState(1)
    n, n_test = 400, 120
    y = pd.Series(5.0 + rng.randn(n + n_test), index=pd.RangeIndex(n + n_test))
    params = dict(window_length=4, units=8, epochs=40, lr=1e-2, random_state=0, n_estimators=1)
    params.update(intervals=intervals, n_sample_paths=300)
    f = RNNForecaster(strategy=strategy, **params).fit(y[:n], fh=[1, 2])
    hits = []
    for start in range(n, n + n_test, 2):
        interval = f.predict_interval(coverage=0.9)
        truth = y.iloc[start : start + 2].to_numpy()
        lower, upper = interval.iloc[:, 0].to_numpy(), interval.iloc[:, 1].to_numpy()
        hits.extend((lower <= truth) & (truth <= upper))
        f.update(y.iloc[start : start + 2], update_params=False)
    assert 0.8 <= np.mean(hits) <= 0.98, np.mean(hits)


def test_intervals_none_trains_on_squared_error_without_intervals():
    f = RNNForecaster(**(TINY | dict(intervals=None, strategy="recursive"))).fit(seasonal())
    assert not f.get_tag("capability:pred_int")
    assert isinstance(f.estimator_.net_.criterion_, torch.nn.MSELoss)
    with pytest.raises(NotImplementedError, match="prediction intervals"):
        f.predict_interval(fh=[1])
    s2s = RNNForecaster(strategy="seq2seq", **TINY).fit(seasonal(), fh=[1, 2])
    assert isinstance(s2s.estimator_, Seq2SeqTransformer)
    assert isinstance(s2s.estimator_.net_.criterion_, PinballLoss)


def test_conformal_intervals_wrap_it():
    y = seasonal(48)
    recursive = RNNForecaster(**(TINY | dict(intervals=None, strategy="recursive")))
    conformal = ConformalIntervals(recursive, sample_frac=0.3)
    interval = conformal.fit(y, fh=[1, 2]).predict_interval(coverage=0.8)
    assert interval.shape == (2, 2)
    assert (interval.iloc[:, 0] < interval.iloc[:, 1]).all()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_update_moves_cutoff_and_refits_only_with_update_params(strategy):
    y = seasonal()
    f = RNNForecaster(strategy=strategy, **TINY).fit(y.iloc[:50], fh=[1, 2])
    net = f.estimator_
    f.update(y.iloc[50:53], update_params=False)
    assert f.cutoff[0] == y.index[52] and f.estimator_ is net
    pd.testing.assert_index_equal(f.predict().index, y.index[53:55])
    f.update(y.iloc[53:56], update_params=True)
    assert f.estimator_ is not net
    # the refit saw all 56 observations: one more window per new observation
    assert len(f._cur_y) == 56
    fresh = RNNForecaster(strategy=strategy, **TINY).fit(y.iloc[:56], fh=[1, 2])
    np.testing.assert_allclose(f.predict().to_numpy(), fresh.predict().to_numpy(), rtol=1e-5)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_pickle_round_trip_predicts_the_same(strategy):
    f = RNNForecaster(strategy=strategy, **TINY).fit(seasonal(), fh=[1, 2, 3])
    again = pickle.loads(pickle.dumps(f))
    pd.testing.assert_series_equal(again.predict(), f.predict())


def test_random_state_makes_fits_identical():
    a = RNNForecaster(**TINY).fit(seasonal(), fh=[1, 4]).predict_interval()
    b = RNNForecaster(**TINY).fit(seasonal(), fh=[1, 4]).predict_interval()
    pd.testing.assert_frame_equal(a, b)


def test_grid_search_with_expanding_window_splitter():
    y = seasonal(48)
    cv = ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=30, step_length=6)
    grid = {"units": [2, 4], "window_length": [3, 6], "epochs": [1, 2]}
    search = ForecastingGridSearchCV(
        RNNForecaster(strategy="direct", **TINY),
        cv=cv,
        param_grid=grid,
        error_score="raise",
        backend=None,  # in this process: worker processes would each import torch
    )
    search.fit(y, fh=[1, 2, 3])
    assert len(search.cv_results_) == 8
    assert set(search.best_params_) == set(grid)
    assert search.best_forecaster_.window_length == search.best_params_["window_length"]
    assert len(search.predict()) == 3


def test_evaluate_rolling_origin():
    y = seasonal(48)
    cv = ExpandingWindowSplitter(fh=[1, 2], initial_window=36, step_length=4)
    results = evaluate(RNNForecaster(**TINY), cv, y, scoring=MeanAbsoluteError())
    assert len(results) == 3
    assert np.isfinite(results.iloc[:, 0]).all()


def test_inside_transformed_target_forecaster():
    y = seasonal()
    pipe = TransformedTargetForecaster(
        [("log", LogTransformer()), ("diff", Differencer()), ("rnn", RNNForecaster(**TINY))]
    )
    pred = pipe.fit(y, fh=[1, 2, 3]).predict()
    assert pred.min() > 5.0  # back in the series' units
    interval = pipe.predict_interval(coverage=0.9)
    assert (interval.iloc[:, 0] <= pred.to_numpy()).all()


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(strategy="multi"), "strategy must be one of"),
        (dict(window_length=0), "window_length must be an integer"),
        (dict(quantiles=(0.5,)), "at least two distinct levels"),
        (dict(quantiles=(0.0, 0.5)), "strictly between"),
        (dict(window_length=60), "at least window_length"),
        (dict(units=0), "units"),
    ],
)
def test_invalid_parameters_are_clear_errors(params, match):
    with pytest.raises(ValueError, match=match):
        RNNForecaster(**(TINY | params)).fit(seasonal(), fh=[1, 2])


# -- the defaults: adjustment, ensemble, conformal intervals, fallback ------------------------
def multiplicative(n=96):
    t = np.arange(n)
    values = np.exp(4.0 + 0.01 * t + 0.2 * np.sin(2 * np.pi * t / 12))
    return pd.Series(values, index=pd.period_range("2000-01", periods=n, freq="M"), name="y")


FAST = dict(n_estimators=2, units=3, epochs=2, batch_size=32, random_state=0)


def test_defaults_log_and_deseasonalise_a_positive_seasonal_series():
    f = RNNForecaster(**FAST).fit(multiplicative(), fh=np.arange(1, 13))
    assert f.strategy == "direct" and f.sp_ == 12 and f.window_lengths_ == [12, 24]
    # the log was taken, and the seasonality test found the season: its indices removed
    assert f.series_log_.tolist() == [True] and f.series_seasonal_.shape == (1, 12)
    assert np.abs(f.series_seasonal_).max() > 0.1
    assert len(f.estimators_) == 2 and f.calibration_errors_.shape == (13, 12, 1)
    # a series with values <= 0 is not logged; deseasonalize=False keeps the season
    shifted = multiplicative() - 100.0
    g = RNNForecaster(deseasonalize=False, **FAST).fit(shifted, fh=[1, 2])
    assert g.series_log_.tolist() == [False] and not g.series_seasonal_.any()
    with pytest.raises(ValueError, match="transform='log' needs a strictly positive y"):
        RNNForecaster(transform="log", **FAST).fit(shifted, fh=[1, 2])


def test_forecasts_are_mapped_back_to_the_series_units():
    y = multiplicative()
    f = RNNForecaster(**FAST).fit(y.iloc[:-12], fh=np.arange(1, 13))
    pred = f.predict()
    # the season comes back from the decomposition: the forecast peaks where y does
    assert np.argmax(pred.to_numpy()) == np.argmax(y.iloc[-12:].to_numpy())
    assert np.abs(pred / y.iloc[-12:] - 1).max() < 0.2


def test_ensemble_forecast_is_the_median_of_its_networks():
    y = seasonal(80)
    plain = dict(transform=None, deseasonalize=False, intervals=None, units=3, epochs=2)
    f = RNNForecaster(n_estimators=3, window_length=6, random_state=0, **plain).fit(y, fh=[1, 2])
    window = y.to_numpy()[-6:].reshape(1, 6, 1)
    members = np.stack([e.predict(window).ravel() for e in f.estimators_])
    assert len(f.estimators_) == 3 and np.ptp(members, axis=0).min() > 0
    np.testing.assert_allclose(f.predict().to_numpy(), np.median(members, axis=0), rtol=1e-6)


def test_short_series_fall_back_to_theta_with_intervals():
    y = seasonal(30)
    f = RNNForecaster(transform=None, deseasonalize=False, **FAST).fit(y, fh=np.arange(1, 13))
    assert f.estimators_ == [] and f.estimator_ is None and f.window_lengths_ == [0]
    theta = ThetaForecaster(deseasonalize=False).fit(y.reset_index(drop=True), fh=range(1, 13))
    np.testing.assert_allclose(f.predict().to_numpy(), theta.predict().to_numpy(), rtol=1e-6)
    interval = f.predict_interval(coverage=0.9)
    width = (interval.iloc[:, 1] - interval.iloc[:, 0]).to_numpy()
    assert (width > 0).all() and (np.diff(width) >= -1e-9).all()
    # an explicit window_length is not shortened: a clear error with the minimum
    with pytest.raises(ValueError, match="at least window_length \\+ 12 = 36 observations"):
        RNNForecaster(window_length=24, **FAST).fit(y, fh=np.arange(1, 13))
    with pytest.raises(ValueError, match="at least 16 observations of y to calibrate"):
        RNNForecaster(**FAST).fit(y.iloc[:10], fh=np.arange(1, 13))


def test_conformal_interval_widths_come_from_the_calibration_errors():
    f = RNNForecaster(**FAST).fit(multiplicative(), fh=[1, 2, 3])
    err = f.calibration_errors_[:, :, 0]
    scale = np.maximum.accumulate(np.sqrt((err**2).mean(axis=0)))
    q = f.predict_quantiles(alpha=[0.05, 0.5, 0.95]).to_numpy()
    # the half-width on the adjusted (log) scale is log(upper / median): the seasonal
    # factor cancels; it grows with the step as the calibration errors' scale does
    half = np.log(q[:, 2] / q[:, 1])
    np.testing.assert_allclose(half / half[0], scale / scale[0], rtol=1e-6)
    assert (q[:, 0] < q[:, 1]).all() and (q[:, 1] < q[:, 2]).all()


# -- the sktime contract ---------------------------------------------------------------------
def test_every_setting_survives_clone_and_set_params():
    from sklearn.base import clone

    params = dict(
        strategy="seq2seq", window_length=5, sp=4, deseasonalize=True, transform="log",
        n_estimators=3, intervals="quantile", quantiles=(0.1, 0.5, 0.9), units=7,
    )  # fmt: skip
    f = RNNForecaster(**params)
    for copy in (clone(f), RNNForecaster().set_params(**params)):
        assert {k: copy.get_params()[k] for k in params} == params
        assert copy.get_tag("requires-fh-in-fit")


def test_grid_search_over_the_ensemble_and_adjustment():
    y = multiplicative(72)
    cv = ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=60, step_length=6)
    grid = {"deseasonalize": [True, False], "n_estimators": [1, 2]}
    search = ForecastingGridSearchCV(
        RNNForecaster(units=3, epochs=1, random_state=0), cv, grid, backend=None
    )
    search.fit(y, fh=[1, 2, 3])
    assert len(search.cv_results_) == 4 and np.isfinite(search.predict()).all()


@pytest.mark.parametrize(
    "new, match",
    [
        (lambda y: y.iloc[70:73].rename("other"), "has the variables \\['other'\\]"),
        (lambda y: y.iloc[60:63], "got a PeriodIndex from 2005-01 to 2005-03"),  # older
        (lambda y: y.iloc[71:74], "got a PeriodIndex from 2005-12"),  # a gap of one month
        (lambda y: y.iloc[[65, 67, 70]], "cutoff 2005-10"),  # a gap among the seen
        (lambda y: y.iloc[70:73].to_timestamp(), "got a DatetimeIndex"),
        (lambda y: y.iloc[70:73].to_numpy(), "no times"),
    ],
)
def test_update_refuses_data_that_does_not_continue_the_series(new, match):
    y = multiplicative()
    f = RNNForecaster(**FAST).fit(y.iloc[:70], fh=[1, 2])
    before = f.predict()
    with pytest.raises(ValueError, match=match):
        f.update(new(y))
    assert f.cutoff[0] == y.index[69] and len(f._cur_y) == 70
    pd.testing.assert_series_equal(f.predict(), before)
    # times already seen may come first, as sktime's update_predict passes them
    f.update(y.iloc[65:72], update_params=False)
    assert f.cutoff[0] == y.index[71] and len(f._cur_y) == 72


def test_an_unnamed_series_continues_a_named_one():
    """update takes an unnamed Series for a series of one variable (sktime names its
    column 0); it raised a KeyError at the next predict."""
    y = multiplicative()
    f = RNNForecaster(**FAST).fit(y.iloc[:70], fh=[1, 2])
    f.update(y.iloc[70:73].rename(None), update_params=False)
    assert f.cutoff[0] == y.index[72] and f._cur_y.columns.tolist() == ["y"]
    assert len(f._cur_y) == 73 and np.isfinite(f.predict().to_numpy()).all()


def test_a_failing_update_leaves_cutoff_data_and_networks_as_they_were(monkeypatch):
    y = multiplicative()
    f = RNNForecaster(**FAST).fit(y.iloc[:70], fh=[1, 2])
    nets, data, before = f.estimators_, f._cur_y, f.predict()

    def broken(*args, **kwargs):
        raise RuntimeError("training failed")

    monkeypatch.setattr(f.strategy_, "fit_members", broken)
    with pytest.raises(RuntimeError, match="training failed"):
        f.update(y.iloc[70:73])
    assert f.cutoff[0] == y.index[69] and f._cur_y is data and f.estimators_ is nets
    pd.testing.assert_series_equal(f.predict(), before)
    monkeypatch.undo()
    f.update(y.iloc[70:73])  # a good update still works
    assert f.cutoff[0] == y.index[72]


def test_messages_name_what_is_wrong():
    """Issue 22 item 5: each of these was reported as something else."""
    with pytest.raises(ValueError, match="strategy must be one of"):
        RNNForecaster(strategy="foo").fit(seasonal())  # was: "fh must be passed to fit"
    y, X = copy_of_x(60)
    f = RNNForecaster(**TINY).fit(y[:50], X=X.assign(z=1.0)[:50], fh=[1, 2])
    with pytest.raises(ValueError, match="X lacks the columns \\['z'\\]"):
        f.predict(X=X[50:52])  # was: "needs the exogenous X at every step"
    with pytest.raises(ValueError, match="y holds NaN|missing data"):
        RNNForecaster(**TINY).fit(y.where(y.index != y.index[10]), fh=[1])
    # times skipped (periods or integer steps) were read as if they were consecutive
    skipped = seasonal().drop(seasonal().index[[20, 21]])
    with pytest.raises(ValueError, match=r"y skips the times \['.+'\] \(2 in all\)"):
        RNNForecaster(**TINY).fit(skipped, fh=[1])
    with pytest.raises(ValueError, match=r"y skips the times \['20', '21'\]"):
        RNNForecaster(**TINY).fit(
            skipped.reset_index(drop=True).set_axis(
                np.delete(np.arange(len(skipped) + 2), [20, 21])
            ),
            fh=[1],
        )
    days = seasonal(index="datetime")  # was sktime's TypeError about NoneType
    with pytest.raises(ValueError, match="y has timestamps without a regular frequency"):
        RNNForecaster(**TINY).fit(days.drop(days.index[20]), fh=[1])


def test_pinball_loss_is_a_public_parameter_of_the_networks_that_survives_clone():
    from sklearn.base import clone

    from skrnn import RNNRegressor

    f = RNNForecaster(**(TINY | dict(quantiles=(0.1, 0.5, 0.9)))).fit(seasonal(), fh=[1, 2])
    net = f.estimator_
    assert net.get_params()["loss"] == "pinball" and net.quantiles == (0.1, 0.5, 0.9)
    X = np.random.RandomState(0).randn(64, 4, 1)
    Y = np.repeat(X[:, -1], 3, axis=1) + np.random.RandomState(1).randn(64, 1)
    copy = clone(net).set_params(target_feature=0, epochs=30, lr=1e-2).fit(X, Y)
    assert isinstance(copy.net_.criterion_, PinballLoss)
    assert copy.net_.criterion_.levels.tolist() == pytest.approx([0.1, 0.5, 0.9])
    pred = copy.predict(X)
    assert (pred[:, 0] < pred[:, 2]).mean() > 0.9  # the 10% quantile below the 90% one
    with pytest.raises(ValueError, match="quantiles must be a sequence of levels"):
        RNNRegressor(loss="pinball", quantiles=(0.5, 1.5), epochs=1).fit(X, Y)


def test_single_series_training_windows_are_views_of_the_series():
    """One series' training windows are strided views (issue 18: skrnn's windows, not a
    copy); the same values as indexing the windows out, which panels' scattered origins
    still do."""
    from skrnn.forecasting._strategies import _Strategy

    rng = np.random.default_rng(0)
    F, Y = rng.normal(size=(50, 3)), rng.normal(size=(50, 2))
    L, H = 7, 4
    for origins, shared in ((np.arange(L, 50 - H + 1), True), (np.array([9, 12, 30]), False)):
        inputs, targets = _Strategy.training_windows(F, Y, L, H, origins)
        np.testing.assert_array_equal(inputs, F[origins[:, None] - L + np.arange(L)])
        np.testing.assert_array_equal(targets, Y[origins[:, None] + np.arange(H)])
        assert np.shares_memory(inputs, F) is shared
        assert np.shares_memory(targets, Y) is shared


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("intervals", [None, "quantile"])
def test_a_series_beyond_the_budget_trains_each_network_on_a_sample(
    monkeypatch, strategy, intervals
):
    """epochs="auto" on one series of more windows than the budget: as on a panel, one
    epoch on a random budget's worth of windows per network (its own draw, fixed by
    random_state), instead of one pass over all of them; explicit epochs still pass
    over all."""
    from skrnn.forecasting import _forecaster

    monkeypatch.setattr(_forecaster, "WINDOW_BUDGET", 20)
    y = seasonal(60)  # 60 - 4 - 2 + 1 = 55 windows of 4 steps before 2 targets
    params = {**TINY, "epochs": "auto", "intervals": intervals, "n_estimators": 2}
    params["strategy"] = strategy
    f = RNNForecaster(**params).fit(y, fh=[1, 2])
    assert [net.epochs for net in f.estimators_] == [1, 1]
    assert [windows_seen(net) for net in f.estimators_] == [20, 20]
    again = RNNForecaster(**params).fit(y, fh=[1, 2])
    pd.testing.assert_series_equal(again.predict(), f.predict())
    every = RNNForecaster(**{**params, "epochs": 1}).fit(y, fh=[1, 2])
    n_windows = 56 if strategy == "recursive" else 55  # one step ahead: one more window
    assert [windows_seen(net) for net in every.estimators_] == [n_windows, n_windows]


@pytest.mark.parametrize("schedule", ["cosine", "cooldown"])
def test_lr_schedule_reaches_every_network(schedule):
    """RNNForecaster(lr_schedule=...) is each network's lr_schedule; "constant" (the
    default) keeps lr; an unknown schedule is an error naming the parameter."""
    from skrnn._training.schedule import SCHEDULES

    params = {**TINY, "epochs": 4, "lr": 0.01, "n_estimators": 2, "intervals": "conformal"}
    f = RNNForecaster(**params, lr_schedule=schedule).fit(seasonal(), fh=[1, 2])
    expected = [SCHEDULES[schedule](0.01, e, 4) for e in range(4)]
    assert expected[-1] < 0.01
    for net in f.estimators_:
        assert net.lr_schedule == schedule
        assert list(net.history_[:, "event_lr"]) == pytest.approx(expected)
    assert clone(f).get_params()["lr_schedule"] == schedule
    constant = RNNForecaster(**params).fit(seasonal(), fh=[1, 2])
    for net in constant.estimators_:
        assert net.lr_schedule == "constant" and "event_lr" not in net.history_[-1]
        assert net.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="lr_schedule"):
        RNNForecaster(**params, lr_schedule="step").fit(seasonal(), fh=[1, 2])


def test_recursive_theta_fallback_forecasts_every_step_at_once(monkeypatch):
    """A series too short for a network: the recursive strategy's Theta fallback
    forecasts all steps from one Theta fit per origin, the M4 Theta forecast (rolled one
    step at a time, it refitted Theta at every step of every calibration origin: 600
    fits, 7 s, for one short monthly series)."""
    from sktime.forecasting.theta import ThetaForecaster

    fits = []
    fit = ThetaForecaster.fit
    monkeypatch.setattr(
        ThetaForecaster, "fit", lambda self, *a, **k: fits.append(1) or fit(self, *a, **k)
    )
    y = seasonal(30)
    plain = dict(transform=None, deseasonalize=False, random_state=0)
    f = RNNForecaster(strategy="recursive", **plain).fit(y, fh=[1, 2, 3])
    assert f.window_lengths_ == [0] and f.estimators_ == []
    assert len(fits) == len(f.calibration_errors_)  # one fit per calibration origin
    theta = ThetaForecaster(deseasonalize=False).fit(pd.Series(y.to_numpy()), fh=[1, 2, 3])
    np.testing.assert_allclose(f.predict().to_numpy(), theta.predict().to_numpy())


@pytest.mark.parametrize(("strategy", "n"), [("direct", 20), ("recursive", 30)])
def test_quantile_intervals_of_the_theta_fallback_are_an_error(strategy, n):
    """A series too short for a network is forecast by the Theta fallback, which has no
    quantile head: intervals="quantile" are an error naming the fix (they were zero
    wide), and intervals="conformal" calibrate on the fallback's errors (the recursive
    strategy calibrates 24 steps ahead: 28 observations at least)."""
    y = seasonal(n)
    params = dict(strategy=strategy, random_state=0)
    f = RNNForecaster(intervals="quantile", **params).fit(y, fh=[1, 2, 3])
    assert f.window_lengths_ == [0] and np.isfinite(f.predict().to_numpy()).all()
    with pytest.raises(ValueError, match="intervals='conformal'"):
        f.predict_interval(coverage=0.9)
    conformal = RNNForecaster(intervals="conformal", **params).fit(y, fh=[1, 2, 3])
    bounds = conformal.predict_interval(coverage=0.9).to_numpy()
    assert (bounds[:, 0] < bounds[:, 1]).all()
