"""Forecast airline passengers one month ahead with an LSTM.

The classic exercise on the monthly airline-passenger series (1949-1960, shipped
offline with sktime). Each input is the window of the previous 12 months; the LSTM
predicts the next month. The last third of the series is held out and the test RMSE (in
passengers) is printed next to a seasonal-naive baseline that predicts the value of the
same month one year earlier.

The series grows, so the test months lie above anything seen in training. A network fed
min-max scaled levels must extrapolate and does poorly; instead each window is taken in
log space relative to its last value (the level is removed) and the target is the
log-change to the next month. Both are divided by one scale fitted on the training
windows only. No test value is used before it is predicted.

Run: ``python examples/airline.py``
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics import root_mean_squared_error
from sktime.datasets import load_airline

from skrnn import RNNRegressor

TIME_STEPS = 12


def level_free_windows(log_series: np.ndarray, time_steps: int):
    """Windows of ``time_steps`` values relative to their last value, the log-change that
    follows each window, and that last value (to restore the level)."""
    windows = np.lib.stride_tricks.sliding_window_view(log_series[:-1], time_steps)
    last = windows[:, -1]
    return windows - last[:, None], log_series[time_steps:] - last, last


def main() -> None:
    y = load_airline().to_numpy(dtype=float)
    n_test = len(y) // 3
    split = len(y) - n_test  # months [split, end) are the test set

    X, change, last = level_free_windows(np.log(y), TIME_STEPS)
    n_train = split - TIME_STEPS  # window i predicts month i + TIME_STEPS
    scale = change[:n_train].std()
    X_train, y_train = X[:n_train, :, None] / scale, change[:n_train] / scale
    X_test = X[n_train:, :, None] / scale

    model = RNNRegressor(cell="lstm", units=32, epochs=200, batch_size=8, lr=3e-3, random_state=0)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    pred = np.exp(model.predict(X_test) * scale + last[n_train:])

    truth = y[split:]
    seasonal_naive = y[split - 12 : len(y) - 12]
    rmse_lstm = root_mean_squared_error(truth, pred)
    rmse_naive = root_mean_squared_error(truth, seasonal_naive)
    print(f"airline passengers: {n_train} training windows, {n_test} test months")
    print(f"LSTM trained {model.n_iter_} epochs in {seconds:.1f} s")
    print(f"test RMSE  LSTM (window {TIME_STEPS}): {rmse_lstm:7.2f} passengers")
    print(f"test RMSE  seasonal naive:        {rmse_naive:7.2f} passengers")
    verdict = "beats" if rmse_lstm < rmse_naive else "does NOT beat"
    print(f"the LSTM {verdict} the seasonal-naive baseline")


if __name__ == "__main__":
    main()
