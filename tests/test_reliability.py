"""Issue 12: a failed fit never corrupts a fitted model, divergence is never silent,
resources are bounded, NumPy scalars work as hyperparameters, and the smaller defects."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from conftest import FAST
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from skrnn import (
    RNNClassifier,
    RNNRegressor,
    Seq2SeqTransformer,
    SequenceMinMaxScaler,
    SequenceTokenizer,
    SlidingWindowTransformer,
    generate_text,
)
from skrnn._training.health import TrainingDivergedError
from skrnn._training.transaction import fit_transaction
from skrnn.datasets import load_text

FAST = {**FAST, "units": 4, "epochs": 2, "batch_size": 8}
rng = np.random.RandomState(0)
X = rng.randn(24, 5, 2).astype(np.float32)
Y_REG = X.sum(axis=(1, 2))
Y_CLF = np.where(Y_REG > 0, "up", "down")
WORDS = ["abc", "ba", "cab", "ca", "b", "acca"] * 3


def _state(est):
    """Everything observable of a fitted estimator: its predictions and attributes."""
    if isinstance(est, SlidingWindowTransformer):
        out = est.transform(np.arange(30.0)[:, None] + 0.5)
    elif isinstance(est, Seq2SeqTransformer):
        out = est.transform(WORDS)
    elif isinstance(est, RNNClassifier):
        out = est.predict_proba(X)
    else:
        out = est.predict(X)
    attrs = {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")}
    return out, attrs


def _assert_unchanged(est, before):
    out, attrs = _state(est)
    np.testing.assert_array_equal(out, before[0])  # bit for bit
    assert attrs.keys() == before[1].keys()
    for k, v in attrs.items():
        if isinstance(v, (np.ndarray, str, int, float, tuple, bool, type(None))):
            np.testing.assert_array_equal(v, before[1][k])


# -- 1. a failed refit leaves the fitted estimator as it was ------------------------------
def test_failed_refit_keeps_classes_and_network():
    """The reproducer: a refit raising on one sample left classes_ of the new labels with
    the old network, and predict answered 'up' everywhere."""
    clf = RNNClassifier(**FAST).fit(X, Y_CLF)
    before = _state(clf)
    with pytest.raises(ValueError, match="at least 2 classes, but y holds only one"):
        clf.set_params(early_stopping=True).fit(X[:1], ["sideways"])
    clf.set_params(early_stopping=False)
    _assert_unchanged(clf, before)
    assert clf.classes_.tolist() == ["down", "up"]


def test_failed_refit_on_one_sample_with_early_stopping_keeps_the_regressor():
    reg = RNNRegressor(**FAST).fit(X, Y_REG)
    before = _state(reg)
    with pytest.raises(ValueError, match="early_stopping=True needs at least 2 samples"):
        reg.set_params(early_stopping=True).fit(X[:1], Y_REG[:1])
    reg.set_params(early_stopping=False)
    _assert_unchanged(reg, before)


@pytest.mark.parametrize(
    "params, fit_args",
    [
        ({"callbacks": ["x"]}, (X, Y_REG)),
        ({"optimizer": int}, (X, Y_REG)),
        ({}, (rng.randn(6, 3, 1), np.array([1.0, np.nan, 0, 0, 0, 0]))),  # new shape, NaN y
        ({"lr": 1e30}, (X, Y_REG * 1e30)),  # diverges during training
    ],
    ids=["callbacks", "optimizer", "nan-y", "diverges"],
)
def test_failed_refit_keeps_regressor(params, fit_args):
    reg = RNNRegressor(**FAST).fit(X, Y_REG)
    before = _state(reg)
    with pytest.raises((ValueError, TypeError)):
        reg.set_params(**params).fit(*fit_args)
    reg.set_params(**{k: RNNRegressor().get_params()[k] for k in params})
    _assert_unchanged(reg, before)


def test_failed_warm_start_keeps_the_network_it_was_training():
    reg = RNNRegressor(warm_start=True, **FAST).fit(X, Y_REG)
    before = _state(reg)
    n_iter = reg.n_iter_

    class Boom(Callback):  # fails after an epoch has changed the weights
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    reg.net_.callbacks_.append(("boom", Boom()))
    with pytest.raises(RuntimeError, match="boom"):
        reg.fit(X, Y_REG)
    assert reg.n_iter_ == n_iter
    reg.net_.callbacks_.pop()
    _assert_unchanged(reg, before)


def test_failed_seq2seq_refit_on_another_kind_keeps_kinds():
    est = Seq2SeqTransformer(**FAST).fit(WORDS, [w[::-1] for w in WORDS])
    before = _state(est)
    with pytest.raises(ValueError):
        est.fit(np.ones((4, 3, 1)), ["a", "b", "c"])  # numeric X, Y of another length
    assert (est.input_kind_, est.output_kind_) == ("text", "text")
    _assert_unchanged(est, before)


def test_failed_window_refit_keeps_history():
    window = SlidingWindowTransformer(time_steps=3).fit(np.arange(20.0)[:, None])
    before = _state(window)
    with pytest.raises(ValueError, match="larger than the series"):
        window.fit(np.ones((2, 4)))
    assert window.n_features_in_ == 1
    _assert_unchanged(window, before)
    with pytest.raises(ValueError, match="larger than the series"):
        window.fit_transform(np.ones((2, 4)))
    _assert_unchanged(window, before)


def test_failed_forecaster_refit_keeps_its_forecasts():
    from skrnn import RNNForecaster

    y = np.sin(np.arange(40.0) / 3)
    f = RNNForecaster(window_length=4, units=2, epochs=1, random_state=0).fit(y, fh=[1, 2])
    before, cutoff = f.predict(), f.cutoff
    with pytest.raises(ValueError, match="needs at least window_length"):
        f.fit(y[:3], fh=[1, 2])
    np.testing.assert_array_equal(f.predict(), before)
    np.testing.assert_array_equal(f.cutoff, cutoff)


@pytest.mark.parametrize(
    "call",
    [
        lambda f, fh: f.predict(fh=fh),
        lambda f, fh: f.predict_interval(fh=fh),
        lambda f, fh: f.predict_quantiles(fh=fh, alpha=[0.1, 0.9]),
        lambda f, fh: f.update_predict_single(_continuation(f), fh=fh),
    ],
    ids=["predict", "predict_interval", "predict_quantiles", "update_predict_single"],
)
def test_failed_forecast_keeps_the_forecaster(call):
    # sktime stores the new fh (and update_predict_single the new data) before the
    # forecast refuses an in-sample step (no full window before it; no in-sample
    # intervals)
    from skrnn import RNNForecaster

    times = pd.period_range("2000-01", periods=40, freq="M")
    y = pd.Series(np.sin(np.arange(40.0) / 3), index=times)
    f = RNNForecaster(strategy="recursive", window_length=4, units=2, epochs=1, random_state=0)
    f.fit(y, fh=[1, 2])
    before, cutoff = f.predict(), f.cutoff
    with pytest.raises((ValueError, NotImplementedError), match="(?i)in-sample"):
        call(f, [-38])
    assert list(f.fh.to_numpy()) == [1, 2]
    np.testing.assert_array_equal(f.cutoff, cutoff)
    pd.testing.assert_series_equal(f.predict(), before)


def _continuation(f):
    """The next two observations of the series ``f`` was fitted on."""
    times = pd.period_range(f.cutoff[0] + 1, periods=2, freq="M")
    return pd.Series([0.1, 0.2], index=times)


def test_failed_first_fit_leaves_no_fitted_attributes():
    clf = RNNClassifier(**FAST)
    with pytest.raises(ValueError):
        clf.fit(X, np.where(Y_REG > 0, 1, np.nan))
    assert not [k for k in vars(clf) if k.endswith("_")]
    scaler = SequenceMinMaxScaler()
    with pytest.raises(ValueError):
        scaler.fit(np.array([[1.0], [np.inf]]))
    assert not [k for k in vars(scaler) if k.endswith("_")]


def test_fit_transaction_restores_deep_copies():
    class Thing:
        pass

    thing = Thing()
    thing.values_ = [1, 2]
    with pytest.raises(KeyError), fit_transaction(thing, deep_copy=("values_",)):
        thing.values_.append(3)
        raise KeyError("x")
    assert thing.values_ == [1, 2]


# -- 2. divergence is an error; a run that learned nothing a warning ---------------------
@pytest.mark.parametrize(
    "est, y",
    [
        (RNNRegressor(lr=1e30, optimizer="sgd", **FAST), Y_REG),
        (RNNRegressor(scale_target=False, **FAST), Y_REG * 1e30),  # unscaled targets
        (RNNClassifier(lr=1e30, optimizer="sgd", **FAST), Y_CLF),
    ],
    ids=["regressor-lr", "regressor-scale", "classifier-lr"],
)
def test_divergence_is_a_clear_error(est, y):
    with pytest.raises(ValueError, match=r"Training diverged.*lr=.*clip_grad_norm.*scale") as e:
        est.fit(X, y)
    assert isinstance(e.value, TrainingDivergedError)
    assert "largest absolute" in str(e.value)


def test_seq2seq_divergence_is_a_clear_error():
    with pytest.raises(TrainingDivergedError, match="Training diverged"):
        Seq2SeqTransformer(lr=1e30, optimizer="sgd", clip_grad_norm=None, **FAST).fit(
            WORDS, [w[::-1] for w in WORDS]
        )


def test_no_learning_warns_convergence():
    with pytest.warns(ConvergenceWarning, match="no better than"):
        RNNRegressor(units=4, epochs=3, lr=1e-12, optimizer="sgd", random_state=0).fit(X, Y_REG)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        RNNRegressor(units=8, epochs=5, lr=0.02, random_state=0).fit(X, Y_REG)


def test_non_finite_outputs_are_an_error_not_nan():
    reg = RNNRegressor(**FAST).fit(X, Y_REG)
    with torch.no_grad():
        reg.module_.head.bias.fill_(float("inf"))
        reg.module_.head.weight.fill_(-float("inf"))
    with pytest.raises(ValueError, match="NaN or infinite outputs"):
        reg.predict(X)
    s2s = Seq2SeqTransformer(**FAST).fit(X)
    with torch.no_grad():
        s2s.module_.encoder.rnn.bias_ih_l0.fill_(float("nan"))
    with pytest.raises(ValueError, match="NaN or infinite outputs"):
        s2s.transform(X)


@pytest.mark.parametrize(
    "class_weight", [{"down": 0.0, "up": 0.0}, {"down": np.nan, "up": 1.0}, {"down": -1, "up": 1}]
)
def test_bad_class_weight_is_a_clear_error(class_weight):
    with pytest.raises(ValueError, match="class_weight=.*finite, non-negative"):
        RNNClassifier(class_weight=class_weight, **FAST).fit(X, Y_CLF)


# -- 3. bounded embeddings ---------------------------------------------------------------
def test_one_huge_token_id_allocates_nothing():
    # integer tokens go through the tokenizer's vocabulary: one embedding row per id
    seqs = [[1, 2, 3], [4, 100_000_000]] * 4
    model = make_pipeline(SequenceTokenizer(), RNNClassifier(embedding_dim=8, **FAST))
    model.fit(seqs, [0, 1] * 4)
    assert model[-1].vocab_size_ == 2 + 5
    assert model[-1].module_.embedding.num_embeddings == 2 + 5
    assert model.predict([[10**12]]).shape == (1,)  # not seen in fit: the unknown id
    # ids given as they are: a huge one is refused before anything is allocated
    with pytest.raises(ValueError, match="largest id is 100000000.*SequenceTokenizer"):
        ids = np.array([[2, 3, 4], [5, 100_000_000, 0]] * 4)
        RNNClassifier(embedding_dim=8, **FAST).fit(ids, [0, 1] * 4)
    # the deprecated text input maps them through its own vocabulary
    with pytest.warns(FutureWarning, match="max_vocab"), pytest.warns(FutureWarning, match="Pass"):
        clf = RNNClassifier(embedding_dim=8, max_vocab=10**12, **FAST).fit(seqs, [0, 1] * 4)
    assert clf.vocab_size_ == 2 + 5


# -- 4. NumPy scalar hyperparameters ------------------------------------------------------
def test_numpy_scalar_hyperparameters():
    params = dict(
        units=np.int64(4),
        num_layers=np.int32(2),
        bidirectional=np.bool_(True),
        dropout=np.float32(0.1),
        epochs=np.int64(2),
        batch_size=np.int64(8),
        lr=np.float32(0.01),
        random_state=0,
    )
    assert RNNRegressor(**params).fit(X, Y_REG).predict(X).shape == (len(X),)
    s2s = Seq2SeqTransformer(
        units=np.int64(4), beam_width=np.int64(2), decoding="beam", epochs=np.int64(1)
    ).fit(WORDS)
    assert s2s.predict(WORDS[:2]).shape == (2,)
    search = GridSearchCV(RNNRegressor(**FAST), {"units": np.arange(4, 9, 4)}, cv=2)
    assert search.fit(X, Y_REG).best_params_["units"] in (4, 8)


# -- 6. smaller defects ---------------------------------------------------------------------
def test_score_with_sample_weight_per_step():
    Xs = rng.randn(12, 4, 1)
    y_steps = (Xs[..., 0] > 0).astype(int)
    clf = RNNClassifier(return_sequences=True, **FAST).fit(Xs, y_steps)
    pred = clf.predict(Xs)
    weights = np.zeros(12)
    right = np.flatnonzero((pred == y_steps).all(axis=1))
    wrong = np.flatnonzero((pred != y_steps).any(axis=1))
    if len(right) and len(wrong):
        weights[right] = 1.0
        assert clf.score(Xs, y_steps, sample_weight=weights) == 1.0
    weights[:] = 1.0
    assert clf.score(Xs, y_steps, sample_weight=weights) == clf.score(Xs, y_steps)
    reg = RNNRegressor(return_sequences=True, **FAST).fit(Xs, Xs[..., 0])
    w = np.arange(12.0)
    from sklearn.metrics import r2_score

    expected = r2_score(Xs[..., 0].ravel(), reg.predict(Xs).ravel(), sample_weight=np.repeat(w, 4))
    assert reg.score(Xs, Xs[..., 0], sample_weight=w) == pytest.approx(expected)


def test_list_of_equal_length_sequences_is_variable_length_input():
    seqs = [rng.randn(5, 2) for _ in range(8)]
    reg = RNNRegressor(**FAST).fit(seqs, np.arange(8.0))
    assert reg.input_shape_ == (None, 2)
    assert len(reg.predict([rng.randn(3, 2), rng.randn(9, 2)])) == 2


def test_warm_start_with_changed_architecture_is_an_error():
    reg = RNNRegressor(warm_start=True, **FAST).fit(X, Y_REG)
    with pytest.raises(ValueError, match="units from 4 to 8"):
        reg.set_params(units=8).fit(X, Y_REG)
    reg.set_params(units=np.int64(4), epochs=1).fit(X, Y_REG)  # the same value: fine
    assert reg.n_iter_ == 3


def test_partial_fit_with_other_classes_is_an_error():
    clf = RNNClassifier(**FAST).partial_fit(X, Y_CLF, classes=["down", "up"])
    clf.partial_fit(X, Y_CLF, classes=["up", "down"])  # the same classes
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, Y_CLF, classes=["down", "up", "flat"])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs
def test_refit_from_tokens_to_numbers_forgets_the_vocabulary():
    reg = RNNRegressor(embedding_dim=2, **FAST, lr=0.01)  # lr: learns in 2 epochs
    with pytest.warns(FutureWarning, match="Passing text"):
        reg.fit(WORDS, np.arange(len(WORDS), dtype=float))
    assert hasattr(reg, "vocabulary_")
    reg.fit(SequenceTokenizer().fit_transform(WORDS), np.arange(len(WORDS), dtype=float))
    assert not hasattr(reg, "vocabulary_") and reg.vocab_size_ == 5
    reg.set_params(embedding_dim=None).fit(X, Y_REG)
    assert not hasattr(reg, "vocabulary_") and not hasattr(reg, "vocab_size_")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"length": -3}, "length must be"),
        ({"length": 2.7}, "length must be"),
        ({"length": 2, "temperature": float("nan")}, "temperature must be"),
        ({"length": 0, "temperature": float("nan")}, "temperature must be"),
    ],
)
def test_generate_text_validates_its_arguments(kwargs, match):
    texts = ["abcab", "bcabc", "cabca"] * 3
    clf = make_pipeline(SequenceTokenizer(), RNNClassifier(embedding_dim=2, **FAST))
    clf.fit([t[:-1] for t in texts], [t[-1] for t in texts])
    with pytest.raises(ValueError, match=match):
        generate_text(clf, "ab", **kwargs)


def test_load_text_joins_documents_with_newlines():
    text = load_text()
    assert "\\n" not in text.replace("\\\\n", "")
    assert text.count("\n") > 100


@pytest.mark.parametrize(
    "X_bad, exc, match",
    [
        (None, ValueError, "X is None"),
        (sp.csr_matrix(np.ones((4, 5))), TypeError, "sparse"),
    ],
)
def test_clear_errors_for_containers(X_bad, exc, match):
    for est in (RNNRegressor(**FAST), SlidingWindowTransformer(2), Seq2SeqTransformer(**FAST)):
        with pytest.raises(exc, match=match):
            est.fit(X_bad, np.ones(4)) if isinstance(est, RNNRegressor) else est.fit(X_bad)


def test_torch_tensors_are_accepted_as_arrays():
    reg = RNNRegressor(**FAST).fit(torch.from_numpy(X), torch.from_numpy(Y_REG))
    np.testing.assert_array_equal(reg.predict(torch.from_numpy(X)), reg.predict(X))


@pytest.mark.parametrize(
    "params, exc, match",
    [
        ({"callbacks": ["x"]}, TypeError, r"callbacks\[0\] is 'x'"),
        ({"optimizer": int}, TypeError, "optimizer=<class 'int'> is not a torch optimizer"),
        ({"device": "meta"}, ValueError, "device='meta' cannot train"),
    ],
)
def test_clear_errors_for_bad_parameters(params, exc, match):
    with pytest.raises(exc, match=match):
        RNNRegressor(**FAST, **params).fit(X, Y_REG)
    with pytest.raises(exc, match=match):
        Seq2SeqTransformer(**FAST, **params).fit(WORDS)


def test_failed_partial_fit_mid_epoch_restores_weights_optimizer_and_callbacks():
    """A failure after some optimizer steps of an epoch: the weights, Adam's moments, the
    learning-rate schedule, early stopping's counters and the history are as before,
    so training continues exactly as if the failed call had never happened."""
    from skorch.callbacks import LRScheduler

    def make():
        lr = LRScheduler(policy="StepLR", step_size=1, gamma=0.5)
        return RNNRegressor(early_stopping=True, callbacks=[("lr", lr)], **FAST).fit(X, Y_REG)

    failed, clean = make(), make()
    before = _state(failed)
    n_epochs = len(failed.history_)

    class Boom(Callback):  # after the second optimizer step of the epoch
        def on_batch_end(self, net, training=False, **kwargs):
            if training and len(net.history[-1]["batches"]) == 2:
                raise RuntimeError("boom")

    failed.net_.callbacks_.append(("boom", Boom()))
    with pytest.raises(RuntimeError, match="boom"):
        failed.partial_fit(X, Y_REG)
    failed.net_.callbacks_.pop()
    _assert_unchanged(failed, before)
    assert len(failed.history_) == n_epochs
    for est in (failed, clean):
        est.partial_fit(X, Y_REG).partial_fit(X, Y_REG)
    np.testing.assert_array_equal(failed.predict(X), clean.predict(X))  # bit for bit
    assert failed.history_[:, "train_loss"] == clean.history_[:, "train_loss"]
    assert (
        failed.net_.optimizer_.param_groups[0]["lr"] == clean.net_.optimizer_.param_groups[0]["lr"]
    )
