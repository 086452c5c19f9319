"""Defaults chosen on the quality benchmark (docs/quality.md): the bound of
``epochs="auto"`` and ``batch_size="auto"``, for sequences and for tables."""

import math

import numpy as np
import pytest

from skrnn import RNNClassifier, RNNRegressor
from skrnn.neural_network._base import (
    AUTO_MIN_EPOCHS,
    AUTO_MIN_STEPS,
    AUTO_SEQUENCE_BATCH_SIZE,
    AUTO_TABLE_BATCH_SIZE,
    AUTO_TABLE_EPOCHS,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize(
    "n, batch_size, early_stopping",
    [(40, 32, False), (64, 8, False), (3000, 32, False), (400, 32, True)],
)
def test_auto_epochs_give_enough_optimizer_steps(n, batch_size, early_stopping):
    est = RNNRegressor(epochs="auto", batch_size=batch_size, early_stopping=early_stopping)
    epochs = est._auto_epochs(n)
    n_train = n - (math.ceil(0.1 * n) if early_stopping else 0)
    batches = math.ceil(n_train / batch_size)
    assert epochs >= AUTO_MIN_EPOCHS
    assert epochs * batches >= AUTO_MIN_STEPS
    assert epochs == AUTO_MIN_EPOCHS or (epochs - 1) * batches < AUTO_MIN_STEPS


def test_auto_epochs_train_a_small_data_set_longer():
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 4, 1), np.arange(20) % 2
    # the bound of training (n_iter_no_change=None: no convergence stopping before it)
    clf = RNNClassifier(units=4, batch_size=10, n_iter_no_change=None, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ == 500  # 2 batches per epoch: 1000 steps
    clf.partial_fit(X, y)  # one epoch per call, as always
    assert clf.n_iter_ == 501


def test_auto_on_a_table_is_the_mlps_batches_and_a_bound_of_150_epochs(seq_data):
    X3, y = seq_data  # 48 samples
    table = RNNRegressor(units=4, n_iter_no_change=None, random_state=0).fit(X3[:, 0], y)
    assert table.input_shape_ == (1, 2)
    assert table.net_.batch_size == AUTO_TABLE_BATCH_SIZE == 200
    assert table.n_iter_ == AUTO_TABLE_EPOCHS == 150
    sequences = RNNRegressor(units=4, epochs=2, random_state=0).fit(X3, y)
    assert sequences.net_.batch_size == AUTO_SEQUENCE_BATCH_SIZE == 32
    assert RNNRegressor(batch_size=8, units=4, epochs=1).fit(X3[:, 0], y).net_.batch_size == 8


def test_integer_epochs_are_kept(seq_data):
    assert RNNRegressor(units=4, epochs=3).fit(*seq_data).n_iter_ == 3


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_predictions_do_not_depend_on_the_batch(Est):
    """scikit-learn's check_methods_subset_invariance at rtol=1e-7: a sequence's output
    is bitwise the same alone or in a batch (the head sums row by row at inference)."""
    rng = np.random.RandomState(0)
    X, y = 3 * rng.uniform(size=(40, 6)), np.arange(40) % 3
    est = Est(units=32, epochs=2, random_state=1).fit(X, y)
    method = est.predict if Est is RNNRegressor else est.predict_proba
    alone = np.concatenate([method(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_array_equal(alone, method(X))
