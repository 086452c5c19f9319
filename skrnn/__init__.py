"""skrnn: scikit-learn compatible recurrent neural networks built on skorch and PyTorch."""

from ._classifier import RNNClassifier
from ._forecaster import RNNForecaster
from ._plotting import AttentionDisplay, ForecastDisplay, TrainingCurveDisplay
from ._regressor import RNNRegressor
from ._sampling import generate_text, sample_with_temperature
from ._scaling import SequenceMinMaxScaler, SequenceStandardScaler
from ._seq2seq import Seq2SeqTransformer
from ._validation import sktime_to_sequences
from ._windows import SlidingWindowTransformer, make_supervised

__version__ = "0.1.0"

__all__ = [
    "AttentionDisplay",
    "ForecastDisplay",
    "RNNClassifier",
    "RNNForecaster",
    "RNNRegressor",
    "Seq2SeqTransformer",
    "SequenceMinMaxScaler",
    "SequenceStandardScaler",
    "SlidingWindowTransformer",
    "TrainingCurveDisplay",
    "generate_text",
    "make_supervised",
    "sample_with_temperature",
    "sktime_to_sequences",
    "__version__",
]
