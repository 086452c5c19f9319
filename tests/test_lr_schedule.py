"""``lr_schedule``, declared once for every network estimator (issue 20): ``"constant"``,
``"cosine"`` and ``"cooldown"`` over the epochs of each training call; ``"auto"`` is
constant for RNNRegressor and RNNClassifier (Seq2SeqTransformer's token targets get the
cosine: tests/test_seq2seq_defaults.py)."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import LRScheduler

from skrnn import RNNClassifier, RNNRegressor, Seq2SeqTransformer
from skrnn._training.schedule import EpochDecay, cooldown_lr, cosine_lr

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LR = 0.01
EPOCHS = 5


def _data(estimator):
    rng = np.random.RandomState(0)
    X = rng.rand(24, 5, 2)
    if estimator is RNNClassifier:
        return X, np.array(["a", "b"] * 12)
    if estimator is Seq2SeqTransformer:
        return X, rng.rand(24, 3)
    return X, rng.rand(24)


def _fit(estimator, **params):
    est = estimator(**dict(FAST, epochs=EPOCHS, lr=LR, n_iter_no_change=None, **params))
    return est.fit(*_data(estimator))


ESTIMATORS = [RNNRegressor, RNNClassifier, Seq2SeqTransformer]


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize(("schedule", "lr_at"), [("cosine", cosine_lr), ("cooldown", cooldown_lr)])
def test_decaying_schedules_span_each_training_call(estimator, schedule, lr_at):
    est = _fit(estimator, lr_schedule=schedule)
    expected = [lr_at(LR, e, EPOCHS) for e in range(EPOCHS)]
    assert list(est.history_[:, "event_lr"]) == pytest.approx(expected)
    assert expected[-1] < LR  # the rate does fall
    est.partial_fit(*_data(estimator))  # one epoch: the whole learning rate
    assert est.history_[-1, "event_lr"] == pytest.approx(LR)
    est.set_params(warm_start=True, epochs=2).fit(*_data(estimator))  # a new call: anew
    assert list(est.history_[-2:, "event_lr"]) == pytest.approx([lr_at(LR, e, 2) for e in (0, 1)])


def test_cooldown_holds_the_rate_until_the_last_epochs():
    lrs = [cooldown_lr(1.0, e, 10) for e in range(10)]
    assert lrs[:8] == [1.0] * 8
    assert lrs[8:] == pytest.approx([2 / 3, 1 / 3])
    assert [cooldown_lr(1.0, e, 12) for e in (8, 9, 10, 11)] == pytest.approx(
        [1.0, 3 / 3.6, 2 / 3.6, 1 / 3.6]
    )


@pytest.mark.parametrize("estimator", [RNNRegressor, RNNClassifier])
def test_auto_is_a_constant_rate_for_the_rnn_estimators(estimator):
    est = _fit(estimator)
    assert est.lr_schedule == "auto"
    assert all("event_lr" not in row for row in est.history_)
    assert not any(isinstance(cb, EpochDecay) for _, cb in est.net_.callbacks_)
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(LR)


def test_the_schedule_spans_the_bound_of_auto_epochs(monkeypatch):
    import skrnn.neural_network._base as base

    monkeypatch.setattr(base, "AUTO_MIN_EPOCHS", 6)  # a short bound for the test
    monkeypatch.setattr(base, "AUTO_MIN_STEPS", 6)
    X, y = _data(RNNRegressor)
    est = RNNRegressor(
        units=2, epochs="auto", lr=LR, lr_schedule="cooldown", random_state=0, n_iter_no_change=None
    ).fit(X, y)
    bound = est._auto_epochs(len(X))
    decay = next(cb for _, cb in est.net_.callbacks_ if isinstance(cb, EpochDecay))
    assert est.n_iter_ == bound == decay.max_epochs
    assert est.history_[-1, "event_lr"] == pytest.approx(cooldown_lr(LR, bound - 1, bound))


@pytest.mark.parametrize("estimator", [RNNRegressor, RNNClassifier])
def test_a_scheduler_of_ones_own_needs_a_constant_schedule(estimator):
    scheduler = LRScheduler(policy="StepLR", step_size=1)
    est = estimator(**dict(FAST, lr_schedule="cosine", callbacks=[("s", scheduler)]))
    match = r"callbacks\[0\] is a learning-rate scheduler.*'constant'"
    with pytest.raises(ValueError, match=match):
        est.fit(*_data(estimator))
    assert not hasattr(est, "net_")
    est.set_params(lr_schedule="auto").fit(*_data(estimator))  # "auto": constant
    assert est.net_.optimizer_.param_groups[0]["lr"] < est.lr  # StepLR's decay alone


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_lr_schedule_is_validated_in_fit_and_survives_clone(estimator):
    est = estimator(lr_schedule="linear")  # stored as given: validated by fit
    assert clone(est).lr_schedule == "linear"
    with pytest.raises(InvalidParameterError, match="lr_schedule"):
        est.fit(*_data(estimator))
    assert clone(estimator(lr_schedule="cooldown")).get_params()["lr_schedule"] == "cooldown"
