"""Markdown rendering of the benchmark results."""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone

START, END = "<!-- results:start -->", "<!-- results:end -->"

TARGETS = {"W1": 1.5, "W2": 1.10, "W3": 1.10, "W4": 1.10}
PREDICT_TARGETS = {"W2": 1.10, "W3": 1.10}


def machine(results: dict | None = None) -> list[str]:
    import numpy
    import sklearn
    import skorch
    import torch

    import skrnn

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return [
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores "
        f"(torch.cuda.is_available() = {torch.cuda.is_available()})",
        f"- OS: {platform.platform()}; Python {sys.version.split()[0]}",
        f"- torch {torch.__version__}, skorch {skorch.__version__}, scikit-learn "
        f"{sklearn.__version__}, numpy {numpy.__version__}, skrnn {skrnn.__version__}",
        f"- torch intra-op threads: {(results or {}).get('threads', torch.get_num_threads())}"
        ", the same for both sides (`--threads`, default 1: see Profiling)",
        f"- Load average (1, 5, 15 min) at the end of the run: "
        f"{', '.join(f'{v:.2f}' for v in load)}; the machine is shared with other users' "
        "jobs, so each row also gives the 1-min load when it started and ended. Both sides "
        "are interleaved so they see the same load; absolute times are noisy, ratios less so",
        _gpu_line(results or {}),
    ]


def _gpu_line(results: dict) -> str:
    device = results.get("device", "cpu")
    if device == "cpu":
        return (
            "- GPU: none used in this run (`--device cuda` runs W2-W4 on a GPU; the section "
            "GPU below has such a run)"
        )
    return (
        f"- Device: `{device}` ({results.get('gpu', '?')}) for both sides of the training "
        "workloads: skrnn with `device=`, the raw loop with its module and tensors moved "
        "there before timing; peak RSS not probed (it does not see GPU memory)"
    )


def _fmt(x, digits=3):
    return f"{x:.{digits}f}"


def _mark(ratio, target):
    if target is None:
        return ""
    return " (met)" if ratio <= target else " (**not met**)"


def render(results: dict) -> str:
    quick = results.get("quick", False)
    lines = [START, ""]
    lines.append(f"Mode: `{'--quick' if quick else 'full'}` run of `python -m benchmarks`.")
    lines.append("")
    lines += results.get("machine") or machine(results)
    lines.append("")
    lines.append("### Training (per epoch) and predict")
    lines.append("")
    lines.append(
        "| workload | data | model | batch | epoch skrnn (s) | epoch raw (s) | "
        "samples/s skrnn | samples/s raw | **train ratio** (target) | predict samples/s "
        "skrnn | predict samples/s raw | **predict ratio** (target) | peak RSS skrnn / raw "
        "(MiB) | final loss skrnn / raw | load (1 min) |"
    )
    lines.append("|" + "---|" * 15)
    for r in results.get("training", []):
        t, pt = TARGETS.get(r["workload"]), PREDICT_TARGETS.get(r["workload"])
        mem = r.get("memory")
        mem_s = f"{mem['skrnn']:.1f} / {mem['raw']:.1f}" if mem else "n/a"
        lines.append(
            f"| {r['workload']} {r['title']} | {r['shape']} | {r['model']} | {r['batch_size']} "
            f"| {_fmt(r['epoch_s_skrnn'])} | {_fmt(r['epoch_s_raw'])} "
            f"| {r['train_sps_skrnn']:,.0f} | {r['train_sps_raw']:,.0f} "
            f"| **{_fmt(r['train_ratio'], 2)}** (<= {t}){_mark(r['train_ratio'], t)}; "
            f"per round {_fmt(r['paired_ratio_range'][0], 2)}-"
            f"{_fmt(r['paired_ratio_range'][1], 2)}, median "
            f"{_fmt(r.get('paired_ratio_median', float('nan')), 2)} "
            f"| {r['predict_sps_skrnn']:,.0f} | {r['predict_sps_raw']:,.0f} "
            f"| **{_fmt(r['predict_ratio'], 2)}**"
            + (f" (<= {pt}){_mark(r['predict_ratio'], pt)}" if pt else " (no target)")
            + f" | {mem_s} | {r['loss_skrnn']:.4f} / {r['loss_raw']:.4f} "
            f"| {r['load'][0]:.1f} -> {r['load'][1]:.1f} |"
        )
    for key, why in results.get("skipped", {}).items():
        lines.append(f"| {key} | not run: {why} |" + " |" * 13)
    lines.append("")
    lines.append(
        "Epoch time: median over the alternating fits (A B, B A, A B, ...: neither side "
        "always goes first) "
        "of the wall time of a whole fit divided by its epochs; the train ratio is the "
        'ratio of the two medians (what the targets are judged on); "per round": the '
        "range and the median of the ratios of the two fits run next to each other (less "
        "sensitive to the load drifting during a row). The skrnn side is "
        "`estimator.fit(X, y)` on NumPy arrays (validation, net construction included), "
        "the raw side `benchmarks/raw.py` on tensors already in memory. Fits per side: "
        + ", ".join(
            f"{r['workload']} {r['reps']} x {r['epochs_per_fit']} epochs"
            for r in results.get("training", [])
        )
        + ". Predict: `estimator.predict(X)` on all samples vs the raw module on the whole "
        "tensor under `torch.inference_mode()`, median of alternating calls. Peak RSS: "
        "growth of the resident set during one 1-epoch fit + predict, in a fresh process "
        "per side (`python -m benchmarks --probe`) after a warm-up fit on a few rows, "
        "sampled every 2 ms; unlike `tracemalloc` this includes PyTorch's tensor memory. "
        "Final loss: both sides start from the same weights (the raw loop draws its "
        "weights and permutations from generators seeded with the seed skrnn derives "
        "from `random_state`) and draw the same "
        "permutations, so equal losses show they do the same computation (W4: two "
        "modules of the same shape, initialised differently, so its losses only agree "
        "roughly)."
    )
    acc = results.get("accuracy", [])
    if acc:
        lines += ["", "### Accuracy on real data (same model, skrnn vs raw loop)", ""]
        lines.append("| data | model | metric | skrnn | raw loop | reference |")
        lines.append("|---|---|---|---|---|---|")
        for a in acc:
            lines.append(
                f"| {a['dataset']} | {a['model']} | {a['metric']} | {a['skrnn']:.3f} "
                f"| {a['raw']:.3f} | {a['reference']} |"
            )
    g = results.get("grid")
    if g:
        lines += ["", "### Grid search: `n_jobs=1` vs `n_jobs=2`", ""]
        lines.append(
            "| candidates x folds | windows | n_jobs=1 (s) | n_jobs=2 (s) | **speed-up** "
            "(target >= 1.7) | machine's 2-process ceiling, before / after | torch threads "
            "per fit, n_jobs=1 / n_jobs=2 | same scores | worker start-up (s) | load (1 min) |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        lines.append(
            f"| {g['candidates']} x {g['folds']} = {g['fits']} fits | {g['n_windows']} "
            f"| {g['time_1']:.1f} | {g['time_2']:.1f} | **{g['speedup']:.2f}**"
            f"{' (met)' if g['speedup'] >= 1.7 else ' (**not met**)'} "
            f"| {g['ceiling'][0]:.2f} / {g['ceiling'][1]:.2f} "
            f"| {g['threads_n_jobs_1']} / {g['threads_n_jobs_2']} | {g['same_scores']} "
            f"| {g['worker_startup_s']:.1f} | {g['load'][0]:.1f} -> {g['load'][1]:.1f} |"
        )
        lines.append("")
        lines.append(
            f"Grid {g['grid']} over a `Pipeline` of `SlidingWindowTransformer(time_steps)` "
            "and `RNNRegressor` on one series, "
            "`TimeSeriesSplit(3)`, `refit=False`, median of "
            f"{g['reps']} alternating searches per setting; worker start-up (spawning the two "
            "loky processes, importing skrnn, a tiny search) is paid once, before timing. "
            "The thread count is measured inside each fitting process (a scorer returning "
            "`torch.get_num_threads()`). The ceiling is the speed-up of two pure-Python "
            "CPU-bound tasks in two loky workers over running them one after the other, "
            "measured just before and after the searches: about 2 on an idle 2-core "
            "machine, and the most any `n_jobs=2` search can get while others load it."
        )
    lines += ["", END]
    return "\n".join(lines)


def replace_block(
    path: str, block: str, start: str, end: str, *, missing: str = "{block}\n"
) -> None:
    """Write ``block`` (which begins with ``start`` and ends with ``end``) into the
    Markdown file ``path`` in place of its current block between the two markers; a
    file without them gets ``missing.format(block=block, text=text)`` (default: the
    block appended)."""
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = missing.format(block=block, text=text)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def write(path: str, results: dict) -> None:
    replace_block(path, render(results), START, END, missing="# Benchmarks\n\n{block}\n{text}")
