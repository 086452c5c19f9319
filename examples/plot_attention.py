"""Where does a seq2seq model look? Attention weights when reversing strings
=============================================================================

A :class:`skrnn.Seq2SeqTransformer` with additive attention learns to reverse strings of
5 to 8 letters. To write the first output letter it must recall the *last* input letter,
and so on: the attention weights of a model that has learned the task form the
anti-diagonal. :class:`skrnn.AttentionDisplay` draws them for one input (row ``i``: the
weights over the input letters while the decoder writes output letter ``i``; the last
row is the end token).

The exact-match accuracy on held-out strings is printed next to the model without
attention, trained the same way: without attention the decoder must carry the whole
string in one hidden state. The training curves of both come from
:class:`skrnn.TrainingCurveDisplay`.

Run: ``python examples/plot_attention.py`` (about 20 seconds on 2 cores).
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from skrnn import AttentionDisplay, Seq2SeqTransformer, TrainingCurveDisplay

rng = np.random.RandomState(0)
letters = np.array(list("abcdefgh"))


def random_strings(n):
    return ["".join(rng.choice(letters, rng.randint(5, 9))) for _ in range(n)]


X_train, X_test = random_strings(2000), random_strings(200)
params = dict(units=32, epochs=15, batch_size=32, lr=5e-3, random_state=0)

models = {}
for attention in ("additive", None):
    start = time.perf_counter()
    model = Seq2SeqTransformer(attention=attention, **params)
    models[attention] = model.fit(X_train, [x[::-1] for x in X_train])
    accuracy = np.mean(model.predict(X_test) == np.array([x[::-1] for x in X_test]))
    print(
        f"attention={attention!s:9} held-out exact match {accuracy:.3f} "
        f"({time.perf_counter() - start:.0f} s)"
    )

# %%
# The attention weights of one held-out string: the anti-diagonal.
disp = AttentionDisplay.from_estimator(models["additive"], "abcdefg")
disp.ax_.set_title(f"reversing 'abcdefg' -> {models['additive'].predict(['abcdefg'])[0]!r}")

# %%
# Training loss per epoch, with and without attention.
fig, ax = plt.subplots()
for attention, model in models.items():
    TrainingCurveDisplay.from_estimator(model, ax=ax)
    ax.get_lines()[-1].set_label(f"attention={attention}")
ax.legend()
ax.set_title("Seq2SeqTransformer training loss")
plt.show()
