"""The adjustment of a series before the networks: log, season and drift, in NumPy.

:class:`RNNForecaster` follows M4's recipe (as the Theta benchmark does): a strictly
positive series is log-transformed, then, when M4's autocorrelation test finds a season,
the season is subtracted: by default the seasonal component of statsmodels' STL (a
local-constant seasonal smoother of ``STL_SEASONAL`` seasons, as R's ``stl``), its value
at each fitted time (the *path*), continued after the last one by its last season, as
statsforecast's MSTL forecasts it; or (``method="classical"``) the fixed seasonal
indices of a classical decomposition. sktime has the classical recipe as transformers
(``LogTransformer``, ``autocorrelation_seasonality_test``, ``Deseasonalizer`` on
statsmodels' ``seasonal_decompose``); the same arithmetic in NumPy costs microseconds
instead of ~50 ms per series (sktime's checks and conversions), which matters for panels
of thousands of series, and it serves single series and panels alike. Tests keep it
equal to sktime's transformers (``tests/test_seasonal.py``).

A global panel fit then removes each series' drift (:func:`series_drift`).

The seasonal index of a time is the one of its position from the start of the series the
indices were fitted on (``positions``), as sktime's ``Deseasonalizer`` aligns them.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MIN_SEASONS",
    "SEASONAL_METHODS",
    "adjust",
    "adjust_by_head",
    "fit_adjustment",
    "last_season",
    "seasonal_at",
    "seasonal_indices",
    "seasonality_test",
    "series_drift",
    "stl_seasonal",
    "unadjust",
]

#: the ``seasonal_method`` values of :class:`~skrnn.RNNForecaster`
SEASONAL_METHODS = ("stl", "classical")
#: STL's seasonal smoother, in seasons (the default of statsmodels' STL and sktime's STLForecaster)
STL_SEASONAL = 7
#: its degree: local constant, R's ``stl`` default (``s.degree = 0``); statsmodels' default,
#: local linear, extrapolates each phase's recent slope into the last season, which the
#: forecasts continue: noise on a stable season (docs/forecasting.md)
STL_SEASONAL_DEG = 0
#: seasons of data a season is estimated from (M4's test needs them, and so does a
#: decomposition worth its name); shorter series, and calibration heads, keep none
MIN_SEASONS = 3


def seasonality_test(y: np.ndarray, sp: int) -> bool:
    """M4's autocorrelation test for a season at ``sp`` (as sktime's
    ``autocorrelation_seasonality_test``): the autocorrelation at lag ``sp`` beyond its
    90% limit. False when ``sp == 1`` or ``y`` is shorter than three seasons.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(48)
    >>> seasonality_test(np.sin(2 * np.pi * t / 12), 12), seasonality_test(t * 1.0, 12)
    (True, False)
    """
    n = len(y)
    if sp == 1 or n < MIN_SEASONS * sp:
        return False
    x = y - y.mean()
    denom = float(np.dot(x, x))
    if denom == 0:
        return False
    acf = np.array([np.dot(x[: n - k], x[k:]) for k in range(1, sp + 1)]) / denom
    limit = 1.645 / np.sqrt(n) * np.sqrt(1 + 2 * np.sum(acf[: sp - 1] ** 2))
    return bool(abs(acf[sp - 1]) > limit)


def seasonal_indices(y: np.ndarray, sp: int) -> np.ndarray:
    """Additive seasonal indices ``(sp,)`` of ``y`` by classical decomposition, as
    statsmodels' ``seasonal_decompose`` (and so sktime's ``Deseasonalizer``) computes
    them: the mean, per position in the season, of ``y`` less its centred moving average,
    centred to mean 0. Index ``k`` belongs to the times ``k, k + sp, ...`` of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.tile([1.0, -1.0, 2.0, -2.0], 5) + np.arange(20)
    >>> seasonal_indices(y, 4).round(3).tolist()
    [1.0, -1.0, 2.0, -2.0]
    """
    n = len(y)
    filt = np.r_[0.5, np.ones(sp - 1), 0.5] / sp if sp % 2 == 0 else np.ones(sp) / sp
    half = (len(filt) - 1) // 2
    detrended = np.full(n, np.nan)
    detrended[half : n - half] = y[half : n - half] - np.convolve(y, filt, mode="valid")
    means = np.array([np.nanmean(detrended[k::sp]) for k in range(sp)])
    return means - means.mean()


def stl_seasonal(y: np.ndarray, sp: int) -> np.ndarray:
    """The seasonal component ``(n,)`` of ``y`` by STL (statsmodels' ``STL``, seasonal
    smoother of ``STL_SEASONAL`` seasons and degree ``STL_SEASONAL_DEG``, not robust).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(96)
    >>> growing = (1 + t / 48) * np.sin(2 * np.pi * t / 12)  # the season doubles
    >>> path = stl_seasonal(growing, 12)
    >>> bool(path[87] > 1.5 * path[3])  # the peak (month 3) grows: last year against the first
    True
    """
    from statsmodels.tsa.seasonal import STL

    y = np.asarray(y, dtype=np.float64)
    return STL(y, period=sp, seasonal=STL_SEASONAL, seasonal_deg=STL_SEASONAL_DEG).fit().seasonal


def last_season(path: np.ndarray, sp: int) -> np.ndarray:
    """The indices ``(sp,)`` that continue the seasonal ``path``: index ``k`` is its value
    at the last time of phase ``k`` (times ``k, k + sp, ...`` from the path's start).

    Examples
    --------
    >>> import numpy as np
    >>> last_season(np.arange(7.0), 3).tolist()  # phases 0, 1, 2 last at times 6, 4, 5
    [6.0, 4.0, 5.0]
    """
    n = len(path)
    return path[n - 1 - (n - 1 - np.arange(sp)) % sp]


def fit_adjustment(
    values: np.ndarray, sp: int, *, transform, deseasonalize, name: str, method="classical"
) -> tuple[bool, np.ndarray, np.ndarray | None]:
    """The adjustment of one series: whether to take the log, the seasonal indices
    ``(sp,)`` to subtract after it (zeros for none) and, with ``method="stl"``, the
    seasonal path (else ``None``).

    ``transform``: ``"auto"`` (the log of a strictly positive series), ``"log"`` (an error
    naming ``name`` for values <= 0) or ``None``. ``deseasonalize``: ``"auto"`` (when M4's
    test finds a season), ``True`` or ``False``; a season needs ``sp > 1`` and three
    seasons of data (M4's test needs them, and so does a decomposition worth its name).
    ``method``: ``"classical"`` (fixed indices) or ``"stl"`` (the STL component at each
    fitted time; the indices are its last season, which continues it).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(48)
    >>> log, season, path = fit_adjustment(np.exp(np.sin(2 * np.pi * t / 12)), 12,
    ...                                    transform="auto", deseasonalize="auto", name="y")
    >>> log, season.round(2)[1:4].tolist(), path
    (True, [0.5, 0.87, 1.0], None)
    """
    positive = bool((values > 0).all())
    if transform == "log" and not positive:
        raise ValueError(
            f"transform='log' needs a strictly positive y; {name} has values <= 0. "
            "Use transform='auto' (the log only where it applies) or None."
        )
    log = transform == "log" or (transform == "auto" and positive)
    logged = np.log(values) if log else values
    season, path = np.zeros(sp), None
    if sp > 1 and deseasonalize and len(values) >= MIN_SEASONS * sp:
        if deseasonalize is True or seasonality_test(logged, sp):
            if method == "stl":
                path = stl_seasonal(logged, sp)
                season = last_season(path, sp)
            else:
                season = seasonal_indices(logged, sp)
    return log, season, path


def seasonal_at(season: np.ndarray, positions: np.ndarray, path=None) -> np.ndarray:
    """The seasonal component at ``positions``: the indices ``season`` by phase, or the
    ``path`` where it has a value (its last season continues it: ``season``).

    Examples
    --------
    >>> import numpy as np
    >>> seasonal_at(np.array([1.0, -1.0]), np.arange(5)).tolist()
    [1.0, -1.0, 1.0, -1.0, 1.0]
    >>> seasonal_at(np.array([2.0, -2.0]), np.arange(5), path=np.array([1, -1, 2, -2.0])).tolist()
    [1.0, -1.0, 2.0, -2.0, 2.0]
    """
    fixed = season[positions % len(season)]
    if path is None:
        return fixed
    inside = positions < len(path)
    return np.where(inside, path[np.minimum(positions, len(path) - 1)], fixed)


def adjust(values: np.ndarray, log: bool, season: np.ndarray, positions: np.ndarray, path=None):
    """``values`` at ``positions`` (from the start of the fitted series) on the adjusted
    scale: the log where it was taken, less the seasonal component of each position
    (:func:`seasonal_at`)."""
    logged = np.log(values) if log else values
    return logged - seasonal_at(season, positions, path)


def adjust_by_head(values: np.ndarray, log: bool, sp: int, n_head: int) -> np.ndarray:
    """``values`` adjusted by the STL component of their first ``n_head`` (continued by
    its last season over the rest): the series as a model trained on that head sees it,
    so that the season of the later steps is forecast rather than fitted to them (the
    conformal calibration holds those steps out).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(60)
    >>> y = np.sin(2 * np.pi * t / 12) * np.where(t < 48, 1.0, 2.0)  # the season doubles
    >>> late = adjust_by_head(y, False, 12, 48)[48:]  # the head's season, continued
    >>> bool(np.abs(late).max() > 0.9), bool(np.abs(y[48:] - stl_seasonal(y, 12)[48:]).max() < 0.9)
    (True, True)
    """
    head = stl_seasonal((np.log(values) if log else values)[:n_head], sp)
    return adjust(values, log, last_season(head, sp), np.arange(len(values)), head)


def unadjust(values: np.ndarray, log: bool, season: np.ndarray, positions: np.ndarray, path=None):
    """Adjusted ``values`` ``(len(positions), ...)`` back in the series' units: the
    seasonal component of each position added, then ``exp`` where the log was taken. Both
    are monotone, so quantiles stay quantiles."""
    extra = (None,) * (np.ndim(values) - 1)
    out = values + seasonal_at(season, positions, path)[(slice(None), *extra)]
    return np.exp(out) if log else out


def series_drift(z: np.ndarray) -> float:
    """The drift of the adjusted series ``z``: its mean change per step, ``(z[-1] - z[0])
    / (n - 1)``, the slope of the drift method (0 for fewer than two values).

    A global panel fit removes it from each series before the networks and continues it
    in the forecasts. A network fitted to one series learns that series' drift through
    its targets' standardisation (their mean); one network for many series learns the
    panel's average drift only, and each series' own drift comes back this way (ES-RNN
    likewise gives each series its own level and season, statistically).

    Examples
    --------
    >>> import numpy as np
    >>> series_drift(np.array([1.0, 3.0, 2.0, 7.0]))
    2.0
    """
    z = np.asarray(z, dtype=np.float64)
    return float((z[-1] - z[0]) / (len(z) - 1)) if len(z) > 1 else 0.0
