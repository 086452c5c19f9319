"""Serving speed: onnxruntime against ``predict`` in Python, and file sizes.

``python -m benchmarks.export [--quick] [--out docs/benchmarks.md]``

Issue 21: a model exported with ``skrnn.to_onnx`` and run by onnxruntime should answer a
single request (batch of 1) at least 3x faster than the estimator's ``predict`` in
Python. For the seed workloads (the airline pipeline of the README: window + LSTM with
``instance_norm="last"``; W2: LSTM 32 units on 6 steps of 8 features; W3: two LSTM layers
of 64 units on 96 steps, 7 classes) it measures, in one process with one thread on both
sides (``torch.set_num_threads(1)``, onnxruntime ``intra_op_num_threads=1``), calls
alternating so both see the same load:

- batch-1 latency: the median time of one call on one sample (``predict`` of the fitted
  model vs ``InferenceSession.run``), over many calls;
- bulk throughput: samples per second predicting the whole data set in one call;
- file sizes: the ONNX graph, ``skrnn.save``'s file and a pickle.

The networks are trained for one epoch only: speed does not depend on the weights. The
graph's outputs are checked against ``predict`` (``skrnn.to_onnx`` does) before timing.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import tempfile
import time
import warnings

import numpy as np

from .measure import median
from .report import machine, replace_block

START, END = "<!-- export:start -->", "<!-- export:end -->"
TARGET = 3.0


def _workloads(quick: bool, tiny: bool = False):
    """(key, title, fitted model, X for bulk predict) of each workload."""
    from sklearn.pipeline import Pipeline

    from skrnn import RNNClassifier, RNNRegressor, SlidingWindowTransformer

    from .workloads import airline_windows, classification_data, regression_data

    scale = 0.05 if tiny else (0.25 if quick else 1.0)
    _, _, series, _, _ = airline_windows(12)
    series = series.astype(np.float64)[:, None]
    units = 4 if tiny else 32
    airline = Pipeline(
        [
            ("window", SlidingWindowTransformer(12, use_fit_history=True)),
            ("rnn", RNNRegressor(instance_norm="last", epochs=1, units=units, random_state=0)),
        ]
    ).fit(series[:100], series[:100, 0])
    out = [("airline", "airline pipeline (window 12 + LSTM 32, instance_norm)", airline,
            series[100:])]  # fmt: skip
    n2 = max(64, int(35064 * scale))
    X2, y2 = regression_data(n2, 6, 8)
    w2 = RNNRegressor(cell="lstm", units=units, epochs=1, batch_size=256, random_state=0)
    out.append(("W2", "W2: LSTM 32 units, 6 steps x 8 features", w2.fit(X2[:2048], y2[:2048]), X2))
    n3 = max(64, int(8926 * scale))
    X3, y3 = classification_data(n3, 24 if tiny else 96, 7)
    w3 = RNNClassifier(cell="lstm", units=4 if tiny else 64, num_layers=2, epochs=1,
                       batch_size=256, random_state=0)  # fmt: skip
    out.append(
        ("W3", "W3: 2 x LSTM 64 units, 96 steps, 7 classes", w3.fit(X3[:1024], y3[:1024]), X3)
    )
    return out


def _sizes(model, graph) -> dict:
    import skrnn

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.skrnn")
        skrnn.save(model, path)
        saved = os.path.getsize(path)
    buffer = io.BytesIO()
    pickle.dump(model, buffer)
    return {"onnx": len(graph.SerializeToString()), "skrnn": saved, "pickle": buffer.tell()}


def _time_calls(fns: dict, calls: int) -> dict[str, list[float]]:
    """Each callable ``calls`` times, alternating A B / B A, wall time of each call."""
    times = {name: [] for name in fns}
    names = list(fns)
    for r in range(calls):
        for name in names if r % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - start)
    return times


def _measure(key, title, model, X, calls: int, bulk_reps: int) -> dict:
    import onnxruntime as ort

    import skrnn

    graph = skrnn.to_onnx(model, X[:64])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(graph.SerializeToString(), options)
    one = X[len(X) // 2 : len(X) // 2 + 1]
    feed_one, feed_all = skrnn.onnx_inputs(model, one), skrnn.onnx_inputs(model, X)
    load = os.getloadavg()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the window transformer's note on fit data
        latency = _time_calls(
            {"predict": lambda: model.predict(one), "onnx": lambda: session.run(None, feed_one)},
            calls,
        )
        bulk = _time_calls(
            {"predict": lambda: model.predict(X), "onnx": lambda: session.run(None, feed_all)},
            bulk_reps,
        )
    row = {
        "key": key,
        "title": title,
        "n": len(X),
        "latency_ms": {k: 1e3 * median(v) for k, v in latency.items()},
        "throughput": {k: len(X) / median(v) for k, v in bulk.items()},
        "sizes": _sizes(model, graph),
        "load": [load, os.getloadavg()[0]],
    }
    row["speedup"] = row["latency_ms"]["predict"] / row["latency_ms"]["onnx"]
    return row


def run(quick: bool = False, tiny: bool = False, log=print) -> dict:
    import torch

    torch.set_num_threads(1)
    results = {"rows": [], "load_start": os.getloadavg(), "quick": quick}
    calls = 20 if tiny else (200 if quick else 1000)
    bulk_reps = 1 if tiny else 3
    for key, title, model, X in _workloads(quick, tiny):
        row = _measure(key, title, model, X, calls, bulk_reps)
        log(
            f"{key}: batch-1 predict {row['latency_ms']['predict']:.3f} ms, onnxruntime "
            f"{row['latency_ms']['onnx']:.3f} ms ({row['speedup']:.1f}x); bulk "
            f"{row['throughput']['predict']:,.0f} vs {row['throughput']['onnx']:,.0f} samples/s"
        )
        results["rows"].append(row)
    results["load_end"] = os.getloadavg()
    return results


def render(results: dict) -> str:
    mode = "quick" if results["quick"] else "full"
    lines = [
        START,
        "",
        f"{mode} run of `python -m benchmarks.export`. One thread on both sides; calls "
        "alternate between `predict` and onnxruntime so both see the same load. Batch-1 "
        "latency: median of single-sample calls; throughput: the whole data set in one call "
        f"(median of a few). Target (issue 21): batch-1 latency at least {TARGET:g}x lower "
        "with onnxruntime.",
        "",
        *machine()[:4],  # date, CPU, OS, versions (the rest is about the training runs)
        "- torch intra-op threads: 1; onnxruntime intra- and inter-op threads: 1",
        f"- 1-min load average at the start / end of the run: {results['load_start'][0]:.2f} "
        f"/ {results['load_end'][0]:.2f}",
        "",
        "| workload | samples | batch-1 `predict` (ms) | batch-1 onnxruntime (ms) | "
        f"**speed-up** (target >= {TARGET:g}) | bulk `predict` (samples/s) | bulk onnxruntime "
        "(samples/s) | ONNX file | `skrnn.save` file | pickle | load (start, end) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        met = "met" if row["speedup"] >= TARGET else "**not met**"
        size = row["sizes"]
        lines.append(
            f"| {row['title']} | {row['n']:,} | {row['latency_ms']['predict']:.3f} | "
            f"{row['latency_ms']['onnx']:.3f} | **{row['speedup']:.1f}x** ({met}) | "
            f"{row['throughput']['predict']:,.0f} | {row['throughput']['onnx']:,.0f} | "
            f"{size['onnx'] / 1024:,.1f} KiB | {size['skrnn'] / 1024:,.1f} KiB | "
            f"{size['pickle'] / 1024:,.1f} KiB | {row['load'][0]:.2f}, {row['load'][1]:.2f} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and calls")
    parser.add_argument("--out", default="docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = run(quick=args.quick)
    replace_block(
        args.out,
        render(results),
        START,
        END,
        missing="{text}\n## Serving: ONNX export\n\n{block}\n",
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
