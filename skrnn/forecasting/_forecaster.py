"""skrnn's recurrent estimators as an sktime forecaster: windows in, horizon out."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sktime.datatypes import update_data
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from .._torch.losses import PinballLoss
from .._training.transaction import transactional
from ._panel import (
    IRREGULAR,
    irregular_timestamps,
    is_panel,
    missing_times,
    skipped_message,
    split_panel,
    stack_panel,
)
from ._seasonal import (
    MIN_SEASONS,
    SEASONAL_METHODS,
    adjust,
    adjust_by_head,
    fit_adjustment,
    series_drift,
    unadjust,
)
from ._strategies import STRATEGIES, _ThetaFallback, step_features

__all__ = ["PinballLoss", "RNNForecaster"]

PANEL_MODES = ("global", "local")
#: with epochs="auto": windows shown to each network (epochs x windows), at most 100
#: epochs. A single series (hundreds of windows) trains 100 epochs; a large panel fewer
#: epochs of many more windows (one at least)
WINDOW_BUDGET = 200_000
#: fewest training windows per network with window_length="auto" (else: shorter windows,
#: then the Theta fallback)
MIN_WINDOWS = 8
#: fewest observations the Theta fallback is fitted on
MIN_HISTORY = 4


def infer_sp(index: pd.Index) -> int:
    """Seasonal period of a series from its index: 12 for monthly, 4 for quarterly, 52
    for weekly, 7 for daily, 24 for hourly data, else 1 (no season).

    Examples
    --------
    >>> import pandas as pd
    >>> infer_sp(pd.period_range("2000-01", periods=3, freq="M"))
    12
    >>> infer_sp(pd.RangeIndex(3))
    1
    """
    freq = getattr(index, "freqstr", None)
    if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) > 2:
        freq = pd.infer_freq(index)
    if not freq:
        return 1
    code = freq.split("-")[0].lstrip("0123456789").upper()
    for prefix, sp in (("Q", 4), ("BQ", 4), ("M", 12), ("BM", 12), ("SM", 24), ("W", 52)):
        if code.startswith(prefix):
            return sp
    return {"D": 7, "B": 5, "H": 24}.get(code, 1)


def _label(instance: tuple):
    """An instance's key as error messages show it."""
    return instance[0] if len(instance) == 1 else instance


def _named_like(new: pd.DataFrame, seen: pd.DataFrame) -> pd.DataFrame:
    """The panel ``new`` with the index level names of ``seen`` (as many levels): a
    panel's levels are read by position (the series' keys, then the time), as fit and
    predict read them, but pandas joins the rows of an update by the levels' names."""
    if new.index.nlevels != seen.index.nlevels:
        return new
    return new.rename_axis(seen.index.names)


def _check_numeric_y(y) -> None:
    """A ``TypeError`` naming ``y`` for an array that does not hold numbers (pandas input
    is left to sktime, which refuses categorical and text columns with its TypeError)."""
    if isinstance(y, (pd.Series, pd.DataFrame)):
        return
    dtype = np.asarray(y).dtype
    if not np.issubdtype(dtype, np.number):
        raise TypeError(
            f"y must hold numbers; got an array of dtype {dtype}. Convert the series "
            "first, for example y.astype(float)."
        )


def _check_panel_frame(y, param: str) -> None:
    """A ``TypeError`` naming the fix for a panel given as a Series: sktime takes panels
    and hierarchies as data frames only, and its own error does not say so for this
    case."""
    if isinstance(y, pd.Series) and is_panel(y):
        raise TypeError(
            f"{param} is a pandas Series with a MultiIndex (a panel); sktime takes a panel "
            f"as a DataFrame (the series' keys, then the time, as the row index): pass "
            f"{param}.to_frame()."
        )


def _compact(path):
    """A seasonal path as kept after fit: float32, the precision of the windows it
    adjusts (it is kept for every step of every series, as the data are)."""
    return None if path is None else path.astype(np.float32)


class RNNForecaster(BaseForecaster):
    """Recurrent-network forecaster for sktime, trained by skrnn's own estimators.

    With its defaults, ``RNNForecaster()`` follows what won the M4 competition for neural
    forecasts, each step chosen by measurement (``python -m benchmarks.forecasting``,
    ``docs/forecasting.md``):

    1. **Adjustment.** A strictly positive series is log-transformed (a season whose
       amplitude grows with the level becomes a constant one, and errors of different
       levels become comparable); then, when the M4 autocorrelation test finds a season
       at ``sp`` (``"auto"``: from the index, 12 for monthly data), it is removed by STL
       (``seasonal_method="stl"``; on the log scale, a multiplicative decomposition of
       the series): the seasonal component at each time, which may change over the
       years, continued by its last season for the forecasts. ``"classical"`` takes
       the fixed indices of a classical decomposition instead, the arithmetic of
       sktime's ``LogTransformer``, ``autocorrelation_seasonality_test`` and
       ``Deseasonalizer`` in NumPy (tests keep them equal). Forecasts are made on this
       scale and mapped back.
    2. **Networks.** ``n_estimators`` small networks, with different seeds and window
       lengths (``window_length="auto"``: one and two horizons, at least one season;
       one horizon for the one ensemble of a panel), each forecasting the whole
       horizon at once (``strategy="direct"``, multi-output), from windows normalised
       by their last value (``instance_norm="last"``). Their forecasts are combined by
       the median.
    3. **Intervals** (``intervals="conformal"``): in ``fit``, one network per window
       length is first trained without the last observations and forecasts them from
       up to ``horizon + 1`` rolling origins; the errors of each horizon step, on the
       adjusted scale, give the interval widths (split-conformal: each step's errors
       scaled by their root mean square, made non-decreasing with the step, then pooled
       for the quantile). The final networks are then trained on all the data.
    4. **Short series.** With ``window_length="auto"``, a network needs three horizons'
       worth of training windows; a shorter series is forecast by the Theta method
       (sktime's ``ThetaForecaster``) on the adjusted series, with conformal intervals
       in the same way. Where the series is too short to leave calibration origins out
       of a network's training, the intervals come from the Theta forecasts' errors.

    Three ways of reaching a horizon ``fh``:

    - ``"direct"``: one :class:`~skrnn.RNNRegressor` with one output per step (and
      per variable) up to the largest step of ``fh``, given in ``fit``.
    - ``"recursive"``: an :class:`~skrnn.RNNRegressor` predicts one step ahead and is
      fed its own forecasts for the later steps. ``fh`` may change at ``predict``.
    - ``"seq2seq"``: a :class:`~skrnn.Seq2SeqTransformer` (encoder-decoder) that
      decodes the steps up to the largest step of ``fh``, given in ``fit``.

    ``intervals="quantile"`` trains each network with the pinball (quantile) loss at
    the levels ``quantiles`` instead: the point forecast is the median, other
    probabilities are interpolated between the levels (Gaussian-shaped tails beyond
    them); with the recursive strategy, quantiles of steps 2 and later come from
    ``n_sample_paths`` simulated paths. ``intervals=None`` trains on the squared error
    and gives point forecasts only.

    **Panels** (sktime's ``pd-multiindex`` and hierarchical ``pd_multiindex_hier``
    frames: the series' keys, then the time): with ``panel="global"`` (default) one
    ensemble of networks learns from the windows of all series, as the neural winners
    of the M4 and M5 competitions did (ES-RNN, DeepAR). Each variable of each series is
    one univariate series with its own adjustment (log, deseasonalisation, then its
    drift removed: ``series_drift``) and its own scale (the mean absolute change of what
    is left), so series of any unit and
    volatility give alike windows (``series_embedding`` adds a learned code of each
    series); ``predict`` forecasts all series in one batched pass
    and returns a frame with the panel's index. A series that ends before the others is
    forecast from its own end. Exogenous ``X`` of a panel is a panel with ``y``'s series
    and times (checked per series as ``y`` is, numeric columns); each window step holds
    the series' value and its own ``X`` at the next steps, as for one series (below), so
    the one network reads every series' ``X``, and ``predict`` needs ``X`` of every
    series from its end to the largest step forecast. In-sample ``fh`` steps are not
    served for a panel. ``panel="local"`` fits one forecaster per series (sktime's
    vectorisation), each with the single-series defaults above.

    Exogenous ``X`` holds values known in advance: the window step at time ``t`` holds
    ``y[t]`` and ``X`` at the next steps (one with ``"recursive"``, up to the largest
    step of ``fh`` otherwise), so ``predict`` needs ``X`` for every step from the cutoff
    to the largest step forecast. In-sample ``fh`` values get one-step-ahead fitted
    values (the forecast from the window before each time).

    Parameters
    ----------
    strategy : {"direct", "recursive", "seq2seq"}, default="direct"
        How the horizon is reached (see above).
    panel : {"global", "local"}, default="global"
        For panel and hierarchical ``y``: ``"global"`` trains one ensemble on the
        windows of all series (the default: each network learns from all the series'
        windows, more than any one short series offers, and the panel is fitted once
        rather than once per series; ``docs/forecasting.md`` measures both on real
        panels); ``"local"`` fits one forecaster per series. A single series is
        forecast the same way by both.
    window_length : int or "auto", default="auto"
        Observations in each input window. ``"auto"``: the members of the ensemble
        alternate between one and two times ``max(horizon, sp)``, shortened (or the
        Theta fallback used) for short series; a global panel fit takes one time
        ``max(horizon, sp)`` for every member (measured on seven real panels,
        ``docs/forecasting.md``).
    sp : int or "auto", default="auto"
        Seasonal period; ``"auto"`` reads it from the index (12 monthly, 4 quarterly,
        52 weekly, 7 daily, 24 hourly, else 1).
    deseasonalize : bool or "auto", default="auto"
        Remove the season at ``sp`` before the networks: ``"auto"`` when the M4
        autocorrelation test finds one (and the series holds three seasons), ``True``
        always (when ``sp > 1``), ``False`` never.
    seasonal_method : {"stl", "classical"}, default="stl"
        How the season is estimated: ``"stl"``, the seasonal component of STL
        (statsmodels' ``STL`` with R's ``stl`` smoother: local constant over 7 seasons),
        which follows a season that changes over the years, removed at each time and
        continued by its last season (as statsforecast's MSTL forecasts); or
        ``"classical"``, fixed indices by classical decomposition (as sktime's
        ``Deseasonalizer``, M4's Theta benchmark). STL was measured better on the
        single-series benchmark (mean MASE 1.045 -> 0.934 over 19 series; better on 10,
        worse on 5) and on real panels (``docs/forecasting.md``). The conformal
        calibration refits STL on the observations its networks train on, so that the
        season of the held-out steps is forecast, as the future's is.
    transform : {"auto", "log"} or None, default="auto"
        Variance stabilisation before the networks: ``"auto"`` takes the log of a
        strictly positive series (per variable), ``"log"`` always (an error for values
        <= 0), ``None`` never.
    n_estimators : int, default=4
        Networks in the ensemble (median of their forecasts).
    intervals : {"conformal", "quantile"} or None, default="conformal"
        Where prediction intervals come from (see above).
    quantiles : sequence of float in (0, 1), default=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, \
0.95)
        Levels of the quantile head with ``intervals="quantile"`` (at least two).
    n_sample_paths : int, default=200
        Simulated paths for the quantiles of the recursive strategy beyond one step
        (``intervals="quantile"``).
    instance_norm : {None, "last", "mean", "standard"}, default="last"
        Per-window (reversible instance) normalisation of the network's input, as in
        :class:`~skrnn.RNNRegressor`: each window is shifted by its last value (or its
        mean; ``"standard"`` also divides by its standard deviation), per feature, and
        the forecasts are shifted back. The network learns changes from the window's
        level, so trending series need no differencing first.
    scale_target : bool, default=True
        Standardise the (normalised) targets for training, so that one learning rate
        suits series of any unit.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    units : int, default=16
        Hidden units per recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the output layer.
    epochs : int or "auto", default="auto"
        Passes over the training windows. ``"auto"``: 100, or fewer for a large panel or
        a long series, so that each network sees at most 200,000 windows; with more
        windows than that, each network trains one epoch on a random 200,000 of them
        (its own draw).
    batch_size : int, default=64
        Mini-batch size.
    lr : float, default=3e-3
        Learning rate.
    lr_schedule : {"constant", "cosine", "cooldown"}, default="constant"
        Each network's learning rate over its epochs, as :class:`~skrnn.RNNRegressor`'s
        ``lr_schedule``: ``"constant"`` keeps ``lr``; ``"cosine"`` falls from ``lr``
        towards 0 along a half cosine; ``"cooldown"`` keeps ``lr`` until the last 30% of
        the epochs, then falls linearly towards 0. A network trained one epoch
        (``epochs="auto"`` on a large panel or a long series) trains at ``lr`` under any
        schedule. On the panels of docs/forecasting.md the decaying schedules traded
        panels, so the default stays constant.
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer \
class, default="adam"
        Optimizer.
    clip_grad_norm : float or None, default=1.0
        Clip the gradient norm to this value.
    random_state : int, RandomState instance or None, default=None
        Seeds the networks (weights, shuffling, dropout) and the simulated paths.
    device : str, default="cpu"
        Torch device.
    distributed : bool, default=False
        Train every network with PyTorch's ``DistributedDataParallel`` across the
        processes of a ``torch.distributed`` process group (launch the script with
        ``torchrun``): each batch is split between the processes, and every process ends
        with the same networks (the networks' ``distributed``, see
        :class:`RNNRegressor`). For a panel whose training is too long for one machine.
    verbose : int, default=0
        Print skorch's per-epoch log when positive.
    series_embedding : int or None, default=None
        Global panel fits only: give each series of the panel a code and the networks a
        learned embedding of the codes of this size (``categorical_features`` of
        :class:`~skrnn.RNNRegressor`), read beside the values at every window step, so
        that one network can forecast series whose recent windows look alike but whose
        futures differ. ``update`` keeps each series' code. ``None`` or ``0``: off; the
        networks see the windows only, and can forecast series they never saw. It is for
        a fixed set of series: ``pretrain`` (whose networks forecast any series) refuses
        it, and ``strategy="seq2seq"`` does not take it. A single series, and
        ``panel="local"``, ignore it (one series needs no code).

        .. versionadded:: 0.2.0
    series_drift : bool, default=True
        Global panel fits only: remove each series' drift (its mean change per step after
        the log and the season, the slope of the drift method) before the networks, and
        continue it in its forecasts. A network fitted to one series learns that series'
        drift (its targets' mean); one network for many series learns the panel's
        average movement, and this gives each series its own back (as ES-RNN gives each
        series its own level and season). On nine real panels it lowered the error by
        about 2% on average at two seeds, but not on every panel
        (``docs/forecasting.md``). The calibration removes the drift of the observations
        its networks train on. A single series, and ``panel="local"``, ignore it.

        .. versionadded:: 0.2.0

    Attributes
    ----------
    estimators_ : list of RNNRegressor or Seq2SeqTransformer
        The fitted networks (an empty list when the Theta fallback forecasts).
    window_lengths_ : list of int
        The window length of each network.
    estimator_ : RNNRegressor or Seq2SeqTransformer or None
        The first network (``None`` for the Theta fallback).
    strategy_ : object
        The strategy's class (one per value of ``strategy``, in
        ``skrnn/forecasting/_strategies.py``): how the networks are trained on windows
        and reach the horizon.
    sp_ : int
        The seasonal period used.
    horizon_ : int
        Steps ahead the networks output: 1 for ``"recursive"``, else the largest
        out-of-sample step of ``fh`` in ``fit``.
    calibration_errors_ : ndarray of shape (n_origins, n_steps, n_variables) or None
        ``intervals="conformal"``: the errors, on the adjusted scale, of the forecasts
        from the calibration origins (for a panel: one origin per series, each error
        divided by its series' scale).
    n_series_ : int
        Panels only: the number of series (each variable of each instance counts).
    series_log_, series_seasonal_ : ndarray
        Per series (for a single series: per variable of ``y``): whether the log was
        taken, and the seasonal indices removed after it ``(n_series, sp_)`` (zeros for
        none; with STL the last season of its component, which the forecasts take, or
        the classical decomposition of sktime's ``Deseasonalizer``, computed in NumPy).
        Index ``k`` belongs to the times ``k, k + sp_, ...`` from the start of the
        series.
    series_drifts_ : ndarray
        Global panel fits only, per series: the drift (change per step) removed from the
        adjusted series, continued in its forecasts (zeros with ``series_drift=False``).

        .. versionadded:: 0.2.0
    series_scales_ : ndarray
        Global panel fits only, per series: the scale the adjusted series (less its
        drift) is divided by.
    drift_removed_ : bool
        Global panel fits only: whether the drifts were removed (``series_drift``; after
        ``pretrain``, as the pretrained networks learned).

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from skrnn import RNNForecaster
    >>> y = load_airline()
    >>> f = RNNForecaster(n_estimators=1, units=4, epochs=2, random_state=0)
    >>> f.fit(y, fh=[1, 2, 3]).predict().index.astype(str).tolist()
    ['1961-01', '1961-02', '1961-03']
    >>> f.predict_interval(coverage=0.9).shape
    (3, 2)

    A panel of two series, one network for both:

    >>> import pandas as pd
    >>> panel = pd.concat({"a": y, "b": 2 * y}, names=["id"]).to_frame()
    >>> pred = f.fit(panel, fh=[1, 2, 3]).predict()
    >>> pred.shape, pred.index.get_level_values("id").unique().tolist(), f.n_series_
    ((6, 1), ['a', 'b'], 2)
    """

    _tags = {
        "authors": ["skrnn developers"],
        "maintainers": ["skrnn developers"],
        "python_dependencies": ["torch", "skorch", "statsmodels"],
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
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "capability:pretrain": True,
    }
    # The forecaster keeps the data it needs itself (``_cur_y``, ``_cur_X``) and updates
    # natively, so sktime's copies in ``_y``/``_X`` are not needed: ``False`` is sktime
    # 1.3's default, and setting it silences 1.2's FutureWarning on every construction.
    _config = {"remember_data": False}

    def __init__(
        self,
        strategy="direct",
        panel="global",
        window_length="auto",
        sp="auto",
        deseasonalize="auto",
        seasonal_method="stl",
        transform="auto",
        n_estimators=4,
        intervals="conformal",
        quantiles=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95),
        n_sample_paths=200,
        instance_norm="last",
        scale_target=True,
        cell="lstm",
        units=16,
        num_layers=1,
        dropout=0.0,
        epochs="auto",
        batch_size=64,
        lr=3e-3,
        lr_schedule="constant",
        optimizer="adam",
        clip_grad_norm=1.0,
        random_state=None,
        device="cpu",
        distributed=False,
        verbose=0,
        series_embedding=None,
        series_drift=True,
    ):
        self.strategy = strategy
        self.panel = panel
        self.window_length = window_length
        self.sp = sp
        self.deseasonalize = deseasonalize
        self.seasonal_method = seasonal_method
        self.transform = transform
        self.n_estimators = n_estimators
        self.intervals = intervals
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
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.clip_grad_norm = clip_grad_norm
        self.random_state = random_state
        self.device = device
        self.distributed = distributed
        self.verbose = verbose
        self.series_embedding = series_embedding
        self.series_drift = series_drift
        super().__init__()
        # sktime 1.2 creates _y/_X only where remember_data is True at construction;
        # set_config(remember_data=True) afterwards (sktime's own checks) needs them
        self._y = self._X = None
        # panel="global": sktime passes panels and hierarchies whole to _fit (one
        # network for all series); "local": it fits one forecaster per series
        inner = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]
        self.set_tags(
            **{
                # a strategy other than the known ones is an error in fit
                "requires-fh-in-fit": getattr(
                    STRATEGIES.get(strategy) if isinstance(strategy, str) else None,
                    "fh_in_fit",
                    True,
                ),
                "capability:pred_int": intervals is not None,
                "y_inner_mtype": inner if panel == "global" else "pd.DataFrame",
                "X_inner_mtype": inner if panel == "global" else "pd.DataFrame",
            }
        )

    # -- parameters -----------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {tuple(STRATEGIES)}; got {self.strategy!r}.")
        if self.panel not in PANEL_MODES:
            raise ValueError(f"panel must be one of {PANEL_MODES}; got {self.panel!r}.")
        for name in ("distributed", "series_drift"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False; got {getattr(self, name)!r}.")
        epochs = self.epochs
        if epochs != "auto" and (
            not isinstance(epochs, Integral) or isinstance(epochs, bool) or epochs < 1
        ):
            raise ValueError(f"epochs must be an integer >= 1 or 'auto'; got {self.epochs!r}.")
        for name in ("n_sample_paths", "n_estimators"):
            value = getattr(self, name)
            if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
        for name in ("window_length", "sp"):
            value = getattr(self, name)
            if value != "auto" and (
                not isinstance(value, Integral) or isinstance(value, bool) or value < 1
            ):
                raise ValueError(f"{name} must be an integer >= 1 or 'auto'; got {value!r}.")
        if self.deseasonalize not in ("auto", True, False):
            raise ValueError(
                f"deseasonalize must be 'auto', True or False; got {self.deseasonalize!r}."
            )
        if self.seasonal_method not in SEASONAL_METHODS:
            raise ValueError(
                f"seasonal_method must be 'stl' or 'classical'; got {self.seasonal_method!r}."
            )
        if self.transform not in ("auto", "log", None):
            raise ValueError(f"transform must be 'auto', 'log' or None; got {self.transform!r}.")
        if self.intervals not in ("conformal", "quantile", None):
            raise ValueError(
                f"intervals must be 'conformal', 'quantile' or None; got {self.intervals!r}."
            )
        embedding = self.series_embedding
        if embedding is not None and (
            not isinstance(embedding, Integral) or isinstance(embedding, bool) or embedding < 0
        ):
            raise ValueError(
                "series_embedding must be None or 0 (off) or the size of each series' "
                f"learned embedding, an integer >= 1; got {embedding!r}."
            )
        if embedding and self.strategy == "seq2seq":
            raise ValueError(
                "series_embedding is available with strategy='direct' and 'recursive', whose "
                "networks (RNNRegressor) embed the series' codes; strategy='seq2seq' does "
                "not. Set series_embedding=None, or choose another strategy."
            )
        self._levels = None
        if self.intervals != "quantile":
            return
        levels = np.asarray(self.quantiles, dtype=float)
        if (
            levels.ndim != 1
            or len(np.unique(levels)) != len(levels)
            or len(levels) < 2
            or not ((levels > 0) & (levels < 1)).all()
        ):
            raise ValueError(
                "quantiles must hold at least two distinct levels strictly between 0 and 1, "
                f"for example (0.05, 0.5, 0.95); got {self.quantiles!r}."
            )
        self._levels = np.sort(levels)

    @property
    def _n_levels(self) -> int:
        """Outputs of each network per step and variable: its quantile levels, or one."""
        return 1 if self._levels is None else len(self._levels)

    def _network_params(self, seed: int, n_windows: int) -> dict:
        """The parameters of each network (its strategy adds what the outputs are)."""
        params = dict(
            instance_norm=self.instance_norm,
            scale_target=self.scale_target,
            cell=self.cell,
            units=self.units,
            num_layers=self.num_layers,
            dropout=self.dropout,
            epochs=self._epochs(n_windows),
            batch_size=self.batch_size,
            lr=self.lr,
            lr_schedule=self.lr_schedule,
            optimizer=self.optimizer,
            clip_grad_norm=self.clip_grad_norm,
            random_state=seed,
            device=self.device,
            distributed=self.distributed,
            verbose=self.verbose,
            # exactly `epochs` (the networks' budget is the ensemble's cost), and no
            # ConvergenceWarning from a network still improving at the end
            n_iter_no_change=None,
        )
        if self._levels is not None:  # the estimators' public pinball loss
            params.update(loss="pinball", quantiles=tuple(float(q) for q in self._levels))
        if getattr(self, "_codes", None) is not None:  # _F's last column: the series' codes
            params.update(
                categorical_features=[self._F.shape[1] - 1],
                categorical_embedding_dim=int(self.series_embedding),
            )
        return params

    def _epochs(self, n_windows: int) -> int:
        """Epochs of a network trained on ``n_windows`` windows (``epochs="auto"``: 100,
        or fewer so that it sees at most WINDOW_BUDGET windows, at least one epoch)."""
        if self.epochs != "auto":
            return int(self.epochs)
        return int(min(100, max(1, -(-WINDOW_BUDGET // max(n_windows, 1)))))

    def _window_sample(self, origins: np.ndarray, seed: int) -> np.ndarray:
        """The training windows (their first target positions ``origins``) of one network:
        all of them, or with ``epochs="auto"`` beyond WINDOW_BUDGET windows (a panel's or
        one long series') a random WINDOW_BUDGET of them, the network's own draw
        (``seed``), in order."""
        if self.epochs != "auto" or len(origins) <= WINDOW_BUDGET:
            return origins
        pick = np.random.RandomState(seed).choice(len(origins), WINDOW_BUDGET, replace=False)
        return origins[np.sort(pick)]

    @property
    def _n_vars(self) -> int:
        """Variables each network forecasts: one per series of a panel."""
        return 1 if self._series is not None else self._cur_y.shape[1]

    # -- fit and update -------------------------------------------------------------------
    # The public fit and update are overridden, against sktime's extension template
    # (_fit/_update only), because the template cannot keep skrnn's contract that a
    # call that raises leaves the forecaster as it was (docs/upstream.md, sktime):
    # sktime 1.2's fit resets the forecaster before its input checks, so a refit that
    # its checks refuse (NaN, a string y) leaves it unfitted, and update's checks write
    # y's metadata before refusing NaN, so later forecasts change type (a Series
    # becomes an ndarray). The overrides add the transaction and the checks sktime's
    # conversion would blur; the work is in _fit and _update.
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
            Exogenous values known in advance, at the times of ``y`` (for a panel ``y``, a
            panel with the same series).
        fh : ForecastingHorizon, int or array-like, default=None
            Steps to forecast; needed by the ``"direct"`` and ``"seq2seq"`` strategies.

        Returns
        -------
        self : RNNForecaster
            The fitted forecaster.
        """
        if y is None:  # sktime asserts (an AssertionError), skrnn's contract is a ValueError
            raise ValueError("y is None; RNNForecaster.fit needs the series to forecast.")
        self._check_params()  # before sktime's checks, which would blame fh for a strategy
        _check_panel_frame(y, "y")
        _check_numeric_y(y)  # sktime reads object and string arrays as panels or text
        if not is_panel(y) and irregular_timestamps(getattr(y, "index", None)):
            # before sktime's checks, whose error here is a TypeError about NoneType
            raise ValueError(f"y {IRREGULAR}")
        if self.panel == "global" and is_panel(y) and y.ndim == 2 and len(y.columns):
            # before sktime's checks, whose errors do not name the series: NaN,
            # duplicate times, several frequencies
            instances = split_panel(y).instances
            if X is not None:
                self._check_panel_x(X, instances, complete=True)
        return super().fit(y, X=X, fh=fh)

    @transactional
    def update(self, y, X=None, update_params=True):
        """Append new observations (sktime's ``update``, transactional).

        ``y`` must continue the series: the steps after the cutoff without gaps (times
        already seen may come first, ending at the cutoff), with the index type and the
        variable names seen in ``fit``. For a panel, each series it holds continues from
        its own end (a series may stay behind the cutoff), and ``y`` as a whole reaches
        the cutoff. An update that raises leaves the forecaster as it was: cutoff, data
        and networks.

        Parameters
        ----------
        y : pd.Series or pd.DataFrame
            The new observations.
        X : pd.DataFrame or None, default=None
            Exogenous values at (at least) the new times.
        update_params : bool, default=True
            Refit the transformations and the networks on all the data (for a panel,
            as ``fit`` would: the networks reach ``fh`` from the end of a series left
            behind the cutoff); else only append the data (forecasts then start from
            the new cutoff).

        Returns
        -------
        self : RNNForecaster
            The updated forecaster.
        """
        _check_panel_frame(y, "y")
        self._check_continues(y)
        return super().update(y, X=X, update_params=update_params)

    # sktime's forecasting methods store a new fh (update_predict and
    # update_predict_single the data too) before forecasting, so one that raises (an
    # in-sample step without a full window, in-sample intervals) would leave that fh for
    # the next call; in the transaction, a call that raises leaves the forecaster as it was
    predict = transactional(BaseForecaster.predict)
    predict_interval = transactional(BaseForecaster.predict_interval)
    predict_quantiles = transactional(BaseForecaster.predict_quantiles)
    predict_var = transactional(BaseForecaster.predict_var)
    predict_proba = transactional(BaseForecaster.predict_proba)
    predict_residuals = transactional(BaseForecaster.predict_residuals)
    update_predict = transactional(BaseForecaster.update_predict)
    update_predict_single = transactional(BaseForecaster.update_predict_single)

    def _check_continues(self, y) -> None:
        """A ValueError unless pandas ``y`` continues the fitted series."""
        self.check_is_fitted()
        if y is None or len(y) == 0 or self._is_vectorized:
            return  # panel="local": sktime updates one forecaster per series
        if not isinstance(y, pd.Series | pd.DataFrame):
            raise ValueError(
                f"update: pass y as a pandas Series or DataFrame whose index continues the "
                f"series after the cutoff {self.cutoff[0]!s}; got {type(y).__name__}, "
                "which has no times."
            )
        seen = list(self._cur_y.columns)
        names = [y.name] if isinstance(y, pd.Series) else list(y.columns)
        if isinstance(y, pd.Series) and len(seen) == 1 and y.name is None:
            names = seen  # an unnamed Series: sktime names it after the fitted one
        if names != seen:
            raise ValueError(
                f"update: y has the variables {names}, but the forecaster was fitted on "
                f"{seen}; pass new observations of the same series (rename them)."
            )
        if self._series is not None:
            return self._check_panel_continues(self._wrap(y))
        if not self._continues(y.index, self._cur_y.index):
            raise ValueError(self._gap_message(y.index, self._cur_y.index, "the series"))

    def _check_panel_x(self, X, instances, param: str = "X", complete: bool = False) -> None:
        """A panel ``X`` checked as ``y`` is, per series (NaN, duplicate times,
        frequency: a ValueError naming the series), with numeric columns (a TypeError)
        and no series that ``y`` lacks, nor with ``complete`` one that it has (a
        ValueError naming them)."""
        if not isinstance(X, pd.DataFrame) or not is_panel(X):
            # a Series with a MultiIndex is no sktime panel: it needs to be a frame
            got = (
                "a Series with a MultiIndex; pass X.to_frame()"
                if is_panel(X)
                else f"a {type(X).__name__} without a MultiIndex"
            )
            raise ValueError(
                f"{param}: y is a panel, so X must be a panel too (a MultiIndex frame: the "
                f"series' keys, then the time); got {got}."
            )
        seen = set(instances)
        x_instances = split_panel(X, param=param, regular=False).instances if X.size else []
        extra = [_label(k) for k in x_instances if k not in seen]
        if extra:
            raise ValueError(
                f"{param} holds the series {extra[:5]}, which are not in the panel y; X "
                "gives values of y's series only."
            )
        given = set(x_instances)  # once: a set per series made this quadratic
        lacking = [_label(k) for k in instances if k not in given]
        if complete and lacking:
            raise ValueError(
                f"{param} lacks the series {lacking[:5]} of the panel y; X must give values "
                "of every series of y at its times."
            )

    def _continues(self, index: pd.Index, seen: pd.Index, reach_cutoff: bool = True) -> bool:
        """Whether the times ``index`` continue the times ``seen`` (and, with
        ``reach_cutoff``, end at the cutoff or after it)."""
        cutoff = self.cutoff[0]
        same_type = type(index) is type(seen) or (
            pd.api.types.is_integer_dtype(index) and pd.api.types.is_integer_dtype(seen)
        )
        if not same_type:
            return False
        # relative to the data seen (sktime's update_predict may move the cutoff
        # past it first): times already seen (it passes them again) must be the
        # stretch that ends with the data; later times, the steps right after it;
        # and y may not end before the cutoff
        after = np.asarray(index > seen[-1])
        ahead = ForecastingHorizon(np.arange(1, after.sum() + 1), is_relative=True)
        new, old = index[after], index[~after]
        return bool(
            not after[: len(old)].any()
            and (len(old) == 0 or np.array_equal(old, seen[len(seen) - len(old) :]))
            and (not after.any() or np.array_equal(new, ahead.to_absolute_index(seen[-1:])))
            and (not reach_cutoff or index[-1] >= cutoff)
        )

    def _gap_message(self, index: pd.Index, seen: pd.Index, what: str) -> str:
        return (
            f"update: y must continue {what}: times up to the cutoff {self.cutoff[0]!s} "
            f"that were already seen, then the steps right after it, without gaps and "
            f"with the index type of fit ({type(seen).__name__}); got a "
            f"{type(index).__name__} from {index[0]!s} to {index[-1]!s}. To "
            "forecast from other data, fit again."
        )

    def _check_panel_continues(self, y) -> None:
        """Per series of a panel: known, and continued (a ValueError naming it)."""
        if not is_panel(y):
            raise ValueError(
                "update: the forecaster was fitted on a panel; pass the new observations "
                "as a panel too (a MultiIndex frame: the series' keys, then the time)."
            )
        P = self._series
        new = split_panel(y.to_frame() if isinstance(y, pd.Series) else y, param="update: y")
        where = {instance: k for k, instance in enumerate(P.instances)}
        n_cols = len(P.columns)
        for k, instance in enumerate(new.instances):
            label = instance[0] if len(instance) == 1 else instance
            if instance not in where:
                raise ValueError(
                    f"update: series {label!r} was not in the panel seen in fit; update "
                    "continues the fitted series. Fit again to forecast new series."
                )
            seen = P.indexes[where[instance] * n_cols]
            index = new.indexes[k * n_cols]
            # a series may stay behind the cutoff (it is forecast from its own end)
            if not self._continues(index, seen, reach_cutoff=False):
                raise ValueError(self._gap_message(index, seen, f"series {label!r}"))
        # but not the update as a whole: sktime sets the cutoff to its latest time
        last = max(times[-1] for times in new.indexes)
        if last < self.cutoff[0]:
            raise ValueError(
                f"update: y ends at {last!s}, before the cutoff {self.cutoff[0]!s}; an "
                "update of a panel must reach the cutoff (its latest time becomes the "
                "cutoff). Pass these observations with those of the series that reach it."
            )

    def _fit(self, y, X, fh):
        self._check_params()
        panel = is_panel(y)
        self._single = self._codes = None
        self.strategy_ = STRATEGIES[self.strategy]()
        if hasattr(self, "pretrained_estimators_"):
            return self._fit_pretrained(y, X, fh)
        self._series = split_panel(y) if panel else None
        if panel:
            self._panel_cutoff()
        if panel and self.series_embedding:
            # each series' code, the row of its embedding; update keeps them (it takes
            # the fitted series only)
            self._codes = {key: code for code, key in enumerate(self._series.keys)}
        index = self._series.indexes[0] if panel else y.index
        self.sp_ = infer_sp(index) if self.sp == "auto" else int(self.sp)
        steps = [] if fh is None else list(fh.to_relative(self.cutoff).to_numpy())
        # series of a panel that end before the cutoff are forecast from their end
        self._set_horizons(steps, late=int(self._panel_gaps().max()) if panel else 0)
        self._cur_y = y
        self._cur_X = X
        self._x_columns = None if X is None else list(X.columns)
        self._train()
        return self

    def _update(self, y, X=None, update_params=True):
        seen = list(self._cur_y.columns)
        if self._series is None and list(y.columns) == [0] and seen != [0]:
            # an unnamed Series (update checked it continues the one variable): sktime
            # names its column 0; it takes the fitted variable's name
            y = y.set_axis(seen, axis=1)
        if is_panel(y):
            y = _named_like(y, self._cur_y)
        self._cur_y = update_data(self._cur_y, self._wrap(y))
        if self._series is not None:
            # in the fitted order, which the per-series attributes follow (sktime's
            # update_data sorts the instances)
            self._series = split_panel(self._cur_y, order=self._series.instances)
            self._panel_cutoff()
            if self._x_columns is not None and X is not None:
                self._check_panel_x(X, self._series.instances, param="update: X")
                self._cur_X = update_data(self._cur_X, _named_like(X, self._cur_X))
            if hasattr(self, "pretrained_estimators_"):  # the pretrained networks stay
                self._panel_arrays(fit=update_params, drift=self._pretrained_drift())
            elif update_params:
                # a refit on all the data reaches fh from the end of every series, as
                # fit does: the series this update left behind the cutoff too
                steps = [] if self._fh is None else self._fh.to_relative(self.cutoff)
                self._set_horizons(list(steps), late=int(self._panel_gaps().max()))
                self._train_panel()
            else:  # the new observations on the fitted scale: forecasts start after them
                self._panel_arrays(fit=False)
            return self
        if self._x_columns is not None and X is not None:
            self._cur_X = update_data(self._cur_X, X)
        if update_params:
            self._train()
        return self

    # -- the adjusted scale ---------------------------------------------------------------
    def _fit_adjustment(self, y: pd.DataFrame) -> None:
        """Fit the log and the seasonal indices of each variable (``_seasonal.py``)."""
        fitted = [
            fit_adjustment(
                y[col].to_numpy(dtype=np.float64),
                self.sp_,
                transform=self.transform,
                deseasonalize=self.deseasonalize,
                name=f"{col!r}",
                method=self.seasonal_method,
            )
            for col in y.columns
        ]
        self.series_log_ = np.array([log for log, _, _ in fitted], dtype=bool)
        self.series_seasonal_ = np.array([season for _, season, _ in fitted]).reshape(-1, self.sp_)
        self._season_paths = [_compact(path) for _, _, path in fitted]

    def _season_path(self, i: int):
        """The seasonal path of series (or variable) ``i``, ``None`` for fixed indices
        (and for forecasters saved before paths existed)."""
        paths = getattr(self, "_season_paths", None)
        return None if paths is None else paths[i]

    def _adjust(self, y: pd.DataFrame) -> np.ndarray:
        """``y`` on the networks' scale: ``(n, variables)`` (its times are the positions
        0, 1, ... from the start of the series the adjustment was fitted on)."""
        positions = np.arange(len(y))
        out = np.empty(y.shape)
        for j, col in enumerate(y.columns):
            values = y[col].to_numpy(dtype=np.float64)
            log, season = self.series_log_[j], self.series_seasonal_[j]
            out[:, j] = adjust(values, log, season, positions, self._season_path(j))
        return out

    def _unadjust(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Values ``(len(positions), variables, ...)`` on the adjusted scale back in
        ``y``'s units, at the times of ``positions`` (from the start of the series)."""
        out = np.array(values, dtype=np.float64)
        for j in range(out.shape[1]):
            log, season = self.series_log_[j], self.series_seasonal_[j]
            out[:, j] = unadjust(out[:, j], log, season, positions, self._season_path(j))
        return out

    # -- training -------------------------------------------------------------------------
    def _window_candidates(self) -> list[int]:
        if self.window_length != "auto":
            return [int(self.window_length)]
        # a window of one horizon (the networks' outputs) and one season at least
        base = max(self.horizon_, self.sp_, 2)
        if self._series is not None:
            # one network for a panel: windows of one horizon only. On seven real panels
            # (docs/forecasting.md, four held out) they were better or level on six
            # (tourism 4% better, where the longer windows extrapolated recent
            # movements), worse on one (arrivals), and one calibration network is fitted
            # instead of two
            return [base]
        return [base, 2 * base]

    def _plan(self, n: int) -> tuple[list[int], int, list[int]]:
        """For a series of ``n`` observations: the window length of each member (``0``:
        the Theta fallback), the number of calibration origins and the window lengths
        of the calibration members."""
        H, candidates = self.horizon_, self._window_candidates()
        Hc = self._calibration_horizon
        lead = self.strategy_.n_leads(self) if self._x_columns is not None else 0
        need = max(H, lead)  # observations after the last window's start, per window

        def usable(L, m):  # windows of length L in a series of m observations
            return m - L - need + 1

        auto = self.window_length == "auto"
        # with window_length="auto", a network needs four horizons' worth of windows (on
        # the short development series, networks trained on fewer lost to seasonal
        # naive); its calibration networks, three
        floor = max(MIN_WINDOWS, 3 * Hc) if auto else 1
        fits = [L for L in candidates if usable(L, n) >= (floor + Hc if auto else 1)]
        if not fits and not auto:
            L = candidates[0]
            raise ValueError(
                f"RNNForecaster needs at least window_length + {need} = {L + need} "
                f"observations of y for one training window (window_length={L}, "
                f"{H} step(s) ahead); got {n}. Pass a longer y or lower window_length."
            )
        if not fits:
            fits = [0]  # the Theta fallback
            if n < Hc + MIN_HISTORY and self.intervals == "conformal":
                raise ValueError(
                    f"RNNForecaster needs at least {Hc + MIN_HISTORY} observations of y to "
                    "calibrate "
                    f"its intervals {Hc} step(s) ahead; got {n}. Pass a longer y, or "
                    "intervals=None."
                )
        lengths = [fits[i % len(fits)] for i in range(self.n_estimators if fits[0] else 1)]
        if self.intervals != "conformal":
            return lengths, 0, []
        # calibration origins: each leaves Hc observations out of the training data; one
        # network per window length (half the cost of a second full ensemble; a smaller
        # ensemble errs a little more, so the intervals err wide)
        cal = list(dict.fromkeys(lengths))
        longest = max(cal)
        n_cal = n - Hc + 2 - (longest + need + floor) if longest else 0
        if n_cal < 3:  # too short to leave origins out of a network: the fallback's errors
            cal, n_cal = [0], n - Hc - MIN_HISTORY + 1
        return lengths, int(min(n_cal, Hc + 1)), cal

    def _train(self) -> None:
        if self._series is not None:
            return self._train_panel()
        y = self._cur_y
        if self._cur_y.isna().any().any():
            raise ValueError("y holds NaN; RNNForecaster needs a complete series.")
        missing = missing_times(y.index)
        if len(missing):
            raise ValueError(skipped_message(missing, "y"))
        self._fit_adjustment(y)
        Y = self._adjust(y)
        lengths, n_cal, cal = self._plan(len(Y))
        strategy = self.strategy_
        F = strategy.features(self, Y, y.index)
        self.calibration_errors_ = None
        if n_cal:
            H = self._calibration_horizon
            n_train = len(Y) - n_cal - H + 1
            Yc = self._calibration_series(y, Y, n_train)
            Fc = F if Yc is Y else strategy.features(self, Yc, y.index)
            members = strategy.fit_members(self, Yc[:n_train], Fc[:n_train], cal)
            origins = np.arange(n_train, n_train + n_cal)
            Xall = None if self._x_columns is None else self._exog(y.index)
            pred = strategy.ensemble_forecast(self, members, cal, Fc, origins, Xall, H)
            truth = Yc[origins[:, None] + np.arange(H)]
            self.calibration_errors_ = truth - strategy.point(self, pred)
        self._members = strategy.fit_members(self, Y, F, lengths)
        self.window_lengths_ = list(lengths)
        self.estimators_ = [m for m in self._members if not isinstance(m, _ThetaFallback)]
        self.estimator_ = self.estimators_[0] if self.estimators_ else None

    # -- forecasting ----------------------------------------------------------------------
    def _forecast(self, fh, X, alpha=None) -> np.ndarray:
        """Forecasts at ``fh`` in ``y``'s units: ``(len(fh), variables)`` points, or with
        ``alpha`` the quantiles ``(len(fh), variables, len(alpha))``."""
        steps = fh.to_relative(self.cutoff).to_numpy()
        future = steps > 0
        H = int(steps[future].max()) if future.any() else 0
        strategy = self.strategy_
        strategy.check_reach(self, H)
        y = self._cur_y
        Y = self._adjust(y)
        n = len(Y)
        index = y.index
        if self._x_columns is not None:
            n_future = strategy.exog_steps(self, H)
            if n_future:
                ahead = ForecastingHorizon(np.arange(1, n_future + 1), is_relative=True)
                index = index.append(ahead.to_absolute_index(self.cutoff))
            Xall = self._exog(index, X)
            n_leads = strategy.n_leads(self)
            F = step_features(Y[: len(Xall) - n_leads], Xall, n_leads)
        else:
            Xall, F = None, Y
        shape = (len(steps), Y.shape[1]) + (() if alpha is None else (len(alpha),))
        result = np.empty(shape)
        times = fh.to_absolute_index(self.cutoff)
        if not future.all():
            result[~future] = self._in_sample(F, times[~future], alpha)
        if future.any():
            values = strategy.forecast(self, F, np.array([n]), Xall, H, alpha)[0]
            result[future] = values[steps[future] - 1]
        # positions from the series' start: the cutoff is its last observation
        return self._unadjust(result, n - 1 + steps)

    def _in_sample(self, F, times, alpha):
        """One-step-ahead fitted values at in-sample times."""
        pos = self._cur_y.index.get_indexer(times)
        L = max(self.window_lengths_)
        if L == 0:  # the fallback: all the observations before the earliest time
            L = max(int(pos.min()), MIN_HISTORY - 1)
        if (pos < L).any():
            early = list(times[pos < L].astype(str))[:5]
            raise ValueError(
                f"In-sample forecasts are one-step-ahead forecasts from the {L} "
                f"observations before each time; {early} have fewer observations "
                "before them. Drop them from fh or lower window_length."
            )
        # from the networks' outputs (the quantile head's, not simulated paths)
        return self.strategy_.head_forecast(self, F, pos, None, 1, alpha)[:, 0]

    def _frame(self, values, fh, columns) -> pd.DataFrame:
        return pd.DataFrame(
            values.reshape(len(values), -1),
            index=fh.to_absolute_index(self.cutoff),
            columns=columns,
        )

    def _predict(self, fh, X):
        if self._series is not None:
            return self._unwrap(self._forecast_panel(fh, X, None, self._cur_y.columns))
        return self._frame(self._forecast(fh, X), fh, self._cur_y.columns)

    def _predict_quantiles(self, fh, X, alpha):
        columns = self._get_columns(method="predict_quantiles", alpha=alpha)
        if self._series is not None:
            return self._unwrap(self._forecast_panel(fh, X, list(alpha), columns))
        values = self._forecast(fh, X, alpha=list(alpha))
        return self._frame(values, fh, columns)

    # -- sktime's global interface: pretrain on a panel, then fit a series ---------------
    def _pretrain(self, y, X=None, fh=None):
        """Train the networks on the panel ``y`` (sktime's ``pretrain``).

        ``fit`` then forecasts any series (one in the panel or a new one) with these
        networks, without training: it only fits the series' own adjustment and scale.
        """
        self._check_params()
        if X is not None:
            raise ValueError("pretrain takes no exogenous X; pass X=None.")
        self._check_no_series_embedding()
        self.strategy_ = STRATEGIES[self.strategy]()
        if fh is None and self.strategy_.fh_in_fit:
            raise ValueError(
                f"pretrain needs fh with strategy={self.strategy!r}: the networks output "
                "one value per step up to the largest step of fh. Pass fh, for example "
                "fh=[1, 2, 3]."
            )
        if fh is not None and not fh.is_relative:
            raise ValueError("pretrain needs a relative fh (steps ahead), for example [1, 2, 3].")
        self._codes = None
        self._series = split_panel(y)
        self.sp_ = infer_sp(self._series.indexes[0]) if self.sp == "auto" else int(self.sp)
        steps = [] if fh is None else list(fh.to_numpy())
        self._set_horizons(steps, late=int(self._panel_gaps().max()))
        self._cur_y, self._cur_X, self._x_columns = y, None, None
        self._train_panel()
        self._keep_pretrained()
        return self

    def _pretrain_update(self, y, X=None, fh=None):
        """A further ``pretrain`` call: the networks are trained again on this panel,
        with the horizon of the first call. sktime calls it for a fitted forecaster too:
        one that was never pretrained is pretrained as a new one is (its fit's
        networks give way to networks for any series)."""
        if not hasattr(self, "pretrained_horizon_"):
            return self._pretrain(y, X=X, fh=fh)
        self._check_params()
        if X is not None:
            raise ValueError("pretrain takes no exogenous X; pass X=None.")
        self.strategy_ = STRATEGIES[self.strategy]()
        self._series = split_panel(y)
        self.horizon_ = self.pretrained_horizon_
        self.sp_ = self.pretrained_sp_
        self._calibration_horizon = self.pretrained_calibration_horizon_
        self._cur_y, self._cur_X, self._x_columns = y, None, None
        self._train_panel()
        self._keep_pretrained()
        return self

    def _check_no_series_embedding(self) -> None:
        """A ``ValueError`` when ``series_embedding`` is set: pretrained networks forecast
        any series, also ones they never saw, which have no code and no trained
        embedding. (Refused rather than ignored: a parameter that silently does nothing
        would let the user believe the networks tell the series apart; sklearn raises
        for parameter combinations that cannot apply.)"""
        if self.series_embedding:
            raise ValueError(
                f"series_embedding={self.series_embedding!r} learns one embedding per series "
                "of the panel, but pretrained networks forecast any series, also new ones "
                "without an embedding. Set series_embedding=None to pretrain, or fit the "
                "panel (RNNForecaster(series_embedding=...).fit(panel)) to forecast its "
                "series."
            )

    def _keep_pretrained(self) -> None:
        """Move what training set into the ``pretrained_`` attributes (sktime keeps them
        through ``fit``; fitted attributes are set by ``fit``)."""
        for name in (
            "estimators_",
            "window_lengths_",
            "calibration_errors_",
            "horizon_",
            "sp_",
            "drift_removed_",
        ):
            setattr(self, f"pretrained_{name}", getattr(self, name))
        self.pretrained_calibration_horizon_ = self._calibration_horizon
        self.pretrained_n_series_ = self.n_series_
        self._season_paths = None  # the pretraining panel's; fit adjusts its own series
        fitted = ("estimators_", "estimator_", "window_lengths_", "calibration_errors_")
        per_series = (
            "n_series_",
            "series_scales_",
            "series_log_",
            "series_seasonal_",
            "series_drifts_",
        )
        for name in (*fitted, "horizon_", "sp_", "drift_removed_", *per_series):
            delattr(self, name)

    def _fit_pretrained(self, y, X, fh):
        """``fit`` after ``pretrain``: the series' adjustment and scale, no training."""
        if X is not None:
            raise ValueError(
                "This RNNForecaster was pretrained without exogenous X; fit it without X "
                "(or fit a forecaster that was not pretrained)."
            )
        if not is_panel(y):  # a single series: a panel of one instance
            self._single = True
            y = self._wrap(y)
        self._series = split_panel(y)
        sp = infer_sp(self._series.indexes[0])
        if self.sp == "auto" and self._series.freq and sp != self.pretrained_sp_:
            # the networks read seasonally adjusted windows of the pretrained period
            raise ValueError(
                f"y has the frequency {self._series.freq!r} (seasonal period {sp}); this "
                "RNNForecaster was pretrained on series of seasonal period "
                f"{self.pretrained_sp_}. Pretrain on series of y's frequency, or fit a "
                "forecaster that was not pretrained."
            )
        self._panel_cutoff()
        self.horizon_ = self.pretrained_horizon_
        self.sp_ = self.pretrained_sp_
        self._calibration_horizon = self.pretrained_calibration_horizon_
        if fh is not None and self.strategy_.fh_in_fit:
            steps = fh.to_relative(self.cutoff).to_numpy()
            gaps = self._panel_gaps()
            need = int(steps.max()) + int(gaps.max())
            if need > self.horizon_:
                late = ""
                if gaps.max():  # series that end early are forecast from their end
                    series = self._late_series(steps.max() + gaps > self.horizon_)
                    late = (
                        f" (the series {series} end up to {gaps.max()} step(s) before the "
                        f"cutoff {self.cutoff[0]!s} and are forecast from their end)"
                    )
                raise ValueError(
                    f"This RNNForecaster was pretrained to forecast up to {self.horizon_} "
                    f"step(s) ahead; fh asks for {need}{late}. Pretrain with this fh, or use "
                    "strategy='recursive'."
                )
        self._cur_y, self._cur_X, self._x_columns = y, None, None
        self._panel_arrays(fit=True, drift=self._pretrained_drift())
        short = self._lengths < max(self.pretrained_window_lengths_)
        if short.any():
            i = int(np.argmax(short))
            raise ValueError(
                f"y: series {self._series.name(i)} has {self._lengths[i]} observations; "
                f"the pretrained networks read windows of {max(self.pretrained_window_lengths_)}. "
                "Pass a longer series."
            )
        self._members = list(self.pretrained_estimators_)
        self.window_lengths_ = list(self.pretrained_window_lengths_)
        self.calibration_errors_ = self.pretrained_calibration_errors_
        self.estimators_ = self._members
        self.estimator_ = self._members[0]
        self.n_series_ = len(self._series)
        return self

    def _pretrained_drift(self) -> bool:
        """Whether the pretrained networks learned the series less their drifts (not
        for networks saved before drifts were removed)."""
        return bool(getattr(self, "pretrained_drift_removed_", False))

    def _wrap(self, y):
        """A single series given to a pretrained forecaster, as a panel of one."""
        if self._single is None or y is None or is_panel(y):
            return y
        return pd.concat({"__series__": y}, names=["__series__"])

    def _unwrap(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame if self._single is None else frame.droplevel(0)

    def _set_horizons(self, steps: list, late: int = 0) -> None:
        """The networks' horizon and the calibration's, from the relative ``steps`` of
        ``fh`` (``late``: the most steps a series of a panel ends before the cutoff)."""
        self.horizon_ = self.strategy_.horizon(steps, late)
        self._calibration_horizon = self.strategy_.calibration_horizon(
            self.horizon_, steps, self.sp_
        )

    # -- panels: one network for all series (panel="global") -----------------------------
    def _panel_cutoff(self) -> None:
        """Give the cutoff of a panel of timestamps the frequency of its series.

        sktime takes a panel's cutoff, whose frequency turns ``fh`` into times, from the
        index's time level, which holds no frequency unless pandas built it from one
        ``DatetimeIndex`` that had it (a panel read from a file or concatenated from its
        series has none): ``fh`` then had no times (a TypeError of sktime's in
        ``predict``)."""
        cutoff, freq = self.cutoff, self._series.freq
        if isinstance(cutoff, pd.DatetimeIndex) and cutoff.freq is None and freq:
            self._set_cutoff(pd.DatetimeIndex(cutoff, freq=freq))

    def _late_series(self, mask: np.ndarray) -> str:
        """The instances of the series where ``mask`` holds, as messages name them."""
        late = list(dict.fromkeys(self._series.keys[i][0] for i in np.flatnonzero(mask)))
        names = ", ".join(repr(_label(instance)) for instance in late[:5])
        return names + (" ..." if len(late) > 5 else "")

    def _panel_arrays(self, fit: bool, drift: bool | None = None) -> np.ndarray | None:
        """The series of the panel on the networks' scale, end to end in ``_F``
        ``(total steps, 1)`` (float32): each series adjusted by its own transformers (fitted
        here with ``fit``), less its drift (``series_drifts_``; with ``fit``, removed if
        ``drift``, by default ``series_drift``) and divided by its own scale, the mean
        absolute change of what is left (``series_scales_``), so that one network sees
        series of any unit and volatility alike (windows are further normalised by their
        last value).

        With exogenous ``X``, each row also holds the ``X`` values of the series' next
        ``n_leads`` steps (:func:`step_features`), and the series' ``X`` laid end to end
        ``(total steps, X columns)`` is returned (the recursive calibration reads it);
        with ``series_embedding``, the series' code is the last column."""
        P = self._series
        self._gaps = self._panel_gaps()
        sp = self.sp_
        if fit:
            logs, seasons, paths = [], [], []
            method = self.seasonal_method
        parts = []
        drifts = None if fit else self._drifts()
        for i, values in enumerate(P.values):
            n = len(values)
            if fit:  # the single-series adjustment, per series
                log, season, path = fit_adjustment(
                    values,
                    sp,
                    transform=self.transform,
                    deseasonalize=self.deseasonalize,
                    name=f"series {P.name(i)}",
                    method=method,
                )
                logs.append(log)
                seasons.append(season)
                paths.append(_compact(path))
            else:
                log, season, path = (
                    self.series_log_[i],
                    self.series_seasonal_[i],
                    self._season_path(i),
                )
            adjusted = adjust(values, log, season, np.arange(n), path)
            if not fit:  # less the fitted drift, continued
                adjusted = adjusted - drifts[i] * np.arange(n)
            parts.append(adjusted)
        self._lengths = np.array([len(p) for p in parts])
        self._offsets = np.concatenate([[0], np.cumsum(self._lengths)[:-1]])
        if fit:
            self.series_log_ = np.array(logs, dtype=bool)
            self.series_seasonal_ = np.array(seasons).reshape(len(P), sp)
            self._season_paths = paths
            flat = self._remove_drifts(parts, self.series_drift if drift is None else drift)
        else:
            flat = np.concatenate(parts) / np.repeat(self.series_scales_, self._lengths)
        codes = getattr(self, "_codes", None)
        if codes is None and self._x_columns is None:
            self._F = flat.astype(np.float32)[:, None]
            return None
        leads, xflat = self._panel_leads()
        width = 1 + (0 if leads is None else leads.shape[1]) + (codes is not None)
        self._F = np.empty((len(flat), width), dtype=np.float32)
        self._F[:, 0] = flat
        if leads is not None:
            self._F[:, 1 : 1 + leads.shape[1]] = leads
        if codes is not None:  # with series_embedding: each step's series code, last
            self._F[:, -1] = np.repeat([codes[key] for key in P.keys], self._lengths)
        return xflat

    def _remove_drifts(self, adjusted_series: list, remove: bool) -> np.ndarray:
        """The adjusted series less each one's drift (with ``remove``), divided by their
        scales, end to end; sets ``series_drifts_``, ``series_scales_`` and
        ``drift_removed_``."""
        parts, drifts, scales = [], [], []
        for adjusted in adjusted_series:
            drift = series_drift(adjusted) if remove else 0.0
            part = adjusted - drift * np.arange(len(adjusted))
            change = float(np.mean(np.abs(np.diff(part)))) if len(part) > 1 else 0.0
            scales.append(change if np.isfinite(change) and change > 1e-12 else 1.0)
            drifts.append(drift)
            parts.append(part)
        self.series_drifts_ = np.asarray(drifts)
        self.series_scales_ = np.asarray(scales)
        self.drift_removed_ = bool(remove)
        return np.concatenate(parts) / np.repeat(self.series_scales_, self._lengths)

    def _drifts(self) -> np.ndarray:
        """The drift removed from each series (none for forecasters saved before drifts
        were removed)."""
        drifts = getattr(self, "series_drifts_", None)
        return np.zeros(len(self._series)) if drifts is None else drifts

    def _panel_leads(self):
        """With exogenous ``X``: the lead features of every row of the panel laid end to
        end (row ``r`` of a series: ``X`` at its steps ``r + 1 ... r + n_leads``) and the
        series' ``X`` end to end; ``(None, None)`` without ``X``.

        The last ``n_leads`` rows of each series have no later ``X`` in the data: they
        repeat its last row. Only windows whose targets run past the series' end read
        them (a panel's windows across two series, weight 0, never a training or
        calibration window); ``predict`` recomputes them from the ``X`` it is given."""
        if self._x_columns is None:
            return None, None
        P, n_leads = self._series, self.strategy_.n_leads(self)
        xflat = self._panel_exog(P.indexes, [self._cur_X])
        leads = []
        for Xi in np.split(xflat, self._offsets[1:]):  # per series
            padded = np.concatenate([Xi, np.repeat(Xi[-1:], n_leads, axis=0)])
            leads.append(step_features(np.empty((len(Xi), 0)), padded, n_leads))
        return np.concatenate(leads), xflat

    def _panel_exog(self, times: list, frames: list) -> np.ndarray:
        """``X`` of each series ``i`` of the panel at ``times[i]``, end to end
        ``(total times, X columns)``, from the first of the panel frames ``frames`` (those
        passed to ``predict``, then those seen in ``fit``/``update``) that has them; a
        ValueError naming the first series and its times that none has.

        One reindex of each frame by every (series, time) pair: a lookup per series cost
        pandas' overhead each, seconds for a thousand series at every ``predict``."""
        instances = [self._series.keys[i][0] for i in range(len(times))]
        counts = np.array([len(t) for t in times])
        levels = [
            np.repeat(pd.Index([key[j] for key in instances], dtype=object), counts)
            for j in range(len(instances[0]))
        ]
        at = pd.MultiIndex.from_arrays([*levels, times[0].append(list(times[1:]))])
        values = self._x_at(frames, at)
        absent = values.isna().any(axis=1).to_numpy()
        if absent.any():
            ends = np.cumsum(counts)
            i = int(np.searchsorted(ends, np.flatnonzero(absent)[0], side="right"))
            self._raise_absent_x(times[i][absent[ends[i] - counts[i] : ends[i]]], instances[i])
        return self._float_x(values)

    def _panel_grid(self) -> pd.Index:
        """The panel's times: every step from its first time to its last (of its
        frequency; integer times step by one, as sktime's ``fh``), or without a
        frequency those of all its series, sorted, each once."""
        P = self._series
        times = P.indexes[0].append(list(P.indexes[1:])).unique().sort_values()
        # with the steps that no series holds: a series that ends before them is that
        # many steps further behind the cutoff
        if isinstance(times, pd.PeriodIndex):
            return pd.period_range(times[0], times[-1], freq=times.freq)
        if isinstance(times, pd.DatetimeIndex) and P.freq:
            steps = pd.date_range(times[0], times[-1], freq=P.freq)
            # series of one frequency at other offsets (daily, at other hours) are not on
            # the steps from the first time: the times of the series then
            return steps if times.isin(steps).all() else times
        if pd.api.types.is_integer_dtype(times):
            return pd.RangeIndex(times[0], times[-1] + 1)
        return times

    def _panel_gaps(self) -> np.ndarray:
        """Steps between each series' last time and the panel's last time (series of a
        panel may end early; they are forecast from their own end)."""
        grid = self._panel_grid()
        end = grid.get_loc(grid[-1])
        return np.array([end - grid.get_loc(t[-1]) for t in self._series.indexes], dtype=int)

    def _panel_origins(self, L: int, cut: int) -> np.ndarray:
        """First target positions in ``_F`` of the windows of length ``L`` of every series,
        with the last ``cut`` observations of each series left out."""
        H = self.horizon_
        return np.concatenate(
            [
                off + np.arange(L, n - cut - H + 1)
                for off, n in zip(self._offsets, self._lengths, strict=True)
            ]
        ).astype(np.intp)

    def _calibration_series(self, y: pd.DataFrame, Y: np.ndarray, n_train: int) -> np.ndarray:
        """``Y`` as the calibration networks of a single series see it: with STL, each
        seasonal variable adjusted by the component of its first ``n_train``
        observations (what those networks train on), continued by its last season over
        the origins' steps, as a forecast continues it (the component of all the data
        would fit their season to them: intervals too narrow). Fixed indices, and heads
        too short for a season, keep ``Y``."""
        sp, out = self.sp_, None
        for j, col in enumerate(y.columns):
            if self._season_path(j) is None or n_train < MIN_SEASONS * sp:
                continue
            out = Y.copy() if out is None else out
            values = y[col].to_numpy(dtype=np.float64)
            out[:, j] = adjust_by_head(values, self.series_log_[j], sp, n_train)
        return Y if out is None else out

    def _calibration_panel(self, Hc: int) -> np.ndarray:
        """``_F`` as the calibration networks see it: each series adjusted as it would be
        without its last ``Hc`` observations, so that the held-out steps are forecast, as
        the future is, rather than fitted to them (which made the intervals too narrow):
        with STL, a seasonal series by the component of the observations before them
        (continued by its last season over them), and with ``series_drift`` each series
        less the drift of those observations. Fixed indices (and series too short for a
        season without the last ``Hc``) keep their season."""
        paths, sp = self._season_paths, self.sp_  # set by the fit's _panel_arrays
        if all(path is None for path in paths) and not self.drift_removed_:
            return self._F
        F = self._F.copy()
        for i, (values, path) in enumerate(zip(self._series.values, paths, strict=True)):
            n, start, log = len(values), self._offsets[i], self.series_log_[i]
            positions = np.arange(n)
            if path is None or n - Hc < MIN_SEASONS * sp:
                if not self.drift_removed_:
                    continue
                adjusted = adjust(values, log, self.series_seasonal_[i], positions, path)
            else:
                adjusted = adjust_by_head(values, log, sp, n - Hc)
            if self.drift_removed_:
                adjusted = adjusted - series_drift(adjusted[: n - Hc]) * positions
            F[start : start + n, 0] = adjusted / self.series_scales_[i]
        return F

    def _plan_panel(self) -> tuple[list[int], list[int]]:
        """Window length of each member and of each calibration member, for a panel."""
        P, n, H = self._series, self._lengths, self.horizon_
        cut = self._calibration_horizon if self.intervals == "conformal" else 0
        auto = self.window_length == "auto"
        floor = MIN_WINDOWS if auto else 1

        def serves(L):  # every series can be forecast, and there are windows to learn from
            windows = int(np.maximum(n - cut - L - H + 1, 0).sum())
            return L <= n.min() and windows >= floor and (n - cut >= L).any()

        fits = [L for L in self._window_candidates() if serves(L)]
        if not fits:
            i, L = int(np.argmin(n)), self._window_candidates()[0]
            held = f", {cut} held out of each series to calibrate the intervals" if cut else ""
            raise ValueError(
                f"y: series {P.name(i)} has {n[i]} observations; RNNForecaster(panel="
                f"'global') needs every series to hold at least window_length={L} "
                f"observations, and {floor} training window(s) of {L} + {H} steps in the "
                f"panel{held}. Drop the short series, lower window_length, or use "
                "panel='local' (short series then get the Theta fallback)."
            )
        lengths = [fits[i % len(fits)] for i in range(self.n_estimators)]
        cal = list(dict.fromkeys(lengths)) if cut else []
        return lengths, cal

    def _train_panel(self) -> None:
        xflat = self._panel_arrays(fit=True)
        lengths, cal = self._plan_panel()
        F, n, off = self._F, self._lengths, self._offsets
        Y = F[:, :1]  # the series' values (F: with series_embedding, their codes too)
        strategy = self.strategy_
        self.calibration_errors_ = None
        if cal:
            # one network per window length trained without the last Hc observations
            # of each series; their forecasts of those give the conformal errors
            Hc = self._calibration_horizon
            Fc = self._calibration_panel(Hc)
            Yc = Fc[:, :1]
            members = strategy.fit_members(self, Yc, Fc, cal, lambda L: self._panel_origins(L, Hc))
            ok = n - Hc >= max(cal)
            origins = (off + n - Hc)[ok]
            pred = strategy.ensemble_forecast(self, members, cal, Fc, origins, xflat, Hc)
            truth = Yc[origins[:, None] + np.arange(Hc)].astype(np.float64)
            self.calibration_errors_ = truth - strategy.point(self, pred)
        self._members = strategy.fit_members(
            self, Y, F, lengths, lambda L: self._panel_origins(L, 0)
        )
        self.window_lengths_ = list(lengths)
        self.estimators_ = list(self._members)
        self.estimator_ = self.estimators_[0]
        self.n_series_ = len(self._series)

    def _forecast_panel(self, fh, X, alpha, columns) -> pd.DataFrame:
        """Forecasts of every series of the panel at ``fh`` in one batched pass, as a
        panel frame (points, or with ``alpha`` quantiles; ``X``: exogenous values passed
        to ``predict``)."""
        steps = fh.to_relative(self.cutoff).to_numpy()
        if (steps <= 0).any():
            raise ValueError(
                "RNNForecaster(panel='global') forecasts a panel after its cutoff only; fh "
                f"holds the in-sample steps {steps[steps <= 0].tolist()}. Pass steps >= 1, or "
                "panel='local' for in-sample forecasts."
            )
        gaps = self._gaps
        H = int(steps.max() + gaps.max())
        if self.strategy_.fh_in_fit and H > self.horizon_ and gaps.max() > 0:
            # fit reaches its fh from every series' end; an update of some series only
            # moves the cutoff away from the others' ends (check_reach would blame fh)
            late = self._late_series(steps.max() + gaps > self.horizon_)
            raise ValueError(
                f"The series {late} end up to "
                f"{gaps.max()} step(s) before the cutoff {self.cutoff[0]!s} (update gave "
                f"them fewer new times than other series): fh's step {steps.max()} lies up "
                f"to {H} steps after their end, and strategy={self.strategy!r} was fitted to "
                f"forecast up to {self.horizon_}. Update every series up to the cutoff, fit "
                "again (or update with update_params=True, which refits networks that were "
                "not pretrained), or use strategy='recursive'."
            )
        self.strategy_.check_reach(self, H)
        P = self._series
        # each series' forecasts of the absolute times of fh, from its own end
        pick = steps[None, :] - 1 + gaps[:, None]  # (series, steps)
        if self._x_columns is None:
            F, ends, Xall = self._F, self._offsets + self._lengths, None
        else:
            if X is not None:
                self._check_panel_x(X, P.instances)
            F, ends, Xall = self._panel_forecast_rows(X, H)
        out = self.strategy_.forecast(self, F, ends, Xall, H, alpha)
        # (series, steps, 1[, alpha])
        out = np.take_along_axis(out, pick.reshape(pick.shape + (1,) * (out.ndim - 2)), axis=1)
        scale = self.series_scales_.reshape((-1,) + (1,) * (out.ndim - 1))
        out = (out * scale)[:, :, 0]  # (series, steps[, alpha])
        # back through each series' adjustment: its season at the forecast times (by
        # position from the series' start), then exp where the log was taken
        rows = np.arange(len(out))[:, None]
        positions = self._lengths[:, None] + pick
        season = self.series_seasonal_[rows, positions % self.sp_]
        # and the series' drift, continued from its start (zero where none was removed)
        drifts = self._drifts()[:, None]
        extra = (slice(None), slice(None)) + (None,) * (out.ndim - 2)
        out = out + (season + drifts * positions)[extra]
        out[self.series_log_] = np.exp(out[self.series_log_])
        times = fh.to_absolute_index(self.cutoff)
        # series are instance-major (each instance's columns in turn): per instance
        # (steps, columns[, alpha]) flattened as sktime orders the columns
        n_cols = len(P.columns)
        per = out.reshape(len(P.instances), n_cols, *out.shape[1:])
        per = np.moveaxis(per, 1, 2).reshape(len(P.instances), len(steps), -1)
        return stack_panel(P, list(per), [times] * len(P.instances), columns)

    def _panel_forecast_rows(self, X, H: int):
        """With exogenous ``X``: the rows every series is forecast from, one block per
        series (its last ``max(window_lengths_)`` rows of ``_F``, their lead features
        recomputed from ``X`` at the steps after the series' end, then rows for the
        steps forecast), the first forecast position of each block, and ``X`` at every
        row of the blocks (the recursive strategy appends it to the steps it forecasts).
        Returns ``(F, origins, Xall)``."""
        P, strategy = self._series, self.strategy_
        Lmax, n_leads = max(self.window_lengths_), strategy.n_leads(self)
        ahead_steps = max(strategy.exog_steps(self, H), n_leads)
        n_x = len(self._x_columns)
        grid = self._panel_grid()
        later = np.arange(1, ahead_steps + int(self._gaps.max()) + 1)
        times_all = grid.append(
            ForecastingHorizon(later, is_relative=True).to_absolute_index(self.cutoff)
        )
        block = Lmax + ahead_steps
        rows_times = []
        for times in P.indexes:
            pos = times_all.get_loc(times[-1])
            after = times_all[pos + 1 : pos + 1 + ahead_steps]
            rows_times.append(times[len(times) - Lmax :].append(after))
        Xall = self._panel_exog(rows_times, [x for x in (X, self._cur_X) if x is not None])
        F = np.zeros((len(P) * block, self._F.shape[1]), dtype=np.float32)
        for i in range(len(P)):
            end, start = self._offsets[i] + self._lengths[i], i * block
            F[start : start + Lmax] = self._F[end - Lmax : end]
            F[start : start + Lmax, 1 : 1 + n_leads * n_x] = step_features(
                np.empty((Lmax, 0)), Xall[start : start + Lmax + n_leads], n_leads
            )
        return F, np.arange(len(P)) * block + Lmax, Xall

    def _exog(self, index, X=None) -> np.ndarray:
        """Exogenous values at ``index`` ``(len(index), X columns)``: from ``X`` (passed to
        ``predict``) where it has them, else from the data seen in ``fit``/``update``; a
        ValueError naming the times that neither has, and the columns ``X`` lacks."""
        values = self._x_at([x for x in (X, self._cur_X) if x is not None], index)
        absent = values.index[values.isna().any(axis=1)]
        if len(absent):
            self._raise_absent_x(absent, None)
        return self._float_x(values)

    def _x_at(self, frames: list, index: pd.Index) -> pd.DataFrame:
        """``X``'s columns at ``index`` from the first of ``frames`` that has each row
        (NaN where none has it); a ValueError naming the columns a frame lacks."""
        for frame in frames:
            missing = [c for c in self._x_columns if c not in frame.columns]
            if missing:
                raise ValueError(
                    f"X lacks the columns {missing} that it had in fit; pass X with the "
                    f"columns {self._x_columns}."
                )
        values = pd.DataFrame(index=index, columns=self._x_columns, dtype=float)
        for frame in frames:
            values = values.fillna(frame[self._x_columns].reindex(index))
        return values

    def _raise_absent_x(self, absent: pd.Index, instance) -> None:
        """The ValueError for ``X`` missing at the times ``absent`` (of the series
        ``instance`` of a panel; ``None`` for one series)."""
        where = f"{list(absent.astype(str))[:5]}{' ...' if len(absent) > 5 else ''}"
        if instance is None:
            raise ValueError(
                f"RNNForecaster (strategy={self.strategy!r}) needs the exogenous X at "
                "every step from the cutoff to the last step forecast; X has no values "
                f"(or NaN) at {where}. Pass X to predict covering those steps."
            )
        raise ValueError(
            f"RNNForecaster (strategy={self.strategy!r}) needs the exogenous X of every "
            f"series at every step from its windows to the last step forecast; X of "
            f"series {_label(instance)!r} has no values (or NaN) at {where}. Pass "
            "X covering those steps for every series of the panel (to fit and update: "
            "at y's times; to predict: from the cutoff to the last step forecast)."
        )

    @staticmethod
    def _float_x(values: pd.DataFrame) -> np.ndarray:
        """``values`` as float64, or the TypeError for columns that are not numbers."""
        try:
            return values.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                "X must hold numeric columns; encode categorical or text columns first."
            ) from None

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny networks (2 units, 1 epoch) for sktime's estimator checks.

        Returns
        -------
        params : list of dict
        """
        tiny = dict(window_length=3, units=2, epochs=1, batch_size=16, random_state=0)
        return [
            dict(strategy="direct", n_estimators=2, **tiny),
            dict(strategy="recursive", intervals="quantile", n_sample_paths=10, **tiny),
            dict(strategy="seq2seq", intervals=None, n_estimators=1, **tiny),
        ]
