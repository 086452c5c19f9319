"""Torch threads of a fit (skrnn._training.threads): fits running at once in threads of one
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
from skrnn._training import threads as _threads
from skrnn._training.threads import fit_threads

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


def test_the_limit_is_the_fits_own_thread_only(seq_data, restore_threads):
    """A thread started while a fit trains keeps the process's setting (torch's
    set_num_threads would have handed it the fit's share), and the fits in training
    are live threads: none is left when they end."""
    X, y = seq_data
    torch.set_num_threads(cpu_count() + 2)  # more than the cores: the fit is capped
    started_inside = []

    class StartAThread(Callback):
        def on_train_begin(self, net, **kwargs):
            SEEN.append(torch.get_num_threads())
            other = threading.Thread(target=lambda: started_inside.append(torch.get_num_threads()))
            other.start()
            other.join()

    RNNRegressor(**FAST, callbacks=[StartAThread()]).fit(X, y)
    assert SEEN == [cpu_count()]
    assert started_inside == [cpu_count() + 2]
    assert torch.get_num_threads() == cpu_count() + 2
    assert _threads._fits_training() == 0


def test_fits_in_training_are_the_live_threads_inside_fit_threads(restore_threads):
    """No counter to drift: a thread that ended without leaving fit_threads (as the
    other threads of a forked parent are absent from the child) is not a fit in
    training; a live one inside it is, and a second fit shares the cores with it."""
    dead = threading.Thread(target=lambda: None)
    dead.start()
    dead.join()
    _threads._TRAINING.add(dead)
    assert _threads._fits_training() == 0
    entered, release = threading.Event(), threading.Event()

    def training():
        with fit_threads():
            entered.set()
            release.wait(timeout=60)

    worker = threading.Thread(target=training)
    worker.start()
    entered.wait(timeout=60)
    assert _threads._fits_training() == 1
    torch.set_num_threads(cpu_count() + 1)
    with fit_threads():
        assert torch.get_num_threads() <= max(1, cpu_count() // 2)
    release.set()
    worker.join()
    assert _threads._fits_training() == 0
