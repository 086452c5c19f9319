"""Input validation for sequence estimators.

Layout convention used everywhere in skrnn: a batch of sequences is a 3D array
``(n_samples, time_steps, n_features)``.  A 2D array ``(n_samples, time_steps)`` is
read as univariate sequences (one column per time step), which is what a plain
tabular ``X`` or a window of lagged values looks like.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_array, validate_data

__all__ = [
    "check_container",
    "check_feature_names",
    "check_numeric",
    "names_argument",
    "check_padded_sequences",
    "is_ragged",
    "is_sequence_list",
    "pad_sequences",
    "rows_as_steps",
    "sktime_to_sequences",
    "validate_padded_sequences",
    "validate_sequences",
]


def check_feature_names(estimator, X, *, reset: bool) -> None:
    """Record (``reset``) or check the feature names of ``X`` through scikit-learn's
    public ``validate_data``; its array checks are skipped, as skrnn checks 3D and
    variable-length input itself."""
    validate_data(estimator, X, reset=reset, skip_check_array=True, ensure_2d=False)


def pad_sequences(seqs, *, fill_value, dtype, length: int | None = None) -> np.ndarray:
    """Stack sequences ``(t_i, ...)`` into one array ``(n, length, ...)``.

    Each sequence fills the first ``t_i`` steps of its row; the steps after it hold
    ``fill_value``. ``length`` defaults to the longest sequence.

    Examples
    --------
    >>> pad_sequences([[1, 2, 3], [4]], fill_value=0, dtype=int).tolist()
    [[1, 2, 3], [4, 0, 0]]
    """
    if length is None:
        length = max(len(s) for s in seqs)
    out = np.full((len(seqs), length, *np.shape(seqs[0])[1:]), fill_value, dtype=dtype)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out


def _check_array_2d_3d(X, input_name: str) -> np.ndarray:
    """``X`` as a finite float32 array of ndim 2 or 3, or a ``ValueError`` naming the problem."""
    X = check_numeric(
        X,
        accept_sparse=False,
        ensure_2d=False,
        allow_nd=True,
        dtype=np.float32,
        ensure_all_finite=True,
        input_name=input_name,
        ensure_min_samples=1,
    )
    if X.ndim not in (2, 3):
        hint = (
            " Reshape your data: cut a single series into windows first (for example with "
            "skrnn.make_supervised), or use array.reshape(1, -1) for one sample."
            if X.ndim == 1
            else ""
        )
        raise ValueError(
            f"Expected {input_name} as a 2D array (n_samples, time_steps) or a 3D array "
            f"(n_samples, time_steps, n_features), got a {X.ndim}D array of shape "
            f"{X.shape}.{hint}"
        )
    if X.shape[1] == 0:
        raise ValueError(f"{input_name} has sequences of 0 time steps; at least 1 is required.")
    if X.ndim == 3 and X.shape[2] == 0:
        raise ValueError(f"{input_name} has 0 features per time step; at least 1 is required.")
    if not X.flags.writeable or not X.flags.c_contiguous:
        X = np.ascontiguousarray(X).copy()
    return X


def check_numeric(X, *, input_name: str = "X", **kwargs) -> np.ndarray:
    """scikit-learn's ``check_array``, whose errors always name ``input_name``: NumPy's
    conversion errors ("could not convert string to float: ''") and some of
    scikit-learn's ("Found array with 0 sample(s)") name no argument.

    Examples
    --------
    >>> check_numeric([["a"]], dtype=np.float32, input_name="y")
    Traceback (most recent call last):
    ...
    ValueError: Invalid y: could not convert string to float: 'a'
    """
    try:
        return check_array(X, input_name=input_name, **kwargs)
    except (ValueError, TypeError) as exc:
        if names_argument(str(exc), input_name):
            raise
        raise type(exc)(f"Invalid {input_name}: {exc}") from None


def names_argument(message: str, name: str) -> bool:
    """Whether ``message`` names the argument ``name`` as a word ("y" is not in "dtype").

    Examples
    --------
    >>> names_argument("Input y contains NaN.", "y"), names_argument("bad dtype", "y")
    (True, False)
    """
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message) is not None


def check_container(X, input_name: str = "X"):
    """``X`` ready for validation: a clear error for ``None`` and sparse matrices (which
    NumPy would turn into "contains NaN" or "sparse array length is ambiguous"), a
    torch tensor as the NumPy array it holds, and any other array-like (``__array__``,
    neither NumPy nor pandas nor a Python sequence) as a NumPy array, so that its kind
    of sequences can be told.

    Examples
    --------
    >>> import torch
    >>> check_container(torch.ones(2, 3)).shape
    (2, 3)
    >>> check_container(None)
    Traceback (most recent call last):
    ...
    ValueError: X is None; expected sequences (an array, a DataFrame or a list).
    """
    if X is None:
        raise ValueError(
            f"{input_name} is None; expected sequences (an array, a DataFrame or a list)."
        )
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{input_name} is a single string; expected a collection of sequences, for "
            f"example a list of strings [{X!r}]."
        )
    if np.isscalar(X) or (isinstance(X, np.ndarray) and X.ndim == 0):
        raise ValueError(
            f"{input_name} is a single value ({X!r}); expected a collection of sequences."
        )
    if sp.issparse(X):
        raise TypeError(
            f"{input_name} is a sparse {type(X).__name__}; recurrent networks need dense "
            f"sequences: pass {input_name}.toarray()."
        )
    if isinstance(X, torch.Tensor):
        return X.detach().cpu().numpy()
    if hasattr(X, "__array__") and not isinstance(X, (np.ndarray, list, tuple)):
        if not hasattr(X, "dtype") and not hasattr(X, "to_numpy"):
            return np.asarray(X)
    return X


def is_sequence_list(X) -> bool:
    """True when ``X`` gives its sequences one by one: a list or tuple of NumPy arrays,
    or of sequences that do not all have one length. Such ``X`` is variable-length input,
    even when its sequences happen to share a length.

    Examples
    --------
    >>> import numpy as np
    >>> is_sequence_list([np.ones((3, 2)), np.ones((3, 2))])
    True
    >>> is_sequence_list([[1.0, 2.0], [3.0, 4.0]])  # a table: one sequence per row
    False
    """
    if is_ragged(X):
        return True
    return (
        isinstance(X, (list, tuple))
        and len(X) > 0
        and all(isinstance(s, np.ndarray) and s.ndim in (1, 2) for s in X)
    )


def is_ragged(X) -> bool:
    """True when ``X`` is a list, tuple or 1D object array of sequences that do not all
    have one shape (at any depth): what NumPy cannot stack into one array.

    Examples
    --------
    >>> is_ragged([[1.0, 2.0], [3.0]])
    True
    >>> is_ragged([[[1.0], [2.0]], [[1.0, 2.0], [3.0, 4.0]]])  # steps of 1 and 2 features
    True
    >>> is_ragged([[1.0, 2.0], [3.0, 4.0]])
    False
    """
    if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1:
        X = list(X)
    if not isinstance(X, (list, tuple)) or not X:
        return False
    if not all(hasattr(s, "__len__") and not isinstance(s, (str, bytes)) for s in X):
        return False
    if len({len(s) for s in X}) > 1 or any(is_ragged(s) for s in X):
        return True
    return len({np.shape(s) for s in X}) > 1


def check_padded_sequences(X, lengths=None, *, input_name: str = "X"):
    """Variable-length sequences as a zero-padded float32 array and their lengths.

    ``X`` is either a list of arrays ``(t_i, n_features)`` or ``(t_i,)``, or a padded
    array ``(n, max_t[, n_features])`` together with ``lengths``; values beyond each
    length are ignored (they may be NaN).

    Returns
    -------
    padded : ndarray of shape (n, max_t, n_features), float32
    lengths : ndarray of shape (n,), int64

    Examples
    --------
    >>> import numpy as np
    >>> padded, lengths = check_padded_sequences([np.ones(3), np.ones(1)])
    >>> padded.shape, lengths.tolist()
    ((2, 3, 1), [3, 1])
    >>> padded[1, :, 0].tolist()
    [1.0, 0.0, 0.0]
    """
    if lengths is None:
        if not isinstance(X, (list, tuple)) or len(X) == 0:
            raise ValueError(
                f"{input_name} must be a non-empty list of sequences when no lengths are given."
            )
        seqs = []
        for i, s in enumerate(X):
            s = check_numeric(
                s,
                ensure_2d=False,
                allow_nd=True,
                dtype=np.float32,
                ensure_min_samples=0,
                input_name=f"{input_name}[{i}]",
            )
            if s.ndim not in (1, 2):
                raise ValueError(
                    f"{input_name}[{i}] has {s.ndim} dimensions; each sequence must be 1D "
                    "(time_steps,) or 2D (time_steps, n_features)."
                )
            if len(s) == 0:
                raise ValueError(
                    f"{input_name}[{i}] is an empty sequence; every sequence needs at least "
                    "one time step."
                )
            seqs.append(s.reshape(len(s), -1))
        n_features = {s.shape[1] for s in seqs}
        if len(n_features) > 1:
            first = seqs[0].shape[1]
            bad = next(i for i, s in enumerate(seqs) if s.shape[1] != first)
            raise ValueError(
                f"Sequences of {input_name} have different numbers of features: "
                f"{input_name}[0] has {first} and {input_name}[{bad}] has "
                f"{seqs[bad].shape[1]}; all time steps need the same features."
            )
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        return pad_sequences(seqs, fill_value=0.0, dtype=np.float32), lengths

    X = check_numeric(
        X,
        ensure_2d=False,
        allow_nd=True,
        dtype=np.float32,
        ensure_all_finite=False,
        input_name=input_name,
    )
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(
            f"A padded {input_name} given with lengths must be 2D (n, max_t) or 3D "
            f"(n, max_t, n_features), got {X.ndim}D."
        )
    lengths = np.asarray(lengths)
    if lengths.shape != (len(X),) or lengths.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must be a 1D integer array with one entry per sequence ({len(X)}), got "
            f"shape {lengths.shape} and dtype {lengths.dtype}."
        )
    if lengths.min() < 1 or lengths.max() > X.shape[1]:
        raise ValueError(
            f"lengths must lie in [1, {X.shape[1]}] (at least one step, at most the padded "
            f"length), got values from {lengths.min()} to {lengths.max()}."
        )
    valid = np.arange(X.shape[1])[None, :] < lengths[:, None]
    X = np.where(valid[:, :, None], X, np.float32(0.0))
    if not np.isfinite(X).all():
        raise ValueError(f"Input {input_name} contains NaN or infinity within the given lengths.")
    return np.ascontiguousarray(X, dtype=np.float32), lengths.astype(np.int64)


def validate_sequences(estimator, X, *, reset: bool) -> np.ndarray:
    """Validate ``X`` for ``estimator`` and record or check its shape.

    On ``reset`` (in ``fit``) this sets ``n_features_in_``, ``feature_names_in_`` (for
    DataFrames) and ``input_shape_ = (time_steps, n_features)``. Otherwise it checks that
    ``X`` matches what was seen in ``fit``. After a fit on variable-length sequences
    (``input_shape_[0] is None``) any number of time steps is accepted.

    ``n_features_in_`` follows scikit-learn for 2D input (the number of columns, that is
    time steps of a univariate sequence) and is the number of features per time step
    for 3D input.
    """
    check_feature_names(estimator, X, reset=reset)
    X = _check_array_2d_3d(X, "X")
    ndim_in = X.ndim
    name = type(estimator).__name__
    time_steps = getattr(estimator, "time_steps", None)
    if ndim_in == 2:
        if not reset and time_steps is not None and X.shape[1] != estimator.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {name} is expecting "
                f"{estimator.n_features_in_} features as input."
            )
        X = rows_as_steps(X, time_steps)
    elif time_steps is not None and time_steps != X.shape[1]:
        raise ValueError(
            f"time_steps={time_steps} reads a 2D X as sequences, but X is 3D with "
            f"{X.shape[1]} time steps; leave time_steps=None for 3D input."
        )
    n_steps, n_feat = X.shape[1:]
    if reset:
        estimator.n_features_in_ = n_steps * n_feat if ndim_in == 2 else n_feat
        estimator.input_shape_ = (n_steps, n_feat)
        return X
    fit_steps, fit_feat = estimator.input_shape_
    if fit_steps is not None and n_steps != fit_steps:
        if ndim_in == 2:
            raise ValueError(
                f"X has {n_steps} features, but {name} is expecting {fit_steps} features "
                "as input (a 2D X holds univariate sequences, one column per time step)."
            )
        raise ValueError(
            f"X has sequences of {n_steps} time steps, but {name} was fitted on sequences "
            f"of {fit_steps} time steps."
        )
    _check_step_features(estimator, n_feat)
    return X


def rows_as_steps(X: np.ndarray, time_steps: int | None) -> np.ndarray:
    """A 2D ``X`` as sequences ``(n, time_steps, n_columns / time_steps)``: ``None``
    makes every column one step of one feature.

    Examples
    --------
    >>> import numpy as np
    >>> rows_as_steps(np.arange(6).reshape(1, 6), 3).tolist()
    [[[0, 1], [2, 3], [4, 5]]]
    >>> rows_as_steps(np.arange(6).reshape(1, 6), None).shape
    (1, 6, 1)
    """
    n, p = X.shape
    if time_steps is None:
        return X[:, :, None]
    if p % time_steps:
        raise ValueError(
            f"time_steps={time_steps} does not divide the {p} columns of X: each row is "
            f"read as time_steps steps of n_columns / time_steps features. Choose a "
            "divisor of the number of columns (time_steps=1: one step of all columns)."
        )
    return X.reshape(n, time_steps, p // time_steps)


def _check_step_features(estimator, n_features: int) -> None:
    fit_features = estimator.input_shape_[1]
    if n_features != fit_features:
        raise ValueError(
            f"X has {n_features} features per time step, but {type(estimator).__name__} was "
            f"fitted with {fit_features} features per time step."
        )


def validate_padded_sequences(
    estimator, X, lengths, *, reset: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Validate variable-length ``X`` (a list of sequences, or padded with ``lengths``)
    for ``estimator``; record or check its shape as :func:`validate_sequences` does.

    On ``reset`` this sets ``n_features_in_`` (features per time step) and
    ``input_shape_ = (None, n_features)``: any number of time steps. Returns the padded
    float32 array and the lengths (see :func:`check_padded_sequences`).
    """
    check_feature_names(estimator, X, reset=reset)
    X, lengths = check_padded_sequences(X, lengths)
    n_features = X.shape[2]
    if reset:
        estimator.n_features_in_ = n_features
        estimator.input_shape_ = (None, n_features)
        return X, lengths
    fit_steps = estimator.input_shape_[0]
    if fit_steps is not None and (lengths != fit_steps).any():
        raise ValueError(
            f"{type(estimator).__name__} was fitted on an array of sequences of {fit_steps} "
            f"time steps, and X has sequences of {sorted(set(lengths.tolist()))[:5]} steps. "
            "To predict on sequences of other lengths, fit on variable-length sequences (a "
            "list of arrays, or a padded array with lengths)."
        )
    _check_step_features(estimator, n_features)
    return X, lengths


def sktime_to_sequences(X) -> np.ndarray | list[np.ndarray]:
    """Convert an sktime panel to skrnn's layout: time steps first, then features.

    sktime's ``numpy3D`` layout is ``(n_instances, n_channels, n_timepoints)``; skrnn's
    is ``(n_samples, time_steps, n_features)``, so a 3D array is transposed. Other
    sktime panels (for example the ``nested_univ`` DataFrames of unequal-length datasets
    such as JapaneseVowels) are converted with ``sktime.datatypes.convert_to``: the
    result is a 3D array when all instances share one length, else a list of
    ``(t_i, n_channels)`` arrays, which the estimators accept as variable-length input.

    Parameters
    ----------
    X : ndarray of shape (n_instances, n_channels, n_timepoints) or sktime panel
        An array in sktime's ``numpy3D`` layout, or any panel sktime can convert.

    Returns
    -------
    sequences : ndarray of shape (n_instances, n_timepoints, n_channels) or list of ndarray
        A list of ``(t_i, n_channels)`` arrays when the instances differ in length.

    Examples
    --------
    >>> import numpy as np
    >>> sktime_to_sequences(np.zeros((5, 2, 24))).shape
    (5, 24, 2)
    """
    if isinstance(X, np.ndarray):
        if X.ndim != 3:
            raise ValueError(
                "Expected sktime's numpy3D layout (n_instances, n_channels, n_timepoints), "
                f"got an array of ndim {X.ndim}."
            )
        return np.ascontiguousarray(np.transpose(X, (0, 2, 1)))
    from sktime.datatypes import convert_to

    frames = convert_to(X, to_type="df-list")
    seqs = [np.ascontiguousarray(f.to_numpy(dtype=np.float64)) for f in frames]
    if len({s.shape for s in seqs}) == 1:
        return np.stack(seqs)
    return seqs
