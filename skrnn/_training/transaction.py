"""Transactional fit: a fit that raises leaves the estimator exactly as it was.

A fit validates data, records metadata (``classes_``, ``input_shape_``, vocabularies,
...), builds a network and trains it. Any of these steps can fail after earlier ones have
set attributes, and training can fail after some epochs have changed the weights. So
that a failed refit never leaves a mix of new metadata and an old network (predictions
that look valid but are wrong), every fitting method of skrnn runs inside
:func:`fit_transaction`: the estimator's attributes are snapshotted before, and restored
when the block raises. Objects the fit replaces need no copy (the snapshot keeps the
old ones); objects it changes in place are named in ``deep_copy`` (restored from deep
copies) or, for a skorch net that continues training (``warm_start``, ``partial_fit``),
in ``nets``: :func:`net_snapshot` keeps only what training changes (the state dicts of
the module and the optimizer, the history's length, the callbacks' state), so that a
continued fit that succeeds pays little for the guarantee (docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections import OrderedDict
from collections.abc import Callable

import torch

__all__ = ["fit_transaction", "net_snapshot", "transactional"]


def _clone(obj, memo: dict):
    """A deep copy of ``obj`` that clones tensors directly (``Tensor.__deepcopy__`` costs
    about 0.3 ms a tensor, ten times ``clone``) and walks plain containers itself."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if type(obj) in (dict, OrderedDict):
        return type(obj)((k, _clone(v, memo)) for k, v in obj.items())
    if type(obj) in (list, tuple):
        return type(obj)(_clone(v, memo) for v in obj)
    return copy.deepcopy(obj, memo)


def net_snapshot(net) -> Callable[[], None]:
    """What training changes in the skorch net ``net``, and a function that restores it
    in place: the values of the module's parameters and buffers and its train/eval
    modes, the optimizer's state (moments, steps, learning rates), the history (epochs
    are appended; the last one is copied), the callbacks' attributes (early stopping's
    counters, schedulers) and the net's own attributes. Objects keep their identity, so
    the optimizer still holds the module's parameters after a restore.

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetRegressor
    >>> net = NeuralNetRegressor(torch.nn.Linear, module__in_features=2,
    ...     module__out_features=1, max_epochs=1, train_split=None, verbose=0).initialize()
    >>> before = net.module_.weight.detach().clone()
    >>> restore = net_snapshot(net)
    >>> _ = net.partial_fit(torch.ones(4, 2), torch.ones(4, 1))
    >>> restore()
    >>> torch.equal(net.module_.weight, before), len(net.history)
    (True, 0)
    """
    attrs = dict(vars(net))
    module = getattr(net, "module_", None)
    optimizer = getattr(net, "optimizer_", None)
    weights = modes = opt_state = None
    if isinstance(module, torch.nn.Module):
        weights = {k: v.detach().clone() for k, v in module.state_dict().items()}
        modes = [(m, m.training) for m in module.modules()]
    if isinstance(optimizer, torch.optim.Optimizer):
        opt_state = _clone(optimizer.state_dict(), {})
    history = net.history_
    n_epochs = len(history)
    last = None
    if n_epochs:
        last = dict(list.__getitem__(history, -1))
        last["batches"] = [dict(b) for b in last.get("batches", [])]
    # the callbacks' own state; what they refer to (the net, its module, optimizer and
    # criterion) is kept as it is, not copied: the memo maps those objects to themselves
    memo = {id(obj): obj for obj in vars(net).values()}
    memo[id(net)] = net
    callbacks = [(cb, _clone(vars(cb), memo)) for _, cb in getattr(net, "callbacks_", [])]

    def restore() -> None:
        vars(net).clear()
        vars(net).update(attrs)
        if weights is not None:
            with torch.no_grad():
                module.load_state_dict(weights)
            for m, training in modes:
                m.training = training
        if opt_state is not None:
            optimizer.load_state_dict(opt_state)
        del history[n_epochs:]
        if last is not None:
            epoch = list.__getitem__(history, -1)
            epoch.clear()
            epoch.update(last)
        for cb, state in callbacks:
            vars(cb).clear()
            vars(cb).update(state)

    return restore


@contextlib.contextmanager
def fit_transaction(estimator, *, deep_copy: tuple[str, ...] = (), nets: tuple[str, ...] = ()):
    """Restore ``estimator``'s attributes when the block raises.

    Parameters
    ----------
    estimator : object
    deep_copy : tuple of str, default=()
        Attributes that the block mutates in place; they are restored from deep copies.
    nets : tuple of str, default=()
        Attributes holding skorch nets that the block trains in place; they are restored
        by :func:`net_snapshot`.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> scaler = StandardScaler().fit([[0.0], [2.0]])
    >>> try:
    ...     with fit_transaction(scaler):
    ...         scaler.mean_ = None
    ...         raise ValueError("failed")
    ... except ValueError:
    ...     pass
    >>> scaler.mean_
    array([1.])
    """
    state = vars(estimator)
    saved = dict(state)
    for name in deep_copy:
        if name in saved:
            saved[name] = copy.deepcopy(saved[name])
    restores = [net_snapshot(saved[name]) for name in nets if name in saved]
    try:
        yield
    except BaseException:
        state.clear()
        state.update(saved)
        for restore in restores:
            restore()
        raise


def transactional(method):
    """Decorator: run a fitting method inside :func:`fit_transaction`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with fit_transaction(self):
            return method(self, *args, **kwargs)

    return wrapper
