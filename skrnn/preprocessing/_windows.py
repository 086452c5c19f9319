"""Sliding windows over a series: a transformer for pipelines and a helper for arrays."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Hidden, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from .._input.series import check_3d_output, check_series
from .._training.transaction import transactional

__all__ = ["SlidingWindowTransformer", "make_supervised"]


def _windows(series: np.ndarray, time_steps: int, current: np.ndarray, fill_value) -> np.ndarray:
    """Window of ``time_steps`` steps ending at every row of a 2D ``series``: ``(n, T, f)``,
    a read-only strided view of one padded copy of the series (``n + T`` rows), so its
    memory grows with the series, not with ``n x time_steps``.

    Column ``j`` shows ``series[s, j]`` at step ``s`` where ``current[j]``, else
    ``series[s - 1, j]`` (its previous value).  Steps before the start are filled with
    ``fill_value``, or with ``"edge"`` with the column's first value. A view gives every
    row the same padding (row 0 shares all but one cell of its window with row 1), so
    under ``"edge"`` row 0 of a lagged column, which has no earlier value, shows the first
    value, its own; a numeric ``fill_value`` shows none.
    """
    n, n_features = series.shape
    lagged = ~current
    fill = series[0] if fill_value == "edge" else np.full(n_features, float(fill_value))
    # padded[time_steps - 1 + s] is row s of the series, lagged columns shifted by one
    padded = np.empty((n + time_steps - 1, n_features), dtype=np.float64)
    padded[: time_steps - 1] = fill
    body = padded[time_steps - 1 :]
    body[:, current] = series[:, current]
    body[1:, lagged] = series[:-1, lagged]
    body[0, lagged] = fill[lagged]
    windows = np.lib.stride_tricks.sliding_window_view(padded, time_steps, axis=0)
    return np.moveaxis(windows, 2, 1)  # (n, time_steps, f), read-only


def _output(windows: np.ndarray, flatten: bool) -> np.ndarray:
    """Windows ``(n, time_steps, n_features)`` as they are (sequences, for the RNN
    estimators), or with ``flatten`` as lag features ``(n, time_steps * n_features)``,
    step-major (a copy: what a plain scikit-learn regressor reads)."""
    return windows.reshape(len(windows), -1) if flatten else windows


def _input_feature_names(estimator, input_features=None) -> np.ndarray:
    """The names of the input features: ``input_features`` checked against those seen in
    ``fit``, else ``feature_names_in_``, else ``x0, x1, ...``. What a one-to-one
    transformer's ``get_feature_names_out`` returns (scikit-learn's public
    ``OneToOneFeatureMixin``), whose outputs are named after these."""
    return OneToOneFeatureMixin.get_feature_names_out(estimator, input_features)


def _column_positions(names: list, named: bool, columns, param: str) -> np.ndarray:
    """Positions of ``columns`` (names or positions) among the features ``names`` (the
    DataFrame's column names when ``named``, else generated ones)."""
    n = len(names)
    mask = np.asarray(columns)
    if mask.dtype == bool:
        if mask.shape != (n,):
            raise ValueError(f"{param} as a boolean mask needs one entry per column ({n}).")
        return np.flatnonzero(mask)
    positions = []
    for col in np.atleast_1d(np.asarray(columns, dtype=object)).ravel():
        if isinstance(col, Integral) and not isinstance(col, bool) and -n <= col < n:
            positions.append(int(col) % n)
        elif isinstance(col, str) and col in names:
            positions.append(names.index(col))
        elif isinstance(col, str) and not named:
            raise ValueError(
                f"{param} names the column {col!r}, but X has no column names (it is not a "
                "DataFrame; a step before this one that returns arrays can be switched to "
                "DataFrames with set_output(transform='pandas')); or give column positions."
            )
        else:
            raise ValueError(
                f"{param} names a column that X does not have: {col!r}; the columns are "
                f"{names} (by name, for a DataFrame, or position)."
            )
    return np.asarray(positions, dtype=np.intp)


def _pandas_index(X) -> pd.Index | None:
    """The index of a pandas ``X``, ``None`` for other containers."""
    index = getattr(X, "index", None)
    return index if isinstance(index, pd.Index) and len(index) else None


class SlidingWindowTransformer(TransformerMixin, BaseEstimator):
    """Turn a series into one window of past values per time step, for the RNN estimators.

    Row ``t`` of the output is the window of the ``time_steps`` values that precede ``t``
    (oldest first), so ``Pipeline([..., ("window", SlidingWindowTransformer()),
    ("rnn", RNNRegressor())])`` fitted on ``(series, y)`` learns ``y[t]`` from the past.

    **Design.** A scikit-learn transformer cannot drop or move rows of ``y``, so the
    output keeps **one row per input row** and ``y`` stays aligned. By default
    (``include_current=False``) the window of row ``t`` holds rows ``t - time_steps`` to
    ``t - 1`` only: when the series itself is a feature, the value being predicted is
    never in its own window. With ``include_current=True`` (or a list of columns) those
    columns show rows ``t - time_steps + 1`` to ``t`` instead; use it for exogenous
    columns whose current value is known when ``y[t]`` is predicted, never for the
    target.

    **The first rows.** Row ``t`` has fewer than ``time_steps`` earlier values when ``t <
    time_steps``. The missing steps are filled with ``fill_value``, by default 0: no row
    sees a value from its own row or after it (of a lagged column), row 0 included, whose
    lagged steps are all fill. ``fill_value="edge"`` repeats the column's first value of
    the series instead (the default before 0.2.0): closer to the series' level, but then
    row 0, which has no earlier value, repeats its own first value, which is its target
    when the series is ``y`` (the windows are a view sharing one padding, so row 0 cannot
    be filled differently from row 1). Scale the series first (for example
    ``SequenceStandardScaler`` in the pipeline) so that 0 is a neutral value, or drop the
    first ``time_steps`` rows from training.

    **Memory.** The windows are a read-only strided view of one padded copy of the series
    (``numpy.lib.stride_tricks.sliding_window_view``): ``transform`` needs memory for
    ``n_timesteps + time_steps`` rows whatever ``time_steps`` is, and the RNN estimators
    copy a batch of windows at a time (a 2-million-step series windowed at
    ``time_steps=512`` is 16 MB, not 8 GB; docs/benchmarks.md). Copy the output
    (``np.array(windows)``) before writing into it.

    **Fit, then transform: the history.** ``fit`` remembers the last ``time_steps`` rows
    it saw (``history_``). By default (``use_fit_history=True``) ``transform(X)`` treats
    ``X`` as the continuation of that series and completes the windows of its first rows
    from ``history_``: ``transform`` of any row equals the row of ``fit_transform`` on the
    training and new data joined. ``fit_transform`` (what a ``Pipeline`` calls in
    ``fit``) always windows its ``X`` on its own. The transformer never looks at the
    values or the index of ``X`` to decide; the switch is yours:

    - ``use_fit_history=True`` (the default): ``X`` directly follows the fit data. The
      test folds of ``TimeSeriesSplit`` (without ``gap``), which follow their training
      fold, and forecasting the period after the training data
      (``pipeline.predict(X_next)``).
    - ``use_fit_history=False``: each ``X`` windowed on its own, its first rows filled
      with ``fill_value``. A pipeline predicting or scoring its own training data
      (``pipeline.score(X_train, y_train)``, ``return_train_score=True`` in
      ``cross_validate`` or ``GridSearchCV``, ``learning_curve``), folds with a gap
      (``TimeSeriesSplit(gap=...)``) or in any order (``KFold``), or another series;
      ``fit(X).transform(X)`` then equals ``fit_transform(X)``, as scikit-learn's
      contract for transformers expects.

        Parameters
    ----------
    time_steps : int, default=12
        Length of every window.
    include_current : bool, str or array-like of str, int or bool, default=False
        Columns (names, positions or a boolean mask) whose value at row ``t`` is part of
        the window of row ``t``; ``True`` for all columns. The other columns are lagged by
        one step.
    fill_value : float or "edge", default=0.0
        Value of the window steps before the start of the series; ``"edge"``: the
        column's first value (row 0 of a lagged column then holds its own value).

        .. versionchanged:: 0.2.0
           The default was ``"edge"``; see :doc:`/changes`.
    use_fit_history : bool, default=True
        Whether ``transform`` continues the series seen in ``fit`` (``True``) or windows
        each ``X`` on its own (``False``); see "Fit, then transform" above for the cases.

        .. versionchanged:: 0.2.0
           The default was ``"auto"``, which decided at each ``transform`` from the
           values of ``X`` (the fit data itself: on its own, with a warning) and its
           pandas index. ``"auto"`` is deprecated (a ``FutureWarning``) and will be
           removed in 0.3.0.
    flatten : bool, default=False
        ``False``: sequences ``(n_timesteps, time_steps, n_features)``, what the RNN
        estimators read (a univariate series gives ``(n_timesteps, time_steps, 1)``).
        ``True``: flat lag features ``(n_timesteps, time_steps * n_features)``, step by
        step then feature (the order of ``get_feature_names_out``), for plain
        scikit-learn regressors; ``set_output(transform="pandas")`` then names them.

        .. versionadded:: 0.2.0
           Before, a univariate series gave 2D windows ``(n_timesteps, time_steps)``.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of the series seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    history_ : ndarray of shape (min(time_steps, n_timesteps), `n_features_in_`)
        The last rows seen in ``fit``, prepended by ``transform``.

    See Also
    --------
    make_supervised : Windows and targets ``horizon`` steps ahead as plain arrays.

    Notes
    -----
    The output is 3D ``(n_timesteps, time_steps, n_features)``, univariate series
    included: sequences are 3D in skrnn, and a 2D array is a table. With ``flatten=True``
    it is 2D, and ``set_output(transform="pandas")`` gives a DataFrame with lag columns
    and the input's index.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import SlidingWindowTransformer
    >>> series = np.arange(1.0, 6.0)
    >>> windows = SlidingWindowTransformer(time_steps=2).fit_transform(series)
    >>> windows.shape
    (5, 2, 1)
    >>> windows[..., 0]  # row t: the two values before t, 0 before the start
    array([[0., 0.],
           [0., 1.],
           [1., 2.],
           [2., 3.],
           [3., 4.]])
    >>> window = SlidingWindowTransformer(time_steps=2, flatten=True).fit(series)
    >>> window.transform(np.array([6.0, 7.0]))  # continues the series seen in fit
    array([[4., 5.],
           [5., 6.]])
    >>> window.get_feature_names_out()
    array(['x0_lag2', 'x0_lag1'], dtype=object)
    """

    _parameter_constraints: dict = {
        "time_steps": [Interval(Integral, 1, None, closed="left")],
        "include_current": ["boolean", "array-like", str],
        "fill_value": [StrOptions({"edge"}), Real],
        "use_fit_history": ["boolean", Hidden(StrOptions({"auto"}))],
        "flatten": ["boolean"],
    }

    def __init__(
        self,
        time_steps=12,
        *,
        include_current=False,
        fill_value=0.0,
        use_fit_history=True,
        flatten=False,
    ):
        self.time_steps = time_steps
        self.include_current = include_current
        self.fill_value = fill_value
        self.use_fit_history = use_fit_history
        self.flatten = flatten

    def _current_columns(self) -> np.ndarray:
        """Boolean mask of the columns that include their current value."""
        if isinstance(self.include_current, (bool, np.bool_)):
            return np.full(self.n_features_in_, bool(self.include_current))
        mask = np.zeros(self.n_features_in_, dtype=bool)
        names = list(_input_feature_names(self))
        named = hasattr(self, "feature_names_in_")
        mask[_column_positions(names, named, self.include_current, "include_current")] = True
        return mask

    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> SlidingWindowTransformer:
        """Remember the shape, the columns and the last ``time_steps`` rows of a series.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
            The series, oldest first; a pandas Series or DataFrame keeps its index.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        series = check_series(self, X, reset=True)
        n = len(series)
        series = series.reshape(n, -1)
        self._current = self._current_columns()
        needed = self.time_steps + (0 if self._current.all() else 1)
        if n < needed:
            raise ValueError(
                f"time_steps={self.time_steps} is larger than the series: X has {n} "
                f"samples (time steps), and at least {needed} are needed for one complete "
                "window. Use a smaller time_steps or a longer series."
            )
        self.history_ = series[-self.time_steps :].copy()
        if self.use_fit_history == "auto":
            warnings.warn(
                "use_fit_history='auto' is deprecated in 0.2.0 and will be removed in "
                "0.3.0; set use_fit_history=True (the default: X continues the fit "
                "series) or False (each X windowed on its own). See the "
                "SlidingWindowTransformer docstring for the pipeline cases.",
                FutureWarning,
                stacklevel=3,
            )
        # what the deprecated "auto" compares (also when set after fit): no copy of X
        self._fit_length = n
        index = _pandas_index(X)
        self._fit_last_label = None if index is None else index[-1]
        return self

    @transactional
    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit and window ``X`` on its own (the first rows follow the ``fill_value`` rule).

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
            The series, oldest first.
        y : None
            Ignored.

        Returns
        -------
        windows : ndarray of shape (n_timesteps, time_steps, n_features) or \
(n_timesteps, time_steps * n_features)
            One window per row of ``X`` (flat with ``flatten=True``).
        """
        return self.fit(X)._transform(X, continues=False)

    def transform(self, X) -> np.ndarray:
        """Window ``X``, continuing the series seen in ``fit`` (see the class docstring).

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
            The series, oldest first.

        Returns
        -------
        windows : ndarray of shape (n_timesteps, time_steps, n_features) or \
(n_timesteps, time_steps * n_features)
            One window per row of ``X`` (flat with ``flatten=True``).
        """
        check_is_fitted(self)
        return self._transform(X, continues=None)

    def _continues_fit(self, X, series: np.ndarray) -> bool:
        if self.use_fit_history != "auto":
            return bool(self.use_fit_history)
        # the deprecated guess (until 0.3.0): the fit data itself (its length and last
        # rows) is windowed on its own, with a warning; a pandas X continues only when
        # its index starts after the last index seen in fit
        if len(series) == self._fit_length and np.array_equal(
            series[-len(self.history_) :], self.history_
        ):
            warnings.warn(
                "X is the series seen in fit (same length and last values), so it is "
                "windowed on its own, like fit_transform does, not as the continuation of "
                "the fit data. Set use_fit_history=False to have this without a warning, "
                "or True to continue the fit series.",
                UserWarning,
                stacklevel=3,
            )
            return False
        index = _pandas_index(X)
        if self._fit_last_label is None or index is None:
            return True
        try:
            return bool(index[0] > self._fit_last_label)
        except TypeError:  # indexes of incomparable types: not the same time axis
            return False

    def _transform(self, X, *, continues: bool | None) -> np.ndarray:
        series = check_series(self, X, reset=False)
        series = series.reshape(len(series), -1)
        if continues is None:
            continues = self._continues_fit(X, series)
        check_3d_output(self, 2 if self.flatten else 3)
        start = len(self.history_) if continues else 0
        if continues:
            series = np.concatenate([self.history_, series])
        windows = _windows(series, self.time_steps, self._current, self.fill_value)
        return _output(windows[start:], self.flatten)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Name the output columns ``"<feature>_lag<k>"``, oldest step first.

        These name the columns of the output with ``flatten=True``, ``(n_timesteps,
        time_steps * n_features)``: step-major, then feature.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; by default ``feature_names_in_`` or ``x0``, ``x1``, ...

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per step and feature.
        """
        check_is_fitted(self)
        names = _input_feature_names(self, input_features)
        lag_of_last = np.where(self._current, 0, 1)
        out = [
            f"{name}_lag{self.time_steps - 1 - step + lag_of_last[j]}"
            for step in range(self.time_steps)
            for j, name in enumerate(names)
        ]
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


@validate_params(
    {
        "series": ["array-like"],
        "time_steps": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "target": [Integral, str, "array-like", None],
        "flatten": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_supervised(
    series, time_steps: int, horizon: int = 1, *, target=None, flatten: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into input windows and the values that follow them, as arrays.

    Window ``i`` holds rows ``i`` to ``i + time_steps - 1`` of ``series`` (all columns);
    its target is the next ``horizon`` values of the target column(s), rows
    ``i + time_steps`` to ``i + time_steps + horizon - 1``. Only complete windows with
    complete targets are returned, so no value is padded and no target is in its window.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        The series, oldest first (a pandas Series or DataFrame works too).
    time_steps : int
        Length of every input window.
    horizon : int, default=1
        Number of future steps to predict: 1 for one-step targets, more for multi-step
        targets (one output per step, for a multi-output ``RNNRegressor``). For a
        single target ``horizon`` steps ahead, take ``y[:, -1]``.
    target : int, str, array-like of int or str, or None, default=None
        Target column(s) of a 2D series, by position or DataFrame column name; ``None``
        for all columns.
    flatten : bool, default=False
        ``False``: windows as sequences ``(n_windows, time_steps, n_features)`` for the
        RNN estimators (a univariate series gives ``(n_windows, time_steps, 1)``).
        ``True``: flat lag features ``(n_windows, time_steps * n_features)``, step by
        step then feature, for plain scikit-learn regressors.

        .. versionadded:: 0.2.0
           Before, a univariate series gave 2D windows ``(n_windows, time_steps)``.

    Returns
    -------
    X : ndarray of shape (n_windows, time_steps, n_features) or \
(n_windows, time_steps * n_features)
        The windows, ``n_windows = n_timesteps - time_steps - horizon + 1``; flat with
        ``flatten=True``.
    y : ndarray of shape (n_windows,), (n_windows, horizon), (n_windows, n_targets) or \
(n_windows, horizon, n_targets)
        The targets; the ``horizon`` axis is dropped when ``horizon == 1``, the targets axis
        for a single target column.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import make_supervised
    >>> X, y = make_supervised(np.arange(6.0), time_steps=3)
    >>> X.shape
    (3, 3, 1)
    >>> X[..., 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])
    >>> make_supervised(np.arange(6.0), time_steps=3, flatten=True)[0].shape  # lag features
    (3, 3)
    >>> X, y = make_supervised(np.arange(6.0), time_steps=3, horizon=2)
    >>> y
    array([[3., 4.],
           [4., 5.]])
    """
    values = check_series(None, series, reset=True, name="make_supervised", input_name="series")
    n = len(values)
    values = values.reshape(n, -1)
    n_windows = n - time_steps - horizon + 1
    if n_windows < 1:
        raise ValueError(
            f"time_steps={time_steps} plus horizon={horizon} is larger than the series: it "
            f"has {n} time steps, and at least {time_steps + horizon} are needed for one "
            "window and its target."
        )
    if target is None:
        columns = np.arange(values.shape[1])
    else:
        named = hasattr(series, "columns") and all(isinstance(c, str) for c in series.columns)
        names = list(series.columns) if named else [f"x{i}" for i in range(values.shape[1])]
        columns = _column_positions(names, named, target, "target")
    # complete windows only: the fill of the steps before the start is never seen
    windows = _windows(values, time_steps, np.ones(values.shape[1], dtype=bool), 0.0)
    X = _output(windows[time_steps - 1 : n - horizon], flatten)
    ahead = np.lib.stride_tricks.sliding_window_view(values[time_steps:, columns], horizon, axis=0)
    y = np.moveaxis(ahead, 2, 1)  # (n_windows, horizon, n_targets)
    if len(columns) == 1 and (target is None or np.ndim(target) == 0):
        y = y[..., 0]
    if horizon == 1:
        y = y[:, 0]
    return X, np.ascontiguousarray(y)
