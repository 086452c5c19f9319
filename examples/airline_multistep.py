"""Forecast airline passengers 12 months ahead at once with an encoder-decoder RNN.
================================================================================

Multi-step forecasting on the monthly airline-passenger series (1949-1960, shipped
offline with sktime). Each input is the window of the previous 24 months (two full
seasons, so the encoder sees every calendar month twice and the trend over two years);
the :class:`skrnn.Seq2SeqTransformer` outputs the next 12 months in one ``predict``.

The last 36 months are the test period. Forecasts are made from every origin in it
whose 12-month horizon is observed (25 origins, 300 forecast values); only months before
an origin are used for its forecast. Training uses only windows whose 12 target months
lie before the test period (73 windows). The RMSE (in passengers) over all test
forecasts is printed for

- the seq2seq model (direct multi-step forecast),
- recursive one-step forecasting: an :class:`skrnn.RNNRegressor` trained to predict the
  next month, fed its own predictions for months 2 to 12,
- the seasonal-naive baseline: each month is forecast by the same month one year
  before the origin's horizon (the only baseline that needs no training).

As in ``examples/airline.py``, windows are taken in log space relative to their last
value (the growing level is removed) and scaled by the training windows' spread; targets
are the log-changes from the last input month. Both networks are trained with 3 seeds
and the mean and spread of their RMSE are printed.

Run: ``python examples/airline_multistep.py`` (about a minute on 2 shared CPU cores).

Output and figure of a recorded run of this script (``docs/render_gallery.py``; the
documentation build does not run it):

.. literalinclude:: /_static/gallery/airline_multistep.txt
   :language: none

.. image:: /_static/gallery/airline_multistep.png
   :alt: test RMSE by months ahead: seq2seq, recursive RNNRegressor, seasonal naive

In that run both networks beat the seasonal-naive baseline (by 33% and 20%), and the
direct seq2seq forecast beats the recursive one (29.4 against 35.4 passengers): the
recursive forecast feeds its own errors back, which grow over the first six months
ahead. (A run of this example before version 0.2.0, whose defaults differ, had the two
level at 36.6.)
"""

# sphinx_gallery_thumbnail_path = "_static/gallery/airline_multistep.png"

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import root_mean_squared_error
from sktime.datasets import load_airline

from skrnn import RNNRegressor, Seq2SeqTransformer

WINDOW = 24
HORIZON = 12
N_TEST = 36
SEEDS = (0, 1, 2)
FIGURE = Path("airline_multistep.png")  # in the current directory


def windows(log_y: np.ndarray, origins: np.ndarray):
    """Level-free input windows ending before each origin, their targets (log-changes of
    the next ``HORIZON`` months, where observed) and the last input value of each."""
    X = np.stack([log_y[o - WINDOW : o] for o in origins])
    last = X[:, -1].copy()
    Y = np.stack([log_y[o : o + HORIZON] for o in origins]) - last[:, None]
    return X - last[:, None], Y, last


def recursive_forecast(model: RNNRegressor, X: np.ndarray, scale: float) -> np.ndarray:
    """12 months by one-step predictions, each fed back as the newest input month."""
    X = X.copy()  # level-free log values relative to the origin's last month
    out = []
    for _ in range(HORIZON):
        level_free = X - X[:, -1:]  # as in training: relative to the window's last month
        nxt = X[:, -1] + model.predict(level_free[:, :, None] / scale) * scale
        out.append(nxt)
        X = np.concatenate([X[:, 1:], nxt[:, None]], axis=1)
    return np.stack(out, axis=1)


def main() -> None:
    torch.set_num_threads(1)  # small nets on a small shared machine: one thread is faster
    y = load_airline().to_numpy(dtype=float)
    log_y = np.log(y)
    split = len(y) - N_TEST
    train_origins = np.arange(WINDOW, split - HORIZON + 1)
    test_origins = np.arange(split, len(y) - HORIZON + 1)
    X_train, Y_train, _ = windows(log_y, train_origins)
    X_test, _, last_test = windows(log_y, test_origins)
    truth = np.stack([y[o : o + HORIZON] for o in test_origins])
    scale = np.diff(log_y[:split]).std()

    # one-step training pairs for the recursive model: every month before the test period
    one_origins = np.arange(WINDOW, split)
    X_one = np.stack([log_y[o - WINDOW : o] for o in one_origins])
    y_one = log_y[one_origins] - X_one[:, -1]
    X_one = X_one - X_one[:, -1:]

    results: dict[str, list[float]] = {"seq2seq (direct)": [], "RNNRegressor (recursive)": []}
    seconds: dict[str, float] = dict.fromkeys(results, 0.0)
    per_step: dict[str, list[np.ndarray]] = {name: [] for name in results}  # RMSE by month
    for seed in SEEDS:
        s2s = Seq2SeqTransformer(
            cell="lstm", units=32, epochs=300, batch_size=8, lr=3e-3, random_state=seed
        )
        start = time.perf_counter()
        s2s.fit(X_train[:, :, None] / scale, Y_train[:, :, None] / scale)
        seconds["seq2seq (direct)"] += time.perf_counter() - start
        pred = np.exp(s2s.predict(X_test[:, :, None] / scale)[:, :, 0] * scale + last_test[:, None])
        results["seq2seq (direct)"].append(root_mean_squared_error(truth.ravel(), pred.ravel()))
        per_step["seq2seq (direct)"].append(np.sqrt(((pred - truth) ** 2).mean(axis=0)))

        rnn = RNNRegressor(
            cell="lstm", units=32, epochs=200, batch_size=8, lr=3e-3, random_state=seed
        )
        start = time.perf_counter()
        rnn.fit(X_one[:, :, None] / scale, y_one / scale)
        seconds["RNNRegressor (recursive)"] += time.perf_counter() - start
        pred = np.exp(recursive_forecast(rnn, X_test, scale) + last_test[:, None])
        results["RNNRegressor (recursive)"].append(
            root_mean_squared_error(truth.ravel(), pred.ravel())
        )
        per_step["RNNRegressor (recursive)"].append(np.sqrt(((pred - truth) ** 2).mean(axis=0)))

    seasonal_naive = np.stack([y[o - 12 : o - 12 + HORIZON] for o in test_origins])
    rmse_naive = root_mean_squared_error(truth.ravel(), seasonal_naive.ravel())
    print(
        f"airline passengers, {HORIZON} months ahead from the previous {WINDOW}: "
        f"{len(X_train)} training windows, {len(test_origins)} test origins "
        f"({truth.size} forecast months)"
    )
    print(f"{'method':<26} {'test RMSE (passengers)':>24}   training time")
    for name, rmses in results.items():
        per_fit = seconds[name] / len(SEEDS)
        print(
            f"{name:<26} {np.mean(rmses):>12.2f} +- {np.std(rmses):5.2f} (seeds {SEEDS})"
            f"   {per_fit:5.1f} s per fit"
        )
    print(f"{'seasonal naive':<26} {rmse_naive:>12.2f}")

    # the test RMSE by months ahead (mean over the seeds)
    fig, ax = plt.subplots(figsize=(7, 4))
    months = np.arange(1, HORIZON + 1)
    for name, rmses in per_step.items():
        ax.plot(months, np.mean(rmses, axis=0), marker="o", label=name)
    naive_steps = np.sqrt(((seasonal_naive - truth) ** 2).mean(axis=0))
    ax.plot(months, naive_steps, ":", marker="s", label="seasonal naive")
    ax.set(xlabel="months ahead", ylabel="test RMSE (passengers)", xticks=months)
    ax.set_title(f"airline, {len(test_origins)} test origins, 12 months ahead")
    ax.legend()
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=110)
    print(f"figure saved to {FIGURE.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()


if __name__ == "__main__":
    main()
