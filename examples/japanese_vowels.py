"""Speaker recognition from variable-length sequences: JapaneseVowels (ships with sktime).
=======================================================================================

270 training and 370 test utterances of 7 to 29 time steps, 12 features per step, nine
speakers. The sequences are given to ``RNNClassifier`` as a list of arrays of different
lengths: they are padded and packed inside, so padding never reaches the GRU. Beside the
GRU, the classifier's default convolutional branch (``conv_filters="auto"``, an
LSTM-FCN's; masked for the lengths too) reads the same sequences.

Baselines, on the same split:

- a random forest on per-sequence summary statistics (mean, std, min, max, first and
  last value of each feature), which handles any length;
- 1-nearest-neighbour on the sequences resampled to 20 steps (linear interpolation).

Run: ``python examples/japanese_vowels.py``.

Output and figure of a recorded run of this script (``docs/render_gallery.py``; the
documentation build does not run it):

.. literalinclude:: /_static/gallery/japanese_vowels.txt
   :language: none

.. image:: /_static/gallery/japanese_vowels.png
   :alt: confusion matrix of the GRU on the JapaneseVowels test set
"""

import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from skrnn import RNNClassifier
from skrnn.datasets import load_japanese_vowels

# sphinx_gallery_thumbnail_path = "_static/gallery/japanese_vowels.png"


FIGURE = Path("japanese_vowels.png")  # in the current directory


def summary_features(seqs):
    return np.array([np.r_[s.mean(0), s.std(0), s.min(0), s.max(0), s[0], s[-1]] for s in seqs])


def resample(seqs, n_steps=20):
    grid = np.linspace(0, 1, n_steps)
    out = []
    for s in seqs:
        t = np.linspace(0, 1, len(s))
        out.append(np.column_stack([np.interp(grid, t, s[:, j]) for j in range(s.shape[1])]))
    return np.array(out).reshape(len(seqs), -1)


def main():
    X_train, y_train = load_japanese_vowels("train")
    X_test, y_test = load_japanese_vowels("test")
    lengths = [len(s) for s in X_train + X_test]
    print(
        f"JapaneseVowels: {len(X_train)} train / {len(X_test)} test sequences, "
        f"{min(lengths)}-{max(lengths)} steps, {X_train[0].shape[1]} features, "
        f"{len(set(y_train))} classes"
    )

    # standardise each feature over all time steps of the training sequences
    scaler = StandardScaler().fit(np.concatenate(X_train))
    X_train_s = [scaler.transform(s) for s in X_train]
    X_test_s = [scaler.transform(s) for s in X_test]

    clf = RNNClassifier(cell="gru", units=64, epochs=40, batch_size=16, lr=3e-3, random_state=0)
    start = time.perf_counter()
    clf.fit(X_train_s, y_train)
    fit_s = time.perf_counter() - start
    rnn_pred = clf.predict(X_test_s)
    rnn_acc = accuracy_score(y_test, rnn_pred)

    forest = RandomForestClassifier(n_estimators=300, random_state=0)
    forest.fit(summary_features(X_train), y_train)
    rf_acc = accuracy_score(y_test, forest.predict(summary_features(X_test)))

    knn = KNeighborsClassifier(n_neighbors=1).fit(resample(X_train_s), y_train)
    knn_acc = accuracy_score(y_test, knn.predict(resample(X_test_s)))

    print(f"GRU-FCN (64 units, variable length)     test accuracy: {rnn_acc:.3f}  [{fit_s:.1f}s]")
    print(f"RandomForest on summary statistics     test accuracy: {rf_acc:.3f}")
    print(f"1-NN on sequences resampled to 20 steps test accuracy: {knn_acc:.3f}")

    # which speakers the GRU confuses
    disp = ConfusionMatrixDisplay.from_predictions(y_test, rnn_pred, colorbar=False)
    disp.ax_.set(title="GRU on JapaneseVowels (test)", xlabel="predicted speaker")
    disp.ax_.set_ylabel("true speaker")
    fig = disp.figure_
    fig.savefig(FIGURE, dpi=110)  # a headless machine cannot show it: it is saved
    print(f"figure saved to {FIGURE.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()


if __name__ == "__main__":
    main()
