import numpy as np
import pytest


@pytest.fixture
def seq_data():
    """Small regression problem: 3D sequences whose target is their sum."""
    rng = np.random.RandomState(0)
    X = rng.rand(48, 5, 2)
    y = X.sum(axis=(1, 2)) / 5.0
    return X, y


@pytest.fixture
def clf_data():
    """Small 3-class problem with string labels, learnable from the sign of the mean."""
    rng = np.random.RandomState(0)
    X = rng.randn(60, 6, 1)
    mean = X.mean(axis=(1, 2))
    y = np.where(mean > 0.2, "up", np.where(mean < -0.2, "down", "flat"))
    return X, y
