"""Torch threads of a fit (skrnn._threads): fits running at once in threads of one
process share its cores instead of each starting torch's whole thread team, and the
caller's setting is back when they end."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from conftest import FAST
from joblib import cpu_count
from skorch.callbacks import Callback

from skrnn import RNNRegressor
from skrnn._threads import fit_threads

#: module-level, since estimators fit copies of their callbacks: a barrier that makes
#: fits wait for each other inside training (so that they surely overlap) and what the
#: fits saw
_BARRIER: dict = {}
SEEN: list = []


class RecordThreads(Callback):
    """Waits for the other fits at the start of training, then records torch's threads."""

    def on_train_begin(self, net, **kwargs):
        if "barrier" in _BARRIER:
            _BARRIER["barrier"].wait(timeout=60)
        SEEN.append(torch.get_num_threads())


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    SEEN.clear()
    yield
    torch.set_num_threads(threads)


def fit(X, y):
    return RNNRegressor(**FAST, callbacks=[RecordThreads()]).fit(X, y)


def test_overlapping_fits_in_threads_share_the_cores(seq_data, restore_threads):
    X, y = seq_data
    many = cpu_count() + 2  # more than any share: the cap must apply
    torch.set_num_threads(many)
    _BARRIER["barrier"] = threading.Barrier(2)
    try:
        with ThreadPoolExecutor(2) as pool:
            fitted = list(pool.map(lambda _: fit(X, y), range(2)))
    finally:
        del _BARRIER["barrier"]
    # the fit that starts second shares the cores with the first; neither exceeds them
    assert len(SEEN) == 2 and min(SEEN) <= max(1, cpu_count() // 2)
    assert max(SEEN) <= cpu_count()
    assert torch.get_num_threads() == many  # the caller's setting is back
    # the same model as a fit alone: threads change the speed, not the result
    alone = RNNRegressor(**FAST).fit(X, y)
    for est in fitted:
        np.testing.assert_allclose(est.predict(X), alone.predict(X), rtol=1e-5, atol=1e-6)


def test_a_fit_alone_keeps_the_callers_setting(seq_data, restore_threads):
    X, y = seq_data
    torch.set_num_threads(1)
    fit(X, y)
    assert SEEN == [1] and torch.get_num_threads() == 1


def test_fit_threads_restores_after_an_error(restore_threads):
    torch.set_num_threads(cpu_count() + 1)
    with pytest.raises(RuntimeError), fit_threads():
        assert torch.get_num_threads() <= cpu_count()
        raise RuntimeError("a failing fit")
    assert torch.get_num_threads() == cpu_count() + 1
