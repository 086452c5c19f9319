"""Transformers in front of the estimators: windows of a series, sequence scalers,
and the tokenizer that turns texts into token ids."""

from ._scaling import SequenceMinMaxScaler, SequenceStandardScaler
from ._tokenizer import SequenceTokenizer
from ._windows import SlidingWindowTransformer, make_supervised

__all__ = [
    "SequenceMinMaxScaler",
    "SequenceStandardScaler",
    "SequenceTokenizer",
    "SlidingWindowTransformer",
    "make_supervised",
]
