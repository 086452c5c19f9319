"""Token input for the recurrent estimators: strings or integer ids to padded id arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from ._validation import pad_sequences
from ._vocab import PAD, Vocabulary, _is_int_sequence

__all__ = ["MAX_IMPLICIT_ID", "TokenEncoder", "holds_strings"]

#: Without ``max_vocab``, integer ids up to this bound are embedded as they are (a row
#: per id, used or not); larger ids must be dense (at most 4 rows per distinct id).
MAX_IMPLICIT_ID = 2**16


def holds_strings(X) -> bool:
    """Whether ``X`` is a collection of strings or of string-token sequences."""
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__") or len(X) == 0:
        return False
    if hasattr(X, "dtype") and X.dtype.kind in "biufc":
        return False
    first = X[0] if not hasattr(X, "iloc") else X.iloc[0]
    if isinstance(first, str):
        return True
    return isinstance(first, (list, tuple)) and len(first) > 0 and isinstance(first[0], str)


def _tokenizer(tokenizer: str | Callable) -> Callable[[str], list]:
    if callable(tokenizer):
        return tokenizer
    if tokenizer == "word":
        # scikit-learn's word analyzer: lowercase, tokens of 2+ alphanumeric characters
        return CountVectorizer(lowercase=True).build_analyzer()
    return list


class TokenEncoder:
    """Encode token sequences as padded integer ids for an embedding layer.

    ``X`` is one of:

    - strings, split into tokens by ``tokenizer``: ``"char"`` (characters), ``"word"``
      (scikit-learn's ``CountVectorizer`` word analyzer: lowercased words of two or more
      alphanumeric characters) or a callable ``str -> list of tokens``;
    - already tokenized text: lists of string tokens;
    - integer ids: lists (or 1D integer arrays) of non-negative ints, or a 2D integer
      array with one row per sequence.

    Strings get a vocabulary of the ``max_vocab`` most frequent tokens seen in
    :meth:`fit`; other tokens map to one unknown-token id. Integer ids are used as they
    are: the vocabulary is ``range(max_vocab)``, or ``0 .. largest id seen in fit``, and
    ids outside it raise a ``ValueError``. Without ``max_vocab`` the largest id must be
    below :data:`MAX_IMPLICIT_ID` or the ids dense (see :meth:`_check_dense_ids`), so that
    one huge id never allocates a huge embedding. Id 0 of the output is padding.

    Examples
    --------
    >>> enc = TokenEncoder("word").fit(["good movie", "bad movie"])
    >>> enc.vocabulary_
    {'bad': 4, 'good': 5, 'movie': 6}
    >>> ids, lengths = enc.transform(["good good film", "bad"])
    >>> ids.tolist(), lengths.tolist()
    ([[5, 5, 3], [4, 0, 0]], [3, 1])
    >>> TokenEncoder().fit([[0, 3], [2]]).transform([[3, 3, 1]])[0].tolist()
    [[4, 4, 2]]
    """

    def __init__(self, tokenizer: str | Callable = "char", max_vocab: int | None = None):
        self.tokenizer = tokenizer
        self.max_vocab = max_vocab

    def _sequences(self, X, input_name: str) -> list:
        if isinstance(X, (str, bytes)):
            raise ValueError(
                f"{input_name} is a single string; expected a collection of sequences, for "
                f"example a list of strings [{X!r}]."
            )
        if hasattr(X, "to_numpy"):
            X = X.to_numpy()
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "iu":
            X = list(X)
        if not hasattr(X, "__len__") or len(X) == 0:
            raise ValueError(f"{input_name} must be a non-empty collection of token sequences.")
        if all(isinstance(s, str) for s in X):
            split = _tokenizer(self.tokenizer)
            kind, seqs = "text", [list(split(s)) for s in X]
        elif all(isinstance(s, (list, tuple)) and all(isinstance(t, str) for t in s) for s in X):
            kind, seqs = "text", [list(s) for s in X]
        elif all(_is_int_sequence(s) for s in X):
            kind, seqs = "int", [np.asarray(s, dtype=np.int64) for s in X]
        else:
            raise ValueError(
                f"{input_name} must hold token sequences (embedding_dim is set): strings, "
                "lists of string tokens, or lists of integer ids; got "
                f"{type(X[0]).__name__} elements mixed or of another kind."
            )
        for i, s in enumerate(seqs):
            if len(s) == 0:
                raise ValueError(
                    f"{input_name}[{i}] is an empty sequence (no tokens); every sequence needs "
                    "at least one token."
                )
        if hasattr(self, "kind_") and kind != self.kind_:
            raise ValueError(
                f"{input_name} holds {'strings' if kind == 'text' else 'integer ids'}, but the "
                f"model was fitted on {'strings' if self.kind_ == 'text' else 'integer ids'}."
            )
        return kind, seqs

    def fit(self, X, input_name: str = "X") -> TokenEncoder:
        kind, seqs = self._sequences(X, input_name)
        if kind == "text":
            self.vocab_ = Vocabulary("text", max_size=self.max_vocab, unknown="token").fit(seqs)
            self.vocabulary_ = dict(self.vocab_.index_)
            self.vocab_size_ = len(self.vocab_)
        else:
            low = min(int(s.min()) for s in seqs)
            if low < 0:
                raise ValueError(f"{input_name} contains a negative token id ({low}).")
            if self.max_vocab is None:
                self._check_dense_ids(seqs, input_name)
            self.vocab_size_ = 1 + (
                self.max_vocab
                if self.max_vocab is not None
                else max(int(s.max()) for s in seqs) + 1
            )
        self.kind_ = kind
        return self

    @staticmethod
    def _check_dense_ids(seqs: list, input_name: str) -> None:
        """Without ``max_vocab`` the embedding has a row per id up to the largest seen: an
        error, before any allocation, when the ids are so sparse that most rows would
        never be used (one id of 1e8 would otherwise allocate 1e8 rows)."""
        ids = np.unique(np.concatenate(seqs))
        high = int(ids[-1])
        if high >= max(MAX_IMPLICIT_ID, 4 * len(ids)):
            raise ValueError(
                f"{input_name} holds the token id {high} but only {len(ids)} distinct ids: "
                f"an embedding row per id up to {high} would mostly go unused. Renumber the "
                f"ids to 0..{len(ids) - 1} (for example with np.unique(..., "
                "return_inverse=True)), or set max_vocab to the number of ids to embed."
            )

    def transform(self, X, input_name: str = "X") -> tuple[np.ndarray, np.ndarray]:
        """Padded ids ``(n, longest)`` (int64, 0 = padding) and the lengths ``(n,)``."""
        _, seqs = self._sequences(X, input_name)
        if self.kind_ == "text":
            return self.vocab_.encode(seqs, add_eos=False, input_name=input_name)
        n_ids = self.vocab_size_ - 1
        for i, s in enumerate(seqs):
            bad = s[(s < 0) | (s >= n_ids)]
            if bad.size:
                raise ValueError(
                    f"{input_name}[{i}] contains token ids beyond the vocabulary "
                    f"[0, {n_ids - 1}]: {np.unique(bad)[:10].tolist()}. Ids are fixed in fit "
                    "(the largest id seen, or max_vocab)."
                )
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        # id k is embedding row k + 1: row 0 is padding
        ids = pad_sequences([s + 1 for s in seqs], fill_value=PAD, dtype=np.int64)
        return ids, lengths
