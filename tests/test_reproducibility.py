"""Seeding without global state: per-fit generators for weights, shuffling, dropout and
teacher forcing, so that fits in threads and processes equal the serial fit."""

import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from joblib import Parallel, delayed, parallel_backend
from sklearn.base import clone

from skrnn import RNNClassifier, RNNRegressor, Seq2SeqTransformer
from skrnn._torch.init import SCHEMES, init_parameters
from skrnn._torch.random import make_generator, use_generator
from skrnn._torch.rnn import Dropout, RNNModule, StackedRNN, make_rnn

rng = np.random.RandomState(0)
X = rng.randn(40, 6, 2).astype(np.float32)
Y_REG = X.sum(axis=(1, 2))
Y_CLF = np.where(Y_REG > 0, "up", "down")
WORDS = ["abc", "ba", "cab", "ca", "b", "acca"] * 4

# dropout between two layers and before the head: every source of randomness is used
# (lr=0.01: the 3 epochs learn, so no ConvergenceWarning)
RANDOM = dict(units=6, num_layers=2, dropout=0.3, epochs=3, batch_size=8, lr=0.01, random_state=7)


def _fit_predict(est, X, y):
    est = clone(est).fit(X, y)
    out = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
    if isinstance(est, Seq2SeqTransformer):
        out = est.transform(X)
    return np.asarray(out)


CASES = [
    (RNNRegressor(**RANDOM), X, Y_REG),
    (RNNClassifier(bidirectional=True, **RANDOM), X, Y_CLF),
    (
        Seq2SeqTransformer(
            units=6,
            num_layers=2,
            dropout=0.3,
            teacher_forcing=0.5,
            epochs=2,
            lr=0.01,
            random_state=3,
        ),
        WORDS,
        [w[::-1] for w in WORDS],
    ),
]


@pytest.mark.parametrize("est, X, y", CASES, ids=["regressor", "classifier", "seq2seq"])
def test_fits_in_threads_equal_the_serial_fit(est, X, y):
    serial = _fit_predict(est, X, y)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: _fit_predict(est, X, y), range(4)))
    for out in results:
        np.testing.assert_array_equal(out, serial)
    with parallel_backend("threading", n_jobs=3):
        results = Parallel()(delayed(_fit_predict)(est, X, y) for _ in range(3))
    for out in results:
        np.testing.assert_array_equal(out, serial)


def test_fits_in_processes_equal_the_serial_fit():
    est, X, y = CASES[0]
    serial = _fit_predict(est, X, y)
    for out in Parallel(n_jobs=2)(delayed(_fit_predict)(est, X, y) for _ in range(2)):
        np.testing.assert_array_equal(out, serial)


def test_fitted_estimator_pickles_and_deep_copies_without_generators():
    est = clone(CASES[0][0]).fit(X, Y_REG)
    assert not any(isinstance(v, torch.Generator) for v in vars(est).values())
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    # continued training of the copy is that of the original: the seed is kept
    a = clone(est).set_params(warm_start=True, epochs=1).fit(X, Y_REG)
    b = clone(est).set_params(warm_start=True, epochs=1).fit(X, Y_REG)
    a.partial_fit(X, Y_REG)
    b.partial_fit(X, Y_REG)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


# -- init_parameters -----------------------------------------------------------------------
def _params(module):
    return [p.detach().clone() for p in module.parameters()]


def test_init_parameters_is_a_function_of_the_generator_only():
    def build():
        return RNNModule(n_features=4, n_outputs=3, units=5, num_layers=2, vocab_size=9)

    torch.manual_seed(0)
    a = _params(init_parameters(build(), make_generator(1)))
    torch.manual_seed(99)  # the global RNG plays no part
    b = _params(init_parameters(build(), make_generator(1)))
    c = _params(init_parameters(build(), make_generator(2)))
    assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))
    assert not any(torch.equal(p, q) for p, q in zip(a, c, strict=True))


def test_init_parameters_draws_pytorchs_default_distributions():
    module = RNNModule(n_features=4, n_outputs=3, units=16, vocab_size=50, return_sequences=True)
    init_parameters(module, make_generator(0))
    bound = 1 / math.sqrt(16)
    for p in module.rnn.parameters():  # uniform(-1/sqrt(units), 1/sqrt(units))
        assert p.abs().max() <= bound and p.abs().max() > 0.9 * bound
    head = module.head  # Kaiming-uniform(a=sqrt(5)) = uniform(+-1/sqrt(fan_in))
    assert head.weight.abs().max() <= 1 / math.sqrt(16)
    emb = module.embedding.weight  # standard normal, the padding row zero
    assert torch.equal(emb[0], torch.zeros(4))
    assert 0.7 < float(emb[1:].detach().std()) < 1.3


def test_init_parameters_unknown_scheme_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown initialisation scheme 'nope'"):
        init_parameters(torch.nn.Linear(2, 2), make_generator(0), scheme="nope")
    assert "torch" in SCHEMES


# -- generator-driven dropout -----------------------------------------------------------
def test_dropout_draws_from_the_fit_generator():
    drop = Dropout(0.5).train()
    x = torch.ones(64, 8)
    with use_generator(make_generator(0)):
        a = drop(x)
    torch.manual_seed(5)
    with use_generator(make_generator(0)):
        b = drop(x)
    assert torch.equal(a, b)
    assert set(a.unique().tolist()) == {0.0, 2.0}
    assert torch.equal(drop.eval()(x), x)


def test_stacked_rnn_without_dropout_computes_the_fused_rnn():
    fused = make_rnn("lstm", 3, 4, num_layers=2, bidirectional=True)
    stacked = StackedRNN("lstm", 3, 4, num_layers=2, bidirectional=True, dropout=0.5)
    for i, layer in enumerate(stacked.layers):
        for name, p in layer.named_parameters():
            p.data.copy_(getattr(fused, name.replace("_l0", f"_l{i}")))
    stacked.eval()  # no dropout: the same computation
    x = torch.randn(5, 7, 3)
    out_f, (h_f, c_f) = fused(x)
    out_s, (h_s, c_s) = stacked(x)
    torch.testing.assert_close(out_s, out_f)
    torch.testing.assert_close(h_s, h_f)
    torch.testing.assert_close(c_s, c_f)
