"""The input layer (skrnn/_input/sequences.py): the kind detector, the Sequences value and
the one vocabulary (skrnn/_input/vocab.py)."""

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator

from skrnn import RNNClassifier, RNNRegressor, Seq2SeqTransformer, SequenceTokenizer
from skrnn._input.sequences import Sequences, read_sequences, reading_kind, sequence_kind
from skrnn._input.vocab import EOS, PAD, RNN_RESERVED, SEQ2SEQ_RESERVED, SOS, UNK, Vocabulary


class Holder(BaseEstimator):
    """An estimator with a time_steps parameter, to read sequences for."""

    def __init__(self, time_steps=None):
        self.time_steps = time_steps


# -- the kind detector ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "X, tokens, kind",
    [
        (np.zeros((2, 5, 1)), False, "numeric"),
        (np.zeros((2, 5), dtype=np.int64), False, "numeric"),
        (np.zeros((2, 5), dtype=np.int64), "auto", "numeric"),
        (np.zeros((2, 5), dtype=np.int64), True, "int"),
        (pd.DataFrame({"a": [1, 2], "b": [3, 4]}), True, "int"),
        (pd.DataFrame({"a": [1.0, 2.0]}), True, "numeric"),
        (pd.DataFrame({"a": [1, 2]}), False, "numeric"),
        (torch.zeros(3, 4), False, "numeric"),
        ([[1.0, 2.0], [3.0, 4.0]], False, "numeric"),
        ([[1, 2], [3, 4]], False, "numeric"),  # a table: integers are values
        ([[1, 2], [3, 4]], "auto", "int"),
        ([[1, 2], [3]], False, "ragged"),
        ([[1, 2], [3]], True, "int"),
        ([np.arange(3), np.arange(2)], "auto", "int"),
        ([[0.5, 1.0], [2.0]], True, "ragged"),
        ([[[1.0], [2.0]], [[1.0, 2.0], [3.0, 4.0]]], False, "ragged"),
        (np.zeros(4), False, "scalars"),
        ([0.5, 1, 2], "auto", "scalars"),
        (pd.Series([1, 2, 3]), False, "scalars"),
        (["ab", "c"], False, "text"),
        (np.array(["ab", "c"]), "auto", "text"),
        (pd.Series(["ab", "c"]), True, "text"),
        ([["the", "cat"], ["a"]], True, "tokens"),
        (["ab", 3], "auto", "mixed"),
        (["abc", [1, 2]], True, "mixed"),
    ],
)
def test_sequence_kind(X, tokens, kind):
    assert sequence_kind(X, tokens=tokens) == kind


@pytest.mark.parametrize(
    "X, match",
    [
        (None, "^Y is None; expected sequences"),
        ("abc", r"^Y is a single string; expected a collection .* strings \['abc'\]"),
        (3.0, r"^Y is a single value \(3.0\)"),
        ([], "^Y is empty: at least one sequence is required"),
        (np.array([["a", "b"]]), "^Y is a 2D array of strings; expected a 1D collection"),
        ({"a": 1}, "^Y of type dict is not a collection of sequences"),
    ],
)
def test_sequence_kind_errors_name_the_argument(X, match):
    with pytest.raises(ValueError, match=match):
        sequence_kind(X, input_name="Y")


def test_sparse_input_is_refused_with_the_fix():
    import scipy.sparse as sp

    with pytest.raises(TypeError, match=r"X is a sparse .*: pass X.toarray\(\)"):
        sequence_kind(sp.csr_matrix(np.ones((2, 3))))


@pytest.mark.parametrize(
    "kind, tokens, match",
    [
        ("text", False, "^X holds strings; set embedding_dim to train on token sequences"),
        ("tokens", False, "^X holds lists of string tokens; set embedding_dim"),
        ("numeric", True, "^X holds numeric sequences; with embedding_dim set, X must hold"),
        ("mixed", True, "^X mixes strings and other values; with embedding_dim set"),
        ("tokens", "auto", "^X holds lists of string tokens; give a rectangular numeric"),
    ],
)
def test_reading_kind_names_the_fix(kind, tokens, match):
    with pytest.raises(ValueError, match=match):
        reading_kind(kind, tokens=tokens)


# -- the Sequences value --------------------------------------------------------------------
def test_rectangular_float32_array_is_not_copied():
    X = np.random.RandomState(0).rand(4, 6, 2).astype(np.float32)
    seqs = read_sequences(Holder(), X, reset=True)
    assert isinstance(seqs, Sequences) and seqs.kind == "numeric" and seqs.lengths is None
    assert np.shares_memory(seqs.values, X)
    # strided and read-only views (windows of a series) are kept as given too
    view = X[:, ::2]
    view.flags.writeable = False
    assert np.shares_memory(read_sequences(Holder(), view, reset=True).values, X)
    # 2D input is a view (n, time_steps, 1), or steps of several features with time_steps
    flat = X.reshape(4, 12)
    assert read_sequences(Holder(), flat, reset=True).values.shape == (4, 12, 1)
    est = Holder(time_steps=3)
    values = read_sequences(est, flat, reset=True).values
    assert values.shape == (4, 3, 4) and np.shares_memory(values, X)
    assert est.n_features_in_ == 12 and est.input_shape_ == (3, 4)


def test_other_dtypes_are_read_as_float32_and_negative_strides_are_copied():
    X = np.random.RandomState(0).randint(0, 9, size=(3, 4, 2))
    values = read_sequences(Holder(), X, reset=True).values
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, X.astype(np.float32))
    X = X.astype(np.float64)
    reversed_steps = X.astype(np.float32)[:, ::-1]
    values = read_sequences(Holder(), reversed_steps, reset=True).values
    assert all(s > 0 for s in values.strides)
    np.testing.assert_array_equal(values, reversed_steps)


def test_variable_length_sequences():
    est = Holder()
    seqs = read_sequences(est, [np.ones((3, 2)), 2 * np.ones((1, 2))], reset=True)
    assert seqs.kind == "numeric" and seqs.lengths.tolist() == [3, 1]
    assert seqs.values.shape == (2, 3, 2) and seqs.values[1, 1:].sum() == 0
    assert est.input_shape_ == (None, 2) and est.n_features_in_ == 2
    padded = np.full((2, 3), np.nan)
    padded[0], padded[1, 0] = 1.0, 2.0
    seqs = read_sequences(Holder(), padded, reset=True, lengths=[3, 1])
    assert seqs.values[:, :, 0].tolist() == [[1.0, 1.0, 1.0], [2.0, 0.0, 0.0]]
    ragged = read_sequences(Holder(), [[1, 2], [3]], reset=True)
    assert ragged.kind == "numeric" and ragged.lengths.tolist() == [2, 1]


def test_tokens():
    seqs = read_sequences(None, ["good film", "bad"], reset=True, tokens=True, tokenizer="word")
    assert seqs.values == [["good", "film"], ["bad"]] and seqs.kind == "text"
    ids = read_sequences(None, np.array([[3, 1], [4, 1]]), reset=True, tokens=True)
    assert ids.values == [[3, 1], [4, 1]] and ids.kind == "int"
    assert ids.lengths.tolist() == [2, 2]
    est = Holder()
    read_sequences(est, pd.DataFrame({"a": [1.0, 2.0]}), reset=True)
    assert est.feature_names_in_.tolist() == ["a"]
    read_sequences(est, ["ab"], reset=True, tokens=True)
    assert not hasattr(est, "feature_names_in_") and not hasattr(est, "n_features_in_")


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (["ab", ""], {"tokens": True}, r"^X\[1\] is an empty sequence \(no tokens\)"),
        (["ab"], {"tokens": True, "lengths": [2]}, "^lengths is only for padded numeric X"),
        ([[1.0, 2.0], [3.0]], {"tokens": "auto"}, "^X is ragged .* supported as token"),
        ([np.ones(2), np.ones((2, 2))], {}, r"X\[0\] has 1 and X\[1\] has 2"),
        ([np.ones(2), np.ones(0)], {}, r"^X\[1\] is an empty sequence; every sequence"),
        (np.zeros((2, 3)), {"lengths": [1, 4]}, r"^lengths must lie in \[1, 3\]"),
        (np.zeros(3), {}, "got a 1D array .* Reshape your data"),
        (np.full((2, 3), "x", dtype=object), {}, "^Invalid X: could not convert string"),
        (["ab"], {"fitted_kind": "int", "tokens": True}, "^X holds strings, but Holder was"),
        (np.ones((2, 2)), {"fitted_kind": "text", "tokens": True}, "^X holds numeric seq"),
    ],
)
def test_read_sequences_errors_name_the_argument_and_the_fix(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        read_sequences(Holder(), X, reset=True, **kwargs)


def test_shape_checks_after_fit():
    est = Holder()
    read_sequences(est, np.zeros((2, 5, 2)), reset=True)
    with pytest.raises(ValueError, match="^X has sequences of 6 time steps, but Holder"):
        read_sequences(est, np.zeros((2, 6, 2)), reset=False)
    with pytest.raises(ValueError, match="^X has 3 features per time step, but Holder"):
        read_sequences(est, np.zeros((2, 5, 3)), reset=False)


# -- the one vocabulary ---------------------------------------------------------------------
def test_reserved_ids_of_each_estimator():
    assert (PAD, UNK) == (0, 1) and RNN_RESERVED == ("pad", "unknown")
    assert (PAD, SOS, EOS) == (0, 1, 2) and SEQ2SEQ_RESERVED == ("pad", "start", "end")


def test_integer_and_string_tokens_share_one_semantics():
    """Integers are tokens like strings: sorted after the reserved ids (integers by
    value), the unknown id (RNN) or an error naming them (Seq2Seq) when not seen in fit."""
    ints = Vocabulary(RNN_RESERVED).fit([[10, 9, 1000], [9]])
    strs = Vocabulary(RNN_RESERVED).fit([["j", "i", "z"], ["i"]])
    assert ints.index_ == {9: 2, 10: 3, 1000: 4} and strs.index_ == {"i": 2, "j": 3, "z": 4}
    assert ints.encode([[1000, 7]])[0].tolist() == strs.encode([["z", "q"]])[0].tolist()
    assert len(ints) == len(strs) == 5
    s2s = Vocabulary(SEQ2SEQ_RESERVED).fit([[10, 9, 1000]])
    assert s2s.index_ == {9: 3, 10: 4, 1000: 5}
    with pytest.raises(ValueError, match=r"^Y contains tokens not seen in fit: \[7, 8\]"):
        s2s.encode([[8, 9, 7]], input_name="Y")
    ids, lengths = s2s.encode([[9, 1000]], add_end=True)
    assert ids.tolist() == [[3, 5, EOS]] and lengths.tolist() == [3]
    assert s2s.decode(ids) == [[9, 1000]]


def test_vocabulary_checks_its_reserved_ids():
    with pytest.raises(ValueError, match="reserved must start with 'pad'"):
        Vocabulary(("unknown", "pad")).fit([["a"]])
    with pytest.raises(ValueError, match="add_end needs a vocabulary with 'end'"):
        Vocabulary(RNN_RESERVED).fit([["a"]]).encode([["a"]], add_end=True)


def test_tokenizer_and_seq2seq_map_integer_tokens_through_their_vocabulary():
    X = [[5, 1000, 7], [7, 5], [1000], [5, 5, 7]] * 4
    assert SequenceTokenizer().fit(X).vocabulary_ == {5: 2, 7: 3, 1000: 4}
    s2s = Seq2SeqTransformer(**FAST).fit(X, X)
    assert s2s.input_vocabulary_.index_ == {5: 3, 7: 4, 1000: 5}
    assert all(set(p) <= {5, 7, 1000} for p in s2s.predict(X[:4]))
    reg = RNNRegressor(**FAST).fit([[5, 1000, 7], [7, 5]], [0.0, 1.0])  # no embedding
    assert reg.input_shape_ == (None, 1) and not hasattr(reg, "vocabulary_")


def test_float64_arrays_reach_the_net_without_a_float32_copy():
    """A float64 array is kept as given (views too); the modules cast each batch, so the
    model and its predictions equal those of the same data as float32."""
    rng = np.random.RandomState(0)
    X64, y = rng.rand(24, 5, 2), rng.rand(24)
    assert np.shares_memory(read_sequences(Holder(), X64, reset=True).values, X64)
    X32 = X64.astype(np.float32)
    for Est, target in [(RNNRegressor, y), (RNNClassifier, y > 0.5)]:
        a, b = Est(**FAST).fit(X64, target), Est(**FAST).fit(X32, target)
        np.testing.assert_array_equal(a.predict(X64), b.predict(X32))
    a = Seq2SeqTransformer(**FAST).fit(X64)
    b = Seq2SeqTransformer(**FAST).fit(X32)
    np.testing.assert_array_equal(a.transform(X64), b.transform(X32))
    np.testing.assert_array_equal(a.predict(X64), b.predict(X32))


_CHARS = ["a", "b", "c", "é", "😀", "\ud800"]  # beyond one byte, beyond the BMP, a surrogate
_TEXTS = st.lists(st.lists(st.sampled_from(_CHARS), max_size=5).map("".join), max_size=6)


@settings(max_examples=60, deadline=None)
@given(seen=_TEXTS, new=_TEXTS.filter(bool), reserved=st.sampled_from(["rnn", "seq2seq"]))
def test_text_fast_path_encodes_as_the_loop_over_tokens(seen, new, reserved):
    """Strings take a NumPy path (their tokens are characters); lists of the same
    characters take the loop over tokens: the same vocabulary, ids, lengths and errors."""
    reserved = RNN_RESERVED if reserved == "rnn" else SEQ2SEQ_RESERVED
    fast = Vocabulary(reserved, max_size=4).fit(seen)
    slow = Vocabulary(reserved, max_size=4).fit([list(s) for s in seen])
    assert fast.tokens_ == slow.tokens_ and fast.index_ == slow.index_
    for add_end in [False, True] if "end" in reserved else [False]:
        try:
            expected = slow.encode([list(s) for s in new], add_end=add_end)
        except ValueError as error:
            with pytest.raises(ValueError) as got:
                fast.encode(new, add_end=add_end)
            assert str(got.value) == str(error)
            continue
        ids, lengths = fast.encode(new, add_end=add_end)
        assert ids.dtype == expected[0].dtype == np.int64
        np.testing.assert_array_equal(ids, expected[0])
        np.testing.assert_array_equal(lengths, expected[1])


def test_strings_take_the_text_path(monkeypatch):
    calls = []
    path = Vocabulary._encode_texts
    monkeypatch.setattr(
        Vocabulary, "_encode_texts", lambda self, *a: calls.append(1) or path(self, *a)
    )
    v = Vocabulary(SEQ2SEQ_RESERVED).fit(["ab", "ba"])
    v.encode(["ab"]), v.encode([["a", "b"]])
    assert calls == [1]
