"""RNNForecaster on panels: one network learned from the windows of all series."""

import numpy as np
import pandas as pd
import pytest
from conftest import windows_seen
from sklearn.base import clone

import skrnn
from skrnn import RNNForecaster

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

#: tiny networks on the raw series (each series still divided by its own scale)
TINY = dict(
    window_length=4,
    units=3,
    epochs=2,
    batch_size=16,
    n_estimators=2,
    transform=None,
    deseasonalize=False,
    random_state=0,
)


def panel(n=30, ids=("a", "b", "c"), levels=None, start="2000-01", columns=("v",)):
    """Sine series of different levels and phases, monthly, one frame per series."""
    frames = []
    for i, key in enumerate(ids):
        t = np.arange(n)
        times = pd.period_range(start, periods=n, freq="M")
        data = {c: 10.0 * (i + 1) + (j + 1) * np.sin(t / 2 + i) for j, c in enumerate(columns)}
        keys = key if isinstance(key, tuple) else (key,)
        index = pd.MultiIndex.from_tuples(
            [(*keys, time) for time in times], names=[*(levels or ["id"]), "time"]
        )
        frames.append(pd.DataFrame(data, index=index))
    return pd.concat(frames)


def test_split_panel_reads_each_series_whatever_the_row_layout():
    """Rows laid out time by time (instances interleaved) give the same series as rows
    laid out instance by instance: instances in order of appearance, each series' values
    (float64) and times in order."""
    from skrnn.forecasting._panel import split_panel

    y = panel(
        n=5,
        ids=[("n", "x"), ("s", "y"), ("n", "z")],
        levels=["region", "store"],
        columns=("v", "w"),
    )
    y["w"] = y["w"].round().astype(int)  # an integer column beside a float one
    by_time = y.sort_index(level="time", sort_remaining=False)
    a, b = split_panel(y), split_panel(by_time)
    assert a.instances == b.instances == [("n", "x"), ("s", "y"), ("n", "z")]
    assert a.keys == b.keys and a.keys[:2] == [(("n", "x"), "v"), (("n", "x"), "w")]
    for k, (instance, column) in enumerate(b.keys):
        rows = [key == instance for key in y.index.droplevel(-1)]
        expected = y.loc[rows, column].droplevel([0, 1])
        np.testing.assert_array_equal(b.values[k], expected.to_numpy(float))
        assert b.values[k].dtype == np.float64 and b.values[k].flags.c_contiguous
        assert b.indexes[k].equals(expected.index) and a.indexes[k].equals(expected.index)


def test_one_network_for_all_series_and_indexes_preserved():
    y = panel()
    f = RNNForecaster(**TINY).fit(y, fh=[1, 2, 3])
    assert not f._is_vectorized  # sktime passed the panel whole: no per-series clones
    assert len(f.estimators_) == 2 and f.n_series_ == 3
    # the windows of all series train each network: 3 x (30 - 4 - 3 + 1) windows
    assert f.estimator_.n_features_in_ == 1
    pred = f.predict()
    times = pd.period_range("2002-07", periods=3, freq="M")
    expected = pd.MultiIndex.from_product([["a", "b", "c"], times], names=["id", "time"])
    assert pred.index.equals(expected)
    assert list(pred.columns) == ["v"] and np.isfinite(pred.to_numpy()).all()
    intervals = f.predict_interval(coverage=0.9)
    assert intervals.index.equals(expected)
    lower, upper = intervals.iloc[:, 0], intervals.iloc[:, 1]
    assert (lower <= pred["v"]).all() and (pred["v"] <= upper).all() and (lower < upper).all()


def test_hierarchical_and_multivariate_panels():
    y = panel(ids=[("x", "a"), ("x", "b"), ("y", "a")], levels=["l1", "l2"], columns=("p", "q"))
    f = RNNForecaster(**TINY).fit(y, fh=[1, 2])
    assert f.n_series_ == 6  # each variable of each instance is one series
    pred = f.predict()
    assert pred.index.nlevels == 3 and list(pred.columns) == ["p", "q"]
    assert pred.index.get_level_values(0).tolist() == ["x", "x", "x", "x", "y", "y"]
    q = f.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert q.shape == (6, 6)
    np.testing.assert_allclose(q[("p", 0.5)].to_numpy(), pred["p"].to_numpy())


def test_each_series_is_normalised_by_its_own_scale():
    """A series multiplied by 1000 gets forecasts multiplied by 1000, and the other
    series' forecasts do not move: the network sees the same normalised windows."""
    y = panel()
    big = y.copy()
    big.loc["b", "v"] = big.loc["b", "v"].to_numpy() * 1000
    base = RNNForecaster(**TINY).fit(y, fh=[1, 2]).predict()
    scaled = RNNForecaster(**TINY).fit(big, fh=[1, 2]).predict()
    np.testing.assert_allclose(scaled.loc["b"], base.loc["b"] * 1000, rtol=1e-4)
    np.testing.assert_allclose(scaled.loc[["a", "c"]], base.loc[["a", "c"]], rtol=1e-5)


def test_global_network_learns_across_short_series():
    """Forty short seasonal series: the one network beats the last value on the hold-out."""
    rng = np.random.RandomState(0)
    n, h = 36, 6
    frames = []
    for i in range(40):
        t = np.arange(n + h)
        values = 20 + rng.uniform(2, 5) * np.sin(2 * np.pi * (t + rng.randint(12)) / 12)
        values = values + rng.normal(0, 0.2, len(t))
        index = pd.MultiIndex.from_product(
            [[f"s{i}"], pd.period_range("2000-01", periods=n + h, freq="M")]
        )
        frames.append(pd.DataFrame({"v": values}, index=index))
    full = pd.concat(frames)
    train = full.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[:n])
    test = full.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[n:])
    params = dict(n_estimators=1, units=16, epochs=40, intervals=None, random_state=0)
    pred = RNNForecaster(**params).fit(train, fh=np.arange(1, h + 1)).predict()
    naive = train.groupby(level=0).tail(1)["v"].to_numpy().repeat(h)
    err = np.abs(pred["v"].to_numpy() - test["v"].to_numpy()).mean()
    err_naive = np.abs(naive - test["v"].to_numpy()).mean()
    assert err < 0.5 * err_naive


def test_panel_local_fits_one_forecaster_per_series():
    y = panel()
    f = RNNForecaster(panel="local", **dict(TINY, n_estimators=1)).fit(y, fh=[1, 2])
    assert f._is_vectorized and f.forecasters_.shape == (3, 1)
    assert f.get_tag("y_inner_mtype") == "pd.DataFrame"
    assert RNNForecaster().get_tag("y_inner_mtype") == [
        "pd.DataFrame",
        "pd-multiindex",
        "pd_multiindex_hier",
    ]
    pred = f.predict()
    global_pred = RNNForecaster(**TINY).fit(y, fh=[1, 2]).predict()
    assert pred.index.equals(global_pred.index)
    assert clone(f).get_params()["panel"] == "local"


def test_a_single_series_is_unchanged_by_the_panel_machinery():
    y = panel().loc["a"]["v"]
    f = RNNForecaster(**TINY).fit(y, fh=[1, 2])
    assert getattr(f, "n_series_", None) is None and f.series_log_.shape == (1,)
    assert f.predict().index.equals(pd.period_range("2002-07", periods=2, freq="M"))


def test_update_of_a_panel():
    y = panel(n=40)
    train = y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[:36])
    new = y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[36:38])
    f = RNNForecaster(**TINY).fit(train, fh=[1, 2])
    before = f.predict()
    f.update(new, update_params=False)
    assert str(f.cutoff[0]) == "2003-02"
    after = f.predict()
    assert after.index.get_level_values(-1).astype(str).unique().tolist() == [
        "2003-03",
        "2003-04",
    ]
    assert not np.allclose(after.to_numpy(), before.to_numpy())
    f.update(y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[38:]))
    assert str(f.cutoff[0]) == "2003-04" and len(f.estimators_) == 2


def test_update_refuses_what_does_not_continue_each_series():
    y = panel(n=40)
    train = y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[:36])
    f = RNNForecaster(**TINY).fit(train, fh=[1, 2])
    cutoff, pred = f.cutoff, f.predict()
    gap = y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[37:39])
    with pytest.raises(ValueError, match="series 'a'"):
        f.update(gap)
    stranger = panel(n=40, ids=("z",)).iloc[36:38]
    with pytest.raises(ValueError, match="series 'z' was not in the panel"):
        f.update(stranger)
    with pytest.raises(ValueError, match="as a panel"):
        f.update(y.loc["a"].iloc[36:38])
    assert f.cutoff.equals(cutoff)
    pd.testing.assert_frame_equal(f.predict(), pred)


@pytest.mark.parametrize(
    "case, match",
    [
        ("nan", r"series 'b' holds NaN"),
        ("inf", r"series 'b' holds infinite values at \['2000-06'\]"),
        ("duplicate", r"series 'a' has duplicate times"),
        ("short", r"series 'b' has 3 observations"),
        ("frequency", r"series 'b' has the frequency"),
        ("period frequency", r"series 'b' has the frequency 'Q"),
        ("skipped", r"series 'b' skips the times \['2000-06', '2000-07'\] \(2 in all\)"),
        ("skipped timestamps", r"series 'a' has timestamps without a regular frequency"),
    ],
)
def test_bad_panels_are_value_errors_naming_the_series(case, match):
    y = panel()
    if case == "nan":
        y.loc[("b", y.loc["b"].index[5]), "v"] = np.nan
    elif case == "inf":  # it was the network's "Input X contains infinity"
        y.loc[("b", y.loc["b"].index[5]), "v"] = np.inf
    elif case == "duplicate":
        y = pd.concat([y, y.iloc[[3]]]).sort_index()
    elif case == "skipped":  # it was read as if the times were consecutive
        y = y.drop(index=[("b", t) for t in y.loc["b"].index[5:7]])
    elif case == "skipped timestamps":  # the same day skipped in every series: no
        # frequency to compare, and the days were read as consecutive
        days = pd.date_range("2000-01-01", periods=30, freq="D")
        y = y.set_axis(pd.MultiIndex.from_product([["a", "b", "c"], days]), axis=0)
        y = y.drop(index=days[10], level=1)
    elif case == "short":
        y = y.drop(index=[("b", t) for t in y.loc["b"].index[:27]])
    elif case == "frequency":
        a = pd.DataFrame(
            {"v": np.arange(1.0, 31)},
            index=pd.MultiIndex.from_product([["a"], pd.date_range("2000", periods=30)]),
        )
        b = pd.DataFrame(
            {"v": np.arange(1.0, 16)},
            index=pd.MultiIndex.from_product([["b"], pd.date_range("2000", periods=15, freq="2D")]),
        )
        y = pd.concat([a, b])
    elif case == "period frequency":
        # pandas keeps periods of two frequencies in one object level: sktime's checks
        # reject such a panel without naming the series
        months = pd.period_range("2000-01", periods=30, freq="M")
        quarters = pd.period_range("2000Q1", periods=30, freq="Q")
        y = pd.concat(
            [
                pd.DataFrame(
                    {"v": np.arange(1.0, 31)}, index=pd.MultiIndex.from_product([["a"], months])
                ),
                pd.DataFrame(
                    {"v": np.arange(1.0, 31)}, index=pd.MultiIndex.from_product([["b"], quarters])
                ),
            ]
        )
    with pytest.raises(ValueError, match=match):
        RNNForecaster(**TINY).fit(y, fh=[1, 2])


def test_a_panel_of_timestamps_is_forecast_and_updated():
    """A panel with DatetimeIndex times whose index holds no frequency (a frame read from
    a file; sktime takes the cutoff's frequency from the index's time level):
    the frequency of the series gives the forecasts' times, before and after update (it
    was a TypeError of sktime's in predict)."""
    y = panel(n=31).reset_index()
    y["time"] = y["time"].dt.to_timestamp()
    y = y.set_index(["id", "time"])  # as read from a file: no frequency in the index
    assert y.index.levels[-1].freq is None
    train = y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[:30])
    f = RNNForecaster(**TINY).fit(train, fh=[1, 2])
    times = pd.date_range("2002-07-01", periods=2, freq="MS")
    assert f.predict().index.equals(pd.MultiIndex.from_product([["a", "b", "c"], times]))
    assert np.isfinite(f.predict_interval().to_numpy()).all()
    f.update(y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[30:]))
    later = f.predict().index.get_level_values(-1).unique()
    assert later.equals(pd.DatetimeIndex(["2002-08-01", "2002-09-01"]))


def test_update_of_a_timestamp_panel_with_one_new_time_for_some_series():
    """Two timestamps or fewer have no frequency pandas can infer: an update that gives
    one series a single new time, and another several, continues the panel (it was a
    ValueError: "series 'c' has the frequency None, the first series 'MS'")."""
    y = panel(n=34).reset_index()
    y["time"] = y["time"].dt.to_timestamp()
    y = y.set_index(["id", "time"])
    f = RNNForecaster(**TINY).fit(y.groupby(level=0).head(30), fh=[1, 2])
    f.update(y.drop(index=[("c", t) for t in y.loc["c"].index[31:]]).groupby(level=0).tail(-30))
    assert f.cutoff[0] == pd.Timestamp("2002-10-01") and f._gaps.tolist() == [0, 0, 3]


def test_a_text_column_of_a_panel_is_a_type_error_naming_it():
    """It was "could not convert string to float: 's'" (a ValueError naming no column)."""
    with pytest.raises(TypeError, match=r"y must hold numeric columns; \['w'\] are not"):
        RNNForecaster(**TINY).fit(panel().assign(w="s"), fh=[1, 2])


def test_a_panel_given_as_a_series_is_a_type_error_naming_the_fix():
    """sktime takes panels as data frames; a MultiIndex Series got its generic TypeError
    that names no fix. fit and update name it (update's check comes before sktime's)."""
    y = panel()
    with pytest.raises(TypeError, match=r"y is a pandas Series with a MultiIndex.*y\.to_frame\(\)"):
        RNNForecaster(**TINY).fit(y["v"], fh=[1, 2])
    f = RNNForecaster(**TINY).fit(panel(n=30), fh=[1, 2])
    new = panel(n=32).groupby(level=0).tail(2)
    with pytest.raises(TypeError, match=r"y\.to_frame\(\)"):
        f.update(new["v"])
    assert f.cutoff == panel(n=30).index.get_level_values(-1).max()  # nothing changed


def test_an_empty_panel_is_a_value_error():
    """It was an IndexError (list index out of range)."""
    with pytest.raises(ValueError, match="y: the panel holds no observations"):
        RNNForecaster(**TINY).fit(panel().iloc[:0], fh=[1, 2])


def test_series_that_end_early_are_forecast_from_their_end():
    y = panel()
    short = y.drop(index=[("c", t) for t in y.loc["c"].index[-2:]])
    f = RNNForecaster(**TINY).fit(short, fh=[1, 2])
    assert f.horizon_ == 4  # c's forecasts of the panel's next two months are 3-4 ahead
    pred = f.predict()
    times = pd.period_range("2002-07", periods=2, freq="M")
    assert pred.index.equals(pd.MultiIndex.from_product([["a", "b", "c"], times]))
    assert np.isfinite(f.predict_interval().to_numpy()).all()


def test_update_continues_a_series_that_ends_before_the_cutoff_from_its_end():
    """Series 'c' ends two steps before the others: an update that gives every series
    its next time (or the whole panel again with them) continues it from its end, and it
    stays two steps behind (it was refused: 'c' had to reach the cutoff). An update that
    ends before the cutoff as a whole is refused (sktime would move the cutoff back)."""
    y = panel(n=32)
    lens = {"a": 30, "b": 30, "c": 28}
    train = pd.concat([y.loc[[k]].iloc[:n] for k, n in lens.items()])
    new = pd.concat([y.loc[[k]].iloc[n : n + 1] for k, n in lens.items()])
    f = RNNForecaster(**dict(TINY, strategy="recursive", intervals=None)).fit(train, fh=[1, 2])
    f.update(new)
    assert str(f.cutoff[0]) == "2002-07" and f._gaps.tolist() == [0, 0, 2]
    assert np.isfinite(f.predict().to_numpy()).all()
    again = RNNForecaster(**dict(TINY, strategy="recursive", intervals=None)).fit(train, fh=[1, 2])
    again.update(pd.concat([train, new]).sort_index(), update_params=False)
    assert again._gaps.tolist() == [0, 0, 2]
    with pytest.raises(ValueError, match=r"y ends at 2002-06, before the cutoff 2002-07"):
        f.update(y.loc[["c"]].iloc[29:30])


def test_update_without_refit_keeps_each_series_adjustment_in_an_unsorted_panel():
    """Instances given out of order ('c', 'a', 'b'): sktime's update_data sorts them,
    and the per-series log, season and scale were applied to the wrong series after an
    update without refit (the series were split again in the sorted order)."""
    y = panel(n=31)
    unsorted = pd.concat([y.loc[["c"]] * 100, y.loc[["a"]], y.loc[["b"]] + 50])
    train = unsorted.groupby(level=0, sort=False).head(30)
    f = RNNForecaster(**TINY).fit(train, fh=[1, 2])
    keys, fitted, starts = list(f._series.keys), f._F[:, 0].copy(), f._offsets.copy()
    f.update(unsorted.groupby(level=0, sort=False).tail(1), update_params=False)
    assert f._series.keys == keys
    for start, off, n in zip(starts, f._offsets, f._lengths, strict=True):
        # each series' fitted steps on the networks' scale, as in fit
        np.testing.assert_allclose(f._F[off : off + n - 1, 0], fitted[start : start + n - 1])


def test_a_forecast_beyond_the_reach_of_series_left_behind_by_update_names_them():
    """An update of some series moves the cutoff: the others end before it, and fh's
    steps lie further from their end than the direct networks reach. Without a refit
    (update_params=False) the error names them and says what to do (it said that fh,
    [1, 2] in fit and predict, asked for 3); the recursive strategy forecasts them. A
    refit (update_params=True) reaches them as fit does (it raised the same error)."""
    y = panel(n=31)
    train = y.groupby(level=0).head(30)
    f = RNNForecaster(**TINY).fit(train, fh=[1, 2])
    f.update(y.loc[["a"]].iloc[30:], update_params=False)
    with pytest.raises(ValueError, match=r"series 'b', 'c' end up to 1 step\(s\) before the"):
        f.predict()
    recursive = RNNForecaster(**dict(TINY, strategy="recursive", intervals=None))
    recursive.fit(train, fh=[1, 2]).update(y.loc[["a"]].iloc[30:], update_params=False)
    assert recursive.predict().shape == (6, 1)
    refit = RNNForecaster(**TINY).fit(train, fh=[1, 2])
    refit.update(y.loc[["a"]].iloc[30:], update_params=True)
    assert refit.horizon_ == 3
    pred = refit.predict()
    times = pd.period_range(str(refit.cutoff[0] + 1), periods=2, freq="M")
    assert pred.index.equals(pd.MultiIndex.from_product([["a", "b", "c"], times]))
    assert np.isfinite(pred.to_numpy()).all()
    assert np.isfinite(refit.predict_interval().to_numpy()).all()


@pytest.mark.parametrize("kind", ["integer", "period", "timestamp"])
def test_a_series_that_ends_before_a_stretch_no_series_holds_is_forecast_from_its_end(kind):
    """Series 'a' ends at step 79, 'b' runs from 90 to 119: 'a' is 40 steps behind the
    cutoff, though only 30 of the panel's times lie after its end (it was forecast 32
    steps ahead, the forecasts of steps 110-111 labelled 120-121)."""
    times = {
        "integer": pd.RangeIndex(122),
        "period": pd.period_range("2000-01", periods=122, freq="M"),
        "timestamp": pd.date_range("2000-01-01", periods=122, freq="D"),
    }[kind]
    y = pd.concat(
        {
            "a": pd.DataFrame({"v": np.sin(np.arange(80.0))}, index=times[:80]),
            "b": pd.DataFrame({"v": np.sin(np.arange(30.0))}, index=times[90:120]),
        },
        names=["id", "time"],
    )
    f = RNNForecaster(**dict(TINY, intervals=None)).fit(y, fh=[1, 2])
    assert f._gaps.tolist() == [40, 0] and f.horizon_ == 42
    assert f.predict().index.get_level_values(-1).equals(times[[120, 121, 120, 121]])


def test_daily_series_at_other_hours_are_forecast():
    """Two daily series, one at midnight and one at noon, share a frequency but not the
    steps from the panel's first time: the panel's times are those of its series (it
    was a KeyError of the noon times, not on the daily steps from midnight)."""
    y = pd.concat(
        {
            key: pd.DataFrame(
                {"v": np.sin(np.arange(30.0)) + 3}, index=pd.date_range(start, periods=30)
            )
            for key, start in [("a", "2000-01-01"), ("b", "2000-01-01 12:00")]
        },
        names=["id", "time"],
    )
    pred = RNNForecaster(**TINY).fit(y, fh=[1, 2]).predict()
    assert pred.shape == (4, 1) and np.isfinite(pred.to_numpy()).all()


def test_in_sample_fh_of_a_panel_is_refused():
    y = panel()
    f = RNNForecaster(**dict(TINY, strategy="recursive")).fit(y, fh=[1, 2])
    with pytest.raises(ValueError, match=r"the in-sample steps \[-1\]\."):  # not np.int64(-1)
        f.predict(fh=[-1, 1])


@pytest.mark.parametrize("strategy", ["recursive", "seq2seq"])
def test_other_strategies_forecast_panels(strategy):
    params = dict(TINY, strategy=strategy, intervals="quantile", n_sample_paths=10)
    f = RNNForecaster(**params).fit(panel(), fh=[1, 2, 3])
    pred = f.predict()
    assert pred.shape == (9, 1) and np.isfinite(pred.to_numpy()).all()
    q = f.predict_quantiles(alpha=[0.1, 0.9])
    assert (q.iloc[:, 0] <= q.iloc[:, 1]).all()


def test_epochs_auto_bounds_the_windows_each_network_sees():
    f = RNNForecaster()
    assert f._epochs(150) == 100  # a single series: 100 epochs, as before
    assert f._epochs(20_000) == 10 and f._epochs(10**7) == 1
    assert RNNForecaster(epochs=7)._epochs(10**7) == 7
    with pytest.raises(ValueError, match="epochs"):
        RNNForecaster(epochs=0).fit(panel(), fh=[1])


def test_a_panel_beyond_the_budget_trains_each_network_on_a_sample(monkeypatch):
    """epochs="auto" on a panel of more windows than the budget: one epoch on a random
    budget's worth of windows per network (each its own draw, fixed by random_state),
    instead of one pass over all of them; an explicit epochs still passes over all."""
    from skrnn.forecasting import _forecaster

    monkeypatch.setattr(_forecaster, "WINDOW_BUDGET", 40)
    y = panel(n=60)  # 3 series of 60: 3 x 55 windows of 4 steps before 2 targets
    params = {**TINY, "epochs": "auto", "intervals": None}
    f = RNNForecaster(**params).fit(y, fh=[1, 2])
    assert [(net.epochs, windows_seen(net)) for net in f.estimators_] == [(1, 40), (1, 40)]
    pd.testing.assert_frame_equal(RNNForecaster(**params).fit(y, fh=[1, 2]).predict(), f.predict())
    a, b = f._window_sample(np.arange(165), 1), f._window_sample(np.arange(165), 2)
    assert len(a) == len(b) == 40 and (np.diff(a) > 0).all() and not np.array_equal(a, b)
    every = RNNForecaster(**{**params, "epochs": 1}).fit(y, fh=[1, 2])
    assert [windows_seen(net) for net in every.estimators_] == [165, 165]


def test_random_state_fixes_a_global_fit_and_save_load_keeps_it(tmp_path):
    y = panel()
    a = RNNForecaster(**TINY).fit(y, fh=[1, 2]).predict()
    f = RNNForecaster(**TINY).fit(y, fh=[1, 2])
    pd.testing.assert_frame_equal(a, f.predict())
    path = tmp_path / "global.skrnn"
    skrnn.save(f, path)
    pd.testing.assert_frame_equal(skrnn.load(path).predict(), a)


def test_pretrain_then_fit_a_series_uses_the_pretrained_networks():
    """sktime's global interface: a series fitted after pretrain is forecast by the
    pretrained networks, untrained; for a series of the panel, exactly as the global fit."""
    y = panel()
    f = RNNForecaster(**TINY)
    f.pretrain(y, fh=[1, 2])
    assert f.state == "pretrained" and len(f.pretrained_estimators_) == 2
    assert "pretrained_estimators_" in f.get_pretrained_params()
    f.fit(y.loc["b"]["v"], fh=[1, 2])
    assert f.estimators_[0] is f.pretrained_estimators_[0]
    pred = f.predict()
    assert isinstance(pred, pd.Series) and pred.index.equals(
        pd.period_range("2002-07", periods=2, freq="M")
    )
    together = RNNForecaster(**TINY).fit(y, fh=[1, 2]).predict()
    np.testing.assert_allclose(pred.to_numpy(), together.loc["b", "v"].to_numpy(), rtol=1e-6)
    # a new series, in other units, longer than the panel's
    new = pd.Series(
        500 + 50 * np.sin(np.arange(48) / 2),
        index=pd.period_range("1990-01", periods=48, freq="M"),
    )
    f.fit(new, fh=[1, 2])
    assert f.predict_interval().shape == (2, 2)
    f.update(pd.Series([520.0], index=pd.period_range("1994-01", periods=1, freq="M")))
    assert str(f.cutoff[0]) == "1994-01" and f.estimators_[0] is f.pretrained_estimators_[0]
    with pytest.raises(ValueError, match="pretrained to forecast up to 2"):
        f.fit(new, fh=[1, 2, 3])


def test_pretrain_of_a_fitted_forecaster_pretrains_it():
    """sktime calls _pretrain_update for a forecaster fitted without pretrain: it is
    pretrained as a new one (it raised an AttributeError about pretrained_horizon_)."""
    y = panel()
    f = RNNForecaster(**TINY).fit(y, fh=[1, 2])
    f.pretrain(y, fh=[1, 2])
    assert f.state == "pretrained" and f.pretrained_horizon_ == 2
    pred = f.fit(y.loc["b"]["v"], fh=[1, 2]).predict()
    assert f.estimators_[0] is f.pretrained_estimators_[0]
    fresh = RNNForecaster(**TINY).pretrain(y, fh=[1, 2]).fit(y.loc["b"]["v"], fh=[1, 2])
    np.testing.assert_allclose(pred.to_numpy(), fresh.predict().to_numpy(), rtol=1e-6)


def test_fit_after_pretrain_names_the_series_that_end_too_early():
    """A panel fitted after pretrain whose series 'c' ends two steps before the others
    needs forecasts four steps from its end for fh=[1, 2]: the error names it (it said
    that fh asked for 4)."""
    y = panel()
    f = RNNForecaster(**dict(TINY, intervals=None))
    f.pretrain(y, fh=[1, 2])
    ragged = y.drop(index=[("c", t) for t in y.loc["c"].index[-2:]])
    with pytest.raises(ValueError, match=r"series 'c' end up to 2 step\(s\) before the cutoff"):
        f.fit(ragged, fh=[1, 2])
    with pytest.raises(ValueError, match="fh asks for 3"):
        f.fit(y, fh=[1, 2, 3])


def test_fit_after_pretrain_refuses_a_series_of_another_seasonal_period():
    """Networks pretrained on monthly series read windows adjusted for a 12-month season;
    a quarterly series was silently adjusted with that period."""
    f = RNNForecaster(**dict(TINY, intervals=None)).pretrain(panel(), fh=[1, 2])
    quarterly = pd.Series(
        10.0 + np.sin(np.arange(30)), index=pd.period_range("2000Q1", periods=30, freq="Q")
    )
    with pytest.raises(ValueError, match=r"frequency 'Q-DEC' \(seasonal period 4\).+period 12"):
        f.fit(quarterly, fh=[1, 2])
    monthly = pd.Series(
        10.0 + np.sin(np.arange(30)), index=pd.period_range("2003-01", periods=30, freq="M")
    )
    assert f.fit(monthly, fh=[1, 2]).predict().shape == (2,)


def test_pretrain_needs_fh_for_the_direct_strategy():
    with pytest.raises(ValueError, match="pretrain needs fh"):
        RNNForecaster(**TINY).pretrain(panel())


def test_panel_windows_reach_the_networks_as_views(monkeypatch):
    """The direct networks of a panel fit get strided views of the panel's one array
    (windows across two series weighted 0), not a copy of every window."""
    seen = []
    fit = skrnn.RNNRegressor.fit

    def spy(self, X, y, lengths=None, sample_weight=None):
        seen.append((X, y, sample_weight))
        return fit(self, X, y, lengths=lengths, sample_weight=sample_weight)

    monkeypatch.setattr(skrnn.RNNRegressor, "fit", spy)
    f = RNNForecaster(**dict(TINY, intervals=None)).fit(panel(), fh=[1, 2])
    X, y, weight = seen[-1]
    assert np.shares_memory(X, f._F) and np.shares_memory(y, f._F)
    # 3 series x (30 - 4 - 2 + 1) windows inside a series; those across series weigh 0
    assert weight.sum() == 3 * 25 and len(weight) == 90 - 4 - 2 + 1
    np.testing.assert_array_equal(X[weight == 1][:, :, 0][0], f._F[:4, 0])


@pytest.mark.parametrize("series_embedding", [None, 4])
def test_panel_fit_does_not_copy_the_windows(series_embedding):
    """Issue 23 (scale): the windows of a panel are strided views normalised a batch at a
    time; NumPy allocations of a fit stay below one float32 copy of its windows (with
    ``series_embedding``, of its windows' values, without their codes)."""
    from conftest import traced_peak

    from benchmarks.forecasting_panel import synthetic_panel

    y = synthetic_panel(300, 200)
    params = dict(n_estimators=1, epochs=1, units=2, batch_size=512, random_state=0)
    RNNForecaster(**params).fit(y.loc[[0, 1]], fh=np.arange(1, 13))  # imports
    forecaster = RNNForecaster(
        **params, intervals=None, window_length=48, series_embedding=series_embedding
    )
    peak = traced_peak(lambda: forecaster.fit(y, fh=np.arange(1, 13)))
    windows = 300 * (200 - 48 - 12 + 1)
    assert peak < windows * 48 * 4, (peak, windows * 48 * 4)


# skrnn's DDP wrapper passes broadcast_buffers, which torch 2.13 deprecates (a
# _training/distributed.py matter; the torchrun tests run it in subprocesses)
@pytest.mark.filterwarnings("ignore:`broadcast_buffers` is deprecated:FutureWarning")
def test_distributed_reaches_every_network(monkeypatch):
    """distributed=True is the networks' setting (DDP across a torch.distributed process
    group): without a group the fit says how to start one; in a one-process gloo group
    the networks train with it and equal the plain fit."""
    import socket

    import torch.distributed as dist

    if not (dist.is_available() and dist.is_gloo_available()) or dist.is_initialized():
        pytest.skip("needs torch.distributed with gloo, and no process group yet")
    y = panel()
    params = dict(TINY, n_estimators=1)
    with pytest.raises(TypeError, match="distributed"):
        RNNForecaster(distributed="yes").fit(y, fh=[1, 2])
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(ValueError, match="torchrun"):
        RNNForecaster(**params, distributed=True).fit(y, fh=[1, 2])
    plain = RNNForecaster(**params).fit(y, fh=[1, 2])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(port))
    dist.init_process_group("gloo", rank=0, world_size=1)
    try:
        ddp = RNNForecaster(**params, distributed=True).fit(y, fh=[1, 2])
        assert all(m.distributed for m in ddp.estimators_)
        np.testing.assert_allclose(ddp.predict(), plain.predict(), rtol=1e-5)
    finally:
        dist.destroy_process_group()


def test_auto_windows_of_a_panel_are_one_horizon():
    """window_length="auto": the one ensemble of a panel reads windows of one horizon
    (and one season) only, where the single-series ensemble alternates one and two."""
    y = panel(n=60)
    params = {**TINY, "n_estimators": 4, "window_length": "auto", "intervals": None}
    f = RNNForecaster(**params).fit(y, fh=[1, 2, 3])
    assert f.sp_ == 12 and f.window_lengths_ == [12, 12, 12, 12]
    single = RNNForecaster(**params).fit(y.loc["a"], fh=[1, 2, 3])
    assert single.window_lengths_ == [12, 24, 12, 24]


def _lines(slopes, n=60, start="2000-01", seed=0):
    """Straight lines of the given slopes with a little noise, one series each."""
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return pd.concat(
        {
            f"s{i}": pd.DataFrame(
                {"v": 100.0 + slope * t + rng.normal(0, 0.1, n)},
                index=pd.period_range(start, periods=n, freq="M"),
            )
            for i, slope in enumerate(slopes)
        },
        names=["id"],
    )


def test_each_series_drift_is_removed_and_continued_in_its_forecasts():
    """series_drift (default): one network for a rising and a falling line learns what
    is left once each series' own drift is removed, and each forecast continues its
    series' line; the drifts are those of the data. Without it, the network learns one
    movement for both series."""
    y = _lines([1.0, -2.0])
    params = dict(TINY, intervals=None, series_drift=True)
    f = RNNForecaster(**params).fit(y, fh=[1, 2, 3])
    last = y.groupby(level=0).tail(1)["v"].to_numpy()
    drifts = y.groupby(level=0)["v"].apply(lambda v: (v.iloc[-1] - v.iloc[0]) / 59).to_numpy()
    np.testing.assert_allclose(f.series_drifts_, drifts, rtol=1e-9)
    line = last[:, None] + np.array([1.0, -2.0])[:, None] * np.arange(1, 4)
    pred = f.predict()["v"].to_numpy().reshape(2, 3)
    assert np.abs(pred - line).max() < 0.5
    off = RNNForecaster(**dict(params, series_drift=False)).fit(y, fh=[1, 2, 3])
    assert not off.series_drifts_.any()
    assert np.abs(off.predict()["v"].to_numpy().reshape(2, 3) - line).max() > 1.0
    # pretrained networks: a new series gets its own drift, and the forecast its line
    g = RNNForecaster(**params).pretrain(y, fh=[1, 2, 3])
    new = _lines([0.5], n=40, start="1990-01", seed=1)["v"].loc["s0"]
    forecast = g.fit(new, fh=[1, 2, 3]).predict().to_numpy()
    np.testing.assert_allclose(g.series_drifts_, [(new.iloc[-1] - new.iloc[0]) / 39])
    assert np.abs(forecast - (new.iloc[-1] + 0.5 * np.arange(1, 4))).max() < 0.5


def test_series_drift_must_be_a_bool():
    with pytest.raises(TypeError, match="series_drift must be True or False"):
        RNNForecaster(**TINY, series_drift="yes").fit(panel(), fh=[1])
