"""Variable-length sequences: packing, pooling, many-to-many targets (issue 6)."""

import pickle

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier, RNNRegressor
from skrnn._torch.rnn import RNNModule

FAST = {**FAST, "batch_size": 8}


def _ragged(n=40, n_features=2, low=2, high=9, seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(low, high, size=n)
    X = [rng.randn(t, n_features) for t in lengths]
    return X, lengths


def _sum_targets(X):
    return np.array([s[:, 0].sum() for s in X])


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_prediction_alone_equals_prediction_batched_with_longer(cell, bidirectional, pooling):
    X, _ = _ragged()
    reg = RNNRegressor(cell=cell, bidirectional=bidirectional, pooling=pooling, **FAST)
    reg.fit(X, _sum_targets(X))
    short = X[0][:2]
    alone = reg.predict([short])
    long_ones = [np.random.RandomState(1).randn(30, 2) * 100 for _ in range(3)]
    batched = reg.predict([long_ones[0], short, long_ones[1], long_ones[2]])
    np.testing.assert_allclose(batched[1], alone[0], rtol=1e-5, atol=1e-6)


def test_padding_values_never_matter():
    X, lengths = _ragged()
    reg = RNNRegressor(**FAST).fit(X, _sum_targets(X))
    padded = np.zeros((len(X), lengths.max(), 2))
    for i, s in enumerate(X):
        padded[i, : len(s)] = s
    garbage = padded.copy()
    for i, n in enumerate(lengths):
        garbage[i, n:] = 1e6
    np.testing.assert_allclose(reg.predict(padded, lengths=lengths), reg.predict(X), atol=1e-6)
    np.testing.assert_allclose(reg.predict(garbage, lengths=lengths), reg.predict(X), atol=1e-6)


def test_training_ignores_padding():
    """Fitting on a padded array + lengths equals fitting on the list; padding values differ."""
    X, lengths = _ragged()
    y = _sum_targets(X)
    padded = np.full((len(X), 12, 2), 7.0)
    for i, s in enumerate(X):
        padded[i, : len(s)] = s
    a = RNNRegressor(**FAST).fit(X, y).predict(X)
    b = RNNRegressor(**FAST).fit(padded, y, lengths=lengths).predict(X)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_last_pooling_selects_each_sequence_true_last_step():
    torch.manual_seed(0)
    m = RNNModule(n_features=1, n_outputs=1, cell="gru", units=4).eval()
    X = torch.randn(3, 6, 1)
    lengths = torch.tensor([6, 2, 4])
    pooled = m.encode(X, lengths)
    for i, n in enumerate(lengths.tolist()):
        expected = m.rnn(X[i : i + 1, :n])[0][0, -1]
        torch.testing.assert_close(pooled[i], expected)
    # the last *padded* step would be a different vector for the shorter sequences
    assert not torch.allclose(pooled[1], m.rnn(X[1:2])[0][0, -1])


def test_bidirectional_last_pooling_uses_backward_state_at_step_zero():
    torch.manual_seed(0)
    m = RNNModule(n_features=1, n_outputs=1, cell="lstm", units=3, bidirectional=True).eval()
    X = torch.randn(2, 5, 1)
    pooled = m.encode(X, torch.tensor([5, 3]))
    full = m.rnn(X[1:2, :3])[0][0]
    torch.testing.assert_close(pooled[1], torch.cat([full[-1, :3], full[0, 3:]]))


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_mean_and_max_pooling_over_valid_steps(pooling):
    torch.manual_seed(0)
    m = RNNModule(n_features=2, n_outputs=1, units=4, pooling=pooling).eval()
    X = torch.randn(2, 7, 2)
    pooled = m.encode(X, torch.tensor([7, 3]))
    steps = m.rnn(X[1:2, :3])[0][0]
    expected = steps.mean(0) if pooling == "mean" else steps.amax(0)
    torch.testing.assert_close(pooled[1], expected)


def test_classifier_learns_from_variable_length_sequences():
    # class = whether the sequence is long; only the true length tells them apart
    rng = np.random.RandomState(0)
    lengths = np.r_[rng.randint(2, 5, 40), rng.randint(9, 13, 40)]
    X = [np.ones((t, 1)) + 0.01 * rng.randn(t, 1) for t in lengths]
    y = np.where(lengths > 6, "long", "short")
    clf = RNNClassifier(units=8, epochs=40, lr=0.02, batch_size=16, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.95
    assert clf.input_shape_ == (None, 1)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


# -- many-to-many ---------------------------------------------------------------------------


def test_many_to_many_regressor_predicts_one_value_per_step():
    X, _ = _ragged(n=30, n_features=1)
    y = [np.cumsum(s[:, 0]) for s in X]
    reg = RNNRegressor(return_sequences=True, units=16, epochs=60, lr=0.02, random_state=0)
    reg.fit(X, y)
    pred = reg.predict(X)
    assert isinstance(pred, list)
    assert [p.shape for p in pred] == [t.shape for t in y]
    assert reg.score(X, y) > 0.8


def test_many_to_many_fixed_length_returns_array():
    rng = np.random.RandomState(0)
    X = rng.randn(20, 5, 2)
    y = X.sum(axis=2)
    reg = RNNRegressor(return_sequences=True, **FAST).fit(X, y)
    assert reg.predict(X).shape == (20, 5)
    y2 = np.stack([y, -y], axis=2)
    assert RNNRegressor(return_sequences=True, **FAST).fit(X, y2).predict(X).shape == (20, 5, 2)


def test_many_to_many_loss_is_masked_on_padding():
    """The loss on padded batches equals the mean over the valid steps only; the steps
    beyond each sequence's length (which reaches the loss) never count."""
    X, lengths = _ragged(n=6, n_features=1)
    y = [np.arange(len(s), dtype=float) for s in X]
    reg = RNNRegressor(return_sequences=True, **FAST).fit(X, y)
    Xp, lp = reg._validate_X(X, reset=False)
    yp = reg._validate_y(y, reset=False, lengths=lp, n_steps=Xp.shape[1])
    inputs = reg._net_input(Xp, lp)
    y_pred = reg.net_.forward(inputs, training=False)
    loss = reg.net_.get_loss(y_pred, yp, X=inputs).item()
    valid = np.arange(Xp.shape[1])[None, :] < lp[:, None]
    expected = np.mean((y_pred.numpy()[valid] - yp[valid]) ** 2)
    assert loss == pytest.approx(expected, rel=1e-5)
    # changing the targets of padded steps cannot change the loss
    for fill in (1e6, np.nan):
        yp2 = np.where(valid[..., None], yp, fill).astype(np.float32)
        assert reg.net_.get_loss(y_pred, yp2, X=inputs).item() == pytest.approx(loss)
    # nor can it with sample weights
    weighted = {**inputs, "sample_weight": np.ones(len(Xp), np.float32)}
    for fill in (1e6, np.nan):
        yp2 = np.where(valid[..., None], yp, fill).astype(np.float32)
        assert reg.net_.get_loss(y_pred, yp2, X=weighted).item() == pytest.approx(loss, rel=1e-5)


def test_many_to_many_classifier_masks_padded_labels():
    rng = np.random.RandomState(0)
    lengths = rng.randint(3, 9, 40)
    X = [rng.randn(t, 1) for t in lengths]
    y = [np.where(s[:, 0] > 0, "pos", "neg") for s in X]
    clf = RNNClassifier(return_sequences=True, units=8, epochs=40, lr=0.02, random_state=0)
    clf.fit(X, y)
    pred = clf.predict(X)
    assert [p.shape for p in pred] == [t.shape for t in y]
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    assert proba[0].shape == (lengths[0], 2)
    Xp, lp = clf._validate_X(X, reset=False)
    yp = clf._validate_y(y, reset=False, lengths=lp, n_steps=Xp.shape[1])
    inputs = clf._net_input(Xp, lp)
    logits = clf.net_.forward(inputs, training=False)
    loss = clf.net_.get_loss(logits, yp, X=inputs).item()
    valid = np.arange(Xp.shape[1])[None, :] < lp[:, None]
    expected = torch.nn.functional.cross_entropy(
        logits[torch.as_tensor(valid)], torch.as_tensor(yp[valid])
    )
    assert loss == pytest.approx(expected.item(), rel=1e-5)
    # the labels of padded steps cannot change the loss, weighted or not
    flipped = np.where(valid, yp, 1 - yp)
    assert clf.net_.get_loss(logits, flipped, X=inputs).item() == pytest.approx(loss)
    weighted = {**inputs, "sample_weight": np.ones(len(Xp), np.float32)}
    assert clf.net_.get_loss(logits, flipped, X=weighted).item() == pytest.approx(loss, rel=1e-5)


# -- scikit-learn integration -----------------------------------------------------------------


def test_variable_length_through_pipeline_gridsearch_clone_pickle():
    X, _ = _ragged(n=48)
    y = _sum_targets(X)
    scale = FunctionTransformer(lambda seqs: [s / 2.0 for s in seqs])
    pipe = make_pipeline(scale, RNNRegressor(epochs=2, batch_size=8, random_state=0))
    grid = GridSearchCV(
        pipe,
        {"rnnregressor__units": [4, 8], "rnnregressor__pooling": ["last", "mean"]},
        cv=KFold(3),
    )
    grid.fit(X, y)
    assert set(grid.best_params_) == {"rnnregressor__units", "rnnregressor__pooling"}
    assert grid.predict(X).shape == (48,)

    reg = RNNRegressor(**FAST).fit(X, y)
    copy = clone(reg)
    assert copy.get_params() == reg.get_params() and not hasattr(copy, "net_")
    loaded = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_random_state_reproducible_with_lists():
    X, _ = _ragged()
    y = _sum_targets(X)
    a = RNNRegressor(**FAST).fit(X, y).predict(X)
    b = RNNRegressor(**FAST).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)


def test_univariate_lists_of_1d_arrays():
    rng = np.random.RandomState(0)
    X = [rng.randn(t) for t in (3, 5, 4, 6)]
    reg = RNNRegressor(**FAST).fit(X, [s.sum() for s in X])
    assert reg.n_features_in_ == 1
    assert reg.predict(X).shape == (4,)


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, lengths, match",
    [
        ([np.ones((3, 2)), np.ones((0, 2))], None, r"X\[1\] is an empty sequence"),
        ([np.ones((3, 2)), np.ones((4, 3))], None, "different numbers of features"),
        ([np.ones((3, 2)), np.full((4, 2), np.nan)], None, "NaN"),
        ([np.ones((3, 2, 1)), np.ones((4, 2, 1))], None, r"X\[0\] has 3 dimensions"),
        (np.ones((2, 4, 1)), [4, 5], r"lengths must lie in \[1, 4\]"),
        (np.ones((2, 4, 1)), [4, 0], r"lengths must lie in \[1, 4\]"),
        (np.ones((2, 4, 1)), [4], "one entry per sequence"),
        (np.ones((2, 4, 1)), [4.0, 2.0], "integer"),
    ],
)
def test_bad_variable_length_input(X, lengths, match):
    with pytest.raises(ValueError, match=match):
        RNNRegressor(**FAST).fit(X, np.ones(len(X)), lengths=lengths)


def test_nan_beyond_lengths_is_allowed_but_not_within():
    X = np.ones((2, 4, 1))
    X[1, 3] = np.nan
    RNNRegressor(**FAST).fit(X, [1.0, 2.0], lengths=np.array([4, 3]))
    with pytest.raises(ValueError, match="NaN or infinity within the given lengths"):
        RNNRegressor(**FAST).fit(X, [1.0, 2.0], lengths=np.array([4, 4]))


def test_per_step_targets_must_match_lengths():
    X = [np.ones((3, 1)), np.ones((2, 1))]
    reg = RNNRegressor(return_sequences=True, **FAST)
    with pytest.raises(ValueError, match=r"y\[1\] has 3 time steps, but X\[1\] has 2"):
        reg.fit(X, [np.ones(3), np.ones(3)])
    with pytest.raises(ValueError, match="one target per time step"):
        reg.fit(np.ones((2, 3, 1)), np.ones(2))


@pytest.mark.parametrize("bad", [np.nan, "a"])
def test_a_bad_per_step_target_is_named_by_its_sequence(bad):
    X = [np.ones((3, 1)), np.ones((2, 1)), np.ones((4, 1))]
    y = [np.ones(3), np.ones(2), np.array([1.0, bad, 1.0, 1.0], dtype=object)]
    reg = RNNRegressor(return_sequences=True, **FAST)
    with pytest.raises(ValueError, match=r"y\[2\]"):
        reg.fit(X, y)
    # the steps, checked at once, are what the check of each sequence gives
    y[2][1] = 2.5
    padded = reg._validate_step_targets(y, np.array([3, 2, 4]), 4, reset=True)
    assert padded[:, :, 0].tolist() == [[1, 1, 1, 0], [1, 1, 0, 0], [1, 2.5, 1, 1]]


def test_fixed_length_model_rejects_variable_length_input():
    reg = RNNRegressor(**FAST).fit(np.random.RandomState(0).randn(10, 4, 1), np.ones(10))
    with pytest.raises(ValueError, match="fitted on an array of sequences of 4 time steps"):
        reg.predict([np.ones((3, 1))])


def test_sktime_panels_convert_to_sequences():
    from sktime.datatypes import convert_to

    from skrnn import sktime_to_sequences
    from skrnn.datasets import load_japanese_vowels

    rng = np.random.RandomState(0)
    arr = rng.randn(4, 3, 7)  # sktime numpy3D: (instances, channels, time)
    nested = convert_to(arr, to_type="nested_univ")
    out = sktime_to_sequences(nested)
    np.testing.assert_allclose(out, arr.transpose(0, 2, 1))
    X, y = load_japanese_vowels("test")
    assert isinstance(X, list) and len(X) == len(y) == 370
    assert {s.shape[1] for s in X} == {12} and len({len(s) for s in X}) > 5
    with pytest.raises(ValueError, match="split must be"):
        load_japanese_vowels("validation")


def test_early_stopping_with_variable_length_and_per_step_labels():
    X, _ = _ragged(n=30)
    y_steps = [(s[:, 0] > 0).astype(int) for s in X]
    clf = RNNClassifier(return_sequences=True, early_stopping=True, **FAST).fit(X, y_steps)
    assert "valid_loss" in clf.history_[-1]
    reg = RNNRegressor(early_stopping=True, **FAST).fit(X, _sum_targets(X))
    assert "valid_loss" in reg.history_[-1]
