"""Panels for global forecasting: many series as one flat array, checked and put back.

sktime passes a panel (``pd-multiindex``) or a hierarchy (``pd_multiindex_hier``) as one
data frame whose row index ends with the time level. :class:`RNNForecaster` trains one
network on the windows of all its series; these helpers split the frame into series
(each variable of each instance is one univariate series), check them, lay them end to
end in one array (windows are cut per series from it) and rebuild a frame of the same
kind from per-series forecasts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "IRREGULAR",
    "PanelSeries",
    "irregular_timestamps",
    "is_panel",
    "missing_times",
    "skipped_message",
    "split_panel",
    "stack_panel",
]


def is_panel(y) -> bool:
    """Whether ``y`` is a panel or hierarchy: a row MultiIndex, time last.

    Examples
    --------
    >>> import pandas as pd
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(3)])
    >>> is_panel(pd.DataFrame({"v": range(6)}, index=index)), is_panel(pd.Series([1.0]))
    (True, False)
    """
    return isinstance(getattr(y, "index", None), pd.MultiIndex)


class PanelSeries:
    """The univariate series of a panel: keys, time indexes and values.

    Attributes
    ----------
    keys : list of tuple
        ``(instance key, column)`` of each series; the instance key is a tuple of the
        non-time index levels.
    instances : list of tuple
        The instance keys, in the panel's order.
    columns : list
        The panel's columns (variables).
    index_names : list
        Names of the panel's index levels.
    indexes : list of pd.Index
        The time index of each series (a ``DatetimeIndex`` with the panel's frequency).
    values : list of ndarray
        The values of each series (float64).
    freq : str or None
        The frequency the series share (inferred for timestamps), else ``None``.
    """

    #: the default of panels that skrnn.save wrote before they kept their frequency
    freq = None

    def __init__(self, keys, instances, columns, index_names, indexes, values, freq=None):
        self.keys, self.instances, self.columns = keys, instances, columns
        self.index_names, self.indexes, self.values = index_names, indexes, values
        self.freq = freq

    def __len__(self) -> int:
        return len(self.keys)

    def name(self, i: int) -> str:
        """A readable name of series ``i`` for error messages."""
        instance, column = self.keys[i]
        label = instance[0] if len(instance) == 1 else instance
        return f"{label!r}" if len(self.columns) == 1 else f"{label!r} (column {column!r})"


def _frequency(times: pd.Index) -> str | None:
    """The frequency of one series' times: a ``PeriodIndex``'s, a ``DatetimeIndex``'s
    (inferred), that of the periods of an object index (pandas keeps the periods of a
    panel whose series differ in frequency so), else ``None``."""
    if isinstance(times, pd.PeriodIndex):
        return times.freqstr
    if isinstance(times, pd.DatetimeIndex):
        return times.freqstr or (pd.infer_freq(times) if len(times) > 2 else None)
    if times.dtype == object and len(times) and isinstance(times[0], pd.Period):
        return times[0].freqstr
    return None


def _as_many_as_their_range(times: pd.Index) -> bool:
    """Whether the sorted periods or integers ``times`` are as many as the steps from
    their first to their last: none skipped (what :func:`missing_times` finds, without
    building the range)."""
    if isinstance(times, pd.PeriodIndex):
        ordinals = times.asi8
        return bool((ordinals[-1] - ordinals[0]) // times.freq.n + 1 == len(times))
    if pd.api.types.is_integer_dtype(times):
        return bool(times[-1] - times[0] + 1 == len(times))
    return False


def missing_times(times: pd.Index) -> pd.Index:
    """The steps between the first and the last of the sorted ``times`` that they skip:
    periods of their frequency, or integers (one a step, as sktime's ``fh`` counts them);
    timestamps without a frequency have no step to check (pandas infers none when some
    are missing, and the panel's frequency check names them).

    Examples
    --------
    >>> import pandas as pd
    >>> missing_times(pd.Index([3, 4, 6, 8])).tolist()
    [5, 7]
    >>> missing_times(pd.period_range("2000-01", periods=3, freq="M")).tolist()
    []
    """
    if not len(times) or _as_many_as_their_range(times):
        return times[:0]
    if isinstance(times, pd.PeriodIndex):
        full = pd.period_range(times[0], times[-1], freq=times.freq)
    elif pd.api.types.is_integer_dtype(times):
        full = pd.RangeIndex(times[0], times[-1] + 1)
    else:
        return times[:0]
    return full[:0] if len(full) == len(times) else full.difference(times)


def irregular_timestamps(times: pd.Index) -> bool:
    """Whether ``times`` are timestamps without a frequency, none that pandas can infer:
    a time is skipped or the steps differ (two timestamps or fewer have none to infer).

    Examples
    --------
    >>> import pandas as pd
    >>> irregular_timestamps(pd.DatetimeIndex(["2000-01-01", "2000-01-02", "2000-01-04"]))
    True
    """
    return (
        isinstance(times, pd.DatetimeIndex)
        and times.freq is None
        and len(times) > 2
        and pd.infer_freq(times) is None
    )


IRREGULAR = (
    "has timestamps without a regular frequency (pandas infers none: a time is skipped, or "
    "the steps differ); RNNForecaster needs one observation at every step. Fill the "
    "missing times first (y.asfreq(freq), then interpolate)."
)


def skipped_message(missing: pd.Index, what: str) -> str:
    """The ValueError message for ``what`` (``"y"``, ``"y: series 'a'"``) skipping the
    times ``missing``."""
    shown = [str(t) for t in missing[:3]] + (["..."] if len(missing) > 3 else [])
    return (
        f"{what} skips the times {shown} ({len(missing)} in all); RNNForecaster needs a "
        "regular series, one observation at every step, or its seasons and windows would "
        "not line up. Fill them first (reindex to every step, then interpolate)."
    )


def split_panel(
    y: pd.DataFrame, *, param: str = "y", regular: bool = True, order=None
) -> PanelSeries:
    """The series of the panel ``y``, checked: a ``TypeError`` naming columns that do not
    hold numbers, a ``ValueError`` naming the series for duplicate times, skipped times
    (with ``regular``: ``y``, whose steps the networks read as consecutive; ``X`` is
    looked up by time, which names the times it lacks), NaN or infinite values, or a
    frequency other than the first series'. The series come in the panel's order, or
    with ``order`` (instance tuples) those instances first, in that order.

    Examples
    --------
    >>> import pandas as pd
    >>> index = pd.MultiIndex.from_product([["a", "b"], pd.RangeIndex(3)])
    >>> p = split_panel(pd.DataFrame({"v": [1.0, 2, 3, 4, 5, 6]}, index=index))
    >>> p.keys, [v.tolist() for v in p.values]
    ([(('a',), 'v'), (('b',), 'v')], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    """
    if not len(y):
        raise ValueError(f"{param}: the panel holds no observations; pass the series to forecast.")
    text = [c for c in y.columns if not pd.api.types.is_numeric_dtype(y[c])]
    if text:
        raise TypeError(
            f"{param} must hold numeric columns; {text} are not. Encode categorical or "
            "text columns first."
        )
    keys, instances, indexes, values = [], [], [], []
    columns = list(y.columns)
    freq = None
    # the rows of each instance (the non-time levels), instances in order of appearance
    # and rows in the panel's order, as groupby(sort=False) gives them; positions into
    # one array of times and one of values (a frame per series took 3.4 s for 10,000)
    codes, uniques = pd.factorize(y.index.droplevel(-1))
    groups = [(key if isinstance(key, tuple) else (key,), g) for g, key in enumerate(uniques)]
    if order is not None:  # the given instances first, in that order (a stable sort)
        rank = {instance: i for i, instance in enumerate(order)}
        groups.sort(key=lambda group: rank.get(group[0], len(rank)))
    # each instance's rows together (the usual layout): slices of the two arrays, and
    # no sort of the rows (0.1 s for 10,000 series of 200)
    together = bool((codes >= 0).all() and (np.diff(codes) >= 0).all())
    rows = None if together else np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes if together else codes[rows], np.arange(len(uniques) + 1))
    all_times = y.index.get_level_values(-1)
    all_values = y.to_numpy(dtype=np.float64, copy=True)  # never a view of the user's y
    for instance, g in groups:
        start, stop = bounds[g], bounds[g + 1]
        part = slice(start, stop) if together else rows[start:stop]
        times = all_times[part]
        label = instance[0] if len(instance) == 1 else instance
        if times.has_duplicates:
            dup = list(times[times.duplicated()].astype(str))[:3]
            raise ValueError(
                f"{param}: series {label!r} has duplicate times {dup}; each time may occur "
                "once per series. Aggregate or drop the duplicates first."
            )
        this = _frequency(times)
        # pandas infers no frequency from two timestamps or fewer (the new times of a
        # series in an update): they are not compared (update checks they continue it)
        timestamps = isinstance(times, pd.DatetimeIndex)
        unknown = this is None and timestamps and len(times) < 3
        if freq is None:
            freq = this
        elif this != freq and not unknown:
            raise ValueError(
                f"{param}: series {label!r} has the frequency {this!r}, the first series "
                f"{freq!r}; all series of a panel must share one frequency. Resample them "
                "to one frequency first."
            )
        if not times.is_monotonic_increasing:
            raise ValueError(
                f"{param}: the times of series {label!r} are not sorted; sort the panel by "
                "its index first (y.sort_index())."
            )
        # irregular_timestamps(times), from the frequency inferred above (once a series)
        if regular and this is None and timestamps and len(times) > 2:
            raise ValueError(f"{param}: series {label!r} {IRREGULAR}")
        if regular and len(missing := missing_times(times)):
            raise ValueError(skipped_message(missing, f"{param}: series {label!r}"))
        if isinstance(times, pd.DatetimeIndex) and times.freq is None and this:
            # the level's values carry no frequency; the series' times continue with it
            # (update checks them by it)
            times = pd.DatetimeIndex(times, freq=this)
        instances.append(instance)
        for j, col in enumerate(columns):
            series = np.ascontiguousarray(all_values[part, j])
            bad = ~np.isfinite(series)
            if bad.any():
                where = list(times[bad].astype(str))[:3]
                name = f"{label!r}" + ("" if len(columns) == 1 else f" (column {col!r})")
                nan = bool(np.isnan(series).any())
                raise ValueError(
                    f"{param}: series {name} holds {'NaN' if nan else 'infinite values'} at "
                    f"{where}; RNNForecaster needs complete series of finite values. "
                    f"{'Fill or drop the missing values' if nan else 'Replace or drop them'} "
                    "first."
                )
            keys.append((instance, col))
            indexes.append(times)
            values.append(series)
    return PanelSeries(keys, instances, columns, list(y.index.names), indexes, values, freq)


def stack_panel(panel: PanelSeries, values, indexes, columns) -> pd.DataFrame:
    """A panel frame from per-instance values: ``values[k]`` is ``(len(indexes[k]),
    len(columns))`` for instance ``k`` of ``panel``, at the times ``indexes[k]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> index = pd.MultiIndex.from_product([["a", "b"], pd.RangeIndex(2)], names=["id", "t"])
    >>> p = split_panel(pd.DataFrame({"v": [1.0, 2, 3, 4]}, index=index))
    >>> out = stack_panel(p, [np.zeros((1, 1)), np.ones((1, 1))], [pd.RangeIndex(2, 3)] * 2, ["v"])
    >>> out.index.tolist(), out["v"].tolist()
    ([('a', 2), ('b', 2)], [0.0, 1.0])
    """
    sizes = [len(times) for times in indexes]
    levels = [
        np.repeat(np.array([inst[j] for inst in panel.instances], dtype=object), sizes)
        for j in range(len(panel.index_names) - 1)
    ]
    times = indexes[0].append(list(indexes[1:])) if len(indexes) > 1 else indexes[0]
    index = pd.MultiIndex.from_arrays([*levels, times], names=panel.index_names)
    data = [np.asarray(v).reshape(n, -1) for v, n in zip(values, sizes, strict=True)]
    return pd.DataFrame(np.concatenate(data), index=index, columns=columns)
