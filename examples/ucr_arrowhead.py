"""Time-series classification on the UCR archive: ArrowHead (ships with sktime).
=============================================================================

Outlines of arrowheads read as series of 251 steps, three classes, only 36 training and
175 test series. The default ``RNNClassifier`` reads such numeric sequences with a
convolutional branch beside its LSTM (an LSTM-FCN: convolutions, batch normalisation and
ReLU, averaged over the steps); it z-normalises each series and folds every 2
consecutive steps into one step of 2 values first, so that no more than 128 steps reach
its layers.

Next to it, the two baselines of the time-series literature, from sktime: the
1-nearest-neighbour classifier with the dynamic time warping distance (1-NN DTW) and
MiniRocket (random convolutional kernels and a ridge classifier). Their fit times
include numba's compilation on the first call. The figure shows the three confusion
matrices on the test split.

Run: ``python examples/ucr_arrowhead.py`` (``pip install -e ".[examples]"`` for numba).
The same three models on ArrowHead with 3 seeds, and on six more sets: docs/quality.md
(time-series section).

Output and figure of a recorded run of this script (``docs/render_gallery.py``; the
documentation build does not run it: the RNN trains 500 epochs, one to two minutes on a
busy 2-core machine, and numba compiles the baselines first):

.. literalinclude:: /_static/gallery/ucr_arrowhead.txt
   :language: none

.. image:: /_static/gallery/ucr_arrowhead.png
   :alt: confusion matrices of the default RNNClassifier, 1-NN DTW and MiniRocket on the
         ArrowHead test set
"""

import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import torch
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score
from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier
from sktime.classification.kernel_based import RocketClassifier
from sktime.datasets import load_arrow_head

from skrnn import RNNClassifier, sktime_to_sequences

# sphinx_gallery_thumbnail_path = "_static/gallery/ucr_arrowhead.png"


FIGURE = Path("ucr_arrowhead.png")  # in the current directory


def main():
    torch.set_num_threads(1)  # small nets on a small machine: one thread is fastest
    X_train, y_train = load_arrow_head(split="train", return_type="numpy3D")
    X_test, y_test = load_arrow_head(split="test", return_type="numpy3D")
    print(
        f"ArrowHead: {len(X_train)} train / {len(X_test)} test series of "
        f"{X_train.shape[2]} steps, {len(set(y_train))} classes"
    )
    # sktime's layout is (series, channels, steps); skrnn's is (series, steps, features)
    models = {
        "RNNClassifier (default)": (RNNClassifier(random_state=0), sktime_to_sequences),
        "1-NN DTW": (KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw"), None),
        "MiniRocket": (RocketClassifier(rocket_transform="minirocket", random_state=0), None),
    }
    fig, axes = plt.subplots(1, len(models), figsize=(12, 4), constrained_layout=True)
    for ax, (name, (model, convert)) in zip(axes, models.items(), strict=True):
        train, test = (X_train, X_test) if convert is None else (convert(X_train), convert(X_test))
        start = time.perf_counter()
        model.fit(train, y_train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        pred = model.predict(test)  # 1-NN DTW does its work here
        predict_s = time.perf_counter() - start
        acc = accuracy_score(y_test, pred)
        print(f"{name:24s} test accuracy {acc:.3f}  fit {fit_s:.1f} s, predict {predict_s:.1f} s")
        ConfusionMatrixDisplay.from_predictions(y_test, pred, ax=ax, colorbar=False)
        ax.set(title=f"{name}: {acc:.3f}", xlabel="predicted class", ylabel="true class")
    fig.savefig(FIGURE, dpi=110)  # a headless machine cannot show it: it is saved
    print(f"figure saved to {FIGURE.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()


if __name__ == "__main__":
    main()
