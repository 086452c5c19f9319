"""PyTorch modules behind :class:`~skrnn.Seq2SeqTransformer`: encoder, attention,
decoder, and greedy / beam-search decoding.

Decoding functions work on any ``step(inp, state) -> (logits, state)`` callable whose
``state`` is a dict of batch-first tensors, so they can be tested on hand-set decoders.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from .._input.vocab import EOS, PAD, SOS
from .random import rand
from .rnn import Dropout, ModeSwitchMixin, make_rnn, run_packed, step_mask

__all__ = [
    "AdditiveAttention",
    "Decoder",
    "DotAttention",
    "Encoder",
    "Seq2SeqModule",
    "beam_search",
    "greedy_decode",
]

State = dict[str, torch.Tensor]
StepFn = Callable[[torch.Tensor, State], tuple[torch.Tensor, State]]


def _attend(scores: torch.Tensor, values: torch.Tensor, mask: torch.Tensor | None):
    """Softmax of ``scores`` ``(B, T, S)`` over the source positions (padding masked out)
    and the weighted sums of ``values`` ``(B, S, H)``: contexts ``(B, T, H)``."""
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return torch.bmm(weights, values), weights


class AdditiveAttention(nn.Module):
    """Additive (Bahdanau) scores: ``score(q, k) = v^T tanh(W_q q + W_k k)``.

    ``forward(queries, keys, values, mask)`` takes queries ``(B, T, H)`` (one per decoder
    step), the projected keys of :meth:`precompute` and the values ``(B, S, H)``; it
    returns the contexts ``(B, T, H)`` and the attention weights ``(B, T, S)``, zero on
    masked (padding) positions.

    Examples
    --------
    >>> import torch
    >>> att = AdditiveAttention(4)
    >>> values = torch.randn(2, 5, 4)
    >>> mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    >>> ctx, w = att(torch.randn(2, 3, 4), att.precompute(values), values, mask)
    >>> ctx.shape, bool(w[1, :, 2:].sum() == 0)
    (torch.Size([2, 3, 4]), True)
    """

    def __init__(self, hidden_size: int):
        super().__init__()
        self.query = nn.Linear(hidden_size, hidden_size, bias=False)
        self.key = nn.Linear(hidden_size, hidden_size)
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def precompute(self, values: torch.Tensor) -> torch.Tensor:
        """Projected keys, computed once per source batch."""
        return self.key(values)

    def forward(self, query, keys, values, mask=None):
        scores = self.v(torch.tanh(self.query(query)[:, :, None] + keys[:, None]))[..., 0]
        return _attend(scores, values, mask)


class DotAttention(nn.Module):
    """Scaled dot-product (Luong) scores: ``score(q, k) = q . k / sqrt(d)``.

    Same call as :class:`AdditiveAttention`; it has no parameters.

    Examples
    --------
    >>> import torch
    >>> att = DotAttention(4)
    >>> v = torch.randn(2, 5, 4)
    >>> ctx, w = att(torch.randn(2, 3, 4), att.precompute(v), v)
    >>> ctx.shape, w.shape
    (torch.Size([2, 3, 4]), torch.Size([2, 3, 5]))
    """

    def __init__(self, hidden_size: int):
        super().__init__()
        self.scale = 1.0 / math.sqrt(hidden_size)

    def precompute(self, values: torch.Tensor) -> torch.Tensor:
        return values

    def forward(self, query, keys, values, mask=None):
        scores = torch.bmm(query, keys.transpose(1, 2)) * self.scale
        return _attend(scores, values, mask)


_ATTENTION = {"additive": AdditiveAttention, "dot": DotAttention}


def _merge_directions(h: torch.Tensor, num_layers: int, directions: int) -> torch.Tensor:
    """``(layers * directions, B, U)`` -> ``(layers, B, directions * U)``."""
    _, batch, units = h.shape
    h = h.view(num_layers, directions, batch, units).permute(0, 2, 1, 3)
    return h.reshape(num_layers, batch, directions * units)


def _dtype(module: nn.Module) -> torch.dtype:
    """The dtype of ``module``'s weights (float32 unless the user converted it)."""
    return next(module.parameters()).dtype


class Encoder(nn.Module):
    """Recurrent encoder over token ids (embedded) or continuous feature vectors.

    Returns the outputs ``(B, S, directions * units)``, the source mask ``(B, S)``
    (``None`` for fixed-length input) and the final states with both directions
    concatenated per layer: ``(layers, B, directions * units)`` (a pair for LSTM).
    Variable-length token input is packed, so padding never reaches the recurrent layers.
    """

    def __init__(
        self,
        n_inputs: int,
        tokens: bool,
        cell: str = "lstm",
        units: int = 32,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.tokens = tokens
        self.num_layers = num_layers
        self.directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(n_inputs, units, padding_idx=PAD) if tokens else None
        self.dropout = Dropout(dropout)
        in_dim = units if tokens else n_inputs
        self.rnn = make_rnn(cell, in_dim, units, num_layers, bidirectional, dropout)

    def forward(self, X: torch.Tensor, lengths: torch.Tensor | None = None):
        # float64 input reaches the module as given: cast each batch, not all data
        x = self.dropout(self.embedding(X)) if self.tokens else X.to(_dtype(self.rnn))
        if lengths is None:
            out, hidden = self.rnn(x)
            mask = None
        else:
            out, hidden = run_packed(self.rnn, x, lengths)
            mask = step_mask(lengths, X.shape[1], X.device)
        if isinstance(hidden, tuple):
            hidden = tuple(_merge_directions(h, self.num_layers, self.directions) for h in hidden)
        else:
            hidden = _merge_directions(hidden, self.num_layers, self.directions)
        return out, mask, hidden


class Decoder(nn.Module):
    """Recurrent decoder, optionally with attention over the encoder outputs.

    :meth:`forward` runs over a whole sequence of decoder inputs (the teacher-forced
    training pass, one recurrent call); :meth:`step` is the same computation for one
    step (decoding). With attention (Luong et al., 2015), the recurrent output of each
    step is the query; its context over the encoder outputs is concatenated with it
    before the output layer.
    """

    def __init__(
        self,
        n_outputs: int,
        tokens: bool,
        cell: str = "lstm",
        hidden_size: int = 32,
        embedding_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        attention: str | None = None,
    ):
        super().__init__()
        self.tokens = tokens
        self.is_lstm = cell == "lstm"
        self.embedding = (
            nn.Embedding(n_outputs, embedding_size, padding_idx=PAD) if tokens else None
        )
        in_dim = embedding_size if tokens else n_outputs
        self.attention = _ATTENTION[attention](hidden_size) if attention else None
        self.rnn = make_rnn(cell, in_dim, hidden_size, num_layers, False, dropout)
        self.dropout = Dropout(dropout)
        self.out = nn.Linear(hidden_size * (2 if self.attention is not None else 1), n_outputs)

    def init_state(self, enc_out, mask, hidden) -> State:
        """Batch-first decoding state from the encoder's results."""
        h, c = hidden if isinstance(hidden, tuple) else (hidden, None)
        state = {"h": h.transpose(0, 1)}
        if c is not None:
            state["c"] = c.transpose(0, 1)
        if self.attention is not None:
            state["values"] = enc_out
            state["keys"] = self.attention.precompute(enc_out)
            if mask is not None:
                state["mask"] = mask
        return state

    def forward(self, inputs: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Outputs ``(B, T, n_outputs)`` (logits or values) for the decoder inputs
        ``(B, T)`` (token ids) or ``(B, T, n_outputs)`` (values), and the new state."""
        x = self.dropout(self.embedding(inputs)) if self.tokens else inputs
        hx = state["h"].transpose(0, 1).contiguous()
        if self.is_lstm:
            hx = (hx, state["c"].transpose(0, 1).contiguous())
        out, hn = self.rnn(x, hx)
        new = dict(state)
        if self.is_lstm:
            new["h"], new["c"] = hn[0].transpose(0, 1), hn[1].transpose(0, 1)
        else:
            new["h"] = hn.transpose(0, 1)
        if self.attention is not None:
            ctx, _ = self.attention(out, state["keys"], state["values"], state.get("mask"))
            out = torch.cat([out, ctx], dim=-1)
        return self.out(self.dropout(out)), new

    def step(self, inp: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Logits (tokens) or values (continuous) of the next step ``(B, n_outputs)`` for
        the previous outputs ``inp`` (``(B,)`` ids or ``(B, n_outputs)`` values)."""
        out, state = self(inp[:, None], state)
        return out[:, 0], state


def greedy_decode(
    step: StepFn, state: State, start: torch.Tensor, max_steps: int, eos: int = EOS
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pick the most likely token at each step until every sequence has ended.

    Returns the tokens ``(B, T)`` (padding after the end token) and the joint
    log-probability of each sequence ``(B,)``.

    Examples
    --------
    >>> import torch
    >>> table = torch.log(torch.tensor([[0.0, 0.0, 0.1, 0.9], [0.0, 0.0, 0.1, 0.9],
    ...                                 [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.8, 0.2]]))
    >>> step = lambda inp, state: (table[inp], state)
    >>> tokens, logp = greedy_decode(step, {}, torch.tensor([1]), max_steps=5)
    >>> tokens.tolist(), round(float(logp.exp()), 2)
    ([[3, 2]], 0.72)
    """
    finished = torch.zeros(start.shape[0], dtype=torch.bool, device=start.device)
    score = torch.zeros(start.shape[0], device=start.device)
    tokens = []
    inp = start
    for _ in range(max_steps):
        logits, state = step(inp, state)
        logp = torch.log_softmax(logits.float(), dim=-1)
        tok = logp.argmax(dim=-1)
        score = score + torch.where(finished, 0.0, logp.gather(1, tok[:, None])[:, 0])
        tok = tok.masked_fill(finished, PAD)
        tokens.append(tok)
        finished = finished | (tok == eos)
        inp = tok
        if bool(finished.all()):
            break
    return torch.stack(tokens, dim=1), score


def beam_search(
    step: StepFn,
    state: State,
    start: torch.Tensor,
    max_steps: int,
    beam_width: int,
    eos: int = EOS,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched beam search; returns each row's highest joint-probability sequence.

    Keeps the ``beam_width`` best prefixes by joint log-probability (no length
    normalisation). Ended hypotheses stay in the beam with their score frozen, so the
    result is the most probable ended sequence among all hypotheses the beam held (the
    most probable unfinished one when none ended within ``max_steps``). Returns
    the tokens ``(B, T)`` (padding after the end token) and their joint
    log-probabilities ``(B,)``.

    Examples
    --------
    >>> import torch
    >>> table = torch.log(torch.tensor([[0.0, 0.0, 0.1, 0.9], [0.0, 0.0, 0.1, 0.9],
    ...                                 [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.8, 0.2]]))
    >>> step = lambda inp, state: (table[inp], state)
    >>> tokens, logp = beam_search(step, {}, torch.tensor([1]), max_steps=5, beam_width=2)
    >>> tokens.tolist(), round(float(logp.exp()), 2)
    ([[3, 2, 0]], 0.72)
    """
    batch, k = start.shape[0], beam_width
    device = start.device
    state = {name: v.repeat_interleave(k, dim=0) for name, v in state.items()}
    inp = start.repeat_interleave(k, dim=0)
    scores = torch.full((batch, k), float("-inf"), device=device)
    scores[:, 0] = 0.0  # all beams start identical: expand only the first
    finished = torch.zeros(batch, k, dtype=torch.bool, device=device)
    seqs = torch.zeros(batch, k, 0, dtype=torch.long, device=device)
    offsets = (torch.arange(batch, device=device) * k)[:, None]
    for _ in range(max_steps):
        logits, state = step(inp, state)
        # rows that can emit nothing (all logits -inf) give NaN: make them -inf, so a
        # beam wider than the candidates carries impossible hypotheses, never NaN ones
        logp = torch.log_softmax(logits.float(), dim=-1).nan_to_num(nan=float("-inf"))
        n_vocab = logp.shape[-1]
        logp = logp.view(batch, k, n_vocab)
        # an ended hypothesis can only be continued by padding, at no cost
        frozen = torch.full((n_vocab,), float("-inf"), device=device)
        frozen[PAD] = 0.0
        logp = torch.where(finished[..., None], frozen, logp)
        top, idx = (scores[..., None] + logp).view(batch, k * n_vocab).topk(k, dim=1)
        beam, tok = idx // n_vocab, idx % n_vocab
        scores = top
        seqs = torch.cat(
            [seqs.gather(1, beam[..., None].expand(-1, -1, seqs.shape[2])), tok[..., None]],
            dim=2,
        )
        finished = finished.gather(1, beam) | (tok == eos)
        rows = (beam + offsets).view(-1)
        state = {name: v.index_select(0, rows) for name, v in state.items()}
        inp = tok.view(-1)
        if bool(finished.all()):
            break
    # a hypothesis that reached the end token beats any unfinished (truncated) one
    ended = torch.where(finished, scores, float("-inf"))
    best = torch.where(finished.any(dim=1), ended.argmax(dim=1), scores.argmax(dim=1))
    rows = torch.arange(batch, device=device)
    return seqs[rows, best], scores[rows, best]


class Seq2SeqModule(ModeSwitchMixin, nn.Module):
    """Encoder-decoder RNN for token or continuous sequences, with optional attention.

    ``forward`` runs the decoder over ``y_teacher`` (the targets) and returns one output
    per target step: logits ``(B, T, n_outputs)`` for tokens, values
    ``(B, T, n_outputs)`` for continuous targets. In training mode the previous true
    target is fed with probability ``teacher_forcing`` (independently per sample and
    step), otherwise the model's own previous prediction; in eval mode the true targets
    are always fed (the teacher-forced validation loss). Decoding without targets is
    :meth:`decode`. The decoder's hidden size is ``directions * units``: its initial
    state is the encoder's final state with both directions concatenated.

    Examples
    --------
    >>> import torch
    >>> m = Seq2SeqModule(n_inputs=10, n_outputs=7, tokens_in=True, tokens_out=True,
    ...                   units=8, attention="dot", bidirectional=True)
    >>> X = torch.randint(3, 10, (4, 6))
    >>> m(X, lengths=torch.tensor([6, 3, 2, 1]), y_teacher=torch.randint(3, 7, (4, 5))).shape
    torch.Size([4, 5, 7])
    >>> m.eval().decode(X, torch.tensor([6, 3, 2, 1]), max_steps=4, beam_width=2).shape[0]
    4
    >>> m.embed(X, torch.tensor([6, 3, 2, 1])).shape
    torch.Size([4, 16])
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        tokens_in: bool,
        tokens_out: bool,
        cell: str = "lstm",
        units: int = 32,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        attention: str | None = None,
        teacher_forcing: float = 1.0,
    ):
        super().__init__()
        self.tokens_out = tokens_out
        self.teacher_forcing = teacher_forcing
        self.encoder = Encoder(n_inputs, tokens_in, cell, units, num_layers, bidirectional, dropout)
        hidden = units * (2 if bidirectional else 1)
        self.decoder = Decoder(
            n_outputs, tokens_out, cell, hidden, units, num_layers, dropout, attention
        )
        # learned first decoder input for continuous targets (tokens start with SOS)
        self.start = None if tokens_out else nn.Parameter(torch.zeros(n_outputs))

    def _start(self, batch: int, device) -> torch.Tensor:
        if self.tokens_out:
            return torch.full((batch,), SOS, dtype=torch.long, device=device)
        return self.start.expand(batch, -1)

    def encode(self, X, lengths=None) -> State:
        """Decoder state for the source batch."""
        return self.decoder.init_state(*self.encoder(X, lengths))

    def embed(self, X, lengths=None) -> torch.Tensor:
        """Fixed-length embedding: top-layer final hidden state, ``(B, directions * units)``."""
        _, _, hidden = self.encoder(X, lengths)
        h = hidden[0] if isinstance(hidden, tuple) else hidden
        return h[-1]

    def forward(self, X, lengths=None, y_teacher=None):
        if y_teacher is None:
            raise ValueError("Seq2SeqModule.forward needs y_teacher; use decode() to predict.")
        state = self.encode(X, lengths)
        batch, n_steps = y_teacher.shape[:2]
        start = self._start(batch, X.device)
        tf = self.teacher_forcing if self.training else 1.0
        if tf >= 1.0:
            # full teacher forcing: the decoder reads <start>, y_1, ..., y_{T-1} in one call
            inputs = torch.cat([start[:, None], y_teacher[:, :-1]], dim=1)
            return self.decoder(inputs, state)[0]
        inp, outputs = start, []
        for t in range(n_steps):
            out, state = self.decoder.step(inp, state)
            outputs.append(out)
            pred = out.argmax(dim=-1) if self.tokens_out else out.detach()
            if tf > 0.0:
                use_true = rand(batch, device=X.device) < tf
                if not self.tokens_out:
                    use_true = use_true[:, None]
                pred = torch.where(use_true, y_teacher[:, t], pred)
            inp = pred
        return torch.stack(outputs, dim=1)

    def _token_step(self, inp: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Decoder step whose padding and start tokens can never be emitted."""
        logits, state = self.decoder.step(inp, state)
        never = torch.tensor([PAD, SOS], device=logits.device)
        return logits.index_fill(1, never, float("-inf")), state

    @torch.no_grad()
    def decode(self, X, lengths=None, *, max_steps: int, beam_width: int = 1) -> torch.Tensor:
        """Predicted outputs: token ids ``(B, T)`` (greedy when ``beam_width == 1``,
        else beam search) or continuous values ``(B, max_steps, n_outputs)``."""
        state = self.encode(X, lengths)
        start = self._start(X.shape[0], X.device)
        if self.tokens_out:
            if beam_width > 1:
                return beam_search(self._token_step, state, start, max_steps, beam_width)[0]
            return greedy_decode(self._token_step, state, start, max_steps)[0]
        inp, outputs = start, []
        for _ in range(max_steps):
            inp, state = self.decoder.step(inp, state)
            outputs.append(inp)
        return torch.stack(outputs, dim=1)
