"""Seq2SeqTransformer's "auto" defaults (issue 20): the batch size grows with the
training set and the learning rate with the batch; token targets get additive attention
and a cosine decay of the learning rate over each training call; numeric targets and
autoencoders keep neither."""

import math

import numpy as np
import pytest
from conftest import FAST
from skorch.callbacks import LRScheduler

from skrnn import Seq2SeqTransformer
from skrnn._torch.seq2seq import AdditiveAttention
from skrnn._training.schedule import cosine_lr
from skrnn.neural_network._seq2seq import AUTO_MIN_BATCHES, auto_batch_size

WORDS = ["abc", "ba", "cab", "ca", "b", "acca"] * 4
REVERSED = [w[::-1] for w in WORDS]
TINY = {k: v for k, v in FAST.items() if k != "batch_size"}  # batch_size and lr "auto"

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _numeric(n=24):
    rng = np.random.RandomState(0)
    return rng.rand(n, 5, 1), rng.rand(n, 3)


def test_auto_batch_size_keeps_many_batches_per_epoch():
    for n in (1, 100, 20_000, 40_000, 50_000, 10**6):
        batch = auto_batch_size(n)
        assert batch in (32, 64, 128)
        # the largest that leaves AUTO_MIN_BATCHES batches (32 when none does)
        assert n // batch >= AUTO_MIN_BATCHES or batch == 32
        assert batch == 128 or n // (2 * batch) < AUTO_MIN_BATCHES
    assert auto_batch_size(50_000) == 128 and auto_batch_size(1_000) == 32


@pytest.mark.parametrize(
    ("batch_size", "lr", "batch", "expected_lr"),
    [
        ("auto", "auto", 32, 1e-3),
        (128, "auto", 128, 4e-3),
        (8, "auto", 8, 1e-3),
        (128, 0.01, 128, 0.01),
    ],
)
def test_auto_batch_size_and_learning_rate_reach_the_net(batch_size, lr, batch, expected_lr):
    est = Seq2SeqTransformer(batch_size=batch_size, lr=lr, **TINY).fit(WORDS, REVERSED)
    assert est.net_.batch_size == batch
    assert est.net_.lr == pytest.approx(expected_lr)
    assert est.get_params()["lr"] == lr  # the parameters stay as given


def test_auto_batch_size_of_a_large_training_set(monkeypatch):
    """The batch follows the pairs of the fit that built the net (here with the
    threshold lowered so that a small set counts as large)."""
    import skrnn.neural_network._seq2seq as s2s

    monkeypatch.setattr(s2s, "AUTO_MIN_BATCHES", 0)
    est = Seq2SeqTransformer(**TINY).fit(WORDS, REVERSED)
    assert est.net_.batch_size == 128 and est.net_.lr == pytest.approx(4e-3)
    monkeypatch.setattr(s2s, "AUTO_MIN_BATCHES", 10**9)
    est.partial_fit(WORDS, REVERSED)  # continued training keeps the net's batch
    assert est.net_.batch_size == 128


def test_auto_attention_for_token_targets_only():
    tokens = Seq2SeqTransformer(**TINY).fit(WORDS, REVERSED)
    assert isinstance(tokens.module_.decoder.attention, AdditiveAttention)
    numeric = Seq2SeqTransformer(**TINY).fit(*_numeric())
    text_autoencoder = Seq2SeqTransformer(**TINY).fit(WORDS)
    for est in (numeric, text_autoencoder):
        assert est.module_.decoder.attention is None
    explicit = Seq2SeqTransformer(attention="dot", **TINY).fit(*_numeric())
    assert explicit.module_.decoder.attention is not None
    assert (
        Seq2SeqTransformer(attention=None, **TINY).fit(WORDS, REVERSED).module_.decoder.attention
        is None
    )


def test_cosine_schedule_of_token_targets_spans_each_training_call():
    est = Seq2SeqTransformer(**dict(TINY, epochs=4)).fit(WORDS, REVERSED)
    lrs = list(est.history_[:, "event_lr"])
    assert lrs == pytest.approx([cosine_lr(1e-3, e, 4) for e in range(4)])
    assert lrs[0] == pytest.approx(1e-3) and lrs == sorted(lrs, reverse=True)
    assert lrs[-1] == pytest.approx(1e-3 * (1 + math.cos(math.pi * 3 / 4)) / 2)
    est.partial_fit(WORDS, REVERSED)  # one epoch: the whole learning rate
    assert est.history_[-1, "event_lr"] == pytest.approx(1e-3)
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)
    est.set_params(warm_start=True, epochs=2).fit(WORDS, REVERSED)  # a new call: anew
    assert list(est.history_[-2:, "event_lr"]) == pytest.approx([1e-3, 5e-4])


@pytest.mark.parametrize("data", ["numeric", "constant"])
def test_constant_learning_rate_of_numeric_targets_or_on_request(data):
    if data == "numeric":
        est = Seq2SeqTransformer(**TINY).fit(*_numeric())
    else:
        est = Seq2SeqTransformer(lr_schedule="constant", **TINY).fit(WORDS, REVERSED)
    assert all("event_lr" not in row for row in est.history_)
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)
    cosine = Seq2SeqTransformer(lr_schedule="cosine", **TINY).fit(*_numeric())
    assert cosine.history_[-1, "event_lr"] < 1e-3


def test_a_scheduler_of_ones_own_needs_a_constant_schedule():
    scheduler = LRScheduler(policy="StepLR", step_size=1)
    est = Seq2SeqTransformer(callbacks=[scheduler], **TINY)
    with pytest.raises(
        ValueError, match=r"callbacks\[0\] is a learning-rate scheduler.*'constant'"
    ):
        est.fit(WORDS, REVERSED)
    assert not hasattr(est, "net_")
    est.set_params(lr_schedule="constant").fit(WORDS, REVERSED)
    assert est.net_.optimizer_.param_groups[0]["lr"] < 1e-3  # StepLR's decay alone
    # numeric targets: "auto" is constant, so the user's scheduler is welcome
    Seq2SeqTransformer(callbacks=[("s", scheduler)], **TINY).fit(*_numeric())
