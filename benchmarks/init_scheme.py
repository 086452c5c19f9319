"""``python -m benchmarks.init_scheme``: time to accuracy of the initialisation schemes.

Trains a default ``RNNClassifier`` (only ``init`` and ``random_state`` set) one epoch at a
time on sktime's bundled UCR sets of long series, and prints the test accuracy and the
training seconds after selected epochs, per scheme and seed (issue #9).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from skrnn import RNNClassifier, sktime_to_sequences

CHECKPOINTS = (1, 5, 10, 25, 50, 100)


def _load(name: str):
    from sktime.datasets import load_UCR_UEA_dataset

    out = []
    for split in ("train", "test"):
        X, y = load_UCR_UEA_dataset(name, split=split, return_X_y=True)
        out += [np.stack(sktime_to_sequences(X)), np.asarray(y)]
    return out


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.init_scheme", description=__doc__)
    p.add_argument("--data", default="GunPoint,ArrowHead,ItalyPowerDemand")
    p.add_argument("--schemes", default="torch,keras")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=100)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for name in args.data.split(","):
        X_tr, y_tr, X_te, y_te = _load(name)
        for scheme in args.schemes.split(","):
            for seed in range(args.seeds):
                clf = RNNClassifier(init=scheme, random_state=seed)
                seconds, accs = 0.0, {}
                for epoch in range(1, args.epochs + 1):
                    start = time.perf_counter()
                    clf.partial_fit(X_tr, y_tr, classes=np.unique(y_tr))
                    seconds += time.perf_counter() - start
                    if epoch in CHECKPOINTS:
                        accs[epoch] = (float(np.mean(clf.predict(X_te) == y_te)), seconds)
                rows.append(dict(data=name, scheme=scheme, seed=seed, accs=accs))
                text = "  ".join(f"ep{e} {a:.3f} ({s:.1f}s)" for e, (a, s) in accs.items())
                print(f"{name:16s} {scheme:6s} seed {seed}: {text}", flush=True)
    return rows


if __name__ == "__main__":
    main()
