"""Peak memory of ``Pipeline([SlidingWindowTransformer, RNNRegressor])`` on a long series.

``python -m benchmarks.window_memory [--quick] [--out docs/benchmarks.md]``

Issue 14: windows reach the net as strided views and batches are copied one at a time,
so the peak memory of ``fit`` and ``predict`` grows with the series, not with series x
``time_steps``. Each figure is the growth of the resident set (sampled every 2 ms) in a
fresh process (``--probe``), after a warm-up fit on a few rows, so that neither PyTorch's
start-up nor an earlier measurement is counted.

Target (issue 14): peak extra memory within 2x of the series' own size plus the model and
one batch, at any ``time_steps``. "Model and one batch" is measured too: the peak of the
same pipeline fitted on a series of two batches (its parameters, optimizer state, one
batch's inputs and activations).

Memory is not sensitive to the machine's load; the run takes a few minutes (one epoch
of a small RNN per ``time_steps``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

from .report import replace_block

N_STEPS = 2_000_000
TIME_STEPS = (32, 128, 512)
#: A small recurrent net (the memory claim is about the data path; a larger net only
#: adds its own, fixed, parameters and activations): one epoch stays in minutes.
MODEL = dict(cell="rnn", units=8, epochs=1, batch_size=4096, random_state=0)
START, END = "<!-- window-memory:start -->", "<!-- window-memory:end -->"


def _series(n: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(0).standard_normal(n))


def _pipeline(time_steps: int, device: str = "cpu"):
    from sklearn.pipeline import Pipeline

    from skrnn import RNNRegressor, SlidingWindowTransformer

    return Pipeline(
        [
            ("window", SlidingWindowTransformer(time_steps, use_fit_history=False)),
            ("rnn", RNNRegressor(**MODEL, device=device)),
        ]
    )


def probe(time_steps: int, n_steps: int, device: str = "cpu") -> dict:
    """In this (fresh) process: peak RSS growth of fit and of predict, in MiB."""
    import torch

    from .measure import PeakRSS

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    _pipeline(time_steps, device).fit(_series(4 * time_steps), _series(4 * time_steps))
    series = _series(n_steps)
    with PeakRSS() as fit:
        pipe = _pipeline(time_steps, device).fit(series, series)
    with PeakRSS() as predict:
        pipe.predict(series)
    return {"fit": fit.peak_mib, "predict": predict.peak_mib}


def _probe(time_steps: int, n_steps: int) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.window_memory", "--probe", str(time_steps)]
    cmd += ["--steps", str(n_steps)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=root)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> dict:
    n_steps = 200_000 if quick else N_STEPS
    rows = []
    for time_steps in TIME_STEPS:
        t0 = time.perf_counter()
        big = _probe(time_steps, n_steps)
        # model + one batch: the same pipeline on two batches' worth of series
        small = _probe(time_steps, 2 * MODEL["batch_size"])
        series_mib = n_steps * 8 / 2**20
        reference = series_mib + max(small["fit"], small["predict"])
        row = {
            "time_steps": time_steps,
            "fit": big["fit"],
            "predict": big["predict"],
            "model_and_batch": max(small["fit"], small["predict"]),
            "series": series_mib,
            "reference": reference,
            "ratio": max(big["fit"], big["predict"]) / reference,
            "copied_windows": n_steps * time_steps * (8 + 4) / 2**20,
            "seconds": time.perf_counter() - t0,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return {"n_steps": n_steps, "quick": quick, "rows": rows, "date": time.time()}


def render(results: dict) -> str:
    import torch

    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(results["date"]))
    mode = "`--quick`" if results["quick"] else "full"
    lines = [
        START,
        "",
        f"{mode} run of `python -m benchmarks.window_memory`, {date}, CPU, torch "
        f"{torch.__version__}, 1 thread. Series of {results['n_steps']:,} float64 steps "
        f"(a random walk), `Pipeline([SlidingWindowTransformer(time_steps), "
        f"RNNRegressor({', '.join(f'{k}={v!r}' for k, v in MODEL.items())})])`, "
        "`fit(series, series)` then `predict(series)`; peak growth of the resident set in a "
        "fresh process per figure. Reference: the series' own size plus the peak of the "
        "same pipeline fitted on two batches (model, optimizer state, one batch). The last "
        "column is what copying every window once (float64 windows, then their float32 "
        "copy, as before issue 14) would need.",
        "",
        "| time_steps | fit peak (MiB) | predict peak (MiB) | series (MiB) | model + one "
        "batch (MiB) | **peak / reference** (target <= 2) | copied windows would need (MiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        met = "met" if r["ratio"] <= 2 else "**not met**"
        lines.append(
            f"| {r['time_steps']} | {r['fit']:.0f} | {r['predict']:.0f} | {r['series']:.0f} "
            f"| {r['model_and_batch']:.0f} | **{r['ratio']:.2f}** ({met}) | "
            f"{r['copied_windows']:,.0f} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write(path: str, results: dict) -> None:
    replace_block(path, render(results), START, END, missing="{text}\n\n{block}\n")


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(prog="python -m benchmarks.window_memory", description=__doc__)
    p.add_argument("--quick", action="store_true", help="200,000 steps (seconds)")
    p.add_argument("--out", default=None, help="Markdown file whose block to rewrite")
    p.add_argument("--probe", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=N_STEPS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.probe is not None:
        print(json.dumps(probe(args.probe, args.steps)))
        return {}
    results = run(quick=args.quick)
    if args.out:
        write(args.out, results)
        print(f"wrote {args.out}")
    else:
        print(render(results))
    return results


if __name__ == "__main__":
    main()
