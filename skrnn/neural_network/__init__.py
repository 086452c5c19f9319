"""Recurrent estimators: regression, classification, sequence to sequence, and
sampling from a fitted classifier."""

from ._classifier import RNNClassifier
from ._regressor import RNNRegressor
from ._sampling import generate_text, sample_with_temperature
from ._seq2seq import Seq2SeqTransformer

__all__ = [
    "RNNClassifier",
    "RNNRegressor",
    "Seq2SeqTransformer",
    "generate_text",
    "sample_with_temperature",
]
