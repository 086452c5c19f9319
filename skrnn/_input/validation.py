"""Array helpers of the input checks: scikit-learn's checks with errors that name the
argument, padding, and sktime's panel layout. The input layer of the estimators (what
``X`` holds and how it is read) is :mod:`skrnn._input.sequences`."""

from __future__ import annotations

import re
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, validate_data

__all__ = [
    "WholeNumbers",
    "check_feature_names",
    "check_numeric",
    "names_argument",
    "pad_sequences",
    "sktime_to_sequences",
    "step_mask_array",
]


class WholeNumbers(Interval):
    """scikit-learn's ``Interval(Integral, left, right)`` without the bools: ``True`` is
    an ``Integral`` to Python, so ``time_steps=True`` would pass as ``1`` (and fail later
    with "an integer is required"); here it gets scikit-learn's parameter error.

    Examples
    --------
    >>> ints = WholeNumbers(1, None, closed="left")
    >>> ints.is_satisfied_by(3), ints.is_satisfied_by(np.int64(3)), ints.is_satisfied_by(True)
    (True, True, False)
    """

    def __init__(self, left, right, *, closed):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val) -> bool:
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


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


def step_mask_array(lengths, n_steps: int) -> np.ndarray:
    """Boolean mask ``(n, n_steps)``: True on each sequence's first ``lengths`` steps
    (the NumPy twin of :func:`skrnn._torch.rnn.step_mask`).

    Examples
    --------
    >>> step_mask_array([2, 1], 3).astype(int).tolist()
    [[1, 1, 0], [1, 0, 0]]
    """
    return np.arange(n_steps)[None, :] < np.asarray(lengths)[:, None]


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
    if X is None:
        raise TypeError(
            "sktime_to_sequences needs X, an sktime panel: an array (n_instances, "
            "n_channels, n_timepoints) or a panel DataFrame; got None."
        )
    from sktime.datatypes import convert_to

    try:
        frames = convert_to(X, to_type="df-list")
    except TypeError:  # sktime lists what each of its many layouts found wrong
        raise TypeError(
            "sktime_to_sequences needs X, an sktime panel: an array (n_instances, "
            "n_channels, n_timepoints) or a panel sktime can convert (a nested_univ or "
            f"MultiIndex DataFrame, a list of DataFrames); got {type(X).__name__}."
        ) from None
    seqs = [np.ascontiguousarray(f.to_numpy(dtype=np.float64)) for f in frames]
    if len({s.shape for s in seqs}) == 1:
        return np.stack(seqs)
    return seqs
