"""ONNX export: skl2onnx converters for skrnn's estimators and transformers.

Each fitted object becomes a piece of ONNX graph built from its fitted state (weights,
statistics, vocabulary, classes), using ONNX's own recurrent operators (``LSTM``,
``GRU``, ``RNN``) with ``sequence_lens`` for variable lengths. The converters are
registered with skl2onnx (:func:`register_onnx_converters`), so that
``skl2onnx.to_onnx(pipeline, ...)`` converts a ``Pipeline`` that mixes scikit-learn
steps and skrnn steps; :func:`to_onnx` does that for one object and checks the graph's
predictions against the model's own on the sample it is given.

What a graph cannot reproduce is refused with an error naming it, never exported as a
different computation: a network whose module is not the one skrnn builds (a subclass,
replaced layers, forward hooks), ``Seq2SeqTransformer``'s decoding
loop, a callable tokenizer, the deprecated ``use_fit_history="auto"``.
"""

from __future__ import annotations

import contextlib

import numpy as np

__all__ = ["onnx_inputs", "register_onnx_converters", "to_onnx"]

#: ONNX opset of :func:`to_onnx` (the ``ai.onnx.ml`` domain: 3).
DEFAULT_OPSET = 17
#: Relative tolerance of the check :func:`to_onnx` makes (``rtol`` of ``np.allclose``,
#: with ``atol`` this times the outputs' scale): float32 networks in two runtimes.
CHECK_RTOL = 1e-5


def _onnx():
    try:
        import onnx
        import skl2onnx
    except ImportError:
        raise ImportError(
            "ONNX export needs onnx and skl2onnx (and onnxruntime to run the graphs): "
            'pip install "skrnn[onnx]".'
        ) from None
    return onnx, skl2onnx


class _Graph:
    """Adds nodes and constants to a skl2onnx container under unique names."""

    def __init__(self, scope, operator, container):
        from onnx import TensorProto

        self.scope, self.operator, self.container = scope, operator, container
        self.opset = container.target_opset
        self.T = TensorProto

    def name(self, hint: str) -> str:
        return self.scope.get_unique_variable_name(hint)

    def op(self, op_type, inputs, n_out=1, domain="", out=None, **attrs):
        outs = out if out is not None else [self.name(op_type.lower()) for _ in range(n_out)]
        outs = [outs] if isinstance(outs, str) else list(outs)
        self.container.add_node(
            op_type,
            list(inputs),
            outs,
            op_domain=domain,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return outs[0] if len(outs) == 1 else outs

    def const(self, value, hint="c") -> str:
        from onnx import helper, numpy_helper

        arr = np.asarray(value)
        name = self.name(hint)
        if arr.dtype.kind in "OUS":
            data = [str(v).encode() for v in arr.ravel()]
            tensor = helper.make_tensor(name, self.T.STRING, arr.shape, data)
            self.op("Constant", [], out=name, value=tensor)
        else:
            tensor = numpy_helper.from_array(arr, name)
            self.container.add_initializer(name, tensor.data_type, list(arr.shape), tensor)
        return name

    def ints(self, *values) -> str:
        return self.const(np.array(values, dtype=np.int64), "axes")

    def cast(self, x, to) -> str:
        return self.op("Cast", [x], to=to)

    def reduce(self, op_type, x, axes, keepdims=0) -> str:
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.ints(*axes)], keepdims=keepdims)
        return self.op(op_type, [x], axes=list(axes), keepdims=keepdims)

    def dim(self, x, axis: int) -> str:
        """The length of ``x`` along ``axis``, as a scalar int64."""
        return self.op("Gather", [self.op("Shape", [x]), self.const(np.int64(axis))], axis=0)

    def arange(self, n) -> str:
        return self.op("Range", [self.const(np.int64(0)), n, self.const(np.int64(1))])

    def step_mask(self, lengths, n_steps, steps_axis: int) -> str:
        """Bool mask of the valid steps: ``(T, N)`` for ``steps_axis=0``, else ``(N, T)``."""
        steps = self.arange(n_steps)
        if steps_axis == 0:
            return self.op(
                "Less",
                [
                    self.op("Unsqueeze", [steps, self.ints(1)]),
                    self.op("Unsqueeze", [lengths, self.ints(0)]),
                ],
            )
        return self.op(
            "Less",
            [
                self.op("Unsqueeze", [steps, self.ints(0)]),
                self.op("Unsqueeze", [lengths, self.ints(1)]),
            ],
        )


def _rank(variable) -> int | None:
    shape = getattr(variable.type, "shape", None)
    return None if shape is None else len(shape)


# -- RNN estimators ------------------------------------------------------------------------
def _check_exportable_net(est) -> None:
    """A ``NotImplementedError`` or ``TypeError`` naming what the graph could not
    reproduce; silence means the module is exactly the one skrnn builds."""
    from torch import nn

    from .._torch.rnn import Dropout, RNNModule, StackedRNN
    from ..neural_network._classifier import RNNClassifier
    from ..neural_network._regressor import RNNRegressor

    name = type(est).__name__
    if type(est) not in (RNNRegressor, RNNClassifier):
        raise TypeError(
            f"{name} is not exported to ONNX: only RNNRegressor and RNNClassifier themselves "
            "are (a subclass may compute its predictions differently)."
        )
    module = est.module_
    if est.return_sequences and (getattr(module, "conv", None) is not None
                                 or getattr(module, "downsample", 1) != 1):  # fmt: skip
        raise NotImplementedError(
            f"{name}(return_sequences=True) with a convolutional branch or down-sampling is "
            "not exported to ONNX."
        )
    module = est.module_
    if type(module) is not RNNModule or "forward" in vars(module):
        raise TypeError(
            f"{name}.module_ is a {type(module).__name__}, not the RNNModule skrnn builds "
            "(a callback or subclass replaced it); its computation cannot be exported."
        )
    expected = {"rnn", "dropout", "head"} | ({"embedding"} if est._reads_tokens() else set())
    if _is_conv_branch(getattr(module, "conv", None)):
        expected.add("conv")
    children = {k for k, v in module.named_children() if v is not None}
    if children != expected:
        extra = sorted(children - expected) or sorted(expected - children)
        raise NotImplementedError(
            f"{name}.module_ has the layers {sorted(children)}; the ONNX export knows "
            f"{sorted(expected)} and cannot export {extra}."
        )
    for key, value in vars(module).items():
        if key.startswith("_") or key in _KNOWN_MODULE_ATTRIBUTES:
            continue
        if key in _NEUTRAL_MODULE_ATTRIBUTES and value is _NEUTRAL_MODULE_ATTRIBUTES[key]:
            continue
        raise NotImplementedError(
            f"{name}.module_ has {key}={value!r}, which the ONNX export does not reproduce."
        )
    for sub in module.modules():
        if sub._forward_hooks or sub._forward_pre_hooks:
            raise TypeError(
                f"{name}.module_ has forward hooks ({type(sub).__name__}); code run by hooks "
                "cannot be exported."
            )
    rnn = module.rnn
    cells = (nn.LSTM, nn.GRU, nn.RNN)
    layers = list(rnn.layers) if type(rnn) is StackedRNN else [rnn]
    if not all(type(layer) in cells for layer in layers) or type(module.dropout) is not Dropout:
        raise TypeError(f"{name}.module_.rnn is a {type(rnn).__name__}, not a skrnn RNN stack.")
    if type(module.head) is not nn.Linear:
        raise TypeError(f"{name}.module_.head is a {type(module.head).__name__}, not nn.Linear.")


def _is_conv_branch(branch) -> bool:
    """Whether ``branch`` is skrnn's ``ConvBranch`` as the graph reproduces it: plain
    bias-free convolutions (stride 1, no dilation or groups) and batch normalisations
    with running statistics."""
    from torch import nn

    if branch is None or type(branch).__name__ != "ConvBranch":
        return False
    if {k for k, _ in branch.named_children()} != {"convs", "norms"}:
        return False
    plain = all(
        type(c) is nn.Conv1d and c.bias is None and c.stride == (1,) and c.dilation == (1,)
        and c.groups == 1 and c.padding == (0,) for c in branch.convs
    )  # fmt: skip
    norms = all(
        type(n) is nn.BatchNorm1d and n.affine and n.track_running_stats for n in branch.norms
    )
    return plain and norms and len(branch.convs) == len(branch.norms) == len(branch.pads)


#: RNNModule attributes the graph reproduces, and those it can ignore at these values.
_KNOWN_MODULE_ATTRIBUTES = frozenset(
    {"training", "units", "bidirectional", "pooling", "return_sequences"}
    | {"downsample", "downsample_method", "zscore"}
)
#: Optional layers are ``None`` attributes when absent.
_NEUTRAL_MODULE_ATTRIBUTES: dict = {"embedding": None, "conv": None, "categorical_embeddings": None}


def _layer_weights(rnn):
    """Per layer, per direction: (w_ih, w_hh, b_ih, b_hh) as float32 arrays."""
    from .._torch.rnn import StackedRNN

    if type(rnn) is StackedRNN:
        fused = [(layer, 0) for layer in rnn.layers]
    else:
        fused = [(rnn, k) for k in range(rnn.num_layers)]
    out = []
    for module, k in fused:
        dirs = []
        for sfx in ("", "_reverse")[: 2 if module.bidirectional else 1]:
            dirs.append(
                tuple(
                    getattr(module, f"{w}_l{k}{sfx}").detach().cpu().float().numpy()
                    for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                )
            )
        out.append(dirs)
    return out


#: PyTorch's gate blocks in ONNX's order: LSTM (i, f, g, o) -> (i, o, f, c); GRU
#: (r, z, n) -> (z, r, h).
_GATES = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _reorder(w, op_type):
    order = _GATES[op_type]
    return np.concatenate([np.split(w, len(order))[i] for i in order])


def _emit_recurrent(g: _Graph, x_tm: str, seq_lens: str | None, est) -> tuple[str, str]:
    """The recurrent stack over time-major ``x_tm`` ``(T, N, features)`` float: its
    top-layer outputs ``(T, N, directions * units)`` and final states ``(N, directions *
    units)`` (each direction's state after its last valid step)."""
    op_type = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[est.cell]
    directions = 2 if est.bidirectional else 1
    attrs = dict(hidden_size=int(est.units))
    attrs["direction"] = "bidirectional" if est.bidirectional else "forward"
    if op_type == "GRU":
        attrs["linear_before_reset"] = 1
    if op_type == "RNN":
        attrs["activations"] = [est.activation.capitalize()] * directions
    hidden = None
    for dirs in _layer_weights(est.module_.rnn):
        W = np.stack([_reorder(d[0], op_type) for d in dirs])
        R = np.stack([_reorder(d[1], op_type) for d in dirs])
        B = np.stack(
            [np.concatenate([_reorder(d[2], op_type), _reorder(d[3], op_type)]) for d in dirs]
        )
        inputs = [x_tm, g.const(W, "W"), g.const(R, "R"), g.const(B, "B")]
        if seq_lens is not None:
            inputs.append(seq_lens)
        y, hidden = g.op(op_type, inputs, n_out=2, **attrs)
        # Y (T, directions, N, units) -> (T, N, directions * units): PyTorch's layout
        x_tm = g.op("Reshape", [g.op("Transpose", [y], perm=[0, 2, 1, 3]), g.ints(0, 0, -1)])
    final = g.op("Reshape", [g.op("Transpose", [hidden], perm=[1, 0, 2]), g.ints(0, -1)])
    return x_tm, final


def _emit_pool(g: _Graph, out_tm: str, final: str, lengths: str | None, pooling: str) -> str:
    """``pool_sequence``: ``"last"`` is the final states (the forward direction's at the
    last valid step, the backward one's at step 0); mean and max over valid steps."""
    if pooling == "last":
        return final
    if lengths is None:
        return g.reduce("ReduceMean" if pooling == "mean" else "ReduceMax", out_tm, [0])
    mask = g.op("Unsqueeze", [g.step_mask(lengths, g.dim(out_tm, 0), 0), g.ints(2)])
    if pooling == "mean":
        zero = g.const(np.float32(0.0))
        total = g.reduce("ReduceSum", g.op("Where", [mask, out_tm, zero]), [0])
        count = g.op("Unsqueeze", [g.cast(lengths, g.T.FLOAT), g.ints(1)])
        return g.op("Div", [total, count])
    return g.reduce("ReduceMax", g.op("Where", [mask, out_tm, g.const(np.float32(-np.inf))]), [0])


def _emit_inputs(g: _Graph, est):
    """The estimator's input as a batch-first 3D tensor (double for numeric input, ids
    for tokens) and its lengths (int64) or ``None``."""
    inputs = g.operator.inputs
    x = inputs[0].full_name
    lengths = None
    if len(inputs) > 1:
        lengths = g.cast(inputs[1].full_name, g.T.INT64)
    if est._vocabulary is not None:
        return _emit_vocabulary(g, est, x), lengths
    if est._reads_tokens():  # token ids, as SequenceTokenizer gives them
        return g.cast(x, g.T.INT64), lengths
    rank = _rank(inputs[0])
    x = g.cast(x, g.T.DOUBLE)
    if rank == 2:
        if est.time_steps is None:
            x = g.op("Unsqueeze", [x, g.ints(2)])
        else:
            x = g.op("Reshape", [x, g.ints(0, int(est.time_steps), -1)])
    elif rank not in (3, None):
        raise ValueError(f"{type(est).__name__} needs 2D or 3D input; the graph has rank {rank}.")
    return x, lengths


def _emit_vocabulary(g: _Graph, est, tokens: str) -> str:
    """Token ids through the fitted vocabulary (unknown tokens: id 1), as ``fit`` maps them."""
    vocab = est._vocabulary
    keys = list(vocab.index_)
    values = [int(vocab.index_[k]) for k in keys]
    attrs = dict(values_int64s=values, default_int64=int(vocab.unknown_id_))
    if all(isinstance(k, str) for k in keys):
        attrs["keys_strings"] = keys
    elif all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in keys):
        attrs["keys_int64s"] = [int(k) for k in keys]
        tokens = g.cast(tokens, g.T.INT64)
    else:
        raise NotImplementedError(
            f"{type(est).__name__}'s vocabulary mixes token types; only string or integer "
            "vocabularies are exported."
        )
    return g.op("LabelEncoder", [tokens], domain="ai.onnx.ml", op_version=2, **attrs)


def _emit_instance_norm(g: _Graph, est, x: str, lengths: str | None):
    """``TargetNormMixin._normalize_X`` in double: the normalised windows and each
    sample's shift and scale ``(N, 1, F)``, or ``x`` and ``None``."""
    mode = est.instance_norm
    if mode is None:
        return x, None
    n_steps = g.dim(x, 1)
    if lengths is not None:
        valid = g.op("Unsqueeze", [g.step_mask(lengths, n_steps, 1), g.ints(2)])
        count = g.op("Reshape", [g.cast(lengths, g.T.DOUBLE), g.ints(-1, 1, 1)])
    if mode == "last":
        if lengths is None:
            shift = g.op("Slice", [x, g.ints(-1), g.ints(np.iinfo(np.int64).max), g.ints(1)])
        else:
            last = g.op("Sub", [g.op("Reshape", [lengths, g.ints(-1, 1, 1)]), g.const(np.int64(1))])
            features = g.op("Reshape", [g.dim(x, 2), g.ints(1)])
            index = g.op("Expand", [last, g.op("Concat", [g.ints(1, 1), features], axis=0)])
            shift = g.op("GatherElements", [x, index], axis=1)
        return g.op("Sub", [x, shift]), (shift, None)
    zero = None if lengths is None and mode == "mean" else g.const(np.float64(0.0))
    if lengths is None:
        mean = g.reduce("ReduceMean", x, [1], keepdims=1)
    else:
        mean = g.op("Div", [g.reduce("ReduceSum", g.op("Where", [valid, x, zero]), [1], 1), count])
    centred = g.op("Sub", [x, mean])
    if mode == "mean":
        return centred, (mean, None)
    square = g.op("Mul", [centred, centred])
    if lengths is None:
        var = g.reduce("ReduceMean", square, [1], keepdims=1)
    else:
        var = g.op(
            "Div", [g.reduce("ReduceSum", g.op("Where", [valid, square, zero]), [1], 1), count]
        )
    std = g.op("Sqrt", [var])
    scale = g.op("Where", [g.op("Greater", [std, zero]), std, g.const(np.float64(1.0))])
    return g.op("Div", [centred, scale]), (mean, scale)


def _emit_network(g: _Graph, est, x: str, lengths: str | None) -> str:
    """The module's output ``(N, n_outputs)`` float for batch-first input ``x``."""
    module = est.module_
    if est._reads_tokens():
        weight = module.embedding.weight.detach().cpu().float().numpy()
        x = g.op("Gather", [g.const(weight, "embedding"), x], axis=0)
    else:
        x = g.cast(x, g.T.FLOAT)
    if getattr(module, "zscore", False):
        x = _emit_zscore(g, x, lengths)
    factor = int(getattr(module, "downsample", 1))
    if factor > 1:
        method = getattr(module, "downsample_method", "mean")
        x, lengths = _emit_downsample(g, x, lengths, factor, _module_features(est), method)
    x_tm = g.op("Transpose", [x], perm=[1, 0, 2])
    seq_lens = None if lengths is None else g.cast(lengths, g.T.INT32)
    out_tm, final = _emit_recurrent(g, x_tm, seq_lens, est)
    weight = module.head.weight.detach().cpu().float().numpy()
    bias = g.const(module.head.bias.detach().cpu().float().numpy())
    if est.return_sequences:  # the head at every step: (N, T, n_outputs)
        steps = g.op("Transpose", [out_tm], perm=[1, 0, 2])
        return g.op("Add", [g.op("MatMul", [steps, g.const(weight.T.copy(), "head")]), bias])
    pooled = _emit_pool(g, out_tm, final, lengths, est.pooling)
    if getattr(module, "conv", None) is not None:
        pooled = g.op("Concat", [pooled, _emit_conv_branch(g, module.conv, x, lengths)], axis=1)
    return g.op("Add", [g.op("MatMul", [pooled, g.const(weight.T.copy(), "head")]), bias])


def _module_features(est) -> int:
    return int(est.embedding_dim if est._reads_tokens() else est.input_shape_[1])


def _valid_steps(g: _Graph, x: str, lengths: str | None) -> str | None:
    """``(N, T, 1)`` float mask of the valid steps of ``x``, ``None`` without lengths."""
    if lengths is None:
        return None
    mask = g.step_mask(lengths, g.dim(x, 1), 1)
    return g.op("Unsqueeze", [g.cast(mask, g.T.FLOAT), g.ints(2)])


def _emit_zscore(g: _Graph, x: str, lengths: str | None) -> str:
    """``_modules.zscore_steps``: each sequence standardised per feature over its valid
    steps (float32); padding zero, a constant feature zero."""
    mask = _valid_steps(g, x, lengths)
    if mask is None:
        mean = g.reduce("ReduceMean", x, [1], keepdims=1)
        centred = g.op("Sub", [x, mean])
        var = g.reduce("ReduceMean", g.op("Mul", [centred, centred]), [1], keepdims=1)
    else:
        count = g.reduce("ReduceSum", mask, [1], keepdims=1)
        mean = g.op("Div", [g.reduce("ReduceSum", g.op("Mul", [x, mask]), [1], 1), count])
        centred = g.op("Mul", [g.op("Sub", [x, mean]), mask])
        square = g.op("Mul", [centred, centred])
        var = g.op("Div", [g.reduce("ReduceSum", square, [1], keepdims=1), count])
    std = g.op("Sqrt", [var])
    big = g.op("Greater", [std, g.const(np.float32(1e-8))])
    return g.op("Div", [centred, g.op("Where", [big, std, g.const(np.float32(1.0))])])


def _emit_downsample(
    g: _Graph, x: str, lengths: str | None, factor: int, n_features: int, method: str
):
    """``_modules.downsample_steps``: means of ``factor`` consecutive valid steps, or
    those steps folded side by side (``method="fold"``), and the lengths
    ``ceil(lengths / factor)``."""
    n_steps = g.dim(x, 1)
    full = lengths
    if full is None:  # every step valid: the last block may still be partial
        full = g.op("Expand", [n_steps, g.op("Reshape", [g.dim(x, 0), g.ints(1)])])
    mask = _valid_steps(g, x, full)
    f = g.const(np.int64(factor))
    blocks = g.op("Div", [g.op("Add", [n_steps, g.const(np.int64(factor - 1))]), f])
    pad = g.op("Sub", [g.op("Mul", [blocks, f]), n_steps])
    pads = g.op(
        "Concat", [g.ints(0, 0, 0, 0), g.op("Reshape", [pad, g.ints(1)]), g.ints(0)], axis=0
    )
    padded = g.op("Pad", [g.op("Mul", [x, mask]), pads])
    if method == "fold":
        out = g.op("Reshape", [padded, g.ints(0, -1, factor * n_features)])
    else:
        total = g.op("Reshape", [padded, g.ints(0, -1, factor, n_features)])
        counts = g.op("Reshape", [g.op("Pad", [mask, pads]), g.ints(0, -1, factor, 1)])
        count = g.op("Max", [g.reduce("ReduceSum", counts, [2]), g.const(np.float32(1.0))])
        out = g.op("Div", [g.reduce("ReduceSum", total, [2]), count])
    if lengths is None:
        return out, None
    new_lengths = g.op("Div", [g.op("Add", [lengths, g.const(np.int64(factor - 1))]), f])
    return out, new_lengths


def _emit_conv_branch(g: _Graph, branch, x: str, lengths: str | None) -> str:
    """``_modules.ConvBranch`` in inference mode: (zero "same" padding, Conv1d, batch
    normalisation with the running statistics, ReLU) per block, padded steps zeroed
    before each convolution, then the mean over the valid steps ``(N, filters)``."""
    mask = _valid_steps(g, x, lengths)
    keep = None if mask is None else g.op("Transpose", [mask], perm=[0, 2, 1])  # (N, 1, T)
    h = g.op("Transpose", [x], perm=[0, 2, 1])  # (N, channels, T)
    for conv, norm, (left, right) in zip(branch.convs, branch.norms, branch.pads, strict=True):
        if keep is not None:
            h = g.op("Mul", [h, keep])
        h = g.op("Pad", [h, g.ints(0, 0, int(left), 0, 0, int(right))])
        weight = conv.weight.detach().cpu().float().numpy()
        h = g.op("Conv", [h, g.const(weight, "conv")], kernel_shape=[int(weight.shape[2])])
        stats = [norm.weight, norm.bias, norm.running_mean, norm.running_var]
        stats = [g.const(t.detach().cpu().float().numpy(), "bn") for t in stats]
        h = g.op("BatchNormalization", [h, *stats], epsilon=float(norm.eps))
        h = g.op("Relu", [h])
    if keep is None:
        return g.reduce("ReduceMean", h, [2])
    total = g.reduce("ReduceSum", g.op("Mul", [h, keep]), [2])
    return g.op("Div", [total, g.op("Unsqueeze", [g.cast(lengths, g.T.FLOAT), g.ints(1)])])


def _convert_regressor(scope, operator, container):
    est = operator.raw_operator
    _check_exportable_net(est)
    g = _Graph(scope, operator, container)
    x, lengths = _emit_inputs(g, est)
    if not est._reads_tokens():
        x, window = _emit_instance_norm(g, est, x, lengths)
    else:
        window = None
    out = g.cast(_emit_network(g, est, x, lengths), g.T.DOUBLE)
    out = g.op("Add", [g.op("Mul", [out, g.const(est.target_scale_)]), g.const(est.target_mean_)])
    if window is not None:  # back to each window's level (and scale) of the target feature
        cols = g.const(np.asarray(est._target_columns, dtype=np.int64))
        # (N, 1, F) -> the target columns (N, 1, k) per step, (N, k) per sequence
        shift, scale = (
            None
            if s is None
            else g.op("Gather", [s, cols], axis=2)
            if est.return_sequences
            else g.op("Gather", [g.op("Squeeze", [s, g.ints(1)]), cols], axis=1)
            for s in window
        )
        if scale is not None:
            out = g.op("Mul", [out, scale])
        out = g.op("Add", [out, shift])
    target = operator.outputs[0].full_name
    if est._y_1d:
        g.op("Squeeze", [out, g.ints(-1)], out=target)
    else:
        g.op("Identity", [out], out=target)


def _convert_classifier(scope, operator, container):
    est = operator.raw_operator
    _check_exportable_net(est)
    g = _Graph(scope, operator, container)
    x, lengths = _emit_inputs(g, est)
    logits = _emit_network(g, est, x, lengths)
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    g.op("Softmax", [logits], out=proba, axis=-1)
    best = g.op("ArgMax", [logits], axis=-1, keepdims=0)
    classes = est.classes_
    if classes.dtype.kind in "biu":
        g.op("Gather", [g.const(classes.astype(np.int64), "classes"), best], out=label, axis=0)
    else:
        names = np.array([str(c) for c in classes], dtype=object)
        g.op("Gather", [g.const(names, "classes"), best], out=label, axis=0)


def _shape_regressor(operator):
    from skl2onnx.common.data_types import DoubleTensorType

    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    per_step = [None] if est.return_sequences else []
    shape = [n, *per_step] + ([] if est._y_1d else [est.n_outputs_])
    operator.outputs[0].type = DoubleTensorType(shape)


def _shape_classifier(operator):
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    label = Int64TensorType if est.classes_.dtype.kind in "biu" else StringTensorType
    per_step = [None] if est.return_sequences else []
    operator.outputs[0].type = label([n, *per_step])
    operator.outputs[1].type = FloatTensorType([n, *per_step, len(est.classes_)])


# -- transformers --------------------------------------------------------------------------
def _check_window(window) -> None:
    if isinstance(window.use_fit_history, str):
        raise ValueError(
            "SlidingWindowTransformer(use_fit_history='auto') decides at each transform by "
            "comparing X with the data seen in fit, which a graph cannot; set "
            "use_fit_history=True (new data continues the fit series: serving) or False "
            "(each X windowed on its own) before exporting, e.g. "
            "pipeline.set_params(window__use_fit_history=True)."
        )


def _convert_window(scope, operator, container):
    window = operator.raw_operator
    _check_window(window)
    g = _Graph(scope, operator, container)
    steps, n_features = int(window.time_steps), int(window.n_features_in_)
    series = g.cast(operator.inputs[0].full_name, g.T.DOUBLE)
    series = g.op("Reshape", [series, g.ints(-1, n_features)])
    start = 0
    if window.use_fit_history:
        start = len(window.history_)
        series = g.op("Concat", [g.const(np.asarray(window.history_, np.float64)), series], axis=0)
    big = np.iinfo(np.int64).max
    first = g.op("Slice", [series, g.ints(0), g.ints(1), g.ints(0)])
    if window.fill_value == "edge":
        fill = first
    else:
        fill = g.const(np.full((1, n_features), float(window.fill_value)))
    # lagged columns show the previous row: the series shifted down by one, fill on top
    previous = g.op(
        "Concat", [fill, g.op("Slice", [series, g.ints(0), g.ints(-1), g.ints(0)])], axis=0
    )
    current = g.const(np.asarray(window._current, dtype=bool).reshape(1, -1))
    body = g.op("Where", [current, series, previous])
    padded = body
    if steps > 1:
        head = g.op("Expand", [fill, g.ints(steps - 1, n_features)])
        padded = g.op("Concat", [head, body], axis=0)
    rows = g.op("Unsqueeze", [g.arange(g.dim(series, 0)), g.ints(1)])
    index = g.op("Add", [rows, g.const(np.arange(steps, dtype=np.int64).reshape(1, -1))])
    windows = g.op("Gather", [padded, index], axis=0)  # (n, steps, features)
    if start:
        windows = g.op("Slice", [windows, g.ints(start), g.ints(big), g.ints(0)])
    target = operator.outputs[0].full_name
    layout = _window_layout(window)
    if layout == "flat":
        g.op("Reshape", [windows, g.ints(0, -1)], out=target)
    elif layout == "squeezed":
        g.op("Squeeze", [windows, g.ints(2)], out=target)
    else:
        g.op("Identity", [windows], out=target)


def _window_layout(window) -> str:
    """How ``transform`` lays windows out: ``"flat"`` ``(n, steps * features)``,
    ``"squeezed"`` ``(n, steps)`` for one feature, or ``"3d"`` ``(n, steps, features)``."""
    flatten = getattr(window, "flatten", None)
    if flatten is None:  # no such parameter: univariate windows are 2D
        return "squeezed" if window.n_features_in_ == 1 else "3d"
    return "flat" if flatten else "3d"


def _shape_window(operator):
    from skl2onnx.common.data_types import DoubleTensorType

    window = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    _check_window(window)
    n_features, steps = int(window.n_features_in_), int(window.time_steps)
    shape = {
        "flat": [n, steps * n_features],
        "squeezed": [n, steps],
        "3d": [n, steps, n_features],
    }[_window_layout(window)]
    operator.outputs[0].type = DoubleTensorType(shape)


def _convert_scaler(scope, operator, container):
    scaler = operator.raw_operator
    g = _Graph(scope, operator, container)
    x = g.cast(operator.inputs[0].full_name, g.T.DOUBLE)
    inner = scaler.scaler_
    target = operator.outputs[0].full_name
    if hasattr(inner, "min_"):  # MinMaxScaler: X * scale_ + min_, then the clip
        x = g.op("Add", [g.op("Mul", [x, g.const(_f8(inner.scale_))]), g.const(_f8(inner.min_))])
        if inner.clip:
            low, high = (np.float64(v) for v in inner.feature_range)
            x = g.op("Clip", [x, g.const(low), g.const(high)])
    else:  # StandardScaler: (X - mean_) / scale_
        if inner.mean_ is not None and inner.with_mean:
            x = g.op("Sub", [x, g.const(_f8(inner.mean_))])
        if inner.scale_ is not None and inner.with_std:
            x = g.op("Div", [x, g.const(_f8(inner.scale_))])
    g.op("Identity", [x], out=target)


def _f8(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _shape_same_double(operator):
    from skl2onnx.common.data_types import DoubleTensorType

    shape = getattr(operator.inputs[0].type, "shape", None)
    operator.outputs[0].type = DoubleTensorType(list(shape) if shape is not None else None)


def _refuse(scope, operator, container):
    est = operator.raw_operator
    raise NotImplementedError(_REFUSED[type(est).__name__])


_REFUSED = {
    "Seq2SeqTransformer": (
        "Seq2SeqTransformer is not exported to ONNX: its decoding (greedy or beam search, "
        "a loop that feeds each output token back in until the end token) and transform's "
        "encoder are not converted. Save it with skrnn.save and serve it with skrnn.load."
    ),
    "SequenceTokenizer": (
        "SequenceTokenizer is not exported to ONNX: splitting texts into tokens is "
        "Python code. Export the estimator after it and feed the graph token ids: "
        "skrnn.onnx_inputs(estimator, tokenizer.transform(texts))."
    ),
    "RNNForecaster": (
        "RNNForecaster is not exported to ONNX: its horizon, index and recursive "
        "forecasting logic are sktime's Python code. Save it with skrnn.save, or export "
        "the windows and network of an RNNRegressor pipeline."
    ),
}


_REGISTERED = False


def register_onnx_converters() -> None:
    """Register skrnn's converters with skl2onnx (for ``skl2onnx.to_onnx``).

    ``skl2onnx.to_onnx`` then converts pipelines holding skrnn's estimators and
    transformers. Registers ``RNNRegressor``, ``RNNClassifier`` (label and probabilities, with
    skl2onnx's ``zipmap`` option), ``SlidingWindowTransformer``,
    ``SequenceMinMaxScaler`` and ``SequenceStandardScaler``; ``Seq2SeqTransformer``
    raises a ``NotImplementedError`` naming what is not exported. :func:`to_onnx`
    calls it; call it yourself before ``skl2onnx.to_onnx``. Needs ``onnx`` and
    ``skl2onnx`` (``pip install "skrnn[onnx]"``).

    Examples
    --------
    >>> import numpy as np
    >>> import skl2onnx
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> import skrnn
    >>> skrnn.register_onnx_converters()
    >>> series = np.sin(np.arange(40.0))[:, None]
    >>> pipe = make_pipeline(
    ...     StandardScaler(),
    ...     skrnn.SlidingWindowTransformer(4, use_fit_history=True),
    ...     skrnn.RNNRegressor(units=4, epochs=2, random_state=0),
    ... ).fit(series, series.ravel())
    >>> graph = skl2onnx.to_onnx(pipe, series.astype(np.float32))
    >>> [node.op_type for node in graph.graph.node if node.op_type == "LSTM"]
    ['LSTM']
    """
    global _REGISTERED
    if _REGISTERED:
        return
    _, skl2onnx = _onnx()
    from skl2onnx.common.shape_calculator import calculate_linear_regressor_output_shapes

    from ..neural_network._classifier import RNNClassifier
    from ..neural_network._regressor import RNNRegressor
    from ..neural_network._seq2seq import Seq2SeqTransformer
    from ..preprocessing._scaling import SequenceMinMaxScaler, SequenceStandardScaler
    from ..preprocessing._windows import SlidingWindowTransformer

    register = skl2onnx.update_registered_converter
    register(RNNRegressor, "SkrnnRNNRegressor", _shape_regressor, _convert_regressor)
    register(
        RNNClassifier,
        "SkrnnRNNClassifier",
        _shape_classifier,
        _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
    )
    register(SlidingWindowTransformer, "SkrnnSlidingWindow", _shape_window, _convert_window)
    for scaler in (SequenceMinMaxScaler, SequenceStandardScaler):
        register(scaler, f"Skrnn{scaler.__name__}", _shape_same_double, _convert_scaler)
    register(Seq2SeqTransformer, "SkrnnSeq2Seq", calculate_linear_regressor_output_shapes, _refuse)
    _REGISTERED = True


# -- the public entry points ---------------------------------------------------------------
def _final_estimator(model):
    steps = getattr(model, "steps", None)
    return _final_estimator(steps[-1][1]) if steps else model


def _first_estimator(model):
    steps = getattr(model, "steps", None)
    return _first_estimator(steps[0][1]) if steps else model


def _check_steps(model) -> None:
    """Refuse, before anything is converted, what is not exported (naming it)."""
    from ..neural_network._base import BaseRNN
    from ..preprocessing._windows import SlidingWindowTransformer

    steps = [step for _, step in getattr(model, "steps", [])] or [model]
    for step in steps:
        if hasattr(step, "steps"):
            _check_steps(step)
        elif type(step).__name__ in _REFUSED:
            raise NotImplementedError(_REFUSED[type(step).__name__])
        elif isinstance(step, BaseRNN):
            _check_exportable_net(step)
        elif isinstance(step, SlidingWindowTransformer):
            _check_window(step)


def _sample_array(model, X, lengths=None):
    """``X`` as the graph's inputs: ``{"X": array}``, with ``"lengths"`` for token and
    variable-length input (padded to the longest sequence)."""
    from ..neural_network._base import BaseRNN

    first = _first_estimator(model)
    if isinstance(first, BaseRNN):
        if first._vocabulary is not None:
            return _token_inputs(first, X, lengths)
        if first._reads_tokens():  # token ids: the graph reads them and their lengths
            ids, lens = first._validate_X(X, reset=False, lengths=lengths)
            return {"X": ids, "lengths": lens}
        if isinstance(X, (list, tuple)) or lengths is not None:
            seqs, lens = first._validate_X(X, reset=False, lengths=lengths)
            if lens is None:
                lens = np.full(len(seqs), seqs.shape[1])
            return {"X": np.asarray(seqs, dtype=np.float32), "lengths": np.asarray(lens, np.int64)}
    arr = np.asarray(X)
    if arr.dtype.kind not in "f":
        arr = arr.astype(np.float64)
    return {"X": arr if arr.dtype == np.float64 else arr.astype(np.float32)}


def _token_inputs(est, X, lengths):
    """Token sequences padded into a 2D array of tokens (the graph maps them through the
    vocabulary) and their lengths."""
    if callable(est.tokenizer) and not isinstance(est.tokenizer, str):
        raise NotImplementedError(
            f"{type(est).__name__}(tokenizer=<callable>): give the graph the tokens "
            "yourself (a 2D array padded with any token, and 'lengths')."
        )
    tokens = _tokenize(est, X)
    n = max(1, max((len(t) for t in tokens), default=1))
    strings = any(isinstance(t, str) for seq in tokens for t in seq)
    pad = "" if strings else 0
    out = np.array(
        [list(t) + [pad] * (n - len(t)) for t in tokens], dtype=object if strings else np.int64
    )
    return {"X": out, "lengths": np.array([len(t) for t in tokens], dtype=np.int64)}


def _tokenize(est, X) -> list[list]:
    from sklearn.feature_extraction.text import CountVectorizer

    if isinstance(X, np.ndarray) and X.dtype.kind in "iu":
        return [list(row) for row in X.tolist()]
    out = []
    for seq in X:
        if isinstance(seq, str):
            if est._tokenizer() == "char":
                out.append(list(seq))
            else:
                out.append(CountVectorizer().build_analyzer()(seq))
        else:
            out.append([t.item() if isinstance(t, np.generic) else t for t in seq])
    return out


def onnx_inputs(model, X, lengths=None) -> dict:
    """The inputs of ``model``'s ONNX graph for ``X``, as onnxruntime takes them.

    ``{"X": ...[, "lengths": ...]}``, for
    ``onnxruntime.InferenceSession(...).run(None, onnx_inputs(model, X))``. Numeric
    input stays an array (``float32``, or ``float64`` as given). Token ids
    (``embedding_dim``, as :class:`~skrnn.SequenceTokenizer` gives them) stay int64 ids
    and come with ``"lengths"``; so does variable-length numeric input (a list of
    arrays). Texts given to an estimator fitted on texts (deprecated) become a 2D array
    of tokens padded to the longest sequence (strings padded with ``""``, integers with
    0; the graph maps them through the vocabulary). Outside Python, build the same
    arrays.

    Parameters
    ----------
    model : estimator or Pipeline
        The exported model.
    X : array-like or list of sequences
        What ``model.predict`` takes.
    lengths : array-like of shape (n_samples,), default=None
        True lengths of the sequences of a padded ``X``.

    Returns
    -------
    inputs : dict
        Input name to array.

    Examples
    --------
    >>> import numpy as np
    >>> import skrnn
    >>> tokens = skrnn.SequenceTokenizer().fit(["ab", "b"])
    >>> clf = skrnn.RNNClassifier(embedding_dim=2, units=2, epochs=1)
    >>> clf = clf.fit(tokens.transform(["ab", "b"]), [0, 1])
    >>> feed = skrnn.onnx_inputs(clf, tokens.transform(["abc", "b"]))
    >>> feed["X"].tolist(), feed["lengths"].tolist()
    ([[2, 3, 1], [3, 0, 0]], [3, 1])
    """
    return _sample_array(model, X, lengths)


def _initial_types(model, feed: dict):
    """The graph's inputs: the batch axis is dynamic, and so is the time axis of
    variable-length and token input; the other axes are those ``predict`` accepts."""
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    first = _first_estimator(model)
    variable = getattr(first, "input_shape_", (0,))[0] is None or "lengths" in feed
    types = []
    for name, arr in feed.items():
        shape = [None] + list(arr.shape[1:])
        if name == "lengths" or (variable and arr.ndim > 1):
            shape[1:2] = [None] * min(1, arr.ndim - 1)
        kind = {"f4": FloatTensorType, "f8": DoubleTensorType, "i8": Int64TensorType}.get(
            f"{arr.dtype.kind}{arr.dtype.itemsize}", StringTensorType
        )
        types.append((name, kind(shape)))
    return types


def _unpadded(expected, got):
    """``predict``'s output and the graph's as comparable arrays: per-step outputs of
    variable-length input (a list, one array per sequence) against the graph's padded
    ones, cut to each sequence's length; otherwise both as they are."""
    if not isinstance(expected, list):
        return np.asarray(expected), np.asarray(got)
    cut = [np.asarray(g)[: len(e)] for e, g in zip(expected, got, strict=True)]
    return np.concatenate(expected), np.concatenate(cut)


@contextlib.contextmanager
def _float32_arithmetic():
    """Full float32 in cuDNN and CUDA matrix products for the duration: PyTorch lets a
    GPU run float32 recurrent layers and convolutions in TF32 by default (about 1e-3
    relative), and the check compares the graph with the network's float32 arithmetic,
    not with that approximation. No effect on the CPU."""
    import torch

    cudnn, matmul = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = cudnn, matmul


def _check_predictions(model, graph, X, feed, lengths) -> float:
    """Run the graph with onnxruntime on the sample and compare with the model's own
    predictions; a ``ValueError`` when they differ. Returns the largest relative error."""
    try:
        import onnxruntime as ort
    except ImportError:
        return float("nan")
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    outputs = session.run(None, feed)
    final = _final_estimator(model)
    kw = {} if lengths is None else {"lengths": lengths}
    with _float32_arithmetic():
        if hasattr(final, "predict_proba") and hasattr(final, "classes_"):
            expected, got = _unpadded(model.predict_proba(X, **kw), outputs[1])
            labels, want = _unpadded(model.predict(X, **kw), outputs[0])
            labels_equal = np.array_equal(np.asarray(labels), np.asarray(want).astype(labels.dtype))
        elif hasattr(final, "predict"):
            (expected, got), labels_equal = _unpadded(model.predict(X, **kw), outputs[0]), True
        else:
            expected, got, labels_equal = model.transform(X), outputs[0], True
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64).reshape(expected.shape)
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-12)
    err = float(
        np.max(np.abs(got - expected) / np.maximum(np.abs(expected), scale * 1e-3), initial=0.0)
    )
    if not labels_equal or not np.allclose(got, expected, rtol=CHECK_RTOL, atol=CHECK_RTOL * scale):
        raise ValueError(
            f"The ONNX graph of {type(model).__name__} does not reproduce its predictions on "
            f"X_sample (largest relative difference {err:.2e}, labels equal: {labels_equal}); "
            "it is not returned. Please report this with the model's parameters."
        )
    return err


def to_onnx(
    model, X_sample, *, lengths=None, target_opset: int = DEFAULT_OPSET, check: bool = True
):
    """Export a fitted skrnn estimator, transformer or ``Pipeline`` to an ONNX graph.

    The graph computes what ``predict`` (regressors; ``transform`` for transformers) or
    ``predict`` and ``predict_proba`` (classifiers: outputs ``"label"`` and
    ``"probabilities"``) compute: windows, scalers and scikit-learn steps, per-window
    normalisation, the recurrent layers (LSTM, GRU or RNN; stacked, bidirectional),
    pooling, the output layer (at every step with ``return_sequences``, padded to the
    longest sequence), target scaling, class labels and token vocabularies. The
    batch and time axes are dynamic; token and variable-length input take their lengths
    as a second input (see :func:`onnx_inputs`). With ``check`` (and onnxruntime
    installed) the graph is run on ``X_sample`` and must match the model within
    relative 1e-5, or a ``ValueError`` is raised.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        ``RNNRegressor``, ``RNNClassifier``, ``SlidingWindowTransformer``, the sequence
        scalers, or a ``Pipeline`` of them and scikit-learn steps that skl2onnx converts.
    X_sample : array-like or list of sequences
        A few inputs as ``predict`` takes them: they fix the input's type and rank and
        are used for the check.
    lengths : array-like of shape (n_samples,), default=None
        True lengths of a padded ``X_sample`` (the graph then has a ``"lengths"`` input).
    target_opset : int, default=17
        ONNX opset of the graph.
    check : bool, default=True
        Compare the graph's predictions with the model's on ``X_sample``.

    Returns
    -------
    onnx_model : onnx.ModelProto
        Save it with ``onnx_model.SerializeToString()`` (or ``onnx.save``).

    Raises
    ------
    NotImplementedError
        For what cannot be exported (``Seq2SeqTransformer``, ``RNNForecaster``,
        layers skrnn does not build), naming it.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> import skrnn
    >>> X = np.random.RandomState(0).rand(16, 5).astype(np.float32)
    >>> reg = skrnn.RNNRegressor(units=4, epochs=2, random_state=0).fit(X, X.sum(axis=1))
    >>> graph = skrnn.to_onnx(reg, X)
    >>> session = ort.InferenceSession(graph.SerializeToString())
    >>> out = session.run(None, skrnn.onnx_inputs(reg, X))[0]
    >>> bool(np.allclose(out, reg.predict(X), rtol=1e-5))
    True
    """
    onnx, skl2onnx = _onnx()
    register_onnx_converters()
    from ..neural_network._classifier import RNNClassifier

    _check_steps(model)
    feed = _sample_array(model, X_sample, lengths)
    options = None
    if isinstance(_final_estimator(model), RNNClassifier):
        options = {id(_final_estimator(model)): {"zipmap": False}}
    graph = skl2onnx.convert_sklearn(
        model,
        initial_types=_initial_types(model, feed),
        target_opset={"": int(target_opset), "ai.onnx.ml": 3},
        options=options,
    )
    if check:
        _check_predictions(model, graph, X_sample, feed, lengths)
    return graph
