"""Per-fit random generators: seeding without torch's process-wide RNG.

Every fit derives an integer seed from ``random_state`` and draws its initial weights
(:func:`skrnn._torch.init.init_parameters`), shuffling, dropout masks and teacher-forcing
choices from ``torch.Generator`` objects seeded with it. The training generator reaches
the data loader and the modules through a context variable (:func:`use_generator`),
which is local to a thread (and to an asyncio task), so fits running side by side in
threads never share draws. Only integer seeds are kept on estimators: a
``torch.Generator`` cannot be pickled.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = [
    "current_generator",
    "fit_seed",
    "keep_global_rng",
    "make_generator",
    "rand",
    "use_generator",
]

_GENERATOR: ContextVar[torch.Generator | None] = ContextVar("skrnn_generator", default=None)


def fit_seed(random_state) -> int:
    """The integer seed of one fit: drawn from ``random_state`` as scikit-learn does.

    Examples
    --------
    >>> fit_seed(0) == fit_seed(0)
    True
    """
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def make_generator(seed: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed``."""
    return torch.Generator().manual_seed(int(seed))


@contextlib.contextmanager
def use_generator(generator: torch.Generator):
    """Make ``generator`` the source of shuffling, dropout and teacher forcing in this
    thread for the duration of the block (see :func:`current_generator`).

    Examples
    --------
    >>> with use_generator(make_generator(0)):
    ...     a = rand(2)
    >>> with use_generator(make_generator(0)):
    ...     b = rand(2)
    >>> bool((a == b).all())
    True
    """
    token = _GENERATOR.set(generator)
    try:
        yield generator
    finally:
        _GENERATOR.reset(token)


def current_generator() -> torch.Generator | None:
    """The generator of the fit running in this thread, ``None`` outside a fit (then
    torch's global RNG is used, as plain PyTorch modules do)."""
    return _GENERATOR.get()


def rand(*shape: int, device=None) -> torch.Tensor:
    """Uniform ``[0, 1)`` draws from the fit's generator (drawn on the CPU, moved to
    ``device``), or from torch's global RNG outside a fit."""
    generator = current_generator()
    if generator is None:
        return torch.rand(*shape, device=device)
    return torch.rand(*shape, generator=generator).to(device)


@contextlib.contextmanager
def keep_global_rng(device="cpu"):
    """Restore torch's global RNG state after the block.

    Building PyTorch layers draws their default weights from the global RNG; skrnn
    re-draws them from the fit's generator, so results never depend on the global
    state, and this keeps a caller's global RNG stream as it was.
    """
    dev = torch.device(device)
    devices = [dev.index or 0] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        yield
