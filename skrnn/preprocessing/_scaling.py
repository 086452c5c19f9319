"""Per-feature scaling of series and of batches of sequences, with scikit-learn's scalers."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted

from .._input.series import check_3d_output, check_series
from .._training.transaction import transactional

__all__ = ["SequenceMinMaxScaler", "SequenceStandardScaler"]


class _BaseSequenceScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """A scikit-learn scaler fitted on the rows ``(n_samples * time_steps, n_features)``.

    Subclasses name the scaler and the fitted attributes they expose.
    """

    _fitted_attributes: tuple[str, ...] = ()

    @abstractmethod
    def _make_scaler(self) -> TransformerMixin:
        """The unfitted scikit-learn scaler, configured from this object's parameters."""

    def _rows(self, X, *, reset: bool) -> tuple[np.ndarray, tuple]:
        """``X`` validated as the rows ``(n_values, n_features)`` and its original shape."""
        X = check_series(self, X, reset=reset, max_ndim=3)
        return X.reshape(-1, self.n_features_in_), X.shape

    @transactional
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> _BaseSequenceScaler:
        """Compute per-feature statistics over all samples and time steps of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,), (n_timesteps, n_features) or \
(n_samples, time_steps, n_features)
            A series or a batch of sequences; the features are the last axis.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        rows, _ = self._rows(X, reset=True)
        self.scaler_ = self._make_scaler().fit(rows)
        for name in self._fitted_attributes:
            setattr(self, name, getattr(self.scaler_, name))
        return self

    def _apply(self, method: str, X) -> np.ndarray:
        check_is_fitted(self)
        rows, shape = self._rows(X, reset=False)
        check_3d_output(self, len(shape), method="transform")
        return getattr(self.scaler_, method)(rows).reshape(shape)

    def transform(self, X) -> np.ndarray:
        """Scale ``X`` with the statistics learnt in ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,), (n_timesteps, n_features) or \
(n_samples, time_steps, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        X_scaled : ndarray of the shape of ``X``
            The scaled data.
        """
        return self._apply("transform", X)

    def inverse_transform(self, X) -> np.ndarray:
        """Undo the scaling: values back in the units of the data seen in ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,), (n_timesteps, n_features) or \
(n_samples, time_steps, n_features)
            Scaled data.

        Returns
        -------
        X_original : ndarray of the shape of ``X``
            The data in its original units.
        """
        return self._apply("inverse_transform", X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        return tags


class SequenceMinMaxScaler(_BaseSequenceScaler):
    """Scale each feature to ``feature_range`` over all samples and time steps.

    scikit-learn's :class:`~sklearn.preprocessing.MinMaxScaler` applied to sequence data:
    a 3D ``X`` ``(n_samples, time_steps, n_features)`` is scaled with one minimum and one
    maximum per feature, taken over every sample and time step (a time step is not a
    feature). A 1D or 2D ``X`` is a series ``(n_timesteps[, n_features])``, scaled per
    column like ``MinMaxScaler`` does; to scale univariate windows ``(n_samples,
    time_steps)`` with one statistic, pass them as ``(n_samples, time_steps, 1)``, or
    scale the series before cutting windows. The output has the shape of the input.

    To scale the target of a forecasting pipeline and get predictions back in the
    original units, wrap the pipeline in scikit-learn's
    :class:`~sklearn.compose.TransformedTargetRegressor`:
    ``TransformedTargetRegressor(Pipeline([("scale", SequenceMinMaxScaler()), ("window",
    SlidingWindowTransformer()), ("rnn", RNNRegressor())]), transformer=MinMaxScaler())``
    fits the scaler on the training targets, trains on scaled targets and inverts the
    scaling in ``predict``.

    Parameters
    ----------
    feature_range : tuple (min, max), default=(0, 1)
        Desired range of the transformed data.
    clip : bool, default=False
        Clip transformed values of unseen data to ``feature_range``.

    Attributes
    ----------
    scaler_ : sklearn.preprocessing.MinMaxScaler
        The scaler fitted on the rows ``(n_samples * time_steps, n_features)``.
    data_min_, data_max_, data_range_ : ndarray of shape (`n_features_in_`,)
        Per-feature minimum, maximum and range seen in ``fit``.
    scale_, min_ : ndarray of shape (`n_features_in_`,)
        ``X_scaled = X * scale_ + min_``.
    n_samples_seen_ : int
        Number of values per feature seen in ``fit`` (samples times time steps).
    n_features_in_ : int
        Number of features (the last axis of ``X``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import SequenceMinMaxScaler
    >>> X = np.array([[[0.0, 10.0], [2.0, 20.0]], [[4.0, 30.0], [1.0, 50.0]]])
    >>> scaler = SequenceMinMaxScaler().fit(X)
    >>> scaler.data_max_
    array([ 4., 50.])
    >>> scaler.transform(X)[1]
    array([[1.  , 0.5 ],
           [0.25, 1.  ]])
    >>> np.allclose(scaler.inverse_transform(scaler.transform(X)), X)
    True
    """

    _parameter_constraints: dict = {
        key: MinMaxScaler._parameter_constraints[key] for key in ("feature_range", "clip")
    }
    _fitted_attributes = (
        "data_min_",
        "data_max_",
        "data_range_",
        "scale_",
        "min_",
        "n_samples_seen_",
    )

    def __init__(self, feature_range=(0, 1), *, clip=False):
        self.feature_range = feature_range
        self.clip = clip

    def _make_scaler(self) -> MinMaxScaler:
        return MinMaxScaler(feature_range=self.feature_range, clip=self.clip)


class SequenceStandardScaler(_BaseSequenceScaler):
    """Standardise each feature over all samples and time steps: zero mean, unit variance.

    scikit-learn's :class:`~sklearn.preprocessing.StandardScaler` applied to sequence
    data, with one mean and one standard deviation per feature over every sample and
    time step of a 3D ``X`` ``(n_samples, time_steps, n_features)``. A 1D or 2D ``X`` is a
    series ``(n_timesteps[, n_features])``, scaled per column. The output has the shape
    of the input.

    Parameters
    ----------
    with_mean : bool, default=True
        Centre the data.
    with_std : bool, default=True
        Scale the data to unit variance.

    Attributes
    ----------
    scaler_ : sklearn.preprocessing.StandardScaler
        The scaler fitted on the rows ``(n_samples * time_steps, n_features)``.
    mean_, var_, scale_ : ndarray of shape (`n_features_in_`,) or None
        Per-feature mean, variance and scale (``None`` where switched off).
    n_samples_seen_ : int
        Number of values per feature seen in ``fit`` (samples times time steps).
    n_features_in_ : int
        Number of features (the last axis of ``X``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import SequenceStandardScaler
    >>> X = np.array([[[1.0], [3.0]], [[5.0], [7.0]]])
    >>> scaler = SequenceStandardScaler().fit(X)
    >>> scaler.mean_
    array([4.])
    >>> scaler.transform(X)[:, :, 0].round(3)
    array([[-1.342, -0.447],
           [ 0.447,  1.342]])
    """

    _parameter_constraints: dict = {
        key: StandardScaler._parameter_constraints[key] for key in ("with_mean", "with_std")
    }
    _fitted_attributes = ("mean_", "var_", "scale_", "n_samples_seen_")

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def _make_scaler(self) -> StandardScaler:
        return StandardScaler(with_mean=self.with_mean, with_std=self.with_std)
