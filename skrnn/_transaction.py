"""Transactional fit: a fit that raises leaves the estimator exactly as it was.

A fit validates data, records metadata (``classes_``, ``input_shape_``, vocabularies,
...), builds a network and trains it. Any of these steps can fail after earlier ones have
set attributes, and training can fail after some epochs have changed the weights. So
that a failed refit never leaves a mix of new metadata and an old network (predictions
that look valid but are wrong), every fitting method of skrnn runs inside
:func:`fit_transaction`: the estimator's attributes are snapshotted before, and restored
when the block raises. Objects the fit replaces need no copy (the snapshot keeps the
old ones); objects it changes in place, such as a network that continues training
(``warm_start``, ``partial_fit``), are named in ``deep_copy``.
"""

from __future__ import annotations

import contextlib
import copy
import functools

__all__ = ["fit_transaction", "transactional"]


@contextlib.contextmanager
def fit_transaction(estimator, *, deep_copy: tuple[str, ...] = ()):
    """Restore ``estimator``'s attributes when the block raises.

    Parameters
    ----------
    estimator : object
    deep_copy : tuple of str, default=()
        Attributes that the block mutates in place; they are restored from deep copies.

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
    try:
        yield
    except BaseException:
        state.clear()
        state.update(saved)
        raise


def transactional(method):
    """Decorator: run a fitting method inside :func:`fit_transaction`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with fit_transaction(self):
            return method(self, *args, **kwargs)

    return wrapper
