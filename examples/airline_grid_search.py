"""Tune units, time_steps and epochs of an LSTM forecaster with GridSearchCV.
==========================================================================

The classic exercise on the monthly airline-passenger series (1949-1960, shipped offline
with sktime) as one scikit-learn object: cut the raw series into windows of the
``time_steps`` previous months and fit an LSTM to predict the next month, trying other
``units``, ``time_steps`` and ``epochs``::

    Pipeline([window, RNNRegressor(instance_norm="last")])   # X: the series itself

The series grows, so the test months lie above anything seen in training.
``instance_norm="last"`` shifts each window by its last value before the net and adds it
back to the prediction, so the net learns month-to-month changes instead of levels it
would have to extrapolate; the target is standardised inside the estimator too
(``scale_target``), so no scaler is needed around it.

``GridSearchCV`` scores every setting with ``TimeSeriesSplit(n_splits=3)`` on the first
two thirds of the series: each validation fold follows its training fold, and the
window transformer completes the first windows of a fold from the months before it. The
best model is then refitted on those two thirds and forecasts the last third one month
ahead (each forecast sees the true months before it, like the seasonal-naive baseline,
which predicts the value of the same month a year earlier). RMSEs are in passengers.

The search runs twice, with ``n_jobs=1`` and ``n_jobs=2``; with a fixed ``random_state``
both give the same scores.

Run: ``python examples/airline_grid_search.py``

Output and figure of a recorded run of this script (``docs/render_gallery.py``; the
documentation build does not run it):

.. literalinclude:: /_static/gallery/airline_grid_search.txt
   :language: none

.. image:: /_static/gallery/airline_grid_search.png
   :alt: CV RMSE of each setting as a heat map; the best setting's test forecast
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sktime.datasets import load_airline

from skrnn import ForecastDisplay, RNNRegressor, SlidingWindowTransformer

# sphinx_gallery_thumbnail_path = "_static/gallery/airline_grid_search.png"

FIGURE = Path("airline_grid_search.png")  # in the current directory

GRID = {
    "window__time_steps": [6, 12],
    "rnn__units": [8, 32],
    "rnn__epochs": [50, 100],
}


def make_forecaster() -> Pipeline:
    return Pipeline(
        [
            ("window", SlidingWindowTransformer(time_steps=12)),
            ("rnn", RNNRegressor(instance_norm="last", random_state=0)),
        ]
    )


def search(X, y, n_jobs: int) -> tuple[GridSearchCV, float]:
    grid = GridSearchCV(
        make_forecaster(),
        GRID,
        cv=TimeSeriesSplit(n_splits=3),
        scoring="neg_root_mean_squared_error",
        n_jobs=n_jobs,
        error_score="raise",
    )
    start = time.perf_counter()
    grid.fit(X, y)
    return grid, time.perf_counter() - start


def short(params: dict) -> str:
    return ", ".join(f"{key.rsplit('__', 1)[1]}={value}" for key, value in params.items())


def main() -> None:
    # Tiny nets: one thread is much faster than several threads that wait on each other
    # (n_jobs=2 workers get one thread each from joblib anyway).
    torch.set_num_threads(1)
    y = load_airline().astype(float)  # monthly PeriodIndex
    X = y.to_frame()  # the series is its own input: row t is windowed from months < t
    n_test = len(y) // 3
    split = len(y) - n_test
    X_train, y_train, X_test, y_test = (
        X.iloc[:split],
        y.iloc[:split],
        X.iloc[split:],
        y.iloc[split:],
    )

    grid, seconds = search(X_train, y_train, n_jobs=1)
    n_fits = len(grid.cv_results_["params"]) * grid.n_splits_
    print(f"airline passengers: {split} training months, {n_test} test months")
    print(f"GridSearchCV n_jobs=1: {n_fits} fits + refit in {seconds:.1f} s")
    print(f"best params: {short(grid.best_params_)}")
    print(f"best CV RMSE (TimeSeriesSplit, 3 folds): {-grid.best_score_:.2f} passengers")
    ranking = np.argsort(grid.cv_results_["rank_test_score"])
    for i in ranking:
        print(
            f"   {short(grid.cv_results_['params'][i]):36s} "
            f"CV RMSE {-grid.cv_results_['mean_test_score'][i]:7.2f}"
        )

    pred = grid.predict(X_test)  # one month ahead, windows continue the training months
    rmse_rnn = root_mean_squared_error(y_test, pred)
    seasonal_naive = y.to_numpy()[split - 12 : len(y) - 12]
    rmse_naive = root_mean_squared_error(y_test, seasonal_naive)
    print(f"test RMSE  best LSTM:      {rmse_rnn:7.2f} passengers")
    print(f"test RMSE  seasonal naive: {rmse_naive:7.2f} passengers")
    verdict = "beats" if rmse_rnn < rmse_naive else "does NOT beat"
    print(f"the tuned LSTM {verdict} the seasonal-naive baseline")
    plot(grid, X_test, y_train, y_test)

    grid2, seconds2 = search(X_train, y_train, n_jobs=2)
    same = np.allclose(grid.cv_results_["mean_test_score"], grid2.cv_results_["mean_test_score"])
    print(f"GridSearchCV n_jobs=2: {seconds2:.1f} s, best params: {short(grid2.best_params_)}")
    print(f"n_jobs=2 gives the same CV scores as n_jobs=1: {same}")


def plot(grid: GridSearchCV, X_test, y_train, y_test) -> None:
    """The CV RMSE of every setting as a heat map, and the best model's test forecast."""
    table = pd.DataFrame(grid.cv_results_).pivot_table(
        index="param_rnn__units",
        columns=["param_rnn__epochs", "param_window__time_steps"],
        values="mean_test_score",
    )
    rmse = -table.to_numpy()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    image = left.imshow(rmse, cmap="viridis_r")
    left.set_xticks(range(table.shape[1]), [f"{e} ep.\n{t} steps" for e, t in table.columns])
    left.set_yticks(range(table.shape[0]), table.index)
    left.set(ylabel="units", title="CV RMSE (passengers), lower is better")
    for (i, j), value in np.ndenumerate(rmse):
        left.text(j, i, f"{value:.0f}", ha="center", va="center", color="grey")
    plt.colorbar(image, ax=left)
    ForecastDisplay.from_estimator(grid, X_test, y_test, y_history=y_train, ax=right)
    right.set_title("best setting, one month ahead")
    fig.savefig(FIGURE, dpi=110)  # a headless machine cannot show it: it is saved
    print(f"figure saved to {FIGURE.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()


if __name__ == "__main__":
    main()
