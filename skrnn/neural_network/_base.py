"""Shared machinery of the skrnn estimators: parameters, seeding and the skorch net."""

from __future__ import annotations

import copy
import inspect
import math
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_consistent_length
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from skorch.callbacks import Callback, EpochScoring, GradientNormClipping, LRScheduler
from skorch.dataset import ValidSplit

from .._input.categorical import auto_embedding_dim, categorical_mask, count_codes
from .._input.sequences import check_container, is_id_array, read_sequences, read_token_ids
from .._input.validation import WholeNumbers
from .._input.vocab import RNN_RESERVED, Vocabulary
from .._torch.init import SCHEMES, init_parameters
from .._torch.random import fit_seed, keep_global_rng, make_generator, use_generator
from .._torch.rnn import RNNModule
from .._training.convergence import ConvergenceStopping
from .._training.data import ArrayRows
from .._training.distributed import broadcast_seed, check_distributed
from .._training.health import TrainingDivergedError, TrainingHealth, scale_note
from .._training.nets import SAMPLE_WEIGHT, validation_score
from .._training.progress import verbose_callbacks, verbose_net_kwargs
from .._training.schedule import SCHEDULES, EpochDecay
from .._training.threads import fit_threads
from .._training.transaction import fit_transaction

__all__ = [
    "PREDICT_BATCH_SIZE",
    "TRAINING_CONSTRAINTS",
    "BaseNetEstimator",
    "BaseRNN",
    "check_callbacks",
    "plain_scalars",
    "resolve_device",
    "split_step_targets",
]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


#: ``epochs="auto"`` on sequences: a bound of at least this many epochs and at least this
#: many optimizer steps (measured on the quality benchmark, docs/quality.md: the smallest
#: UCR training sets, 2-3 batches per epoch, need about 1000 steps). Sequences train
#: those steps (or all their epochs) before the convergence rule may stop them.
AUTO_MIN_EPOCHS = 100
AUTO_MIN_STEPS = 1000

#: ``epochs="auto"`` and ``batch_size="auto"`` on tables (one time step): scikit-learn's
#: MLP batches (``min(200, n_samples)``) and a bound of this many epochs (docs/quality.md,
#: tabular section: 100 left credit and airquality short of the linear model, 200 costs
#: twice the fit). A table step costs next to nothing, so the per-batch overhead decides
#: the fit time: larger batches.
AUTO_TABLE_EPOCHS = 150
AUTO_TABLE_BATCH_SIZE = 200
#: ``batch_size="auto"`` on sequences: small batches, many steps for small data sets.
AUTO_SEQUENCE_BATCH_SIZE = 32

#: Sequences per forward call in ``predict``/``transform`` of every estimator (and on the
#: early-stopping validation set): one big batch instead of many small ones cuts the
#: per-call overhead (measured in docs/benchmarks.md); training keeps ``batch_size``.
PREDICT_BATCH_SIZE = 1024

#: Constraints of the parameters that every skrnn network estimator shares (the recurrent
#: stack and the training loop); each estimator adds its own to these.
TRAINING_CONSTRAINTS: dict = {
    "cell": [StrOptions({"lstm", "gru", "rnn"})],
    "units": [Interval(Integral, 1, None, closed="left")],
    "num_layers": [Interval(Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "lr_schedule": [StrOptions({"auto", "constant", *SCHEDULES})],
    "optimizer": [StrOptions(set(OPTIMIZERS)), type],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
    "patience": [Interval(Integral, 1, None, closed="left"), Hidden(StrOptions({"deprecated"}))],
    "tol": [Interval(Real, 0, None, closed="left")],
    "random_state": ["random_state"],
    "device": [str],
    "distributed": ["boolean"],
    "callbacks": [list, None],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "init": [StrOptions(set(SCHEMES))],
}


#: Largest embedding, in weights (1 GiB of float32; about 4 GiB while training with
#: Adam's two moments and the gradient): a larger one is refused before allocation.
MAX_EMBEDDING_PARAMETERS = 2**28

#: Device types that hold values and can run training.
_TRAINING_DEVICES = frozenset({"cpu", "cuda", "mps", "xpu"})


def plain_scalars(params: dict) -> dict:
    """``params`` with NumPy scalars (``np.int64(4)``, ``np.float32``, ``np.bool_``) as
    Python scalars: PyTorch layers reject NumPy integers as sizes, and hyperparameters
    from a grid such as ``np.arange(4, 9, 4)`` are NumPy scalars.

    Examples
    --------
    >>> import numpy as np
    >>> plain_scalars({"units": np.int64(4), "bidirectional": np.bool_(True)})
    {'units': 4, 'bidirectional': True}
    """
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in params.items()}


def check_callbacks(callbacks) -> list:
    """The ``callbacks`` parameter as a list, or a ``TypeError`` naming the bad entry.

    Examples
    --------
    >>> check_callbacks(None)
    []
    >>> check_callbacks(["x"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: callbacks[0] is 'x'; expected a skorch callback instance ...
    """
    for i, cb in enumerate(callbacks or []):
        named = isinstance(cb, tuple) and len(cb) == 2 and isinstance(cb[0], str)
        if not isinstance(cb[1] if named else cb, Callback):
            raise TypeError(
                f"callbacks[{i}] is {cb!r}; expected a skorch callback instance (for example "
                "skorch.callbacks.LRScheduler(...)) or a (name, callback) tuple."
            )
    return list(callbacks or [])


def resolve_device(device: str) -> str:
    """Check that ``device`` can be used and return it; a clear error if not.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device={device!r} is not a valid torch device: {exc}") from None
    if dev.type not in _TRAINING_DEVICES:
        raise ValueError(
            f"device={device!r} cannot train a network (a {dev.type!r} device holds no "
            f"values); use one of {sorted(_TRAINING_DEVICES)}, for example device='cpu'."
        )
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='cpu'."
        )
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was requested but MPS is not available.")
    return device


def _same_param(a, b) -> bool:
    """Whether two values of a parameter are equal (``np.int64(4)`` equals ``4``)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. arrays: equal only when identical
        return False


def split_step_targets(y, lengths: np.ndarray, n_steps: int) -> list[np.ndarray]:
    """Per-step targets as one array per sequence, each as long as its sequence.

    ``y`` is an array ``(n_samples, n_steps[, n_outputs])`` (values beyond each length are
    ignored) or a list of arrays ``(t_i[, n_outputs])``.

    Examples
    --------
    >>> import numpy as np
    >>> [t.tolist() for t in split_step_targets([[1, 2], [3]], np.array([2, 1]), 2)]
    [[1, 2], [3]]
    """
    if isinstance(y, (list, tuple)):
        seqs = [np.asarray(t) for t in y]
    else:
        arr = np.asarray(y)
        if arr.ndim < 2 or arr.shape[1] != n_steps:
            raise ValueError(
                "With return_sequences=True, y needs one target per time step: an array "
                f"(n_samples, {n_steps}[, n_outputs]) or a list of arrays, one per sequence; "
                f"got an array of shape {arr.shape}."
            )
        seqs = [arr[i, :n] for i, n in enumerate(lengths)]
    for i, (t, n) in enumerate(zip(seqs, lengths, strict=True)):
        if t.ndim == 0 or len(t) != n:
            got = "a scalar" if t.ndim == 0 else f"{len(t)} time steps"
            raise ValueError(f"y[{i}] has {got}, but X[{i}] has {n} time steps.")
    return seqs


class BaseNetEstimator(BaseEstimator, metaclass=ABCMeta):
    """Base of every skrnn estimator that trains a skorch net ``net_``
    (:class:`RNNRegressor`, :class:`RNNClassifier`, :class:`Seq2SeqTransformer`).

    It declares the training parameters they share, once (the abstract ``__init__`` and
    :data:`TRAINING_CONSTRAINTS`), and runs the one fit pipeline, as scikit-learn's
    ``BaseMultilayerPerceptron._fit`` serves both MLPs: :meth:`_fit` validates ``X``
    (:meth:`_validate_X`) and the targets against it (:meth:`_validate_targets`),
    checks the sample weights, maps the data to the net's scale
    (:meth:`_encode_training_data`), builds and initialises the net on a new fit
    (:meth:`_module_kwargs`, :meth:`_criterion_kwargs`, :meth:`_common_callbacks`) and
    trains it on :meth:`_net_input`, inside a transaction that leaves the estimator as
    it was when anything raises. Subclasses implement the hooks, and decode outputs.
    """

    _parameter_constraints: dict = dict(TRAINING_CONSTRAINTS)

    @abstractmethod
    def __init__(
        self,
        *,
        cell,
        units,
        num_layers,
        bidirectional,
        dropout,
        epochs,
        batch_size,
        lr,
        lr_schedule,
        optimizer,
        weight_decay,
        clip_grad_norm,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        patience,
        tol,
        random_state,
        device,
        distributed,
        callbacks,
        verbose,
        warm_start,
        init,
    ):
        self.cell = cell
        self.units = units
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.device = device
        self.distributed = distributed
        self.callbacks = callbacks
        self.verbose = verbose
        self.warm_start = warm_start
        self.init = init

    # -- subclass hooks -------------------------------------------------------------------
    #: The skorch net class (``nets.py``).
    _net_class: type

    @abstractmethod
    def _validate_X(self, X, *, reset: bool, lengths=None) -> tuple:
        """Validated ``X`` as an array (``(n, time, features)`` values or ``(n, time)``
        token ids) and the lengths of its sequences (``None``: every sequence fills every
        step); input metadata recorded on ``reset``, checked otherwise."""

    @abstractmethod
    def _validate_targets(self, y, X, lengths, *, reset: bool, X_given, **kwargs) -> tuple:
        """Encoded targets for the validated ``X`` (``X_given``: ``X`` as passed to
        ``fit``) and the lengths of per-step targets that are not as long as their
        inputs (else ``None``); target metadata recorded on ``reset``, checked otherwise.
        ``kwargs`` are the estimator's own ``fit`` arguments (``classes``)."""

    def _encode_training_data(self, X, y, lengths, *, reset: bool, sample_weight=None):
        """``X`` and ``y`` as the net trains on them (numeric targets standardised,
        windows normalised: :class:`~skrnn.neural_network._normalization.TargetNormMixin`); on
        ``reset`` the mapping is fitted. Identity here."""
        return X, y

    @abstractmethod
    def _module_kwargs(self) -> dict:
        """``module`` and its ``module__*`` arguments for the fitted metadata."""

    def _criterion_kwargs(self) -> dict:
        """The loss as skorch ``criterion`` arguments (``{}``: the net class's own)."""
        return {}

    @abstractmethod
    def _net_input(self, X, lengths, *, y=None, target_lengths=None, sample_weight=None):
        """The net's input for validated ``X`` (with ``y``: for training)."""

    def _stratified_validation(self) -> bool:
        """Whether ``early_stopping``'s validation split is stratified by ``y``."""
        return False

    #: Parameters that a fit continuing the fitted network reads afresh on every call;
    #: a change of any other parameter needs a new network.
    _per_call_params = frozenset({"epochs", "warm_start", "verbose", "random_state"})

    # -- the skorch net -------------------------------------------------------------------
    def _common_callbacks(self) -> list:
        """The callbacks of every net: convergence stopping (with early stopping, the
        validation score of each epoch), divergence checks, gradient clipping, the user's
        copies, progress; first the learning-rate decay of a decaying ``lr_schedule``."""
        callbacks = self._schedule_callbacks()
        if self.early_stopping:
            # validation_scores_: the score of each epoch's validation predictions, which
            # the validation loss has computed already (cached)
            callbacks.append(
                (
                    "valid_score",
                    EpochScoring(validation_score, lower_is_better=False, name="valid_score"),
                )
            )
        n_iter_no_change = self._n_iter_no_change()
        if n_iter_no_change is not None:
            # as scikit-learn's MLP: the training loss, or with early_stopping the
            # validation score (its best weights restored); epochs is the bound
            callbacks.append(
                (
                    "convergence",
                    ConvergenceStopping(
                        tol=self.tol,
                        n_iter_no_change=n_iter_no_change,
                        monitor="valid_score" if self.early_stopping else "train_loss",
                        lower_is_better=not self.early_stopping,
                        load_best=bool(self.early_stopping),
                        sink=print,
                    ),
                )
            )
        callbacks.append(("training_health", TrainingHealth(clip_grad_norm=self.clip_grad_norm)))
        if self.clip_grad_norm is not None:
            callbacks.append(
                ("clip_grad_norm", GradientNormClipping(gradient_clip_value=self.clip_grad_norm))
            )
        # deep copies: the user's callback objects (a parameter) are never mutated by fit
        callbacks.extend(copy.deepcopy(check_callbacks(self.callbacks)))
        return callbacks + verbose_callbacks(self.verbose)

    def _lr_schedule(self) -> str:
        """``lr_schedule``, resolved by :meth:`_auto_lr_schedule` when it is ``"auto"``."""
        if self.lr_schedule != "auto":
            return self.lr_schedule
        return self._auto_lr_schedule()

    def _auto_lr_schedule(self) -> str:
        """``lr_schedule="auto"`` for the fitted data: ``"constant"`` (a subclass hook)."""
        return "constant"

    def _schedule_callbacks(self) -> list:
        """The :class:`~skrnn._training.schedule.EpochDecay` of a decaying
        ``lr_schedule`` (its bound set by each training call), or none; a ``ValueError``
        when a learning-rate scheduler among ``callbacks`` would schedule the rate too."""
        schedule = self._lr_schedule()
        if schedule == "constant":
            return []
        for i, cb in enumerate(check_callbacks(self.callbacks)):
            if isinstance(cb[1] if isinstance(cb, tuple) else cb, LRScheduler):
                raise ValueError(
                    f"callbacks[{i}] is a learning-rate scheduler, but lr_schedule="
                    f"{self.lr_schedule!r} schedules the learning rate ({schedule}) as "
                    "well. Set lr_schedule='constant' to train with your scheduler alone."
                )
        return [("lr_schedule", EpochDecay(schedule))]

    def _n_iter_no_change(self) -> int | None:
        """``n_iter_no_change``, or the deprecated ``patience`` when it is set."""
        if self.patience == "deprecated":
            return self.n_iter_no_change
        warnings.warn(
            "patience is deprecated since 0.2.0 and will be removed: it is now "
            "n_iter_no_change (scikit-learn's name), which also stops training without "
            "early_stopping. Set n_iter_no_change instead.",
            FutureWarning,
            stacklevel=5,
        )
        return self.patience

    def _batch_size(self) -> int:
        """The training batch size (``batch_size`` resolved when it is ``"auto"``)."""
        return self.batch_size

    def _min_epochs(self, n_samples: int) -> int:
        """Epochs the convergence rule lets a fit train before it may stop it (at most
        all of them): :data:`AUTO_MIN_STEPS` optimizer steps of sequences (a small UCR
        set stopped on a plateau of its loss after 76 of its 500 epochs, at 0.83 test
        accuracy against 0.95 after all of them: docs/quality.md)."""
        n_train = n_samples
        if self.early_stopping:
            n_train -= max(1, int(math.ceil(self.validation_fraction * n_samples)))
        batches = max(1, math.ceil(max(n_train, 1) / self._batch_size()))
        return math.ceil(AUTO_MIN_STEPS / batches)

    def _optimizer_class(self) -> type:
        if isinstance(self.optimizer, str):
            return OPTIMIZERS[self.optimizer]
        if not issubclass(self.optimizer, torch.optim.Optimizer):
            raise TypeError(
                f"optimizer={self.optimizer!r} is not a torch optimizer; give one of "
                f"{sorted(OPTIMIZERS)} or a torch.optim.Optimizer subclass such as "
                "torch.optim.Adam."
            )
        return self.optimizer

    def _weight_decay_kwargs(self) -> dict:
        """``weight_decay`` for the optimizer, when it takes one (``torch.optim.LBFGS``
        does not: it trains with the default ``weight_decay=0``)."""
        optimizer = self._optimizer_class()
        if "weight_decay" in inspect.signature(optimizer).parameters:
            return {"optimizer__weight_decay": self.weight_decay}
        if self.weight_decay:
            raise ValueError(
                f"optimizer={optimizer.__name__} takes no weight_decay, but "
                f"weight_decay={self.weight_decay!r}. Set weight_decay=0.0, or choose an "
                "optimizer that takes it, such as 'adam' or 'adamw'."
            )
        return {}

    def _predict_batch_size(self) -> int:
        """Sequences per forward call of inference (and of the validation set)."""
        return max(self._batch_size(), PREDICT_BATCH_SIZE)

    def _common_net_kwargs(self) -> dict:
        """skorch arguments of the training loop: optimizer, batches, epochs, device."""
        return plain_scalars(
            dict(
                optimizer=self._optimizer_class(),
                lr=self.lr,
                **self._weight_decay_kwargs(),
                max_epochs=self.epochs if self.epochs != "auto" else AUTO_MIN_EPOCHS,
                batch_size=self._batch_size(),
                iterator_train__shuffle=True,
                iterator_valid__batch_size=self._predict_batch_size(),
                device=self.device,
                **verbose_net_kwargs(self.verbose),
            )
        )

    def _build_net(self, seed: int):
        train_split = None
        if self.early_stopping:
            train_split = ValidSplit(
                self.validation_fraction,
                stratified=self._stratified_validation(),
                random_state=seed,
            )
        return self._net_class(
            **self._module_kwargs(),
            **self._criterion_kwargs(),
            **self._common_net_kwargs(),
            train_split=train_split,
            callbacks=self._common_callbacks(),
            predict_nonlinearity=None,
            distributed=bool(self.distributed),
        )

    def _initialize_net(self, net, seed: int):
        """``net.initialize()`` with the module's weights drawn from a generator seeded
        with ``seed`` (torch's global RNG is left as it was), by the scheme ``init``."""
        with keep_global_rng(self.device):
            net.initialize()
        init_parameters(net.module_, make_generator(seed), self.init)
        return net

    @staticmethod
    def _train(net, seed: int, X, y, *, given=None, **fit_params):
        """``net.partial_fit`` with shuffling, dropout and teacher forcing drawn from a
        generator of its own. Every training call gets its own seed, derived from the
        epochs already run, so that continued training is reproducible too.

        ``given``: the ``(X, y)`` the user gave, before scaling and normalisation, whose
        scale a divergence error quotes (the net's ``X``, ``y`` are on the scaled one)."""
        try:
            with fit_threads(), use_generator(make_generator(seed + len(net.history))):
                net.partial_fit(X, y, **fit_params)
        except TrainingDivergedError as exc:
            note = scale_note(*(given if given is not None else (X, y)))
            raise TrainingDivergedError(f"{exc} {note}".strip()) from None
        return net

    # -- the fit --------------------------------------------------------------------------
    def _check_unchanged_params(self) -> None:
        """A ``ValueError`` when parameters the fitted network was built with changed
        since, as continued training (``warm_start``, ``partial_fit``) cannot take them on."""
        built = getattr(self, "_net_params", {})
        changed = [
            f"{name} from {built[name]!r} to {value!r}"
            for name, value in self.get_params(deep=False).items()
            if name not in self._per_call_params and name in built
            and not _same_param(built[name], value)
        ]  # fmt: skip
        if changed:
            raise ValueError(
                f"{type(self).__name__} continues training its fitted network (warm_start=True "
                f"or partial_fit), but {', '.join(changed)} since that network was built, "
                "which it cannot take on. Set the parameters back, or fit with "
                "warm_start=False to build a new network."
            )

    def _fit(self, X, y, *, epochs, incremental: bool, lengths=None, sample_weight=None, **kwargs):
        """Validate, (re)build the net when needed, and train for ``epochs`` epochs.

        ``incremental``: continue the fitted network (``warm_start``, ``partial_fit``).
        Transactional: when anything raises, the estimator is left as it was before the
        call (the network too, when training continued it in place)."""
        resolve_device(self.device)
        if self.distributed:
            check_distributed(self.device)
        reset = not (incremental and hasattr(self, "net_"))
        if not reset:
            self._check_unchanged_params()
        with fit_transaction(self, nets=() if reset else ("net_",)):
            return self._fit_steps(
                X,
                y,
                epochs=epochs,
                reset=reset,
                lengths=lengths,
                sample_weight=sample_weight,
                **kwargs,
            )

    def _fit_steps(self, X, y, *, epochs, reset: bool, lengths=None, sample_weight=None, **kwargs):
        X_given = X
        X, lengths = self._validate_X(X, reset=reset, lengths=lengths)
        y, target_lengths = self._validate_targets(
            y, X, lengths, reset=reset, X_given=X_given, **kwargs
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
        given = X, y  # in the user's units, for the scale a divergence error quotes
        X, y = self._encode_training_data(X, y, lengths, reset=reset, sample_weight=sample_weight)
        if isinstance(X, ArrayRows) and sample_weight is not None and not sample_weight.all():
            # windows copied per batch (a strided view): those of weight 0, which add
            # nothing to the loss, are left out of the batches instead of computed
            # (RNNForecaster's panel windows that cross from one series into the next)
            keep = np.flatnonzero(sample_weight)
            X, sample_weight = X.subset(keep), sample_weight[keep]
            y = y.subset(keep) if isinstance(y, ArrayRows) else y[keep]
        if self.early_stopping and len(X) < 2:
            raise ValueError(
                "early_stopping=True needs at least 2 samples to hold out a validation set."
            )
        if reset:
            self._seed = fit_seed(self.random_state)
            if self.distributed:  # one seed in every process: same weights, same batches
                self._seed = broadcast_seed(self._seed)
            self._net_params = self.get_params(deep=False)
            self.net_ = self._initialize_net(self._build_net(self._seed), self._seed)
        inputs = self._net_input(
            X, lengths, y=y, target_lengths=target_lengths, sample_weight=sample_weight
        )
        if epochs == "auto":
            epochs = self._auto_epochs(len(X))
        min_epochs = min(epochs, self._min_epochs(len(X)))
        for _, callback in self.net_.callbacks_:
            if isinstance(callback, ConvergenceStopping):
                callback.min_epochs = min_epochs
                callback.max_epochs = epochs  # the bound its warning quotes
            elif isinstance(callback, EpochDecay):  # the schedule spans this call's epochs
                callback.max_epochs = epochs
        self._train(self.net_, self._seed, inputs, y, given=given, epochs=epochs)
        self.n_iter_ = len(self.net_.history)
        return self

    def _auto_epochs(self, n_samples: int) -> int:
        """``epochs="auto"``, the bound of training: at least :data:`AUTO_MIN_EPOCHS`
        epochs and at least :data:`AUTO_MIN_STEPS` optimizer steps (batches), so that
        small data sets, which have few batches per epoch, are not stopped before they
        have learned."""
        return max(AUTO_MIN_EPOCHS, self._min_epochs(n_samples))

    # -- fitted state ---------------------------------------------------------------------
    @staticmethod
    def _check_finite_output(out: np.ndarray, X) -> np.ndarray:
        """``out``, or a ``ValueError`` when the network produced NaN or infinity (inputs
        far outside the training scale overflow a network that trained fine)."""
        if not np.isfinite(out).all():
            raise ValueError(
                "The network produced NaN or infinite outputs for this X. "
                f"{scale_note(X, None)} Scale the inputs like the training data (for "
                "example with SequenceStandardScaler in a Pipeline)."
            )
        return out

    @property
    def module_(self) -> torch.nn.Module:
        """The fitted PyTorch module."""
        return self.net_.module_

    @property
    def history_(self):
        """skorch ``History``: one dict per epoch with ``train_loss`` (and ``valid_loss``)."""
        return self.net_.history

    @property
    def loss_curve_(self) -> list[float]:
        """Training loss of each epoch, as scikit-learn's ``MLPRegressor.loss_curve_``."""
        return [float(v) for v in self.net_.history[:, "train_loss"]]

    @property
    def validation_scores_(self) -> list[float] | None:
        """Score on the held-out validation set after each epoch with
        ``early_stopping=True`` (R^2 or accuracy, as the net's ``score_outputs``), else
        ``None``; as ``MLPRegressor``'s."""
        check_is_fitted(self, "net_")
        scores = [epoch.get("valid_score") for epoch in self.net_.history]
        return None if None in scores else [float(s) for s in scores]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.three_d_array = True
        return tags


class BaseRNN(BaseNetEstimator):
    """Base class of the recurrent estimators: a skorch net over an :class:`RNNModule`.

    Subclasses define the loss, how ``y`` is encoded and how the net's output is decoded.
    """

    _parameter_constraints: dict = {
        **BaseNetEstimator._parameter_constraints,
        "activation": [StrOptions({"tanh", "relu"})],
        "epochs": [*TRAINING_CONSTRAINTS["epochs"], StrOptions({"auto"})],
        "batch_size": [*TRAINING_CONSTRAINTS["batch_size"], StrOptions({"auto"})],
        "pooling": [StrOptions({"last", "mean", "max"})],
        "return_sequences": ["boolean"],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "max_vocab": [
            Interval(Integral, 1, None, closed="left"),
            None,
            Hidden(StrOptions({"deprecated"})),
        ],
        "tokenizer": [StrOptions({"char", "word"}), callable, Hidden(StrOptions({"deprecated"}))],
        "time_steps": [WholeNumbers(1, None, closed="left"), None],
        "categorical_features": [Integral, "array-like", None],
        "categorical_embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
    }

    @abstractmethod
    def __init__(
        self,
        *,
        cell,
        units,
        num_layers,
        bidirectional,
        dropout,
        activation,
        epochs,
        batch_size,
        lr,
        lr_schedule,
        optimizer,
        weight_decay,
        clip_grad_norm,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        patience,
        tol,
        random_state,
        device,
        distributed,
        callbacks,
        verbose,
        warm_start,
        pooling,
        return_sequences,
        embedding_dim,
        max_vocab,
        tokenizer,
        time_steps,
        categorical_features,
        categorical_embedding_dim,
        init,
    ):
        super().__init__(
            cell=cell,
            units=units,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            lr_schedule=lr_schedule,
            optimizer=optimizer,
            weight_decay=weight_decay,
            clip_grad_norm=clip_grad_norm,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            patience=patience,
            tol=tol,
            random_state=random_state,
            device=device,
            distributed=distributed,
            callbacks=callbacks,
            verbose=verbose,
            warm_start=warm_start,
            init=init,
        )
        self.activation = activation
        self.pooling = pooling
        self.return_sequences = return_sequences
        self.embedding_dim = embedding_dim
        self.max_vocab = max_vocab
        self.tokenizer = tokenizer
        self.time_steps = time_steps
        self.categorical_features = categorical_features
        self.categorical_embedding_dim = categorical_embedding_dim

    # -- subclass hooks -------------------------------------------------------------------
    _stratify_validation = False

    # -- tables: batch size and bound of epochs -------------------------------------------
    def _is_table(self) -> bool:
        """Whether the fitted input is a table: numeric, one time step (a 2D ``X`` read
        with ``time_steps=1``, or 3D with one step)."""
        shape = getattr(self, "input_shape_", (None, None))
        return not self._reads_tokens() and shape[0] == 1

    def _reads_tokens(self) -> bool:
        """Whether the fitted net embeds tokens: token ids (``embedding_dim`` with an id
        array), or text or token lists (deprecated) through ``_vocabulary``."""
        return getattr(self, "_input_kind", "numeric") != "numeric"

    def _batch_size(self) -> int:
        """``batch_size="auto"``: :data:`AUTO_TABLE_BATCH_SIZE` for a table (as
        scikit-learn's MLP), :data:`AUTO_SEQUENCE_BATCH_SIZE` for sequences."""
        if self.batch_size != "auto":
            return self.batch_size
        return AUTO_TABLE_BATCH_SIZE if self._is_table() else AUTO_SEQUENCE_BATCH_SIZE

    def _auto_epochs(self, n_samples: int) -> int:
        """``epochs="auto"``: :data:`AUTO_TABLE_EPOCHS` for a table, else the bound of
        sequences."""
        return AUTO_TABLE_EPOCHS if self._is_table() else super()._auto_epochs(n_samples)

    def _min_epochs(self, n_samples: int) -> int:
        """A table converges by the rule from its first epochs, as the MLP."""
        return 0 if self._is_table() else super()._min_epochs(n_samples)

    @abstractmethod
    def _validate_y(self, y, *, reset: bool, classes=None, lengths=None, n_steps=None):
        """Return ``y`` encoded for the net; record target metadata on ``reset``.

        With ``return_sequences``, ``lengths`` holds each sequence's number of steps and
        ``n_steps`` the padded length of ``X``; the encoded targets are padded to it.
        """

    @abstractmethod
    def _n_outputs(self) -> int:
        """Width of the module's output layer."""

    def _stratified_validation(self) -> bool:
        return self._stratify_validation and not self.return_sequences

    # -- the skorch net -------------------------------------------------------------------
    def _module_kwargs(self) -> dict:
        categories = {}
        if getattr(self, "is_categorical_", None) is not None:
            categories = dict(
                module__categorical=tuple(np.flatnonzero(self.is_categorical_).tolist()),
                module__n_categories=tuple(int(c.max()) + 1 for c in self.categories_),
                module__categorical_dims=self._categorical_dims(),
            )
        return plain_scalars(
            dict(
                **categories,
                module=RNNModule,
                module__n_features=self.embedding_dim
                if self._reads_tokens()
                else self.input_shape_[1],
                module__vocab_size=self.vocab_size_ if self._reads_tokens() else None,
                module__n_outputs=self._n_outputs(),
                module__cell=self.cell,
                module__units=self.units,
                module__num_layers=self.num_layers,
                module__bidirectional=self.bidirectional,
                module__dropout=self.dropout,
                module__activation=self.activation,
                module__pooling=self.pooling,
                module__return_sequences=self.return_sequences,
            )
        )

    # -- inputs ---------------------------------------------------------------------------
    def _validate_X(self, X, *, reset: bool, lengths=None):
        """Validated ``X`` as an array ``(n, time, features)`` (float32, or a float64
        array as given) and the per-sequence lengths, ``None`` when all sequences fill
        every time step (:func:`~skrnn._input.sequences.read_sequences`). With
        ``embedding_dim``, a 2D integer array holds token ids (0: padding), read as they
        are with the lengths their padding marks; text and token lists (deprecated) give
        int64 ids ``(n, time)`` through the vocabulary learned in ``fit``."""
        if reset:
            self._warn_text_params()
            if self.categorical_features is not None and self.embedding_dim is not None:
                raise ValueError(
                    "categorical_features embeds category codes among numeric features; "
                    "token input (embedding_dim) has no such features. Set "
                    "categorical_features=None, or embedding_dim=None for numeric input."
                )
            self.is_categorical_ = None
            reads_ids = self.embedding_dim is not None and is_id_array(X)
        else:
            reads_ids = self._input_kind == "ids"
        if reads_ids:
            return self._read_ids(X, lengths, reset=reset)
        if reset:
            tokens, fitted_kind = self.embedding_dim is not None, None
        else:
            fitted_kind = "numeric" if self._vocabulary is None else self._input_kind
            tokens = fitted_kind != "numeric"
        seqs = read_sequences(
            self,
            X,
            reset=reset,
            tokens=tokens,
            lengths=lengths,
            tokenizer=self._tokenizer(),
            fitted_kind=fitted_kind,
        )
        if reset:  # forget what a previous fit on another kind of X recorded
            self._vocabulary = None
            self._input_kind = seqs.kind
            for attr in ("vocabulary_", "vocab_size_"):
                self.__dict__.pop(attr, None)
        if seqs.kind == "numeric":
            self._check_categories(seqs.values, seqs.lengths, reset=reset)
            return seqs.values, seqs.lengths
        if reset:
            warnings.warn(
                f"Passing text or token lists to {type(self).__name__} is deprecated in "
                "0.2.0 and will be removed in 0.3.0: turn them into token ids with "
                "skrnn.SequenceTokenizer in front of the estimator, for example "
                f"make_pipeline(SequenceTokenizer('char'), {type(self).__name__}("
                "embedding_dim=...)). The estimator then reads the ids (a 2D integer array, "
                "0 for padding).",
                FutureWarning,
                stacklevel=6,
            )
            max_size = None if self.max_vocab == "deprecated" else self.max_vocab
            vocabulary = Vocabulary(RNN_RESERVED, max_size=max_size).fit(seqs.values)
            self._check_embedding_size(len(vocabulary))
            self._vocabulary = vocabulary
            self.input_shape_ = (None, None)
            self.vocab_size_ = len(vocabulary)
            self.vocabulary_ = dict(vocabulary.index_)
        return self._vocabulary.encode(seqs.values)

    def _check_categories(self, X, lengths, *, reset: bool) -> None:
        """``categorical_features``: on ``reset``, record which features of ``X`` hold
        category codes (``is_categorical_``) and the codes seen (``categories_``); the
        codes are checked (non-negative integers; after fit, codes seen in fit)."""
        if reset:
            self.is_categorical_ = categorical_mask(self.categorical_features, X.shape[2])
            self.__dict__.pop("categories_", None)
        mask = getattr(self, "is_categorical_", None)
        if mask is None:
            return
        positions = np.flatnonzero(mask)
        counts = count_codes(X, lengths, positions)
        seen = [np.flatnonzero(c) for c in counts]
        if reset:
            self.categories_ = seen
            for pos, dim, codes in zip(positions, self._categorical_dims(), seen, strict=True):
                self._check_embedding_size(int(codes.max()) + 1, dim=dim, feature=int(pos))
            return
        for pos, codes, fitted in zip(positions, seen, self.categories_, strict=True):
            unseen = np.setdiff1d(codes, fitted)
            if len(unseen):
                raise ValueError(
                    f"Feature {pos} of X (categorical_features) holds the code(s) "
                    f"{unseen[:5].tolist()}{' ...' if len(unseen) > 5 else ''}, which "
                    f"{type(self).__name__} did not see in fit: their embeddings were "
                    "never trained. Fit on data that holds every code (categories_ lists "
                    "those seen in fit), or map unknown categories to a code seen in fit."
                )

    def _n_numeric_features(self) -> int:
        """Features of a time step that are not category codes."""
        codes = getattr(self, "is_categorical_", None)
        return self.input_shape_[1] - (0 if codes is None else int(codes.sum()))

    def _categorical_dims(self) -> tuple:
        """The embedding size of each categorical feature (``categorical_embedding_dim``,
        or by :func:`~skrnn._input.categorical.auto_embedding_dim` of its codes)."""
        if self.categorical_embedding_dim is not None:
            return (int(self.categorical_embedding_dim),) * len(self.categories_)
        return tuple(auto_embedding_dim(len(codes)) for codes in self.categories_)

    def _tokenizer(self):
        """``tokenizer``, ``"char"`` when not set (deprecated with the text input)."""
        return "char" if self.tokenizer == "deprecated" else self.tokenizer

    def _warn_text_params(self) -> None:
        """A ``FutureWarning`` for each deprecated text parameter set."""
        for name, fix in (("tokenizer", "analyzer"), ("max_vocab", "max_vocab")):
            value = getattr(self, name)
            if not (isinstance(value, str) and value == "deprecated"):
                warnings.warn(
                    f"{type(self).__name__}'s {name} is deprecated in 0.2.0 and will be "
                    f"removed in 0.3.0; set SequenceTokenizer({fix}={value!r}) in front of "
                    "the estimator instead (it turns texts into the token ids the estimator "
                    "reads with embedding_dim).",
                    FutureWarning,
                    stacklevel=6,
                )

    def _read_ids(self, X, lengths, *, reset: bool):
        """Token ids ``(n, width)`` and their lengths (:func:`read_token_ids`); ``fit``
        learns the embedding's rows, ``vocab_size_`` (the largest id + 1)."""
        ids, lengths = read_token_ids(check_container(X), lengths)
        if reset:
            self._vocabulary = None
            self._input_kind = "ids"
            for attr in ("vocabulary_", "n_features_in_", "feature_names_in_"):
                self.__dict__.pop(attr, None)
            size = max(int(ids.max()) + 1, len(RNN_RESERVED))
            self._check_embedding_size(size, ids=True)
            self.vocab_size_ = size
            self.input_shape_ = (None, None)
        elif ids.max() >= self.vocab_size_:
            raise ValueError(
                f"X holds the token id {int(ids.max())}, but {type(self).__name__} was fitted "
                f"on ids below {self.vocab_size_} (its embedding's rows). Tokenize X with the "
                "SequenceTokenizer fitted with this estimator (in one Pipeline), which gives "
                "unknown tokens the id 1."
            )
        return ids, lengths

    def _check_embedding_size(
        self, rows: int, *, ids: bool = False, dim: int | None = None, feature=None
    ) -> None:
        """A ``ValueError`` for an embedding of more than :data:`MAX_EMBEDDING_PARAMETERS`
        weights: of tokens, or with ``feature`` of that categorical feature."""
        dim = self.embedding_dim if dim is None else dim
        if rows * dim <= MAX_EMBEDDING_PARAMETERS:
            return
        name = "embedding_dim"
        if feature is not None:
            name = "categorical_embedding_dim"
            fix = (
                f"Feature {feature}'s largest code is {rows - 1} (one row per code up to "
                "it). Number its categories from 0 (sklearn.preprocessing.OrdinalEncoder)"
            )
        elif ids:
            fix = (
                f"X's largest id is {rows - 1} (one row per id up to it). Give the tokens ids "
                "from 2 with SequenceTokenizer (its max_vocab keeps the most frequent)"
            )
        else:
            fix = "Set max_vocab to the number of tokens to embed"
        raise ValueError(
            f"The embedding would have {rows:,} rows of {name}={dim} ({rows * dim:,} "
            f"weights, more than the {MAX_EMBEDDING_PARAMETERS:,} allowed). {fix}, or a "
            f"smaller {name}."
        )

    def _net_input(self, X, lengths, *, y=None, target_lengths=None, sample_weight=None):
        """The net's input: ``X`` itself, or a dict with the lengths and sample weights
        (per-step targets are as long as their inputs: ``lengths`` marks both)."""
        if lengths is None and sample_weight is None:
            return X
        inputs = {"X": X}
        if lengths is not None:
            inputs["lengths"] = lengths
        if sample_weight is not None:
            inputs[SAMPLE_WEIGHT] = sample_weight
        return inputs

    @staticmethod
    def _step_lengths(X, lengths) -> np.ndarray:
        return np.full(len(X), X.shape[1], dtype=np.int64) if lengths is None else lengths

    # -- training -------------------------------------------------------------------------
    def _validate_targets(self, y, X, lengths, *, reset, X_given, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = check_container(y, "y")
        try:
            check_consistent_length(X, y)
        except ValueError:  # in skrnn's words: X's samples are sequences
            raise ValueError(
                f"X and y have different numbers of samples: {len(X)} sequences in X and "
                f"{len(y)} targets in y."
            ) from None
        if self.return_sequences:
            step_lengths = self._step_lengths(X, lengths)
            y = self._validate_y(
                y, reset=reset, classes=classes, lengths=step_lengths, n_steps=X.shape[1]
            )
        else:
            y = self._validate_y(y, reset=reset, classes=classes)
        return y, None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, lengths=None, sample_weight=None):
        """Fit the model to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, time_steps, n_features) or (n_samples, n_columns), \
or list of arrays
            Training sequences; a 2D array (or DataFrame) is a table, read as
            ``time_steps`` says (by default one step of all its columns). Variable-length
            sequences: a list of arrays ``(t_i, n_features)`` or ``(t_i,)``, or a padded
            array together with ``lengths``.
        y : array-like
            Targets: one per sequence, or with ``return_sequences=True`` one per time step
            (an array ``(n_samples, time_steps[, n_outputs])`` or a list of arrays).
        lengths : array-like of shape (n_samples,), default=None
            True lengths of the sequences of a padded ``X``; steps beyond are ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence in the loss (the weighted mean over the
            batch; with ``return_sequences``, every step of a sequence has its weight).
            ``None``: equal weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(
            X,
            y,
            epochs=self.epochs,
            incremental=self.warm_start,
            lengths=lengths,
            sample_weight=sample_weight,
        )

    def _forward(self, X, lengths=None) -> tuple[np.ndarray, np.ndarray | None]:
        """Raw network output for ``X`` as a float64 array, and the sequence lengths."""
        check_is_fitted(self, "net_")
        X, lengths = self._validate_X(X, reset=False, lengths=lengths)
        return self._net_output(X, lengths), lengths

    def _net_output(self, X, lengths) -> np.ndarray:
        """The net's output for validated ``X`` as a float64 array (never NaN)."""
        with torch.inference_mode():
            out = self.net_.forward(self._net_input(X, lengths), training=False, device="cpu")
        return self._check_finite_output(out.detach().numpy().astype(np.float64), X)

    def _score_with(self, metric, X, y, sample_weight=None) -> float:
        """``metric(y_true, y_pred, sample_weight=...)`` of the predictions; with
        ``return_sequences`` over every time step of all sequences, concatenated, where
        the ``sample_weight`` of a sequence holds for each of its steps."""
        if not self.return_sequences:
            return metric(y, self.predict(X), sample_weight=sample_weight)
        pred = list(self.predict(X))
        lengths = np.array([len(p) for p in pred])
        truth = split_step_targets(y, lengths, int(lengths.max()))
        if sample_weight is not None:
            sample_weight = np.repeat(_check_sample_weight(sample_weight, pred), lengths)
        return float(
            metric(np.concatenate(truth), np.concatenate(pred), sample_weight=sample_weight)
        )

    @staticmethod
    def _unpad(out: np.ndarray, lengths):
        """Per-step outputs: the array itself for fixed-length input, else a list trimmed
        to each sequence's length."""
        if lengths is None:
            return out
        return [o[:n] for o, n in zip(out, lengths, strict=True)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
