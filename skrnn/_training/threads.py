"""Torch threads of a fit: the share of the process's cores, not torch's whole team.

Fits that run at once in threads of one process (joblib's threading backend, a Dask
worker with several threads and no ``OMP_NUM_THREADS``, a ``ThreadPoolExecutor``) would
each start a team of torch's intra-op threads: on a 2-core machine two fits with 2
threads each keep 4 busy-waiting threads on 2 cores, which made the same small fit vary
from seconds to over a minute. :func:`fit_threads` gives a fit that starts while others
train at most ``cores // fits training`` threads.

The limit is OpenMP's, the threads torch's CPU kernels run on (``torch.__config__.
parallel_info()``: "ATen parallel backend: OpenMP"), set through threadpoolctl for the
calling thread only and restored when the fit ends: torch's own
``torch.set_num_threads`` would also change the count every thread started later
inherits, and the caller's setting, while the fit runs. A fit alone in its process keeps
its thread's setting (capped at the cores), which already honours the usual limits:
``OMP_NUM_THREADS`` (joblib's loky workers get ``cores // n_jobs``, Dask's nanny sets 1),
``torch.set_num_threads`` and ``threadpoolctl.threadpool_limits``. Cores are counted as
joblib does (CPU affinity and cgroup quotas included).

One gap, measured (issue 24): torch's CPU wheels link MKL statically, out of
threadpoolctl's reach. MKL follows the calling thread's OpenMP count unless
``torch.set_num_threads(n)`` was called in the process: torch then sets MKL's count of
every thread to ``n`` as well, and matrix products of a fit limited below ``n`` still
start a team of ``n`` (on a 2-core machine, a 600x600 product in a new thread under a
limit of 1 started one more OpenMP thread after ``torch.set_num_threads(2)``, none
without that call).
Keep ``torch.set_num_threads`` at or below each fit's share (1 on a busy machine, as the
README advises), or leave it unset.

The fits in training are the live threads that are inside :func:`fit_threads` (a weak
set of threads, read against ``threading.enumerate()``), not a counter: a thread that
ended, or that a forked child does not have, never counts, and no lock is held.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import weakref

import torch
from joblib import cpu_count
from threadpoolctl import ThreadpoolController

__all__ = ["fit_threads"]

#: the threads inside a fit's training now (weak: an ended thread leaves by itself)
_TRAINING: weakref.WeakSet = weakref.WeakSet()


@functools.cache
def _controller() -> ThreadpoolController:
    """threadpoolctl's view of the loaded thread pools, found once (3.5 ms) and reused
    (0.08 ms a limit): torch's OpenMP runtime is loaded with torch, before any fit."""
    return ThreadpoolController()


def _fits_training() -> int:
    return sum(1 for thread in threading.enumerate() if thread in _TRAINING)


@contextlib.contextmanager
def fit_threads():
    """Run a block (one fit's training) with at most this fit's share of the cores.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with fit_threads():
    ...     inside = torch.get_num_threads()
    >>> inside <= before == torch.get_num_threads()
    True
    """
    me = threading.current_thread()
    if me in _TRAINING:  # a fit inside a fit's training (a callback): already limited
        yield
        return
    _TRAINING.add(me)
    try:
        share = max(1, cpu_count() // _fits_training())
        # torch.get_num_threads first: torch sets a new thread's OpenMP count on its
        # first call there, which would undo a limit set before it
        if share < torch.get_num_threads():
            with _controller().limit(limits=share, user_api="openmp"):
                yield
        else:
            yield
    finally:
        _TRAINING.discard(me)
