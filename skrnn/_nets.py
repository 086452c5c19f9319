"""Thin skorch net subclasses: the standard nets plus a loss masked on padded time steps."""

from __future__ import annotations

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import to_tensor

__all__ = ["IGNORE_LABEL", "SequenceClassifierNet", "SequenceRegressorNet"]

#: Target of padded time steps in many-to-many classification (CrossEntropyLoss's default
#: ``ignore_index``). Padded steps of regression targets are NaN.
IGNORE_LABEL = -100


class SequenceRegressorNet(NeuralNetRegressor):
    """``NeuralNetRegressor`` whose loss skips NaN targets (padded steps of per-step targets)."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if y_pred.ndim != 3:
            return super().get_loss(y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        valid = ~torch.isnan(y_true)
        return self.criterion_(y_pred[valid], y_true[valid])


class SequenceClassifierNet(NeuralNetClassifier):
    """``NeuralNetClassifier`` that flattens per-step logits ``(batch, time, classes)``.

    Padded steps carry the label :data:`IGNORE_LABEL`, which the cross-entropy ignores.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if y_pred.ndim != 3:
            return super().get_loss(y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred.reshape(-1, y_pred.shape[-1]), y_true.reshape(-1))
