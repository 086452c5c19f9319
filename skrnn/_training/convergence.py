"""Training stops when it has converged: scikit-learn's MLP rule as a skorch callback.

scikit-learn's ``MLPRegressor``/``MLPClassifier`` stop training when the training loss
has not improved by ``tol`` for ``n_iter_no_change`` consecutive epochs (with
``early_stopping=True``: the validation score), ``max_iter`` being only an upper bound,
and warn with a ``ConvergenceWarning`` when the bound comes first.
:class:`ConvergenceStopping` is that rule for every skrnn net; ``epochs`` is the bound.
"""

from __future__ import annotations

import copy
import math
import warnings

from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from .health import user_stacklevel

__all__ = ["ConvergenceStopping"]


class ConvergenceStopping(Callback):
    """skorch callback: stop when ``monitor`` has not improved by ``tol`` for
    ``n_iter_no_change`` epochs, as scikit-learn's MLP.

    After every epoch the monitored value (``history[-1, monitor]``) is compared with the
    best so far: an epoch whose value is not better than the best by more than ``tol``
    (absolute, as scikit-learn's) is a miss; training stops (skorch's
    ``KeyboardInterrupt``) after more than ``n_iter_no_change`` consecutive misses, which
    is scikit-learn's count. Each training call (``fit``, one ``partial_fit``) starts
    afresh. With ``load_best``, the weights of the best epoch are restored at the end of
    the call (what scikit-learn does with its validation score). ``min_epochs``: no stop
    before this many epochs of the call (the training budget small sequence data sets
    need: a plateau of the loss is not convergence there).

    A call that reaches its bound of ``max_epochs`` epochs still improving (one of its
    last ``n_iter_no_change + 1`` epochs beat the best by more than ``tol``) gives a
    :class:`~sklearn.exceptions.ConvergenceWarning`, as scikit-learn's ``max_iter``, but
    only when the rule had a chance to stop it: a bound of at most
    ``max(n_iter_no_change, min_epochs)`` epochs (``partial_fit``, a few epochs asked for
    explicitly, a sequence fit whose bound is its step budget) trains those epochs by
    design and is not warned about. Neither is a call that another callback stopped
    before the bound (skorch's ``KeyboardInterrupt``): the bound was not reached.

    Parameters
    ----------
    tol : float, default=1e-4
        Least improvement of the monitored value that counts as progress.
    n_iter_no_change : int, default=10
        Epochs without progress before stopping.
    monitor : str, default="train_loss"
        The history key to watch (``"valid_score"`` with a validation split).
    lower_is_better : bool, default=True
        ``False`` for scores (R², accuracy).
    load_best : bool, default=False
        Restore the weights of the best epoch at the end of the call.
    min_epochs : int, default=0
        Epochs of a call before the rule may stop it.
    max_epochs : int or None, default=None
        The bound of a call (the epochs it was asked to train); ``None``: the net's
        ``max_epochs``.
    sink : callable or None, default=None
        Where the stopping message goes when the net is verbose (``print``).

    Attributes
    ----------
    converged_ : bool
        Whether the last call stopped by the rule.
    best_epoch_ : int
        The epoch (1-based, as skorch's history) of the best value of the last call.

    Examples
    --------
    >>> cb = ConvergenceStopping(tol=1e-3, n_iter_no_change=5)
    >>> cb.improved(1.0, best=math.inf), cb.improved(0.9995, best=1.0)
    (True, False)
    """

    def __init__(
        self,
        tol=1e-4,
        n_iter_no_change=10,
        monitor="train_loss",
        lower_is_better=True,
        load_best=False,
        min_epochs=0,
        max_epochs=None,
        sink=None,
    ):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.monitor = monitor
        self.lower_is_better = lower_is_better
        self.load_best = load_best
        self.min_epochs = min_epochs
        self.max_epochs = max_epochs
        self.sink = sink

    def improved(self, value: float, best: float) -> bool:
        """Whether ``value`` beats ``best`` by more than ``tol``."""
        if self.lower_is_better:
            return value < best - self.tol
        return value > best + self.tol

    def on_train_begin(self, net, **kwargs):
        self._best = math.inf if self.lower_is_better else -math.inf
        self._misses = 0
        self._epochs = 0
        self._weights = None
        self.converged_ = False
        self.best_epoch_ = len(net.history)

    def on_epoch_end(self, net, **kwargs):
        value = net.history[-1].get(self.monitor)
        if value is None:
            return
        self._epochs += 1
        if self.improved(value, self._best):
            self._misses = 0
        else:
            self._misses += 1
        better = value < self._best if self.lower_is_better else value > self._best
        if better:  # scikit-learn keeps the best value even when the gain is below tol
            self._best = value
            self.best_epoch_ = len(net.history)
            if self.load_best:
                self._weights = copy.deepcopy(net.module_.state_dict())
        if self._misses > self.n_iter_no_change and self._epochs >= self.min_epochs:
            self.converged_ = True
            if net.verbose and self.sink is not None:
                self.sink(
                    f"Converged: {self.monitor} did not improve by more than tol={self.tol} "
                    f"for {self._misses} consecutive epochs; stopping after epoch "
                    f"{len(net.history)}."
                )
            raise KeyboardInterrupt

    def on_train_end(self, net, **kwargs):
        if self.load_best and self._weights is not None and self.best_epoch_ != len(net.history):
            net.module_.load_state_dict(self._weights)
        self._weights = None
        bound = self.max_epochs if self.max_epochs is not None else net.max_epochs
        if (
            self._misses > self.n_iter_no_change  # converged (stopped, or held by min_epochs)
            or self._epochs < bound  # another callback stopped the call: no bound reached
            or bound <= max(self.n_iter_no_change, self.min_epochs)  # the rule never could
        ):
            return
        warnings.warn(
            f"Training reached its bound of {bound} epochs before converging "
            f"({self.monitor} still improved by more than tol={self.tol} within the last "
            f"n_iter_no_change={self.n_iter_no_change} epochs). Raise epochs, or a larger "
            "tol stops sooner.",
            ConvergenceWarning,
            stacklevel=user_stacklevel(),
        )
