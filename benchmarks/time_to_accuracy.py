"""``python -m benchmarks.time_to_accuracy``: wall time and epochs until a target on
held-out data (issue 20 item 3).

Each row trains an skrnn estimator one epoch after another (one ``fit``; a callback
scores the held-out set after every epoch and stops the fit at the target) and, where
the row has one, the same PyTorch module in a hand-written loop (Adam, the same batches
size, learning rate, clipping and initial weights; tensors prepared before the clock
starts). Training seconds exclude the held-out scoring. Keras is not installed in this
environment (and nothing may be downloaded), so no Keras column is run.

Rows (default parameters unless the row says otherwise):

- ``add``: learn-to-add (``examples/learn_to_add.py``'s data: 50,000 sums of operands
  of up to 3 digits, input reversed, 5,000 held-out sums), the default
  ``Seq2SeqTransformer`` (its "auto" settings resolve to additive attention, batches of
  128, lr 4e-3 decaying on a cosine over its 50 epochs); target 99% exact match (greedy
  decoding). ``--add-params``/``--add-schedule`` try other settings.
- ``text``: next-character LSTM of ``examples/text_generation.py`` (its data: training
  windows of 32 characters overlapping by half, held-out chunks of 64; its settings,
  including its 10 epochs, over which its "cooldown" schedule runs); target: the bits
  per character the example printed before issue 20 (2.87, with accuracy 0.517, in
  25 epochs of the former settings); the held-out accuracy of each epoch is recorded
  too (``accuracy``).
- ``ucr``: ItalyPowerDemand (sktime's bundled UCR set), default ``RNNClassifier``;
  target: the accuracy of 1-NN with Euclidean distance on the same split.
- ``forecast``: the airline series, windows of 12 months, last third held out, default
  ``RNNRegressor`` with ``instance_norm="last"`` (the README's recipe); target: the
  seasonal-naive RMSE.

``--quick`` runs every row on a few hundred samples for a few epochs (a smoke test,
tests/test_time_to_accuracy_benchmark.py). One torch thread; the machine's load is
printed with the figures (the machine is shared: compare the seconds per epoch of the
columns of one run, not across runs); ``--threads`` sets another count.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Callable

import numpy as np
import torch
from skorch.callbacks import Callback

from skrnn import (
    RNNClassifier,
    RNNRegressor,
    Seq2SeqTransformer,
    SequenceTokenizer,
    SlidingWindowTransformer,
)
from skrnn._torch.init import init_parameters
from skrnn._torch.random import make_generator
from skrnn._torch.seq2seq import Seq2SeqModule
from skrnn._training.schedule import cosine_lr


def load_str() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}/{fifteen:.1f}"


class HeldOut(Callback):
    """Scores the held-out set after every epoch (``score()``, higher is better) and
    stops the fit (skorch ends training on ``KeyboardInterrupt``) once it reaches
    ``target`` or the training time passes ``budget_s``. The seconds spent scoring are
    kept apart, so the history's training time excludes them."""

    def __init__(self, score: Callable[[], float], target: float, budget_s: float):
        self.score = score
        self.target = target
        self.budget_s = budget_s

    def initialize(self):
        self.scores_, self.train_s_, self.reached_at_ = [], [], None
        self._eval_s, self._start = 0.0, time.perf_counter()
        return self

    def on_epoch_end(self, net, **kwargs):
        start = time.perf_counter()
        train_s = start - self._start - self._eval_s
        value = float(self.score())
        self._eval_s += time.perf_counter() - start
        self.scores_.append(value)
        self.train_s_.append(train_s)
        if value >= self.target and self.reached_at_ is None:
            self.reached_at_ = len(self.scores_)
        if self.reached_at_ is not None or train_s > self.budget_s:
            raise KeyboardInterrupt


def _result(name: str, cb: HeldOut, target: float) -> dict:
    epochs = len(cb.scores_)
    return dict(
        column=name,
        target=target,
        reached_epoch=cb.reached_at_,
        train_s=cb.train_s_[-1] if epochs else 0.0,
        epochs=epochs,
        s_per_epoch=(cb.train_s_[-1] / epochs) if epochs else float("nan"),
        best=max(cb.scores_) if epochs else float("nan"),
        scores=cb.scores_,
    )


def fit_to_target(est, fit_args: tuple, score, target: float, budget_s: float, **fit_kw):
    """``est.fit(*fit_args)`` stopped at the held-out target; the callback's record."""
    cb = HeldOut(score, target, budget_s)
    callbacks = list(est.callbacks or []) + [("held_out", cb)]
    est.set_params(callbacks=callbacks)
    est.fit(*fit_args, **fit_kw)
    return est.net_.callbacks_[[n for n, _ in est.net_.callbacks_].index("held_out")][1]


# -- learn to add -------------------------------------------------------------------------
def addition_data(n_train: int, n_test: int, digits: int = 3, seed: int = 0):
    """examples/learn_to_add.py's data: distinct operand pairs, the held-out sums never
    seen in training (either order), input reversed."""
    rng = np.random.RandomState(seed)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_train + 2 * n_test:
        a, b = rng.randint(0, 10**digits, size=2)
        pairs.add((int(a), int(b)))
    pairs = sorted(pairs)
    rng.shuffle(pairs)
    test = pairs[:n_test]
    seen = {(b, a) for a, b in test} | set(test)
    train = [p for p in pairs[n_test:] if p not in seen][:n_train]

    def encode(ps):
        return [f"{a}+{b}"[::-1] for a, b in ps], [str(a + b) for a, b in ps]

    return (*encode(train), *encode(test))


ADD_PARAMS: dict = {}  # the row's settings beside the defaults (random_state aside)


def row_add(args) -> list[dict]:
    n_train, n_test = (600, 100) if args.quick else (50_000, 5_000)
    X, Y, X_te, Y_te = addition_data(n_train, n_test)
    truth = np.array(Y_te, dtype=object)
    params = dict(ADD_PARAMS, **json.loads(args.add_params or "{}"))
    if args.quick:
        params.setdefault("epochs", args.max_epochs)
    # the default bound of epochs (the default cosine decay spans it), unless given
    est = Seq2SeqTransformer(random_state=0, **params)
    schedule = lr_schedule(args.add_schedule, args.schedule_epochs, len(X), est)
    if schedule is not None:  # a schedule of the benchmark's instead of the estimator's
        est.set_params(callbacks=[("lr_schedule", schedule)], lr_schedule="constant")
        params["schedule"] = f"{args.add_schedule} over {args.schedule_epochs} epochs"

    def score():
        return float(np.mean(est.predict(X_te) == truth))

    cb = fit_to_target(est, (X, Y), score, args.add_target, args.budget_s)
    rows = [dict(_result("skrnn", cb, args.add_target), params=params)]
    if args.raw:
        rows.append(_raw_seq2seq(est, X, Y, X_te, truth, args))
    return rows


def lr_schedule(name: str, epochs: int, n_samples: int, est):
    """A skorch ``LRScheduler``: ``"cosine"`` (``CosineAnnealingLR`` to 0 over ``epochs``,
    as examples/learn_to_add.py), ``"onecycle"`` (``OneCycleLR`` peaking at the estimator's
    ``lr``, stepped every batch) or ``None`` for ``"none"``."""
    from skorch.callbacks import LRScheduler

    if name == "none":
        return None
    if name == "cosine":
        return LRScheduler(policy="CosineAnnealingLR", T_max=epochs)
    if isinstance(est.batch_size, str) or isinstance(est.lr, str):
        raise ValueError("--add-schedule onecycle needs batch_size and lr in --add-params")
    steps = math.ceil(n_samples / est.batch_size)
    return LRScheduler(
        policy=torch.optim.lr_scheduler.OneCycleLR,
        max_lr=est.lr,
        epochs=epochs,
        steps_per_epoch=steps,
        step_every="batch",
    )


def _raw_seq2seq(est: Seq2SeqTransformer, X, Y, X_te, truth, args) -> dict:
    """The fitted estimator's module, re-initialised the same way and trained by a
    hand-written loop on the estimator's encoding of the data."""
    p = est.get_params()
    Xi, Xl = est._validate_X(X, reset=False)
    Yi, Yl = est._validate_Y(Y, len(X), reset=False)
    Ti, Tl = est._validate_X(X_te, reset=False)
    module = Seq2SeqModule(**{k[8:]: v for k, v in est._module_kwargs().items() if k != "module"})
    init_parameters(module, make_generator(est._seed), p["init"])
    lr, batch_size = est._lr(), est._batch_size()  # "auto" resolved as the fit did
    cosine = est._lr_schedule() == "cosine"
    opt = torch.optim.Adam(module.parameters(), lr=lr, weight_decay=p["weight_decay"])
    Xt, Xlt, Yt = torch.as_tensor(Xi), torch.as_tensor(Xl), torch.as_tensor(Yi)
    valid = torch.arange(Yt.shape[1])[None, :] < torch.as_tensor(Yl)[:, None]
    Ym = Yt.masked_fill(~valid, -100)  # cross-entropy's ignore_index: padding left out
    gen = torch.Generator().manual_seed(0)
    steps = est.max_output_length_ + 1
    scores, train_s, reached, clock = [], [], None, 0.0
    for epoch in range(min(p["epochs"], args.raw_epochs)):
        start = time.perf_counter()
        if cosine:  # the estimator's schedule: a cosine over its epochs
            for group in opt.param_groups:
                group["lr"] = cosine_lr(lr, epoch, p["epochs"])
        module.train()
        perm = torch.randperm(len(Yt), generator=gen)
        for i in range(0, len(perm), batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad()
            out = module(Xt[idx], Xlt[idx], y_teacher=Yt[idx])
            loss = torch.nn.functional.cross_entropy(out.transpose(1, 2), Ym[idx])
            loss.backward()
            if p["clip_grad_norm"] is not None:
                torch.nn.utils.clip_grad_norm_(module.parameters(), p["clip_grad_norm"])
            opt.step()
        clock += time.perf_counter() - start
        module.eval()
        with torch.inference_mode():
            ids = module.decode(torch.as_tensor(Ti), torch.as_tensor(Tl), max_steps=steps)
        pred = ["".join(t) for t in est.output_vocabulary_.decode(ids.numpy()[:, : steps - 1])]
        scores.append(float(np.mean(np.array(pred, dtype=object) == truth)))
        train_s.append(clock)
        if scores[-1] >= args.add_target:
            reached = len(scores)
            break
        if clock > args.budget_s:
            break
    return dict(
        column="raw PyTorch loop",
        target=args.add_target,
        reached_epoch=reached,
        train_s=clock,
        epochs=len(scores),
        s_per_epoch=clock / max(len(scores), 1),
        best=max(scores) if scores else float("nan"),
        scores=scores,
    )


# -- text generation ----------------------------------------------------------------------
TEXT_TARGET_BITS = 2.87  # examples/text_generation.py's bits/char before issue 20's change
TEXT_TRAIN_CHUNK = 32  # examples/text_generation.py's training windows (step: half)
TEXT_TEST_CHUNK = 64  # and its held-out chunks
TEXT_EPOCHS = 10  # its epochs, the span of its cooldown
TEXT_PARAMS = dict(
    units=128,
    embedding_dim=32,
    return_sequences=True,
    lr=1e-2,
    lr_schedule="cooldown",
    clip_grad_norm=1.0,
)  # examples/text_generation.py's RNNClassifier settings (random_state aside)


def text_chunks(text: str, length: int, step: int):
    """examples/text_generation.py's chunks: strings of ``length`` characters every
    ``step``, each with the next character of every position as its labels."""
    starts = range(0, len(text) - length - 1, step)
    return [text[i : i + length] for i in starts], [
        list(text[i + 1 : i + length + 1]) for i in starts
    ]


def row_text(args) -> list[dict]:
    from skrnn.datasets import load_text

    text = load_text()
    if args.quick:
        text = text[:6000]
    cut = int(0.9 * len(text))
    train, test = text[:cut], text[cut:]
    X, y = text_chunks(train, TEXT_TRAIN_CHUNK, TEXT_TRAIN_CHUNK // 2)
    X_te, y_te = text_chunks(test, TEXT_TEST_CHUNK, TEXT_TEST_CHUNK)
    truth = np.concatenate(y_te)
    # characters to ids: the tokenizer fitted on the training chunks, as in a pipeline
    tokens = SequenceTokenizer("char").fit(X)
    X, X_te = tokens.transform(X), tokens.transform(X_te)
    params = dict(TEXT_PARAMS, **json.loads(args.text_params or "{}"))
    epochs = args.max_epochs if args.quick else TEXT_EPOCHS
    clf = RNNClassifier(random_state=0, epochs=epochs, **params)
    accuracy = []

    def score():  # minus bits per character: higher is better
        proba = np.concatenate(clf.predict_proba(X_te))
        index = {c: i for i, c in enumerate(clf.classes_)}
        p = np.array([proba[k, index[c]] if c in index else 0.0 for k, c in enumerate(truth)])
        accuracy.append(float(np.mean(clf.classes_[proba.argmax(axis=1)] == truth)))
        return -float(-np.mean(np.log2(np.clip(p, 1e-12, None))))

    # the whole schedule runs: the example's epochs, not stopped at the target
    cb = fit_to_target(clf, (X, y), score, np.inf, args.budget_s)
    row = _result("skrnn", cb, -TEXT_TARGET_BITS)
    reached = [i + 1 for i, v in enumerate(cb.scores_) if v >= -TEXT_TARGET_BITS]
    row.update(reached_epoch=reached[0] if reached else None, accuracy=accuracy)
    return [dict(row, params=dict(params, epochs=epochs))]


# -- UCR ----------------------------------------------------------------------------------
def row_ucr(args) -> list[dict]:
    from sklearn.neighbors import KNeighborsClassifier
    from sktime.datasets import load_UCR_UEA_dataset

    from skrnn import sktime_to_sequences

    data = []
    for split in ("train", "test"):
        Xs, ys = load_UCR_UEA_dataset("ItalyPowerDemand", split=split, return_X_y=True)
        data += [np.stack(sktime_to_sequences(Xs)).astype(np.float32), np.asarray(ys)]
    X, y, X_te, y_te = data
    if args.quick:
        X_te, y_te = X_te[:100], y_te[:100]
    knn = KNeighborsClassifier(1).fit(X.reshape(len(X), -1), y)
    target = float(knn.score(X_te.reshape(len(X_te), -1), y_te))
    clf = RNNClassifier(random_state=0)
    if args.quick:
        clf.set_params(epochs=3)

    def score():
        return float(np.mean(clf.predict(X_te) == y_te))

    cb = fit_to_target(clf, (X, y), score, target, args.budget_s)
    return [dict(_result("skrnn", cb, target), params={}, baseline="1-NN (Euclidean)")]


# -- forecasting --------------------------------------------------------------------------
def row_forecast(args) -> list[dict]:
    from sktime.datasets import load_airline

    series = load_airline().to_numpy(dtype=np.float64)
    lags, split = 12, int(len(series) * 2 / 3)
    windows = SlidingWindowTransformer(lags).fit_transform(series[:, None])
    windows = np.asarray(windows, dtype=np.float64).reshape(len(series), lags, 1)
    X, y = windows[lags:split], series[lags:split]
    X_te, y_te = windows[split:], series[split:]
    naive = series[split - 12 : len(series) - 12]
    target = -float(np.sqrt(np.mean((y_te - naive) ** 2)))
    reg = RNNRegressor(instance_norm="last", random_state=0)
    if args.quick:
        reg.set_params(epochs=3)

    def score():  # minus the RMSE: higher is better
        return -float(np.sqrt(np.mean((reg.predict(X_te) - y_te) ** 2)))

    cb = fit_to_target(reg, (X, y), score, target, args.budget_s)
    return [
        dict(
            _result("skrnn", cb, target),
            params={"instance_norm": "last"},
            baseline="seasonal naive",
        )
    ]


ROWS = {"add": row_add, "text": row_text, "ucr": row_ucr, "forecast": row_forecast}


def render(results: dict) -> str:
    lines = [
        "| row | column | target | reached at epoch | training s | epochs run | s / epoch "
        "| best held-out |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, rows in results.items():
        for r in rows:
            sign = -1 if r["target"] < 0 else 1  # bits/char and RMSE are stored negated
            reached = r["reached_epoch"] if r["reached_epoch"] is not None else "not reached"
            lines.append(
                f"| {name} | {r['column']} | {sign * r['target']:.4g} | {reached} | "
                f"{r['train_s']:.0f} | {r['epochs']} | {r['s_per_epoch']:.1f} | "
                f"{sign * r['best']:.4g} |"
            )
    return "\n".join(lines)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(prog="python -m benchmarks.time_to_accuracy", description=__doc__)
    p.add_argument("--rows", default="add,text,ucr,forecast")
    p.add_argument("--quick", action="store_true", help="tiny data, a few epochs")
    p.add_argument("--max-epochs", type=int, default=None)
    p.add_argument("--budget-s", type=float, default=None, help="training seconds per column")
    p.add_argument("--add-target", type=float, default=0.99)
    p.add_argument("--add-params", default=None, help="JSON: Seq2SeqTransformer settings")
    p.add_argument("--add-schedule", choices=["none", "cosine", "onecycle"], default="none")
    p.add_argument("--schedule-epochs", type=int, default=30, help="length of the schedule")
    p.add_argument("--raw-epochs", type=int, default=10**6, help="epochs of the raw loops")
    p.add_argument("--text-params", default=None, help="JSON: RNNClassifier settings")
    p.add_argument("--no-raw", dest="raw", action="store_false", help="skip the raw loops")
    p.add_argument("--json", default=None, help="write the results to this file")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = p.parse_args(argv)
    if args.max_epochs is None:
        args.max_epochs = 2 if args.quick else 100
    if args.budget_s is None:
        args.budget_s = 60.0 if args.quick else 3600.0
    torch.set_num_threads(args.threads)
    results = {}
    print(f"load average before: {load_str()} (1/5/15 min)", flush=True)
    for name in args.rows.split(","):
        results[name] = ROWS[name](args)
        for r in results[name]:
            shown = {k: v for k, v in r.items() if k != "scores"}
            print(name, shown, flush=True)
    print(f"load average after: {load_str()} (1/5/15 min)")
    print(render(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"load": load_str(), "results": results}, f)
    return results


if __name__ == "__main__":
    main()
