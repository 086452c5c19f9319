"""Windows as views (issue 14): a strided, read-only window array reaches the net without
a copy of the whole array; batches are copied (and made float32) one at a time, with the
same results as training on a copy."""

import warnings

import numpy as np
import pytest
import torch
from conftest import FAST, traced_peak
from skorch.dataset import Dataset
from test_data import _assert_same_batches, net_iterator
from torch.utils.data import DataLoader, Subset

from skrnn import RNNClassifier, RNNRegressor, SlidingWindowTransformer
from skrnn._training.data import ArrayRows, dataset_tensors


def _windows(n=300, time_steps=7, n_features=1):
    series = np.cumsum(np.random.RandomState(0).standard_normal((n, n_features)), axis=0)
    windows = SlidingWindowTransformer(time_steps).fit_transform(series.squeeze())
    return windows, series[:, 0]


def test_iterator_over_a_view_gives_the_dataloader_batches():
    windows, y = _windows()
    assert not windows.flags.writeable
    assert isinstance(dataset_tensors(Dataset(windows, y))[0], ArrayRows)
    for dataset in (Dataset(windows, y), Subset(Dataset(windows, y), np.arange(5, 290, 3))):
        with warnings.catch_warnings():
            # torch warns once per process when DataLoader collates a read-only array, on
            # iteration (not construction): the comparison runs inside the filter
            warnings.simplefilter("ignore", UserWarning)
            expected = DataLoader(dataset, batch_size=32)
            _assert_same_batches(net_iterator(dataset, batch_size=32), expected)
    generator = torch.Generator()
    shuffled = net_iterator(Dataset(windows, y), batch_size=32, shuffle=True)
    shuffled.sampler.generator = generator.manual_seed(3)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(3))
    Xb, yb = next(iter(shuffled))
    np.testing.assert_array_equal(Xb.numpy(), windows[perm[:32].numpy()])
    np.testing.assert_array_equal(yb.numpy(), y[perm[:32].numpy()])


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_on_views_equals_fit_on_a_copy(early_stopping):
    windows, y = _windows()
    params = dict(FAST, early_stopping=early_stopping)
    on_view = RNNRegressor(**params).fit(windows, y)
    on_copy = RNNRegressor(**params).fit(np.array(windows, dtype=np.float32), y)
    assert on_view.loss_curve_ == on_copy.loss_curve_
    np.testing.assert_array_equal(on_view.predict(windows), on_copy.predict(np.array(windows)))
    labels = (y > np.median(y)).astype(int)
    clf_view = RNNClassifier(**FAST).fit(windows, labels)
    clf_copy = RNNClassifier(**FAST).fit(np.array(windows, dtype=np.float32), labels)
    np.testing.assert_array_equal(clf_view.predict_proba(windows), clf_copy.predict_proba(windows))


def test_fit_and_predict_do_not_copy_the_windows_whole():
    """NumPy allocations (traced by tracemalloc) stay far below one copy of the windows."""
    windows, y = _windows(n=20_000, time_steps=100)
    copy_bytes = windows.size * 4  # even a float32 copy: 8 MB; a batch is 0.4-0.8 MB
    reg = RNNRegressor(cell="rnn", units=2, epochs=1, batch_size=512, random_state=0)
    reg.fit(windows[:50], y[:50]).predict(windows[:50])  # imports are not counted
    peak = traced_peak(lambda: reg.fit(windows, y), lambda: reg.predict(windows))
    assert peak < copy_bytes / 4, (peak, copy_bytes)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_views_on_cuda():
    windows, y = _windows()
    on_view = RNNRegressor(**FAST, device="cuda").fit(windows, y)
    on_copy = RNNRegressor(**FAST, device="cuda").fit(np.array(windows, dtype=np.float32), y)
    np.testing.assert_allclose(on_view.predict(windows), on_copy.predict(windows), rtol=1e-5)
