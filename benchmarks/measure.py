"""Timing and memory helpers."""

from __future__ import annotations

import os
import resource
import statistics
import threading
import time

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


class PeakRSS:
    """Peak RSS growth over a block, sampled every ``interval`` s by a background thread.

    ``peak_mib`` is the largest RSS seen during the block minus the RSS at its start
    (so it includes tensors allocated by PyTorch, which ``tracemalloc`` does not see).
    Used only in fresh processes (``python -m benchmarks --probe``), never while timing.
    """

    def __init__(self, interval: float = 0.002):
        self.interval = interval
        self.peak_mib = float("nan")

    def __enter__(self):
        self._start = rss_bytes()
        self._peak = self._start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, rss_bytes())
        self.peak_mib = (self._peak - self._start) / 2**20
        return False


def max_rss_mib() -> float:
    """Peak RSS of this process so far (``getrusage``), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """Wall time of one call (``perf_counter``) and its result."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def alternate(fns: dict, reps: int) -> dict[str, list[float]]:
    """Run the callables of ``fns`` in turn, ``reps`` rounds; wall times per name.

    Round ``r`` calls every function with ``r`` (a seed), in the order given on even
    rounds and in reverse on odd rounds (A B, B A, A B, ...), so each side runs under the
    same machine conditions as the other and neither always goes first.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(reps):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name].append(timed(fns[name], r)[0])
    return times


def median(values) -> float:
    return float(statistics.median(values))


def _burn(n: int = 2_000_000) -> int:
    x = 0
    for i in range(n):
        x += i
    return x


def parallel_ceiling(reps: int = 3) -> float:
    """The speed-up two processes can get on this machine right now.

    Wall time of two pure-Python CPU-bound tasks run one after the other, divided by
    that of the two run at once in two loky workers (median of ``reps`` alternating
    rounds). About 2 on an idle 2-core machine; on a shared one, what other users leave.
    """
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=2)
    parallel(delayed(_burn)(10) for _ in range(2))  # start the workers
    times = alternate(
        {
            "serial": lambda _: [_burn() for _ in range(2)],
            "parallel": lambda _: parallel(delayed(_burn)() for _ in range(2)),
        },
        reps,
    )
    return median(times["serial"]) / median(times["parallel"])
