"""Sampling from a fitted sequence classifier: temperature and autoregressive generation."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._training.progress import progress

__all__ = ["generate_text", "sample_with_temperature"]


def _check_temperature(temperature) -> None:
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, Real)
        or not math.isfinite(temperature)
        or temperature < 0
    ):
        raise ValueError(f"temperature must be a non-negative finite number, got {temperature!r}.")


def sample_with_temperature(proba, temperature: float = 1.0, random_state=None) -> np.ndarray:
    """Draw one class index per row of ``proba`` after rescaling by a temperature.

    The probabilities become ``p ** (1 / temperature)``, renormalised: a temperature
    below 1 sharpens the distribution (0 picks the most probable class), above 1
    flattens it towards uniform.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Rows of class probabilities.
    temperature : float, default=1.0
        Non-negative.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.

    Returns
    -------
    indices : ndarray of shape (n_samples,)
        The drawn class index (column of ``proba``) of each row.

    Examples
    --------
    >>> sample_with_temperature([[0.1, 0.6, 0.3]], temperature=0).tolist()
    [1]
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(f"proba must be 2D (n_samples, n_classes), got {proba.ndim}D.")
    if proba.shape[1] == 0:
        raise ValueError(
            f"proba has shape {proba.shape}: no classes to draw from. Give at least one "
            "column of probabilities (predict_proba's output)."
        )
    if not np.isfinite(proba).all():
        raise ValueError("proba holds NaN or infinite values; give probabilities.")
    if (proba < 0).any():
        raise ValueError(
            f"proba holds negative values (the smallest is {proba.min():.3g}); give "
            "probabilities, such as predict_proba's output (scores or logits become "
            "probabilities through a softmax)."
        )
    _check_temperature(temperature)
    if temperature == 0:
        return proba.argmax(axis=1)
    rng = check_random_state(random_state)
    logits = np.log(np.clip(proba, 1e-300, None)) / temperature
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return np.array([rng.choice(p.shape[1], p=row) for row in p])


def generate_text(
    classifier,
    prompt: str,
    length: int,
    *,
    temperature: float = 1.0,
    window: int | None = None,
    random_state=None,
) -> str:
    """Continue ``prompt`` by ``length`` tokens sampled from a next-token classifier.

    ``classifier`` is a fitted next-character classifier on strings:
    ``make_pipeline(SequenceTokenizer("char"), RNNClassifier(embedding_dim=...))``
    (or an :class:`~skrnn.RNNClassifier` fitted on strings directly, deprecated) whose
    classes are the next character: either many-to-one (one label per string) or
    ``return_sequences=True`` (the label at each step is the following character; the
    last step's prediction is used). Each new character is drawn by
    :func:`sample_with_temperature` and appended to the context.

    Parameters
    ----------
    classifier : fitted Pipeline or RNNClassifier
        Next-character classifier on strings: a pipeline of a
        :class:`~skrnn.SequenceTokenizer` and an :class:`~skrnn.RNNClassifier`.
    prompt : str
        Non-empty start of the text.
    length : int
        Number of characters to generate.
    temperature : float, default=1.0
        Sampling temperature; 0 is greedy.
    window : int or None, default=None
        Feed only the last ``window`` characters as context (for example the training
        sequence length); ``None`` feeds the whole text so far.
    random_state : int, RandomState instance or None, default=None
        Seeds the sampling.

    Returns
    -------
    text : str
        ``prompt`` followed by the generated characters.
    """
    if not is_classifier(classifier):
        raise TypeError(
            "generate_text needs a fitted next-character classifier (an RNNClassifier on "
            f"strings), got a {type(classifier).__name__}."
        )
    check_is_fitted(classifier, "classes_")
    # a pipeline (tokenizer, classifier): its last step says how it predicts
    final = classifier[-1] if hasattr(classifier, "steps") else classifier
    if getattr(final, "embedding_dim", None) is None:
        raise ValueError(
            "generate_text needs a classifier of strings: make_pipeline(SequenceTokenizer("
            "'char'), RNNClassifier(embedding_dim=...)) (embedding_dim set)."
        )
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("prompt must be a non-empty string.")
    if isinstance(length, bool) or not isinstance(length, Integral) or length < 0:
        raise ValueError(
            f"length must be a non-negative whole number of characters, got {length!r}."
        )
    if window is not None and (
        isinstance(window, bool) or not isinstance(window, Integral) or window < 1
    ):
        raise ValueError(f"window must be a positive whole number of characters, got {window!r}.")
    _check_temperature(temperature)
    rng = check_random_state(random_state)
    text = prompt
    # one predict call per character: a bar on a terminal when it takes more than seconds
    for _ in progress(range(int(length)), desc="generate_text"):
        context = text if window is None else text[-window:]
        proba = classifier.predict_proba([context])
        last = proba[0][-1] if final.return_sequences else proba[0]
        index = sample_with_temperature(last[None, :], temperature, rng)[0]
        text += str(classifier.classes_[index])
    return text
