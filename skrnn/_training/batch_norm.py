"""Batch normalisation's running statistics recomputed at the end of training.

``nn.BatchNorm1d`` normalises a training batch by that batch's own statistics and keeps
exponential running averages of them (PyTorch's ``momentum=0.1``: mostly the last ten
batches) for evaluation. On a small data set the last batch of an epoch can be tiny
(ItalyPowerDemand: 67 series in batches of 32, 32 and 3), and the running averages come
from weights that kept changing: a network that fits its training batches perfectly can
then be at chance on the same series in evaluation mode (docs/quality.md, issue 25).
:class:`BatchNormStatistics` replaces the running averages, at the end of every training
call, by the statistics of the training data under the final weights (the "precise batch
norm" of Wu & Johnson 2021, ``torch.optim.swa_utils.update_bn``'s pass).
"""

from __future__ import annotations

import torch
from skorch.callbacks import Callback

__all__ = ["BatchNormStatistics", "batch_norm_layers"]


def batch_norm_layers(module: torch.nn.Module) -> list[torch.nn.modules.batchnorm._BatchNorm]:
    """The batch-normalisation layers of ``module`` that keep running statistics."""
    return [
        m
        for m in module.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.track_running_stats
    ]


class BatchNormStatistics(Callback):
    """skorch callback: at the end of each training call (``fit``, ``partial_fit``), the
    running statistics of every batch-normalisation layer are those of that call's
    training data (without the validation split) under the final weights.

    One pass without gradients over the training data in the net's inference batches,
    only the batch-normalisation layers in training mode (dropout stays off), each batch
    weighing equally (PyTorch's cumulative average, ``momentum=None``). A network without
    batch normalisation is left alone, at no cost.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RNNClassifier
    >>> X = np.random.RandomState(0).normal(size=(40, 16, 1)).astype("float32")
    >>> y = (X[:, :8, 0].mean(1) > 0).astype(int)
    >>> clf = RNNClassifier(epochs=2, n_iter_no_change=None, random_state=0).fit(X, y)
    >>> norm = clf.module_.conv.norms[0]
    >>> int(norm.num_batches_tracked), norm.momentum  # one pass over the 40 series
    (1, 0.1)
    """

    def on_train_end(self, net, X=None, y=None, **kwargs):
        module = net.module_
        norms = batch_norm_layers(module)
        if not norms or X is None:
            return
        dataset, _ = net.get_split_datasets(X, y)
        momenta = [norm.momentum for norm in norms]
        was_training = module.training
        module.eval()
        try:
            for norm in norms:
                norm.reset_running_stats()
                norm.momentum = None  # cumulative average of the batches' statistics
                norm.train()
            with torch.no_grad():
                for Xb, _ in net.get_iterator(dataset, training=False):
                    net.infer(Xb)
        finally:
            for norm, momentum in zip(norms, momenta, strict=True):
                norm.momentum = momentum
            module.train(was_training)
