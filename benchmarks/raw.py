"""The reference: a minimal hand-written PyTorch training loop and predict call.

Tensors already in memory, plain index slicing of a ``torch.randperm`` permutation,
``zero_grad`` / forward / loss / ``backward`` / ``step`` and the epoch's loss read with
``.item()`` (what any loop that reports a training loss does). Nothing else.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


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
    generator: torch.Generator | None = None,
) -> list[float]:
    """Train ``module`` with Adam on in-memory tensors; return the per-epoch mean loss.

    ``X`` is a tensor or a dict of tensors (keyword arguments of ``module``); ``y`` a
    tensor. ``loss_view(pred, yb)`` reshapes the pair before the loss when given.
    ``generator`` draws the permutations (default: torch's global RNG).
    """
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    n = len(y)
    losses = []
    module.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator)
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
        return _call(module, X).cpu().numpy()


class RawSeq2Seq(nn.Module):
    """A minimal character encoder-decoder: embedding + LSTM encoder, embedding + LSTM
    decoder started from the encoder's final state, linear head over the output tokens.

    ``forward(X, lengths, y_in)`` is the teacher-forced pass: the decoder reads
    ``y_in`` (start token, then the target shifted by one) in one call. Padded inputs
    are packed, so padding never reaches the encoder.
    """

    def __init__(self, n_inputs: int, n_outputs: int, units: int):
        super().__init__()
        self.enc_embedding = nn.Embedding(n_inputs, units, padding_idx=0)
        self.encoder = nn.LSTM(units, units, batch_first=True)
        self.dec_embedding = nn.Embedding(n_outputs, units, padding_idx=0)
        self.decoder = nn.LSTM(units, units, batch_first=True)
        self.head = nn.Linear(units, n_outputs)

    def encode(self, X, lengths):
        packed = pack_padded_sequence(
            self.enc_embedding(X), lengths, batch_first=True, enforce_sorted=False
        )
        return self.encoder(packed)[1]

    def forward(self, X, lengths, y_in):
        out, _ = self.decoder(self.dec_embedding(y_in), self.encode(X, lengths))
        return self.head(out)

    def greedy(self, X, lengths, start: int, steps: int) -> torch.Tensor:
        state = self.encode(X, lengths)
        tok = torch.full((len(X), 1), start, dtype=torch.long, device=X.device)
        out = []
        for _ in range(steps):
            h, state = self.decoder(self.dec_embedding(tok), state)
            tok = self.head(h).argmax(-1)
            out.append(tok)
        return torch.cat(out, dim=1)


def predict_raw_greedy(module: RawSeq2Seq, X, start: int, steps: int) -> np.ndarray:
    """Greedy decoding of the whole of ``X`` (a dict with ``X`` and ``lengths``) at once
    under ``torch.inference_mode()``."""
    module.eval()
    with torch.inference_mode():
        return module.greedy(X["X"], X["lengths"], start, steps).cpu().numpy()
