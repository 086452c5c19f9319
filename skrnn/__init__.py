"""skrnn: scikit-learn compatible recurrent neural networks built on skorch and PyTorch."""

from ._classifier import RNNClassifier
from ._plotting import AttentionDisplay, ForecastDisplay, TrainingCurveDisplay
from ._regressor import RNNRegressor
from ._sampling import generate_text, sample_with_temperature
from ._scaling import SequenceMinMaxScaler, SequenceStandardScaler
from ._seq2seq import Seq2SeqTransformer
from ._validation import sktime_to_sequences
from ._windows import SlidingWindowTransformer, make_supervised

__version__ = "0.1.0"


def __getattr__(name):
    # RNNForecaster is imported on first use: it imports sktime (~0.2-0.3 s), which every
    # process that merely fits an estimator (each worker of a parallel search) would pay
    if name == "RNNForecaster":
        from ._forecaster import RNNForecaster

        return RNNForecaster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"RNNForecaster"})


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
