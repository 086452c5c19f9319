"""The fast path: the nets' get_iterator slices batches (SliceIterator) that equal those of
skorch's DataLoader + default_collate, and hands over to skorch's iterator for what it
cannot slice; predict in large batches gives the outputs of small ones; train/eval mode
still switches (skorch's private _set_training hook, pinned here)."""

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, Subset

from skrnn import RNNClassifier, RNNRegressor
from skrnn._torch.rnn import RNNModule
from skrnn._training.data import SliceIterator
from skrnn._training.nets import SequenceRegressorNet


def net_iterator(dataset, batch_size=1, shuffle=False, **kwargs):
    """The training iterator a skrnn net builds for ``dataset`` (its get_iterator)."""
    options = {f"iterator_train__{k}": v for k, v in kwargs.items()}
    net = SequenceRegressorNet(
        RNNModule, batch_size=batch_size, iterator_train__shuffle=shuffle, **options
    )
    return net.get_iterator(dataset, training=True)


def _batches(loader):
    return [(Xb, yb) for Xb, yb in loader]


def _assert_same(got, expected):
    assert type(got) is type(expected)
    if isinstance(expected, dict):
        assert got.keys() == expected.keys()
        for k in expected:
            _assert_same(got[k], expected[k])
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _assert_same(g, e)
    else:
        assert got.dtype == expected.dtype
        assert got.shape == expected.shape
        assert torch.equal(got, expected)


def _assert_same_batches(slice_loader, data_loader):
    got, expected = _batches(slice_loader), _batches(data_loader)
    assert len(slice_loader) == len(data_loader) == len(expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        _assert_same(g, e)


@pytest.fixture
def arrays():
    rng = np.random.RandomState(0)
    X = rng.rand(10, 3, 2).astype(np.float32)
    return X, np.arange(10, dtype=np.int64), rng.rand(10, 2).astype(np.float32)


@pytest.mark.parametrize("batch_size", [1, 3, 10, 64])
@pytest.mark.parametrize("drop_last", [False, True])
def test_same_batches_as_dataloader(arrays, batch_size, drop_last):
    X, y_int, y_float = arrays
    for y in (y_int, y_float, None):
        ds = Dataset(X, y)
        loader = net_iterator(ds, batch_size=batch_size, drop_last=drop_last)
        assert isinstance(loader, SliceIterator)
        _assert_same_batches(loader, DataLoader(ds, batch_size=batch_size, drop_last=drop_last))


def test_dict_input_with_lengths(arrays):
    X, y, _ = arrays
    ds = Dataset({"X": X, "lengths": np.arange(1, 11) % 3 + 1}, y)
    loader = net_iterator(ds, batch_size=4)
    assert isinstance(loader, SliceIterator)
    _assert_same_batches(loader, DataLoader(ds, batch_size=4))
    Xb, _ = next(iter(loader))
    assert set(Xb) == {"X", "lengths"} and Xb["lengths"].dtype == torch.int64


def test_subset_of_dataset(arrays):
    """skorch's validation split hands the iterator a Subset."""
    X, y, _ = arrays
    sub = Subset(Dataset(X, y), [7, 2, 5, 0])
    _assert_same_batches(net_iterator(sub, batch_size=3), DataLoader(sub, batch_size=3))


def test_shuffling_reproducible_and_a_permutation(arrays):
    X, y, _ = arrays
    ds = Dataset(X, y)

    def epoch(seed):
        torch.manual_seed(seed)
        return torch.cat([yb for _, yb in net_iterator(ds, batch_size=3, shuffle=True)])

    assert torch.equal(epoch(0), epoch(0))
    assert not torch.equal(epoch(0), epoch(1))
    assert sorted(epoch(0).tolist()) == list(range(10))
    # rows stay paired with their targets
    torch.manual_seed(0)
    for Xb, yb in net_iterator(ds, batch_size=3, shuffle=True):
        assert torch.equal(Xb, torch.as_tensor(X)[yb])


def test_shuffling_follows_generator(arrays):
    X, y, _ = arrays
    ds = Dataset(X, y)
    orders = [
        torch.cat(
            [yb for _, yb in net_iterator(ds, 4, True, generator=torch.Generator().manual_seed(3))]
        )
        for _ in range(2)
    ]
    assert torch.equal(*orders)


@pytest.mark.parametrize(
    "make",
    [
        lambda X, y: (Dataset(pd.DataFrame(X[:, :, 0]), y), {}),  # DataFrame
        lambda X, y: (torch.utils.data.TensorDataset(torch.as_tensor(X)), {}),  # not skorch's
        lambda X, y: (Dataset(X, y), {"num_workers": 0}),  # an option it does not implement
        lambda X, y: (Dataset(X, y), {"collate_fn": lambda b: b}),
    ],
    ids=["dataframe", "foreign-dataset", "num_workers", "collate_fn"],
)
@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")
def test_falls_back_to_dataloader(arrays, make):
    X, y, _ = arrays
    ds, kwargs = make(X, y)
    loader = net_iterator(ds, batch_size=4, **kwargs)
    assert type(loader) is DataLoader
    assert len(list(loader)) == 3


def test_dataset_subclass_with_own_items_falls_back(arrays):
    class Doubled(Dataset):
        def __getitem__(self, i):
            Xi, yi = super().__getitem__(i)
            return Xi * 2, yi

    X, y, _ = arrays
    loader = net_iterator(Doubled(X, y), batch_size=4)
    assert type(loader) is DataLoader
    assert torch.equal(next(iter(loader))[0], torch.as_tensor(X[:4]) * 2)


def test_predict_in_large_batches_matches_small():
    """predict runs in batches of at least 1024 rows: the same outputs as small batches."""
    X = np.random.RandomState(0).rand(1030, 3, 1)
    reg = RNNRegressor(units=2, epochs=1, random_state=0).fit(X[:32], X[:32, 0, 0])
    parts = np.concatenate([reg.predict(X[:515]), reg.predict(X[515:])])
    np.testing.assert_allclose(reg.predict(X), parts, rtol=1e-5, atol=1e-6)


def test_train_and_eval_mode_still_switch():
    """skrnn's nets skip Module.train when the mode is unchanged; dropout still turns
    on for training and off for predict."""
    X = np.random.RandomState(0).rand(16, 3, 1)
    y = (X[:, 0, 0] > 0.5).astype(int)
    clf = RNNClassifier(units=2, num_layers=2, dropout=0.5, epochs=1, random_state=0).fit(X, y)
    assert all(m.training for m in clf.module_.modules())
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    assert not any(m.training for m in clf.module_.modules())
    clf.partial_fit(X, y)
    assert all(m.training for m in clf.module_.modules())


def test_history_records_epochs_and_batches():
    """skrnn's nets keep a FastHistory: read like skorch's, reset by a new fit."""
    X = np.random.RandomState(0).rand(20, 3, 1)
    reg = RNNRegressor(units=2, epochs=2, batch_size=8, random_state=0).fit(X, X[:, 0, 0])
    assert len(reg.history_[:, "train_loss"]) == 2
    assert reg.history_[-1, "batches", :, "train_batch_size"] == [8, 8, 4]
    reg.partial_fit(X, X[:, 0, 0])
    assert reg.n_iter_ == 3
    assert len(reg.fit(X, X[:, 0, 0]).history_) == 2


def test_whole_dataset_batch_as_skorch():
    """batch_size=-1 is one batch of the whole dataset, as in skorch's get_iterator."""
    ds = Dataset(np.zeros((10, 3, 1), np.float32), np.arange(10))
    batches = list(net_iterator(ds, batch_size=-1))
    assert len(batches) == 1 and len(batches[0][1]) == 10


def test_skorch_still_calls_the_private_set_training_hook():
    """FastPathMixin overrides skorch's private NeuralNet._set_training (docs/upstream.md):
    this fails as soon as skorch stops calling it, instead of the mode switch silently
    going back to skorch's way (or breaking)."""
    calls = []

    class Spy(SequenceRegressorNet):
        def _set_training(self, training=True):
            calls.append(training)
            super()._set_training(training)

    X = np.random.RandomState(0).rand(8, 3, 1).astype(np.float32)
    y = X[:, 0].copy()
    net = Spy(RNNModule, module__n_features=1, module__n_outputs=1, max_epochs=1, batch_size=4)
    net.fit(X, y).predict(X)
    assert calls[:2] == [True, True] and calls[-1] is False
    assert {"_modules", "_criteria"} <= set(vars(net))  # what _set_training reads
