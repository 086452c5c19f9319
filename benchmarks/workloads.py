"""The seed workloads: data, the skrnn estimator, the equivalent raw PyTorch loop.

Every training workload returns one row: per-epoch wall time of both sides (median of
``reps`` fits, run alternately in this process, divided by the epochs of a fit),
samples/s, the skrnn / raw ratio, predict throughput of ``estimator.predict`` against
the raw module under ``torch.inference_mode()``, and the final training loss of both
(a sanity check that both sides train the same model the same way).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

from skrnn import RNNClassifier, RNNRegressor, SlidingWindowTransformer
from skrnn._torch.init import init_parameters
from skrnn._torch.random import fit_seed, make_generator
from skrnn._torch.rnn import RNNModule

from .measure import PeakRSS, alternate, median, parallel_ceiling
from .raw import RawSeq2Seq, predict_raw, predict_raw_greedy, train_raw

#: Initial weights of both sides of W1-W3: the estimators' default scheme.
INIT_SCHEME = RNNRegressor().init

#: Device of both sides of the training workloads (``python -m benchmarks --device``):
#: skrnn's ``device=``; the raw loop's module and tensors are moved there once, before
#: timing, so the raw side is the best case of a hand-written GPU loop.
DEVICE = "cpu"


def to_device(data):
    """Tensors (or a dict of them) on :data:`DEVICE`."""
    if isinstance(data, dict):
        return {k: v.to(DEVICE) for k, v in data.items()}
    return data.to(DEVICE)


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
def skrnn_seed(random_state: int) -> int:
    """The seed a skrnn estimator derives from ``random_state`` (``skrnn._torch.random``).

    The raw loop draws its initial weights (``init_parameters``) and its shuffling
    permutations from generators seeded with it too, so that both sides start from the
    same weights and draw the same permutations: their losses then agree to rounding, a
    check that both train the same model the same way.
    """
    return fit_seed(random_state)


@dataclass
class Workload:
    """A many-to-one recurrent workload (W1-W3): the skrnn estimator and the raw loop."""

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

    @property
    def model(self) -> str:
        return f"{self.cell.upper()} {self.units}" + (
            f" x {self.num_layers}" if self.num_layers > 1 else ""
        )

    def estimator(self, seed: int, epochs: int | None = None):
        cls = RNNClassifier if self.task == "classification" else RNNRegressor
        # the raw loop trains on y as it is: no target scaling on the skrnn side either;
        # both sides draw the initial weights with one scheme and train every epoch (no
        # convergence stopping: the raw loop has none)
        pinned = {"init": INIT_SCHEME, "n_iter_no_change": None}
        if self.task != "classification":
            pinned["scale_target"] = False
        else:  # the raw loop's module is the plain RNN: no convolutional branch (issue 25)
            pinned.update(conv_filters=None, downsample=1, zscore=False)
        return cls(
            **pinned,
            cell=self.cell,
            units=self.units,
            num_layers=self.num_layers,
            batch_size=self.batch_size,
            epochs=epochs or self.epochs,
            lr=self.lr,
            random_state=seed,
            device=DEVICE,
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

    # the two sides, on the data of ``data()``
    def raw_inputs(self, X, y):
        return to_device(torch.as_tensor(X)), to_device(self.raw_target(y))

    def fit_skrnn(self, X, y, seed: int, epochs: int | None = None):
        return self.estimator(seed, epochs).fit(X, y)

    def fit_raw(self, Xt, yt, seed: int, epochs: int | None = None):
        """Train a fresh module as skrnn would (same seed); ``(module, final loss)``."""
        s = skrnn_seed(seed)
        module = init_parameters(self.module(), make_generator(s), INIT_SCHEME).to(DEVICE)
        losses = train_raw(module, Xt, yt, loss_fn=self.loss_fn(), epochs=epochs or self.epochs,
                           batch_size=self.batch_size, lr=self.lr,
                           generator=make_generator(s))  # fmt: skip
        return module, losses[-1]

    def predict_skrnn(self, est, X):
        return est.predict(X)

    def predict_raw(self, module, Xt):
        return predict_raw(module, Xt)


def addition_data(n: int, max_digits: int = 3, seed: int = 0):
    """``n`` distinct "a+b" strings (reversed, least significant digit first) and sums.

    Inputs are at most ``2 * max_digits + 1`` = 7 characters, outputs at most
    ``max_digits + 1`` = 4.
    """
    rng = np.random.default_rng(seed)
    pairs: set = set()
    while len(pairs) < n:
        a, b = rng.integers(0, 10**max_digits, 2)
        pairs.add((int(a), int(b)))
    pairs = sorted(pairs)
    rng.shuffle(pairs)
    return [f"{a}+{b}"[::-1] for a, b in pairs], [str(a + b) for a, b in pairs]


def encode_chars(strings, alphabet: str, width: int, end: bool = False):
    """Token ids (0 padding, 1 start, 2 end, then ``alphabet``) padded to ``width``."""
    ids = {c: i + 3 for i, c in enumerate(alphabet)}
    out = np.zeros((len(strings), width), dtype=np.int64)
    lengths = np.array([len(s) + end for s in strings], dtype=np.int64)
    for i, s in enumerate(strings):
        out[i, : len(s)] = [ids[c] for c in s]
        if end:
            out[i, len(s)] = 2
    return out, lengths


@dataclass
class AdditionWorkload(Workload):
    """W4, learning to add: a character encoder-decoder with full teacher forcing.

    The skrnn side is ``skrnn.Seq2SeqTransformer`` on the strings (it builds its own
    vocabulary); the raw side :class:`benchmarks.raw.RawSeq2Seq` on padded token ids.
    Runs only where ``skrnn`` has ``Seq2SeqTransformer`` (:func:`w4_available`).
    """

    def data(self):
        return addition_data(self.n)

    @property
    def model(self) -> str:
        return f"enc-dec LSTM {self.units}"

    def estimator(self, seed: int, epochs: int | None = None):
        from skrnn import Seq2SeqTransformer

        return Seq2SeqTransformer(
            cell=self.cell,
            units=self.units,
            batch_size=self.batch_size,
            epochs=epochs or self.epochs,
            lr=self.lr,
            attention=None,  # the raw model has none either
            clip_grad_norm=None,  # nor gradient clipping
            random_state=seed,
            device=DEVICE,
        )

    def raw_inputs(self, X, y):
        Xi, lengths = encode_chars(X, "0123456789+", self.steps)
        Yi, _ = encode_chars(y, "0123456789", self.features + 1, end=True)
        y_in = np.concatenate([np.ones((len(Yi), 1), np.int64), Yi[:, :-1]], axis=1)
        inputs = {"X": torch.as_tensor(Xi), "lengths": torch.as_tensor(lengths)}
        inputs = to_device({**inputs, "y_in": torch.as_tensor(y_in)})
        inputs["lengths"] = inputs["lengths"].cpu()  # pack_padded_sequence wants them there
        return inputs, to_device(torch.as_tensor(Yi))

    def module(self) -> torch.nn.Module:
        return RawSeq2Seq(n_inputs=3 + 11, n_outputs=3 + 10, units=self.units)

    def fit_raw(self, Xt, yt, seed: int, epochs: int | None = None):
        s = skrnn_seed(seed)
        # the estimator's default scheme (Seq2SeqTransformer().init), as W1-W3 do: the
        # raw side drew PyTorch's while the estimator moved to Keras', and the two final
        # losses drifted apart (1.49 / 1.59 after one epoch) for that reason alone
        scheme = self.estimator(seed).init
        module = init_parameters(self.module(), make_generator(s), scheme).to(DEVICE)
        losses = train_raw(
            module, Xt, yt, loss_fn=torch.nn.CrossEntropyLoss(ignore_index=0),
            epochs=epochs or self.epochs, batch_size=self.batch_size, lr=self.lr,
            loss_view=lambda pred, yb: (pred.reshape(-1, pred.shape[-1]), yb.reshape(-1)),
            generator=make_generator(s),
        )  # fmt: skip
        return module, losses[-1]

    def predict_raw(self, module, Xt):
        inputs = {"X": Xt["X"], "lengths": Xt["lengths"]}
        return predict_raw_greedy(module, inputs, start=1, steps=self.features + 1)


def w4_available() -> bool:
    """True once ``skrnn.Seq2SeqTransformer`` exists (issue #4); W4 waits for it."""
    import skrnn

    return hasattr(skrnn, "Seq2SeqTransformer")


def workloads(quick: bool = False, tiny: bool = False) -> list[Workload]:
    """W1-W4 as specified in issue #5; ``quick`` shrinks data and epochs, ``tiny`` even
    more (unit tests). W4 is in the list even when skrnn cannot run it yet."""
    if tiny:
        return [
            Workload("W1", "airline", "regression", 132, 12, 1, "rnn", 3, 1, 1, 1, reps=1,
                     predict_reps=1),
            Workload("W2", "air quality", "regression", 256, 6, 8, "lstm", 32, 1, 32, 1, reps=1,
                     predict_reps=1),
            Workload(
                "W3", "devices", "classification", 128, 24, 1, "lstm", 8, 2, 64, 1,
                reps=1, predict_reps=1, n_classes=7,
            ),
            AdditionWorkload("W4", "add", "seq2seq", 256, 7, 4, "lstm", 16, 1, 128, 1, reps=1,
                             predict_reps=1),
        ]  # fmt: skip
    w2n, w3n, w4n = (8192, 1280, 8192) if quick else (35064, 8926, 50000)
    return [
        Workload(
            "W1", "airline (real data)", "regression", 132, 12, 1, "rnn", 3, 1, 1,
            epochs=5 if quick else 20, reps=3 if quick else 7, real_data=True,
        ),
        Workload(
            "W2", "air quality (generated)", "regression", w2n, 6, 8, "lstm", 32, 1, 32,
            epochs=1 if quick else 2, reps=3 if quick else 7,
        ),
        Workload(
            "W3", "device classification (generated)", "classification", w3n, 96, 1, "lstm",
            64, 2, 64, epochs=1, reps=3 if quick else 5, n_classes=7, predict_reps=3,
        ),
        AdditionWorkload(
            "W4", "learning to add (generated)", "seq2seq", w4n, 7, 4, "lstm", 128, 1, 128,
            epochs=1, reps=3, predict_reps=3,
        ),
    ]  # fmt: skip


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def run_training(wl: Workload, log=print) -> dict:
    """Time skrnn against the raw loop on ``wl``; one result row."""
    X, y = wl.data()
    Xt, yt = wl.raw_inputs(X, y)
    state: dict = {}
    load_before = os.getloadavg()

    def skrnn_fit(seed):
        state["est"] = wl.fit_skrnn(X, y, seed)

    def raw_fit(seed):
        state["module"], state["raw_loss"] = wl.fit_raw(Xt, yt, seed)

    # warm-up (lazy initialisation, caches): a few batches of each side, not timed
    m = min(len(y), 4 * wl.batch_size)
    wl.fit_skrnn(X[:m], y[:m], 0, epochs=1)
    wl.fit_raw(_head(Xt, m), yt[:m], 0, epochs=1)

    fit_times = alternate({"skrnn": skrnn_fit, "raw": raw_fit}, wl.reps)
    est, module = state["est"], state["module"]
    same_shape = _params(est.module_) == _params(module)
    if not isinstance(wl, AdditionWorkload):
        assert same_shape, "module shapes differ"
    pred_times = alternate(
        {"skrnn": lambda _: wl.predict_skrnn(est, X), "raw": lambda _: wl.predict_raw(module, Xt)},
        wl.predict_reps,
    )
    ep_s, ep_r = median(fit_times["skrnn"]) / wl.epochs, median(fit_times["raw"]) / wl.epochs
    pr_s, pr_r = median(pred_times["skrnn"]), median(pred_times["raw"])
    paired = [s / r for s, r in zip(fit_times["skrnn"], fit_times["raw"], strict=True)]
    n = len(y)
    row = {
        "workload": wl.key,
        "title": wl.title,
        "shape": f"{n} x {wl.steps} x {wl.features}"
        if not isinstance(wl, AdditionWorkload)
        else f"{n} pairs, {wl.steps} -> {wl.features} chars",
        "model": wl.model,
        "params": [_params(est.module_), _params(module)],
        "batch_size": wl.batch_size,
        "epochs_per_fit": wl.epochs,
        "reps": wl.reps,
        "epoch_s_skrnn": ep_s,
        "epoch_s_raw": ep_r,
        "train_sps_skrnn": n / ep_s,
        "train_sps_raw": n / ep_r,
        "train_ratio": ep_s / ep_r,
        "paired_ratio_range": [min(paired), max(paired)],
        "paired_ratio_median": median(paired),
        "predict_sps_skrnn": n / pr_s,
        "predict_sps_raw": n / pr_r,
        "predict_ratio": pr_s / pr_r,
        "loss_skrnn": float(est.history_[-1, "train_loss"]),
        "loss_raw": float(state["raw_loss"]),
        "fit_times_skrnn": fit_times["skrnn"],
        "fit_times_raw": fit_times["raw"],
        "load": [load_before[0], os.getloadavg()[0]],
    }
    log(
        f"{wl.key}: epoch skrnn {ep_s:.3f}s raw {ep_r:.3f}s ratio {row['train_ratio']:.3f} "
        f"(per round {min(paired):.2f}-{max(paired):.2f}, median {median(paired):.2f}); "
        "predict ratio "
        f"{row['predict_ratio']:.3f}; loss {row['loss_skrnn']:.5f} / {row['loss_raw']:.5f}; "
        f"load {row['load'][0]:.1f}->{row['load'][1]:.1f}"
    )
    return row


def _head(data, m: int):
    if isinstance(data, dict):
        return {k: v[:m] for k, v in data.items()}
    return data[:m]


def probe_memory(wl: Workload, side: str) -> float:
    """Peak RSS growth (MiB) of one 1-epoch fit + predict of ``side`` on ``wl``.

    Meant to run in a fresh process (see ``python -m benchmarks --probe``).
    """
    X, y = wl.data()
    Xt, yt = wl.raw_inputs(X, y)
    # warm-up on a few rows: torch's one-off allocations (kernels, thread pools) are
    # not what the sides differ in
    m = min(len(y), 2 * wl.batch_size)
    wl.predict_skrnn(wl.fit_skrnn(X[:m], y[:m], 0, epochs=1), X[:m])
    wl.predict_raw(wl.fit_raw(_head(Xt, m), yt[:m], 0, epochs=1)[0], _head(Xt, m))
    with PeakRSS() as peak:
        if side == "skrnn":
            wl.predict_skrnn(wl.fit_skrnn(X, y, 0, epochs=1), X)
        else:
            wl.predict_raw(wl.fit_raw(Xt, yt, 0, epochs=1)[0], Xt)
    return peak.peak_mib


# -- accuracy on real data -------------------------------------------------------------
def accuracy_airline(epochs: int = 20, seed: int = 0) -> dict:
    """W1's model on the real airline series: the last 24 months held out, RMSE."""
    X, y, series, mu, sd = airline_windows(12)
    test = 24
    Xtr, ytr, Xte, yte = X[:-test], y[:-test], X[-test:], y[-test:]
    wl = workloads()[0]
    est = wl.fit_skrnn(Xtr, ytr, seed, epochs=epochs)
    module, _ = wl.fit_raw(*wl.raw_inputs(Xtr, ytr), seed, epochs=epochs)
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
    est = wl.fit_skrnn(Xtr, ytr, seed)
    module, _ = wl.fit_raw(*wl.raw_inputs(Xtr, ytr_i), seed)
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
def _torch_threads(estimator, X, y):
    """A 'scorer' that reports the torch intra-op threads of the process fitting."""
    return float(torch.get_num_threads())


def grid_search_data(n: int, seed: int = 0):
    """A noisy seasonal series of ``n`` steps as ``X (n, 1)``; ``y[t]`` is its value at
    ``t``, predicted from the window of the values before (SlidingWindowTransformer)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float32)
    s = np.sin(2 * np.pi * t / 24) + 0.01 * t / 24 + 0.2 * rng.standard_normal(n)
    s = s.astype(np.float32)
    return s[:, None], s


def grid_search(n, units, steps, epochs, n_jobs: int, batch_size: int = 32):
    X, y = grid_search_data(n)
    pipe = Pipeline(
        [
            ("window", SlidingWindowTransformer()),
            ("rnn", RNNRegressor(batch_size=batch_size, random_state=0)),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"rnn__units": list(units), "window__time_steps": list(steps), "rnn__epochs": list(epochs)},
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
        cfg = dict(n=1000, units=(8, 16), steps=(6, 12), epochs=(3, 6))
    else:
        cfg = dict(n=4000, units=(16, 32), steps=(12, 24), epochs=(4, 8))
    reps = reps or (1 if tiny else 2 if quick else 3)
    n_candidates = math.prod(len(v) for k, v in cfg.items() if k != "n")

    # start the two loky workers and warm them up (imports, first fits) with a tiny
    # search, timed separately: a one-off cost, not a per-search one
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    Parallel(n_jobs=2)(delayed(_import_skrnn)() for _ in range(2))
    grid_search(n=96, units=(2,), steps=(4,), epochs=(1,), n_jobs=2)
    startup = time.perf_counter() - t0
    state: dict = {}

    def run(n_jobs):
        def fn(_):
            state[n_jobs] = grid_search(**cfg, n_jobs=n_jobs)

        return fn

    ceiling_before = parallel_ceiling()
    times = alternate({"n_jobs=1": run(1), "n_jobs=2": run(2)}, reps)
    ceiling = [ceiling_before, parallel_ceiling()]
    t1, t2 = median(times["n_jobs=1"]), median(times["n_jobs=2"])
    threads1 = sorted({int(t) for t in state[1].cv_results_["mean_test_threads"]})
    threads2 = sorted({int(t) for t in state[2].cv_results_["mean_test_threads"]})
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
        "times_1": times["n_jobs=1"],
        "times_2": times["n_jobs=2"],
        "load": [load_before[0], os.getloadavg()[0]],
        "ceiling": ceiling,
    }
    log(
        f"grid: n_jobs=1 {t1:.1f}s n_jobs=2 {t2:.1f}s speed-up {row['speedup']:.2f}x; "
        f"torch threads per fit {threads1} vs {threads2}; machine's 2-process ceiling "
        f"{ceiling[0]:.2f}x / {ceiling[1]:.2f}x (before / after); load {row['load'][0]:.1f}->"
        f"{row['load'][1]:.1f}"
    )
    return row


def _import_skrnn():
    import skrnn  # noqa: F401

    return torch.get_num_threads()
