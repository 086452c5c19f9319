"""Initial weights drawn from a given ``torch.Generator``, never from torch's global RNG.

PyTorch layers draw their initial weights from the process-wide generator when they are
built, so two fits with one seed in two threads interleave their draws and differ.
:func:`init_parameters` re-draws every parameter of a module from the fit's own
generator instead, with the same distributions as PyTorch's defaults (scheme
``"torch"``). A scheme maps layer types to an initializer ``rule(layer, generator)``;
more schemes are added to :data:`SCHEMES`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch
from torch import nn

__all__ = ["SCHEMES", "init_parameters"]

Rule = Callable[[nn.Module, torch.Generator], None]


def _uniform_bias(bias: torch.Tensor | None, fan_in: int, generator: torch.Generator) -> None:
    if bias is not None:
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        nn.init.uniform_(bias, -bound, bound, generator=generator)


def torch_linear(layer: nn.Linear, generator: torch.Generator) -> None:
    """``nn.Linear.reset_parameters``: Kaiming-uniform weight (a=sqrt(5)), bias
    uniform in ``+-1/sqrt(fan_in)``."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    _uniform_bias(layer.bias, layer.weight.shape[1], generator)


def torch_conv(layer: nn.Conv1d, generator: torch.Generator) -> None:
    """``nn.Conv1d.reset_parameters``: as ``nn.Linear``'s, fan-in = in channels x kernel."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    _uniform_bias(layer.bias, layer.weight[0].numel(), generator)


def torch_rnn(layer: nn.RNNBase, generator: torch.Generator) -> None:
    """``nn.RNNBase.reset_parameters``: every weight and bias uniform in
    ``+-1/sqrt(hidden_size)``."""
    bound = 1.0 / math.sqrt(layer.hidden_size) if layer.hidden_size > 0 else 0.0
    for weight in layer.parameters():
        nn.init.uniform_(weight, -bound, bound, generator=generator)


def torch_embedding(layer: nn.Embedding, generator: torch.Generator) -> None:
    """``nn.Embedding.reset_parameters``: standard normal, the padding row zero."""
    nn.init.normal_(layer.weight, generator=generator)
    if layer.padding_idx is not None:
        layer.weight[layer.padding_idx].fill_(0.0)


def keras_linear(layer: nn.Linear, generator: torch.Generator) -> None:
    """Keras' ``Dense``: Glorot-uniform weight, zero bias."""
    nn.init.xavier_uniform_(layer.weight, generator=generator)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


#: Gates per cell, in PyTorch's order; the LSTM's forget gate is the second.
_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def keras_rnn(layer: nn.RNNBase, generator: torch.Generator) -> None:
    """Keras' recurrent layers: Glorot-uniform input weights (over all gates, as Keras'
    ``kernel``), orthogonal recurrent weights (each gate's square block, so that every
    gate starts norm-preserving over long sequences), zero biases and an LSTM
    forget-gate bias of 1 (Jozefowicz et al., 2015; Keras' ``unit_forget_bias``). A ReLU
    ``nn.RNN`` gets identity recurrent weights instead (IRNN, Le et al., 2015)."""
    gates, units = _GATES[layer.mode if layer.mode in _GATES else "RNN"], layer.hidden_size
    relu = getattr(layer, "nonlinearity", "tanh") == "relu"
    for name, param in layer.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(param, generator=generator)
        elif name.startswith("weight_hh"):
            for g in range(gates):
                block = param[g * units : (g + 1) * units]
                if relu:
                    block.copy_(torch.eye(units, block.shape[1]))
                else:
                    nn.init.orthogonal_(block, generator=generator)
        elif name.startswith("weight_hr"):  # LSTM projections
            nn.init.xavier_uniform_(param, generator=generator)
        elif name.startswith("bias"):
            nn.init.zeros_(param)
            if layer.mode == "LSTM" and name.startswith("bias_ih"):
                param[units : 2 * units] = 1.0  # b_ih + b_hh of the forget gate: 1


def keras_conv(layer: nn.Conv1d, generator: torch.Generator) -> None:
    """Keras' ``Conv1D``: Glorot-uniform kernel, zero bias."""
    keras_linear(layer, generator)


def keras_embedding(layer: nn.Embedding, generator: torch.Generator) -> None:
    """Keras' ``Embedding``: uniform in +-0.05, the padding row zero."""
    nn.init.uniform_(layer.weight, -0.05, 0.05, generator=generator)
    if layer.padding_idx is not None:
        layer.weight[layer.padding_idx].fill_(0.0)


#: Initialisation schemes: layer type -> rule. The first type a layer is an instance of
#: picks its rule; parameters of layers no type matches keep their constructed values
#: (which must then be deterministic, like the zeros of a learned start vector).
SCHEMES: dict[str, dict[type, Rule]] = {
    "torch": {
        nn.Linear: torch_linear,
        nn.Conv1d: torch_conv,
        nn.RNNBase: torch_rnn,
        nn.Embedding: torch_embedding,
    },
    "keras": {
        nn.Linear: keras_linear,
        nn.Conv1d: keras_conv,
        nn.RNNBase: keras_rnn,
        nn.Embedding: keras_embedding,
    },
}


def _rule(scheme: dict[type, Rule], layer: nn.Module) -> Rule | None:
    for kind, rule in scheme.items():
        if isinstance(layer, kind):
            return rule
    return None


def init_parameters(
    module: nn.Module, generator: torch.Generator, scheme: str = "torch"
) -> nn.Module:
    """Re-draw the parameters of ``module`` from ``generator`` (in place) and return it.

    Layers are visited in ``module.modules()`` order, so one seed gives the same weights
    wherever and whenever it runs (threads, processes, CPU or GPU: the values are drawn
    on the CPU, where ``generator`` lives, and copied to the parameters' device).

    Parameters
    ----------
    module : torch.nn.Module
    generator : torch.Generator
        A CPU generator.
    scheme : str, default="torch"
        A key of :data:`SCHEMES`; ``"torch"`` reproduces PyTorch's default schemes of
        ``nn.Linear``, ``nn.Conv1d``, ``nn.LSTM``/``nn.GRU``/``nn.RNN`` and
        ``nn.Embedding`` (padding row zero); ``"keras"`` is Keras' (:func:`keras_rnn`).

    Examples
    --------
    >>> import torch
    >>> a = init_parameters(torch.nn.LSTM(3, 4), torch.Generator().manual_seed(0))
    >>> b = init_parameters(torch.nn.LSTM(3, 4), torch.Generator().manual_seed(0))
    >>> all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    True
    """
    if scheme not in SCHEMES:
        raise ValueError(f"Unknown initialisation scheme {scheme!r}; known: {sorted(SCHEMES)}.")
    rules = SCHEMES[scheme]
    with torch.no_grad():
        for layer in module.modules():
            rule = _rule(rules, layer)
            if rule is None:
                continue
            params = list(layer.parameters())
            if all(p.device.type == "cpu" for p in params):
                rule(layer, generator)
                continue
            on_cpu = copy.deepcopy(layer).cpu()  # the generator draws on the CPU
            rule(on_cpu, generator)
            for p, q in zip(params, on_cpu.parameters(), strict=True):
                p.copy_(q)
    return module
