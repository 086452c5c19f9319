"""Seq2SeqTransformer: kinds of sequences, learning, decoding, scikit-learn integration."""

import math
import pickle
import warnings

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skrnn import Seq2SeqTransformer, sktime_to_sequences
from skrnn._input.vocab import EOS, SOS

FAST = {**FAST, "epochs": 2}
WORDS = ["abc", "ba", "cab", "ca", "b", "acca"] * 4


# small nets on a small shared machine: one intra-op thread is much faster
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def reversed_words():
    return WORDS, [w[::-1] for w in WORDS]


def addition(pairs):
    """Reversed operands in, reversed sum out: the least significant digit comes first."""
    return [f"{a}+{b}"[::-1] for a, b in pairs], [str(a + b)[::-1] for a, b in pairs]


def test_learns_to_add_two_digit_numbers():
    """A small learn-to-add: 2000 sums of operands below 100, 400 held-out sums."""
    rng = np.random.RandomState(0)
    pairs = [(a, b) for a in range(100) for b in range(100)]
    order = rng.permutation(len(pairs))
    X, Y = addition([pairs[i] for i in order[:2000]])
    X_test, Y_test = addition([pairs[i] for i in order[2000:2400]])
    model = Seq2SeqTransformer(
        cell="gru", units=64, attention="dot", epochs=15, lr=0.01, random_state=0
    )
    model.fit(X, Y)
    accuracy = np.mean(model.predict(X_test) == np.array(Y_test, dtype=object))
    # guessing a 1-3 digit sum exactly succeeds far below 1% of the time
    assert accuracy > 0.6


def test_text_in_text_out():
    X, Y = reversed_words()
    est = Seq2SeqTransformer(**FAST).fit(X, Y)
    pred = est.predict(["abc", "a"])
    assert pred.dtype == object and pred.shape == (2,)
    assert all(isinstance(p, str) and set(p) <= set("abc") for p in pred)
    assert est.input_kind_ == est.output_kind_ == "text"
    assert est.supervised_
    assert est.input_vocabulary_.tokens_ == ["a", "b", "c"]


def test_unknown_characters_at_predict_are_named():
    est = Seq2SeqTransformer(**FAST).fit(*reversed_words())
    with pytest.raises(ValueError, match=r"characters not seen in fit: \['x'\]"):
        est.predict(["abx", "z"])


def test_integer_tokens_in_and_out():
    X = [[5, 6, 7], [7, 5], [6], [5, 5, 6, 7]] * 4
    Y = [[10 + v for v in x[::-1]] for x in X]
    est = Seq2SeqTransformer(**FAST).fit(X, Y)
    pred = est.predict([[5, 6], [7]])
    assert isinstance(pred, list) and len(pred) == 2
    assert all(isinstance(p, list) and set(p) <= {15, 16, 17} for p in pred)
    with pytest.raises(ValueError, match=r"tokens not seen in fit: \[9\]"):
        est.predict([[5, 9]])


def test_predicted_token_output_is_bounded_by_max_output_length():
    X, Y = reversed_words()
    est = Seq2SeqTransformer(max_output_length=2, **FAST).fit(X, Y)
    assert est.max_output_length_ == 2
    for decoding in ("greedy", "beam"):
        assert all(len(p) <= 2 for p in est.set_params(decoding=decoding).predict(X))
    inferred = Seq2SeqTransformer(**FAST).fit(X, Y)
    assert inferred.max_output_length_ == 4 + 2  # longest target + max(2, 20%)


def test_beam_search_in_predict_differs_from_greedy_and_finds_the_likelier_output():
    """A hand-set decoder where the locally best first token leads to a worse sequence."""
    est = Seq2SeqTransformer(**FAST).fit(["x", "y"] * 8, ["a", "b"] * 8)
    a, b = (est.output_vocabulary_.index_[t] for t in "ab")
    table = torch.full((5, 5), -30.0)
    table[SOS, [a, b, EOS]] = torch.log(torch.tensor([0.6, 0.39, 0.01]))
    table[a, [a, b, EOS]] = torch.log(torch.tensor([0.33, 0.33, 0.34]))
    table[b, [a, b, EOS]] = torch.log(torch.tensor([0.05, 0.05, 0.9]))
    est.module_.decoder.step = lambda inp, state: (table[inp], state)
    # P("a") = 0.6 * 0.34 = 0.204 < P("b") = 0.39 * 0.9 = 0.351
    assert est.set_params(decoding="greedy").predict(["x", "y"]).tolist() == ["a", "a"]
    assert est.set_params(decoding="beam", beam_width=2).predict(["x"]).tolist() == ["b"]
    assert est.set_params(decoding="beam", beam_width=1).predict(["x"]).tolist() == ["a"]


def test_beam_width_one_predicts_like_greedy():
    X, Y = reversed_words()
    est = Seq2SeqTransformer(attention="additive", **FAST).fit(X, Y)
    greedy = est.set_params(decoding="greedy").predict(X)
    np.testing.assert_array_equal(est.set_params(decoding="beam", beam_width=1).predict(X), greedy)


def test_prediction_does_not_depend_on_batch_mates():
    X, Y = reversed_words()
    est = Seq2SeqTransformer(attention="dot", bidirectional=True, **FAST).fit(X, Y)
    for method in ("predict", "transform"):
        alone = getattr(est, method)(["ab"])
        with_longer = getattr(est, method)(["ab", "acbacbacbacb"])[:1]
        if method == "predict":
            np.testing.assert_array_equal(alone, with_longer)
        else:
            np.testing.assert_allclose(alone, with_longer, rtol=1e-5, atol=1e-6)


def test_numeric_sequences_multi_step_forecast():
    """Continue noisy sine waves: 4 future steps (2 features) from 12 past steps."""
    rng = np.random.RandomState(0)
    phase = rng.uniform(0, 2 * np.pi, 96)
    t = np.arange(16)
    waves = np.sin(phase[:, None] + 0.5 * t)
    series = np.stack([waves, 0.5 * waves], axis=2) + 0.05 * rng.randn(96, 16, 2)
    X, Y = series[:, :12], series[:, 12:]
    est = Seq2SeqTransformer(units=16, epochs=40, lr=0.01, random_state=0).fit(X[:64], Y[:64])
    pred = est.predict(X[64:])
    assert pred.shape == (32, 4, 2) and pred.dtype == np.float64
    assert est.output_shape_ == (4, 2)
    mse = np.mean((pred - Y[64:]) ** 2)
    mse_mean = np.mean((Y[:64].mean(axis=0) - Y[64:]) ** 2)
    assert mse < 0.25 * mse_mean  # far better than the mean of the training targets
    # 2D targets are univariate and come back 2D; max_output_length sets the horizon
    est2 = Seq2SeqTransformer(max_output_length=6, **FAST).fit(X[:, :, 0], Y[:, :, 0])
    assert est2.predict(X[:3, :, 0]).shape == (3, 6)


def test_numeric_input_token_output_and_back():
    rng = np.random.RandomState(0)
    X = rng.rand(16, 5, 2)
    tokens = [[1, 2] if x.mean() > 0.5 else [3] for x in X]
    est = Seq2SeqTransformer(**FAST).fit(X, tokens)
    assert est.supervised_ and est.output_kind_ == "int"
    assert len(est.predict(X[:2])) == 2
    to_numeric = Seq2SeqTransformer(**FAST).fit(WORDS[:16], rng.rand(16, 3))
    assert to_numeric.predict(["ab"]).shape == (1, 3)


@pytest.mark.parametrize("bidirectional, dim", [(False, 8), (True, 16)])
def test_transform_gives_fixed_length_embeddings(bidirectional, dim):
    X, Y = reversed_words()
    est = Seq2SeqTransformer(bidirectional=bidirectional, num_layers=2, **FAST)
    E = est.fit(X, Y).transform(["a", "abcabcabc", "cb"])
    assert E.shape == (3, dim) and E.dtype == np.float64
    assert est.embedding_dim_ == dim
    assert list(est.get_feature_names_out()) == [f"seq2seqtransformer{i}" for i in range(dim)]


def test_bidirectional_encoder_is_a_deprecated_name_of_bidirectional():
    X, Y = reversed_words()
    with pytest.warns(FutureWarning, match="bidirectional=True"):
        old = Seq2SeqTransformer(bidirectional_encoder=True, **FAST).fit(X, Y)
    new = Seq2SeqTransformer(bidirectional=True, **FAST).fit(X, Y)
    assert old.embedding_dim_ == new.embedding_dim_ == 16
    np.testing.assert_array_equal(old.transform(X), new.transform(X))
    with pytest.raises(ValueError, match="bidirectional_encoder"):
        Seq2SeqTransformer(bidirectional_encoder="yes").fit(X, Y)


def test_fit_without_Y_is_an_autoencoder():
    X = np.random.RandomState(0).rand(32, 6, 2)
    est = Seq2SeqTransformer(**FAST).fit(X)
    assert not est.supervised_
    assert est.predict(X[:3]).shape == (3, 6, 2)
    assert est.transform(X[:3]).shape == (3, 8)
    # a trained autoencoder reconstructs better than an untrained one (without target
    # scaling, which alone makes an untrained net predict the mean)
    kw = dict(units=16, random_state=0, scale_target=False)
    trained = Seq2SeqTransformer(epochs=30, lr=0.01, **kw).fit(X)
    untrained = Seq2SeqTransformer(epochs=1, lr=1e-6, **kw).fit(X)
    err = [np.mean((m.predict(X) - X) ** 2) for m in (trained, untrained)]
    assert err[0] < 0.5 * err[1]


def test_refit_on_another_kind_forgets_the_previous_fit():
    est = Seq2SeqTransformer(**FAST).fit(np.zeros((8, 5, 2)))
    est.fit(WORDS)
    assert est.input_kind_ == "text" and not hasattr(est, "n_features_in_")
    assert est.transform(["ab"]).shape == (1, 8)
    est.fit(np.zeros((8, 3, 1)))
    assert est.input_vocabulary_ is None and est.input_shape_ == (3, 1)


def test_text_autoencoder():
    est = Seq2SeqTransformer(**FAST).fit(WORDS)
    assert not est.supervised_ and est.output_kind_ == "text"
    assert est.predict(["ab"]).shape == (1,)


def test_one_label_per_sample_is_an_error_naming_the_switch():
    """A Pipeline passes class labels as Y: by default Y holds target sequences, so one
    number per sample is refused with the fix; autoencoder=True ignores Y."""
    X = np.random.RandomState(0).rand(16, 5, 1)
    y = np.array([0, 1] * 8)
    with pytest.raises(ValueError, match="set autoencoder=True"):
        Seq2SeqTransformer(**FAST).fit(X, y)
    est = Seq2SeqTransformer(autoencoder=True, **FAST).fit(X, y)
    assert not est.supervised_
    np.testing.assert_array_equal(est.transform(X), Seq2SeqTransformer(**FAST).fit(X).transform(X))


def test_autoencoder_switch_is_explicit():
    """autoencoder=True ignores Y (labels or sequences) silently; False (the default)
    reads Y: strings beside numeric X are target texts, not labels."""
    X = np.random.RandomState(0).rand(16, 5, 1)
    labels = np.array(["up", "down"] * 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explicit = Seq2SeqTransformer(autoencoder=True, **FAST).fit(X, labels)
        sequences = Seq2SeqTransformer(autoencoder=True, **FAST).fit(X, X[:, ::-1])
        texts = Seq2SeqTransformer(**FAST).fit(X, labels)
    assert not explicit.supervised_ and not sequences.supervised_
    np.testing.assert_array_equal(sequences.transform(X), explicit.transform(X))
    assert texts.supervised_ and texts.output_kind_ == "text"
    assert Seq2SeqTransformer().autoencoder is False
    with pytest.raises(ValueError, match="autoencoder"):
        Seq2SeqTransformer(autoencoder="yes").fit(X)


def test_autoencoder_auto_is_deprecated_and_keeps_its_guess_until_removed():
    X = np.random.RandomState(0).rand(16, 5, 1)
    y = np.array([0, 1] * 8)
    with (
        pytest.warns(FutureWarning, match="autoencoder='auto' is deprecated"),
        pytest.warns(UserWarning, match="Y holds one scalar per sample"),
    ):
        guessed = Seq2SeqTransformer(autoencoder="auto", **FAST).fit(X, y)
    assert not guessed.supervised_
    explicit = Seq2SeqTransformer(autoencoder=True, **FAST).fit(X, y)
    np.testing.assert_array_equal(guessed.transform(X), explicit.transform(X))
    with pytest.warns(FutureWarning, match="autoencoder='auto'"):
        sequences = Seq2SeqTransformer(autoencoder="auto", **FAST).fit(X, X[:, ::-1])
    assert sequences.supervised_


@pytest.fixture(scope="module")
def italy_power():
    from sktime.datasets import load_italy_power_demand

    X, y = load_italy_power_demand(split="train", return_type="numpy3D")
    X_test, y_test = load_italy_power_demand(split="test", return_type="numpy3D")
    return sktime_to_sequences(X), y, sktime_to_sequences(X_test[:300]), y_test[:300]


def test_pipeline_embeddings_feed_logistic_regression(italy_power):
    X, y, X_test, y_test = italy_power
    embed = Seq2SeqTransformer(
        units=8, epochs=50, batch_size=8, lr=0.01, random_state=0, autoencoder=True
    )
    pipe = Pipeline([("embed", embed), ("clf", LogisticRegression(max_iter=1000))])
    accuracy = pipe.fit(X, y).score(X_test, y_test)
    assert not pipe.named_steps["embed"].supervised_  # the labels trained no decoder
    majority = max(np.mean(y_test == c) for c in np.unique(y_test))
    assert accuracy > majority + 0.15


def test_pipeline_grid_search(italy_power):
    X, y, _, _ = italy_power
    pipe = Pipeline(
        [
            ("embed", Seq2SeqTransformer(epochs=3, lr=0.01, random_state=0, autoencoder=True)),
            ("clf", LogisticRegression()),
        ]
    )
    search = GridSearchCV(pipe, {"embed__units": [4, 8], "clf__C": [0.1, 10.0]}, cv=2)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_.named_steps["embed"]
    assert best.units == search.best_params_["embed__units"]
    assert best.transform(X).shape == (len(X), best.units)


def test_clone_pickle_and_random_state():
    X, Y = reversed_words()
    est = Seq2SeqTransformer(
        attention="additive", teacher_forcing=0.5, dropout=0.1, lr=0.01, **FAST
    )  # lr: learns in 2 epochs
    est.fit(X, Y)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params() and not hasattr(cloned, "net_")
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    again = clone(est).fit(X, Y)
    np.testing.assert_array_equal(again.transform(X), est.transform(X))
    assert again.history_[:, "train_loss"] == est.history_[:, "train_loss"]
    other = clone(est).set_params(random_state=1).fit(X, Y)
    assert not np.allclose(other.transform(X), est.transform(X))


def test_fit_leaves_global_torch_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Seq2SeqTransformer(**FAST).fit(*reversed_words())
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("attention", [None, "additive", "dot"])
def test_cells_and_attention(cell, attention):
    est = Seq2SeqTransformer(cell=cell, attention=attention, **FAST).fit(*reversed_words())
    assert len(est.history_) == 2 and all(math.isfinite(h["train_loss"]) for h in est.history_)
    assert type(est.module_.encoder.rnn).__name__ == cell.upper()


def test_callbacks_and_verbose(capsys):
    from skorch.callbacks import Callback

    class Count(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    cb = Count().initialize()
    est = Seq2SeqTransformer(callbacks=[("count", cb)], verbose=1, **FAST).fit(WORDS)
    assert dict(est.net_.callbacks_)["count"].epochs == 2 and cb.epochs == 0  # a copy ran
    assert "train_loss" in capsys.readouterr().out


# -- bad input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "X, Y, match",
    [
        ([np.zeros((3, 1)), np.zeros((2, 1))], None, "ragged"),
        (np.zeros((4, 5, 1)), [np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2)], "ragged"),
        (["ab", ""], None, "empty sequence"),
        ([], None, "X is empty"),
        (["ab", "cd"], ["a", ""], "empty sequence"),
        ([[1, 2], []], None, "empty sequence"),
        (np.zeros((4, 0, 2)), None, "0 time steps"),
        (np.zeros((4, 5, 1)), np.zeros((4, 0)), "0 feature"),
        (np.zeros((4, 5, 1)), np.zeros((4, 3, 2, 1)), "t_out, f_out >= 1"),
        (["ab", "cd", "e"], ["a", "b"], "X has 3 sequences but Y has 2"),
        (np.zeros((4, 5, 1)), np.zeros((3, 2, 1)), "X has 4 sequences but Y has 3"),
        (np.zeros((4, 5, 1)), np.zeros(3), "X has 4 sequences but Y has 3 values"),
        (np.full((4, 5, 1), np.nan), None, "Input X contains NaN"),
        (np.zeros((4, 5, 1)), np.full((4, 2), np.nan), "Input Y contains NaN"),
        ("abc", None, "single string"),
        (None, None, "X is None"),
        (["ab", 3], None, "mixes strings"),
    ],
)
def test_bad_input_is_a_clear_error(X, Y, match):
    with pytest.raises(ValueError, match=match):
        Seq2SeqTransformer(**FAST).fit(X, Y)


def test_bad_input_at_predict():
    est = Seq2SeqTransformer(**FAST).fit(np.zeros((4, 5, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="fitted on numeric sequences"):
        est.predict(["ab"])
    with pytest.raises(ValueError, match="fitted on sequences of 5 time steps"):
        est.predict(np.zeros((2, 6, 2)))
    with pytest.raises(ValueError, match="2 features per time step"):
        est.transform(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(np.full((2, 5, 2), np.nan))
    with pytest.raises(NotFittedError):
        Seq2SeqTransformer().predict(np.zeros((2, 5, 2)))


def test_invalid_parameters_are_reported_at_fit():
    for params in ({"attention": "multihead"}, {"decoding": "sample"}, {"teacher_forcing": 1.5}):
        with pytest.raises(ValueError, match=next(iter(params))):
            Seq2SeqTransformer(**params).fit(WORDS)


def test_other_array_likes_are_read_as_their_array():
    """An object that only has ``__array__`` (neither NumPy, pandas nor a list) is the
    array it converts to, for X and for the autoencoder's targets alike."""

    class ArrayLike:
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a

    X = np.random.RandomState(0).rand(16, 5, 1)
    wrapped = Seq2SeqTransformer(**FAST).fit(ArrayLike(X))
    plain = Seq2SeqTransformer(**FAST).fit(X)
    assert wrapped.input_kind_ == wrapped.output_kind_ == "numeric"
    np.testing.assert_array_equal(wrapped.transform(ArrayLike(X)), plain.transform(X))
