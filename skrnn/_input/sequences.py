"""The input layer: what an ``X`` holds, and the one reading of it every estimator uses.

:func:`sequence_kind` tells what a collection holds (the only place that decides it);
:func:`read_sequences` turns any accepted ``X`` into a :class:`Sequences` value
``(values, lengths, kind)``, recording (in ``fit``) or checking (in ``predict``) what
scikit-learn's contract asks for (``n_features_in_``, ``feature_names_in_``, through
scikit-learn's public ``validate_data``).

Layout convention used everywhere in skrnn: a batch of sequences is a 3D array
``(n_samples, time_steps, n_features)``. A 2D array ``(n_samples, n_columns)`` is a
table: by default (``time_steps=1``) one step of all its columns, what an MLP sees;
``time_steps=None`` reads each column as one step of a univariate sequence and
``time_steps=k`` as ``k`` steps of ``n_columns / k`` features.

How an estimator reads ``X`` is its ``tokens`` mode:

``False`` (RNN estimators without ``embedding_dim``)
    Numeric sequences: a rectangular array, or variable-length sequences (a list of
    arrays, a ragged list, or a padded array with ``lengths``). Integers are values.
``True`` (RNN estimators with ``embedding_dim``, deprecated text input)
    Token sequences: strings (split by ``tokenizer``), lists of string tokens, or
    integer tokens (lists of any lengths). A 2D integer array given with
    ``embedding_dim`` holds token ids and never reaches this mode: the estimators read
    it with :func:`read_token_ids` (:class:`~skrnn.SequenceTokenizer` makes such ids of
    texts).
``"auto"`` (:class:`~skrnn.Seq2SeqTransformer`)
    A rectangular numeric array, strings (each character a token), or lists of integer
    tokens. An integer *NumPy array* is numeric here: integer tokens come as lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.validation import validate_data

from .validation import (
    check_feature_names,
    check_numeric,
    names_argument,
    pad_sequences,
    step_mask_array,
)

__all__ = [
    "Sequences",
    "check_container",
    "is_id_array",
    "read_sequences",
    "read_token_ids",
    "reading_kind",
    "rows_as_steps",
    "sequence_kind",
]

#: The padding id of token ids (:data:`skrnn._input.vocab.PAD`).
PAD_ID = 0

#: What :func:`sequence_kind` finds, as the words of error messages ("X holds ...").
_HOLDS = {
    "numeric": "holds numeric sequences",
    "ragged": "holds numeric sequences of different lengths",
    "scalars": "holds one value per sample",
    "text": "holds strings",
    "tokens": "holds lists of string tokens",
    "int": "holds integer token sequences",
    "mixed": "mixes strings and other values",
}

#: The kinds of a :class:`Sequences` value, as error messages name them.
_KIND_WORDS = {"numeric": "numeric sequences", "text": "strings", "int": "integer token sequences"}

#: Per ``tokens`` mode: the value kind of each accepted :func:`sequence_kind`, and the
#: fix of an input of another kind.
_READINGS = {
    False: (
        {"numeric": "numeric", "ragged": "numeric", "scalars": "numeric"},
        "set embedding_dim to train on token sequences (text or integer ids) through an "
        "embedding layer, with SequenceTokenizer in front to turn texts into token ids",
    ),
    True: (
        {"text": "text", "tokens": "text", "int": "int"},
        "with embedding_dim set, {name} must hold token ids: a 2D integer array, 0 "
        "after each sequence's tokens (SequenceTokenizer turns texts into them)",
    ),
    "auto": (
        # ragged numeric sequences: refused by read_sequences with the fix
        {
            "numeric": "numeric",
            "ragged": "numeric",
            "scalars": "numeric",
            "text": "text",
            "int": "int",
        },
        "give a rectangular numeric array (n_samples, time_steps[, n_features]), strings "
        "(each character is a token) or lists of integer tokens",
    ),
}


def check_container(X, input_name: str = "X"):
    """``X`` ready for validation: a clear error for ``None``, a single string or value,
    and sparse matrices (which NumPy would turn into "contains NaN" or "sparse array
    length is ambiguous"), a torch tensor as the NumPy array it holds, and any other
    array-like (``__array__``, neither NumPy nor pandas nor a Python sequence) as a NumPy
    array, so that its kind of sequences can be told.

    Examples
    --------
    >>> import torch
    >>> check_container(torch.ones(2, 3)).shape
    (2, 3)
    >>> check_container(None)
    Traceback (most recent call last):
    ...
    ValueError: X is None; expected sequences (an array, a DataFrame or a list).
    """
    if X is None:
        raise ValueError(
            f"{input_name} is None; expected sequences (an array, a DataFrame or a list)."
        )
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"{input_name} is a single string; expected a collection of sequences, for "
            f"example a list of strings [{X!r}]."
        )
    if np.isscalar(X) or (isinstance(X, np.ndarray) and X.ndim == 0):
        raise ValueError(
            f"{input_name} is a single value ({X!r}); expected a collection of sequences."
        )
    if sp.issparse(X):
        raise TypeError(
            f"{input_name} is a sparse {type(X).__name__}; recurrent networks need dense "
            f"sequences: pass {input_name}.toarray()."
        )
    if isinstance(X, torch.Tensor):
        return X.detach().cpu().numpy()
    if hasattr(X, "__array__") and not isinstance(X, (np.ndarray, list, tuple)):
        if not hasattr(X, "dtype") and not hasattr(X, "to_numpy"):
            return np.asarray(X)
    return X


def _is_int_sequence(s) -> bool:
    if isinstance(s, np.ndarray):
        return s.ndim == 1 and (s.dtype.kind in "iu" or (s.dtype == object and s.size == 0))
    if isinstance(s, (list, tuple)):
        return all(isinstance(v, Integral) and not isinstance(v, bool) for v in s)
    return False


def _is_string_sequence(s) -> bool:
    if isinstance(s, np.ndarray):
        return s.ndim == 1 and s.dtype.kind in "US"
    return isinstance(s, (list, tuple)) and all(isinstance(t, str) for t in s) and len(s) > 0


def _is_ragged(X) -> bool:
    """A list, tuple or 1D object array of sequences that do not all have one shape (at
    any depth): what NumPy cannot stack into one array."""
    if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1:
        X = list(X)
    if not isinstance(X, (list, tuple)) or not X:
        return False
    if not all(hasattr(s, "__len__") and not isinstance(s, (str, bytes)) for s in X):
        return False
    if len({len(s) for s in X}) > 1 or any(_is_ragged(s) for s in X):
        return True
    return len({np.shape(s) for s in X}) > 1


def sequence_kind(X, *, tokens=False, input_name: str = "X") -> str:
    """What the collection ``X`` holds; the one place where skrnn decides it.

    Returns one of

    - ``"numeric"``: a rectangular array-like (a numeric array, a DataFrame, nested
      lists of one shape);
    - ``"ragged"``: numeric sequences that NumPy cannot stack (different lengths or
      shapes at any depth);
    - ``"scalars"``: one value per sample (a 1D numeric array, a list of numbers);
    - ``"text"``: strings, one per sequence;
    - ``"tokens"``: lists of string tokens;
    - ``"int"``: integer token sequences: lists (or 1D integer arrays) of integers,
      when ``tokens`` is not ``False``; with ``tokens=True`` also a 2D integer array;
    - ``"mixed"``: strings beside other values.

    ``tokens`` is the reading mode (see the module docstring): ``False`` reads integers
    as values (a list of integer lists is a table or ragged numeric sequences).
    ``None``, a single string or value, an empty collection and a 2D array of strings
    raise a ``ValueError``.

    Examples
    --------
    >>> sequence_kind(["abc", "de"]), sequence_kind([[3, 1], [4, 1, 5]], tokens="auto")
    ('text', 'int')
    >>> sequence_kind([[3, 1], [4, 1, 5]]), sequence_kind(np.zeros((2, 5, 1)))
    ('ragged', 'numeric')
    >>> sequence_kind(np.arange(3).reshape(1, 3), tokens=True), sequence_kind([0.5, 1])
    ('int', 'scalars')
    """
    X = check_container(X, input_name)
    if hasattr(X, "columns"):  # DataFrame: columns are time steps
        if tokens is True and all(np.dtype(t).kind in "iu" for t in X.dtypes):
            return "int"
        return "numeric"
    dtype = getattr(X, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "O") in "biufc":
        ndim = np.ndim(X)
        if ndim == 1:
            return "scalars"
        if tokens is True and ndim == 2 and dtype.kind in "iu":
            return "int"
        return "numeric"
    if hasattr(X, "to_numpy"):  # Series of objects or strings
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.ndim != 1:
        if X.dtype.kind in "US":
            raise ValueError(
                f"{input_name} is a {X.ndim}D array of strings; expected a 1D collection "
                "of strings (one string per sequence)."
            )
        return "numeric"  # 2D+ object array: the numeric validation names the problem
    if not isinstance(X, (Sequence, np.ndarray)):
        raise ValueError(
            f"{input_name} of type {type(X).__name__} is not a collection of sequences."
        )
    if len(X) == 0:
        raise ValueError(f"{input_name} is empty: at least one sequence is required.")
    strings = [isinstance(s, str) for s in X]
    if all(strings):
        return "text"
    if any(strings):
        return "mixed"
    if not any(hasattr(s, "__len__") for s in X):
        return "scalars"
    if all(_is_string_sequence(s) for s in X):
        return "tokens"
    if tokens is not False and all(_is_int_sequence(s) for s in X):
        return "int"
    return "ragged" if _is_ragged(X) else "numeric"


def reading_kind(kind: str, *, tokens, input_name: str = "X") -> str:
    """The value kind (``"numeric"``, ``"text"`` or ``"int"``) that the ``tokens`` mode
    reads a :func:`sequence_kind` as, or a ``ValueError`` naming the fix.

    Examples
    --------
    >>> reading_kind("tokens", tokens=True)
    'text'
    >>> reading_kind("text", tokens=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X holds strings; set embedding_dim to train on token sequences ...
    """
    kinds, fix = _READINGS[tokens]
    if kind not in kinds:
        raise ValueError(f"{input_name} {_HOLDS[kind]}; {fix.format(name=input_name)}.")
    return kinds[kind]


@dataclass(frozen=True)
class Sequences:
    """Sequences as every estimator reads them.

    Attributes
    ----------
    values : ndarray or list
        ``kind="numeric"``: an array ``(n_samples, time_steps, n_features)``. A float32
        or float64 array is kept as given, strided and read-only views included (no
        copy; the modules cast each batch to float32), other input becomes float32;
        variable-length input is padded with zeros after each sequence's length
        (float32). ``"text"`` and ``"int"``: a list of token sequences (lists of
        tokens, or strings, whose characters are the tokens).
    lengths : ndarray of shape (n_samples,), int64, or None
        The number of steps (tokens) of each sequence; ``None`` for a rectangular numeric
        array, whose sequences all fill every step.
    kind : {"numeric", "text", "int"}
        Numeric values, string tokens or integer tokens.
    """

    values: np.ndarray | list
    lengths: np.ndarray | None
    kind: str

    def __len__(self) -> int:
        return len(self.values)


def read_sequences(
    estimator,
    X,
    *,
    reset: bool,
    tokens=False,
    lengths=None,
    tokenizer="char",
    fitted_kind: str | None = None,
    input_name: str = "X",
) -> Sequences:
    """Read any accepted ``X`` as :class:`Sequences`, for ``estimator``.

    Parameters
    ----------
    estimator : estimator or None
        Records (``reset``) or checks ``n_features_in_``, ``feature_names_in_`` and
        ``input_shape_ = (time_steps or None, n_features)`` of numeric ``X`` and reads its
        ``time_steps`` attribute; token input removes the first two. ``None`` records
        nothing (targets): numeric values are then checked but not reshaped.
    X : array-like, DataFrame, list of arrays, list of str or list of int sequences
        The sequences.
    reset : bool
        ``True`` in ``fit``: record. ``False``: check against what was recorded.
    tokens : {False, True, "auto"}, default=False
        The reading mode (see the module docstring).
    lengths : array-like of shape (n_samples,) or None, default=None
        True lengths of a padded numeric ``X`` (``tokens=False``).
    tokenizer : {"char", "word"} or callable, default="char"
        Splits strings into tokens: characters, scikit-learn's ``CountVectorizer`` word
        analyzer (lowercased words of 2+ alphanumeric characters), or ``str -> list``.
    fitted_kind : {"numeric", "text", "int"} or None, default=None
        The kind read in ``fit``: another kind is a ``ValueError``.
    input_name : str, default="X"
        The argument's name in error messages.

    Examples
    --------
    >>> seqs = read_sequences(None, ["a b", "b"], reset=True, tokens=True, tokenizer=str.split)
    >>> seqs.values, seqs.lengths.tolist(), seqs.kind
    ([['a', 'b'], ['b']], [2, 1], 'text')
    >>> read_sequences(None, [np.ones((3, 2)), np.ones((1, 2))], reset=True).lengths
    array([3, 1])
    """
    kind = sequence_kind(X, tokens=tokens, input_name=input_name)
    if fitted_kind is not None:
        read = _READINGS[tokens][0].get(kind)
        as_numbers = _READINGS[False][0].get(kind)
        as_tokens = _READINGS[True][0].get(kind)
        found = read or as_numbers or as_tokens
        if found is not None and found != fitted_kind:
            raise ValueError(
                f"{input_name} holds {_KIND_WORDS[found]}, but "
                f"{type(estimator).__name__} was fitted on {_KIND_WORDS[fitted_kind]}."
            )
    value_kind = reading_kind(kind, tokens=tokens, input_name=input_name)
    if value_kind != "numeric":
        if lengths is not None:
            raise ValueError(
                f"lengths is only for padded numeric {input_name}; token sequences are "
                "given as a list and carry their own lengths."
            )
        if estimator is not None and reset:
            for attr in ("n_features_in_", "feature_names_in_", "input_shape_"):
                estimator.__dict__.pop(attr, None)
        return _read_tokens(X, value_kind, tokenizer, input_name)
    if kind == "ragged" and tokens == "auto":
        raise ValueError(
            f"{input_name} is ragged (sequences of different lengths or shapes). Numeric "
            "sequences must form a rectangular array (n_samples, time_steps"
            "[, n_features]); variable-length sequences are supported as token "
            "sequences: a list of strings or a list of integer lists."
        )
    if kind == "ragged" and lengths is not None:
        raise ValueError(
            f"lengths marks the true lengths of a padded {input_name} (an array (n_samples, "
            f"max_time_steps[, n_features])), but {input_name} is a ragged list, whose "
            "sequences carry their own lengths. Pass the list without lengths, or pad it "
            "into one array first."
        )
    one_by_one = kind == "ragged" or (
        tokens is False
        and isinstance(X, (list, tuple))
        and all(isinstance(s, np.ndarray) and s.ndim in (1, 2) for s in X)
    )
    if lengths is not None or one_by_one:
        values, lengths = _read_variable_length(estimator, X, lengths, reset, input_name)
        return Sequences(values, lengths, "numeric")
    return Sequences(_read_array(estimator, X, reset, input_name), None, "numeric")


# -- tokens -------------------------------------------------------------------------------
def _tokenizer(tokenizer: str | Callable) -> Callable[[str], list]:
    if callable(tokenizer):
        return tokenizer
    if tokenizer == "word":
        # scikit-learn's word analyzer: lowercase, tokens of 2+ alphanumeric characters
        return CountVectorizer(lowercase=True).build_analyzer()
    return list


def _read_tokens(X, kind: str, tokenizer, input_name: str) -> Sequences:
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.ndim == 2:
        X = list(X)  # a 2D integer array: one id sequence per row
    if kind == "int":
        seqs = [np.asarray(s, dtype=np.int64).tolist() for s in X]
    elif all(isinstance(s, str) for s in X):
        if tokenizer == "char":
            seqs = list(X)  # a string is the sequence of its characters already
        else:
            split = _tokenizer(tokenizer)
            seqs = [list(split(s)) for s in X]
    else:
        seqs = [list(s) for s in X]
    for i, s in enumerate(seqs):
        if len(s) == 0:
            raise ValueError(
                f"{input_name}[{i}] is an empty sequence (no tokens); every sequence needs "
                "at least one token."
            )
    return Sequences(seqs, np.array([len(s) for s in seqs], dtype=np.int64), kind)


# -- numeric sequences --------------------------------------------------------------------
def _check_values(estimator, X, *, reset: bool, input_name: str, **kwargs) -> np.ndarray:
    """``X`` through scikit-learn's ``validate_data`` (feature names, ``check_array``):
    a float32 or float64 array is kept as given (no copy: the modules cast each batch to
    their float32 weights), anything else becomes float32; errors always name
    ``input_name``. ``estimator=None`` (targets): ``check_array`` only, as float32."""
    kwargs = dict(ensure_2d=False, allow_nd=True, **kwargs)
    if estimator is None:
        return check_numeric(X, input_name=input_name, dtype=np.float32, **kwargs)
    try:
        X = validate_data(estimator, X, reset=reset, dtype=(np.float32, np.float64), **kwargs)
    except (ValueError, TypeError) as exc:
        if names_argument(str(exc), input_name):
            raise
        raise type(exc)(f"Invalid {input_name}: {exc}") from None
    _check_float32_range(X, input_name)
    return X


#: The largest float32: a float64 X kept as given is cast to float32 batch by batch.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_float32_range(X: np.ndarray, input_name: str) -> None:
    """A ``ValueError`` when a float64 ``X`` holds values that float32, the precision the
    network computes in, cannot hold: kept as given, such values would become infinite
    in each batch (a "divergence" in fit, NaN or a saturated output in predict), whereas
    input converted to float32 gets scikit-learn's "too large for dtype('float32')"."""
    if X.dtype != np.float64 or X.size == 0:
        return
    # max and min, not abs: no temporary copy of a large (or strided window) X
    largest = max(-float(X.min()), float(X.max()))
    if largest > FLOAT32_MAX:
        raise ValueError(
            f"{input_name} holds values too large for float32 (largest absolute value "
            f"{largest:.3g}; float32, in which the network computes, holds up to "
            f"{FLOAT32_MAX:.3g}). Scale {input_name} to about unit size, for example with "
            "SequenceStandardScaler in a Pipeline."
        )


def _read_array(estimator, X, reset: bool, input_name: str) -> np.ndarray:
    """A rectangular ``X`` as ``(n, time_steps, n_features)``; records or checks its
    shape. A 2D ``X`` is read by the estimator's ``time_steps`` (:func:`rows_as_steps`).
    ``n_features_in_`` follows scikit-learn for 2D input (the number of columns) and is
    the features per step for 3D input.
    After a fit on variable-length sequences any number of time steps is accepted."""
    X = _check_values(estimator, X, reset=reset, input_name=input_name, ensure_min_samples=1)
    if estimator is None:
        return X
    if X.ndim not in (2, 3):
        hint = (
            " Reshape your data: cut a single series into windows first (for example with "
            "skrnn.make_supervised), or use array.reshape(1, -1) for one sample."
            if X.ndim == 1
            else ""
        )
        raise ValueError(
            f"Expected {input_name} as a 2D table (n_samples, n_columns) or a 3D array of "
            f"sequences (n_samples, time_steps, n_features), got a {X.ndim}D array of shape "
            f"{X.shape}.{hint}"
        )
    if X.shape[1] == 0:
        raise ValueError(f"{input_name} has sequences of 0 time steps; at least 1 is required.")
    if X.ndim == 3 and X.shape[2] == 0:
        raise ValueError(f"{input_name} has 0 features per time step; at least 1 is required.")
    if any(s < 0 for s in X.strides):
        X = np.ascontiguousarray(X)  # torch cannot view negative strides
    ndim_in = X.ndim
    name = type(estimator).__name__
    time_steps = getattr(estimator, "time_steps", None)
    if ndim_in == 2:
        if not reset and _fitted_on_3d(estimator):
            _check_2d_for_3d_fit(estimator, X.shape, time_steps, input_name)
        if not reset and time_steps is not None and X.shape[1] != estimator.n_features_in_:
            raise ValueError(
                f"{input_name} has {X.shape[1]} features, but {name} is expecting "
                f"{estimator.n_features_in_} features as input."
            )
        X = rows_as_steps(X, time_steps)
    elif time_steps not in (None, 1) and time_steps != X.shape[1]:
        # time_steps=1 (the default) reads a 2D X as a table; a 3D X is read as it is
        raise ValueError(
            f"time_steps={time_steps} reads a 2D {input_name} as sequences of {time_steps} "
            f"steps, but {input_name} is 3D with {X.shape[1]} time steps (a 3D X is read as "
            "it is); leave time_steps at its default for 3D input."
        )
    n_steps, n_feat = X.shape[1:]
    if reset:
        estimator.n_features_in_ = n_steps * n_feat if ndim_in == 2 else n_feat
        estimator.input_shape_ = (n_steps, n_feat)
        return X
    fit_steps = estimator.input_shape_[0]
    if fit_steps is not None and n_steps != fit_steps:
        if ndim_in == 2:
            raise ValueError(
                f"{input_name} has {n_steps} features, but {name} is expecting {fit_steps} "
                "features as input (with time_steps=None a 2D X holds univariate sequences, "
                "one column per time step)."
            )
        raise ValueError(
            f"{input_name} has sequences of {n_steps} time steps, but {name} was fitted on "
            f"sequences of {fit_steps} time steps."
        )
    _check_step_features(estimator, n_feat, input_name)
    return X


def _check_2d_for_3d_fit(estimator, shape: tuple, time_steps, input_name: str) -> None:
    """A ``ValueError`` naming the fitted and the given shape when a 2D ``X`` does not
    read as the sequences of the 3D ``X`` the estimator was fitted on."""
    n_columns = shape[1]
    if time_steps is None:
        read = (n_columns, 1)
    elif n_columns % time_steps == 0:
        read = (time_steps, n_columns // time_steps)
    else:
        return  # rows_as_steps names the columns time_steps does not divide
    fitted = tuple(estimator.input_shape_)
    if read != fitted:
        raise ValueError(
            f"{input_name} is 2D, of shape {shape}, read with time_steps={time_steps} as "
            f"sequences of {read[0]} time step(s) of {read[1]} feature(s), but "
            f"{type(estimator).__name__} was fitted on 3D sequences of {fitted[0]} time steps "
            f"of {fitted[1]} feature(s) (input_shape_={fitted}). Give {input_name} as a 3D "
            f"array (n_samples, {fitted[0]}, {fitted[1]})."
        )


def _fitted_on_3d(estimator) -> bool:
    """Whether ``estimator`` was fitted on a 3D array: ``n_features_in_`` is then the
    features per step, for 2D input all the columns (one step: both readings agree)."""
    steps, features = estimator.input_shape_
    return steps not in (None, 1) and estimator.n_features_in_ == features


def rows_as_steps(X: np.ndarray, time_steps: int | None) -> np.ndarray:
    """A 2D ``X`` as sequences ``(n, time_steps, n_columns / time_steps)`` (a view):
    ``None`` makes every column one step of one feature.

    Examples
    --------
    >>> rows_as_steps(np.arange(6).reshape(1, 6), 3).tolist()
    [[[0, 1], [2, 3], [4, 5]]]
    >>> rows_as_steps(np.arange(6).reshape(1, 6), None).shape
    (1, 6, 1)
    """
    n, p = X.shape
    if time_steps is None:
        return X[:, :, None]
    if p % time_steps:
        raise ValueError(
            f"time_steps={time_steps} does not divide the {p} columns of X: each row is "
            f"read as time_steps steps of n_columns / time_steps features. Choose a "
            "divisor of the number of columns (time_steps=1: one step of all columns)."
        )
    return X.reshape(n, time_steps, p // time_steps)


def _check_step_features(estimator, n_features: int, input_name: str) -> None:
    fit_features = estimator.input_shape_[1]
    if n_features != fit_features:
        raise ValueError(
            f"{input_name} has {n_features} features per time step, but "
            f"{type(estimator).__name__} was fitted with {fit_features} features per time "
            "step."
        )


def _read_variable_length(estimator, X, lengths, reset: bool, input_name: str):
    """Variable-length ``X`` (a list of sequences, or padded with ``lengths``) as a
    zero-padded float32 array and the lengths; records ``n_features_in_`` (features per
    step) and ``input_shape_ = (None, n_features)`` on ``reset``, else checks them."""
    if estimator is not None:
        check_feature_names(estimator, X, reset=reset)
    if lengths is None:
        X, lengths = _stack_sequences(X, input_name)
    else:
        X, lengths = _read_padded(X, lengths, input_name)
    n_features = X.shape[2]
    if estimator is None:
        return X, lengths
    if reset:
        estimator.n_features_in_ = n_features
        estimator.input_shape_ = (None, n_features)
        return X, lengths
    fit_steps = estimator.input_shape_[0]
    if fit_steps is not None and (lengths != fit_steps).any():
        raise ValueError(
            f"{type(estimator).__name__} was fitted on an array of sequences of {fit_steps} "
            f"time steps, and {input_name} has sequences of "
            f"{sorted(set(lengths.tolist()))[:5]} steps. To predict on sequences of other "
            "lengths, fit on variable-length sequences (a list of arrays, or a padded array "
            "with lengths)."
        )
    _check_step_features(estimator, n_features, input_name)
    return X, lengths


def _stack_sequences(X, input_name: str):
    """A list of sequences ``(t_i[, n_features])`` as one zero-padded float32 array."""
    seqs = []
    for i, s in enumerate(X):
        s = check_numeric(
            s,
            ensure_2d=False,
            allow_nd=True,
            dtype=np.float32,
            ensure_min_samples=0,
            input_name=f"{input_name}[{i}]",
        )
        if s.ndim not in (1, 2):
            raise ValueError(
                f"{input_name}[{i}] has {s.ndim} dimensions; each sequence must be 1D "
                "(time_steps,) or 2D (time_steps, n_features)."
            )
        if len(s) == 0:
            raise ValueError(
                f"{input_name}[{i}] is an empty sequence; every sequence needs at least "
                "one time step."
            )
        seqs.append(s.reshape(len(s), -1))
    first = seqs[0].shape[1]
    bad = next((i for i, s in enumerate(seqs) if s.shape[1] != first), None)
    if bad is not None:
        raise ValueError(
            f"Sequences of {input_name} have different numbers of features: "
            f"{input_name}[0] has {first} and {input_name}[{bad}] has "
            f"{seqs[bad].shape[1]}; all time steps need the same features."
        )
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    return pad_sequences(seqs, fill_value=0.0, dtype=np.float32), lengths


def _read_padded(X, lengths, input_name: str):
    """A padded ``X`` with its ``lengths``: the steps beyond each length (which may be
    NaN) set to zero, and the lengths checked."""
    X = check_numeric(
        X,
        ensure_2d=False,
        allow_nd=True,
        dtype=np.float32,
        ensure_all_finite=False,
        input_name=input_name,
    )
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(
            f"A padded {input_name} given with lengths must be 2D (n, max_t) or 3D "
            f"(n, max_t, n_features), got {X.ndim}D."
        )
    lengths = np.asarray(lengths)
    if lengths.shape != (len(X),) or lengths.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must be a 1D integer array with one entry per sequence ({len(X)}), got "
            f"shape {lengths.shape} and dtype {lengths.dtype}."
        )
    if lengths.min() < 1 or lengths.max() > X.shape[1]:
        raise ValueError(
            f"lengths must lie in [1, {X.shape[1]}] (at least one step, at most the padded "
            f"length), got values from {lengths.min()} to {lengths.max()}."
        )
    valid = step_mask_array(lengths, X.shape[1])
    X = np.where(valid[:, :, None], X, np.float32(0.0))
    if not np.isfinite(X).all():
        raise ValueError(f"Input {input_name} contains NaN or infinity within the given lengths.")
    return np.ascontiguousarray(X, dtype=np.float32), lengths.astype(np.int64)


# -- token ids ----------------------------------------------------------------------------
def is_id_array(X) -> bool:
    """Whether ``X`` is a 2D array (or DataFrame) of integers: token ids, padded with 0,
    as :class:`~skrnn.SequenceTokenizer` gives them."""
    X = check_container(X)
    if hasattr(X, "dtypes") and hasattr(X, "columns"):
        return len(X.columns) > 0 and all(np.dtype(t).kind in "iu" for t in X.dtypes)
    dtype = getattr(X, "dtype", None)
    return getattr(dtype, "kind", None) in ("i", "u") and np.ndim(X) == 2


def padded_lengths(ids: np.ndarray) -> np.ndarray:
    """The steps of each row of 2D ``ids`` before its padding: one past its last non-zero id
    (0 for a row of padding only).

    Examples
    --------
    >>> padded_lengths(np.array([[4, 2, 3], [1, 2, 0], [0, 0, 0]]))
    array([3, 2, 0])
    """
    tokens = ids != PAD_ID
    return np.where(tokens.any(axis=1), ids.shape[1] - np.argmax(tokens[:, ::-1], axis=1), 0)


def read_token_ids(X, lengths=None, *, input_name: str = "X") -> tuple[np.ndarray, np.ndarray]:
    """Token ids ``(n, width)`` (int64) and the number of tokens of each row.

    Id 0 is padding and only follows a row's tokens; ``lengths`` (when given) must agree
    with the padding: the steps beyond each length are 0, the steps within are not.

    Examples
    --------
    >>> ids, lengths = read_token_ids(np.array([[4, 2, 3], [1, 2, 0]]))
    >>> lengths
    array([3, 2])
    """
    ids = check_numeric(X, dtype=None, input_name=input_name, ensure_min_features=1)
    if ids.dtype.kind not in "iu":
        raise ValueError(
            f"{input_name} must hold integer token ids (with embedding_dim set), got dtype "
            f"{ids.dtype}; turn texts into ids with SequenceTokenizer first."
        )
    ids = ids.astype(np.int64, copy=False)
    if ids.min() < 0:
        raise ValueError(
            f"{input_name} holds negative token ids (the smallest is {ids.min()}); ids start "
            "at 0, the padding."
        )
    tokens = ids != PAD_ID
    found = padded_lengths(ids)
    empty = np.flatnonzero(found == 0)
    if len(empty):
        raise ValueError(
            f"{input_name}[{empty[0]}] holds only padding (id 0); every sequence needs at "
            "least one token."
        )
    within = step_mask_array(found, ids.shape[1])
    gaps = np.flatnonzero((within & ~tokens).any(axis=1))
    if len(gaps):
        raise ValueError(
            f"{input_name}[{gaps[0]}] holds the padding id 0 before a token; id 0 is padding, "
            "after each sequence's tokens only (SequenceTokenizer gives tokens the ids from "
            "2, and 1 to unknown tokens)."
        )
    if lengths is not None:
        given = np.asarray(lengths)
        if given.shape != found.shape or given.dtype.kind not in "iu" or (given != found).any():
            raise ValueError(
                f"lengths do not match the padding of {input_name}: token ids mark each "
                "sequence's length themselves (its tokens, then 0); leave lengths out."
            )
    return np.ascontiguousarray(ids), found.astype(np.int64)
