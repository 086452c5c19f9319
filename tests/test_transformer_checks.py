"""scikit-learn's own estimator checks, run on the series transformers."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import SequenceMinMaxScaler, SequenceStandardScaler, SlidingWindowTransformer

TRANSFORMERS = [
    SlidingWindowTransformer(time_steps=3),
    SequenceMinMaxScaler(),
    SequenceStandardScaler(),
]


ONE_D = "a 1D X is accepted on purpose: it is a univariate series"
ORDER = "row t depends on the rows before it: windows are not row-wise transforms"


def expected_failed_checks(estimator) -> dict:
    failing = {"check_fit1d": ONE_D}
    if isinstance(estimator, SlidingWindowTransformer):
        failing["check_methods_sample_order_invariance"] = ORDER
        failing["check_methods_subset_invariance"] = ORDER
    return failing


@parametrize_with_checks(TRANSFORMERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)
