"""Thin skorch net subclasses: the standard nets plus a loss masked on padded time steps
and weighted by sample weights."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from sklearn.metrics import r2_score
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.history import History
from skorch.utils import to_numpy, to_tensor
from torch.utils.data import DataLoader

from ._data import SLICED_OPTIONS, SliceIterator, dataset_tensors

__all__ = [
    "IGNORE_LABEL",
    "SAMPLE_WEIGHT",
    "FastHistory",
    "FastPathMixin",
    "SequenceClassifierNet",
    "SequenceRegressorNet",
    "validation_score",
]

#: Target of padded time steps in many-to-many classification (CrossEntropyLoss's default
#: ``ignore_index``). Padded steps of regression targets are NaN.
IGNORE_LABEL = -100

#: Key of the per-sequence weights in a net's input dict: they travel with their
#: sequences through batching and validation splits; the module never sees them.
SAMPLE_WEIGHT = "sample_weight"


class FastHistory(History):
    """skorch's ``History`` with the per-batch bookkeeping done by plain list indexing.

    ``History.__getitem__`` parses every index for its ``history[-1, "key"]`` syntax,
    and skorch records two values per batch through it: about 0.1 ms per batch, 5% of
    a W2 training step (docs/benchmarks.md). Reading a history is unchanged.

    Examples
    --------
    >>> h = FastHistory()
    >>> h.new_epoch(); h.new_batch(); h.record_batch("train_loss", 0.5); h.record("epoch", 1)
    >>> h[-1, "batches", -1, "train_loss"], h[:, "epoch"]
    (0.5, [1])
    """

    def _last(self) -> dict:
        if not self:
            raise ValueError("Call new_epoch before recording for the first time.")
        return list.__getitem__(self, -1)

    def new_batch(self):
        self._last()["batches"].append({})

    def record(self, attr, value):
        self._last()[attr] = value

    def record_batch(self, attr, value):
        self._last()["batches"][-1][attr] = value


class FastPathMixin:
    """Cuts of skorch's per-batch overhead for the skrnn nets (docs/benchmarks.md).

    - train/eval mode is set only on the modules whose mode changes: skorch calls
      ``_set_training`` before every batch, and ``Module.train`` walks every submodule
      through ``Module.__setattr__`` (about 5% of a batch-1 training step). It sets the
      flag of the module and of all its children, so a module whose own flag already
      matches needs no walk;
    - the history is a :class:`FastHistory`;
    - batches of in-memory data are sliced from tensors (:class:`SliceIterator`) in
      ``get_iterator``, when the iterator is skorch's default ``DataLoader`` with no
      option that only a ``DataLoader`` implements; otherwise skorch's iterator is used.

    ``_set_training`` is skorch's one private hook here (pinned by tests/test_data.py;
    docs/upstream.md proposes a public one).
    """

    def get_iterator(self, dataset, training=False):
        iterator = self.iterator_train if training else self.iterator_valid
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        data = None
        if iterator is DataLoader and set(kwargs) <= SLICED_OPTIONS:
            data = dataset_tensors(dataset)
        if data is None:
            return super().get_iterator(dataset, training=training)
        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:  # skorch's convention: the whole dataset in one batch
            batch_size = len(dataset)
        return SliceIterator(*data, batch_size=batch_size, **kwargs)

    def initialize_history(self):
        if isinstance(self.history_, FastHistory):
            self.history_.clear()
        else:
            self.history_ = FastHistory()
        return self

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)


def validation_score(net, X, y) -> float:
    """skorch scoring function of the validation set: the net's ``score_outputs`` of its
    (cached) outputs for ``X``. A module-level function, so that estimators pickle."""
    return net.score_outputs(to_numpy(net.forward(X, training=False)), np.asarray(y))


class SampleWeightMixin:
    """Sample weights (skorch's recipe): an input dict may carry :data:`SAMPLE_WEIGHT`;
    ``infer`` drops it before the module, ``get_loss`` becomes the weighted mean
    ``sum(w * loss) / sum(w)`` over the valid elements (per-step targets: every step of a
    sequence has its weight), which equals the unweighted loss for unit weights.

    Subclasses give ``_elementwise_loss(y_pred, y_true) -> (losses, element weights)``.
    """

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping) and SAMPLE_WEIGHT in x:
            x = {k: v for k, v in x.items() if k != SAMPLE_WEIGHT}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if not (isinstance(X, Mapping) and SAMPLE_WEIGHT in X):
            return self._unweighted_loss(y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        losses, weights = self._elementwise_loss(y_pred, y_true)
        w = to_tensor(X[SAMPLE_WEIGHT], device=self.device).to(losses.dtype)
        weights = weights * w.reshape(-1, *([1] * (weights.ndim - 1)))
        total = weights.sum()
        return (losses * weights).sum() / total.clamp_min(torch.finfo(total.dtype).tiny)


class SequenceRegressorNet(SampleWeightMixin, FastPathMixin, NeuralNetRegressor):
    """``NeuralNetRegressor`` whose loss skips NaN targets (padded steps of per-step targets)."""

    @staticmethod
    def score_outputs(out: np.ndarray, y: np.ndarray) -> float:
        """R^2 of outputs ``(n[, T], n_outputs)`` against encoded targets; NaN (padded)
        steps are skipped.

        Examples
        --------
        >>> y = np.array([[[1.0], [2.0]], [[3.0], [np.nan]]])
        >>> SequenceRegressorNet.score_outputs(np.array([[[1.0], [2.0]], [[3.0], [9.0]]]), y)
        1.0
        """
        y, out = y.reshape(-1, y.shape[-1]), out.reshape(-1, out.shape[-1])
        keep = ~np.isnan(y).any(axis=1)
        return float(r2_score(y[keep], out[keep]))

    def _unweighted_loss(self, y_pred, y_true, X=None, training=False):
        if y_pred.ndim != 3:
            return NeuralNetRegressor.get_loss(self, y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        valid = ~torch.isnan(y_true)
        return self.criterion_(y_pred[valid], y_true[valid])

    @staticmethod
    def _elementwise_loss(y_pred, y_true):
        """Squared errors and 0/1 weights (0 on the NaN targets of padded steps)."""
        valid = ~torch.isnan(y_true)
        errors = torch.where(valid, y_pred - torch.nan_to_num(y_true), 0.0) ** 2
        return errors, valid.to(y_pred.dtype)


class SequenceClassifierNet(SampleWeightMixin, FastPathMixin, NeuralNetClassifier):
    """``NeuralNetClassifier`` that flattens per-step logits ``(batch, time, classes)``.

    Padded steps carry the label :data:`IGNORE_LABEL`, which the cross-entropy ignores.
    """

    @staticmethod
    def score_outputs(out: np.ndarray, y: np.ndarray) -> float:
        """Accuracy of logits ``(n[, T], n_classes)`` against encoded labels; padded steps
        (:data:`IGNORE_LABEL`) are skipped.

        Examples
        --------
        >>> logits = np.array([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]])
        >>> SequenceClassifierNet.score_outputs(logits, np.array([[1, 1], [0, IGNORE_LABEL]]))
        0.6666666666666666
        """
        keep = y != IGNORE_LABEL
        return float(np.mean(out.argmax(axis=-1)[keep] == y[keep]))

    def _unweighted_loss(self, y_pred, y_true, X=None, training=False):
        if y_pred.ndim != 3:
            return NeuralNetClassifier.get_loss(self, y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred.reshape(-1, y_pred.shape[-1]), y_true.reshape(-1))

    def _elementwise_loss(self, y_pred, y_true):
        """Cross-entropies and their weights: the class weight of each label (1 without
        ``class_weight``), 0 on padded steps, as the criterion's mean weighs them."""
        logits = y_pred.reshape(-1, y_pred.shape[-1])
        labels = y_true.reshape(-1)
        losses = torch.nn.functional.cross_entropy(
            logits, labels, reduction="none", ignore_index=IGNORE_LABEL
        )
        valid = labels != IGNORE_LABEL
        weights = valid.to(logits.dtype)
        class_weight = getattr(self.criterion_, "weight", None)
        if class_weight is not None:
            weights = weights * class_weight[labels.clamp_min(0)]
        return losses.reshape(y_true.shape), weights.reshape(y_true.shape)
