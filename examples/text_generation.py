"""Character-level language model: next-character LSTM and temperature sampling.
=============================================================================

Trained on text that ships inside scikit-learn (the descriptions of its bundled
datasets, ``skrnn.datasets.load_text``, about 43,000 characters): the first 90% for
training, the last 10% held out. ``SequenceTokenizer("char")`` turns each string into
character ids that ``RNNClassifier`` with ``embedding_dim`` reads; with
``return_sequences=True`` the label of every step is the next character, so each
training chunk gives one loss term per character. The training text is cut into
windows of 32 characters that overlap by half; the held-out text into chunks of 64.

Held-out next-character accuracy and bits per character are printed next to two
baselines fitted on the same training text: the character frequencies (unigram) and a
bigram model (previous character -> next character, add-one smoothing). Then text is
sampled with ``skrnn.generate_text`` at two temperatures.

The settings make the most of a short training (issue 20): windows of 32 characters
give twice the optimizer steps per epoch of windows of 64 over the same characters, the
learning rate is 1e-2, and ``lr_schedule="cooldown"`` holds it for 8 of the 10 epochs
and lowers it in the last two. Before, the example trained 25 epochs on windows of 64
(overlapping by half) at a constant 5e-3: 2.87 bits per character and 0.517 accuracy
after 28-32 s of training on the idle machine, where these settings take 13-17 s
(docs/benchmarks.md, "Time to accuracy").

Run: ``python examples/text_generation.py`` (about half a minute on 2 cores).

Output and figure of a recorded run of this script (``docs/render_gallery.py``; the
documentation build does not run it):

.. literalinclude:: /_static/gallery/text_generation.txt
   :language: none

.. image:: /_static/gallery/text_generation.png
   :alt: held-out bits per character of the LSTM and the two baselines; training loss
"""

import time
from collections import Counter
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from skrnn import RNNClassifier, SequenceTokenizer, generate_text
from skrnn.datasets import load_text

CHUNK = 64  # held-out chunks, and the context of the sampling
TRAIN_CHUNK = 32  # training windows, each starting half a window after the previous
FIGURE = Path("text_generation.png")  # in the current directory

# sphinx_gallery_thumbnail_path = "_static/gallery/text_generation.png"


def chunks(text, length, step):
    starts = range(0, len(text) - length - 1, step)
    X = [text[i : i + length] for i in starts]
    y = [list(text[i + 1 : i + length + 1]) for i in starts]
    return X, y


def bits_per_char(probs):
    return float(-np.mean(np.log2(np.clip(probs, 1e-12, None))))


def main():
    text = load_text()
    cut = int(0.9 * len(text))
    train, test = text[:cut], text[cut:]
    X_train, y_train = chunks(train, TRAIN_CHUNK, step=TRAIN_CHUNK // 2)
    X_test, y_test = chunks(test, CHUNK, step=CHUNK)
    print(f"{len(train)} training characters ({len(X_train)} chunks), {len(test)} held out")

    rnn = RNNClassifier(
        units=128,
        embedding_dim=32,
        return_sequences=True,
        epochs=10,
        lr=1e-2,
        lr_schedule="cooldown",  # lr for 8 epochs, then 2/3 and 1/3 of it
        clip_grad_norm=1.0,
        random_state=0,
    )
    clf = make_pipeline(SequenceTokenizer("char"), rnn)  # characters -> ids -> LSTM
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    print(f"trained {rnn.n_iter_} epochs in {time.perf_counter() - start:.0f}s")

    truth = np.concatenate([np.array(t) for t in y_test])
    index = {c: i for i, c in enumerate(clf.classes_)}
    proba = np.concatenate(clf.predict_proba(X_test))
    rnn_p = np.array([proba[k, index[c]] if c in index else 0.0 for k, c in enumerate(truth)])
    rnn_acc = np.mean(clf.classes_[proba.argmax(axis=1)] == truth)

    unigram = Counter(train)
    total = sum(unigram.values())
    uni_p = np.array([unigram[c] / total for c in truth])
    uni_acc = np.mean(truth == unigram.most_common(1)[0][0])

    vocab = sorted(set(train))
    pairs = Counter(zip(train[:-1], train[1:], strict=True))
    prev = np.concatenate([np.array([x[j] for j in range(CHUNK)]) for x in X_test])

    def bigram(a, b):
        return (pairs[(a, b)] + 1) / (unigram[a] + len(vocab))

    bi_p = np.array([bigram(a, b) for a, b in zip(prev, truth, strict=True)])
    best_next = {a: max(vocab, key=lambda b, a=a: pairs[(a, b)]) for a in vocab}
    bi_acc = np.mean([best_next.get(a) == b for a, b in zip(prev, truth, strict=True)])

    print(f"{'model':<24}{'accuracy':>10}{'bits/char':>11}")
    models = [
        ("LSTM (128 units)", rnn_acc, rnn_p),
        ("bigram baseline", bi_acc, bi_p),
        ("unigram baseline", uni_acc, uni_p),
    ]
    for name, acc, p in models:
        print(f"{name:<24}{acc:>10.3f}{bits_per_char(p):>11.2f}")

    # held-out bits per character (lower is better) and the training loss per epoch
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    bits = [bits_per_char(p) for _, _, p in models]
    left.barh([name for name, _, _ in models], bits, color=["C0", "C7", "C7"])
    for i, b in enumerate(bits):
        left.text(b, i, f" {b:.2f}", va="center")
    left.set(xlabel="held-out bits per character (lower is better)", xlim=(0, max(bits) * 1.2))
    left.invert_yaxis()
    right.plot(range(1, rnn.n_iter_ + 1), rnn.loss_curve_)
    right.set(xlabel="epoch", ylabel="training loss (cross-entropy)", title="LSTM")
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=110)
    print(f"figure saved to {FIGURE.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()

    for temperature in (0.5, 1.0):
        sample = generate_text(
            clf, "The dataset ", 200, temperature=temperature, window=CHUNK, random_state=0
        )
        print(f"\n--- temperature {temperature} ---\n{sample}")


if __name__ == "__main__":
    main()
