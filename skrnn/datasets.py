"""Datasets that ship with installed packages, in skrnn's layout (no downloads).

sktime bundles several time-series datasets in its wheel; scikit-learn bundles the
reStructuredText descriptions of its datasets. The loaders here read them offline and
convert them: sequences come out time steps first, ``(t_i, n_features)``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from ._input.validation import sktime_to_sequences

__all__ = ["load_japanese_vowels", "load_text"]


def load_japanese_vowels(split: str = "train") -> tuple[list[np.ndarray], np.ndarray]:
    """Speaker recognition from uttered vowels: 12 LPC cepstrum coefficients per step.

    Nine speakers (classes ``"1"`` to ``"9"``); sequences of 7 to 29 time steps. The
    train split has 270 sequences, the test split 370. Read from sktime's bundled copy.

    Parameters
    ----------
    split : {"train", "test"}, default="train"

    Returns
    -------
    X : list of ndarray of shape (t_i, 12)
        Variable-length sequences.
    y : ndarray of shape (n_samples,)
        Speaker labels (strings).

    Examples
    --------
    >>> X, y = load_japanese_vowels("train")
    >>> len(X), X[0].shape, sorted(set(y.tolist()))[:3]
    (270, (20, 12), ['1', '2', '3'])
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    from sktime.datasets import load_japanese_vowels as _load

    X, y = _load(split=split, return_X_y=True)
    return sktime_to_sequences(X), np.asarray(y)


def load_text() -> str:
    """English prose for character-level language models, read from scikit-learn.

    scikit-learn's dataset descriptions (about 43,000 characters of reStructuredText),
    concatenated in file-name order.

    Returns
    -------
    text : str
        The descriptions, separated by newlines.

    Examples
    --------
    >>> text = load_text()
    >>> len(text) > 30_000
    True
    """
    folder = resources.files("sklearn.datasets") / "descr"
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".rst"))
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in names)
