"""Seq2SeqTransformer trains through the one fit of every network estimator
(``BaseNetEstimator``): ``init``, ``warm_start``, ``partial_fit``, ``early_stopping``,
``sample_weight`` and transactional continued training, as the RNN estimators."""

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from skrnn import RNNRegressor, Seq2SeqTransformer
from skrnn.neural_network._base import TRAINING_CONSTRAINTS, BaseNetEstimator

FAST = {**FAST, "epochs": 2}
WORDS = ["abc", "ba", "cab", "ca", "b", "acca"] * 4
REVERSED = [w[::-1] for w in WORDS]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _weights(est):
    return [p.detach().clone() for p in est.module_.parameters()]


def test_both_families_share_one_base_and_its_parameters():
    for Est in (RNNRegressor, Seq2SeqTransformer):
        assert issubclass(Est, BaseNetEstimator)
        assert set(TRAINING_CONSTRAINTS) <= set(Est().get_params())
    assert Seq2SeqTransformer().init == RNNRegressor().init == "keras"


def test_keras_initialisation_by_default():
    """The LSTM forget-gate bias starts at 1 (Keras' ``unit_forget_bias``); with
    ``init="torch"`` it is drawn around 0. A tiny learning rate keeps the start."""
    kw = dict(FAST, epochs=1, lr=1e-12, clip_grad_norm=None)
    keras = Seq2SeqTransformer(**kw).fit(WORDS, REVERSED)
    torch_ = Seq2SeqTransformer(init="torch", **kw).fit(WORDS, REVERSED)
    units = kw["units"]
    for est, expected in ((keras, 1.0), (torch_, None)):
        bias = est.module_.encoder.rnn.bias_ih_l0.detach()[units : 2 * units]
        if expected is None:
            assert bias.abs().max() < 1.0 / np.sqrt(units) + 1e-6
        else:
            np.testing.assert_allclose(bias.numpy(), expected, atol=1e-6)


def test_partial_fit_trains_one_epoch_per_call_and_continues():
    est = Seq2SeqTransformer(**FAST)
    est.partial_fit(WORDS, REVERSED)
    assert est.n_iter_ == 1
    first = _weights(est)
    est.partial_fit(WORDS, REVERSED)
    assert est.n_iter_ == 2 and len(est.history_) == 2
    assert any(not torch.equal(a, b) for a, b in zip(first, _weights(est), strict=True))
    # continued training reads new pairs through the vocabulary of the first call
    with pytest.raises(ValueError, match="z"):
        est.partial_fit(["abz"], ["zba"])
    assert est.n_iter_ == 2


def test_partial_fit_refuses_another_kind_of_targets_or_changed_parameters():
    est = Seq2SeqTransformer(**FAST).fit(WORDS, REVERSED)
    with pytest.raises(ValueError, match="autoencoder"):
        est.partial_fit(WORDS)
    numeric = Seq2SeqTransformer(**FAST).fit(np.zeros((8, 5, 2)), np.zeros((8, 3)))
    with pytest.raises(ValueError, match="shape"):
        numeric.partial_fit(np.zeros((8, 5, 2)), np.zeros((8, 4)))
    with pytest.raises(ValueError, match="units"):
        est.set_params(units=16).partial_fit(WORDS, REVERSED)
    # decoding is read by predict alone: changing it does not stop training
    est.set_params(units=FAST["units"], decoding="beam").partial_fit(WORDS, REVERSED)


def test_warm_start_continues_and_cold_start_restarts():
    est = Seq2SeqTransformer(warm_start=True, **FAST).fit(WORDS, REVERSED)
    est.fit(WORDS, REVERSED)
    assert est.n_iter_ == 2 * FAST["epochs"]
    loss = est.loss_curve_
    assert loss[-1] < loss[0]
    est.set_params(warm_start=False).fit(WORDS, REVERSED)
    assert est.n_iter_ == FAST["epochs"]


def test_continued_training_is_reproducible():
    a = Seq2SeqTransformer(**FAST).fit(WORDS, REVERSED).partial_fit(WORDS, REVERSED)
    b = Seq2SeqTransformer(**FAST).fit(WORDS, REVERSED).partial_fit(WORDS, REVERSED)
    assert all(torch.equal(p, q) for p, q in zip(_weights(a), _weights(b), strict=True))


@pytest.mark.parametrize("numeric", [False, True])
def test_early_stopping_stops_on_the_validation_score(numeric):
    if numeric:
        rng = np.random.RandomState(0)
        X, Y = rng.rand(40, 6, 1), rng.rand(40, 3)  # noise: nothing to learn
    else:
        X, Y = WORDS, REVERSED
    # sequences train 1000 optimizer steps before the convergence rule may stop them:
    # batches of one pair reach them within the 50 epochs
    params = {**FAST, "epochs": 50, "batch_size": 1}
    est = Seq2SeqTransformer(early_stopping=True, n_iter_no_change=2, tol=0.5, **params)
    if numeric:  # noise: the training loss ends no better than it began, and says so
        with pytest.warns(ConvergenceWarning, match="the model has not learned"):
            est.fit(X, Y)
    else:
        est.fit(X, Y)
    assert est.n_iter_ < 50  # no epoch improves the validation score by 0.5
    assert "valid_loss" in est.history_[-1]
    scores = est.validation_scores_
    assert len(scores) == est.n_iter_ and all(np.isfinite(scores))
    assert Seq2SeqTransformer(**FAST).fit(X, Y).validation_scores_ is None
    if not numeric:
        assert all(0.0 <= s <= 1.0 for s in scores)  # per-token accuracy


def test_early_stopping_needs_two_pairs():
    with pytest.raises(ValueError, match="at least 2 samples"):
        Seq2SeqTransformer(early_stopping=True, **FAST).fit(["ab"], ["ba"])


def test_sample_weight_decides_between_conflicting_targets():
    """Each input appears with two targets; the weights say which one counts."""
    X = ["ab", "ba"] * 16
    Y_first, Y_second = ["x", "y"] * 16, ["y", "x"] * 16
    w = np.r_[np.ones(32), np.zeros(32)]
    kw = dict(units=16, epochs=40, lr=0.02, random_state=0)
    first = Seq2SeqTransformer(**kw).fit(X + X, Y_first + Y_second, sample_weight=w)
    second = Seq2SeqTransformer(**kw).fit(X + X, Y_first + Y_second, sample_weight=w[::-1])
    assert list(first.predict(["ab", "ba"])) == ["x", "y"]
    assert list(second.predict(["ab", "ba"])) == ["y", "x"]


def test_sample_weight_standardises_numeric_targets_by_weight():
    rng = np.random.RandomState(0)
    X, Y = rng.rand(16, 4, 1), rng.rand(16, 2) * 10
    w = np.arange(1.0, 17.0)
    est = Seq2SeqTransformer(**FAST).fit(X, Y, sample_weight=w)
    # one output feature, standardised over all samples and steps, each sample by weight
    expected = np.average(Y.mean(axis=1), weights=w)
    np.testing.assert_allclose(est.target_mean_, [expected], rtol=1e-6)
    with pytest.raises(ValueError, match="sample_weight"):
        Seq2SeqTransformer(**FAST).fit(X, Y, sample_weight=np.ones(3))


def test_failed_partial_fit_restores_bit_identical_predictions():
    est = Seq2SeqTransformer(**FAST).fit(WORDS, REVERSED)
    before_pred, before_emb = est.predict(WORDS), est.transform(WORDS)
    n_iter, history = est.n_iter_, len(est.history_)

    class Boom(Callback):  # fails after the epoch has changed the weights
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    est.net_.callbacks_.append(("boom", Boom()))
    with pytest.raises(RuntimeError, match="boom"):
        est.partial_fit(WORDS, REVERSED)
    est.net_.callbacks_.pop()
    assert est.n_iter_ == n_iter and len(est.history_) == history
    np.testing.assert_array_equal(est.predict(WORDS), before_pred)
    np.testing.assert_array_equal(est.transform(WORDS), before_emb)  # bit for bit
    # and training goes on from the restored state as from the original
    again = est.partial_fit(WORDS, REVERSED)
    clean = Seq2SeqTransformer(**FAST).fit(WORDS, REVERSED).partial_fit(WORDS, REVERSED)
    np.testing.assert_array_equal(again.transform(WORDS), clean.transform(WORDS))
