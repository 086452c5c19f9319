"""scikit-learn's own estimator checks, run on both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier, RNNRegressor

# Small but trainable settings: the checks include accuracy / R^2 thresholds
# (check_classifiers_train, check_regressors_train) that an untrained net cannot meet.
ESTIMATORS = [
    RNNRegressor(units=16, epochs=50, lr=0.01, random_state=0),
    RNNClassifier(units=16, epochs=50, lr=0.01, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
