"""The nets' one padding convention: padded target steps are left out of the loss, of
the validation score and of the target standardisation by their lengths, whatever the
padded targets hold (regression, classification and Seq2Seq alike)."""

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.metrics import accuracy_score, r2_score
from skorch.dataset import Dataset

from skrnn import RNNClassifier, RNNRegressor, Seq2SeqTransformer
from skrnn._training.nets import TARGET_LENGTHS, step_mask, validation_score


def _ragged(n=12, seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(2, 7, size=n)
    return [rng.randn(t, 1) for t in lengths], lengths


def _valid(lengths, n_steps):
    return np.arange(n_steps)[None, :] < np.asarray(lengths)[:, None]


def test_step_mask_marks_the_steps_within_each_length():
    mask = step_mask(torch.tensor([3, 1, 0]), 3)
    assert mask.dtype == torch.bool
    assert mask.tolist() == [[True] * 3, [True, False, False], [False] * 3]


def test_validation_score_leaves_padded_steps_out():
    """The per-step validation score of early stopping (R^2, accuracy) is over the
    valid steps of the validation sequences only, whatever the padded targets are."""
    X, lengths = _ragged()
    for est, metric, fill in [
        (RNNRegressor(return_sequences=True, **FAST), r2_score, 1e6),
        (RNNClassifier(return_sequences=True, **FAST), accuracy_score, 1),
    ]:
        y = [np.cumsum(s[:, 0]) for s in X]
        if metric is accuracy_score:
            y = [(t > 0).astype(int) for t in y]
        est.fit(X, y)
        Xp, lp = est._validate_X(X, reset=False)
        yp = est._validate_y(y, reset=False, lengths=lp, n_steps=Xp.shape[1])
        inputs = est._net_input(Xp, lp)
        out = est.net_.forward(inputs, training=False).numpy()
        valid = _valid(lp, Xp.shape[1])
        pred = out[valid] if metric is r2_score else out[valid].argmax(-1)
        expected = metric(yp[valid], pred)
        dataset = Dataset(inputs, yp)  # what skorch's EpochScoring hands over
        assert validation_score(est.net_, dataset, yp) == pytest.approx(expected)
        garbage = np.where(valid if yp.ndim == 2 else valid[..., None], yp, fill)
        assert validation_score(est.net_, dataset, garbage) == pytest.approx(expected)


def test_per_step_early_stopping_scores_on_ragged_sequences():
    X, _ = _ragged(n=30)
    y = [(s[:, 0] > 0).astype(int) for s in X]
    clf = RNNClassifier(return_sequences=True, early_stopping=True, validation_fraction=0.3)
    clf.set_params(**{**FAST, "epochs": 3}).fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == 3 and all(0 <= s <= 1 for s in scores)


def test_target_standardisation_leaves_padded_steps_out():
    X, lengths = _ragged()
    y = [5.0 + np.cumsum(s[:, 0]) for s in X]
    reg = RNNRegressor(return_sequences=True, **FAST).fit(X, y)
    flat = np.concatenate(y)
    assert reg.target_mean_[0] == pytest.approx(flat.mean(), rel=1e-5)
    assert reg.target_scale_[0] == pytest.approx(flat.std(), rel=1e-5)
    w = np.arange(1.0, len(X) + 1)
    reg.fit(X, y, sample_weight=w)
    steps_w = np.repeat(w, lengths)
    assert reg.target_mean_[0] == pytest.approx(np.average(flat, weights=steps_w), rel=1e-5)


def test_seq2seq_loss_leaves_padded_target_steps_out():
    """Token targets of different lengths: the loss is the cross-entropy over the steps
    within each target's length (end token included); padded ids do not count."""
    X = ["abc", "ba", "cab", "c", "abca", "b"] * 2
    s2s = Seq2SeqTransformer(units=8, epochs=2, random_state=0).fit(X, [x[::-1] for x in X])
    X_ids, X_lengths = s2s._validate_X(X, reset=False)
    targets, lengths = s2s._validate_Y([x[::-1] for x in X], len(X), reset=False)
    batch = s2s._net_input(X_ids, X_lengths, y=targets, target_lengths=lengths)
    assert batch[TARGET_LENGTHS] is lengths
    logits = s2s.net_.infer(batch)
    assert logits.shape[:2] == targets.shape
    loss = s2s.net_.get_loss(logits, targets, X=batch).item()
    valid = torch.as_tensor(_valid(lengths, targets.shape[1]))
    expected = torch.nn.functional.cross_entropy(logits[valid], torch.as_tensor(targets)[valid])
    assert loss == pytest.approx(expected.item(), rel=1e-5)
    other = np.where(valid.numpy(), targets, 3)
    assert s2s.net_.get_loss(logits, other, X=batch).item() == pytest.approx(loss)


class _NoModule:
    """A fitted net whose module the estimator cannot reach: only the net's methods."""

    def __init__(self, net):
        object.__setattr__(self, "_net", net)

    def __getattr__(self, name):
        if name in ("module_", "criterion_", "optimizer_"):
            raise AssertionError(f"the estimator reached into net_.{name}")
        return getattr(self._net, name)


def test_estimators_predict_through_the_nets_public_methods_only():
    """Prediction, embedding and attention maps call the net's methods (forward,
    decode_iter, embed_iter, attention_weights); no estimator reaches into the module
    to switch its mode or move tensors."""
    X = ["abc", "ba", "cab", "ca"] * 4
    s2s = Seq2SeqTransformer(units=8, epochs=1, attention="dot", random_state=0)
    s2s.fit(X, [x[::-1] for x in X])
    expected = (s2s.predict(X), s2s.transform(X), s2s._attention_map("abc")[0])
    s2s.set_params(decoding="beam")
    beam = s2s.predict(X)
    s2s.net_ = _NoModule(s2s.net_)
    np.testing.assert_array_equal(s2s.predict(X), beam)
    s2s.set_params(decoding="greedy")
    np.testing.assert_array_equal(s2s.predict(X), expected[0])
    np.testing.assert_array_equal(s2s.transform(X), expected[1])
    np.testing.assert_array_equal(s2s._attention_map("abc")[0], expected[2])
    Xn = np.random.RandomState(0).rand(8, 5, 2)
    ae = Seq2SeqTransformer(units=4, epochs=1, attention="additive", random_state=0).fit(Xn)
    weights = ae._attention_map(Xn[0])[0]
    ae.net_ = _NoModule(ae.net_)
    np.testing.assert_array_equal(ae._attention_map(Xn[0])[0], weights)
    assert ae.predict(Xn).shape == Xn.shape
    Xs, lengths = _ragged()
    for est in (RNNRegressor(**FAST), RNNClassifier(**FAST)):
        y = (np.array([s.sum() for s in Xs]) > 0).astype(int)
        est.fit(Xs, y)
        before = est.predict(Xs)
        est.net_ = _NoModule(est.net_)
        np.testing.assert_array_equal(est.predict(Xs), before)


def test_fast_history_records_what_skorchs_history_records():
    """FastHistory (docs/upstream.md) overrides History's public recording methods:
    the same calls give the same records as skorch's History, read the same way."""
    from skorch.history import History

    from skrnn._training.nets import FastHistory

    def record(h):
        for epoch in range(2):
            h.new_epoch()
            h.record("epoch", epoch + 1)
            for b in range(3):
                h.new_batch()
                h.record_batch("train_loss", 0.1 * b)
                h.record_batch("train_batch_size", 4)
            h.record("train_loss", 0.5 / (epoch + 1))
        return h

    fast, slow = record(FastHistory()), record(History())
    assert list(fast) == list(slow)
    assert fast[:, "train_loss"] == slow[:, "train_loss"]
    assert fast[-1, "batches", :, "train_batch_size"] == [4, 4, 4]
    assert isinstance(fast, History)
    with pytest.raises(ValueError, match="new_epoch"):
        FastHistory().new_batch()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"decoding": "bogus"}, "decoding='bogus'"),
        ({"decoding": "beam", "beam_width": 0}, "beam_width"),
    ],
)
def test_predict_checks_the_decoding_parameters_it_reads(params, match):
    """decoding and beam_width may change after fit: predict checks them (clear errors)."""
    X = ["ab", "ba"] * 4
    s2s = Seq2SeqTransformer(units=4, epochs=1, random_state=0).fit(X, X)
    with pytest.raises(ValueError, match=match):
        s2s.set_params(**params).predict(X)
    assert len(s2s.set_params(decoding="beam", beam_width=2).predict(X)) == len(X)


def test_sample_count_mismatch_names_x_and_y():
    X = np.zeros((5, 3, 1))
    with pytest.raises(ValueError, match="5 sequences in X"):
        RNNRegressor(**FAST).fit(X, np.zeros(4))
