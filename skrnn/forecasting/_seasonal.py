"""The adjustment of a series before the networks: log and seasonal indices, in NumPy.

:class:`RNNForecaster` follows M4's recipe (as the Theta benchmark does): a strictly
positive series is log-transformed, then, when M4's autocorrelation test finds a season,
the seasonal indices of a classical decomposition are subtracted. sktime has this as
transformers (``LogTransformer``, ``autocorrelation_seasonality_test``,
``Deseasonalizer`` on statsmodels' ``seasonal_decompose``); the same arithmetic in NumPy
costs microseconds instead of ~50 ms per series (sktime's checks and conversions), which
matters for panels of thousands of series, and it serves single series and panels
alike. Tests keep it equal to sktime's transformers (``tests/test_global_forecasting.py``).

The seasonal index of a time is the one of its position from the start of the series the
indices were fitted on (``positions``), as sktime's ``Deseasonalizer`` aligns them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["adjust", "fit_adjustment", "seasonal_indices", "seasonality_test", "unadjust"]


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
    if sp == 1 or n < 3 * sp:
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


def fit_adjustment(
    values: np.ndarray, sp: int, *, transform, deseasonalize, name: str
) -> tuple[bool, np.ndarray]:
    """The adjustment of one series: whether to take the log, and the seasonal indices
    ``(sp,)`` to subtract after it (zeros for none).

    ``transform``: ``"auto"`` (the log of a strictly positive series), ``"log"`` (an error
    naming ``name`` for values <= 0) or ``None``. ``deseasonalize``: ``"auto"`` (when M4's
    test finds a season), ``True`` or ``False``; a season needs ``sp > 1`` and three
    seasons of data (M4's test needs them, and so does a decomposition worth its name).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(48)
    >>> log, season = fit_adjustment(np.exp(np.sin(2 * np.pi * t / 12)), 12,
    ...                              transform="auto", deseasonalize="auto", name="y")
    >>> log, season.round(2)[1:4].tolist()
    (True, [0.5, 0.87, 1.0])
    """
    positive = bool((values > 0).all())
    if transform == "log" and not positive:
        raise ValueError(
            f"transform='log' needs a strictly positive y; {name} has values <= 0. "
            "Use transform='auto' (the log only where it applies) or None."
        )
    log = transform == "log" or (transform == "auto" and positive)
    logged = np.log(values) if log else values
    season = np.zeros(sp)
    if sp > 1 and deseasonalize and len(values) >= 3 * sp:
        if deseasonalize is True or seasonality_test(logged, sp):
            season = seasonal_indices(logged, sp)
    return log, season


def adjust(values: np.ndarray, log: bool, season: np.ndarray, positions: np.ndarray):
    """``values`` at ``positions`` (from the start of the fitted series) on the adjusted
    scale: the log where it was taken, less the seasonal index of each position."""
    logged = np.log(values) if log else values
    return logged - season[positions % len(season)]


def unadjust(values: np.ndarray, log: bool, season: np.ndarray, positions: np.ndarray):
    """Adjusted ``values`` ``(len(positions), ...)`` back in the series' units: the
    seasonal index of each position added, then ``exp`` where the log was taken. Both are
    monotone, so quantiles stay quantiles."""
    extra = (None,) * (np.ndim(values) - 1)
    out = values + season[positions % len(season)][(slice(None), *extra)]
    return np.exp(out) if log else out
