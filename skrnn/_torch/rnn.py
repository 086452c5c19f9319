"""PyTorch modules behind the skrnn estimators."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .random import current_generator

__all__ = [
    "ConvBranch",
    "Dropout",
    "ModeSwitchMixin",
    "RNNModule",
    "downsample_steps",
    "first_step",
    "StackedRNN",
    "make_rnn",
    "pool_sequence",
    "run_packed",
    "step_mask",
    "zscore_steps",
]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def _in_mode(module: nn.Module, mode: bool) -> bool:
    """Whether ``module`` and all its submodules are in training mode ``mode``."""
    if module.training is not mode:
        return False
    for child in module.children():  # a loop: cheaper than all() over a generator
        if not _in_mode(child, mode):
            return False
    return True


class ModeSwitchMixin:
    """``nn.Module`` mixin: ``train(mode)`` returns at once when the module and every
    submodule are already in ``mode``.

    skorch switches its modules' mode before every batch (``train_step`` and
    ``evaluation_step`` call ``module_.train(training)``), and ``Module.train`` sets the
    flag of every submodule through ``Module.__setattr__``: several percent of a small
    batch-1 training step (docs/benchmarks.md, "Per-batch mode switching"). Reading the
    flags costs a third of setting them. The result is always ``Module.train``'s, also
    after a submodule's mode was set on its own (``BatchNormStatistics`` does that).

    Examples
    --------
    >>> m = RNNModule(n_features=1, n_outputs=1)
    >>> m.train() is m, m.head.eval().training, m.train().head.training
    (True, False, True)
    """

    def train(self, mode: bool = True):
        if isinstance(mode, bool) and _in_mode(self, mode):
            return self
        return super().train(mode)


class Dropout(nn.Dropout):
    """``nn.Dropout`` whose masks come from the fit's generator.

    During a skrnn fit (see :func:`skrnn._torch.random.use_generator`) the masks are drawn from
    that fit's ``torch.Generator``, so fits in parallel threads stay reproducible;
    elsewhere it is ``nn.Dropout`` (torch's global RNG).

    Examples
    --------
    >>> import torch
    >>> from skrnn._torch.random import make_generator, use_generator
    >>> drop = Dropout(0.5)
    >>> with use_generator(make_generator(0)):
    ...     a = drop(torch.ones(2, 4))
    >>> with use_generator(make_generator(0)):
    ...     b = drop(torch.ones(2, 4))
    >>> torch.equal(a, b), sorted(set(a.flatten().tolist()))
    (True, [0.0, 2.0])
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x  # what F.dropout computes here, without a call per batch
        generator = current_generator()
        if generator is None:
            return super().forward(x)
        keep = 1.0 - self.p
        if keep == 0.0:
            return x * 0.0
        mask = torch.empty(x.shape, dtype=x.dtype).bernoulli_(keep, generator=generator)
        return x * mask.to(x.device).div_(keep)


class StackedRNN(nn.Module):
    """Single-layer RNNs stacked with :class:`Dropout` between them.

    What ``nn.LSTM(..., num_layers, dropout)`` computes, but the fused layers draw their
    inter-layer dropout from torch's global RNG; here it comes from the fit's generator.
    Same call and results layout as the fused module: ``forward(x, hx=None)`` on a
    batch-first tensor or a ``PackedSequence`` returns the top layer's outputs and the
    final states ``(num_layers * directions, batch, units)`` (a pair for LSTM).

    Examples
    --------
    >>> import torch
    >>> rnn = StackedRNN("lstm", 3, 4, num_layers=2, bidirectional=True, dropout=0.2)
    >>> out, (h, c) = rnn(torch.zeros(5, 7, 3))
    >>> out.shape, h.shape
    (torch.Size([5, 7, 8]), torch.Size([4, 5, 4]))
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        units: int,
        num_layers: int,
        bidirectional: bool = False,
        dropout: float = 0.0,
        activation: str = "tanh",
    ):
        super().__init__()
        self.directions = 2 if bidirectional else 1
        self.is_lstm = cell == "lstm"
        self.layers = nn.ModuleList(
            make_rnn(
                cell,
                input_size if i == 0 else units * self.directions,
                units,
                bidirectional=bidirectional,
                activation=activation,
            )
            for i in range(num_layers)
        )
        self.dropout = Dropout(dropout)

    def _drop(self, x):
        if isinstance(x, PackedSequence):
            return PackedSequence(
                self.dropout(x.data), x.batch_sizes, x.sorted_indices, x.unsorted_indices
            )
        return self.dropout(x)

    def forward(self, x, hx=None):
        finals = []
        for i, layer in enumerate(self.layers):
            if i > 0:
                x = self._drop(x)
            rows = slice(i * self.directions, (i + 1) * self.directions)
            h0 = None
            if hx is not None:
                h0 = (hx[0][rows], hx[1][rows]) if self.is_lstm else hx[rows]
            x, h = layer(x, h0)
            finals.append(h)
        if self.is_lstm:
            return x, (torch.cat([h for h, _ in finals]), torch.cat([c for _, c in finals]))
        return x, torch.cat(finals)


def make_rnn(
    cell: str,
    input_size: int,
    units: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    activation: str = "tanh",
) -> nn.Module:
    """Build a batch-first ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN``.

    ``dropout`` is applied between stacked layers only (PyTorch semantics): with more
    than one layer and ``dropout > 0`` the layers are a :class:`StackedRNN`, whose masks
    come from the fit's generator; otherwise the fused PyTorch module (no dropout, so no
    PyTorch warning for one layer). ``activation`` is the vanilla RNN's nonlinearity and
    is ignored by LSTM and GRU.

    Examples
    --------
    >>> make_rnn("gru", input_size=3, units=8)
    GRU(3, 8, batch_first=True)
    """
    if num_layers > 1 and dropout > 0:
        return StackedRNN(cell, input_size, units, num_layers, bidirectional, dropout, activation)
    kwargs = dict(
        input_size=input_size,
        hidden_size=units,
        num_layers=num_layers,
        batch_first=True,
        bidirectional=bidirectional,
    )
    if cell == "rnn":
        kwargs["nonlinearity"] = activation
    return _CELLS[cell](**kwargs)


def _cell_from_zero(rnn: nn.RNNBase, x: torch.Tensor, suffix: str) -> torch.Tensor:
    """One direction of one fused layer: its output at the first step, ``x`` ``(batch,
    features)``, from a zero state (the recurrent weights multiply zero: only their bias
    is left)."""
    gates = nn.functional.linear(
        x, getattr(rnn, "weight_ih" + suffix), getattr(rnn, "bias_ih" + suffix, None)
    )
    b_hh = getattr(rnn, "bias_hh" + suffix, None)
    if isinstance(rnn, nn.LSTM):  # gates i, f, g, o; the forget gate multiplies c0 = 0
        if b_hh is not None:
            gates = gates + b_hh
        i, _, g, o = gates.chunk(4, dim=1)
        return torch.sigmoid(o) * torch.tanh(torch.sigmoid(i) * torch.tanh(g))
    if isinstance(rnn, nn.GRU):  # gates r, z, n; h = (1 - z) * n + z * h0, h0 = 0
        r, z, n = gates.chunk(3, dim=1)
        if b_hh is not None:  # n = tanh(W_in x + b_in + r * (W_hn h0 + b_hn))
            h_r, h_z, h_n = b_hh.chunk(3)
            z, n = z + h_z, n + torch.sigmoid(r + h_r) * h_n
        return (1 - torch.sigmoid(z)) * torch.tanh(n)
    act = torch.tanh if rnn.nonlinearity == "tanh" else torch.relu
    return act(gates if b_hh is None else gates + b_hh)


def first_step(rnn: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``rnn(x)[0]`` for a batch-first input of one time step ``(batch, 1, features)`` and
    a zero initial state, without the recurrent kernel: each layer's first step is a linear
    map and its gates. A table is read as one step, and there the fused kernel's forward
    and backward (their recurrent products with a zero state included) cost twice these
    few operations (measured: 3.3 against 1.4 ms a training step of an LSTM of 32 units
    on 200 rows, one thread). ``rnn`` is a module of :func:`make_rnn`; between the layers
    of a :class:`StackedRNN` its dropout is applied, as its ``forward`` does.

    Examples
    --------
    >>> import torch
    >>> rnn = make_rnn("gru", input_size=3, units=4, num_layers=2, bidirectional=True)
    >>> x = torch.randn(5, 1, 3)
    >>> torch.allclose(first_step(rnn, x), rnn(x)[0], atol=1e-6)
    True
    """
    if isinstance(rnn, StackedRNN):
        out = x
        for i, layer in enumerate(rnn.layers):
            out = first_step(layer, rnn._drop(out) if i > 0 else out)
        return out
    out = x[:, 0]
    for layer in range(rnn.num_layers):
        suffixes = [f"_l{layer}"] + ([f"_l{layer}_reverse"] if rnn.bidirectional else [])
        out = torch.cat([_cell_from_zero(rnn, out, s) for s in suffixes], dim=1)
    return out[:, None]


def fuses_first_step(rnn: nn.Module) -> bool:
    """Whether :func:`first_step` computes ``rnn``'s output: a module of
    :func:`make_rnn` (fused without dropout or projections, or a :class:`StackedRNN`)."""
    if isinstance(rnn, StackedRNN):
        return all(fuses_first_step(layer) for layer in rnn.layers)
    return (
        isinstance(rnn, (nn.LSTM, nn.GRU, nn.RNN))
        and rnn.batch_first
        and not rnn.dropout
        and not getattr(rnn, "proj_size", 0)
    )


def step_mask(lengths, n_steps: int, device=None) -> torch.Tensor:
    """Boolean mask ``(batch, n_steps)``: True on each sequence's first ``lengths`` steps
    (on ``device``, by default that of ``lengths``). The one mask of padded steps of the
    modules and of the loss (:mod:`skrnn._training.nets`); NumPy's is
    :func:`skrnn._input.validation.step_mask_array`.

    Examples
    --------
    >>> import torch
    >>> step_mask(torch.tensor([2, 1]), 3)
    tensor([[ True,  True, False],
            [ True, False, False]])
    """
    lengths = torch.as_tensor(lengths, device=device)
    return torch.arange(n_steps, device=lengths.device)[None, :] < lengths[:, None]


def run_packed(rnn: nn.Module, x: torch.Tensor, lengths: torch.Tensor):
    """``rnn`` over the padded batch ``x`` ``(batch, time, features)`` packed by
    ``lengths``, so that no padded step reaches it: its outputs padded back to ``x``'s
    time steps (zero on padding) and its final states (those of each sequence's last
    valid step)."""
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, hidden = rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, hidden


def pool_sequence(
    out: torch.Tensor,
    lengths: torch.Tensor | None,
    pooling: str,
    units: int,
    bidirectional: bool,
) -> torch.Tensor:
    """Reduce RNN outputs ``(batch, time, directions * units)`` to ``(batch, directions * units)``.

    ``lengths`` (``None`` when every sequence fills all time steps) keeps padding out:
    ``"last"`` takes each sequence's true last step (and step 0 of the backward
    direction, which has read the whole sequence); ``"mean"`` and ``"max"`` reduce over
    the valid steps only.

    Examples
    --------
    >>> import torch
    >>> out = torch.arange(6.0).reshape(1, 3, 2)  # steps (0, 1), (2, 3), (4, 5)
    >>> pool_sequence(out, torch.tensor([2]), "last", units=2, bidirectional=False)
    tensor([[2., 3.]])
    >>> pool_sequence(out, torch.tensor([2]), "mean", units=2, bidirectional=False)
    tensor([[1., 2.]])
    """
    if pooling == "last":
        if lengths is None:
            last = out[:, -1]
        else:
            idx = (lengths.to(out.device) - 1).view(-1, 1, 1).expand(-1, 1, out.shape[2])
            last = out.gather(1, idx).squeeze(1)
        if not bidirectional:
            return last
        return torch.cat([last[:, :units], out[:, 0, units:]], dim=1)
    if lengths is None:
        return out.mean(dim=1) if pooling == "mean" else out.amax(dim=1)
    valid = step_mask(lengths, out.shape[1], out.device).unsqueeze(2)
    if pooling == "mean":
        total = out.masked_fill(~valid, 0.0).sum(dim=1)
        return total / lengths.to(out.device, out.dtype)[:, None]
    return out.masked_fill(~valid, float("-inf")).amax(dim=1)


def _valid_mask(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """``(batch, time, 1)`` float mask of the valid steps of ``x`` (all ones without lengths)."""
    if lengths is None:
        return x.new_ones(x.shape[0], x.shape[1], 1)
    return step_mask(lengths, x.shape[1], x.device).unsqueeze(2).to(x.dtype)


def zscore_steps(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Each sequence of ``x`` ``(batch, time, features)`` standardised per feature over its
    own valid steps (z-normalisation, as the UCR archive's series are); padding stays zero.
    A constant feature becomes zero.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[[1.0], [3.0], [9.0]]])
    >>> zscore_steps(x, torch.tensor([2])).flatten().tolist()
    [-1.0, 1.0, 0.0]
    """
    mask = _valid_mask(x, lengths)
    count = mask.sum(dim=1, keepdim=True)
    mean = (x * mask).sum(dim=1, keepdim=True) / count
    centred = (x - mean) * mask
    std = (centred.square().sum(dim=1, keepdim=True) / count).sqrt()
    return centred / torch.where(std > 1e-8, std, torch.ones_like(std))


def downsample_steps(
    x: torch.Tensor, lengths: torch.Tensor | None, factor: int, method: str = "mean"
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Blocks of ``factor`` consecutive steps as one step each: ``(batch, ceil(time /
    factor), features)`` for ``method="mean"`` (the block's mean), ``(batch, ceil(time /
    factor), factor * features)`` for ``method="fold"`` (the block's steps side by side,
    step by step: nothing is lost, and a convolution over the folded steps is a strided
    convolution over the original ones); and the new lengths ``ceil(lengths / factor)``.

    Blocks start at step 0 of every sequence. A sequence's last block holds only its
    valid steps (their mean; folded, zeros after them), so a sequence is down-sampled
    alike alone or padded in a batch.

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(5.0).reshape(1, 5, 1)
    >>> y, n = downsample_steps(x, torch.tensor([5]), 2)
    >>> y.flatten().tolist(), n.tolist()
    ([0.5, 2.5, 4.0], [3])
    >>> downsample_steps(x, None, 2, "fold")[0].squeeze(0).tolist()
    [[0.0, 1.0], [2.0, 3.0], [4.0, 0.0]]
    """
    if factor == 1:
        return x, lengths
    batch, steps, features = x.shape
    mask = _valid_mask(x, lengths)
    blocks = -(-steps // factor)
    pad = blocks * factor - steps
    total = nn.functional.pad(x * mask, (0, 0, 0, pad)).view(batch, blocks, factor, features)
    if method == "fold":
        out = total.reshape(batch, blocks, factor * features)
    else:
        count = nn.functional.pad(mask, (0, 0, 0, pad)).view(batch, blocks, factor, 1).sum(dim=2)
        out = total.sum(dim=2) / count.clamp(min=1.0)
    if lengths is None:
        return out, None
    return out, torch.div(lengths + factor - 1, factor, rounding_mode="floor")


class ConvBranch(nn.Module):
    """Fully convolutional branch of an LSTM-FCN (Wang et al. 2017, Karim et al. 2017):
    blocks of ``Conv1d`` (zero "same" padding), ``BatchNorm1d`` and ReLU, then the mean over
    the valid steps (global average pooling).

    With ``lengths``, padded steps are zeroed before every convolution (what the
    convolution's own zero padding gives a sequence alone) and batch normalisation
    sees the valid steps only, so padding never changes a sequence's output.

    Examples
    --------
    >>> import torch
    >>> branch = ConvBranch(2, filters=(4, 8), kernel_sizes=(5, 3))
    >>> branch(torch.zeros(3, 10, 2)).shape
    torch.Size([3, 8])
    """

    def __init__(self, n_features: int, filters, kernel_sizes):
        super().__init__()
        sizes = [n_features, *filters]
        self.convs = nn.ModuleList(
            # no bias: batch normalisation removes it (its gradient is zero up to rounding,
            # which Adam would turn into steps of size lr)
            nn.Conv1d(sizes[i], sizes[i + 1], k, bias=False)
            for i, k in enumerate(kernel_sizes)
        )
        # "same" padding, done here: PyTorch's padding="same" warns for even kernels
        self.pads = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel_sizes]
        self.norms = nn.ModuleList(nn.BatchNorm1d(f) for f in filters)
        self.out_features = sizes[-1]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        h = x.transpose(1, 2)  # (batch, channels, time)
        if lengths is None:
            for conv, norm, pad in zip(self.convs, self.norms, self.pads, strict=True):
                h = torch.relu(norm(conv(nn.functional.pad(h, pad))))
            return h.mean(dim=2)
        valid = step_mask(lengths, h.shape[2], h.device)  # (batch, time)
        keep = valid.unsqueeze(1).to(h.dtype)
        for conv, norm, pad in zip(self.convs, self.norms, self.pads, strict=True):
            h = conv(nn.functional.pad(h * keep, pad))
            steps = h.transpose(1, 2)[valid]  # (valid steps, channels): statistics of these
            h = torch.zeros_like(h.transpose(1, 2)).index_put((valid,), norm(steps))
            h = torch.relu(h).transpose(1, 2)
        return (h * keep).sum(dim=2) / lengths.to(h.device, h.dtype)[:, None]


class RNNModule(ModeSwitchMixin, nn.Module):
    """Recurrent layers followed by a linear head.

    Input ``(batch, time_steps, n_features)`` floats, or ``(batch, time_steps)`` token ids
    when ``vocab_size`` is given (an embedding layer comes first; id 0 is padding).
    Optional ``lengths`` ``(batch,)`` give each sequence's true length in a padded batch;
    padding never influences the outputs (see :meth:`steps`: causal masking, or
    ``pack_padded_sequence`` for bidirectional layers).

    Many-to-one (default): output ``(batch, n_outputs)`` from the pooled sequence
    representation (see :func:`pool_sequence`). With ``return_sequences=True`` the head
    is applied at every step: output ``(batch, time_steps, n_outputs)``.

    Many-to-one only (:meth:`encode`): ``conv_filters`` adds a :class:`ConvBranch` beside
    the RNN (an LSTM-FCN; its features are concatenated with the pooled RNN outputs),
    ``downsample`` makes each block of that many consecutive steps one step before both
    branches, by their mean or folded into features (``downsample_method``,
    :func:`downsample_steps`), and ``zscore`` standardises each sequence per feature
    first (:func:`zscore_steps`). With the defaults the module is a plain RNN.

    ``categorical`` names input features that hold integer category codes: feature
    ``categorical[j]`` is embedded by an ``nn.Embedding(n_categories[j],
    categorical_dims[j])`` and the embeddings follow the other features at every step
    (``zscore`` standardises the other features only).

    Examples
    --------
    >>> import torch
    >>> m = RNNModule(n_features=2, n_outputs=3, cell="lstm", units=4, bidirectional=True)
    >>> m(torch.zeros(5, 7, 2)).shape
    torch.Size([5, 3])
    >>> m = RNNModule(n_features=1, n_outputs=3, conv_filters=(8, 16), conv_kernel_sizes=(5, 3),
    ...               downsample=4)
    >>> m(torch.zeros(5, 100, 1)).shape, m.head.in_features
    (torch.Size([5, 3]), 48)
    >>> m = RNNModule(n_features=2, n_outputs=1, categorical=(1,), n_categories=(3,),
    ...               categorical_dims=(4,))
    >>> m(torch.tensor([[[0.5, 2.0], [0.1, 0.0]]])).shape, m.rnn.input_size
    (torch.Size([1, 1]), 5)
    >>> m = RNNModule(n_features=2, n_outputs=1, units=4, return_sequences=True)
    >>> m(torch.zeros(5, 7, 2), lengths=torch.tensor([7, 3, 1, 2, 5])).shape
    torch.Size([5, 7, 1])
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
        pooling: str = "last",
        return_sequences: bool = False,
        vocab_size: int | None = None,
        conv_filters: tuple = (),
        conv_kernel_sizes: tuple = (),
        downsample: int = 1,
        downsample_method: str = "mean",
        zscore: bool = False,
        categorical: tuple = (),
        n_categories: tuple = (),
        categorical_dims: tuple = (),
    ):
        super().__init__()
        self.units = units
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.return_sequences = return_sequences
        self.downsample = downsample
        self.downsample_method = downsample_method
        self.zscore = zscore
        self.embedding = (
            None if vocab_size is None else nn.Embedding(vocab_size, n_features, padding_idx=0)
        )
        # category codes among the input features: each embedded, after the others
        self._categorical = tuple(categorical)
        self._numeric = tuple(j for j in range(n_features) if j not in self._categorical)
        if self._categorical:
            n_features = len(self._numeric) + sum(categorical_dims)
        if downsample_method == "fold":  # both branches read the blocks' steps as features
            n_features *= downsample
        self.rnn = make_rnn(cell, n_features, units, num_layers, bidirectional, dropout, activation)
        self._first_step = fuses_first_step(self.rnn)
        self.conv = (
            ConvBranch(n_features, conv_filters, conv_kernel_sizes) if len(conv_filters) else None
        )
        self.dropout = Dropout(dropout)
        width = units * (2 if bidirectional else 1)
        self.head = nn.Linear(width + (self.conv.out_features if self.conv else 0), n_outputs)
        # registered last: the other layers draw the initial weights they draw without
        self.categorical_embeddings = (
            nn.ModuleList(
                nn.Embedding(rows, dim)
                for rows, dim in zip(n_categories, categorical_dims, strict=True)
            )
            if self._categorical
            else None
        )

    def _inputs(self, X: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Embedded token ids, or the float input cast to the weights' dtype (float64
        input reaches the module as given: cast each batch, not all data), z-normalised
        per sequence with ``zscore``; category codes among the features (``categorical``)
        are embedded and appended to the other features (which alone are z-normalised)."""
        if self.embedding is not None:
            X = self.embedding(X)
        else:
            X = X.to(self.head.weight.dtype)
        if self.categorical_embeddings is None:
            return zscore_steps(X, lengths) if self.zscore else X
        numeric = X[..., list(self._numeric)]
        if self.zscore:
            numeric = zscore_steps(numeric, lengths)
        codes = X[..., list(self._categorical)].long()
        embedded = [emb(codes[..., j]) for j, emb in enumerate(self.categorical_embeddings)]
        return torch.cat([numeric, *embedded], dim=-1)

    def steps(self, X: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """RNN outputs at every step ``(batch, time, directions * units)``; zero on padding.

        A unidirectional RNN is causal: its output at a valid step never depends on the
        padding after it, so the padded batch is run as it is (no packing and unpacking:
        about 4% less CPU time per epoch on JapaneseVowels) and the padded steps are
        zeroed. A bidirectional RNN reads the
        sequences backwards too, so its input is packed.
        """
        return self._run_rnn(self._inputs(X, lengths), lengths)

    def _run_rnn(self, X: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        if lengths is None and X.shape[1] == 1 and self.training and self._first_step:
            # a table's training step (one step from a zero state) without the fused
            # kernel; inference keeps it: batch-invariant, and the graph ONNX exports
            return first_step(self.rnn, X)
        if lengths is None:
            return self.rnn(X)[0]
        if not self.bidirectional:
            out = self.rnn(X)[0]
            return out * step_mask(lengths, out.shape[1], out.device).unsqueeze(2)
        return run_packed(self.rnn, X, lengths)[0]

    def encode(self, X: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Fixed-length representation of each sequence: the pooled RNN outputs
        ``(batch, units * directions)``, followed by the convolutional branch's features
        when there is one. Both branches read the input down-sampled by ``downsample``."""
        X, lengths = downsample_steps(
            self._inputs(X, lengths), lengths, self.downsample, self.downsample_method
        )
        out = self._run_rnn(X, lengths)
        pooled = pool_sequence(out, lengths, self.pooling, self.units, self.bidirectional)
        if self.conv is None:
            return pooled
        return torch.cat([pooled, self.conv(X, lengths)], dim=1)

    def forward(self, X: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.return_sequences:
            return self.head(self.dropout(self.steps(X, lengths)))
        encoded = self.dropout(self.encode(X, lengths))
        if self.training:
            return self.head(encoded)
        # Inference: the same affine map, summed row by row. A matrix product's rounding
        # depends on the batch it runs in (gemm vs gemv kernels: 3e-8 apart), so a
        # sequence's prediction would change in the last bits with its batch; the
        # recurrent layers themselves are batch-invariant on CPU (measured).
        weight, bias = self.head.weight, self.head.bias
        return (encoded[:, None, :] * weight[None]).sum(dim=2) + bias
