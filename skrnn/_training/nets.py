"""The skorch nets of every skrnn estimator, and every skorch customisation: skorch's
nets plus whole-batch data loading, a loss masked on padded target steps (by their
lengths) and weighted by sample weights, and Seq2Seq's batched inference."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from sklearn.metrics import r2_score
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.history import History
from skorch.utils import to_numpy, to_tensor

from .._input.validation import step_mask_array
from .._torch.rnn import step_mask
from .data import batch_loader
from .distributed import DataParallelMixin

__all__ = [
    "SAMPLE_WEIGHT",
    "TARGET_LENGTHS",
    "FastHistory",
    "FastPathMixin",
    "MaskedLossMixin",
    "Seq2SeqNet",
    "SequenceClassifierNet",
    "SequenceRegressorNet",
    "step_mask",
    "validation_score",
]

#: Key of the per-sequence weights in a net's input dict: they travel with their
#: sequences through batching and validation splits; the module never sees them.
SAMPLE_WEIGHT = "sample_weight"

#: Key of the lengths of the target sequences in the input dict of a net whose targets
#: are not as long as its inputs (:class:`Seq2SeqNet`); the module never
#: sees them.
TARGET_LENGTHS = "target_lengths"

_LOSS_ONLY = frozenset({SAMPLE_WEIGHT, TARGET_LENGTHS})


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
    """The skrnn nets' data path, through skorch's public parameters and hooks
    (docs/benchmarks.md profiles what each buys):

    - ``iterator_train`` and ``iterator_valid`` default to :func:`batch_loader`: a
      dataset indexed by batch whose batches come whole from a sampler of batches (rows
      sliced from tensors converted once), for any dataset it can slice; skorch's
      per-sample ``DataLoader`` otherwise;
    - the history is a :class:`FastHistory` (``initialize_history``).

    The per-batch train/eval switch is cut in the modules themselves
    (:class:`skrnn._torch.rnn.ModeSwitchMixin`), not in the net.
    """

    def __init__(self, *args, iterator_train=batch_loader, iterator_valid=batch_loader, **kwargs):
        super().__init__(
            *args, iterator_train=iterator_train, iterator_valid=iterator_valid, **kwargs
        )

    def initialize_history(self):
        if isinstance(self.history_, FastHistory):
            self.history_.clear()
        else:
            self.history_ = FastHistory()
        return self


def validation_score(net, X, y) -> float:
    """skorch scoring function of the validation set: the net's ``score_outputs`` of its
    (cached) outputs for ``X``, padded target steps left out. A module-level function,
    so that estimators pickle."""
    out = to_numpy(net.forward(X, training=False))
    lengths = net.target_lengths(X) if out.ndim == 3 else None
    return net.score_outputs(out, np.asarray(y), lengths)


class MaskedLossMixin:
    """The loss of the skrnn nets, through skorch's public ``get_loss`` and ``infer``.

    One convention marks padded target steps: their lengths. With targets per time step
    (an output ``(batch, steps, k)``), the steps of a sequence beyond its target length
    are left out of the loss, whatever the padded targets hold. The lengths are
    ``X[target_lengths_key]`` of the net's input dict; without them every step counts.

    An input dict may also carry :data:`SAMPLE_WEIGHT`, the weight of each sequence
    (skorch's recipe): the loss becomes the weighted mean ``sum(w * loss) / sum(w)``
    over the valid elements (every step of a sequence has its weight), which equals the
    unweighted loss for unit weights. ``infer`` drops the keys that are for the loss only
    before the module.

    The losses weighed are the criterion's own, element by element (its
    ``reduction="none"``, as PyTorch's losses and ``skrnn._torch.losses.PinballLoss`` take it);
    a subclass whose criterion weighs its elements itself (class weights) overrides
    ``_elementwise_loss(y_pred, y_true) -> (losses, element weights)``.
    """

    #: Key of the input dict that holds the lengths of the target sequences.
    target_lengths_key = "lengths"

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping) and not _LOSS_ONLY.isdisjoint(x):
            x = {k: v for k, v in x.items() if k not in _LOSS_ONLY}
        return super().infer(x, **fit_params)

    def target_lengths(self, X) -> np.ndarray | None:
        """Lengths of the target sequences of ``X`` (data or dataset, in the net's
        order of ``forward``), or ``None`` when every target step counts."""
        key, parts = self.target_lengths_key, []
        for Xb, _ in self.get_iterator(self.get_dataset(X), training=False):
            if not (isinstance(Xb, Mapping) and key in Xb):
                return None
            parts.append(to_numpy(Xb[key]))
        return np.concatenate(parts) if parts else None

    def _batch_lengths(self, X):
        if isinstance(X, Mapping) and self.target_lengths_key in X:
            return to_tensor(X[self.target_lengths_key], device=self.device)
        return None

    def _per_step(self, y_pred, y_true, valid):
        """Per-step outputs ``(B, T, k)`` and targets as the criterion takes them, the
        padded steps (``valid`` false) left out. A cross-entropy takes the logits as
        ``(B, k, T)`` and skips the steps whose target is its ``ignore_index`` (PyTorch's
        fastest masked cross-entropy, measured against selecting the valid steps); any
        other criterion gets the valid steps as rows ``(n_valid, k)``."""
        if isinstance(self.criterion_, torch.nn.CrossEntropyLoss):
            if valid is not None:
                y_true = y_true.masked_fill(~valid, self.criterion_.ignore_index)
            return y_pred.transpose(1, 2), y_true
        if valid is None:
            return y_pred, y_true
        return y_pred[valid], y_true[valid]

    def _elementwise_loss(self, y_pred, y_true):
        """The criterion's loss of each element (computed with ``reduction="none"``, the
        criterion left as it was) and their weights: 1, or for a cross-entropy over
        logits ``(..., n_classes)`` the class weight of each label, as the criterion's
        mean weighs them."""
        criterion = self.criterion_
        if isinstance(criterion, torch.nn.CrossEntropyLoss):
            logits = y_pred.reshape(-1, y_pred.shape[-1])
            labels = y_true.reshape(-1)
            losses = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
            class_weight = criterion.weight
            weights = torch.ones_like(losses) if class_weight is None else class_weight[labels]
            return losses.reshape(y_true.shape), weights.reshape(y_true.shape)
        reduction = getattr(criterion, "reduction", None)
        if not isinstance(reduction, str):
            raise TypeError(
                f"sample_weight needs a criterion that computes the loss of each element: "
                f"{type(criterion).__name__} has no 'reduction' attribute; give it one that "
                "accepts reduction='none' (as PyTorch's losses do), or fit without "
                "sample_weight."
            )
        criterion.reduction = "none"
        try:
            losses = criterion(y_pred, y_true)
        finally:
            criterion.reduction = reduction
        if losses.shape != y_true.shape:
            raise ValueError(
                f"sample_weight needs the loss of each element: {type(criterion).__name__} "
                f"with reduction='none' returned shape {tuple(losses.shape)} for targets of "
                f"shape {tuple(y_true.shape)}."
            )
        return losses, torch.ones_like(losses)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        weighted = isinstance(X, Mapping) and SAMPLE_WEIGHT in X
        valid = None
        if y_pred.ndim == 3:
            lengths = self._batch_lengths(X)
            if lengths is not None:
                valid = step_mask(lengths, y_pred.shape[1])
        if not weighted:
            if y_pred.ndim == 3:
                y_pred, y_true = self._per_step(y_pred, y_true, valid)
            return super().get_loss(y_pred, y_true, X=X, training=training)
        if valid is not None:  # padded targets set to 0: any value would do, but finite
            valid = valid.reshape(*valid.shape, *([1] * (y_true.ndim - 2)))
            y_true = y_true.masked_fill(~valid, 0)
        losses, weights = self._elementwise_loss(y_pred, y_true)
        if valid is not None:
            weights = weights * valid
        w = to_tensor(X[SAMPLE_WEIGHT], device=self.device).to(losses.dtype)
        weights = weights * w.reshape(-1, *([1] * (weights.ndim - 1)))
        total = weights.sum()
        return (losses * weights).sum() / total.clamp_min(torch.finfo(total.dtype).tiny)


def _valid_rows(out: np.ndarray, y: np.ndarray, lengths):
    """Outputs and targets of the valid steps, one row each (per-step outputs
    ``(n, T, k)``), or as they are (one output per sequence)."""
    if out.ndim != 3:
        return out, y
    if lengths is None:
        return out.reshape(-1, out.shape[-1]), y.reshape(-1, *y.shape[2:])
    valid = step_mask_array(lengths, out.shape[1])
    return out[valid], y[valid]


class SequenceRegressorNet(DataParallelMixin, MaskedLossMixin, FastPathMixin, NeuralNetRegressor):
    """``NeuralNetRegressor`` with the masked, sample-weighted loss of :class:`MaskedLossMixin`."""

    @staticmethod
    def score_outputs(out: np.ndarray, y: np.ndarray, lengths=None) -> float:
        """R^2 of outputs ``(n[, T], n_outputs)`` against encoded targets; per-step
        outputs: over the steps within ``lengths``.

        Examples
        --------
        >>> y = np.array([[[1.0], [2.0]], [[3.0], [0.0]]])
        >>> out = np.array([[[1.0], [2.0]], [[3.0], [9.0]]])
        >>> SequenceRegressorNet.score_outputs(out, y, lengths=np.array([2, 1]))
        1.0
        """
        out, y = _valid_rows(out, y, lengths)
        return float(r2_score(y, out))


class SequenceClassifierNet(DataParallelMixin, MaskedLossMixin, FastPathMixin, NeuralNetClassifier):
    """``NeuralNetClassifier`` with the masked, sample-weighted loss of
    :class:`MaskedLossMixin` (per-step logits ``(batch, time, classes)`` too)."""

    @staticmethod
    def score_outputs(out: np.ndarray, y: np.ndarray, lengths=None) -> float:
        """Accuracy of logits ``(n[, T], n_classes)`` against encoded labels; per-step
        logits: over the steps within ``lengths``.

        Examples
        --------
        >>> logits = np.array([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]])
        >>> SequenceClassifierNet.score_outputs(logits, np.array([[1, 1], [0, 0]]), [2, 1])
        0.6666666666666666
        """
        out, y = _valid_rows(out, y, lengths)
        return float(np.mean(out.argmax(axis=-1) == y))


class Seq2SeqNet(DataParallelMixin, MaskedLossMixin, FastPathMixin, NeuralNet):
    """skorch net of a :class:`~skrnn._torch.seq2seq.Seq2SeqModule`: the criterion
    over the outputs of every step (cross-entropy over token logits ``(B, T, V)``, or
    over continuous outputs), leaving out the padded steps beyond each target's length
    (:data:`TARGET_LENGTHS`, :class:`MaskedLossMixin`). ``decode_iter``, ``embed_iter``
    and ``attention_weights`` run the module's inference over batches of inputs: the
    estimator calls only these."""

    target_lengths_key = TARGET_LENGTHS

    @staticmethod
    def score_outputs(out: np.ndarray, y: np.ndarray, lengths=None) -> float:
        """Validation score of teacher-forced outputs ``(n, T, k)``: per-token accuracy
        for token targets ``(n, T)`` (logits), R^2 for numeric targets ``(n, T, k)``,
        over the steps within ``lengths``.

        Examples
        --------
        >>> logits = np.array([[[0.0, 1.0], [1.0, 0.0]]])
        >>> Seq2SeqNet.score_outputs(logits, np.array([[1, 1]]), np.array([1]))
        1.0
        """
        if y.ndim == out.ndim - 1:
            return SequenceClassifierNet.score_outputs(out, y, lengths)
        return SequenceRegressorNet.score_outputs(out, y, lengths)

    def _batches(self, X: dict):
        """Batches of the input dict ``X`` (arrays) on the net's device, with the module
        in eval mode: ``iterator_valid``'s batch size each (the estimators set
        ``PREDICT_BATCH_SIZE``)."""
        self.module_.eval()
        for Xb, _ in self.get_iterator(self.get_dataset(X), training=False):
            yield {k: to_tensor(v, device=self.device) for k, v in Xb.items()}

    def decode_iter(self, X: dict, *, max_steps: int, beam_width: int = 1):
        """Decoded outputs (ids or values) of each batch of ``X``, on the CPU: the
        module's greedy (``beam_width=1``) or beam-search decoding, as skorch's
        ``forward_iter`` gives the outputs of ``forward``."""
        for batch in self._batches(X):
            with torch.inference_mode():
                yield self.module_.decode(
                    batch["X"], batch.get("lengths"), max_steps=max_steps, beam_width=beam_width
                ).cpu()

    def embed_iter(self, X: dict):
        """Encoder embeddings of each batch of ``X``, on the CPU."""
        for batch in self._batches(X):
            with torch.inference_mode():
                yield self.module_.embed(batch["X"], batch.get("lengths")).cpu()

    def attention_weights(self, X: dict, y_teacher) -> np.ndarray:
        """The decoder's attention weights ``(n, output steps, input steps)`` over the
        first batch of ``X`` while it is fed ``y_teacher`` (ids or values on the net's
        scale, one row per sequence) as its previous outputs."""
        batch = next(self._batches(X))
        batch["y_teacher"] = to_tensor(y_teacher, device=self.device)
        captured = []
        hook = self.module_.decoder.attention.register_forward_hook(
            lambda mod, args, out: captured.append(out[1])
        )
        try:
            with torch.inference_mode():
                self.module_(**batch)
        finally:
            hook.remove()
        return captured[0].cpu().numpy().astype(np.float64)
