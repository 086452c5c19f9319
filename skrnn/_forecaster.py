"""skrnn's recurrent estimators as an sktime forecaster: windows in, horizon out."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
import torch
from scipy.special import ndtri
from sklearn.utils import check_random_state
from sktime.datatypes._utilities import update_data
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from ._regressor import RNNRegressor
from ._seq2seq import Seq2SeqTransformer
from ._transaction import transactional

__all__ = ["PinballLoss", "RNNForecaster"]

STRATEGIES = ("recursive", "direct", "seq2seq")


class PinballLoss(torch.nn.Module):
    """Mean pinball (quantile) loss over outputs whose last axis cycles through the levels.

    Output column ``j`` estimates the quantile at ``quantiles[j % len(quantiles)]`` of its
    target; the targets are the true values repeated once per level.

    Parameters
    ----------
    quantiles : sequence of float
        The levels, in the order the output columns cycle through them.
    reduction : {"mean", "sum", "none"}, default="mean"
        As in PyTorch's losses: the mean or sum over every element, or the loss of each
        element (the shape of the targets), which sample weights weigh.

    Examples
    --------
    >>> import torch
    >>> loss = PinballLoss([0.1, 0.9])
    >>> float(loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 1.0]])))  # under-forecast
    0.5
    """

    def __init__(self, quantiles, reduction="mean"):
        super().__init__()
        self.register_buffer("levels", torch.as_tensor(quantiles, dtype=torch.float32))
        self.reduction = reduction

    def forward(self, y_pred, y_true):
        diff = y_true - y_pred
        flat = diff.reshape(-1, len(self.levels))
        losses = torch.maximum(self.levels * flat, (self.levels - 1) * flat).reshape(diff.shape)
        if self.reduction == "none":
            return losses
        if self.reduction == "sum":
            return losses.sum()
        if self.reduction == "mean":
            return losses.mean()
        raise ValueError(f"reduction={self.reduction!r}: use 'mean', 'sum' or 'none'.")


class _PinballMixin:
    """Trains the host estimator with :class:`PinballLoss` at the levels ``_levels``
    (set by :class:`RNNForecaster` right after construction): the estimators' own
    criterion hook, so the training loop stays theirs."""

    _levels: tuple = ()

    def _criterion_kwargs(self) -> dict:
        return dict(criterion=PinballLoss, criterion__quantiles=list(self._levels))


class _QuantileRNNRegressor(_PinballMixin, RNNRegressor):
    pass


class _QuantileSeq2Seq(_PinballMixin, Seq2SeqTransformer):
    pass


def quantile_at(levels: np.ndarray, values: np.ndarray, alpha) -> np.ndarray:
    """Quantile at probability ``alpha`` from the quantiles ``values`` at ``levels``.

    ``values`` is ``(..., n_levels)``, sorted along the last axis; ``alpha`` is a scalar
    or an array of the leading shape. Linear interpolation in the normal-score scale
    ``ndtri(level)``, extended linearly beyond the outer levels (Gaussian-shaped tails),
    so the result is monotone in ``alpha`` and defined on all of ``(0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> levels = np.array([0.1, 0.5, 0.9])
    >>> float(quantile_at(levels, np.array([-1.0, 0.0, 1.0]), 0.5))
    0.0
    >>> round(float(quantile_at(levels, np.array([-1.0, 0.0, 1.0]), 0.95)), 3)  # 1.645/1.282
    1.283
    """
    z = ndtri(levels)
    za = np.broadcast_to(ndtri(np.asarray(alpha, dtype=float)), values.shape[:-1])
    idx = np.clip(np.searchsorted(z, za) - 1, 0, len(z) - 2)
    lo = np.take_along_axis(values, idx[..., None], -1)[..., 0]
    hi = np.take_along_axis(values, idx[..., None] + 1, -1)[..., 0]
    return lo + (za - z[idx]) / (z[idx + 1] - z[idx]) * (hi - lo)


def step_features(y: np.ndarray, X: np.ndarray | None, n_leads: int) -> np.ndarray:
    """Features of each time step: ``y`` and, with ``X``, the next ``n_leads`` rows of
    ``X`` (values known ahead), flattened. Row ``r`` holds ``y[r]`` and ``X[r+1 : r+1+n_leads]``;
    ``X`` must have ``n_leads`` rows more than ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> step_features(np.zeros((2, 1)), np.arange(4.0)[:, None], 2).tolist()
    [[0.0, 1.0, 2.0], [0.0, 2.0, 3.0]]
    """
    if X is None:
        return y
    leads = np.lib.stride_tricks.sliding_window_view(X[1:], n_leads, axis=0)[: len(y)]
    return np.concatenate([y, leads.transpose(0, 2, 1).reshape(len(y), -1)], axis=1)


class RNNForecaster(BaseForecaster):
    """Recurrent-network forecaster for sktime, trained by skrnn's own estimators.

    Each training sample is a window of the last ``window_length`` observations of
    ``y`` (and of the exogenous ``X``); the target is what follows it. Three ways of
    reaching a horizon ``fh``:

    - ``"recursive"``: an :class:`~skrnn.RNNRegressor` predicts one step ahead and is
      fed its own forecasts for the later steps. ``fh`` may change at ``predict``.
    - ``"direct"``: one :class:`~skrnn.RNNRegressor` with one output per step (and
      per variable) up to the largest step of ``fh``, given in ``fit``.
    - ``"seq2seq"``: a :class:`~skrnn.Seq2SeqTransformer` (encoder-decoder) that
      decodes the steps up to the largest step of ``fh``, given in ``fit``.

    Point forecasts and quantiles come from one network trained with the pinball
    (quantile) loss at the levels ``quantiles``: the point forecast is the median.
    ``predict_quantiles`` / ``predict_interval`` accept any probability: between the
    trained levels the quantiles are interpolated, beyond them extended with
    Gaussian-shaped tails. With the recursive strategy, quantiles of steps 2 and later
    come from ``n_sample_paths`` simulated paths, each step drawn from the one-step
    quantiles. ``quantiles=None`` trains on the squared error instead (point forecasts
    only; sktime's ``ConformalIntervals`` can add intervals).

    Exogenous ``X`` holds values known in advance: the window step at time ``t`` holds
    ``y[t]`` and ``X`` at the next steps (one with ``"recursive"``, up to the largest
    step of ``fh`` otherwise), so ``predict`` needs ``X`` for every step from the cutoff
    to the largest step forecast. In-sample ``fh`` values get one-step-ahead fitted
    values (the forecast from the ``window_length`` observations before each time).

    Parameters
    ----------
    strategy : {"recursive", "direct", "seq2seq"}, default="recursive"
        How the horizon is reached (see above).
    window_length : int, default=12
        Observations in each input window.
    quantiles : sequence of float in (0, 1) or None, default=(0.05, 0.1, 0.25, 0.5, \
0.75, 0.9, 0.95)
        Levels of the quantile head (at least two); ``None``: squared-error training.
    n_sample_paths : int, default=200
        Simulated paths for the quantiles of the recursive strategy beyond one step.
    instance_norm : {None, "last", "mean", "standard"}, default="last"
        Per-window (reversible instance) normalisation of the network's input, as in
        :class:`~skrnn.RNNRegressor`: each window is shifted by its last value (or its
        mean; ``"standard"`` also divides by its standard deviation), per feature, and
        the forecasts are shifted back by the statistics of their variable. The network
        learns changes from the window's level, so trending series need no
        differencing first.
    scale_target : bool, default=True
        Standardise the (normalised) targets for training, so that one learning rate
        suits series of any unit.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    units : int, default=32
        Hidden units per recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the output layer.
    epochs : int, default=100
        Passes over the training windows.
    batch_size : int, default=32
        Mini-batch size.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer \
class, default="adam"
        Optimizer.
    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm to this value.
    random_state : int, RandomState instance or None, default=None
        Seeds the network (weights, shuffling, dropout) and the simulated paths.
    device : str, default="cpu"
        Torch device.
    verbose : int, default=0
        Print skorch's per-epoch log when positive.

    Attributes
    ----------
    estimator_ : RNNRegressor or Seq2SeqTransformer
        The fitted network.
    horizon_ : int
        Steps ahead the network outputs: 1 for ``"recursive"``, else the largest
        out-of-sample step of ``fh`` in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime.datasets import load_airline
    >>> from skrnn import RNNForecaster
    >>> y = np.log(load_airline())
    >>> f = RNNForecaster(window_length=12, units=4, epochs=2, random_state=0).fit(y)
    >>> f.predict(fh=[1, 2, 3]).index.astype(str).tolist()
    ['1961-01', '1961-02', '1961-03']
    >>> f.predict_interval(fh=[1, 2, 3], coverage=0.9).shape
    (3, 2)
    """

    _tags = {
        "authors": ["skrnn developers"],
        "maintainers": ["skrnn developers"],
        "python_dependencies": ["torch", "skorch"],
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": True,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "capability:non_contiguous_X": False,
        "capability:update": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }
    # The forecaster keeps the data it needs itself (``_cur_y``, ``_cur_X``) and updates
    # natively, so sktime's copies in ``_y``/``_X`` are not needed: ``False`` is sktime
    # 1.3's default, and setting it silences 1.2's FutureWarning on every construction.
    _config = {"remember_data": False}

    def __init__(
        self,
        strategy="recursive",
        window_length=12,
        quantiles=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95),
        n_sample_paths=200,
        instance_norm="last",
        scale_target=True,
        cell="lstm",
        units=32,
        num_layers=1,
        dropout=0.0,
        epochs=100,
        batch_size=32,
        lr=1e-3,
        optimizer="adam",
        clip_grad_norm=1.0,
        random_state=None,
        device="cpu",
        verbose=0,
    ):
        self.strategy = strategy
        self.window_length = window_length
        self.quantiles = quantiles
        self.n_sample_paths = n_sample_paths
        self.instance_norm = instance_norm
        self.scale_target = scale_target
        self.cell = cell
        self.units = units
        self.num_layers = num_layers
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.clip_grad_norm = clip_grad_norm
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        super().__init__()
        # sktime 1.2 creates _y/_X only where remember_data is True at construction;
        # set_config(remember_data=True) afterwards (sktime's own checks) needs them
        self._y = self._X = None
        self.set_tags(
            **{
                "requires-fh-in-fit": strategy != "recursive",
                "capability:pred_int": quantiles is not None,
            }
        )

    # -- parameters and the network -------------------------------------------------------
    def _check_params(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}; got {self.strategy!r}.")
        for name in ("window_length", "n_sample_paths"):
            value = getattr(self, name)
            if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
        if self.quantiles is None:
            self._levels = None
            return
        levels = np.asarray(self.quantiles, dtype=float)
        if (
            levels.ndim != 1
            or len(np.unique(levels)) != len(levels)
            or len(levels) < 2
            or not ((levels > 0) & (levels < 1)).all()
        ):
            raise ValueError(
                "quantiles must be None or at least two distinct levels strictly between "
                f"0 and 1, for example (0.05, 0.5, 0.95); got {self.quantiles!r}."
            )
        self._levels = np.sort(levels)

    def _network(self, n_vars: int):
        q = 1 if self._levels is None else len(self._levels)
        # the input feature (variable of y) of each output column: outputs cycle through
        # quantile levels, then variables (then steps, for the direct strategy's head)
        per_step = np.repeat(np.arange(n_vars), q)
        common = dict(
            instance_norm=self.instance_norm,
            scale_target=self.scale_target,
            target_feature=list(
                per_step if self.strategy == "seq2seq" else np.tile(per_step, self.horizon_)
            ),
            cell=self.cell,
            units=self.units,
            num_layers=self.num_layers,
            dropout=self.dropout,
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=self.optimizer,
            clip_grad_norm=self.clip_grad_norm,
            random_state=self.random_state,
            device=self.device,
            verbose=self.verbose,
        )
        quantile = self._levels is not None
        if self.strategy == "seq2seq":
            net = (_QuantileSeq2Seq if quantile else Seq2SeqTransformer)(**common)
        else:
            net = (_QuantileRNNRegressor if quantile else RNNRegressor)(**common)
        if quantile:
            net._levels = tuple(self._levels)
        return net

    @property
    def _n_leads(self) -> int:
        """Future steps of ``X`` in each window step."""
        return 1 if self.strategy == "recursive" else self.horizon_

    # -- fit and update -------------------------------------------------------------------
    @transactional
    def fit(self, y, X=None, fh=None):
        """Fit the forecaster to the series ``y`` (sktime's ``fit``, transactional).

        A fit that raises leaves the forecaster as it was before the call, fitted or not
        (sktime records the data, cutoff and horizon before training).

        Parameters
        ----------
        y : pd.Series, pd.DataFrame or np.ndarray
            The series to forecast, oldest first.
        X : pd.DataFrame or None, default=None
            Exogenous values known in advance.
        fh : ForecastingHorizon, int or array-like, default=None
            Steps to forecast; needed by the ``"direct"`` and ``"seq2seq"`` strategies.

        Returns
        -------
        self : RNNForecaster
            The fitted forecaster.
        """
        if y is None:  # sktime asserts (an AssertionError), skrnn's contract is a ValueError
            raise ValueError("y is None; RNNForecaster.fit needs the series to forecast.")
        return super().fit(y, X=X, fh=fh)

    def _fit(self, y, X, fh):
        self._check_params()
        if self.strategy == "recursive":
            self.horizon_ = 1
        else:
            steps = fh.to_relative(self.cutoff).to_numpy()
            self.horizon_ = int(max(steps.max(), 1))
        self._cur_y = y
        self._cur_X = X
        self._x_columns = None if X is None else list(X.columns)
        self._train()
        return self

    def _update(self, y, X=None, update_params=True):
        self._cur_y = update_data(self._cur_y, y)
        if self._x_columns is not None and X is not None:
            self._cur_X = update_data(self._cur_X, X)
        if update_params:
            self._train()
        return self

    def _train(self) -> None:
        Y = self._cur_y.to_numpy(dtype=np.float64)
        n, L, H = len(Y), self.window_length, self.horizon_
        if n < L + H:
            raise ValueError(
                f"RNNForecaster needs at least window_length + {H} = {L + H} observations "
                f"of y for one training window (window_length={L}, {H} step(s) ahead); "
                f"got {n}. Pass a longer y or lower window_length."
            )
        if self._x_columns is None:
            F = Y
        else:
            F = step_features(Y[: n - self._n_leads], self._exog(self._cur_y.index), self._n_leads)
        origins = np.arange(L, n - H + 1)
        inputs = F[origins[:, None] - L + np.arange(L)]
        targets = Y[origins[:, None] + np.arange(H)]  # (windows, H, variables)
        if self._levels is not None:  # one copy of each target per quantile level
            targets = np.repeat(targets, len(self._levels), axis=-1)
        if self.strategy != "seq2seq":
            targets = targets.reshape(len(targets), -1)
        self.estimator_ = self._network(Y.shape[1]).fit(inputs, targets)

    def _exog(self, index, X=None) -> np.ndarray:
        """Exogenous values at ``index``: from ``X`` (passed to ``predict``) where it has
        them, else from the data seen in ``fit``/``update``; an error if any is missing."""
        pool = self._cur_X if X is None else X.combine_first(self._cur_X)
        missing = [c for c in self._x_columns if c not in pool.columns]
        if missing:
            raise ValueError(f"X lacks the columns {missing} that it had in fit.")
        values = pool[self._x_columns].reindex(index)
        absent = values.index[values.isna().any(axis=1)]
        if len(absent):
            raise ValueError(
                f"RNNForecaster (strategy={self.strategy!r}) needs the exogenous X at every "
                f"step from the cutoff to the last step forecast; X has no values (or NaN) "
                f"at {list(absent.astype(str))[:5]}{' ...' if len(absent) > 5 else ''}. "
                "Pass X to predict covering those steps."
            )
        try:
            return values.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                "X must hold numeric columns; encode categorical or text columns first."
            ) from None

    # -- forecasting ----------------------------------------------------------------------
    def _network_forecast(self, windows: np.ndarray) -> np.ndarray:
        """The network's forecasts for input windows: ``(n, horizon_, variables, q)``
        with ``q`` quantiles sorted ascending (1 without a quantile head)."""
        n_vars = self._cur_y.shape[1]
        out = self.estimator_.predict(windows).reshape(len(windows), self.horizon_, n_vars, -1)
        return np.sort(out, axis=-1)

    def _point(self, values: np.ndarray) -> np.ndarray:
        if self._levels is None:
            return values[..., 0]
        return quantile_at(self._levels, values, 0.5)

    def _forecast(self, fh, X, alpha=None) -> np.ndarray:
        """Forecasts at ``fh``: ``(len(fh), variables)`` points, or with ``alpha`` the
        quantiles ``(len(fh), variables, len(alpha))``."""
        steps = fh.to_relative(self.cutoff).to_numpy()
        future = steps > 0
        H = int(steps[future].max()) if future.any() else 0
        if self.strategy != "recursive" and H > self.horizon_:
            raise ValueError(
                f"strategy={self.strategy!r} was fitted to forecast up to {self.horizon_} "
                f"step(s) ahead; fh asks for {H}. Refit with this fh, or use "
                "strategy='recursive', which can forecast any number of steps."
            )
        Y = self._cur_y.to_numpy(dtype=np.float64)
        F, Xall = Y, None
        if self._x_columns is not None:
            n_future = H if self.strategy == "recursive" else self.horizon_
            index = self._cur_y.index
            if n_future:
                ahead = ForecastingHorizon(np.arange(1, n_future + 1), is_relative=True)
                index = index.append(ahead.to_absolute_index(self.cutoff))
            Xall = self._exog(index, X)
            F = step_features(Y[: len(Xall) - self._n_leads], Xall, self._n_leads)
        shape = (len(steps), Y.shape[1]) + (() if alpha is None else (len(alpha),))
        result = np.empty(shape)
        if not future.all():
            times = fh.to_absolute_index(self.cutoff)[~future]
            result[~future] = self._in_sample(F, times, alpha)
        if future.any():
            result[future] = self._out_of_sample(F, Xall, H, alpha)[steps[future] - 1]
        return result

    def _in_sample(self, F, times, alpha):
        """One-step-ahead fitted values at in-sample times."""
        pos = self._cur_y.index.get_indexer(times)
        L = self.window_length
        if (pos < L).any():
            early = list(times[pos < L].astype(str))[:5]
            raise ValueError(
                f"In-sample forecasts are one-step-ahead forecasts from the window_length="
                f"{L} observations before each time; {early} have fewer observations "
                "before them. Drop them from fh or lower window_length."
            )
        values = self._network_forecast(F[pos[:, None] - L + np.arange(L)])[:, 0]
        return self._point(values) if alpha is None else self._quantiles(values, alpha)

    def _quantiles(self, values, alpha) -> np.ndarray:
        return np.stack([quantile_at(self._levels, values, a) for a in alpha], axis=-1)

    def _out_of_sample(self, F, Xall, H, alpha):
        """Forecasts of steps 1..H from the cutoff: ``(H, variables[, len(alpha)])``."""
        n, L = len(self._cur_y), self.window_length
        window = F[None, n - L : n]
        if self.strategy != "recursive":
            values = self._network_forecast(window)[0]
            return self._point(values) if alpha is None else self._quantiles(values, alpha)
        if alpha is None:  # the median path
            return self._roll(window, Xall, H, lambda q: self._point(q))[0]
        rng = check_random_state(self.random_state)

        def draw(q):  # one draw per path and variable from its one-step quantiles
            return quantile_at(self._levels, q, rng.uniform(size=q.shape[:-1]))

        paths = self._roll(np.repeat(window, self.n_sample_paths, axis=0), Xall, H, draw)
        return np.moveaxis(np.quantile(paths, alpha, axis=0), 0, -1)

    def _roll(self, windows, Xall, H, pick) -> np.ndarray:
        """Recursive forecasts ``(paths, H, variables)``: each step's value, chosen from
        the one-step quantiles by ``pick``, becomes the newest window step."""
        n = len(self._cur_y)
        out = []
        for h in range(H):
            value = pick(self._network_forecast(windows)[:, 0])
            out.append(value)
            if h + 1 < H:
                row = value
                if Xall is not None:  # the new step's row holds X of the step after it
                    lead = np.broadcast_to(Xall[n + h + 1], (len(value), Xall.shape[1]))
                    row = np.concatenate([value, lead], axis=1)
                windows = np.concatenate([windows[:, 1:], row[:, None]], axis=1)
        return np.stack(out, axis=1)

    def _frame(self, values, fh, columns) -> pd.DataFrame:
        return pd.DataFrame(
            values.reshape(len(values), -1),
            index=fh.to_absolute_index(self.cutoff),
            columns=columns,
        )

    def _predict(self, fh, X):
        return self._frame(self._forecast(fh, X), fh, self._cur_y.columns)

    def _predict_quantiles(self, fh, X, alpha):
        values = self._forecast(fh, X, alpha=list(alpha))
        return self._frame(values, fh, self._get_columns(method="predict_quantiles", alpha=alpha))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny networks (2 units, 1 epoch) for sktime's estimator checks.

        Returns
        -------
        params : list of dict
        """
        tiny = dict(window_length=3, units=2, epochs=1, batch_size=16, random_state=0)
        return [
            dict(strategy="recursive", n_sample_paths=10, **tiny),
            dict(strategy="direct", **tiny),
            dict(strategy="seq2seq", quantiles=None, **tiny),
        ]
