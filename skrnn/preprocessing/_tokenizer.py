"""Text to token ids: a transformer in front of the RNN estimators.

As scikit-learn keeps text-to-counts in ``CountVectorizer`` and Keras text-to-ids in
``TextVectorization``, apart from the model, :class:`SequenceTokenizer` learns the
vocabulary and turns texts (or token sequences) into a padded array of ids; an RNN
estimator with ``embedding_dim`` reads that array (id 0 is padding, so each row's length
is where its padding starts).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._input.sequences import padded_lengths, read_sequences
from .._input.vocab import PAD, RNN_RESERVED, UNK, Vocabulary
from .._training.transaction import transactional

__all__ = ["SequenceTokenizer"]


class SequenceTokenizer(TransformerMixin, BaseEstimator):
    """Turn texts or token sequences into a padded array of token ids.

    ``fit`` learns a vocabulary: id 0 is padding, id 1 the unknown token (tokens not
    seen in ``fit``, or beyond ``max_vocab``), the tokens follow from 2 in sorted order
    (integers by value, strings alphabetically). ``transform`` maps each sequence to its
    ids and pads the rows with 0 after their last token, to the longest sequence of
    ``X``: an ``(n_samples, longest)`` int64 array, what :class:`RNNRegressor` and
    :class:`RNNClassifier` with ``embedding_dim`` read (the padding marks each row's
    length)::

        make_pipeline(SequenceTokenizer("char"), RNNClassifier(embedding_dim=8))

    Parameters
    ----------
    analyzer : {"char", "word"} or callable, default="char"
        How a string is split into tokens: its characters, scikit-learn's
        ``CountVectorizer`` word analyzer (lowercased words of 2+ alphanumeric
        characters), or a callable ``str -> list of tokens``. Lists of tokens (strings or
        integers) are taken as they are.
    max_vocab : int or None, default=None
        Keep the ``max_vocab`` most frequent tokens of ``fit`` (ties: the earlier token
        in sorted order); the others get the unknown id. ``None``: all tokens.

    Attributes
    ----------
    vocabulary_ : dict
        Token to id, ids from 2.
    vocab_size_ : int
        Number of ids, padding and unknown included: ``len(vocabulary_) + 2``, the rows
        an embedding of these ids needs.
    padding_id : int
        0, after the last token of each row.
    unknown_id : int
        1, for tokens not in ``vocabulary_``.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Texts to token counts.

    Notes
    -----
    The width of the output is the longest sequence of each ``X`` it transforms, so it
    has no fixed feature names (no ``get_feature_names_out``); the RNN estimators accept
    any width. A sequence without tokens (an empty string, or one without words for
    ``"word"``) is a ``ValueError``: an RNN needs at least one step.

    Examples
    --------
    >>> from skrnn import SequenceTokenizer
    >>> tok = SequenceTokenizer().fit(["abc", "ba"])
    >>> tok.vocabulary_
    {'a': 2, 'b': 3, 'c': 4}
    >>> ids = tok.transform(["cab", "xa"])  # x was not seen in fit: unknown (1)
    >>> ids
    array([[4, 2, 3],
           [1, 2, 0]])
    >>> tok.lengths(ids)
    array([3, 2])
    >>> tok.inverse_transform(ids)
    [['c', 'a', 'b'], [None, 'a']]
    >>> SequenceTokenizer("word").fit_transform(["The cat sat", "a cat"])
    array([[4, 2, 3],
           [2, 0, 0]])
    """

    _parameter_constraints: dict = {
        "analyzer": [StrOptions({"char", "word"}), callable],
        "max_vocab": [Interval(Integral, 1, None, closed="left"), None],
    }

    padding_id = PAD
    unknown_id = UNK

    def __init__(self, analyzer="char", *, max_vocab=None):
        self.analyzer = analyzer
        self.max_vocab = max_vocab

    def _tokens(self, X) -> list:
        """The token lists of ``X`` (strings split by ``analyzer``), or a ``ValueError``
        naming what ``X`` holds instead."""
        return read_sequences(None, X, reset=True, tokens=True, tokenizer=self.analyzer).values

    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> SequenceTokenizer:
        """Learn the vocabulary of ``X``.

        Parameters
        ----------
        X : list of str, list of token lists, or 2D array of int
            Texts (split by ``analyzer``) or token sequences of any lengths.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted tokenizer.
        """
        tokens = self._tokens(X)
        vocabulary = Vocabulary(RNN_RESERVED, max_size=self.max_vocab).fit(tokens)
        self._vocabulary = vocabulary
        self.vocabulary_ = dict(vocabulary.index_)
        self.vocab_size_ = len(vocabulary)
        return self

    def transform(self, X) -> np.ndarray:
        """Map each sequence of ``X`` to its ids, padded with 0 to the longest.

        Parameters
        ----------
        X : list of str, list of token lists, or 2D array of int
            Texts or token sequences, as in :meth:`fit`.

        Returns
        -------
        ids : ndarray of shape (n_samples, longest), int64
            Row ``i`` holds the ids of sequence ``i``, then ``padding_id`` (0).
        """
        check_is_fitted(self)
        ids, _ = self._vocabulary.encode(self._tokens(X))
        return ids

    def lengths(self, ids) -> np.ndarray:
        """The number of tokens of each row of ``ids``: the steps before its padding.

        Parameters
        ----------
        ids : array-like of shape (n_samples, width)
            Output of :meth:`transform`.

        Returns
        -------
        lengths : ndarray of shape (n_samples,), int64
            What ``lengths=`` of the RNN estimators' ``fit`` and ``predict`` means; they
            compute it from the padding themselves.
        """
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"ids must be 2D (n_samples, width), got {ids.ndim}D.")
        return padded_lengths(ids).astype(np.int64)

    def inverse_transform(self, X) -> list[list]:
        """The tokens of id rows, without their padding.

        Parameters
        ----------
        X : array-like of shape (n_samples, width)
            Ids, as :meth:`transform` returns them.

        Returns
        -------
        tokens : list of lists
            The tokens of each row; the unknown id gives ``None``.
        """
        check_is_fitted(self)
        ids = np.asarray(X)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(
                f"X must be a 2D integer array of ids (what transform returns), got a "
                f"{ids.ndim}D array of dtype {ids.dtype}."
            )
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size_):
            raise ValueError(
                f"X holds ids outside [0, {self.vocab_size_}), the ids of this tokenizer's "
                "vocabulary."
            )
        tokens = self._vocabulary.tokens_
        first = len(RNN_RESERVED)
        return [
            [None if i == self.unknown_id else tokens[i - first] for i in row[:n]]
            for row, n in zip(ids.tolist(), self.lengths(ids), strict=True)
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags
