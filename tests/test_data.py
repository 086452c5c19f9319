"""The nets' data path through PyTorch's and skorch's public mechanisms: their
iterator_train/iterator_valid (batch_loader) read a dataset indexed by batch
(TensorBatches) in the order of a sampler of whole batches (Batches) with BatchLoader,
whose batches equal those of DataLoader(batch_size=None) over the same two and those of
skorch's DataLoader + default_collate, drawing one randperm per pass from the fit's
generator; skorch's per-sample DataLoader gets what it cannot slice; predict in large
batches gives the outputs of small ones; train/eval mode still switches, through the
modules' public train() (no private skorch method is overridden)."""

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, Subset

from skrnn import RNNClassifier, RNNRegressor
from skrnn._torch.rnn import RNNModule
from skrnn._training.data import Batches, BatchLoader, TensorBatches, batch_loader
from skrnn._training.nets import Seq2SeqNet, SequenceClassifierNet, SequenceRegressorNet


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
        assert isinstance(loader.dataset, TensorBatches) and isinstance(loader.sampler, Batches)
        _assert_same_batches(loader, DataLoader(ds, batch_size=batch_size, drop_last=drop_last))


def test_dict_input_with_lengths(arrays):
    X, y, _ = arrays
    ds = Dataset({"X": X, "lengths": np.arange(1, 11) % 3 + 1}, y)
    loader = net_iterator(ds, batch_size=4)
    assert isinstance(loader.dataset, TensorBatches)
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
    assert type(loader) is DataLoader and loader.dataset is ds  # per sample
    assert len(list(loader)) == 3


def test_dataset_subclass_with_own_items_falls_back(arrays):
    class Doubled(Dataset):
        def __getitem__(self, i):
            Xi, yi = super().__getitem__(i)
            return Xi * 2, yi

    X, y, _ = arrays
    loader = net_iterator(Doubled(X, y), batch_size=4)
    assert type(loader.dataset) is Doubled
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


def test_one_randperm_per_pass_from_the_generator(arrays):
    """Shuffled batches are the slices of one torch.randperm per pass drawn from the
    given generator (what benchmarks/raw.py and the single-process fit draw), and
    nothing else draws from it or from torch's global RNG: torch's RandomSampler draws a
    second permutation per pass and DataLoader a seed, which would change the batches of
    later epochs for a given random_state."""
    X, y, _ = arrays
    ds = Dataset(X, y)
    generator, reference = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    loader = net_iterator(ds, 4, True, generator=generator)
    assert isinstance(loader, BatchLoader)
    global_state = torch.get_rng_state()
    for through in (loader, loader.dataloader()):  # skrnn's loop, and torch's DataLoader
        assert through.sampler is loader.sampler
        for _ in range(3):
            perm = torch.randperm(10, generator=reference)
            assert [yb.tolist() for _, yb in through] == [p.tolist() for p in perm.split(4)]
        assert torch.equal(generator.get_state(), reference.get_state())
        assert torch.equal(torch.get_rng_state(), global_state)


@pytest.mark.parametrize("shuffle", [False, True])
def test_batch_loader_yields_what_torchs_dataloader_yields(arrays, shuffle):
    """BatchLoader iterates the dataset and the sampler itself (for speed); a
    DataLoader(batch_size=None) over the same two gives the same batches."""
    X, y, _ = arrays
    ds = Dataset({"X": X, "lengths": np.arange(10)}, y)
    seed = torch.Generator().manual_seed

    def loader():
        return batch_loader(ds, 3, shuffle=shuffle, generator=seed(1), equal_batches=True)

    assert type(loader().dataloader()) is DataLoader
    got, expected = _batches(loader()), _batches(loader().dataloader())
    assert [len(yb) for _, yb in got] == [2, 3, 2, 3]  # equal_batches
    for g, e in zip(got, expected, strict=True):
        _assert_same(g, e)


def test_batches_shard_a_global_batch():
    """distributed=True: each process gets its part of each global batch (rows repeat
    when a batch has fewer rows than processes)."""
    sampler = Batches(5, batch_size=4)
    sampler.shard = (1, 2)
    assert [rows.tolist() for rows in sampler] == [[1, 3], [4]]


def test_pin_memory_only_with_cuda(arrays):
    """pin_memory=True pins batches where CUDA exists and is left off (no warning)
    elsewhere."""
    X, y, _ = arrays
    loader = batch_loader(Dataset(X, y), batch_size=4, pin_memory=True)
    assert loader.pin_memory is torch.cuda.is_available()
    assert len(list(loader)) == 3


def _skorch_private_names():
    from skorch import NeuralNet

    return {name for name in dir(NeuralNet) if name.startswith("_") and not name.startswith("__")}


@pytest.mark.parametrize("net_class", [SequenceRegressorNet, SequenceClassifierNet, Seq2SeqNet])
def test_no_private_skorch_method_is_overridden(net_class):
    """skrnn's nets customise skorch through public hooks only: no class of skrnn's in
    their MRO defines a private name of skorch's NeuralNet (such as _set_training)."""
    private = _skorch_private_names()
    assert "_set_training" in private  # the check reads skorch's names
    for cls in net_class.__mro__:
        if cls.__module__.startswith("skrnn"):
            assert not private & set(vars(cls)), cls


def test_mode_switch_through_the_modules_public_train(monkeypatch):
    """skorch switches the mode before every batch through module_.train(training);
    skrnn's modules (ModeSwitchMixin) walk their submodules only when a mode changes:
    here two walks for the whole fit (into training, then eval for predict)."""
    walks = []
    original = torch.nn.Module.train

    def counting_train(self, mode=True):
        if isinstance(self, RNNModule):
            walks.append(mode)
        return original(self, mode)

    calls = []
    original_module_train = RNNModule.train

    def spy(self, mode=True):
        calls.append(mode)
        return original_module_train(self, mode)

    monkeypatch.setattr(torch.nn.Module, "train", counting_train)
    monkeypatch.setattr(RNNModule, "train", spy)
    X = np.random.RandomState(0).rand(16, 3, 1).astype(np.float32)
    net = SequenceRegressorNet(
        RNNModule,
        module__n_features=1,
        module__n_outputs=1,
        max_epochs=2,
        batch_size=4,
        train_split=None,
        verbose=0,
    )
    net.initialize().module_.eval()
    walks.clear()
    net.partial_fit(X, X[:, 0].copy()).predict(X)
    assert calls.count(True) >= 8  # skorch still calls it per training batch
    assert walks == [True, False]


def test_module_train_is_exact_after_a_submodule_was_switched():
    """A submodule switched on its own is switched back, as Module.train does."""
    m = RNNModule(n_features=1, n_outputs=1, num_layers=2, dropout=0.5)
    m.train()
    m.head.eval()
    assert m.train().head.training
    m.eval()
    m.rnn.train()
    assert not any(sub.training for sub in m.eval().modules())
    with pytest.raises(ValueError):
        m.train("yes")
