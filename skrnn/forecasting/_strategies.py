"""How :class:`RNNForecaster`'s networks reach the horizon: one class per strategy.

As sktime's reducers (``sktime.forecasting.compose._reduce``: one class per reduction
strategy), each strategy is a class; what the strategies share lives in their base,
:class:`_Strategy`:

- **windows**: the training windows of the adjusted series, laid end to end in one
  array for a panel, and the targets after each window (:meth:`_Strategy.fit_members`);
- **exogenous data**: each window step holds ``y`` and the values of ``X`` at the steps
  that the network forecasts from it (:func:`step_features`);
- **the ensemble and intervals**: the median of the members' forecasts, conformal
  intervals from the calibration errors or quantiles of the networks' quantile heads
  (:meth:`_Strategy.forecast`).

A strategy says what its networks are (:attr:`_Strategy.estimator`, the targets'
layout) and how far they reach. A new strategy is a new subclass registered in
:data:`STRATEGIES`, which ``RNNForecaster(strategy=...)`` reads.

The strategy objects hold no data: :class:`RNNForecaster` keeps the series, the fitted
networks and the settings, and passes itself (``f``) to the strategy's methods. The
forecaster's fitted ``strategy_`` is one of these objects (stateless, so that
``skrnn.save`` stores it as its class name).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy.special import ndtri
from sklearn.utils import check_random_state

from .._training.health import nothing_learned_is_expected
from ..neural_network._regressor import RNNRegressor
from ..neural_network._seq2seq import Seq2SeqTransformer

__all__ = ["STRATEGIES", "quantile_at", "step_features"]


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


class _ThetaFallback:
    """The member for series too short for a network: the Theta method (sktime's
    ``ThetaForecaster``, simple exponential smoothing with half the drift) on the
    adjusted series, fitted on each window, which holds the whole history available at
    its origin. With the default adjustment this is the M4 benchmark "Theta" (seasonal
    adjustment, then Theta)."""

    def __init__(self, horizon: int, n_vars: int, q: int):
        self.horizon, self.n_vars, self.q = horizon, n_vars, q

    def predict(self, windows: np.ndarray) -> np.ndarray:
        theta_class = _theta_keeping_no_data()
        fh = np.arange(1, self.horizon + 1)
        out = np.empty((len(windows), self.horizon, self.n_vars))
        for b, window in enumerate(windows):
            for v in range(self.n_vars):
                theta = theta_class(deseasonalize=False).fit(pd.Series(window[:, v]), fh=fh)
                out[b, :, v] = theta.predict().to_numpy()
        return np.repeat(out.reshape(len(windows), -1), self.q, axis=-1)


@functools.cache
def _theta_keeping_no_data() -> type:
    """sktime's ``ThetaForecaster`` with ``remember_data=False`` as its class config.

    sktime 1.2 warns on every construction (and fit's reset) of a forecaster left at
    that config's default, which changes in 1.3. The fallback's forecaster is fitted
    once, predicts once and is dropped, never updated, so it keeps no data and nothing
    warns. A class config rather than a warnings filter: the filters are one list for
    the whole process, which ``warnings.catch_warnings`` swaps and restores, dropping
    what other threads added meanwhile. A config set after construction comes too late:
    the constructor has warned by then."""
    from sktime.forecasting.theta import ThetaForecaster

    class ThetaKeepingNoData(ThetaForecaster):
        _config = {"remember_data": False}

    return ThetaKeepingNoData


class _Strategy:
    """What every strategy shares: windows, exogenous features, the ensemble, intervals.

    Subclasses set :attr:`name` and :attr:`estimator` and override what differs. The
    methods take the forecaster ``f`` (an :class:`RNNForecaster` in fit), which holds
    the settings (``f.horizon_``: steps each network outputs; ``f._levels``: quantile
    levels of the networks' pinball loss, or ``None``), the data and the members.
    """

    #: the ``strategy`` parameter that selects this class
    name = ""
    #: the network of each member
    estimator: type = RNNRegressor
    #: the networks output every step up to the largest step of ``fh`` given in ``fit``
    #: (sktime's ``requires-fh-in-fit``); they forecast no further
    fh_in_fit = True

    # -- reach ----------------------------------------------------------------------------
    def horizon(self, steps, late: int = 0) -> int:
        """Steps each network outputs, for the relative steps ``steps`` of ``fh`` (``late``:
        steps a panel's series that ends early must forecast beyond the others)."""
        return int(max(max(steps), 1)) + late

    def calibration_horizon(self, horizon: int, steps, sp: int) -> int:
        """Steps ahead the conformal calibration forecasts from each origin."""
        return horizon

    def check_reach(self, f, H: int) -> None:
        """A ValueError unless the fitted networks forecast ``H`` steps ahead."""
        if H > f.horizon_:
            raise ValueError(
                f"strategy={self.name!r} was fitted to forecast up to {f.horizon_} "
                f"step(s) ahead; fh asks for {H}. Refit with this fh, or use "
                "strategy='recursive', which can forecast any number of steps."
            )

    def exog_steps(self, f, H: int) -> int:
        """Steps of ``X`` after the cutoff that forecasting ``H`` steps reads."""
        return f.horizon_

    # -- windows and networks -------------------------------------------------------------
    @staticmethod
    def n_leads(f) -> int:
        """Rows of ``X`` in each window step: those of the steps its network forecasts."""
        return f.horizon_

    def features(self, f, Y: np.ndarray, index: pd.Index, X=None) -> np.ndarray:
        """Per-step network inputs of the adjusted series ``Y`` whose times are ``index``
        (exogenous values of the next steps appended, looked up in ``X`` and the data
        seen in fit/update)."""
        if f._x_columns is None:
            return Y
        n_leads = self.n_leads(f)
        return step_features(Y[: len(Y) - n_leads], f._exog(index, X), n_leads)

    def target_features(self, per_step: np.ndarray, horizon: int) -> np.ndarray:
        """The input feature of each output column of a network (``per_step``: those of
        one step's outputs, the variables each repeated per quantile level)."""
        return np.tile(per_step, horizon)

    def network(self, f, n_vars: int, seed: int, n_windows: int):
        """An unfitted network for ``n_vars`` variables (``n_windows``: its training
        windows)."""
        q = f._n_levels
        # the input feature (variable of y) of each output column: outputs cycle through
        # quantile levels, then variables (then steps, for a head of several steps)
        per_step = np.repeat(np.arange(n_vars), q)
        target_feature = list(self.target_features(per_step, f.horizon_))
        return self.estimator(target_feature=target_feature, **f._network_params(seed, n_windows))

    def fit_members(self, f, Y: np.ndarray, F: np.ndarray, lengths: list[int], origins_of=None):
        """Train one network per window length of ``lengths`` on the adjusted series
        ``Y`` (inputs: its step features ``F``; ``origins_of(L)``: the first target
        position of each training window, for a panel laid end to end; default all
        windows of the one series). A length of 0 is the Theta fallback."""
        n, H = len(Y), f.horizon_
        seeds = check_random_state(f.random_state).randint(0, 2**31 - 1, size=len(lengths))
        members = []
        # The networks learn standardised changes from each window's last value; one that
        # learns nothing forecasts their mean, the drift method's forecast, which is the
        # right one for a series with nothing left to learn after the log, the season and
        # the drift (austres, LakeHuron of the benchmark). The networks' advice (more
        # epochs, another lr, scaled data) is not the forecaster's: it scales the data and
        # sets the epochs itself.
        with nothing_learned_is_expected():
            for L, seed in zip(lengths, seeds, strict=True):
                if L == 0:  # the fallback: Theta on the whole history
                    members.append(_ThetaFallback(H, Y.shape[1], f._n_levels))
                    continue
                panel = origins_of is not None
                every = origins_of(L) if panel else np.arange(L, n - H + 1)
                # a sample of one long series' windows is copied (the budget bounds it),
                # rather than weighting its strided views: its targets would be copied
                # and standardised for every window of the series
                origins = f._window_sample(every, int(seed))
                members.append(self.fit_member(f, Y, F, L, origins, int(seed), panel))
        return members

    def fit_member(self, f, Y, F, L: int, origins: np.ndarray, seed: int, panel: bool):
        """One network trained on the windows of length ``L`` of ``F`` before each origin
        and the ``horizon_`` values of ``Y`` from it."""
        inputs, targets = self.training_windows(F, Y, L, f.horizon_, origins)
        if f._levels is not None:  # one copy of each target per quantile level
            targets = np.repeat(targets, len(f._levels), axis=-1)
        network = self.network(f, Y.shape[1], seed, len(inputs))
        return network.fit(inputs, self.shape_targets(targets))

    @staticmethod
    def training_windows(F: np.ndarray, Y: np.ndarray, L: int, H: int, origins: np.ndarray):
        """The inputs ``(windows, L, features)`` of ``F`` before each origin and the
        targets ``(windows, H, variables)`` of ``Y`` from it: read-only strided views
        when the origins are consecutive (the windows of one series; the network copies
        a batch at a time), copies otherwise."""
        n = len(origins)
        if n and np.array_equal(origins, origins[0] + np.arange(n)):
            view = np.lib.stride_tricks.sliding_window_view
            first = int(origins[0])
            inputs = view(F, L, axis=0)[first - L : first - L + n].transpose(0, 2, 1)
            targets = view(Y, H, axis=0)[first : first + n].transpose(0, 2, 1)
            return inputs, targets
        return F[origins[:, None] - L + np.arange(L)], Y[origins[:, None] + np.arange(H)]

    def shape_targets(self, targets: np.ndarray) -> np.ndarray:
        """Targets ``(windows, steps, outputs per step)`` as the network takes them: one
        row of outputs per window."""
        return targets.reshape(len(targets), -1)

    # -- the ensemble ---------------------------------------------------------------------
    def member_outputs(self, f, member, windows: np.ndarray) -> np.ndarray:
        """A member's forecasts ``(windows, horizon_, variables, q)``, sorted over q."""
        out = member.predict(windows).reshape(len(windows), f.horizon_, f._n_vars, -1)
        return np.sort(out, axis=-1)

    def combine(self, f, members, lengths, history: np.ndarray) -> np.ndarray:
        """Median over the members of their forecasts from the windows ending at the
        last step of each ``history`` row ``(batch, steps, features)``:
        ``(batch, horizon_, variables, q)``."""
        outs = [
            self.member_outputs(f, m, history if L == 0 else history[:, history.shape[1] - L :])
            for m, L in zip(members, lengths, strict=True)
        ]
        return np.median(np.stack(outs), axis=0)

    def ensemble_forecast(self, f, members, lengths, F, origins, Xall=None, H=None, pick=None):
        """Forecasts ``(len(origins), horizon_, variables, q)`` from the windows ending
        just before each origin (``Xall``, ``H``, ``pick``: see the recursive strategy)."""
        return self.combine(f, members, lengths, self.history(F, lengths, origins))

    @staticmethod
    def history(F: np.ndarray, lengths, origins: np.ndarray) -> np.ndarray:
        """The rows of ``F`` before each origin that the members read: the longest
        window; the fallback (length 0) sees the whole history of the earliest origin."""
        Lmax = max(lengths) if min(lengths) else max(*lengths, int(origins.min()))
        return F[origins[:, None] - Lmax + np.arange(Lmax)]

    # -- point forecasts and intervals ----------------------------------------------------
    def forecast(self, f, F, origins, Xall, H: int, alpha=None) -> np.ndarray:
        """Forecasts of steps 1..H after each origin by the fitted members:
        ``(len(origins), H, variables)`` points, or with ``alpha`` the quantiles
        ``(len(origins), H, variables, len(alpha))``."""
        return self.head_forecast(f, F, origins, Xall, H, alpha)

    def head_forecast(self, f, F, origins, Xall, H: int, alpha=None) -> np.ndarray:
        """:meth:`forecast` from the networks' outputs: the median (or the quantile head's
        0.5), with ``alpha`` conformal intervals around it or the head's quantiles."""
        values = self.ensemble_forecast(f, f._members, f.window_lengths_, F, origins, Xall, H)
        values = values[:, :H]  # the networks of a fixed horizon may reach further
        point = self.point(f, values)
        if alpha is None:
            return point
        if f._levels is None:
            return self.conformal(f, point, np.arange(1, H + 1), alpha)
        return self.quantiles(f, values, alpha)

    @staticmethod
    def point(f, values: np.ndarray) -> np.ndarray:
        """Point forecasts of the outputs ``values`` (``(..., q)``)."""
        if f._levels is None:
            return values[..., 0]
        return quantile_at(f._levels, values, 0.5)

    @staticmethod
    def quantiles(f, values: np.ndarray, alpha) -> np.ndarray:
        """Quantiles at ``alpha`` of the quantile head's outputs ``values``."""
        if not any(f.window_lengths_):
            raise ValueError(
                "This RNNForecaster forecasts with its Theta fallback (the series was too "
                "short for a network: window_lengths_ == [0]), which has no quantile head: "
                "its intervals='quantile' would be zero wide. Fit on a longer series, or "
                "use intervals='conformal', calibrated on the fallback's own errors."
            )
        return np.stack([quantile_at(f._levels, values, a) for a in alpha], axis=-1)

    @staticmethod
    def conformal(f, point: np.ndarray, steps: np.ndarray, alpha) -> np.ndarray:
        """Quantiles ``point.shape + (len(alpha),)`` around ``point`` (its last axis the
        variables) at the horizon ``steps`` from the calibration errors: each step's
        errors are scaled by their root mean square (made non-decreasing with the step),
        the scaled absolute errors of all steps are pooled, and their conformal quantile
        sets the half-width."""
        err = f.calibration_errors_  # (origins, H, variables)
        if err is None or len(err) == 0:
            raise ValueError(
                "This RNNForecaster has no calibration errors for conformal intervals: the "
                "series was too short to leave calibration origins out. Fit on a longer "
                "series, or use intervals='quantile'."
            )
        scale = np.sqrt(np.mean(err**2, axis=0))  # (H, variables)
        scale = np.maximum.accumulate(np.maximum(scale, 1e-12), axis=0)
        # each calibrated step's errors scaled by its own scale
        scores = np.sort((np.abs(err) / scale).reshape(-1, err.shape[2]), axis=0)
        if steps.max() > len(scale):  # beyond the calibrated steps: sqrt(step) growth
            later = np.arange(len(scale) + 1, steps.max() + 1)[:, None]
            scale = np.concatenate([scale, scale[-1] * np.sqrt(later / len(scale))])
        n = len(scores)
        out = np.empty(point.shape + (len(alpha),))
        for k, a in enumerate(alpha):
            level = abs(2 * a - 1)
            rank = min(int(np.ceil((n + 1) * level)), n) - 1
            width = 0.0 if level == 0 else scores[max(rank, 0)]  # (variables,)
            out[..., k] = point + np.sign(a - 0.5) * width * scale[steps - 1]
        return out


class _DirectStrategy(_Strategy):
    """``strategy="direct"``: an :class:`~skrnn.RNNRegressor` with one output per step
    (and per variable) up to the largest step of ``fh`` (multi-output, MIMO)."""

    name = "direct"

    def fit_member(self, f, Y, F, L: int, origins: np.ndarray, seed: int, panel: bool):
        if panel and f._levels is None:
            return self.fit_on_views(f, F, L, origins, seed)
        return super().fit_member(f, Y, F, L, origins, seed, panel)

    def fit_on_views(self, f, F: np.ndarray, L: int, origins: np.ndarray, seed: int):
        """One network on a panel laid end to end in ``F`` ``(N, 1)``: every window of
        ``F`` and its targets are strided views (no copy; the network copies one batch at
        a time); the windows that cross from one series into the next get weight 0, the
        training windows (their targets start at ``origins``) 1."""
        H, N = f.horizon_, len(F)
        view = np.lib.stride_tricks.sliding_window_view
        if F.shape[1] == 1:
            inputs = view(F[:, 0], L)[: N - L - H + 1, :, None]
        else:  # the series' codes beside the values (series_embedding)
            inputs = view(F, L, axis=0)[: N - L - H + 1].transpose(0, 2, 1)
        targets = view(F[L:, 0], H)
        weight = np.zeros(len(inputs), dtype=np.float32)
        weight[origins - L] = 1.0
        network = self.network(f, 1, seed, len(origins))
        return network.fit(inputs, targets, sample_weight=weight)


class _RecursiveStrategy(_Strategy):
    """``strategy="recursive"``: an :class:`~skrnn.RNNRegressor` forecasts one step
    ahead and is fed its own forecasts for the later steps, so ``fh`` may change at
    ``predict``; with a quantile head, the quantiles of steps 2 and later come from
    ``n_sample_paths`` simulated paths."""

    name = "recursive"
    fh_in_fit = False

    def horizon(self, steps, late: int = 0) -> int:
        return 1

    def calibration_horizon(self, horizon: int, steps, sp: int) -> int:
        # fh may grow after fit: calibrate two seasons ahead at least (sqrt growth after)
        return int(max([*steps, 2 * sp, 2]))

    def check_reach(self, f, H: int) -> None:
        return None  # any number of steps

    def exog_steps(self, f, H: int) -> int:
        return H

    def ensemble_forecast(self, f, members, lengths, F, origins, Xall=None, H=None, pick=None):
        """Forecasts ``(len(origins), H, variables, q)`` rolled step by step: each step's
        value, chosen from the one-step quantiles by ``pick`` (default: the point
        forecast), is appended to the windows (with ``Xall``'s row of the step after
        it)."""
        history = self.history(F, lengths, origins)
        H = f.horizon_ if H is None else H
        n_vars = f._n_vars
        if not any(lengths):  # the Theta fallback alone: Theta forecasts every step itself
            # (rolled, it was refitted at every step of every origin: 600 Theta fits, 7 s,
            # to calibrate one short monthly series 24 steps ahead)
            theta = _ThetaFallback(H, n_vars, f._n_levels).predict(history)
            return theta.reshape(len(origins), H, n_vars, f._n_levels)
        out = []
        for h in range(H):
            q = self.combine(f, members, lengths, history)[:, 0]  # (batch, variables, q)
            value = self.point(f, q) if pick is None else pick(q)
            out.append(q if pick is None else value[..., None])
            if h + 1 < H:
                row = value.reshape(len(value), n_vars)
                if Xall is not None:  # the new step's row holds X of the step after it
                    row = np.concatenate([row, Xall[origins + h + 1]], axis=1)
                if row.shape[1] < history.shape[2]:  # a panel's series codes carry over
                    row = np.concatenate([row, history[:, -1, row.shape[1] :]], axis=1)
                history = np.concatenate([history[:, 1:], row[:, None]], axis=1)
        return np.stack(out, axis=1)

    def forecast(self, f, F, origins, Xall, H: int, alpha=None) -> np.ndarray:
        if alpha is None or f._levels is None or not any(f.window_lengths_):
            # (the Theta fallback has no quantiles to draw paths from: its quantiles are
            # an error, raised there)
            return self.head_forecast(f, F, origins, Xall, H, alpha)
        rng = check_random_state(f.random_state)

        def draw(q):  # one draw per path and variable from its one-step quantiles
            return quantile_at(f._levels, q, rng.uniform(size=q.shape[:-1]))

        n_paths = f.n_sample_paths
        paths = self.ensemble_forecast(
            f, f._members, f.window_lengths_, F, np.repeat(origins, n_paths), Xall, H, pick=draw
        )
        paths = paths[..., 0].reshape(len(origins), n_paths, H, -1)
        return np.moveaxis(np.quantile(paths, alpha, axis=1), 0, -1)


class _Seq2SeqStrategy(_Strategy):
    """``strategy="seq2seq"``: a :class:`~skrnn.Seq2SeqTransformer` (encoder-decoder)
    decodes the steps up to the largest step of ``fh``."""

    name = "seq2seq"
    estimator = Seq2SeqTransformer

    def target_features(self, per_step: np.ndarray, horizon: int) -> np.ndarray:
        return per_step  # the decoder outputs one step at a time

    def shape_targets(self, targets: np.ndarray) -> np.ndarray:
        return targets  # a target sequence per window


#: the classes of ``RNNForecaster(strategy=...)``
STRATEGIES: dict[str, type[_Strategy]] = {
    cls.name: cls for cls in (_DirectStrategy, _RecursiveStrategy, _Seq2SeqStrategy)
}
