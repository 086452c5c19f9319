"""The reference: a minimal hand-written PyTorch training loop and predict call.

Tensors already in memory, plain index slicing of a ``torch.randperm`` permutation,
``zero_grad`` / forward / loss / ``backward`` / ``step`` and the epoch's loss read with
``.item()`` (what any loop that reports a training loss does). Nothing else.
"""

from __future__ import annotations

import numpy as np
import torch


def _rows(data, index):
    if isinstance(data, dict):
        return {k: v[index] for k, v in data.items()}
    return data[index]


def _call(module, xb):
    return module(**xb) if isinstance(xb, dict) else module(xb)


def train_raw(
    module: torch.nn.Module,
    X,
    y: torch.Tensor,
    *,
    loss_fn: torch.nn.Module,
    epochs: int,
    batch_size: int,
    lr: float,
    loss_view=None,
) -> list[float]:
    """Train ``module`` with Adam on in-memory tensors; return the per-epoch mean loss.

    ``X`` is a tensor or a dict of tensors (keyword arguments of ``module``); ``y`` a
    tensor. ``loss_view(pred, yb)`` reshapes the pair before the loss when given.
    """
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    n = len(y)
    losses = []
    module.train()
    for _ in range(epochs):
        perm = torch.randperm(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            xb, yb = _rows(X, idx), y[idx]
            optimizer.zero_grad()
            pred = _call(module, xb)
            if loss_view is not None:
                pred, yb = loss_view(pred, yb)
            loss = loss_fn(pred, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / n)
    return losses


def predict_raw(module: torch.nn.Module, X) -> np.ndarray:
    """Forward the whole of ``X`` at once under ``torch.inference_mode()``."""
    module.eval()
    with torch.inference_mode():
        return _call(module, X).numpy()
