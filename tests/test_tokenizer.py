"""SequenceTokenizer: texts or token sequences to padded token ids (issue 24, item 2).

scikit-learn's common checks skip a transformer of strings (its tags say so), so its
contracts are tested here: parameters stored as given, clone, not-fitted errors,
fit_transform == fit().transform, a failed fit leaves the fitted state, pickle."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skrnn import SequenceTokenizer
from skrnn.datasets import load_text

TEXTS = ["the cat sat", "a dog ran", "the dog sat down", "cats and dogs"]


@pytest.mark.parametrize(
    "analyzer, expected",
    [
        ("char", [list("the cat sat"), list("a dog ran")]),
        ("word", [["the", "cat", "sat"], ["dog", "ran"]]),  # sklearn's: 2+ characters
        (str.split, [["the", "cat", "sat"], ["a", "dog", "ran"]]),
    ],
)
def test_ids_follow_the_vocabulary_and_invert(analyzer, expected):
    tok = SequenceTokenizer(analyzer).fit(TEXTS)
    tokens = sorted(tok.vocabulary_)
    assert list(tok.vocabulary_.values()) == list(range(2, 2 + len(tokens)))
    assert tok.vocab_size_ == len(tokens) + 2
    ids = tok.transform(TEXTS[:2])
    assert ids.dtype == np.int64 and ids.shape == (2, max(map(len, expected)))
    for row, toks in zip(ids, expected, strict=True):
        assert row[: len(toks)].tolist() == [tok.vocabulary_[t] for t in toks]
        assert (row[len(toks) :] == tok.padding_id).all()
    np.testing.assert_array_equal(tok.lengths(ids), [len(t) for t in expected])
    assert tok.inverse_transform(ids) == expected


def test_unknown_tokens_and_max_vocab():
    tok = SequenceTokenizer(max_vocab=3).fit(["aaab", "aac", "ad"])
    # the most frequent: a (5), then b, c and d tie: the first in sorted order wins
    assert tok.vocabulary_ == {"a": 2, "b": 3, "c": 4}
    ids = tok.transform(["dab", "zz"])
    assert ids.tolist() == [[1, 2, 3], [1, 1, 0]]
    assert tok.inverse_transform(ids) == [[None, "a", "b"], [None, None]]


def test_token_lists_and_integer_tokens():
    tok = SequenceTokenizer().fit([["to", "be"], ["or", "not"]])
    assert tok.transform([["be", "or", "?"]]).tolist() == [[2, 4, 1]]
    ints = SequenceTokenizer().fit([[7, 1000, 7], [5]])
    assert ints.vocabulary_ == {5: 2, 7: 3, 1000: 4}
    assert ints.transform(np.array([[1000, 5]])).tolist() == [[4, 2]]


def test_sklearn_contracts():
    tok = SequenceTokenizer("word", max_vocab=5)
    assert tok.get_params() == {"analyzer": "word", "max_vocab": 5}
    with pytest.raises(NotFittedError):
        tok.transform(TEXTS)
    assert tok.fit(TEXTS) is tok
    np.testing.assert_array_equal(clone(tok).fit_transform(TEXTS), tok.transform(TEXTS))
    assert clone(tok).get_params() == tok.get_params() and not hasattr(clone(tok), "vocab_size_")
    loaded = pickle.loads(pickle.dumps(tok))
    np.testing.assert_array_equal(loaded.transform(TEXTS), tok.transform(TEXTS))
    with pytest.raises(InvalidParameterError, match="analyzer"):
        SequenceTokenizer("bytes").fit(TEXTS)
    with pytest.raises(InvalidParameterError, match="max_vocab"):
        SequenceTokenizer(max_vocab=0).fit(TEXTS)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros((3, 4)), "holds numeric sequences"),
        ([1.0, 2.0], "holds one value per sample"),
        (["ab", ""], r"X\[1\] is an empty sequence"),
        ("abc", "single string"),
    ],
)
def test_bad_input_is_an_error_and_leaves_the_fit(X, match):
    tok = SequenceTokenizer().fit(TEXTS)
    before = dict(tok.vocabulary_)
    with pytest.raises(ValueError, match=match):
        tok.fit(X)
    assert tok.vocabulary_ == before


def test_word_analyzer_can_leave_a_text_without_tokens():
    tok = SequenceTokenizer("word").fit(TEXTS)
    with pytest.raises(ValueError, match=r"X\[1\] is an empty sequence \(no tokens\)"):
        tok.transform(["good film", "!"])


def test_inverse_transform_refuses_foreign_ids():
    tok = SequenceTokenizer().fit(["ab"])
    with pytest.raises(ValueError, match=r"ids outside \[0, 4\)"):
        tok.inverse_transform(np.array([[2, 9]]))
    with pytest.raises(ValueError, match="2D integer array"):
        tok.inverse_transform(np.array([2.0, 3.0]))


def test_bundled_text_round_trips():
    text = load_text()[:2000]
    lines = [line for line in text.split("\n") if line]
    tok = SequenceTokenizer().fit(lines)
    back = ["".join(t) for t in tok.inverse_transform(tok.transform(lines))]
    assert back == lines
