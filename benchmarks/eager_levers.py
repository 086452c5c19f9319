"""Levers against the raw eager loop (issue 20, item 4): fused and compiled training steps.

Every lever is the raw loop of :mod:`benchmarks.raw` with one thing changed (or skrnn's
estimator with or without a fused Adam), timed against the unchanged raw loop in the same
process, alternating rounds (A B, B A, ...), one epoch per fit, after one untimed warm-up
fit per lever (compilation happens there). Each row gives the median epoch time, its
ratio to the eager loop's median, the median and range of the per-round ratios, the final
training loss (all levers start from the same weights and draw the same batches) and the
1-minute load. docs/benchmarks.md ("Beyond the eager loop") has the measured table.

``compile_lstm`` sets dynamo's process-wide ``allow_rnn`` while it compiles and runs, and
dynamo's cached code of ``RNNModule.forward`` does not guard on that setting: run it in a
process of its own, not with ``compile_module`` or ``compile_step``.

Run ``python -m benchmarks.eager_levers --only W2,W3 --levers fused,foreach`` (full W2,
2,560 rows of W3 by default).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
import warnings

import torch

from .workloads import INIT_SCHEME, Workload, skrnn_seed, workloads

#: The levers: each a change to the raw eager loop, or skrnn's estimator.
LEVERS = {
    "eager": "the raw loop of benchmarks/raw.py (Adam's default for-loop implementation)",
    "fused": "Adam(fused=True): one fused CPU kernel for all parameters",
    "foreach": "Adam(foreach=True): multi-tensor ops",
    "native": "oneDNN off (torch.backends.mkldnn): ATen's own LSTM kernels",
    "compile_module": "torch.compile(module), as skorch's compile=True (LSTM graph break)",
    "compile_lstm": "torch.compile(module) with dynamo's allow_rnn and oneDNN off: the LSTM "
    "decomposed into per-step ops, compiled by inductor",
    "compile_lstm_fused": "compile_lstm with Adam(fused=True)",
    "compile_step": "torch.compile of forward, loss and backward together",
    "skrnn": "skrnn's estimator, defaults of the benchmark (benchmarks/workloads.py)",
    "skrnn_fused": "skrnn's estimator with a fused Adam (optimizer=FusedAdam)",
}

#: Levers that set dynamo's process-wide ``allow_rnn``; not mixed with other compiled ones.
_ALLOW_RNN = {"compile_lstm", "compile_lstm_fused"}


class FusedAdam(torch.optim.Adam):
    """``torch.optim.Adam`` with ``fused=True``: what skrnn's ``optimizer=`` takes (a class)."""

    def __init__(self, params, **kwargs):
        super().__init__(params, fused=True, **kwargs)


def epoch_flops(wl: Workload, n: int) -> float:
    """Matrix-product FLOPs of one training epoch of ``n`` sequences of the LSTM of ``wl``.

    Forward: ``2 (inputs + units) 4 units`` per step and layer (the four gates' products
    with the input and the previous state); backward twice that (gradients of the inputs
    and state, and of the weights): 3x in all. The gates' pointwise arithmetic and the
    linear head are left out.

    Examples
    --------
    >>> w2 = Workload("W2", "", "regression", 32, 6, 8, "lstm", 32, 1, 32, 1)
    >>> epoch_flops(w2, 1)
    184320.0
    """
    per_step = sum(
        2 * ((wl.features if layer == 0 else wl.units) + wl.units) * 4 * wl.units
        for layer in range(wl.num_layers)
    )
    return 3.0 * per_step * wl.steps * n


@contextlib.contextmanager
def onednn_off():
    """oneDNN (mkldnn) kernels off for the block: PyTorch's flag is process-wide, and
    switching it warns about TF32 on Intel GPUs (not relevant here: silenced)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="TF32 acceleration on top of oneDNN")
        with torch.backends.mkldnn.flags(enabled=False):
            yield


def raw_lever(lever: str):
    """A one-epoch training function ``(wl, X, y, seed) -> final loss`` of a raw-loop lever."""

    def train(wl: Workload, X, y, seed: int) -> float:
        from skrnn._torch.init import init_parameters
        from skrnn._torch.random import make_generator

        s = skrnn_seed(seed)
        module = init_parameters(wl.module(), make_generator(s), INIT_SCHEME)
        generator, loss_fn = make_generator(s), wl.loss_fn()
        kwargs = {"fused": True} if "fused" in lever else {}
        if lever == "foreach":
            kwargs["foreach"] = True
        optimizer = torch.optim.Adam(module.parameters(), lr=wl.lr, **kwargs)
        forward, step, stack = module, None, contextlib.ExitStack()
        if lever == "compile_module":
            forward = torch.compile(module)
        elif lever in _ALLOW_RNN:
            from torch._dynamo import config as dynamo_config

            stack.enter_context(dynamo_config.patch(allow_rnn=True))
            stack.enter_context(onednn_off())
            forward = torch.compile(module)
        elif lever == "compile_step":

            def forward_backward(xb, yb):
                loss = loss_fn(module(xb), yb)
                loss.backward()
                return loss.detach()

            step = torch.compile(forward_backward)
        elif lever == "native":
            stack.enter_context(onednn_off())
        n, total = len(y), 0.0
        with stack:
            module.train()
            perm = torch.randperm(n, generator=generator)
            for start in range(0, n, wl.batch_size):
                idx = perm[start : start + wl.batch_size]
                xb, yb = X[idx], y[idx]
                optimizer.zero_grad()
                if step is not None:
                    loss = step(xb, yb)
                else:
                    loss = loss_fn(forward(xb), yb)
                    loss.backward()
                optimizer.step()
                total += loss.item() * len(idx)
        return total / n

    return train


def skrnn_lever(optimizer):
    """A one-epoch skrnn fit ``(wl, X, y, seed) -> final loss`` (``optimizer``: a class or None)."""

    def train(wl: Workload, X, y, seed: int) -> float:
        est = wl.estimator(seed, epochs=1)
        if optimizer is not None:
            est.set_params(optimizer=optimizer)
        est.fit(X, y)
        return float(est.history_[-1, "train_loss"])

    return train


def run(wl: Workload, n: int, levers, reps: int, log=print) -> list[dict]:
    """Time ``levers`` against the eager loop on the first ``n`` sequences of ``wl``."""
    unknown = set(levers) - set(LEVERS)
    if unknown:
        raise ValueError(f"unknown levers {sorted(unknown)}; known: {sorted(LEVERS)}")
    if _ALLOW_RNN & set(levers) and {"compile_module", "compile_step"} & set(levers):
        raise ValueError("run compile_lstm in a process without compile_module/compile_step")
    names = ["eager", *(lever for lever in levers if lever != "eager")]
    X, y = wl.data()
    X, y = X[:n], y[:n]
    Xt, yt = wl.raw_inputs(X, y)
    fns = {}
    for name in names:
        if name.startswith("skrnn"):
            fns[name] = (skrnn_lever(FusedAdam if name == "skrnn_fused" else None), X, y)
        else:
            fns[name] = (raw_lever(name), Xt, yt)
    losses, warm_up = {}, {}
    for name, (fn, a, b) in fns.items():  # compilation, caches: not timed
        t0 = time.perf_counter()
        losses[name] = fn(wl, a, b, 0)
        warm_up[name] = time.perf_counter() - t0
    times: dict[str, list[float]] = {name: [] for name in names}
    load = [os.getloadavg()[0]]
    for r in range(reps):
        for name in names if r % 2 == 0 else names[::-1]:
            fn, a, b = fns[name]
            t0 = time.perf_counter()
            fn(wl, a, b, r)
            times[name].append(time.perf_counter() - t0)
    load.append(os.getloadavg()[0])
    base = statistics.median(times["eager"])
    rows = []
    for name in names:
        paired = [a / b for a, b in zip(times[name], times["eager"], strict=True)]
        epoch = statistics.median(times[name])
        row = {
            "workload": wl.key, "rows": n, "lever": name, "epoch_s": epoch,
            "ratio": epoch / base, "paired_median": statistics.median(paired),
            "paired_range": [min(paired), max(paired)], "loss": losses[name],
            "warm_up_s": warm_up[name], "load": load,
            "gflops": epoch_flops(wl, n) / epoch / 1e9,
        }  # fmt: skip
        rows.append(row)
        log(
            f"{wl.key} ({n} rows) {name:20s} {epoch:.3f} s/epoch, ratio {row['ratio']:.3f} "
            f"(per round {row['paired_median']:.3f}, {min(paired):.3f}-{max(paired):.3f}), "
            f"loss {row['loss']:.6f}, {row['gflops']:.1f} GFLOP/s, warm-up {warm_up[name]:.1f} s, "
            f"load {load[0]:.2f}->{load[1]:.2f}"
        )
    return rows


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="W2,W3")
    parser.add_argument("--levers", default="fused,foreach,native,compile_module,skrnn,skrnn_fused")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--w3-rows", type=int, default=2560)
    parser.add_argument("--tiny", action="store_true", help="unit-test sizes")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    wls = {wl.key: wl for wl in workloads(tiny=args.tiny)}
    rows = []
    for key in args.only.split(","):
        wl = wls[key]
        n = min(args.w3_rows, wl.n) if key == "W3" else wl.n
        rows += run(wl, n, args.levers.split(","), args.reps)
    return rows


if __name__ == "__main__":
    main()
