"""SlidingWindowTransformer and make_supervised: contents, no look-ahead, history, errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import SlidingWindowTransformer, make_supervised

SETTINGS = settings(max_examples=60, deadline=None)
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def series_and_window(draw, min_extra=1):
    """A series (n, f), time_steps, and which columns include their current value."""
    time_steps = draw(st.integers(1, 6))
    n_features = draw(st.integers(1, 3))
    n = draw(st.integers(time_steps + min_extra, time_steps + 25))
    X = draw(arrays(np.float64, (n, n_features), elements=finite))
    current = draw(st.lists(st.booleans(), min_size=n_features, max_size=n_features))
    return X, time_steps, np.array(current)


def reference_windows(X, time_steps, current, fill_value=0.0):
    """Loop version of the documented rule, written independently of the implementation."""
    n, f = X.shape
    out = np.empty((n, time_steps, f))
    for t in range(n):
        for step in range(time_steps):
            for j in range(f):
                row = t - time_steps + 1 + step - (0 if current[j] else 1)
                if row >= 0:
                    out[t, step, j] = X[row, j]
                elif fill_value != "edge":
                    out[t, step, j] = fill_value
                else:  # also row 0 of a lagged column, which has no earlier value
                    out[t, step, j] = X[0, j]
    return out  # (n, time_steps, f): sequences are 3D, univariate ones too


def as_input(X):
    return X[:, 0] if X.shape[1] == 1 else X


@SETTINGS
@given(series_and_window(), st.sampled_from(["edge", -1.5, None]))
def test_window_shapes_and_contents(data, fill_value):
    X, time_steps, current = data
    params = {} if fill_value is None else {"fill_value": fill_value}
    window = SlidingWindowTransformer(time_steps, include_current=current, **params)
    out = window.fit_transform(as_input(X))
    n, f = X.shape
    assert out.shape == (n, time_steps, f)
    expected = reference_windows(X, time_steps, current, 0.0 if fill_value is None else fill_value)
    np.testing.assert_array_equal(out, expected)
    flat = clone(window).set_params(flatten=True).fit_transform(as_input(X))
    np.testing.assert_array_equal(flat, expected.reshape(n, time_steps * f))
    assert len(window.get_feature_names_out()) == flat.shape[1]


@SETTINGS
@given(series_and_window())
def test_no_row_sees_its_own_value_under_the_defaults(data):
    """Issue 22 item 1: row 0 of a lagged column has no earlier value; the default fill
    must not show it its own (under "edge" it repeated the first value, its target)."""
    X, time_steps, current = data
    window = SlidingWindowTransformer(time_steps, include_current=current)
    lagged = ~current
    for target in (X, X + 100.0):
        out = window.fit_transform(as_input(target))
        for t in range(len(target)):
            seen = out[t][:, lagged]
            # every value row t sees of a lagged column is the fill or an earlier row's
            earlier = target[:t, lagged]
            for j in range(seen.shape[1]):
                allowed = set(earlier[:, j].tolist()) | {0.0}
                assert set(seen[:, j].tolist()) <= allowed


def test_first_window_no_longer_holds_its_own_target():
    """The example of issue 22: arange(10) and arange(10) + 100 at time_steps=3."""
    for series in (np.arange(10.0), np.arange(10.0) + 100):
        out = SlidingWindowTransformer(time_steps=3).fit_transform(series)
        assert out[0, :, 0].tolist() == [0.0, 0.0, 0.0]  # the fill, not series[0]
        assert out[1, :, 0].tolist() == [0.0, 0.0, series[0]]
    # "edge" keeps the old fill, with its documented exception
    edge = SlidingWindowTransformer(time_steps=3, fill_value="edge").fit_transform(
        np.arange(10.0) + 100
    )
    assert edge[0, :, 0].tolist() == [100.0, 100.0, 100.0]


@SETTINGS
@given(series_and_window(), st.data())
def test_changing_the_future_leaves_earlier_windows_unchanged(data, draw):
    X, time_steps, current = data
    k = draw.draw(st.integers(0, len(X) - 1))
    changed = X.copy()
    changed[k:] += draw.draw(arrays(np.float64, changed[k:].shape, elements=finite))
    for fill_value in ("edge", 0.0):
        window = SlidingWindowTransformer(
            time_steps, include_current=current, fill_value=fill_value
        )
        before, after = window.fit_transform(X), clone(window).fit_transform(changed)
        np.testing.assert_array_equal(before[:k], after[:k])
        # lags only: the row of the changed value does not see it either, except row 0
        # under "edge", which repeats the first value (documented)
        if not current.any() and (k > 0 or fill_value != "edge"):
            np.testing.assert_array_equal(before[k], after[k])


def test_default_window_of_row_t_holds_only_earlier_values():
    series = np.arange(10.0)
    out = SlidingWindowTransformer(3).fit_transform(series)
    for t in range(3, 10):
        assert out[t, :, 0].tolist() == [t - 3, t - 2, t - 1]
        assert out[t].max() < series[t]


@SETTINGS
@given(series_and_window(), st.integers(1, 20), st.data())
def test_transform_continues_the_fit_series(train, n_test, draw):
    """transform(test) equals the test rows of fit_transform(train + test): no look-ahead,
    no padding in the middle of a series, and future test values are never read."""
    X_train, time_steps, current = train
    n_features = X_train.shape[1]
    X_test = draw.draw(arrays(np.float64, (n_test, n_features), elements=finite))
    changed = X_test.copy()
    changed[-1] += 1.0
    window = SlidingWindowTransformer(time_steps, include_current=current).fit(as_input(X_train))
    joined = clone(window).fit_transform(as_input(np.concatenate([X_train, X_test])))
    out = window.transform(as_input(X_test))
    np.testing.assert_array_equal(out, joined[len(X_train) :])
    # the default continues whatever X holds, the training data too (no guess)
    again = window.transform(as_input(X_train))
    both = clone(window).fit_transform(as_input(np.concatenate([X_train, X_train])))
    np.testing.assert_array_equal(again, both[len(X_train) :])
    # use_fit_history=False: transform(X) is fit_transform(X), whatever was fitted
    alone = clone(window).set_params(use_fit_history=False).fit(as_input(X_train))
    np.testing.assert_array_equal(
        alone.transform(as_input(X_train)), clone(window).fit_transform(as_input(X_train))
    )
    # a change to later test rows does not change earlier test windows
    np.testing.assert_array_equal(window.transform(as_input(changed))[:-1], out[:-1])


def test_use_fit_history_false_windows_each_call_alone():
    window = SlidingWindowTransformer(2, use_fit_history=False).fit(np.arange(5.0))
    np.testing.assert_array_equal(
        window.transform(np.array([7.0, 8.0, 9.0]))[..., 0], [[0, 0], [0, 7], [7, 8]]
    )


def test_pandas_index_names_the_output_but_does_not_decide():
    index = pd.date_range("2000-01-01", periods=12, freq="MS")
    df = pd.DataFrame({"sales": np.arange(1.0, 13.0)}, index=index)
    window = SlidingWindowTransformer(2, flatten=True).set_output(transform="pandas")
    window.fit(df.iloc[:8])
    test = window.transform(df.iloc[8:])
    assert list(test.columns) == ["sales_lag2", "sales_lag1"]
    assert test.index.equals(index[8:])
    assert test.iloc[0].tolist() == [7.0, 8.0]  # completed from the end of the fit data
    # rows that do not start after the fitted index continue it too: the index is not read
    inside = window.transform(df.iloc[4:8])
    assert inside.iloc[0].tolist() == [7.0, 8.0]
    alone = clone(window).set_params(use_fit_history=False).fit(df.iloc[:8])
    assert alone.transform(df.iloc[4:8]).iloc[:3].values.tolist() == [[0, 0], [0, 5], [5, 6]]


def test_include_current_by_name_and_feature_names():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "temp": [10.0, 20.0, 30.0, 40.0]})
    window = SlidingWindowTransformer(2, include_current=["temp"])
    out = window.fit_transform(df)
    assert out.shape == (4, 2, 2)
    assert out[3].tolist() == [[2.0, 30.0], [3.0, 40.0]]  # y lagged, temp up to now
    assert window.get_feature_names_out().tolist() == ["y_lag2", "temp_lag1", "y_lag1", "temp_lag0"]


def test_column_names_need_a_dataframe():
    with pytest.raises(ValueError, match="no column names .* set_output"):
        SlidingWindowTransformer(2, include_current=["temp"]).fit(np.zeros((5, 2)))


@pytest.mark.parametrize("columns", [["a"], ["a", "b"]])
def test_pandas_output_of_sequences_is_a_clear_error(columns):
    df = pd.DataFrame({c: np.arange(6.0) for c in columns})
    window = SlidingWindowTransformer(2).set_output(transform="pandas")
    with pytest.raises(ValueError, match="3D array .* which a DataFrame cannot hold"):
        window.fit_transform(df)
    flat = window.set_params(flatten=True).fit_transform(df)
    assert flat.shape == (6, 2 * len(columns))


def test_clone_and_params_round_trip():
    window = SlidingWindowTransformer(6, include_current=[1], fill_value=0.5)
    cloned = clone(window)
    assert cloned.get_params() == window.get_params()
    assert cloned.set_params(time_steps=3).time_steps == 3


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({"time_steps": 10}, np.arange(10.0), "time_steps=10 is larger than the series"),
        ({"time_steps": 10, "include_current": True}, np.arange(9.0), "larger than the series"),
        ({"time_steps": 0}, np.arange(10.0), "'time_steps' parameter"),
        ({"time_steps": -3}, np.arange(10.0), "'time_steps' parameter"),
        ({"time_steps": 2}, np.array([1.0, np.nan, 3.0, 4.0]), "Input X contains NaN"),
        ({"time_steps": 2}, np.array([1.0, np.inf, 3.0, 4.0]), "Input X contains infinity"),
        ({"time_steps": 2}, np.zeros((5, 2, 2)), "expects X to be a series: 1D .* got a 3D array"),
        (
            {"time_steps": 2, "include_current": ["nope"]},
            pd.DataFrame({"a": np.zeros(5)}),
            "does not have: 'nope'; the columns are \\['a'\\]",
        ),
        ({"time_steps": 2, "include_current": [3]}, np.zeros((5, 2)), "does not have: 3"),
        ({"time_steps": 2, "fill_value": "mean"}, np.zeros(5), "'fill_value' parameter"),
    ],
)
def test_bad_input_is_a_clear_error(params, X, match):
    with pytest.raises((ValueError, InvalidParameterError), match=match):
        SlidingWindowTransformer(**params).fit(X)


def test_transform_checks_features_and_nan():
    window = SlidingWindowTransformer(2).fit(np.zeros((6, 2)))
    with pytest.raises(ValueError, match="X has 3 features, but SlidingWindowTransformer"):
        window.transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        window.transform(np.array([[0.0, np.nan]]))


@SETTINGS
@given(series_and_window(min_extra=2), st.integers(1, 3))
def test_make_supervised_pairs(data, horizon):
    X, time_steps, _ = data
    assume(len(X) >= time_steps + horizon)
    inputs, targets = make_supervised(as_input(X), time_steps, horizon)
    n_windows = len(X) - time_steps - horizon + 1
    assert len(inputs) == len(targets) == n_windows
    assert inputs.shape == (n_windows, time_steps, X.shape[1])
    flat, _ = make_supervised(as_input(X), time_steps, horizon, flatten=True)
    np.testing.assert_array_equal(flat, inputs.reshape(n_windows, -1))
    for i in range(n_windows):
        np.testing.assert_array_equal(inputs[i], X[i : i + time_steps])
        ahead = X[i + time_steps : i + time_steps + horizon]  # (horizon, f)
        expected = ahead[0] if horizon == 1 else ahead
        if X.shape[1] == 1:
            expected = expected[..., 0]
        np.testing.assert_array_equal(targets[i], expected)


def test_make_supervised_agrees_with_the_transformer():
    series = np.random.RandomState(0).rand(30)
    inputs, targets = make_supervised(series, 5)
    windows = SlidingWindowTransformer(5).fit_transform(series)
    np.testing.assert_array_equal(inputs, windows[5:])
    np.testing.assert_array_equal(targets, series[5:])


def test_make_supervised_target_columns():
    df = pd.DataFrame({"y": np.arange(8.0), "x": np.arange(8.0) * 10})
    inputs, targets = make_supervised(df, 3, horizon=2, target="y")
    assert inputs.shape == (4, 3, 2)
    assert targets.tolist() == [[3, 4], [4, 5], [5, 6], [6, 7]]
    _, both = make_supervised(df, 3, target=["x", "y"])
    assert both.shape == (5, 2)
    assert both[0].tolist() == [30.0, 3.0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"time_steps": 8}, "time_steps=8 plus horizon=1 is larger than the series"),
        ({"time_steps": 5, "horizon": 4}, "larger than the series"),
        ({"time_steps": 2, "horizon": 0}, "'horizon' parameter of make_supervised"),
        ({"time_steps": 0}, "'time_steps' parameter of make_supervised"),
        ({"time_steps": 2, "target": 4}, "target names a column"),
    ],
)
def test_make_supervised_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_supervised(np.arange(8.0), **kwargs)


def test_make_supervised_bad_series():
    with pytest.raises(ValueError, match="Input series contains NaN"):
        make_supervised(np.array([1.0, np.nan, 2.0, 3.0]), 1)
    with pytest.raises(ValueError, match="make_supervised expects series to be a series"):
        make_supervised(np.zeros((4, 2, 2)), 1)


def test_use_fit_history_true_always_continues_the_fit_data():
    """The explicit switch, and the default: no guess from the values (nor from a pandas
    index), so no warning."""
    series = np.arange(5.0)
    window = SlidingWindowTransformer(2).fit(series)
    assert window.use_fit_history is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "same values" guess, so no warning
        out = window.transform(series)
    np.testing.assert_array_equal(out[:2, :, 0], [[3, 4], [4, 0]])
    index = pd.date_range("2000-01-01", periods=8, freq="MS")
    df = pd.DataFrame({"s": np.arange(8.0)}, index=index)
    explicit = SlidingWindowTransformer(2, use_fit_history=True).fit(df.iloc[4:])
    assert explicit.transform(df.iloc[:2])[0, :, 0].tolist() == [6.0, 7.0]


def test_auto_is_deprecated_and_keeps_its_guess_until_removed():
    """use_fit_history="auto" (the default before 0.2.0): a FutureWarning in fit; the
    fit data itself is still windowed on its own (with its warning) and a pandas X whose
    index does not follow the fit data's too."""
    series = np.arange(5.0)
    with pytest.warns(FutureWarning, match="use_fit_history='auto' is deprecated"):
        window = SlidingWindowTransformer(2, use_fit_history="auto").fit(series)
    with pytest.warns(UserWarning, match="use_fit_history=False"):
        out = window.transform(series)
    np.testing.assert_array_equal(out, SlidingWindowTransformer(2).fit_transform(series))
    np.testing.assert_array_equal(window.transform(np.array([5.0]))[0, :, 0], [3, 4])
    index = pd.date_range("2000-01-01", periods=8, freq="MS")
    df = pd.DataFrame({"s": np.arange(8.0)}, index=index)
    with pytest.warns(FutureWarning):
        window.fit(df.iloc[:6])
    assert window.transform(df.iloc[6:])[0, :, 0].tolist() == [4.0, 5.0]
    assert window.transform(df.iloc[:2])[1, :, 0].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("n_features", [1, 3])
def test_windows_are_a_read_only_view_of_one_padded_copy(n_features):
    """The output spans n + time_steps rows of memory, whatever time_steps is."""
    series = np.arange(2000.0 * n_features).reshape(-1, n_features).squeeze()
    for time_steps in (4, 500):
        for out in (
            SlidingWindowTransformer(time_steps).fit_transform(series),
            make_supervised(series, time_steps)[0],
        ):
            low, high = np.lib.array_utils.byte_bounds(out)
            assert high - low <= (2000 + time_steps) * n_features * 8
            assert not out.flags.writeable
