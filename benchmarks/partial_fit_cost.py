"""``python -m benchmarks.partial_fit_cost``: what the rollback costs a successful
``partial_fit`` (issue 20 item 2).

A fit that raises leaves the estimator exactly as it was, so a continued fit keeps a
snapshot of the net it trains. This times, on 32 sequences (one batch), the estimator's
``partial_fit`` (validation, snapshot, one epoch) against the same call without any
rollback (the transaction switched off) and against the training step itself
(``net_.partial_fit`` on the validated data, one epoch), and the snapshot on its own
against the deep copy of the whole net that it replaced. Median of ``--repeats`` calls,
interleaved, one torch thread; the load of the machine is printed with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import statistics
import time

import numpy as np
import torch

import skrnn.neural_network._base
from skrnn import RNNClassifier, RNNRegressor, Seq2SeqTransformer
from skrnn._training.transaction import fit_transaction, net_snapshot


@contextlib.contextmanager
def _no_transaction(estimator, **kwargs):
    yield


def _without_rollback(fn):
    skrnn.neural_network._base.fit_transaction = _no_transaction
    try:
        return fn()
    finally:
        skrnn.neural_network._base.fit_transaction = fit_transaction


def _median_ms(fns: dict, repeats: int) -> dict:
    """Median milliseconds of each function, the calls interleaved so that a change of
    the machine's load hits them alike."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


def _cases(n: int, steps: int):
    rng = np.random.RandomState(0)
    X = rng.randn(n, steps, 3).astype(np.float32)
    words = ["".join(rng.choice(list("abcdef"), size=rng.randint(3, 9))) for _ in range(n)]
    return [
        ("RNNRegressor", RNNRegressor(random_state=0), X, X.sum(axis=(1, 2))),
        ("RNNClassifier", RNNClassifier(random_state=0), X, (X[:, -1, 0] > 0).astype(int)),
        (
            "Seq2SeqTransformer",
            Seq2SeqTransformer(random_state=0),
            words,
            [w[::-1] for w in words],
        ),
    ]


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.partial_fit_cost", description=__doc__)
    p.add_argument("--n", type=int, default=32, help="sequences per partial_fit")
    p.add_argument("--steps", type=int, default=20, help="time steps of the numeric sequences")
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min)")
    rows = []
    for name, est, X, y in _cases(args.n, args.steps):
        est.partial_fit(X, y)  # builds the net
        net = est.net_
        Xv, lengths = est._validate_X(X, reset=False)
        yv, target_lengths = est._validate_targets(y, Xv, lengths, reset=False, X_given=X)
        Xv, yv = est._encode_training_data(Xv, yv, lengths, reset=False)
        inputs = est._net_input(Xv, lengths, y=yv, target_lengths=target_lengths)
        fns = {
            "partial_fit": lambda: est.partial_fit(X, y),  # noqa: B023
            "no_rollback": lambda: _without_rollback(lambda: est.partial_fit(X, y)),  # noqa: B023
            "step": lambda: net.partial_fit(inputs, yv, epochs=1),  # noqa: B023
            "snapshot": lambda: net_snapshot(net),  # noqa: B023
            "deepcopy": lambda: copy.deepcopy(net),  # noqa: B023
        }
        row = dict(estimator=name, **_median_ms(fns, args.repeats))
        row["rollback_ratio"] = row["partial_fit"] / row["no_rollback"]
        row["step_ratio"] = row["partial_fit"] / row["step"]
        rows.append(row)
        print(
            f"{name:20s} partial_fit {row['partial_fit']:6.1f} ms, without rollback "
            f"{row['no_rollback']:6.1f} ms ({row['rollback_ratio']:.2f}x), net step "
            f"{row['step']:6.1f} ms ({row['step_ratio']:.2f}x) | snapshot "
            f"{row['snapshot']:5.2f} ms, deep copy of the net {row['deepcopy']:6.1f} ms",
            flush=True,
        )
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min)")
    return rows


if __name__ == "__main__":
    main()
