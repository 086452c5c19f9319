"""``python -m benchmarks [--quick] [--only W1,W2,...] [--out docs/benchmarks.md]``.

Runs the issue #5 workloads: skrnn against a hand-written PyTorch loop in this process
(alternating runs), peak memory in fresh processes, accuracy on real data, and the
``GridSearchCV`` ``n_jobs=1`` / ``n_jobs=2`` comparison; prints the results and writes
the Markdown table (a full run of every part: ``docs/benchmarks.md``; quick runs and
subsets (``--only``) only with ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import torch

from skrnn._training.progress import progress

from . import report
from .workloads import (
    accuracy_airline,
    accuracy_italy,
    probe_memory,
    run_grid_search,
    run_training,
    w4_available,
    workloads,
)


def _probe(key: str, side: str, quick: bool, threads: int) -> float:
    cmd = [sys.executable, "-m", "benchmarks", "--probe", key, side, "--threads", str(threads)]
    cmd += ["--quick"] if quick else []
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=_root())
    return float(out.stdout.strip().splitlines()[-1])


def _root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="short run (< 2 min)")
    p.add_argument("--only", default="", help="comma-separated subset: W1,W2,W3,W4,grid,acc")
    p.add_argument("--out", default=None, help="Markdown file to write")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory probes")
    p.add_argument("--json", default=None, help="also dump raw results as JSON here")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads for both sides (default 1: on a small shared machine "
        "more threads than free cores makes timings erratic); 0 keeps torch's default",
    )
    p.add_argument(
        "--device",
        default="cpu",
        help="device of both sides of the training workloads, e.g. cuda (skrnn's device=, "
        "the raw loop's module and tensors); memory probes, accuracy and grid stay on the CPU",
    )
    p.add_argument("--from-json", default=None, help="only render the results of --json")
    p.add_argument("--probe", nargs=2, metavar=("WORKLOAD", "SIDE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.device != "cpu":
        from skrnn.neural_network._base import resolve_device

        from . import workloads as wl_module

        wl_module.DEVICE = resolve_device(args.device)  # a clear error without CUDA

    if args.probe:
        key, side = args.probe
        wl = {w.key: w for w in workloads(quick=args.quick)}[key]
        print(probe_memory(wl, side))
        return {}

    if args.from_json:
        with open(args.from_json) as f:
            results = json.load(f)
        _emit(results, args.out)
        return results

    only = {s.strip() for s in args.only.split(",") if s.strip()}

    def wanted(key):
        return not only or key in only

    t_start = time.perf_counter()
    results: dict = {"quick": args.quick, "training": [], "accuracy": [], "skipped": {}}
    results["threads"] = torch.get_num_threads()
    results["device"] = args.device
    if args.device != "cpu":
        results["gpu"] = torch.cuda.get_device_name(torch.device(args.device))
    # a bar over the workloads (a minute or more each) on a terminal; never in the timings
    for wl in progress(workloads(quick=args.quick), desc="workloads"):
        if not wanted(wl.key):
            continue
        if wl.key == "W4" and not w4_available():
            results["skipped"]["W4"] = W4_PENDING
            print(f"W4 skipped: {W4_PENDING}")
            continue
        results["training"].append(run_training(wl))
    if not args.no_memory and args.device == "cpu":  # RSS says nothing of GPU memory
        for row in results["training"]:
            row["memory"] = {
                s: _probe(row["workload"], s, args.quick, results["threads"])
                for s in ("skrnn", "raw")
            }
            print(f"{row['workload']}: peak RSS {row['memory']}")
    if wanted("acc"):
        ep = (5, 20) if args.quick else (20, 60)
        results["accuracy"] = [accuracy_airline(epochs=ep[0]), accuracy_italy(epochs=ep[1])]
        for a in results["accuracy"]:
            print(f"accuracy {a['dataset']}: skrnn {a['skrnn']:.3f} raw {a['raw']:.3f}")
    if wanted("grid"):
        results["grid"] = run_grid_search(quick=args.quick)
    results["total_s"] = time.perf_counter() - t_start
    print(f"total {results['total_s']:.0f}s")
    results["machine"] = report.machine(results)  # the load at the end of the run
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    _emit(results, _out_path(args))
    return results


def _out_path(args) -> str | None:
    """Where the Markdown goes: ``--out``, else ``docs/benchmarks.md`` for a full run of
    every part. A quick run or a subset is printed only: written there, its block would
    replace the full run's with part of one (a W4-only run once did)."""
    if args.out:
        return args.out
    return None if args.quick or args.only else _default_out()


def _default_out() -> str:
    return os.path.join(_root(), "docs", "benchmarks.md")


def _emit(results: dict, out: str | None) -> None:
    if out:
        report.write(out, results)
        print(f"wrote {out}")
    else:
        print(report.render(results))


W4_PENDING = (
    "pending: needs skrnn.Seq2SeqTransformer (issue #4), not on main yet; the raw "
    "encoder-decoder loop and the workload are ready (benchmarks/workloads.py, "
    "AdditionWorkload) and run as soon as skrnn has it"
)


if __name__ == "__main__":
    main()
