"""Forecast airline passengers one month ahead with an LSTM.
=========================================================

The classic exercise on the monthly airline-passenger series (1949-1960, shipped
offline with sktime). Each input is the window of the previous 12 months; the LSTM
predicts the next month. The last third of the series is held out and the test RMSE (in
passengers) is printed next to a seasonal-naive baseline that predicts the value of the
same month one year earlier.

The series grows, so the test months lie above anything seen in training: a net fed the
levels would have to extrapolate. ``instance_norm="last"`` removes each window's level
inside the estimator (the window is shifted by its last value, the net predicts the
change to the next month, and the level is added back), so the raw series goes in and
predictions come out in passengers. Everything else is the estimator's defaults. No test
value is used before it is predicted: row ``t`` of the windows holds the months before
``t`` only.

Run: ``python examples/airline.py``; the figure is saved as ``airline.png`` in the
current directory (and shown too where matplotlib has a window to show it in).

Output and figure of a recorded run of this script (``docs/render_gallery.py``; the
documentation build does not run it):

.. literalinclude:: /_static/gallery/airline.txt
   :language: none

.. image:: /_static/gallery/airline.png
   :alt: test months: LSTM forecast, seasonal naive and the truth; training loss per epoch
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import torch
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import make_pipeline
from sktime.datasets import load_airline

from skrnn import ForecastDisplay, RNNRegressor, SlidingWindowTransformer, TrainingCurveDisplay

# sphinx_gallery_thumbnail_path = "_static/gallery/airline.png"

TIME_STEPS = 12
FIGURE = Path("airline.png")  # in the current directory


def main() -> None:
    torch.set_num_threads(1)  # a small net: one thread is fastest on a small machine
    y = load_airline().to_numpy(dtype=float)
    n_test = len(y) // 3
    split = len(y) - n_test  # months [split, end) are the test set
    X = y[:, None]  # the series is its own input: row t is windowed from months < t

    model = make_pipeline(
        SlidingWindowTransformer(time_steps=TIME_STEPS),
        RNNRegressor(instance_norm="last", random_state=0),
    )
    start = time.perf_counter()
    model.fit(X[:split], y[:split])
    seconds = time.perf_counter() - start
    pred = model.predict(X[split:])  # windows continue the training months

    truth = y[split:]
    seasonal_naive = y[split - 12 : len(y) - 12]
    rmse_lstm = root_mean_squared_error(truth, pred)
    rmse_naive = root_mean_squared_error(truth, seasonal_naive)
    print(f"airline passengers: {split} training months, {n_test} test months")
    print(f"LSTM trained {model[-1].n_iter_} epochs in {seconds:.1f} s")
    print(f"test RMSE  LSTM (window {TIME_STEPS}): {rmse_lstm:7.2f} passengers")
    print(f"test RMSE  seasonal naive:        {rmse_naive:7.2f} passengers")
    verdict = "beats" if rmse_lstm < rmse_naive else "does NOT beat"
    print(f"the LSTM {verdict} the seasonal-naive baseline")

    # the test months against the truth, and the training loss per epoch
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    disp = ForecastDisplay.from_predictions(truth, pred, y_history=y[:split], ax=left, name="LSTM")
    left.plot(disp.pred_line_.get_xdata(), seasonal_naive, ":", label="seasonal naive")
    left.set(xlabel="month", ylabel="passengers (thousands)")
    left.legend()
    TrainingCurveDisplay.from_estimator(model, ax=right, log_scale=True)
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=110)  # a headless machine cannot show it: it is saved
    print(f"figure saved to {FIGURE.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()


if __name__ == "__main__":
    main()
