"""RNNForecaster(panel="global") with exogenous X: one network reads every series' X."""

import numpy as np
import pandas as pd
import pytest

import skrnn
from skrnn import RNNForecaster

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

TINY = dict(
    window_length=4,
    units=3,
    epochs=2,
    n_estimators=2,
    transform=None,
    deseasonalize=False,
    random_state=0,
)
#: enough training for the networks to read X (the error check)
LEARN = dict(TINY, units=8, epochs=60, n_estimators=1, intervals=None)


def xpanel(n=43, ids=tuple("abcdefgh"), seed=0):
    """Series driven by an exogenous signal known ahead: y_t = 3 x_t + noise, x white
    noise, so that without X the future is noise and with X it is almost known. Returns
    the whole ``y`` and ``X`` (the last 3 steps of each series: the test)."""
    rng = np.random.default_rng(seed)
    ys, xs = [], []
    for key in ids:
        x = rng.normal(size=n)
        index = pd.MultiIndex.from_product([[key], pd.RangeIndex(n)], names=["id", "t"])
        ys.append(pd.DataFrame({"y": 3 * x + 0.1 * rng.normal(size=n)}, index=index))
        xs.append(pd.DataFrame({"x": x}, index=index))
    return pd.concat(ys), pd.concat(xs)


def head(frame, n=40):
    return frame.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[:n])


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_global_fit_with_x_forecasts_what_x_tells(strategy):
    """One network for all series, fed each series' X of the steps it forecasts: its
    error is a fraction of the error without X (measured: 0.12-0.37 of it over three
    data sets and three seeds)."""
    Y, X = xpanel()
    y = head(Y)
    truth = Y.drop(y.index)
    params = dict(LEARN, strategy=strategy)
    plain = RNNForecaster(**params).fit(y, fh=[1, 2, 3]).predict()
    f = RNNForecaster(**params).fit(y, X=head(X), fh=[1, 2, 3])
    assert f.n_series_ == 8 and len(f.estimators_) == 1
    pred = f.predict(X=X)
    assert pred.index.equals(truth.index) and list(pred.columns) == ["y"]
    err = np.abs(pred - truth).to_numpy().mean()
    err_plain = np.abs(plain - truth).to_numpy().mean()
    assert err < 0.5 * err_plain, (err, err_plain)


def test_each_window_step_holds_y_and_the_x_of_the_steps_it_forecasts(monkeypatch):
    """The panel's one array holds y and, per row, X of the next horizon_ steps (as
    step_features for one series); the direct networks get strided views of it."""
    seen = []
    fit = skrnn.RNNRegressor.fit

    def spy(self, X, y, lengths=None, sample_weight=None):
        seen.append((X, sample_weight))
        return fit(self, X, y, lengths=lengths, sample_weight=sample_weight)

    monkeypatch.setattr(skrnn.RNNRegressor, "fit", spy)
    Y, X = xpanel(ids=("a", "b"))
    y = head(Y)
    f = RNNForecaster(**dict(TINY, intervals=None, series_drift=False))
    f.fit(y, X=head(X), fh=[1, 2])
    x = head(X)["x"].to_numpy()
    assert f._F.shape == (80, 3)
    np.testing.assert_allclose(f._F[:, 0] * f.series_scales_.repeat(40), y["y"], rtol=1e-5)
    # row 5 of series "b": X at its steps 6 and 7
    np.testing.assert_allclose(f._F[45, 1:], x[46:48], rtol=1e-6)
    inputs, weight = seen[-1]
    assert np.shares_memory(inputs, f._F) and inputs.shape[2] == 3
    # the windows whose inputs read the last rows of a series (their X repeats the
    # series' last X) are those crossing into the next series: weight 0
    assert weight.sum() == 2 * (40 - 4 - 2 + 1)


@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_strategies_and_intervals_with_x(strategy):
    Y, X = xpanel(ids=("a", "b", "c"))
    params = dict(TINY, strategy=strategy, intervals="quantile", n_sample_paths=5)
    f = RNNForecaster(**params).fit(head(Y), X=head(X), fh=[1, 2])
    q = f.predict_quantiles(X=X, alpha=[0.1, 0.9])
    assert q.shape == (6, 2) and (q.iloc[:, 0] <= q.iloc[:, 1]).all()
    conformal = RNNForecaster(**dict(TINY, strategy=strategy)).fit(head(Y), X=head(X), fh=[1, 2])
    assert np.isfinite(conformal.predict_interval(X=X, coverage=0.8).to_numpy()).all()


def test_predict_needs_x_of_every_series_up_to_the_last_step():
    Y, X = xpanel(ids=("a", "b", "c"))
    f = RNNForecaster(**TINY).fit(head(Y), X=head(X), fh=[1, 2])
    with pytest.raises(ValueError, match=r"series 'a' has no values \(or NaN\) at \['40', '41'\]"):
        f.predict()
    with pytest.raises(ValueError, match=r"series 'b' has no values \(or NaN\) at \['40', '41'\]"):
        f.predict(X=X.drop("b", level=0))
    with pytest.raises(ValueError, match=r"series 'c' has no values \(or NaN\) at \['41'\]"):
        f.predict(X=X.drop(("c", 41)))
    with pytest.raises(ValueError, match=r"X holds the series \['z'\]"):
        f.predict(X=pd.concat([X, X.loc[["a"]].rename(index={"a": "z"}, level=0)]))
    assert f.predict(X=X).shape == (6, 1)


def test_x_is_checked_per_series_in_fit():
    Y, X = xpanel(ids=("a", "b", "c"))
    y, x = head(Y), head(X)
    f = RNNForecaster(**TINY)
    with pytest.raises(ValueError, match=r"X lacks the series \['c'\]"):
        f.fit(y, X=x.drop("c", level=0), fh=[1])
    gap = x.copy()
    gap.loc[("b", 5), "x"] = np.nan
    with pytest.raises(ValueError, match=r"X: series 'b' holds NaN at \['5'\]"):
        f.fit(y, X=gap, fh=[1])
    with pytest.raises(TypeError, match=r"numeric columns; \['s'\]"):
        f.fit(y, X=x.assign(s="text"), fh=[1])
    with pytest.raises(ValueError, match="X must be a panel too"):
        f.fit(y, X=x.loc["a"], fh=[1])
    # a panel Series (sktime's panels are frames): the message said "without a MultiIndex"
    with pytest.raises(ValueError, match=r"got a Series with a MultiIndex; pass X.to_frame\(\)"):
        f.fit(y, X=x["x"], fh=[1])
    with pytest.raises(ValueError, match="X: series 'b' has duplicate times"):
        f.fit(y, X=pd.concat([x, x.loc[[("b", 3)]]]).sort_index(), fh=[1])


@pytest.mark.parametrize("update_params", [True, False])
def test_update_with_x(update_params):
    Y, X = xpanel(ids=("a", "b", "c"))
    f = RNNForecaster(**TINY).fit(head(Y), X=head(X), fh=[1, 2])
    new = Y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[40:41])
    before = f.predict(X=X)
    with pytest.raises(ValueError, match=r"series 'a' has no values \(or NaN\) at \['40'\]"):
        f.update(new, update_params=update_params)  # X of the new step is needed
    pd.testing.assert_frame_equal(f.predict(X=X), before)  # the failed update changed nothing
    f.update(new, X=X.loc[new.index], update_params=update_params)
    assert f.cutoff[0] == 40
    pred = f.predict(X=X)
    assert pred.index.get_level_values("t").unique().tolist() == [41, 42]
    assert np.isfinite(pred.to_numpy()).all()


def test_a_forecaster_saved_before_panels_kept_their_frequency_still_predicts(tmp_path):
    """skrnn.load gives a forecaster its saved attributes: one saved before a panel's
    series kept their frequency (``PanelSeries.freq``) forecasts with X as before."""
    Y, X = (
        frame.set_axis(frame.index.set_levels(pd.date_range("2000", periods=43), level=1))
        for frame in xpanel(ids=("a", "b"))
    )
    f = RNNForecaster(**TINY).fit(head(Y), X=head(X), fh=[1, 2])
    pred = f.predict(X=X)
    del f._series.__dict__["freq"]
    skrnn.save(f, tmp_path / "old.skrnn")
    pd.testing.assert_frame_equal(skrnn.load(tmp_path / "old.skrnn").predict(X=X), pred)


def test_update_takes_y_and_x_whose_index_levels_are_named_otherwise():
    """The levels of a panel are read by position (the series' keys, then the time), as
    fit and predict read them: an update whose levels are unnamed continues the panel as
    one with fit's names (it was pandas' "cannot join with no overlapping index names")."""
    Y, X = xpanel(ids=("a", "b", "c"))
    new = Y.groupby(level=0, group_keys=False).apply(lambda d: d.iloc[40:41])
    named = RNNForecaster(**TINY).fit(head(Y), X=head(X), fh=[1, 2])
    named.update(new, X=X.loc[new.index])
    f = RNNForecaster(**TINY).fit(head(Y), X=head(X), fh=[1, 2])
    f.update(new.rename_axis([None, None]), X=X.loc[new.index].rename_axis(["k", "time"]))
    pd.testing.assert_frame_equal(f.predict(X=X), named.predict(X=X))
    assert f.predict(X=X).index.names == ["id", "t"]


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_x_composes_with_series_embedding_and_save_load(strategy, tmp_path):
    """X's lead columns sit between y and the series' code (last column, embedded)."""
    Y, X = xpanel(ids=("a", "b", "c"))
    params = dict(TINY, strategy=strategy, series_embedding=2)
    f = RNNForecaster(**params).fit(head(Y), X=head(X), fh=[1, 2])
    width = 3 if strategy == "recursive" else 4  # y, X of 1 (2) steps, the code
    assert f._F.shape[1] == width and f.estimator_.categorical_features == [width - 1]
    np.testing.assert_array_equal(np.unique(f._F[:, -1]), [0, 1, 2])
    fh = [1, 2, 3] if strategy == "recursive" else [1, 2]
    pred = f.predict(fh=fh, X=X)
    assert pred.shape == (3 * len(fh), 1) and np.isfinite(pred.to_numpy()).all()
    path = tmp_path / "exog.skrnn"
    skrnn.save(f, path)
    back = skrnn.load(path)
    pd.testing.assert_frame_equal(back.predict(fh=fh, X=X), pred)
    pd.testing.assert_frame_equal(back.predict_interval(fh=fh, X=X), f.predict_interval(fh=fh, X=X))


def test_series_that_end_early_read_x_from_their_own_end():
    Y, X = xpanel(ids=("a", "b"))
    y = head(Y).drop(("b", 39))
    f = RNNForecaster(**TINY).fit(y, X=X.loc[y.index], fh=[1, 2])
    with pytest.raises(ValueError, match=r"series 'b' has no values \(or NaN\) at \['39'\]"):
        f.predict(X=X.drop(("b", 39)))
    assert f.predict(X=X).shape == (4, 1)


def test_hierarchical_and_multivariate_panels_with_x():
    Y, X = xpanel(ids=("a", "b"))

    def hier(frame):
        index = [("g", key, t) for key, t in frame.index]
        return frame.set_axis(pd.MultiIndex.from_tuples(index, names=["g", "id", "t"]))

    pred = RNNForecaster(**TINY).fit(hier(head(Y)), X=hier(head(X)), fh=[1, 2]).predict(X=hier(X))
    assert pred.index.nlevels == 3 and pred.shape == (4, 1)
    y2 = head(Y).assign(z=lambda d: 2 * d["y"])
    f = RNNForecaster(**TINY).fit(y2, X=head(X), fh=[1, 2])
    assert f.n_series_ == 4 and f.predict(X=X).shape == (4, 2)


def test_x_is_looked_up_by_series_and_time_not_by_row_order():
    """X of the whole panel is looked up at once by (series, time): series in any order,
    of other lengths and hierarchical keys give each series its own X, and X
    passed to predict comes before the X seen in fit."""
    Y, X = xpanel(ids=("a", "b", "c"))
    y = head(Y).drop([("c", t) for t in range(30)])  # c: 10 observations, 30-39

    def hier(frame):
        index = [("g" if key != "b" else "h", key, t) for key, t in frame.index]
        return frame.set_axis(pd.MultiIndex.from_tuples(index, names=["g", "id", "t"]))

    f = RNNForecaster(**TINY).fit(hier(y), X=hier(X.loc[y.index]), fh=[1, 2])
    pred = f.predict(X=hier(X))
    reordered = hier(pd.concat([X.loc[[key]] for key in ("c", "a", "b")]))
    pd.testing.assert_frame_equal(f.predict(X=reordered), pred)
    # another series' X in place of b's changes b's forecasts and no other's
    swapped = X.copy()
    swapped.loc["b", "x"] = X.loc["a", "x"].to_numpy()
    other = f.predict(X=hier(swapped))
    changed = (other != pred).groupby(level="id").any()["y"]
    assert changed.to_dict() == {"a": False, "b": True, "c": False}


def test_panel_local_keeps_one_forecaster_per_series():
    Y, X = xpanel(ids=("a", "b"))
    f = RNNForecaster(**dict(TINY, panel="local")).fit(head(Y), X=head(X), fh=[1, 2])
    alone = RNNForecaster(**dict(TINY, panel="local"))
    alone.fit(head(Y).loc["b"], X=head(X).loc["b"], fh=[1, 2])
    np.testing.assert_allclose(f.predict(X=X).loc["b"], alone.predict(X=X.loc["b"]))


#: RNNForecaster(**dict(FTINY, strategy=..., series_embedding=...)).fit(panel(), fh=[1, 2])
#: .predict() of test_global_forecasting's panel at 645385f (before panel X): the path
#: without X is bitwise unchanged (checked at this change; compared to rounding here)
GOLDEN = {
    ("direct", None): [10.970220519205368, 10.918500223601857, 20.126464751656872,
                       20.25246001086688, 29.205995168776617, 29.33591864606261],
    ("direct", 3): [10.9503950365864, 10.895053755950174, 20.179783156084056,
                    20.373254781002455, 29.261731486235785, 29.470599326916915],
    ("recursive", None): [10.96326899838112, 10.965256811831715, 20.092308000665255,
                          20.002316317692735, 29.17076602567285, 29.075744582447424],
    ("recursive", 3): [10.952956812568118, 10.949986146570316, 20.153205240104825,
                       20.108927335209636, 29.225254810973333, 29.17339738077538],
}  # fmt: skip


@pytest.mark.parametrize("strategy, series_embedding", list(GOLDEN))
def test_global_fits_without_x_are_those_of_before(strategy, series_embedding):
    from test_global_forecasting import TINY as FTINY
    from test_global_forecasting import panel

    # the forecasts recorded before X (and before series_drift, off here)
    params = dict(FTINY, strategy=strategy, series_embedding=series_embedding, series_drift=False)
    f = RNNForecaster(**params).fit(panel(), fh=[1, 2])
    assert f._F.shape[1] == 1 + bool(series_embedding)
    np.testing.assert_allclose(f.predict()["v"], GOLDEN[strategy, series_embedding], rtol=1e-6)
