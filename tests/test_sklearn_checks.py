"""scikit-learn's own estimator checks, run on both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import RNNClassifier, RNNRegressor

# Small but trainable settings: the checks include accuracy / R^2 thresholds
# (check_classifiers_train, check_regressors_train) that an untrained net cannot meet.
ESTIMATORS = [
    RNNRegressor(units=16, epochs=50, lr=0.01, random_state=0),
    RNNClassifier(units=16, epochs=50, lr=0.01, random_state=0),
]


def expected_failed_checks(estimator) -> dict:
    # Weighted rows and repeated rows give the same loss and gradients up to float32
    # summation order (tests/test_sample_weight.py: equal within 1e-4). Training
    # amplifies those 1e-8 differences: on this check's data 1e-8 after 1 epoch, 5e-2
    # after 50; the check compares with rtol=1e-7.
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "equal up to float32 rounding, which many epochs of Adam amplify"
        )
    }


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
