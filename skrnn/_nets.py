"""Thin skorch net subclasses: the standard nets plus a loss masked on padded time steps."""

from __future__ import annotations

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import to_tensor

__all__ = ["IGNORE_LABEL", "FastModeMixin", "SequenceClassifierNet", "SequenceRegressorNet"]

#: Target of padded time steps in many-to-many classification (CrossEntropyLoss's default
#: ``ignore_index``). Padded steps of regression targets are NaN.
IGNORE_LABEL = -100


class FastModeMixin:
    """Set train/eval mode only on the modules whose mode changes.

    skorch calls ``_set_training`` before every batch, and ``Module.train`` walks every
    submodule through ``Module.__setattr__``: about 5% of a batch-1 training step
    (profiled in docs/benchmarks.md). ``Module.train`` sets the flag of the module and
    of all its children, so a module whose own flag already matches needs no walk.
    """

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)


class SequenceRegressorNet(FastModeMixin, NeuralNetRegressor):
    """``NeuralNetRegressor`` whose loss skips NaN targets (padded steps of per-step targets)."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if y_pred.ndim != 3:
            return super().get_loss(y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        valid = ~torch.isnan(y_true)
        return self.criterion_(y_pred[valid], y_true[valid])


class SequenceClassifierNet(FastModeMixin, NeuralNetClassifier):
    """``NeuralNetClassifier`` that flattens per-step logits ``(batch, time, classes)``.

    Padded steps carry the label :data:`IGNORE_LABEL`, which the cross-entropy ignores.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if y_pred.ndim != 3:
            return super().get_loss(y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred.reshape(-1, y_pred.shape[-1]), y_true.reshape(-1))
