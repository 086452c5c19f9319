"""Shared machinery of the skrnn estimators: parameters, seeding and the skorch net."""

from __future__ import annotations

import contextlib
import copy
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EarlyStopping, GradientNormClipping
from skorch.dataset import ValidSplit

from ._modules import RNNModule
from ._validation import validate_sequences

__all__ = ["BaseRNN", "resolve_device", "seeded"]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


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
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='cpu'."
        )
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was requested but MPS is not available.")
    return device


@contextlib.contextmanager
def seeded(seed: int, device: str = "cpu"):
    """Run a block under torch's RNG seeded with ``seed``, restoring the global state after.

    Examples
    --------
    >>> import torch
    >>> with seeded(0):
    ...     a = torch.rand(1)
    >>> with seeded(0):
    ...     b = torch.rand(1)
    >>> bool(a == b)
    True
    """
    dev = torch.device(device)
    devices = [dev.index or 0] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def _noop(*args, **kwargs):
    pass


class BaseRNN(BaseEstimator, metaclass=ABCMeta):
    """Base class of the recurrent estimators: a skorch net over an :class:`RNNModule`.

    Subclasses define the loss, how ``y`` is encoded and how the net's output is decoded.
    """

    _parameter_constraints: dict = {
        "cell": [StrOptions({"lstm", "gru", "rnn"})],
        "units": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "activation": [StrOptions({"tanh", "relu"})],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str],
        "callbacks": [list, None],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    @abstractmethod
    def __init__(
        self,
        *,
        cell="lstm",
        units=32,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        activation="tanh",
        epochs=100,
        batch_size=32,
        lr=1e-3,
        optimizer="adam",
        weight_decay=0.0,
        clip_grad_norm=None,
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        tol=1e-4,
        random_state=None,
        device="cpu",
        callbacks=None,
        verbose=0,
        warm_start=False,
    ):
        self.cell = cell
        self.units = units
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.device = device
        self.callbacks = callbacks
        self.verbose = verbose
        self.warm_start = warm_start

    # -- subclass hooks -------------------------------------------------------------------
    _net_class: type
    _stratify_validation = False

    @abstractmethod
    def _validate_y(self, y, *, reset: bool, classes=None) -> np.ndarray:
        """Return ``y`` encoded for the net; record target metadata on ``reset``."""

    @abstractmethod
    def _n_outputs(self) -> int:
        """Width of the module's output layer."""

    def _criterion_kwargs(self) -> dict:
        return {}

    # -- the skorch net -------------------------------------------------------------------
    def _module_kwargs(self) -> dict:
        return dict(
            module=RNNModule,
            module__n_features=self.input_shape_[1],
            module__n_outputs=self._n_outputs(),
            module__cell=self.cell,
            module__units=self.units,
            module__num_layers=self.num_layers,
            module__bidirectional=self.bidirectional,
            module__dropout=self.dropout,
            module__activation=self.activation,
        )

    def _build_callbacks(self) -> list:
        callbacks = []
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.patience,
                        threshold=self.tol,
                        threshold_mode="rel",
                        lower_is_better=True,
                        load_best=True,
                        sink=print if self.verbose else _noop,
                    ),
                )
            )
        if self.clip_grad_norm is not None:
            callbacks.append(
                ("clip_grad_norm", GradientNormClipping(gradient_clip_value=self.clip_grad_norm))
            )
        # deep copies: the user's callback objects (a parameter) are never mutated by fit
        callbacks.extend(copy.deepcopy(self.callbacks or []))
        return callbacks

    def _build_net(self, seed: int):
        optimizer = (
            OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str) else self.optimizer
        )
        train_split = None
        if self.early_stopping:
            train_split = ValidSplit(
                self.validation_fraction,
                stratified=self._stratify_validation,
                random_state=seed,
            )
        return self._net_class(
            **self._module_kwargs(),
            **self._criterion_kwargs(),
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.epochs,
            batch_size=self.batch_size,
            iterator_train__shuffle=True,
            train_split=train_split,
            callbacks=self._build_callbacks(),
            predict_nonlinearity=None,
            device=self.device,
            verbose=int(self.verbose),
        )

    # -- training -------------------------------------------------------------------------
    def _fit(self, X, y, *, epochs: int | None, incremental: bool, classes=None):
        """Validate, (re)build the net when needed, and train for ``epochs`` epochs."""
        resolve_device(self.device)
        reset = not (incremental and hasattr(self, "net_"))
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X = validate_sequences(self, X, reset=reset)
        y = self._validate_y(y, reset=reset, classes=classes)
        if len(y) != len(X):
            raise ValueError(
                f"X and y have different numbers of samples: {len(X)} sequences in X and "
                f"{len(y)} targets in y."
            )
        if self.early_stopping and len(X) < 2:
            raise ValueError(
                "early_stopping=True needs at least 2 samples to hold out a validation set."
            )
        if reset:
            self._seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
            with seeded(self._seed, self.device):
                self.net_ = self._build_net(self._seed).initialize()
        # every training call gets its own seed, derived from the epochs already run,
        # so that continued training is reproducible too
        with seeded(self._seed + len(self.net_.history), self.device):
            self.net_.partial_fit(X, y, epochs=epochs)
        self.n_iter_ = len(self.net_.history)
        return self

    def fit(self, X, y):
        """Fit the model to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, time_steps, n_features) or (n_samples, time_steps)
            Training sequences; a 2D array holds univariate sequences.
        y : array-like
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        return self._fit(X, y, epochs=self.epochs, incremental=self.warm_start)

    def _forward(self, X) -> np.ndarray:
        """Raw network output for validated ``X`` as a float64 array."""
        check_is_fitted(self, "net_")
        X = validate_sequences(self, X, reset=False)
        out = self.net_.forward(X, training=False, device="cpu")
        return out.detach().numpy().astype(np.float64)

    @property
    def module_(self) -> torch.nn.Module:
        """The fitted PyTorch module."""
        return self.net_.module_

    @property
    def history_(self):
        """skorch ``History``: one dict per epoch with ``train_loss`` (and ``valid_loss``)."""
        return self.net_.history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags
