"""Reversible normalisation of regression targets: per-window (instance) normalisation of
the inputs and standardisation of the targets, undone on the predictions.

Per-window normalisation follows RevIN (Kim et al., "Reversible instance normalization
for accurate time-series forecasting against distribution shift", ICLR 2022; darts'
``use_reversible_instance_norm``, neuralforecast's ``scaler_type``): each input window
is shifted (and for ``"standard"`` scaled) by its own statistics, so that the net sees
no level, and the prediction is mapped back with the statistics of the input feature
that the target is. Target standardisation is scikit-learn's ``TransformedTargetRegressor``
with a ``StandardScaler`` built in: the loss is computed on targets of unit scale, so
that one learning rate suits targets of any unit.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions

from .._input.validation import step_mask_array
from .._training.data import ArrayRows

__all__ = ["INSTANCE_NORMS", "NormalizedRows", "TargetNormMixin", "window_stats"]

INSTANCE_NORMS = ("last", "mean", "standard")


def window_stats(X: np.ndarray, lengths: np.ndarray | None, mode: str):
    """Shift and scale ``(n, n_features)`` of each window ``(n, time_steps, n_features)``.

    ``"last"``: the window's last (valid) step, scale 1; ``"mean"``: the mean over its
    valid steps, scale 1; ``"standard"``: mean and standard deviation (1 for a constant
    feature).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0], [3.0]], [[5.0], [0.0]]])
    >>> shift, scale = window_stats(X, np.array([2, 1]), "last")
    >>> shift.ravel().tolist(), scale.ravel().tolist()
    ([3.0, 5.0], [1.0, 1.0])
    >>> window_stats(X, None, "standard")[1].ravel().tolist()
    [1.0, 2.5]
    """
    X = np.asarray(X, dtype=np.float64)
    n, steps, _ = X.shape
    if lengths is None:
        lengths = np.full(n, steps)
    valid = step_mask_array(lengths, steps)[:, :, None]
    if mode == "last":
        return X[np.arange(n), lengths - 1], np.ones((n, X.shape[2]))
    mean = np.where(valid, X, 0.0).sum(axis=1) / lengths[:, None]
    if mode == "mean":
        return mean, np.ones_like(mean)
    var = np.where(valid, (X - mean[:, None]) ** 2, 0.0).sum(axis=1) / lengths[:, None]
    std = np.sqrt(var)
    return mean, np.where(std > 0, std, 1.0)


#: values (window steps x features) whose statistics are computed at a time when
#: normalising a strided view: 0.5 MB as float64
CHUNK = 2**16


def _chunks(a: np.ndarray):
    """Slices of ``a``'s rows, about :data:`CHUNK` values each."""
    step = max(1, CHUNK // max(1, int(np.prod(a.shape[1:]))))
    return (slice(i, min(i + step, len(a))) for i in range(0, len(a), step))


def _strided(a) -> bool:
    """A NumPy view that is not contiguous (such as sliding windows over one series):
    normalising it whole would copy every window; it is normalised a batch at a time."""
    return isinstance(a, np.ndarray) and not a.flags.c_contiguous


class NormalizedRows(ArrayRows):
    """Rows of an array normalised only when a batch of them is taken: each row less its
    ``shift`` over its ``scale`` (per row, ``(n, k)``, broadcast over the middle axes;
    with ``cols``, the row statistics are ``(n, f)`` and column ``j`` takes
    ``cols[j]``'s), then less ``mean`` over ``std`` (per column, ``(k,)``), as float32.

    :meth:`TargetNormMixin._normalize_X` and :meth:`TargetNormMixin._encode_target`
    return it for a strided view (the windows of a long series or of a panel, rows over
    one copy of the data): normalising the view whole would copy every window, tens of
    times the data; so the training loop holds one normalised batch at a time. Indexing
    (``rows[i]``) serves skorch's ``DataLoader``.

    Examples
    --------
    >>> import numpy as np
    >>> windows = np.lib.stride_tricks.sliding_window_view(np.arange(5.0), 3)[:, :, None]
    >>> rows = NormalizedRows(windows, shift=windows[:, -1], scale=np.ones((3, 1)))
    >>> rows.take(slice(0, 2))[..., 0].tolist()
    [[-2.0, -1.0, 0.0], [-2.0, -1.0, 0.0]]
    >>> rows.shape, rows[2][:, 0].tolist()
    ((3, 3, 1), [-2.0, -1.0, 0.0])
    """

    def __init__(self, array, shift, scale, mean=0.0, std=1.0, rows=None, cols=None):
        super().__init__(array, rows)
        self.shift, self.scale, self.mean, self.std = shift, scale, mean, std
        self.cols = cols

    @property
    def shape(self) -> tuple:
        return (len(self), *self.array.shape[1:])

    @property
    def ndim(self) -> int:
        return self.array.ndim

    dtype = np.dtype(np.float32)

    def subset(self, indices) -> NormalizedRows:
        indices = np.asarray(indices, dtype=np.intp)
        rows = indices if self.rows is None else self.rows[indices]
        return NormalizedRows(
            self.array, self.shift, self.scale, self.mean, self.std, rows, self.cols
        )

    def _rows(self, rows) -> np.ndarray:
        batch = np.asarray(self.array[rows], dtype=np.float64)
        shift, scale = _window_columns((self.shift[rows], self.scale[rows], self.cols))
        shift, scale = _per_step(shift, batch.ndim), _per_step(scale, batch.ndim)
        return (((batch - shift) / scale - self.mean) / self.std).astype(np.float32)

    def take(self, index) -> torch.Tensor:
        if not isinstance(index, slice):
            index = index.numpy()
        return torch.from_numpy(self._rows(index if self.rows is None else self.rows[index]))

    def __getitem__(self, i) -> np.ndarray:
        return self._rows(i if self.rows is None else self.rows[i])


def _window_columns(window):
    """Per-sample shift and scale of each output column: ``window`` is ``(shift,
    scale)`` of the output columns, or ``(shift, scale, cols)`` of the input features
    (strided windows: ``(n, n_features)``, not ``(n, n_outputs)``) with the feature of
    each output column."""
    if len(window) == 2 or window[2] is None:
        return window[0], window[1]
    shift, scale, cols = window
    return shift[..., cols], scale[..., cols]


def _per_step(stat: np.ndarray, ndim: int) -> np.ndarray:
    """Per-sample statistics ``(n, k)`` (or one sample's ``(k,)``) broadcast against
    targets of ``ndim`` dimensions (windows ``(n, steps, k)``; one window ``(steps, k)``)."""
    if stat.ndim == 1:
        return stat
    return stat[:, None, :] if ndim == 3 else stat


class TargetNormMixin:
    """``scale_target``, ``instance_norm`` and ``target_feature`` for estimators with
    numeric targets (:class:`RNNRegressor`, :class:`Seq2SeqTransformer`).

    Fit: :meth:`_normalize_X` normalises the windows, :meth:`_encode_target` maps the
    targets to the net's scale (per-window first, then standardised per output column).
    Predict: :meth:`_decode_target` maps the net's outputs back to ``y``'s units.
    """

    #: whether a strided view of windows is normalised a batch at a time
    #: (:class:`NormalizedRows`); the training loop of the estimator must take batches
    #: through skrnn's iterator or skorch's ``DataLoader``
    _lazy_windows = False

    _norm_constraints: dict = {
        "scale_target": ["boolean"],
        "instance_norm": [StrOptions(set(INSTANCE_NORMS)), None],
        "target_feature": [Integral, "array-like"],
    }

    def _set_target_columns(self, n_features: int, n_outputs: int, identity: bool = False):
        """Record which input feature each output column is (``target_feature``)."""
        if identity:  # an autoencoder: output feature j is input feature j
            self._target_columns = np.arange(n_outputs)
            return
        cols = np.atleast_1d(np.asarray(self.target_feature))
        if cols.ndim != 1 or cols.dtype.kind not in "iu":
            raise TypeError(
                "target_feature must be an int (the position of the target among the input "
                "features of a time step) or a list of ints, one per output; got "
                f"{self.target_feature!r}."
            )
        if len(cols) == 1:
            cols = np.repeat(cols, n_outputs)
        if len(cols) != n_outputs:
            raise ValueError(
                f"target_feature gives {len(cols)} input features, but y has {n_outputs} "
                "outputs; give one int, or one per output."
            )
        if np.any((cols < -n_features) | (cols >= n_features)):
            raise ValueError(
                f"target_feature={self.target_feature!r} names an input feature that X does "
                f"not have: X has {n_features} feature(s) per time step."
            )
        self._target_columns = cols % n_features
        codes = getattr(self, "is_categorical_", None)
        if self.instance_norm is not None and codes is not None and codes[cols].any():
            raise ValueError(
                f"target_feature={self.target_feature!r} names a categorical feature "
                "(categorical_features), whose codes instance_norm leaves as they are; the "
                "target must be a numeric feature. Give target_feature the position of the "
                "input feature that the target continues."
            )

    def _check_instance_norm(self, numeric: bool) -> None:
        if self.instance_norm is not None and not numeric:
            raise ValueError(
                f"instance_norm={self.instance_norm!r} normalises numeric windows; it cannot "
                "be used with token input. Set instance_norm=None."
            )

    def _normalize_X(self, X: np.ndarray, lengths=None):
        """``X`` normalised per window (float32) and the per-sample shift and scale of
        each output column ``(n, n_outputs)``, or ``X`` and ``None`` without ``instance_norm``."""
        if self.instance_norm is None:
            return X, None
        codes = getattr(self, "is_categorical_", None)  # category codes: never shifted
        if self._lazy_windows and lengths is None and _strided(X):  # windows per batch
            stats = [window_stats(X[part], None, self.instance_norm) for part in _chunks(X)]
            shift = np.concatenate([s[0] for s in stats])
            scale = np.concatenate([s[1] for s in stats])
            if codes is not None:
                shift[:, codes], scale[:, codes] = 0.0, 1.0
            return NormalizedRows(X, shift, scale), (shift, scale, self._target_columns)
        shift, scale = window_stats(X, lengths, self.instance_norm)
        if codes is not None:
            shift[:, codes], scale[:, codes] = 0.0, 1.0
        Xn = (X - shift[:, None]) / scale[:, None]
        if lengths is not None:  # keep padding at zero
            Xn[~step_mask_array(lengths, X.shape[1])] = 0.0
        cols = self._target_columns
        return Xn.astype(np.float32), (shift[:, cols], scale[:, cols])

    def _encode_target(
        self, y: np.ndarray, window, *, reset: bool, sample_weight=None, lengths=None
    ):
        """Targets ``(n, k)`` or per step ``(n, steps, k)`` on the net's scale; on
        ``reset`` the standardisation is fitted (``target_mean_``, ``target_scale_``),
        weighted by ``sample_weight`` as the loss is, over the steps within ``lengths``
        (per-step targets; the padded steps beyond are left out). A strided view of
        targets (windows of a series) gives :class:`NormalizedRows`."""
        if self._lazy_windows and lengths is None and _strided(y):
            return self._encode_strided_target(y, window, reset=reset, sample_weight=sample_weight)
        y = np.asarray(y, dtype=np.float64)
        if window is not None:
            shift, scale = _window_columns(window)
            y = (y - _per_step(shift, y.ndim)) / _per_step(scale, y.ndim)
        if reset:
            k = y.shape[-1]
            w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
            w = w.reshape(-1, *[1] * (y.ndim - 1))
            if lengths is not None and y.ndim == 3:
                w = w * step_mask_array(lengths, y.shape[1])[:, :, None]
            w = np.broadcast_to(w, y.shape).reshape(-1, k)
            part = [(w, y.reshape(-1, k))]
            self.target_mean_, self.target_scale_ = self._standardisation(lambda: part, k)
        return ((y - self.target_mean_) / self.target_scale_).astype(np.float32)

    def _standardisation(self, parts, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Weighted mean and scale of the ``k`` target columns (zeros and ones without
        ``scale_target`` or a column of zero weight). ``parts()`` yields ``(weights,
        targets)`` pairs, both ``(m, k)``: the whole targets at once, or the chunks of a
        strided view, read once per sum."""
        total = sum(w.sum(axis=0) for w, _ in parts())
        if not (self.scale_target and (total > 0).all()):
            return np.zeros(k), np.ones(k)
        mean = sum((w * t).sum(axis=0) for w, t in parts()) / total
        std = np.sqrt(sum((w * (t - mean) ** 2).sum(axis=0) for w, t in parts()) / total)
        return mean, np.where(std > 0, std, 1.0)

    def _encode_strided_target(self, y: np.ndarray, window, *, reset: bool, sample_weight):
        """:meth:`_encode_target` of a strided view ``y``: the standardisation's weighted
        sums by chunks, the targets normalised a batch at a time."""
        k = y.shape[-1]
        if window is None:
            window = np.zeros((len(y), 1)), np.ones((len(y), 1)), np.zeros(k, dtype=np.intp)
        elif len(window) == 2:
            window = (*window, None)
        if reset:

            def parts():  # (weights, targets on the per-window scale), both (m, k)
                for part in _chunks(y):
                    t = np.asarray(y[part], dtype=np.float64)
                    shift, scale = _window_columns((window[0][part], window[1][part], window[2]))
                    t = (t - _per_step(shift, t.ndim)) / _per_step(scale, t.ndim)
                    w = np.ones(len(t)) if sample_weight is None else sample_weight[part]
                    w = np.asarray(w, dtype=np.float64).reshape(-1, *[1] * (t.ndim - 1))
                    yield np.broadcast_to(w, t.shape).reshape(-1, k), t.reshape(-1, k)

            self.target_mean_, self.target_scale_ = self._standardisation(parts, k)
        shift, scale, cols = window
        return NormalizedRows(y, shift, scale, self.target_mean_, self.target_scale_, cols=cols)

    def _decode_target(self, out: np.ndarray, window) -> np.ndarray:
        """The net's outputs in ``y``'s units (float64)."""
        # a new float64 array, then added to in place: one copy fewer of the predictions
        # (tens of MB for a long series, docs/benchmarks.md)
        out = np.multiply(out, self.target_scale_, dtype=np.float64)
        out += self.target_mean_
        if window is not None:
            shift, scale = _window_columns(window)
            out = out * _per_step(scale, out.ndim) + _per_step(shift, out.ndim)
        return out
