"""Input features that hold category codes (``categorical_features`` of the recurrent
estimators): which features they are, and the codes, checked a block of rows at a time
(a strided view of windows, such as a panel's, is never copied whole)."""

from __future__ import annotations

import numpy as np

from .validation import step_mask_array

__all__ = ["MAX_CODE", "auto_embedding_dim", "categorical_mask", "count_codes"]

#: Codes must stay below this: float32 (the inputs' dtype) holds every integer up to it
#: exactly.
MAX_CODE = 2**24

#: values (rows x steps x categorical features) read at a time when counting codes
_BLOCK = 2**16


def categorical_mask(param, n_features: int) -> np.ndarray | None:
    """The boolean mask ``(n_features,)`` of the features that ``categorical_features``
    (``param``: ``None``, an int, a list of ints or a boolean mask) names, ``None`` when
    it names none.

    Examples
    --------
    >>> categorical_mask([-1], 3).tolist(), categorical_mask(None, 3)
    ([False, False, True], None)
    """
    if param is None:
        return None
    values = np.atleast_1d(np.asarray(param))
    if values.ndim != 1 or (values.dtype.kind not in "biu" and len(values)):
        raise TypeError(
            "categorical_features must be an int (the position of a feature among the "
            "features of a time step), a list of ints, or a boolean mask of the features; "
            f"got {param!r}."
        )
    if values.dtype.kind == "b":
        if len(values) != n_features:
            raise ValueError(
                f"categorical_features is a boolean mask of {len(values)} features, but X has "
                f"{n_features} feature(s) per time step; give one flag per feature."
            )
        mask = values.copy()
    else:
        values = values.astype(np.int64)
        if np.any((values < -n_features) | (values >= n_features)):
            raise ValueError(
                f"categorical_features={param!r} names a feature that X does not have: X has "
                f"{n_features} feature(s) per time step."
            )
        if len(np.unique(values % n_features)) != len(values):
            raise ValueError(f"categorical_features={param!r} names a feature twice.")
        mask = np.zeros(n_features, dtype=bool)
        mask[values % n_features] = True
    return mask if mask.any() else None


def count_codes(X, lengths, positions: np.ndarray) -> list[np.ndarray]:
    """How often each code occurs in each of the features ``positions`` of ``X``
    ``(n, steps, features)`` over the valid steps (``lengths``; ``None``: all), one
    count array per feature (index: the code); a ``ValueError`` naming the feature for
    a value that is not a non-negative integer below :data:`MAX_CODE`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0.5, 2.0], [0.1, 0.0]]])
    >>> [c.tolist() for c in count_codes(X, None, np.array([1]))]
    [[1, 0, 1]]
    """
    n, steps = X.shape[0], X.shape[1]
    counts = [np.zeros(0, dtype=np.int64) for _ in positions]
    rows = max(1, _BLOCK // max(1, steps * len(positions)))
    for start in range(0, n, rows):
        part = slice(start, min(start + rows, n))
        block = np.asarray(X[part][:, :, positions], dtype=np.float64)
        if lengths is not None:
            block = block[step_mask_array(lengths[part], steps)]
        block = block.reshape(-1, len(positions))
        for j, pos in enumerate(positions):
            codes = block[:, j]
            bad = ~np.isfinite(codes) | (codes < 0) | (codes >= MAX_CODE)
            bad |= codes != np.floor(codes)
            if bad.any():
                raise ValueError(
                    f"Feature {pos} of X is categorical (categorical_features), so it must "
                    f"hold category codes, integers from 0 to {MAX_CODE - 1}; it holds "
                    f"{float(codes[bad][0])!r}. Encode the categories as integer codes first (for "
                    "example with sklearn.preprocessing.OrdinalEncoder), or leave the "
                    "feature out of categorical_features."
                )
            found = np.bincount(codes.astype(np.int64), minlength=len(counts[j]))
            found[: len(counts[j])] += counts[j]
            counts[j] = found
    return counts


def auto_embedding_dim(n_categories: int) -> int:
    """``categorical_embedding_dim=None``: ``min(50, (n + 1) // 2)`` for ``n`` categories
    (the rule of thumb of fast.ai's tabular models, 2018).

    Examples
    --------
    >>> auto_embedding_dim(2), auto_embedding_dim(7), auto_embedding_dim(1000)
    (1, 4, 50)
    """
    return int(min(50, (n_categories + 1) // 2))
