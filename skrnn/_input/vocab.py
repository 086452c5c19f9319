"""Token vocabularies: the one mapping from tokens to the ids of an embedding.

Every skrnn estimator that reads tokens (characters, words or integers alike) maps them
through a :class:`Vocabulary`: a few reserved ids first, then the tokens seen in ``fit``
in sorted order. What differs between estimators is only which ids they reserve:

- :class:`~skrnn.SequenceTokenizer` (in front of :class:`~skrnn.RNNRegressor` and
  :class:`~skrnn.RNNClassifier` with ``embedding_dim``, and those estimators' deprecated
  text input): :data:`RNN_RESERVED`, padding (0) and the unknown token (1); tokens start
  at 2 and a token not seen in ``fit`` gets the unknown id.
- :class:`~skrnn.Seq2SeqTransformer`: :data:`SEQ2SEQ_RESERVED`, padding (0), start (1)
  and end (2) of the decoder's sequences; tokens start at 3 and a token not seen in
  ``fit`` is an error naming it (the decoder can only emit tokens it has learned).

Integer tokens are tokens like strings: ``[[7, 1000], [7]]`` has the vocabulary
``{7: 2, 1000: 3}`` (RNN estimators), however large or sparse the integers are.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .validation import pad_sequences

__all__ = [
    "EOS",
    "PAD",
    "RNN_RESERVED",
    "SEQ2SEQ_RESERVED",
    "SOS",
    "UNK",
    "Vocabulary",
]

#: The reserved ids of the RNN estimators and of Seq2SeqTransformer, in id order.
RNN_RESERVED = ("pad", "unknown")
SEQ2SEQ_RESERVED = ("pad", "start", "end")

#: Padding: id 0 in every vocabulary.
PAD = 0
#: Start and end of Seq2SeqTransformer's sequences (:data:`SEQ2SEQ_RESERVED`).
SOS, EOS = SEQ2SEQ_RESERVED.index("start"), SEQ2SEQ_RESERVED.index("end")
#: Tokens not seen in fit, in the RNN estimators' vocabularies (:data:`RNN_RESERVED`).
UNK = RNN_RESERVED.index("unknown")

_RESERVABLE = ("pad", "start", "end", "unknown")


def _texts(sequences) -> list | None:
    """``sequences`` as a list when every one is a ``str`` (its tokens are characters),
    else ``None``."""
    if isinstance(sequences, str) or not isinstance(sequences, list | tuple | np.ndarray):
        return None
    return list(sequences) if all(type(s) is str for s in sequences) else None


def _sorted_tokens(tokens) -> list:
    """Tokens in their natural order (integers by value, strings alphabetically); by
    their text when they cannot be compared (a callable tokenizer may mix types)."""
    try:
        return sorted(tokens)
    except TypeError:
        return sorted(tokens, key=repr)


class Vocabulary:
    """Map tokens (characters, words or integers) to ids after a few reserved ids.

    The reserved ids come first, in the order given; the tokens seen by :meth:`fit`
    follow in sorted order (integers by value, strings alphabetically). With
    ``"unknown"`` reserved, :meth:`encode` maps tokens not seen in :meth:`fit` to its id;
    without it, such tokens raise a ``ValueError`` naming them.

    Parameters
    ----------
    reserved : tuple of {"pad", "start", "end", "unknown"}, default=RNN_RESERVED
        The special ids, ``"pad"`` first (id 0).
    max_size : int or None, default=None
        Keep only the ``max_size`` most frequent tokens (ties: the earlier token in
        sorted order); the others are unknown.
    token_name : str, default="tokens"
        What the tokens are called in error messages (for example "characters").

    Examples
    --------
    >>> v = Vocabulary(SEQ2SEQ_RESERVED, token_name="characters").fit(["ab", "ba", "c"])
    >>> v.tokens_
    ['a', 'b', 'c']
    >>> ids, lengths = v.encode(["cab", "a"], add_end=True)
    >>> ids.tolist(), lengths.tolist()
    ([[5, 3, 4, 2], [3, 2, 0, 0]], [4, 2])
    >>> v.decode(ids)
    [['c', 'a', 'b'], ['a']]
    >>> w = Vocabulary(max_size=2).fit([[7, 1000, 7, 5, 5]])
    >>> w.index_, w.encode([[7, 5, 1000]])[0].tolist()
    ({5: 2, 7: 3}, [[3, 2, 1]])
    """

    def __init__(self, reserved=RNN_RESERVED, *, max_size=None, token_name="tokens"):
        self.reserved = reserved
        self.max_size = max_size
        self.token_name = token_name

    def _check_reserved(self) -> tuple:
        reserved = tuple(self.reserved)
        if not reserved or reserved[0] != "pad" or not set(reserved) <= set(_RESERVABLE):
            raise ValueError(
                f"reserved must start with 'pad' and hold only {_RESERVABLE}, got {reserved!r}."
            )
        return reserved

    def fit(self, sequences) -> Vocabulary:
        """Learn the tokens of ``sequences`` (each an iterable of hashable tokens)."""
        reserved = self._check_reserved()
        texts = _texts(sequences)
        if texts is not None:  # characters: one count over the joined text, in C
            counts = Counter("".join(texts))
        else:
            counts = Counter()
            for s in sequences:
                counts.update(s.tolist() if isinstance(s, np.ndarray) else s)
        tokens = _sorted_tokens(counts)
        if self.max_size is not None and len(tokens) > self.max_size:
            # the most frequent tokens; sorted() is stable, so ties keep the sorted order
            tokens = _sorted_tokens(sorted(tokens, key=lambda t: -counts[t])[: self.max_size])
        self.tokens_ = tokens
        self.index_ = {t: i + len(reserved) for i, t in enumerate(tokens)}
        self.unknown_id_ = reserved.index("unknown") if "unknown" in reserved else None
        self.end_id_ = reserved.index("end") if "end" in reserved else None
        return self

    def __len__(self) -> int:
        return len(self.reserved) + len(self.tokens_)

    def encode(
        self, sequences, *, add_end: bool = False, input_name: str = "X"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Padded ids ``(n, longest)`` (int64, padding 0) and the lengths ``(n,)``;
        ``add_end`` appends the end id to every sequence."""
        if add_end and self.end_id_ is None:
            raise ValueError("add_end needs a vocabulary with 'end' reserved.")
        texts = _texts(sequences)
        if texts and all(isinstance(t, str) and len(t) == 1 for t in self.tokens_):
            return self._encode_texts(texts, add_end, input_name)
        index, unknown_id = self.index_, self.unknown_id_
        rows = []
        for i, s in enumerate(sequences):
            s = s.tolist() if isinstance(s, np.ndarray) else s
            if unknown_id is not None:
                ids = [index.get(t, unknown_id) for t in s]
            else:
                try:
                    ids = [index[t] for t in s]
                except KeyError:
                    unseen = _sorted_tokens({t for t in s if t not in index})
                    raise ValueError(
                        f"{input_name} contains {self.token_name} not seen in fit: {unseen} "
                        f"(first at index {i}). Known {self.token_name}: {self.tokens_}."
                    ) from None
            rows.append(ids + [self.end_id_] if add_end else ids)
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        return pad_sequences(rows, fill_value=PAD, dtype=np.int64), lengths

    def _encode_texts(self, texts: list, add_end: bool, input_name: str):
        """:meth:`encode` of strings over a vocabulary of characters, in NumPy: the
        characters' code points looked up among the vocabulary's (sorted, as the ids are)
        and scattered into the padded rows. The same ids and errors as the loop over
        tokens, faster on many short strings: the vocabularies and ids of W4's 50,000
        sums and their results (``benchmarks/workloads.py``) take 0.11-0.15 s instead of
        0.67-0.79 s (2-core CPU, load 1.7)."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer(
            "".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        ).astype(np.int64)
        known = np.array([ord(t) for t in self.tokens_], dtype=np.int64)
        pos = np.searchsorted(known, codes)
        found = known[np.minimum(pos, len(known) - 1)] == codes if len(known) else pos < 0
        ids = pos + len(self.reserved)
        if not found.all():
            if self.unknown_id_ is None:
                i = int(np.searchsorted(np.cumsum(lengths), np.flatnonzero(~found)[0], "right"))
                unseen = _sorted_tokens({t for t in texts[i] if t not in self.index_})
                raise ValueError(
                    f"{input_name} contains {self.token_name} not seen in fit: {unseen} "
                    f"(first at index {i}). Known {self.token_name}: {self.tokens_}."
                )
            ids = np.where(found, ids, self.unknown_id_)
        out = np.zeros((len(texts), int(lengths.max()) + add_end), dtype=np.int64)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        out[np.repeat(np.arange(len(texts)), lengths), np.arange(len(codes)) - starts] = ids
        if add_end:
            out[np.arange(len(texts)), lengths] = self.end_id_
            lengths = lengths + 1
        return out, lengths

    def decode(self, ids) -> list[list]:
        """The tokens of id rows, each cut at its first end id; reserved ids are skipped."""
        first = len(self.reserved)
        out = []
        for row in np.asarray(ids).tolist():
            toks = []
            for i in row:
                if i == self.end_id_:
                    break
                if i >= first:
                    toks.append(self.tokens_[i - first])
            out.append(toks)
        return out
