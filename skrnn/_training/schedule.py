"""Learning-rate schedules of a training call, over its bound of epochs: a cosine decay,
or a constant rate that falls linearly at the end (a cooldown).

skorch's ``LRScheduler`` (``CosineAnnealingLR``) needs the number of epochs when it is
built, and it restarts from its first step at every ``fit``/``partial_fit`` call of the
net. An estimator knows its bound only when a call starts (``epochs``, or one epoch for
``partial_fit``), so :class:`EpochDecay` is told it then (``max_epochs``), and each
training call is one schedule: ``lr`` in its first epoch, then falling towards 0 over
the call's epochs (a call of one epoch, such as ``partial_fit``, trains at ``lr``).
"""

from __future__ import annotations

import math

from skorch.callbacks import Callback

__all__ = [
    "COOLDOWN_FRACTION",
    "SCHEDULES",
    "CosineDecay",
    "EpochDecay",
    "cooldown_lr",
    "cosine_lr",
]

#: ``lr_schedule="cooldown"``: the share of a training call's epochs, at its end, over
#: which the learning rate falls (measured on examples/text_generation.py,
#: docs/benchmarks.md "Time to accuracy").
COOLDOWN_FRACTION = 0.3


def cosine_lr(lr: float, epoch: int, max_epochs: int) -> float:
    """The learning rate of epoch ``epoch`` (0-based) of ``max_epochs``:
    ``lr * (1 + cos(pi * epoch / max_epochs)) / 2``, as PyTorch's ``CosineAnnealingLR``
    with ``T_max=max_epochs`` and ``eta_min=0``, stepped once per epoch.

    Examples
    --------
    >>> [round(cosine_lr(1.0, e, 4), 3) for e in range(4)]
    [1.0, 0.854, 0.5, 0.146]
    >>> cosine_lr(0.01, 0, 1)  # one epoch: the whole learning rate
    0.01
    """
    epoch = min(max(epoch, 0), max_epochs)
    return lr * (1.0 + math.cos(math.pi * epoch / max_epochs)) / 2.0


def cooldown_lr(lr: float, epoch: int, max_epochs: int) -> float:
    """The learning rate of epoch ``epoch`` (0-based) of ``max_epochs``: ``lr`` until the
    last :data:`COOLDOWN_FRACTION` of the epochs, then falling linearly towards 0:
    ``lr * min(1, (max_epochs - epoch) / (COOLDOWN_FRACTION * max_epochs))``.

    Examples
    --------
    >>> [round(cooldown_lr(1.0, e, 10), 3) for e in range(10)]
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.667, 0.333]
    >>> cooldown_lr(0.01, 0, 1)  # one epoch: the whole learning rate
    0.01
    """
    epoch = min(max(epoch, 0), max_epochs)
    return lr * min(1.0, (max_epochs - epoch) / (COOLDOWN_FRACTION * max_epochs))


#: The schedules of ``lr_schedule`` that decay: the learning rate of an epoch of a call.
SCHEDULES = {"cosine": cosine_lr, "cooldown": cooldown_lr}


class EpochDecay(Callback):
    """skorch callback: the optimizer's learning rate follows one of :data:`SCHEDULES`
    (``"cosine"``: :func:`cosine_lr`, ``"cooldown"``: :func:`cooldown_lr`) over the
    epochs of each training call, from the net's ``lr``.

    ``max_epochs`` is the bound of the call, set by the estimator before it trains
    (``None``: the net's ``max_epochs``). The learning rate of each epoch is recorded in
    the history as ``event_lr``, the name skorch's ``LRScheduler`` records it under.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetRegressor
    >>> net = NeuralNetRegressor(torch.nn.Linear(2, 1), max_epochs=4, lr=0.1,
    ...                          train_split=None, callbacks=[EpochDecay()], verbose=0)
    >>> X, y = np.ones((8, 2), dtype=np.float32), np.ones((8, 1), dtype=np.float32)
    >>> [round(lr, 4) for lr in net.fit(X, y).history[:, "event_lr"]]
    [0.1, 0.0854, 0.05, 0.0146]
    >>> net = net.set_params(callbacks__EpochDecay__schedule="cooldown")
    >>> [round(lr, 4) for lr in net.fit(X, y).history[:, "event_lr"]]
    [0.1, 0.1, 0.1, 0.0833]
    """

    def __init__(self, schedule: str = "cosine", max_epochs: int | None = None):
        self.schedule = schedule
        self.max_epochs = max_epochs

    def on_train_begin(self, net, **kwargs):
        self.first_epoch_ = len(net.history)

    def on_epoch_begin(self, net, **kwargs):
        # the net's own on_epoch_begin has opened this epoch's history row already
        epoch = len(net.history) - 1 - self.first_epoch_
        lr = SCHEDULES[self.schedule](net.lr, epoch, self.max_epochs or net.max_epochs)
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        net.history.record("event_lr", lr)


class CosineDecay(EpochDecay):
    """:class:`EpochDecay` along :func:`cosine_lr` (the class that fitted estimators of
    version 0.2.0 pickled hold).

    Examples
    --------
    >>> CosineDecay(max_epochs=4).schedule
    'cosine'
    """

    schedule = "cosine"  # also for the instances pickled before ``schedule`` existed

    def __init__(self, max_epochs: int | None = None):
        super().__init__("cosine", max_epochs)
