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
from sklearn.utils._param_validation import StrOptions

from .._input.validation import step_mask_array

__all__ = ["INSTANCE_NORMS", "TargetNormMixin", "window_stats"]

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


def _per_step(stat: np.ndarray, ndim: int) -> np.ndarray:
    """Per-sample statistics ``(n, k)`` broadcast against targets of ``ndim`` dimensions."""
    return stat[:, None, :] if ndim == 3 else stat


class TargetNormMixin:
    """``scale_target``, ``instance_norm`` and ``target_feature`` for estimators with
    numeric targets (:class:`RNNRegressor`, :class:`Seq2SeqTransformer`).

    Fit: :meth:`_normalize_X` normalises the windows, :meth:`_encode_target` maps the
    targets to the net's scale (per-window first, then standardised per output column).
    Predict: :meth:`_decode_target` maps the net's outputs back to ``y``'s units.
    """

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
        shift, scale = window_stats(X, lengths, self.instance_norm)
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
        (per-step targets; the padded steps beyond are left out)."""
        y = np.asarray(y, dtype=np.float64)
        if window is not None:
            y = (y - _per_step(window[0], y.ndim)) / _per_step(window[1], y.ndim)
        if reset:
            k = y.shape[-1]
            w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
            w = w.reshape(-1, *[1] * (y.ndim - 1))
            if lengths is not None and y.ndim == 3:
                w = w * step_mask_array(lengths, y.shape[1])[:, :, None]
            w = np.broadcast_to(w, y.shape).reshape(-1, k)
            flat = y.reshape(-1, k)
            if self.scale_target and (w.sum(axis=0) > 0).all():
                mean = (w * flat).sum(axis=0) / w.sum(axis=0)
                var = (w * (flat - mean) ** 2).sum(axis=0) / w.sum(axis=0)
                std = np.sqrt(var)
                self.target_mean_, self.target_scale_ = mean, np.where(std > 0, std, 1.0)
            else:
                self.target_mean_, self.target_scale_ = np.zeros(k), np.ones(k)
        return ((y - self.target_mean_) / self.target_scale_).astype(np.float32)

    def _decode_target(self, out: np.ndarray, window) -> np.ndarray:
        """The net's outputs in ``y``'s units (float64)."""
        # a new float64 array, then added to in place: one copy fewer of the predictions
        # (tens of MB for a long series, docs/benchmarks.md)
        out = np.multiply(out, self.target_scale_, dtype=np.float64)
        out += self.target_mean_
        if window is not None:
            out = out * _per_step(window[1], out.ndim) + _per_step(window[0], out.ndim)
        return out
