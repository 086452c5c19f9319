"""Forecasting with sktime: :class:`RNNForecaster` (this subpackage imports sktime;
``skrnn.RNNForecaster`` imports it on first use)."""

from ._forecaster import RNNForecaster

__all__ = ["RNNForecaster"]
