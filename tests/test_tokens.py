"""Token input: strings and integer ids through an embedding layer (issue 6)."""

import pickle

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skrnn import RNNClassifier, RNNRegressor
from skrnn._vocab import UNK

FAST = {**FAST, "embedding_dim": 4, "batch_size": 8}

POSITIVE = ["good", "great", "fine", "nice"]
NEGATIVE = ["bad", "awful", "poor", "sad"]
NEUTRAL = ["the", "movie", "was", "plot", "and", "actors", "really", "quite"]


def _reviews(n=80, seed=0):
    """Short 'reviews': neutral words plus one opinion word whose polarity is the label."""
    rng = np.random.RandomState(seed)
    texts, labels = [], []
    for i in range(n):
        label = "pos" if i % 2 else "neg"
        words = list(rng.choice(NEUTRAL, size=rng.randint(2, 7)))
        opinion = rng.choice(POSITIVE if label == "pos" else NEGATIVE)
        words.insert(rng.randint(len(words) + 1), opinion)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, np.array(labels)


def test_word_level_sentiment_is_learned():
    X, y = _reviews()
    clf = RNNClassifier(
        units=16, embedding_dim=8, tokenizer="word", epochs=30, lr=0.02, random_state=0
    )
    clf.fit(X, y)
    X_test, y_test = _reviews(40, seed=1)
    assert clf.score(X_test, y_test) > 0.9
    assert set(clf.vocabulary_) == set(POSITIVE + NEGATIVE + NEUTRAL)
    assert clf.vocab_size_ == 2 + len(clf.vocabulary_)  # padding and unknown first
    assert not hasattr(clf, "n_features_in_")


def test_unknown_words_map_to_unknown_token():
    X, y = _reviews()
    clf = RNNClassifier(tokenizer="word", **FAST).fit(X, y)
    proba = clf.predict_proba(["the zebra was xylophone good"])
    assert proba.shape == (1, 2)
    ids, _ = clf._validate_X(["zebra xylophone"], reset=False)
    assert ids.tolist() == [[UNK, UNK]]


def test_max_vocab_keeps_most_frequent_tokens():
    X = ["aaab", "aac", "ad"]
    reg = RNNRegressor(max_vocab=2, **FAST).fit(X, [1.0, 2.0, 3.0])
    # "a" is the most frequent; b, c and d tie and the first in sorted order wins
    assert sorted(reg.vocabulary_) == ["a", "b"]
    ids, _ = reg._validate_X(["dab"], reset=False)
    assert ids.tolist() == [[UNK, reg.vocabulary_["a"], reg.vocabulary_["b"]]]


def test_char_level_strings_and_pretokenized_lists():
    X = ["abc", "ab", "cab", "ba"]
    reg = RNNRegressor(**FAST).fit(X, [3.0, 2.0, 3.0, 2.0])
    assert sorted(reg.vocabulary_) == ["a", "b", "c"]
    tokens = [list(s) for s in X]
    np.testing.assert_array_equal(reg.predict(tokens), reg.predict(X))


def test_token_padding_invariance():
    X, y = _reviews()
    clf = RNNClassifier(tokenizer="word", **FAST).fit(X, y)
    alone = clf.predict_proba(["bad movie"])
    batched = clf.predict_proba([" ".join(["the movie was quite"] * 10), "bad movie"])
    np.testing.assert_allclose(batched[1], alone[0], rtol=1e-5, atol=1e-6)


def test_integer_ids():
    rng = np.random.RandomState(0)
    X = [list(rng.randint(0, 10, size=rng.randint(2, 8))) for _ in range(40)]
    y = np.array([int(5 in s) for s in X])
    clf = RNNClassifier(**FAST).fit(X, y)
    # integer tokens are tokens like strings: mapped after padding (0) and unknown (1)
    assert clf.vocab_size_ == 12
    assert clf.vocabulary_ == {i: i + 2 for i in range(10)}
    assert clf.predict([[1, 2], [9]]).shape == (2,)
    # a 2D integer array holds fixed-length id sequences
    assert clf.predict(np.array([[1, 2], [9, 0]])).shape == (2,)


def test_integer_tokens_not_seen_in_fit_map_to_unknown():
    """Integer tokens follow the semantics of string tokens: ids not seen in fit (or
    beyond max_vocab's most frequent) share the unknown id; any integer is a token."""
    clf = RNNClassifier(**FAST).fit([[0, 1, 2], [3, 4]], ["a", "b"])
    ids, _ = clf._validate_X([[1], [2, 5]], reset=False)
    assert ids.tolist() == [[clf.vocabulary_[1], 0], [clf.vocabulary_[2], UNK]]
    np.testing.assert_array_equal(clf.predict_proba([[5]]), clf.predict_proba([[-7]]))
    clf = RNNClassifier(max_vocab=2, **FAST).fit([[0, 1, 1], [3, 3, -1]], ["a", "b"])
    assert clf.vocabulary_ == {1: 2, 3: 3}
    assert clf.predict([[100], [-1, 0]]).shape == (2,)


@pytest.mark.parametrize(
    "X, match",
    [
        (["abc", ""], r"X\[1\] is an empty sequence"),
        ([[1, 2], []], r"X\[1\] is an empty sequence"),
        (["abc", [1, 2]], "must hold token sequences"),
        ([[0.5, 1.0], [2.0]], "must hold token sequences"),
        ("abc", "single string"),
    ],
)
def test_bad_token_input(X, match):
    with pytest.raises(ValueError, match=match):
        RNNRegressor(**FAST).fit(X, np.ones(len(X)))


def test_strings_need_embedding_dim():
    with pytest.raises(ValueError, match="set embedding_dim"):
        RNNClassifier(units=4, epochs=1).fit(["ab", "cd"], [0, 1])


def test_word_tokenizer_can_leave_a_sequence_empty():
    with pytest.raises(ValueError, match=r"X\[1\] is an empty sequence \(no tokens\)"):
        RNNRegressor(tokenizer="word", **FAST).fit(["good film", "!"], [1.0, 0.0])


def test_predict_kind_must_match_fit():
    reg = RNNRegressor(**FAST).fit(["ab", "ba"], [1.0, 0.0])
    with pytest.raises(ValueError, match="fitted on strings"):
        reg.predict([[1, 2]])
    with pytest.raises(ValueError, match="only for padded numeric X"):
        reg.fit(["ab", "ba"], [1.0, 0.0], lengths=[2, 2])


def test_callable_tokenizer():
    reg = RNNRegressor(tokenizer=str.split, **FAST).fit(["A b", "b C"], [1.0, 0.0])
    assert sorted(reg.vocabulary_) == ["A", "C", "b"]


def test_tokens_through_gridsearch_clone_pickle():
    X, y = _reviews(48)
    clf = RNNClassifier(tokenizer="word", **FAST)
    grid = GridSearchCV(
        clf, {"embedding_dim": [2, 4], "pooling": ["last", "max"]}, cv=StratifiedKFold(3)
    )
    grid.fit(X, y)
    assert grid.best_params_["embedding_dim"] in (2, 4)
    fitted = clf.fit(X, y)
    assert clone(fitted).get_params() == fitted.get_params()
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_per_character_labels_with_tokens():
    rng = np.random.RandomState(0)
    words = ["".join(rng.choice(list("abcdeiou"), size=rng.randint(2, 8))) for _ in range(60)]
    labels = [["vowel" if c in "aeiou" else "consonant" for c in w] for w in words]
    clf = RNNClassifier(
        return_sequences=True, units=8, embedding_dim=4, epochs=30, lr=0.03, random_state=0
    )
    clf.fit(words, labels)
    pred = clf.predict(["abide", "cab"])
    assert [len(p) for p in pred] == [5, 3]
    assert clf.score(words, labels) > 0.95
