"""Torch threads of a fit: the share of the process's cores, not torch's whole team.

Fits that run at once in threads of one process (joblib's threading backend, a Dask
worker with several threads and no ``OMP_NUM_THREADS``, a ``ThreadPoolExecutor``) would
each start a team of torch's intra-op threads: on a 2-core machine two fits with 2
threads each keep 4 busy-waiting threads on 2 cores, which made the same small fit vary
from seconds to over a minute. :func:`fit_threads` gives a fit that starts while others
run at most ``cores // fits running`` threads.

torch keeps the thread count per thread (OpenMP's setting of the calling thread; a new
thread starts from the last value set anywhere), so a fit sets and restores only its own
thread's count: the caller's setting is left as it was, and a fit already running keeps
the count it started with. A fit alone in its process keeps its thread's setting (capped
at the cores), which already honours the usual limits: ``OMP_NUM_THREADS`` (joblib's loky
workers get ``cores // n_jobs``, Dask's nanny sets 1), ``torch.set_num_threads`` and
``threadpoolctl.threadpool_limits``. Cores are counted as joblib does (CPU affinity and
cgroup quotas included).
"""

from __future__ import annotations

import contextlib
import threading

import torch
from joblib import cpu_count

__all__ = ["fit_threads"]

_LOCK = threading.Lock()
_running = 0  # skrnn fits training in this process


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
    global _running
    with _LOCK:
        _running += 1
        share = max(1, cpu_count() // _running)
    before = torch.get_num_threads()
    if share < before:
        torch.set_num_threads(share)
    try:
        yield
    finally:
        if share < before:
            torch.set_num_threads(before)
        with _LOCK:
            _running -= 1
