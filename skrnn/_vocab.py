"""Token vocabularies and input-kind detection for :class:`~skrnn.Seq2SeqTransformer`.

Three kinds of sequence collections are recognised:

``"text"``
    A list (or 1D array/Series) of strings; each character is a token.
``"int"``
    A list of integer sequences (lists, tuples or 1D integer arrays) of any lengths;
    each integer is a token (an id, not a quantity).
``"numeric"``
    A rectangular numeric array ``(n, time_steps)`` or ``(n, time_steps, n_features)``
    of continuous values. Integer *NumPy arrays* are numeric too: pass integer token
    sequences as a Python list of lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from numbers import Integral

import numpy as np

from ._validation import pad_sequences

__all__ = ["EOS", "PAD", "SOS", "N_SPECIAL", "UNK", "Vocabulary", "sequence_kind"]

PAD, SOS, EOS = 0, 1, 2
N_SPECIAL = 3
#: Id of tokens outside the vocabulary when ``Vocabulary(unknown="token")``.
UNK = N_SPECIAL


def _is_int_sequence(s) -> bool:
    if isinstance(s, np.ndarray):
        return s.ndim == 1 and (s.dtype.kind in "iu" or (s.dtype == object and s.size == 0))
    if isinstance(s, (list, tuple)):
        return all(isinstance(v, Integral) and not isinstance(v, bool) for v in s)
    return False


def sequence_kind(X, input_name: str = "X") -> str:
    """Tell whether ``X`` holds text, integer token sequences or numeric sequences.

    Examples
    --------
    >>> sequence_kind(["abc", "de"])
    'text'
    >>> sequence_kind([[3, 1], [4, 1, 5]])
    'int'
    >>> import numpy as np
    >>> sequence_kind(np.zeros((2, 5, 1)))
    'numeric'
    """
    if X is None:
        raise ValueError(f"{input_name} is None; expected a collection of sequences.")
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{input_name} is a single string; expected a collection of sequences, for "
            f"example a list of strings [{X!r}]."
        )
    if hasattr(X, "dtype") and getattr(X.dtype, "kind", "O") in "biufc":
        return "numeric"  # numeric ndarray, Series or array-like: continuous values
    if hasattr(X, "to_numpy") and hasattr(X, "columns"):
        return "numeric"  # DataFrame: columns are time steps (validated later)
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.ndim != 1 and X.dtype.kind in "OUS":
        if X.dtype.kind != "O":
            raise ValueError(
                f"{input_name} is a {X.ndim}D array of strings; expected a 1D collection "
                "of strings (one string per sequence)."
            )
        return "numeric"  # object 2D array: let the numeric validation name the problem
    if not isinstance(X, (Sequence, np.ndarray)):
        raise ValueError(
            f"{input_name} of type {type(X).__name__} is not a collection of sequences."
        )
    if len(X) == 0:
        raise ValueError(f"{input_name} is empty: at least one sequence is required.")
    if all(isinstance(s, str) for s in X):
        return "text"
    if any(isinstance(s, str) for s in X):
        raise ValueError(
            f"{input_name} mixes strings and other values; give all sequences as strings."
        )
    if all(_is_int_sequence(s) for s in X):
        return "int"
    return "numeric"


class Vocabulary:
    """Map tokens (characters or integers) to ids, with padding, start and end tokens.

    Ids 0, 1 and 2 are reserved for padding, start-of-sequence and end-of-sequence; the
    tokens seen by :meth:`fit` get ids ``3, 4, ...`` in sorted order. Tokens not seen by
    :meth:`fit` raise a ``ValueError`` naming them, or with ``unknown="token"`` all map to
    the id :data:`UNK` (3), and the known tokens start at 4.

    Parameters
    ----------
    kind : {"text", "int"}
        Characters of strings (or any hashable tokens, such as words), or integers of
        integer sequences.
    max_size : int or None, default=None
        Keep only the ``max_size`` most frequent tokens.
    unknown : {"error", "token"}, default="error"
        What :meth:`encode` does with tokens outside the vocabulary.

    Examples
    --------
    >>> v = Vocabulary("text").fit(["ab", "ba", "c"])
    >>> v.tokens_
    ['a', 'b', 'c']
    >>> ids, lengths = v.encode(["cab", "a"], add_eos=True)
    >>> ids.tolist(), lengths.tolist()
    ([[5, 3, 4, 2], [3, 2, 0, 0]], [4, 2])
    >>> v.decode(ids)
    ['cab', 'a']
    >>> w = Vocabulary("text", max_size=2, unknown="token").fit([["a", "b", "a", "c", "c"]])
    >>> w.tokens_, w.encode([["a", "b", "c"]], add_eos=False)[0].tolist()
    (['a', 'c'], [[4, 3, 5]])
    """

    def __init__(self, kind: str, *, max_size: int | None = None, unknown: str = "error"):
        if kind not in ("text", "int"):
            raise ValueError(f"kind must be 'text' or 'int', got {kind!r}.")
        if unknown not in ("error", "token"):
            raise ValueError(f"unknown must be 'error' or 'token', got {unknown!r}.")
        self.kind = kind
        self.max_size = max_size
        self.unknown = unknown

    @property
    def _first_id(self) -> int:
        return N_SPECIAL + (self.unknown == "token")

    def fit(self, sequences) -> Vocabulary:
        counts = Counter()
        for s in sequences:
            counts.update(s.tolist() if isinstance(s, np.ndarray) else s)
        tokens = sorted(counts, key=str)
        if self.max_size is not None and len(tokens) > self.max_size:
            # the most frequent tokens; ties go to the earlier token in sorted order
            tokens = sorted(tokens, key=lambda t: -counts[t])[: self.max_size]
            tokens = sorted(tokens, key=str)
        self.tokens_ = tokens
        self.index_ = {t: i + self._first_id for i, t in enumerate(self.tokens_)}
        return self

    def __len__(self) -> int:
        return self._first_id + len(self.tokens_)

    def encode(
        self, sequences, *, add_eos: bool, input_name: str = "X"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Padded id array ``(n, max_length)`` (int64) and the lengths ``(n,)``."""
        rows = []
        for i, s in enumerate(sequences):
            s = s.tolist() if isinstance(s, np.ndarray) else list(s)
            if len(s) == 0:
                raise ValueError(
                    f"{input_name} contains an empty sequence (at index {i}); every sequence "
                    "needs at least one token."
                )
            try:
                if self.unknown == "token":
                    ids = [self.index_.get(t, UNK) for t in s]
                else:
                    ids = [self.index_[t] for t in s]
            except KeyError:
                unknown = sorted({t for t in s if t not in self.index_}, key=str)
                what = "characters" if self.kind == "text" else "tokens"
                raise ValueError(
                    f"{input_name} contains {what} not seen in fit: {unknown} (first at "
                    f"index {i}). Known {what}: {self.tokens_}."
                ) from None
            rows.append(ids + [EOS] if add_eos else ids)
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        return pad_sequences(rows, fill_value=PAD, dtype=np.int64), lengths

    def decode(self, ids) -> list:
        """Sequences of tokens from id rows, each cut at its first end token."""
        out = []
        for row in np.asarray(ids):
            toks = []
            for i in row.tolist():
                if i == EOS:
                    break
                if i >= self._first_id:
                    toks.append(self.tokens_[i - self._first_id])
            out.append("".join(toks) if self.kind == "text" else toks)
        return out
