"""Several input features, one target: US consumption with exogenous columns.
==========================================================================

sktime ships (offline) the quarterly US changes data set, 1970Q1-2016Q3: percentage
changes of personal consumption, income, production, savings and the change of the
unemployment rate. The target is consumption growth; the inputs are windows of all five
columns, so each window is ``(time_steps, 5)``.

Two settings of ``SlidingWindowTransformer`` show the ``include_current`` choice:

* forecasting (default, ``include_current=False``): the window of quarter ``t`` holds
  quarters ``t - time_steps`` to ``t - 1`` of every column;
* with exogenous values known (``include_current=<the four exogenous columns>``): their
  window also holds quarter ``t``, as when a scenario for income etc. is given, or in a
  regression on contemporaneous data. Consumption itself always stays lagged: its value
  at ``t`` is the target and never enters the window of ``t``.

The last third of the quarters is held out. For each setting a GRU and, as a linear
baseline, a ridge regression on the same scaled windows (flattened) are tuned by
``GridSearchCV`` with ``TimeSeriesSplit`` on the first two thirds (``time_steps`` in
{4, 8}, and units/epochs or alpha), refitted there, and predict the test quarters one
step ahead. The test RMSE (in percentage points) is printed next to a naive forecast
(last quarter's value) and the training mean.

Run: ``python examples/multivariate_exogenous.py``

Output and figure of a recorded run of this script (``docs/render_gallery.py``; the
documentation build does not run it):

.. literalinclude:: /_static/gallery/multivariate_exogenous.txt
   :language: none

.. image:: /_static/gallery/multivariate_exogenous.png
   :alt: GRU test forecasts of US consumption, lags only and with exogenous values
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sktime.datasets import load_uschange

from skrnn import ForecastDisplay, RNNRegressor, SequenceStandardScaler, SlidingWindowTransformer

# sphinx_gallery_thumbnail_path = "_static/gallery/multivariate_exogenous.png"

FIGURE = Path("multivariate_exogenous.png")  # in the current directory

RNN_GRID = {"regressor__model__units": [4, 16], "regressor__model__epochs": [20, 60]}
RIDGE_GRID = {"regressor__model__alpha": [1.0, 10.0, 100.0]}


def flatten(windows: np.ndarray) -> np.ndarray:
    return windows.reshape(len(windows), -1)


def make_model(estimator, include_current) -> TransformedTargetRegressor:
    steps = [
        # DataFrame output keeps the column names that include_current refers to
        ("scale", SequenceStandardScaler().set_output(transform="pandas")),
        ("window", SlidingWindowTransformer(include_current=include_current)),
    ]
    if not isinstance(estimator, RNNRegressor):
        steps.append(("flatten", FunctionTransformer(flatten)))
    steps.append(("model", estimator))
    return TransformedTargetRegressor(regressor=Pipeline(steps), transformer=StandardScaler())


def main() -> None:
    torch.set_num_threads(1)  # tiny nets: one thread is faster than two that wait
    y, exog = load_uschange()
    data = pd.concat([y, exog], axis=1)
    data.index = pd.period_range("1970Q1", periods=len(data), freq="Q")
    target = data["Consumption"]
    exogenous = list(exog.columns)
    split = len(data) - len(data) // 3
    X_train, X_test = data.iloc[:split], data.iloc[split:]
    y_train, y_test = target.iloc[:split], target.iloc[split:]
    print(
        f"US changes: {len(data)} quarters, columns {list(data.columns)}; "
        f"target {target.name}; train to {data.index[split - 1]}, test {len(X_test)} quarters"
    )

    results = {
        "naive (last quarter)": root_mean_squared_error(y_test, target.shift(1).iloc[split:]),
        "training mean": root_mean_squared_error(y_test, np.full(len(y_test), y_train.mean())),
    }
    cv = TimeSeriesSplit(n_splits=3)
    gru = {}  # the tuned GRU of each setting, for the plot
    for label, include_current in [
        ("lags only", False),
        ("exogenous known at t", exogenous),
    ]:
        for name, estimator, grid in [
            ("GRU", RNNRegressor(cell="gru", batch_size=16, lr=3e-3, random_state=0), RNN_GRID),
            ("ridge", Ridge(), RIDGE_GRID),
        ]:
            search = GridSearchCV(
                make_model(estimator, include_current),
                {"regressor__window__time_steps": [4, 8]} | grid,
                cv=cv,
                scoring="neg_root_mean_squared_error",
            )
            start = time.perf_counter()
            search.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            results[f"{name}, {label}"] = root_mean_squared_error(y_test, search.predict(X_test))
            best = ", ".join(f"{k.rsplit('__', 1)[1]}={v}" for k, v in search.best_params_.items())
            print(f"{name}, {label}: tuned in {seconds:.1f} s, best {best}")
            if name == "GRU":
                gru[label] = search
        windows = search.best_estimator_.regressor_.named_steps["window"].transform(X_test)
        print(f"   test windows {windows.shape} (quarters, time_steps, features)")

    for name, rmse in results.items():
        print(f"test RMSE  {name:30s} {rmse:.3f} percentage points")

    # the GRU's test forecasts of both settings against the truth (the last 10 years)
    fig, ax = plt.subplots(figsize=(10, 4))
    for i, (label, search) in enumerate(gru.items()):
        pred = pd.Series(search.predict(X_test), index=y_test.index)
        ForecastDisplay.from_predictions(
            y_test if i == 0 else None,
            pred,
            y_history=y_train.iloc[-40:] if i == 0 else None,
            ax=ax,
            name=f"GRU, {label}",
        )
    ax.set(ylabel="consumption change (%)", title="US consumption, one quarter ahead")
    fig.savefig(FIGURE, dpi=110)  # a headless machine cannot show it: it is saved
    print(f"figure saved to {FIGURE.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()


if __name__ == "__main__":
    main()
