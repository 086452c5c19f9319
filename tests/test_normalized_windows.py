"""Windows normalised a batch at a time (issue 23, scale): RNNRegressor's instance_norm
on a strided view of windows and targets (a long series or a panel laid end to end, as
RNNForecaster trains on) gives the fit of a copy without holding the normalised copy,
and leaves windows of weight 0 out of the batches."""

import numpy as np
import pytest
from conftest import FAST, traced_peak

from skrnn import RNNRegressor
from skrnn.neural_network._normalization import NormalizedRows


def _panel_windows(n=600, time_steps=12, horizon=3):
    """Windows and multi-step targets as strided views of one series (the forecaster's
    layout): neither is contiguous."""
    series = np.cumsum(np.random.RandomState(1).standard_normal(n)).astype(np.float32)
    view = np.lib.stride_tricks.sliding_window_view
    X = view(series, time_steps)[: n - time_steps - horizon + 1, :, None]
    return X, view(series[time_steps:], horizon)


@pytest.mark.parametrize("instance_norm", ["last", "mean", "standard"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_instance_norm_on_views_equals_a_copy(instance_norm, early_stopping):
    """Windows normalised a batch at a time train and predict as a copy does, sample
    weights included (the standardisation's weighted statistics); windows of weight 0
    are left out of the batches: the fit equals one on a copy without them."""
    X, y = _panel_windows()
    weight = (np.arange(len(X)) % 5 != 0).astype(np.float32)
    keep = weight > 0
    params = dict(FAST, instance_norm=instance_norm, early_stopping=early_stopping)
    on_view = RNNRegressor(**params).fit(X, y, sample_weight=weight)
    on_copy = RNNRegressor(**params).fit(X[keep], y[keep], sample_weight=weight[keep])
    np.testing.assert_array_equal(on_view.target_scale_, on_copy.target_scale_)
    assert on_view.loss_curve_ == on_copy.loss_curve_
    np.testing.assert_array_equal(on_view.predict(X), on_copy.predict(np.array(X)))
    unweighted = RNNRegressor(**params).fit(X, y)
    copied = RNNRegressor(**params).fit(np.array(X), np.array(y))
    assert unweighted.loss_curve_ == copied.loss_curve_


def test_instance_norm_does_not_copy_the_windows_whole():
    """With instance_norm, strided windows and targets are normalised per batch: NumPy
    allocations stay far below one float32 copy of the windows (normalising them whole
    took several: a float64 copy of the windows, one of the targets, their float32)."""
    X, y = _panel_windows(n=40_000, time_steps=96, horizon=4)
    copy_bytes = X.size * 4  # 15 MB; a batch of 512 windows is 0.2 MB
    reg = RNNRegressor(cell="rnn", units=2, epochs=1, batch_size=512, instance_norm="last")
    reg.set_params(random_state=0).fit(X[:50], y[:50]).predict(X[:50])  # imports
    peak = traced_peak(lambda: reg.fit(X, y), lambda: reg.predict(X))
    assert peak < copy_bytes / 2, (peak, copy_bytes)


def test_normalized_rows_index_subset_and_take_agree():
    """Batches taken by slice, by index tensor (shuffled), through a subset, and row by
    row (skorch's DataLoader) are the same normalised rows."""
    import torch

    X, y = _panel_windows(n=50)
    shift, scale = X[:, -1] - 1.0, np.full((len(X), 1), 2.0)
    rows = NormalizedRows(X, shift, scale, mean=0.5, std=4.0)
    whole = ((X - shift[:, None]) / scale[:, None] - 0.5) / 4.0
    np.testing.assert_allclose(rows.take(slice(0, len(X))).numpy(), whole, rtol=1e-6)
    pick = torch.tensor([7, 2, 30])
    np.testing.assert_array_equal(rows.take(pick).numpy(), rows.take(slice(0, 40)).numpy()[pick])
    sub = rows.subset(np.array([30, 2, 7, 11]))
    assert len(sub) == 4 and sub.shape == (4, *X.shape[1:])
    np.testing.assert_array_equal(
        sub.take(torch.tensor([2, 1, 0])).numpy(), rows.take(pick).numpy()
    )
    np.testing.assert_array_equal(sub[3], rows[11])
    targets = NormalizedRows(y, shift, scale, cols=np.zeros(y.shape[1], dtype=np.intp))
    np.testing.assert_allclose(targets[4], (y[4] - shift[4, 0]) / 2.0, rtol=1e-6)
