"""The seed workloads: data, the skrnn estimator, the equivalent raw PyTorch loop.

Every training workload returns one row: per-epoch wall time of both sides (median of
``reps`` fits, run alternately in this process, divided by the epochs of a fit),
samples/s, the skrnn / raw ratio, predict throughput of ``estimator.predict`` against
the raw module under ``torch.inference_mode()``, and the final training loss of both
(a sanity check that both sides train the same model the same way).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

from skrnn import RNNClassifier, RNNRegressor
from skrnn._modules import RNNModule

from .measure import PeakRSS, alternate, median
from .raw import predict_raw, train_raw


# -- data -------------------------------------------------------------------------------
def airline_windows(steps: int = 12):
    """The airline series (sktime, offline) standardised, cut into windows of ``steps``.

    Returns ``X (132, 12, 1)``, ``y (132,)`` (next value), the series and its mean/std.
    """
    from sktime.datasets import load_airline

    series = load_airline().to_numpy().astype(np.float32)
    mu, sd = series.mean(), series.std()
    z = (series - mu) / sd
    n = len(z) - steps
    X = np.stack([z[i : i + steps] for i in range(n)])[:, :, None]
    return np.ascontiguousarray(X), z[steps:].copy(), series, float(mu), float(sd)


def regression_data(n: int, steps: int, features: int, seed: int = 0):
    """Generated sequences whose target mixes the last step and the window mean."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, steps, features), dtype=np.float32)
    w = rng.standard_normal(features).astype(np.float32)
    y = X[:, -1] @ w + 0.5 * X.mean(axis=1) @ w + 0.1 * rng.standard_normal(n, dtype=np.float32)
    return X, y.astype(np.float32)


def classification_data(n: int, steps: int, n_classes: int, seed: int = 0):
    """Generated univariate sequences: a noisy sine whose frequency encodes the class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    t = np.arange(steps, dtype=np.float32)
    freq = (1 + y[:, None]) * 2 * np.pi / steps
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    X = np.sin(freq * t + phase) + 0.3 * rng.standard_normal((n, steps))
    return X.astype(np.float32)[:, :, None], y.astype(np.int64)


# -- training workloads -------------------------------------------------------------------
@dataclass
class Workload:
    key: str
    title: str
    task: str  # "regression" or "classification"
    n: int
    steps: int
    features: int
    cell: str
    units: int
    num_layers: int
    batch_size: int
    epochs: int  # epochs per timed fit
    reps: int = 3
    predict_reps: int = 5
    n_classes: int = 1
    lr: float = 1e-3
    real_data: bool = False
    extra: dict = field(default_factory=dict)

    def data(self):
        if self.key == "W1":
            X, y, *_ = airline_windows(self.steps)
            return X, y
        if self.task == "classification":
            return classification_data(self.n, self.steps, self.n_classes)
        return regression_data(self.n, self.steps, self.features)

    def estimator(self, seed: int, epochs: int | None = None):
        cls = RNNClassifier if self.task == "classification" else RNNRegressor
        return cls(
            cell=self.cell,
            units=self.units,
            num_layers=self.num_layers,
            batch_size=self.batch_size,
            epochs=epochs or self.epochs,
            lr=self.lr,
            random_state=seed,
        )

    def module(self) -> torch.nn.Module:
        return RNNModule(
            n_features=self.features,
            n_outputs=self.n_classes,
            cell=self.cell,
            units=self.units,
            num_layers=self.num_layers,
        )

    def loss_fn(self):
        return torch.nn.CrossEntropyLoss() if self.task == "classification" else torch.nn.MSELoss()

    def raw_target(self, y: np.ndarray) -> torch.Tensor:
        if self.task == "classification":
            return torch.as_tensor(y, dtype=torch.int64)
        return torch.as_tensor(y, dtype=torch.float32).reshape(len(y), -1)


def workloads(quick: bool = False, tiny: bool = False) -> list[Workload]:
    """W1-W3 as specified in issue #5; ``quick`` shrinks data and epochs, ``tiny`` even
    more (unit tests)."""
    if tiny:
        return [
            Workload("W1", "airline", "regression", 132, 12, 1, "rnn", 3, 1, 1, 1, reps=1),
            Workload("W2", "air quality", "regression", 256, 6, 8, "lstm", 32, 1, 32, 1, reps=1),
            Workload(
                "W3", "devices", "classification", 128, 24, 1, "lstm", 8, 2, 64, 1,
                reps=1, n_classes=7,
            ),
        ]  # fmt: skip
    w2n, w3n = (8192, 1280) if quick else (35064, 8926)
    return [
        Workload(
            "W1", "airline (real data)", "regression", 132, 12, 1, "rnn", 3, 1, 1,
            epochs=5 if quick else 20, reps=3 if quick else 5, real_data=True,
        ),
        Workload(
            "W2", "air quality (generated)", "regression", w2n, 6, 8, "lstm", 32, 1, 32,
            epochs=1 if quick else 2, reps=3,
        ),
        Workload(
            "W3", "device classification (generated)", "classification", w3n, 96, 1, "lstm",
            64, 2, 64, epochs=1, reps=3, n_classes=7, predict_reps=3,
        ),
    ]  # fmt: skip


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def run_training(wl: Workload, log=print) -> dict:
    """Time skrnn against the raw loop on ``wl``; one result row."""
    X, y = wl.data()
    Xt, yt = torch.as_tensor(X), wl.raw_target(y)
    loss_fn = wl.loss_fn()
    state: dict = {}

    def skrnn_fit(seed):
        state["est"] = wl.estimator(seed).fit(X, y)

    def raw_fit(seed):
        torch.manual_seed(seed)
        module = wl.module()
        state["raw_loss"] = train_raw(
            module, Xt, yt, loss_fn=loss_fn, epochs=wl.epochs, batch_size=wl.batch_size, lr=wl.lr
        )[-1]
        state["module"] = module

    # warm-up (lazy initialisation, caches): a few batches of each side, not timed
    m = min(len(X), 4 * wl.batch_size)
    wl.estimator(0, epochs=1).fit(X[:m], y[:m])
    torch.manual_seed(0)
    train_raw(wl.module(), Xt[:m], yt[:m], loss_fn=loss_fn, epochs=1, batch_size=wl.batch_size,
              lr=wl.lr)  # fmt: skip

    fit_times = alternate({"skrnn": skrnn_fit, "raw": raw_fit}, wl.reps)
    est, module = state["est"], state["module"]
    assert _params(est.module_) == _params(module), "module shapes differ"
    pred_times = alternate(
        {"skrnn": lambda _: est.predict(X), "raw": lambda _: predict_raw(module, Xt)},
        wl.predict_reps,
    )
    ep_s, ep_r = median(fit_times["skrnn"]) / wl.epochs, median(fit_times["raw"]) / wl.epochs
    pr_s, pr_r = median(pred_times["skrnn"]), median(pred_times["raw"])
    row = {
        "workload": wl.key,
        "title": wl.title,
        "shape": f"{len(X)} x {wl.steps} x {wl.features}",
        "model": f"{wl.cell.upper()} {wl.units}"
        + (f" x {wl.num_layers}" if wl.num_layers > 1 else ""),
        "batch_size": wl.batch_size,
        "epochs_per_fit": wl.epochs,
        "reps": wl.reps,
        "epoch_s_skrnn": ep_s,
        "epoch_s_raw": ep_r,
        "train_sps_skrnn": len(X) / ep_s,
        "train_sps_raw": len(X) / ep_r,
        "train_ratio": ep_s / ep_r,
        "predict_sps_skrnn": len(X) / pr_s,
        "predict_sps_raw": len(X) / pr_r,
        "predict_ratio": pr_s / pr_r,
        "loss_skrnn": float(est.history_[-1, "train_loss"]),
        "loss_raw": float(state["raw_loss"]),
        "fit_times_skrnn": fit_times["skrnn"],
        "fit_times_raw": fit_times["raw"],
    }
    log(
        f"{wl.key}: epoch skrnn {ep_s:.3f}s raw {ep_r:.3f}s ratio {row['train_ratio']:.3f}; "
        f"predict ratio {row['predict_ratio']:.3f}"
    )
    return row


def probe_memory(wl: Workload, side: str) -> float:
    """Peak RSS growth (MiB) of one 1-epoch fit + predict of ``side`` on ``wl``.

    Meant to run in a fresh process (see ``python -m benchmarks --probe``).
    """
    X, y = wl.data()
    Xt, yt = torch.as_tensor(X), wl.raw_target(y)
    with PeakRSS() as peak:
        if side == "skrnn":
            wl.estimator(0, epochs=1).fit(X, y).predict(X)
        else:
            torch.manual_seed(0)
            module = wl.module()
            train_raw(module, Xt, yt, loss_fn=wl.loss_fn(), epochs=1, batch_size=wl.batch_size,
                      lr=wl.lr)  # fmt: skip
            predict_raw(module, Xt)
    return peak.peak_mib


# -- accuracy on real data -------------------------------------------------------------
def accuracy_airline(epochs: int = 20, seed: int = 0) -> dict:
    """W1's model on the real airline series: the last 24 months held out, RMSE."""
    X, y, series, mu, sd = airline_windows(12)
    test = 24
    Xtr, ytr, Xte, yte = X[:-test], y[:-test], X[-test:], y[-test:]
    wl = workloads()[0]
    est = wl.estimator(seed, epochs=epochs).fit(Xtr, ytr)
    torch.manual_seed(seed)
    module = wl.module()
    train_raw(module, torch.as_tensor(Xtr), wl.raw_target(ytr), loss_fn=torch.nn.MSELoss(),
              epochs=epochs, batch_size=1, lr=wl.lr)  # fmt: skip
    truth = yte * sd + mu

    def rmse(z):
        return float(np.sqrt(np.mean((np.ravel(z) * sd + mu - truth) ** 2)))

    naive = series[-test - 12 : -12]  # seasonal naive: the value 12 months earlier
    return {
        "dataset": "airline, last 24 months held out",
        "metric": "RMSE (passengers)",
        "model": f"RNN 3, batch 1, {epochs} epochs",
        "skrnn": rmse(est.predict(Xte)),
        "raw": rmse(predict_raw(module, torch.as_tensor(Xte))),
        "reference": f"seasonal naive {float(np.sqrt(np.mean((naive - truth) ** 2))):.1f}",
    }


def accuracy_italy(epochs: int = 60, seed: int = 0) -> dict:
    """W3's model (LSTM 64 x 2) on sktime's bundled ItalyPowerDemand (real data)."""
    from sktime.datasets import load_italy_power_demand

    from skrnn import sktime_to_sequences

    Xtr, ytr = load_italy_power_demand(split="train", return_type="numpy3D")
    Xte, yte = load_italy_power_demand(split="test", return_type="numpy3D")
    Xtr, Xte = (
        sktime_to_sequences(Xtr).astype(np.float32),
        sktime_to_sequences(Xte).astype(np.float32),
    )
    classes = np.unique(ytr)
    ytr_i, yte_i = np.searchsorted(classes, ytr), np.searchsorted(classes, yte)
    wl = Workload("W3", "", "classification", len(Xtr), Xtr.shape[1], 1, "lstm", 64, 2, 16,
                  epochs, n_classes=len(classes))  # fmt: skip
    est = wl.estimator(seed).fit(Xtr, ytr)
    torch.manual_seed(seed)
    module = wl.module()
    train_raw(module, torch.as_tensor(Xtr), wl.raw_target(ytr_i), loss_fn=wl.loss_fn(),
              epochs=epochs, batch_size=wl.batch_size, lr=wl.lr)  # fmt: skip
    raw_pred = predict_raw(module, torch.as_tensor(Xte)).argmax(axis=1)
    return {
        "dataset": f"ItalyPowerDemand ({len(Xtr)} train / {len(Xte)} test, 24 steps)",
        "metric": "accuracy",
        "model": f"LSTM 64 x 2, batch 16, {epochs} epochs",
        "skrnn": float(np.mean(est.predict(Xte) == yte)),
        "raw": float(np.mean(raw_pred == yte_i)),
        "reference": f"majority class {max(np.mean(yte_i == c) for c in range(2)):.3f}",
    }


# -- grid search --------------------------------------------------------------------------
class LastSteps(TransformerMixin, BaseEstimator):
    """Keep the last ``time_steps`` columns of a 2D window matrix (tunable window length)."""

    def __init__(self, time_steps: int = 12):
        self.time_steps = time_steps

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X)[:, -self.time_steps :]


def _torch_threads(estimator, X, y):
    """A 'scorer' that reports the torch intra-op threads of the process fitting."""
    return float(torch.get_num_threads())


def grid_search_data(n: int, max_steps: int = 24, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = np.arange(n + max_steps, dtype=np.float32)
    s = np.sin(2 * np.pi * t / 24) + 0.01 * t / 24 + 0.2 * rng.standard_normal(len(t))
    s = s.astype(np.float32)
    X = np.stack([s[i : i + max_steps] for i in range(n)])
    return X, s[max_steps : max_steps + n]


def grid_search(n: int, units, steps, epochs, n_jobs: int, batch_size: int = 32):
    X, y = grid_search_data(n, max(steps))
    pipe = Pipeline(
        [("last", LastSteps()), ("rnn", RNNRegressor(batch_size=batch_size, random_state=0))]
    )
    search = GridSearchCV(
        pipe,
        {"rnn__units": list(units), "last__time_steps": list(steps), "rnn__epochs": list(epochs)},
        cv=TimeSeriesSplit(n_splits=3),
        scoring={"r2": "r2", "threads": _torch_threads},
        refit=False,
        n_jobs=n_jobs,
    )
    search.fit(X, y)
    return search


def run_grid_search(quick: bool = False, tiny: bool = False, reps: int | None = None, log=print):
    """GridSearchCV with n_jobs=1 against n_jobs=2, alternating; one result row."""
    from joblib import Parallel, delayed

    if tiny:
        cfg = dict(n=96, units=(2, 3), steps=(4, 6), epochs=(1, 2))
    elif quick:
        cfg = dict(n=600, units=(8, 16), steps=(6, 12), epochs=(2, 4))
    else:
        cfg = dict(n=2000, units=(16, 32), steps=(12, 24), epochs=(4, 8))
    reps = reps or (1 if tiny or quick else 2)
    n_candidates = math.prod(len(v) for k, v in cfg.items() if k != "n")

    # start the two loky workers once and import skrnn there (timed separately)
    t0 = time.perf_counter()
    Parallel(n_jobs=2)(delayed(_import_skrnn)() for _ in range(2))
    startup = time.perf_counter() - t0
    state: dict = {}

    def run(n_jobs):
        def fn(_):
            state[n_jobs] = grid_search(**cfg, n_jobs=n_jobs)

        return fn

    times = alternate({"n_jobs=1": run(1), "n_jobs=2": run(2)}, reps)
    t1, t2 = median(times["n_jobs=1"]), median(times["n_jobs=2"])
    threads1 = sorted(set(state[1].cv_results_["mean_test_threads"]))
    threads2 = sorted(set(state[2].cv_results_["mean_test_threads"]))
    row = {
        "candidates": n_candidates,
        "folds": 3,
        "fits": n_candidates * 3,
        "n_windows": cfg["n"],
        "grid": {k: v for k, v in cfg.items() if k != "n"},
        "time_1": t1,
        "time_2": t2,
        "speedup": t1 / t2,
        "worker_startup_s": startup,
        "threads_n_jobs_1": threads1,
        "threads_n_jobs_2": threads2,
        "same_scores": bool(
            np.allclose(state[1].cv_results_["mean_test_r2"], state[2].cv_results_["mean_test_r2"])
        ),
        "reps": reps,
    }
    log(
        f"grid: n_jobs=1 {t1:.1f}s n_jobs=2 {t2:.1f}s speed-up {row['speedup']:.2f}x; "
        f"torch threads per fit {threads1} vs {threads2}"
    )
    return row


def _import_skrnn():
    import skrnn  # noqa: F401

    return torch.get_num_threads()
