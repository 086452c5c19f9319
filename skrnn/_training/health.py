"""Training health: divergence is an error, a run that learned nothing is a warning.

Without these checks a learning rate that is far too large (or inputs/targets on a
scale of 1e30) turns the loss into NaN or infinity, the weights follow, and the fitted
model predicts NaN (a classifier: ``classes_[0]`` for every sample) without any error.
:class:`TrainingHealth` is a skorch callback that every skrnn net carries.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import warnings
from contextvars import ContextVar
from pathlib import Path

import numpy as np
import sklearn
import skorch
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

__all__ = [
    "NothingLearnedWarning",
    "TrainingDivergedError",
    "TrainingHealth",
    "nothing_learned_is_expected",
    "scale_note",
    "user_stacklevel",
]

#: Set by :func:`nothing_learned_is_expected` for the fits of one thread (or task).
_NOTHING_LEARNED_EXPECTED: ContextVar[bool] = ContextVar(
    "skrnn_nothing_learned_expected", default=False
)


@contextlib.contextmanager
def nothing_learned_is_expected():
    """No :class:`NothingLearnedWarning` from the fits of this thread during the block.

    For an owner that knows a network may rightly learn nothing (a forecaster's network
    whose best forecast is the drift). A context variable, not a warnings filter: the
    filters are one list for the whole process, and ``warnings.catch_warnings`` restores
    it on exit, undoing what other threads changed meanwhile.

    Examples
    --------
    >>> with nothing_learned_is_expected():
    ...     _NOTHING_LEARNED_EXPECTED.get()
    True
    >>> _NOTHING_LEARNED_EXPECTED.get()
    False
    """
    token = _NOTHING_LEARNED_EXPECTED.set(True)
    try:
        yield
    finally:
        _NOTHING_LEARNED_EXPECTED.reset(token)


#: Where the frames of a fit live: skrnn itself and the libraries it trains through.
_LIBRARY_DIRS = tuple(
    str(Path(module.__file__).resolve().parent) + os.sep
    for module in (sys.modules[__name__.split(".")[0]], skorch, sklearn, torch)
)


def user_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` in the calling function that names the first
    frame outside skrnn, skorch, scikit-learn and torch: the user's ``fit`` (a callback's
    warning otherwise names a line of skorch's callback loop)."""
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        _LIBRARY_DIRS
    ):
        frame, level = frame.f_back, level + 1
    return level


class TrainingDivergedError(ValueError, FloatingPointError):
    """Training produced a NaN or infinite loss or weights.

    A ``ValueError`` (what scikit-learn's model selection and the skrnn contract expect
    of a fit that cannot succeed with these settings) and a ``FloatingPointError``.
    """


def _max_abs(data) -> float | None:
    """Largest absolute value of the float arrays in ``data`` (an array or a dict)."""
    if isinstance(data, dict):
        values = [_max_abs(v) for v in data.values()]
        values = [v for v in values if v is not None]
        return max(values) if values else None
    arr = data.numpy() if isinstance(data, torch.Tensor) else data
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f" or arr.size == 0:
        return None
    return float(np.nanmax(np.abs(arr))) if not np.isnan(arr).all() else None


def scale_note(X, y) -> str:
    """A sentence on the scale of the training inputs and targets, for error messages.

    Examples
    --------
    >>> import numpy as np
    >>> scale_note(np.array([1.0, -3.0]), np.array([2e30]))
    'The largest absolute input value is 3 and target value is 2e+30.'
    """
    parts = []
    for name, data in (("input", X), ("target", y)):
        value = _max_abs(data)
        if value is not None:
            parts.append(f"{name} value is {value:.3g}")
    if not parts:
        return ""
    return "The largest absolute " + " and ".join(parts) + "."


class NothingLearnedWarning(ConvergenceWarning):
    """The :class:`~sklearn.exceptions.ConvergenceWarning` of :class:`TrainingHealth`: a
    training call ended with a loss no better than its first epoch's."""


class TrainingHealth(Callback):
    """skorch callback: stop on a non-finite loss or weights, warn when nothing was learned.

    - After every batch, a NaN or infinite training (or validation) loss, or a training
      loss ``max_growth`` times its first batch's, raises a :class:`TrainingDivergedError`
      that names the remedies: a lower ``lr``, gradient clipping (``clip_grad_norm``) and
      inputs/targets scaled to about unit size.
      At the end of training, non-finite weights raise the same error.
    - When a training call of two or more epochs ends with a final epoch loss no better
      than the (mean) loss of its first epoch, a :class:`NothingLearnedWarning` (a
      :class:`~sklearn.exceptions.ConvergenceWarning`) says so. Single-epoch calls (each
      ``partial_fit``) are not judged, nor fits inside :func:`nothing_learned_is_expected`.

    Parameters
    ----------
    lr : float or None, default=None
        The learning rate, quoted in the error (default: the net's ``lr``).
    clip_grad_norm : float or None, default=None
        The gradient clipping in use, quoted in the error.
    max_growth : float, default=1e6
        A training loss above ``max_growth * max(first batch loss, 1)`` is divergence too:
        a learning rate of 1e30 can keep the loss finite (1e30) while the weights explode.

    Examples
    --------
    >>> cb = TrainingHealth(clip_grad_norm=None)
    >>> cb.clip_grad_norm is None
    True
    """

    def __init__(self, lr=None, clip_grad_norm=None, max_growth=1e6):
        self.lr = lr
        self.clip_grad_norm = clip_grad_norm
        self.max_growth = max_growth

    def _diverged(self, net, what: str) -> TrainingDivergedError:
        lr = self.lr if self.lr is not None else getattr(net, "lr", None)
        clip = (
            "set clip_grad_norm (for example clip_grad_norm=1.0)"
            if self.clip_grad_norm is None
            else f"lower clip_grad_norm (now {self.clip_grad_norm})"
        )
        return TrainingDivergedError(
            f"Training diverged: {what}. Lower the learning rate (lr={lr}), {clip}, and "
            "scale the inputs and targets to about unit size (for example with "
            "SequenceStandardScaler and TransformedTargetRegressor)."
        )

    def on_train_begin(self, net, **kwargs):
        self._first_epoch = len(net.history)
        self._limit = None

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        # plain list indexing: skorch's History.__getitem__ parses its argument
        record = list.__getitem__(net.history, -1)
        key = "train_loss" if training else "valid_loss"
        loss = list.__getitem__(record["batches"], -1).get(key)
        if loss is None:
            return
        what = "training" if training else "validation"
        if not math.isfinite(loss):
            raise self._diverged(net, f"the {what} loss became {loss} in epoch {len(net.history)}")
        if training and getattr(self, "_limit", None) is None:
            self._start, self._limit = loss, self.max_growth * max(loss, 1.0)
        elif training and loss > self._limit:
            raise self._diverged(
                net,
                f"the training loss grew from {self._start:.4g} (first batch) to {loss:.4g} "
                f"in epoch {len(net.history)}, more than {self.max_growth:g}-fold",
            )

    def on_train_end(self, net, **kwargs):
        module = getattr(net, "module_", None)
        if module is not None:
            for name, param in module.named_parameters():
                if not bool(torch.isfinite(param).all()):
                    raise self._diverged(net, f"the weights {name} are no longer finite")
        epochs = list(net.history)[getattr(self, "_first_epoch", 0) :]
        if len(epochs) < 2:
            return
        start, end = epochs[0].get("train_loss"), epochs[-1].get("train_loss")
        # a loss of 0 from the start (one class to predict) has nothing left to learn
        if start is None or end is None or end < start or end <= 0:
            return
        if _NOTHING_LEARNED_EXPECTED.get():
            return
        warnings.warn(
            f"Training ended with a loss of {end:.4g}, no better than the {start:.4g} of its "
            f"first epoch, after {len(epochs)} epochs: the model has not learned. Try more "
            "epochs, another lr, or inputs/targets scaled to about unit size.",
            NothingLearnedWarning,
            stacklevel=user_stacklevel(),
        )
