"""Losses of the regression estimators beyond PyTorch's own: the pinball (quantile) loss."""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch

__all__ = ["LOSSES", "PinballLoss", "loss_criterion"]

#: the ``loss`` parameter of :class:`~skrnn.RNNRegressor` and of numeric
#: :class:`~skrnn.Seq2SeqTransformer` targets
LOSSES = ("squared_error", "pinball")


class PinballLoss(torch.nn.Module):
    """Mean pinball (quantile) loss over outputs whose last axis cycles through the levels.

    Output column ``j`` estimates the quantile at ``quantiles[j % len(quantiles)]`` of its
    target; the targets are the true values repeated once per level.

    Parameters
    ----------
    quantiles : sequence of float
        The levels, in the order the output columns cycle through them.
    reduction : {"mean", "sum", "none"}, default="mean"
        As in PyTorch's losses: the mean or sum over every element, or the loss of each
        element (the shape of the targets), which sample weights weigh.

    Examples
    --------
    >>> import torch
    >>> loss = PinballLoss([0.1, 0.9])
    >>> float(loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 1.0]])))  # under-forecast
    0.5
    """

    def __init__(self, quantiles, reduction="mean"):
        super().__init__()
        self.register_buffer("levels", torch.as_tensor(quantiles, dtype=torch.float32))
        self.reduction = reduction

    def forward(self, y_pred, y_true):
        diff = y_true - y_pred
        flat = diff.reshape(-1, len(self.levels))
        losses = torch.maximum(self.levels * flat, (self.levels - 1) * flat).reshape(diff.shape)
        if self.reduction == "none":
            return losses
        if self.reduction == "sum":
            return losses.sum()
        if self.reduction == "mean":
            return losses.mean()
        raise ValueError(f"reduction={self.reduction!r}: use 'mean', 'sum' or 'none'.")


def loss_criterion(loss: str, quantiles) -> dict:
    """skorch ``criterion`` arguments of a ``loss`` (and its ``quantiles``): ``{}`` for
    the squared error (skorch's default, ``MSELoss``), :class:`PinballLoss` at the
    checked levels for ``"pinball"``.

    Examples
    --------
    >>> loss_criterion("pinball", (0.1, 0.9))["criterion__quantiles"]
    [0.1, 0.9]
    """
    if loss == "squared_error":
        return {}
    levels = (0.5,) if quantiles is None else quantiles
    values = np.asarray(levels, dtype=float) if np.ndim(levels) == 1 else None
    if (
        values is None
        or len(values) == 0
        or not all(isinstance(q, Real) for q in levels)
        or not ((values > 0) & (values < 1)).all()
    ):
        raise ValueError(
            f"quantiles must be a sequence of levels strictly between 0 and 1 (output column "
            f"j is fitted at quantiles[j % len(quantiles)]), e.g. (0.1, 0.5, 0.9); got "
            f"{quantiles!r}."
        )
    return dict(criterion=PinballLoss, criterion__quantiles=[float(q) for q in values])
