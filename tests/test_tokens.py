"""Token input: texts through SequenceTokenizer, then token ids through an embedding
layer (issues 6 and 24); the deprecated text input of the estimators."""

import pickle

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from skrnn import RNNClassifier, RNNRegressor, SequenceTokenizer
from skrnn._input.vocab import UNK

FAST = {**FAST, "embedding_dim": 4, "batch_size": 8}

POSITIVE = ["good", "great", "fine", "nice"]
NEGATIVE = ["bad", "awful", "poor", "sad"]
NEUTRAL = ["the", "movie", "was", "plot", "and", "actors", "really", "quite"]

#: the deprecated reading of texts by the estimators themselves
TEXT_DEPRECATED = pytest.warns(FutureWarning, match="Passing text or token lists")


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
    clf = RNNClassifier(units=16, embedding_dim=8, epochs=30, lr=0.02, random_state=0)
    model = make_pipeline(SequenceTokenizer("word"), clf).fit(X, y)
    X_test, y_test = _reviews(40, seed=1)
    assert model.score(X_test, y_test) > 0.9
    tok = model[0]
    assert set(tok.vocabulary_) == set(POSITIVE + NEGATIVE + NEUTRAL)
    assert clf.vocab_size_ == tok.vocab_size_ == 2 + len(tok.vocabulary_)
    assert not hasattr(clf, "n_features_in_") and not hasattr(clf, "vocabulary_")


def test_unknown_words_share_the_unknown_id():
    X, y = _reviews()
    model = make_pipeline(SequenceTokenizer("word"), RNNClassifier(**FAST)).fit(X, y)
    assert model[0].transform(["zebra xylophone"]).tolist() == [[UNK, UNK]]
    np.testing.assert_array_equal(
        model.predict_proba(["zebra good"]), model.predict_proba(["xylophone good"])
    )


def test_ids_are_read_as_given_with_lengths_from_their_padding():
    """A 2D integer array with embedding_dim: ids as they are, 0 padding after the
    tokens; predictions do not depend on how much padding follows."""
    rng = np.random.RandomState(0)
    lengths = rng.randint(1, 6, size=30)
    ids = np.zeros((30, 5), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.randint(2, 9, size=n)
    y = (ids == 5).any(axis=1).astype(int)
    clf = RNNClassifier(**FAST).fit(ids, y)
    assert clf.vocab_size_ == ids.max() + 1
    X, found = clf._validate_X(ids, reset=False)
    np.testing.assert_array_equal(found, lengths)
    wider = np.hstack([ids, np.zeros((30, 7), dtype=np.int64)])
    np.testing.assert_allclose(clf.predict_proba(wider), clf.predict_proba(ids), atol=1e-6)
    with pytest.raises(ValueError, match=r"token id 9, but RNNClassifier was fitted on ids below"):
        clf.predict(np.array([[9, 2]]))


@pytest.mark.parametrize(
    "ids, match",
    [
        (np.array([[2, 0, 3], [2, 3, 0]]), r"X\[0\] holds the padding id 0 before a token"),
        (np.array([[2, 3], [0, 0]]), r"X\[1\] holds only padding"),
        (np.array([[2, -3], [2, 3]]), "negative token ids"),
        (np.array([[2.0, 3.0], [2.0, 0.0]]), "must hold token ids: a 2D integer array"),
    ],
)
def test_bad_ids_name_the_padding_convention(ids, match):
    with pytest.raises(ValueError, match=match):
        RNNRegressor(**FAST).fit(ids, np.ones(len(ids)))


def test_ids_with_lengths_must_agree_with_the_padding():
    ids = np.array([[2, 3, 0], [4, 0, 0]])
    reg = RNNRegressor(**FAST).fit(ids, [1.0, 0.0], lengths=np.array([2, 1]))
    with pytest.raises(ValueError, match="lengths do not match the padding"):
        reg.fit(ids, [1.0, 0.0], lengths=np.array([3, 1]))


def test_padding_does_not_change_a_prediction():
    X, y = _reviews()
    model = make_pipeline(SequenceTokenizer("word"), RNNClassifier(**FAST)).fit(X, y)
    alone = model.predict_proba(["bad movie"])
    batched = model.predict_proba([" ".join(["the movie was quite"] * 10), "bad movie"])
    np.testing.assert_allclose(batched[1], alone[0], rtol=1e-5, atol=1e-6)


def test_strings_need_embedding_dim():
    with pytest.raises(ValueError, match="set embedding_dim"):
        RNNClassifier(units=4, epochs=1).fit(["ab", "cd"], [0, 1])


# about the search's plumbing: 3-epoch fits, some with max_vocab=5 (the opinion words
# unknown), are not judged on convergence
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipeline_through_gridsearch_clone_pickle():
    X, y = _reviews(48)
    model = make_pipeline(SequenceTokenizer("word"), RNNClassifier(**FAST))
    grid = GridSearchCV(
        model,
        {"rnnclassifier__embedding_dim": [2, 4], "sequencetokenizer__max_vocab": [None, 5]},
        cv=StratifiedKFold(3),
    )
    grid.fit(X, y)
    assert grid.best_params_["rnnclassifier__embedding_dim"] in (2, 4)
    fitted = model.fit(X, y)
    for step, copy in zip(fitted, clone(fitted), strict=True):
        assert copy.get_params() == step.get_params()
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_per_character_labels_with_tokens():
    rng = np.random.RandomState(0)
    words = ["".join(rng.choice(list("abcdeiou"), size=rng.randint(2, 8))) for _ in range(60)]
    labels = [["vowel" if c in "aeiou" else "consonant" for c in w] for w in words]
    clf = RNNClassifier(
        return_sequences=True, units=8, embedding_dim=4, epochs=30, lr=0.03, random_state=0
    )
    model = make_pipeline(SequenceTokenizer("char"), clf).fit(words, labels)
    pred = model.predict(["abide", "cab"])
    assert [len(p) for p in pred] == [5, 3]
    assert model.score(words, labels) > 0.95


# -- the deprecated text input of the estimators (removed in 0.3.0) ----------------------
@pytest.mark.parametrize("analyzer", ["char", "word", str.split])
def test_deprecated_text_input_equals_the_tokenizer_pipeline(analyzer):
    """Texts given to the estimator (FutureWarning) train the same model as the
    pipeline that replaces them: one vocabulary, the same ids."""
    X, y = _reviews(24)
    if analyzer == "char":  # the default: no parameter to set
        with TEXT_DEPRECATED:
            old = RNNClassifier(**FAST).fit(X, y)
    else:  # the parameter warns too
        with pytest.warns(FutureWarning, match="tokenizer is deprecated"), TEXT_DEPRECATED:
            old = RNNClassifier(**FAST, tokenizer=analyzer).fit(X, y)
    new = make_pipeline(SequenceTokenizer(analyzer), RNNClassifier(**FAST)).fit(X, y)
    assert old.vocabulary_ == new[0].vocabulary_
    np.testing.assert_allclose(old.predict_proba(X), new.predict_proba(X), atol=1e-6)


def test_deprecated_max_vocab_and_integer_token_lists():
    X = [[7, 1000, 7, 5, 5], [5, 3]]
    with pytest.warns(FutureWarning, match="max_vocab is deprecated"), TEXT_DEPRECATED:
        reg = RNNRegressor(max_vocab=2, **FAST).fit(X, [1.0, 2.0])
    assert reg.vocabulary_ == {5: 2, 7: 3}
    ids, _ = reg._validate_X([[5, 3, 7]], reset=False)
    assert ids.tolist() == [[2, UNK, 3]]
    tok = SequenceTokenizer(max_vocab=2).fit(X)
    assert tok.vocabulary_ == reg.vocabulary_


def test_deprecated_predict_kind_must_match_fit():
    with TEXT_DEPRECATED:
        reg = RNNRegressor(**FAST).fit(["ab", "ba"], [1.0, 0.0])
    with pytest.raises(ValueError, match="fitted on strings"):
        reg.predict([[1, 2]])
    with pytest.raises(ValueError, match="only for padded numeric X"):
        reg.fit(["ab", "ba"], [1.0, 0.0], lengths=[2, 2])


@pytest.mark.parametrize(
    "X, match",
    [
        (["abc", ""], r"X\[1\] is an empty sequence"),
        ([[1, 2], []], r"X\[1\] is an empty sequence"),
        (["abc", [1, 2]], "mixes strings and other values"),
        ([[0.5, 1.0], [2.0]], "numeric sequences of different lengths"),
        ("abc", "single string"),
    ],
)
def test_bad_token_input(X, match):
    with pytest.raises(ValueError, match=match):
        SequenceTokenizer().fit(X)
    with pytest.raises(ValueError, match=match):
        RNNRegressor(**FAST).fit(X, np.ones(len(X)))
