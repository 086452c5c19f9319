"""RNNClassifier's convolutional branch, down-sampling and z-normalisation (issue 25)."""

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.base import clone

from skrnn import RNNClassifier, SequenceTokenizer
from skrnn._torch.rnn import ConvBranch, RNNModule, downsample_steps, zscore_steps

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    # tiny fits of a few epochs test behaviour, not learning
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

FAST = {**FAST, "batch_size": 8}


def _ragged(n=24, n_features=2, low=3, high=40, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.randn(t, n_features) for t in rng.randint(low, high, size=n)]
    y = np.array(["a", "b"] * (n // 2))
    return X, y


def _branch(clf):
    m = clf.module_
    return m.conv, m.downsample, m.zscore


def test_auto_branch_for_numeric_sequences_only():
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 30, 2), np.array([0, 1] * 10)
    conv, factor, zscore = _branch(RNNClassifier(**FAST).fit(X, y))
    assert [c.out_channels for c in conv.convs] == [64, 128, 64]
    assert [c.kernel_size[0] for c in conv.convs] == [8, 5, 3]
    assert factor == 1 and zscore is False  # several features: levels are kept
    # long series reach the layers as at most 128 steps, blocks of 3 folded into 3
    # features; univariate ones z-normalised
    long = RNNClassifier(**FAST).fit(rng.randn(20, 300, 1), y).module_
    assert long.downsample == 3 and long.downsample_method == "fold" and long.zscore is True
    assert long.conv.convs[0].in_channels == 3 and long.rnn.input_size == 3
    # a one-step table, tokens, per-step labels and short sequences: no branch
    table = RNNClassifier(time_steps=1, **FAST).fit(X[:, :, 0], y)
    assert _branch(table) == (None, 1, False)
    assert table.module_.head.in_features == 8
    ids = SequenceTokenizer().fit_transform(["abcdefghij", "jihgfedcba"] * 10)
    tokens = RNNClassifier(embedding_dim=4, **FAST).fit(ids, y)
    assert _branch(tokens)[:2] == (None, 1)
    tagger = RNNClassifier(return_sequences=True, **FAST).fit(X, (X[:, :, 0] > 0).astype(int))
    assert _branch(tagger)[:2] == (None, 1)
    assert _branch(RNNClassifier(**FAST).fit(X[:, :7], y))[0] is None


def test_parameters_reach_the_module_and_survive_clone():
    X, y = np.random.RandomState(0).randn(20, 30, 1), np.array([0, 1] * 10)
    clf = RNNClassifier(
        conv_filters=(4, 6),
        conv_kernel_sizes=(3, 3),
        downsample=3,
        zscore=True,
        downsample_method="mean",
        **FAST,
    )
    fitted = clone(clf).fit(X, y)
    conv, factor, zscore = _branch(fitted)
    assert [c.out_channels for c in conv.convs] == [4, 6] and factor == 3 and zscore
    assert fitted.module_.downsample_method == "mean" and conv.convs[0].in_channels == 1
    plain = RNNClassifier(conv_filters=None, downsample=1, **FAST).fit(X, y)
    assert _branch(plain)[:2] == (None, 1)
    assert plain.module_.head.in_features == 8


@pytest.mark.parametrize(
    "params, match",
    [
        ({"conv_filters": (4, 4), "conv_kernel_sizes": (3,)}, "one kernel size per"),
        ({"conv_filters": (4, 4, 4, 4)}, "one kernel size per"),
        ({"conv_filters": (4, 0)}, "positive integers"),
        ({"conv_filters": (4,), "return_sequences": True}, "return_sequences=True"),
        ({"downsample": 2, "return_sequences": True}, "return_sequences=True"),
    ],
)
def test_bad_architecture_is_a_clear_error_and_changes_nothing(params, match):
    X, y = np.random.RandomState(0).randn(20, 12, 1), np.array([0, 1] * 10)
    clf = RNNClassifier(**FAST).fit(X, y)
    before = clf.predict_proba(X)
    targets = (X[:, :, 0] > 0).astype(int) if params.get("return_sequences") else y
    with pytest.raises(ValueError, match=match):
        clf.set_params(**params).fit(X, targets)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("downsample, method", [(1, "fold"), (3, "fold"), (3, "mean")])
def test_padding_never_changes_a_prediction(bidirectional, downsample, method):
    X, y = _ragged()
    clf = RNNClassifier(
        bidirectional=bidirectional,
        downsample=downsample,
        downsample_method=method,
        zscore=True,
        **FAST,
    ).fit(X, y)
    assert clf.module_.conv is not None
    short = X[0][:5]
    alone = clf.predict_proba([short])
    longer = [np.random.RandomState(1).randn(60, 2) * 100 for _ in range(2)]
    batched = clf.predict_proba([longer[0], short, longer[1]])
    np.testing.assert_allclose(batched[1], alone[0], rtol=1e-5, atol=1e-6)
    lengths = np.array([len(s) for s in X])
    garbage = np.full((len(X), lengths.max(), 2), 1e6)
    for i, s in enumerate(X):
        garbage[i, : len(s)] = s
    np.testing.assert_allclose(
        clf.predict_proba(garbage, lengths=lengths), clf.predict_proba(X), atol=1e-6
    )


def test_training_ignores_padding_values():
    """Batch normalisation and the convolutions see valid steps only: fitting on a
    padded array (padding 7.0) with lengths equals fitting on the list."""
    X, y = _ragged()
    lengths = np.array([len(s) for s in X])
    padded = np.full((len(X), 50, 2), 7.0)
    for i, s in enumerate(X):
        padded[i, : len(s)] = s
    a = RNNClassifier(**FAST).fit(X, y).predict_proba(X)
    b = RNNClassifier(**FAST).fit(padded, y, lengths=lengths).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_conv_weights_come_from_random_state_not_torch_global_rng():
    X, y = np.random.RandomState(0).randn(20, 12, 1), np.array([0, 1] * 10)
    torch.manual_seed(1)
    a = RNNClassifier(**FAST).fit(X, y).module_.conv.convs[0].weight.detach().clone()
    torch.manual_seed(2)
    state = torch.get_rng_state()
    b = RNNClassifier(**FAST).fit(X, y).module_.conv.convs[0].weight
    torch.testing.assert_close(a, b.detach())
    assert torch.equal(torch.get_rng_state(), state)


def test_conv_branch_learns_a_local_pattern_the_last_step_misses():
    """A bump early in a 60-step series sets the class: the convolutional branch finds
    it in few epochs, a last-step LSTM without the branch barely does."""
    rng = np.random.RandomState(0)
    X = 0.3 * rng.randn(64, 60, 1)
    y = np.arange(64) % 2
    where = rng.randint(2, 20, size=64)
    X[y == 1, where[y == 1], 0] += 3.0
    X[y == 0, where[y == 0], 0] -= 3.0
    params = dict(units=8, epochs=8, batch_size=16, lr=0.01, zscore=False, random_state=0)
    with_branch = RNNClassifier(**params).fit(X, y).score(X, y)
    without = RNNClassifier(conv_filters=None, **params).fit(X, y).score(X, y)
    assert with_branch > 0.95
    assert with_branch > without + 0.2


def test_module_helpers_on_padded_batches():
    x = torch.randn(3, 10, 2)
    lengths = torch.tensor([10, 4, 7])
    # z-normalisation of each sequence over its own steps, padding zero
    z = zscore_steps(x, lengths)
    torch.testing.assert_close(z[1, :4], zscore_steps(x[1:2, :4], None)[0])
    assert torch.equal(z[1, 4:], torch.zeros(6, 2))
    torch.testing.assert_close(z[0].mean(dim=0), torch.zeros(2), atol=1e-6, rtol=0)
    # down-sampling: each sequence alike alone and batched
    d, n = downsample_steps(x, lengths, 3)
    assert d.shape == (3, 4, 2) and n.tolist() == [4, 2, 3]
    torch.testing.assert_close(d[2, :3], downsample_steps(x[2:3, :7], None, 3)[0][0])
    # folded: a block's steps side by side, step by step; after a sequence's end, zeros
    f, n = downsample_steps(x, lengths, 3, "fold")
    assert f.shape == (3, 4, 6) and n.tolist() == [4, 2, 3]
    torch.testing.assert_close(f[0, 1], x[0, 3:6].reshape(-1))
    torch.testing.assert_close(f[2, :3], downsample_steps(x[2:3, :7], None, 3, "fold")[0][0])
    assert torch.equal(f[2, 2, 2:], torch.zeros(4))
    torch.testing.assert_close(f.view(3, 4, 3, 2).mean(dim=2)[0, :3], d[0, :3])
    # the branch in eval mode: a sequence alone equals it padded in a batch
    branch = ConvBranch(2, (4, 5), (4, 3)).eval()
    torch.testing.assert_close(branch(x, lengths)[1], branch(x[1:2, :4])[0])


def test_folding_keeps_what_the_mean_of_a_block_loses():
    """Two classes whose blocks of 4 steps have the same mean (0 0 2 2 against 1 1 1 1,
    shifted at random): averaged, every series is a constant; folded, they differ."""
    rng = np.random.RandomState(0)
    y = np.array([0, 1] * 20)
    shape = {0: [0.0, 0.0, 2.0, 2.0], 1: [1.0, 1.0, 1.0, 1.0]}
    X = np.stack([np.tile(shape[c], 40) + rng.uniform(-3, 3) for c in y])[:, :, None]
    params = dict(downsample=4, zscore=False, conv_filters=(8,), conv_kernel_sizes=(3,))
    params.update(units=8, epochs=30, batch_size=8, random_state=0)
    fold = RNNClassifier(downsample_method="fold", **params).fit(X, y)
    mean = RNNClassifier(downsample_method="mean", **params).fit(X, y)
    assert fold.score(X, y) == 1.0
    assert mean.score(X, y) <= 0.8


def test_module_without_branch_is_unchanged():
    """The defaults of RNNModule build what it built before (tables, regressor)."""
    m = RNNModule(n_features=3, n_outputs=2, units=4)
    assert m.conv is None and m.downsample == 1 and not m.zscore
    assert m.head.in_features == 4


# -- batch normalisation on small data sets (ItalyPowerDemand's collapse) ------------------
def _training_names(clf):
    names = [name for name, _ in clf.net_.callbacks_]
    return names, clf.net_.get_params_for("iterator_train")


def test_batch_norm_statistics_are_the_training_datas_under_the_final_weights():
    """After fit, the running mean/variance of the first batch normalisation are those
    of its input over all training series and steps (not PyTorch's average of the last
    batches): the network in evaluation mode normalises as it trained."""
    import copy

    rng = np.random.RandomState(0)
    X, y = rng.randn(37, 20, 1).astype(np.float32), np.array([0, 1] * 18 + [0])
    clf = RNNClassifier(**FAST).fit(X, y)
    norm = clf.module_.conv.norms[0]
    probe = copy.deepcopy(clf.module_).eval()
    seen = []
    probe.conv.norms[0].register_forward_hook(lambda m, args, out: seen.append(args[0]))
    with torch.no_grad():
        probe(torch.as_tensor(X))
    inputs = seen[0].transpose(1, 2).reshape(-1, norm.num_features)  # (series x steps, ch)
    torch.testing.assert_close(norm.running_mean, inputs.mean(0), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(norm.running_var, inputs.var(0), rtol=1e-4, atol=1e-5)
    assert norm.momentum == 0.1  # PyTorch's, for any later training


def test_batch_norm_statistics_and_equal_batches_only_with_the_branch():
    """The plain networks (tables, tokens, no branch) train exactly as before."""
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 12, 1), np.array([0, 1] * 10)
    names, iterator = _training_names(RNNClassifier(**FAST).fit(X, y))
    assert "batch_norm_statistics" in names and iterator.get("equal_batches") is True
    assert names.index("batch_norm_statistics") == names.index("convergence") + 1
    for clf, data in [
        (RNNClassifier(conv_filters=None, **FAST), X),
        (RNNClassifier(**FAST), X[:, :, 0]),  # a table: one step
    ]:
        names, iterator = _training_names(clf.fit(data, y))
        assert "batch_norm_statistics" not in names and "equal_batches" not in iterator


def test_partial_fit_recomputes_the_statistics_on_its_own_data():
    rng = np.random.RandomState(1)
    X, y = rng.randn(20, 12, 1).astype(np.float32), np.array([0, 1] * 10)
    clf = RNNClassifier(**FAST).fit(X, y)
    norm = clf.module_.conv.norms[0]
    clf.partial_fit(X[:6] * 3, y[:6])
    assert int(norm.num_batches_tracked) == 1  # one inference batch: these 6 series
    before = norm.running_mean.clone()
    clf.partial_fit(X, y)
    assert not torch.equal(before, norm.running_mean)


def test_equal_batches():
    from skorch.dataset import Dataset

    from skrnn._training.data import Batches, batch_loader

    def loader(X, **kwargs):
        return batch_loader(Dataset(X, None), equal_batches=True, **kwargs)

    X = np.arange(67.0, dtype=np.float32)[:, None]
    sizes = [len(xb) for xb, _ in loader(X, batch_size=32)]
    assert sizes == [22, 22, 23]  # not 32, 32, 3
    it = loader(X, batch_size=32, drop_last=True, shuffle=True)
    rows = torch.cat([xb for xb, _ in it]).flatten()
    assert len(it) == 3 and sorted(rows.tolist()) == X.flatten().tolist()
    assert list(Batches(0, batch_size=4, equal_batches=True)) == []
    assert [len(b) for b, _ in loader(X[:8], batch_size=4)] == [4, 4]


def test_equal_batches_is_left_out_of_skorchs_dataloader():
    """A dataset that only a DataLoader can read gets one, without equal_batches."""
    from skorch.dataset import Dataset
    from torch.utils.data import DataLoader

    from skrnn._training.nets import SequenceClassifierNet

    class Doubled(Dataset):
        def __getitem__(self, i):
            Xi, yi = super().__getitem__(i)
            return Xi * 2, yi

    net = SequenceClassifierNet(
        RNNModule, module__n_features=1, module__n_outputs=2, iterator_train__equal_batches=True
    )
    ds = Doubled(np.zeros((5, 3, 1), np.float32), np.zeros(5, np.int64))
    loader = net.get_iterator(ds, training=True)
    assert type(loader) is DataLoader and len(list(loader)) == 1
