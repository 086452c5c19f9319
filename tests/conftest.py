import warnings

import numpy as np
import pytest
import torch
from sktime.utils import warnings as sktime_warnings


class _RestoringSuppressWarningPattern(sktime_warnings._SuppressWarningPattern):
    """sktime 1.2's context manager for pandas' date-alias warnings (entered on every
    conversion of a forecasting horizon) leaves a global ``"default"`` filter for every
    ``FutureWarning`` behind on exit, which turns pyproject's ``"error"`` into a printed
    warning for the rest of the test (67 of them before this). The suite uses one that
    restores the filters instead, so that warnings stay errors (tests/test_warnings.py)."""

    def __enter__(self):
        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.filterwarnings("ignore", category=self.warning_type, message=self.message_pattern)

    def __exit__(self, *exc_info):
        self._catcher.__exit__(*exc_info)


sktime_warnings._SuppressWarningPattern = _RestoringSuppressWarningPattern

#: Settings of a quick fit shared by the test modules (each may override a few keys):
#: tests check behaviour, not accuracy, so tiny networks trained for a few epochs do.
FAST = dict(units=8, epochs=3, batch_size=16, random_state=0)


def windows_seen(network) -> int:
    """Training windows in the last epoch of a fitted network (windows of weight 0, such
    as a panel's that cross from one series into the next, leave the batches)."""
    return sum(batch["train_batch_size"] for batch in network.net_.history[-1, "batches"])


def traced_peak(*calls) -> int:
    """Peak bytes of Python/NumPy allocations (tracemalloc) while ``calls`` run in turn."""
    import tracemalloc

    tracemalloc.start()
    try:
        for call in calls:
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def seq_data():
    """Small regression problem: 3D sequences whose target is their sum."""
    rng = np.random.RandomState(0)
    X = rng.rand(48, 5, 2)
    y = X.sum(axis=(1, 2)) / 5.0
    return X, y


@pytest.fixture
def clf_data():
    """Small 3-class problem with string labels, learnable from the sign of the mean."""
    rng = np.random.RandomState(0)
    X = rng.randn(60, 6, 1)
    mean = X.mean(axis=(1, 2))
    y = np.where(mean > 0.2, "up", np.where(mean < -0.2, "down", "flat"))
    return X, y


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run a test module with one torch intra-op thread (restored after): for small nets
    on a small machine shared with other jobs, threads mostly wait on each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
