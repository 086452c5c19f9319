"""Input checks shared by the series transformers (windows and scaling).

A *series* is a 1D array ``(n_timesteps,)``, a 2D array ``(n_timesteps, n_features)`` or a
pandas Series/DataFrame, one row per time step, oldest first.  The scalers also accept a
batch of sequences ``(n_samples, time_steps, n_features)``.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import FLOAT_DTYPES

from .sequences import check_container
from .validation import check_feature_names, check_numeric

__all__ = ["check_3d_output", "check_series"]


def check_series(
    estimator,
    X,
    *,
    reset: bool,
    max_ndim: int = 2,
    name: str | None = None,
    input_name: str = "X",
) -> np.ndarray:
    """Validate ``X`` for ``estimator``: a finite float array of ndim 1 to ``max_ndim``.

    The features are the last axis (a 1D ``X`` has one). On ``reset`` this records
    ``n_features_in_`` and, for DataFrames, ``feature_names_in_``; otherwise it checks them.
    ``estimator=None`` (a function's input, e.g. ``make_supervised``) records nothing.
    ``name`` is who asks, in error messages (default: the estimator's class), and
    ``input_name`` the argument that holds ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> check_series(BaseEstimator(), np.arange(4), reset=True).dtype
    dtype('float64')
    """
    X = check_container(X, input_name)
    if estimator is not None:
        check_feature_names(estimator, X, reset=reset)
    X = check_numeric(
        X,
        ensure_2d=False,
        allow_nd=True,
        dtype=FLOAT_DTYPES,
        ensure_all_finite=True,
        ensure_min_samples=1,
        input_name=input_name,
    )
    name = name or type(estimator).__name__
    if not 1 <= X.ndim <= max_ndim:
        layouts = "a series: 1D (n_timesteps,) or 2D (n_timesteps, n_features)"
        if max_ndim == 3:
            layouts += ", or sequences: 3D (n_samples, time_steps, n_features)"
        raise ValueError(
            f"{name} expects {input_name} to be {layouts}; got a {X.ndim}D array of shape "
            f"{X.shape}."
        )
    if 0 in X.shape:
        raise ValueError(
            f"{input_name} of shape {X.shape} is empty; {name} needs at least one value."
        )
    n_features = 1 if X.ndim == 1 else X.shape[-1]
    if estimator is None:
        return X
    if reset:
        estimator.n_features_in_ = n_features
    elif n_features != estimator.n_features_in_:
        hint = " Reshape your data: a 1D X is one feature." if X.ndim == 1 else ""
        raise ValueError(
            f"X has {n_features} features, but {name} is expecting "
            f"{estimator.n_features_in_} features as input.{hint}"
        )
    return X


def check_3d_output(estimator, ndim: int, method: str = "transform") -> None:
    """Raise a clear error when a 3D result would be put into a DataFrame by ``set_output``.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> check_3d_output(StandardScaler().set_output(transform="default"), 3)
    """
    if ndim == 3 and _get_output_config(method, estimator)["dense"] != "default":
        raise ValueError(
            f"{type(estimator).__name__} returns a 3D array (n_samples, time_steps, "
            "n_features) for this input, which a DataFrame cannot hold; set_output("
            "transform='pandas') works for 1D/2D results only. Use "
            "set_output(transform='default') here."
        )
