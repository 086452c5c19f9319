"""Plots in scikit-learn's Display style: training curves, forecasts, attention weights.

Each display holds the data it draws; ``from_estimator`` / ``from_predictions`` compute
that data and call :meth:`plot`, which draws on ``ax`` (a new figure when ``None``) and
keeps the matplotlib artists as attributes ending in ``_``. matplotlib is optional: it
is imported only when a display draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

__all__ = ["AttentionDisplay", "ForecastDisplay", "TrainingCurveDisplay"]


def _axes(ax, caller: str):
    """``ax``, or the axes of a new figure; a clear error without matplotlib."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib; install it with `pip install matplotlib` "
            "(or `pip install skrnn[plot]`)."
        ) from exc
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _fitted_model(estimator):
    """The fitted model inside search objects, target transformers and pipelines."""
    while True:
        for attr in ("best_estimator_", "regressor_"):
            if hasattr(estimator, attr):
                estimator = getattr(estimator, attr)
                break
        else:
            if hasattr(estimator, "steps"):
                estimator = estimator.steps[-1][1]
                continue
            return estimator


class TrainingCurveDisplay:
    """Training (and validation) loss per epoch.

    Build it with :meth:`from_estimator`; the constructor takes the curves themselves.

    Parameters
    ----------
    train_loss : array-like of shape (n_epochs,)
        Training loss of each epoch.
    valid_loss : array-like of shape (n_epochs,) or None, default=None
        Validation loss of each epoch (``early_stopping=True``).
    estimator_name : str or None, default=None
        Title of the plot.

    Attributes
    ----------
    train_line_ : matplotlib Line2D
        The training curve.
    valid_line_ : matplotlib Line2D or None
        The validation curve.
    best_epoch_ : int or None
        Epoch of the lowest validation loss (whose weights early stopping restores).
    ax_ : matplotlib Axes
        Axes of the plot.
    figure_ : matplotlib Figure
        Figure of the plot.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skrnn import RNNRegressor, TrainingCurveDisplay
    >>> X, y = np.random.rand(40, 5, 1), np.random.rand(40)
    >>> reg = RNNRegressor(units=4, epochs=5, early_stopping=True, random_state=0).fit(X, y)
    >>> disp = TrainingCurveDisplay.from_estimator(reg)
    >>> [line.get_label() for line in disp.ax_.get_lines()]
    ['training loss', 'validation loss', 'best epoch']
    """

    def __init__(self, train_loss, valid_loss=None, *, estimator_name=None):
        self.train_loss = train_loss
        self.valid_loss = valid_loss
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, log_scale=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure when ``None``.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : TrainingCurveDisplay
            ``self``, with the artists stored.
        """
        ax = _axes(ax, "TrainingCurveDisplay")
        train = np.asarray(self.train_loss, dtype=float)
        epochs = np.arange(1, len(train) + 1)
        (self.train_line_,) = ax.plot(epochs, train, label="training loss")
        self.valid_line_ = self.best_epoch_ = None
        if self.valid_loss is not None:
            valid = np.asarray(self.valid_loss, dtype=float)
            (self.valid_line_,) = ax.plot(epochs, valid, label="validation loss")
            self.best_epoch_ = int(epochs[np.nanargmin(valid)])
            ax.axvline(
                self.best_epoch_, color="grey", linestyle=":", linewidth=1, label="best epoch"
            )
        if log_scale:
            ax.set_yscale("log")
        ax.set(xlabel="epoch", ylabel="loss", title=self.estimator_name)
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, log_scale=False):
        """Plot the loss curves of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator
            A skrnn estimator (its ``history_``), or any estimator with a
            ``loss_curve_`` (``MLPRegressor``); pipelines, ``TransformedTargetRegressor``,
            fitted searches and :class:`RNNForecaster` are looked into for it.
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure when ``None``.
        name : str or None, default=None
            Title; the estimator's class name when ``None``.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, drawn.
        """
        sktime_check = getattr(estimator, "check_is_fitted", None)  # sktime's own
        sktime_check() if callable(sktime_check) else check_is_fitted(estimator)
        model = _fitted_model(estimator)
        name = name or type(model).__name__
        if not hasattr(model, "history_") and hasattr(model, "estimator_"):
            model = model.estimator_  # the network of an RNNForecaster
        history = getattr(model, "history_", None)
        if history is not None and len(history) and "train_loss" in history[0]:
            train = [epoch["train_loss"] for epoch in history]
            valid = [epoch.get("valid_loss") for epoch in history]
            valid = None if None in valid else valid
        elif hasattr(model, "loss_curve_"):
            train, valid = model.loss_curve_, None
        else:
            raise TypeError(
                f"{type(model).__name__} records no loss per epoch: TrainingCurveDisplay "
                "needs a skrnn estimator (history_) or one with a loss_curve_."
            )
        disp = cls(train, valid, estimator_name=name)
        return disp.plot(ax=ax, log_scale=log_scale)


def _steps(y, start: int):
    """x positions and values of a series: its index (periods as timestamps) for pandas
    input, else ``start, start + 1, ...``."""
    values = np.asarray(y, dtype=float).reshape(len(y), -1)[:, 0]
    if not isinstance(y, (pd.Series, pd.DataFrame)):
        return np.arange(start, start + len(values)), values
    index = y.index
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    return np.asarray(index), values


class ForecastDisplay:
    """A forecast against the truth, after the history it continues.

    Build it with :meth:`from_estimator` or :meth:`from_predictions`. pandas input
    (Series, DataFrames) is drawn against its index; arrays are drawn against step
    numbers, the forecast continuing the history. Of a multivariate series (a 2D array
    or DataFrame), the first column is drawn.

    Parameters
    ----------
    y_pred : array-like of shape (n_steps,) or pandas Series
        The forecast.
    y_true : array-like of shape (n_steps,), pandas Series or None, default=None
        The true values of the forecast steps.
    y_history : array-like, pandas Series or None, default=None
        The observed series before the forecast.
    y_interval : array-like of shape (n_steps, 2), DataFrame or None, default=None
        Lower and upper bounds of a prediction interval (sktime's
        ``predict_interval`` output works as is).
    coverage : float or None, default=None
        Nominal coverage of the interval, for its label.
    estimator_name : str or None, default=None
        Label of the forecast line.

    Attributes
    ----------
    pred_line_ : matplotlib Line2D
        The forecast.
    true_line_, history_line_ : matplotlib Line2D or None
        The truth and the history.
    interval_ : matplotlib PolyCollection or None
        The shaded interval.
    ax_ : matplotlib Axes
        Axes of the plot.
    figure_ : matplotlib Figure
        Figure of the plot.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skrnn import ForecastDisplay
    >>> disp = ForecastDisplay.from_predictions([3, 4], [3.2, 3.9], y_history=[1, 2])
    >>> [line.get_label() for line in disp.ax_.get_lines()]
    ['history', 'truth', 'forecast']
    >>> disp.pred_line_.get_xdata().tolist()
    [2, 3]
    """

    def __init__(
        self,
        y_pred,
        *,
        y_true=None,
        y_history=None,
        y_interval=None,
        coverage=None,
        estimator_name=None,
    ):
        self.y_pred = y_pred
        self.y_true = y_true
        self.y_history = y_history
        self.y_interval = y_interval
        self.coverage = coverage
        self.estimator_name = estimator_name

    def plot(self, ax=None):
        """Draw history, truth, forecast and interval.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure when ``None``.

        Returns
        -------
        display : ForecastDisplay
            ``self``, with the artists stored.
        """
        ax = _axes(ax, "ForecastDisplay")
        start = 0 if self.y_history is None else len(self.y_history)
        self.history_line_ = self.true_line_ = self.interval_ = None
        if self.y_history is not None:
            (self.history_line_,) = ax.plot(*_steps(self.y_history, 0), label="history")
        if self.y_true is not None:
            (self.true_line_,) = ax.plot(*_steps(self.y_true, start), label="truth")
        x, pred = _steps(self.y_pred, start)
        label = self.estimator_name or "forecast"
        (self.pred_line_,) = ax.plot(x, pred, label=label, linestyle="--")
        if self.y_interval is not None:
            bounds = np.asarray(self.y_interval, dtype=float).reshape(len(pred), -1)
            if bounds.shape[1] != 2:
                raise ValueError(
                    "y_interval must hold a lower and an upper bound per step, shape "
                    f"(n_steps, 2); got {bounds.shape[1]} values per step."
                )
            name = "interval" if self.coverage is None else f"{self.coverage:.0%} interval"
            self.interval_ = ax.fill_between(
                x,
                bounds[:, 0],
                bounds[:, 1],
                alpha=0.25,
                color=self.pred_line_.get_color(),
                label=name,
            )
        ax.set(xlabel="time", ylabel="value")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls, y_true, y_pred, *, y_history=None, y_interval=None, coverage=None, ax=None, name=None
    ):
        """Plot a forecast given as values.

        Parameters
        ----------
        y_true : array-like of shape (n_steps,), pandas Series or None
            The true values of the forecast steps.
        y_pred : array-like of shape (n_steps,) or pandas Series
            The forecast.
        y_history : array-like, pandas Series or None, default=None
            The observed series before the forecast.
        y_interval : array-like of shape (n_steps, 2), DataFrame or None, default=None
            Lower and upper bounds of a prediction interval.
        coverage : float or None, default=None
            Nominal coverage of the interval, for its label.
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure when ``None``.
        name : str or None, default=None
            Label of the forecast line.

        Returns
        -------
        display : ForecastDisplay
            The display, drawn.
        """
        if y_true is not None and len(y_true) != len(y_pred):
            raise ValueError(
                f"y_true and y_pred must cover the same steps: got {len(y_true)} true "
                f"values and {len(y_pred)} predictions."
            )
        disp = cls(
            y_pred,
            y_true=y_true,
            y_history=y_history,
            y_interval=y_interval,
            coverage=coverage,
            estimator_name=name,
        )
        return disp.plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X=None,
        y=None,
        *,
        fh=None,
        y_history=None,
        coverage=None,
        ax=None,
        name=None,
    ):
        """Plot the forecast of a fitted model.

        Two kinds of model: a scikit-learn regressor that predicts the steps from ``X``
        (for example a ``Pipeline`` of :class:`~skrnn.SlidingWindowTransformer` and
        :class:`~skrnn.RNNRegressor`), or an sktime forecaster that predicts the
        horizon ``fh`` (with its ``predict_interval`` when ``coverage`` is given).

        Parameters
        ----------
        estimator : fitted regressor or sktime forecaster
            The model.
        X : array-like or None, default=None
            scikit-learn regressor: the input of the forecast steps.
        y : array-like, pandas Series or None, default=None
            The true values of the forecast steps; a Series lends its index to the
            forecast of a regressor.
        fh : int, list or sktime ForecastingHorizon, default=None
            sktime forecaster: the steps to forecast.
        y_history : array-like, pandas Series or None, default=None
            The observed series before the forecast.
        coverage : float or None, default=None
            sktime forecaster: draw its prediction interval of this coverage.
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure when ``None``.
        name : str or None, default=None
            Label of the forecast line; the model's class name when ``None``.

        Returns
        -------
        display : ForecastDisplay
            The display, drawn.
        """
        if (X is None) == (fh is None):
            raise ValueError(
                "Pass X for a scikit-learn regressor (predict(X)) or fh for an sktime "
                "forecaster (predict(fh=fh)), exactly one of them."
            )
        interval = None
        if fh is not None:
            y_pred = estimator.predict(fh=fh)
            if coverage is not None:
                interval = estimator.predict_interval(fh=fh, coverage=coverage)
        else:
            if coverage is not None:
                raise ValueError("coverage needs an sktime forecaster and fh; got X.")
            y_pred = np.asarray(estimator.predict(X), dtype=float)
            if isinstance(y, (pd.Series, pd.DataFrame)) and len(y) == len(y_pred):
                y_pred = pd.Series(y_pred.reshape(len(y), -1)[:, 0], index=y.index)
        name = name or type(estimator if fh is not None else _fitted_model(estimator)).__name__
        return cls.from_predictions(
            y,
            y_pred,
            y_history=y_history,
            y_interval=interval,
            coverage=coverage,
            ax=ax,
            name=name,
        )


class AttentionDisplay:
    """Attention weights of a :class:`~skrnn.Seq2SeqTransformer` over one input.

    Row ``i`` shows how the decoder, producing output step ``i``, weighted the input
    steps (each row sums to 1). Build it with :meth:`from_estimator`.

    Parameters
    ----------
    weights : array-like of shape (n_output_steps, n_input_steps)
        Attention weights.
    input_labels : list of str or None, default=None
        Labels of the input steps (x axis).
    output_labels : list of str or None, default=None
        Labels of the output steps (y axis).

    Attributes
    ----------
    im_ : matplotlib AxesImage
        The heat map.
    colorbar_ : matplotlib Colorbar or None
        Its colour bar.
    ax_ : matplotlib Axes
        Axes of the plot.
    figure_ : matplotlib Figure
        Figure of the plot.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skrnn import AttentionDisplay, Seq2SeqTransformer
    >>> X = ["abc", "ba", "cab", "ca"] * 8
    >>> s2s = Seq2SeqTransformer(units=8, epochs=2, attention="dot", random_state=0)
    >>> s2s = s2s.fit(X, [x[::-1] for x in X])
    >>> disp = AttentionDisplay.from_estimator(s2s, "abc")
    >>> [t.get_text() for t in disp.ax_.get_xticklabels()]
    ['a', 'b', 'c']
    """

    def __init__(self, weights, *, input_labels=None, output_labels=None):
        self.weights = weights
        self.input_labels = input_labels
        self.output_labels = output_labels

    def plot(self, ax=None, *, cmap="viridis", colorbar=True):
        """Draw the weights as a heat map.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure when ``None``.
        cmap : str or matplotlib Colormap, default="viridis"
            Colour map of the weights.
        colorbar : bool, default=True
            Add a colour bar.

        Returns
        -------
        display : AttentionDisplay
            ``self``, with the artists stored.
        """
        ax = _axes(ax, "AttentionDisplay")
        weights = np.asarray(self.weights, dtype=float)
        self.im_ = ax.imshow(weights, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
        self.colorbar_ = ax.figure.colorbar(self.im_, ax=ax) if colorbar else None
        for labels, axis, n in (
            (self.input_labels, ax.xaxis, weights.shape[1]),
            (self.output_labels, ax.yaxis, weights.shape[0]),
        ):
            axis.set_ticks(np.arange(n))
            if labels is not None:
                axis.set_ticklabels(labels)
        ax.set(xlabel="input step", ylabel="output step")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, x, *, ax=None, cmap="viridis", colorbar=True):
        """Plot where a fitted ``Seq2SeqTransformer`` looks while it decodes ``x``.

        The output is the one ``predict`` gives (with the estimator's ``decoding``);
        token outputs end with the step that emits the end token.

        Parameters
        ----------
        estimator : fitted Seq2SeqTransformer
            Fitted with ``attention="additive"`` or ``"dot"``.
        x : str, list of int or array-like of shape (time_steps[, n_features])
            One input sequence, of the kind the estimator was fitted on.
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure when ``None``.
        cmap : str or matplotlib Colormap, default="viridis"
            Colour map of the weights.
        colorbar : bool, default=True
            Add a colour bar.

        Returns
        -------
        display : AttentionDisplay
            The display, drawn.
        """
        if not hasattr(estimator, "_attention_map"):
            raise TypeError(
                f"AttentionDisplay needs a fitted Seq2SeqTransformer, got "
                f"{type(estimator).__name__}."
            )
        weights, inputs, outputs = estimator._attention_map(x)
        disp = cls(weights, input_labels=inputs, output_labels=outputs)
        return disp.plot(ax=ax, cmap=cmap, colorbar=colorbar)
