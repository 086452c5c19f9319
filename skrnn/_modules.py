"""PyTorch modules behind the skrnn estimators."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["RNNModule", "make_rnn"]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def make_rnn(
    cell: str,
    input_size: int,
    units: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    activation: str = "tanh",
) -> nn.RNNBase:
    """Build a batch-first ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN``.

    ``dropout`` is applied between stacked layers only (PyTorch semantics), so it is
    dropped for a single layer instead of triggering PyTorch's warning. ``activation``
    is the vanilla RNN's nonlinearity and is ignored by LSTM and GRU.

    Examples
    --------
    >>> make_rnn("gru", input_size=3, units=8)
    GRU(3, 8, batch_first=True)
    """
    kwargs = dict(
        input_size=input_size,
        hidden_size=units,
        num_layers=num_layers,
        batch_first=True,
        bidirectional=bidirectional,
        dropout=dropout if num_layers > 1 else 0.0,
    )
    if cell == "rnn":
        kwargs["nonlinearity"] = activation
    return _CELLS[cell](**kwargs)


class RNNModule(nn.Module):
    """Recurrent layers followed by a linear head, many-to-one.

    Input ``(batch, time_steps, n_features)``; output ``(batch, n_outputs)`` computed
    from the representation of the whole sequence: the last time step of the forward
    direction and, when bidirectional, the first time step of the backward direction
    (the one that has read the whole sequence).

    Examples
    --------
    >>> import torch
    >>> m = RNNModule(n_features=2, n_outputs=3, cell="lstm", units=4, bidirectional=True)
    >>> m(torch.zeros(5, 7, 2)).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        cell: str = "lstm",
        units: int = 32,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        activation: str = "tanh",
    ):
        super().__init__()
        self.units = units
        self.bidirectional = bidirectional
        self.rnn = make_rnn(cell, n_features, units, num_layers, bidirectional, dropout, activation)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(units * (2 if bidirectional else 1), n_outputs)

    def encode(self, X: torch.Tensor) -> torch.Tensor:
        """Fixed-length representation ``(batch, units * directions)`` of each sequence."""
        out, _ = self.rnn(X)
        if not self.bidirectional:
            return out[:, -1]
        return torch.cat([out[:, -1, : self.units], out[:, 0, self.units :]], dim=1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.encode(X)))
