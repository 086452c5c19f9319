"""skrnn: scikit-learn compatible recurrent neural networks built on skorch and PyTorch."""

from ._classifier import RNNClassifier
from ._plotting import AttentionDisplay, ForecastDisplay, TrainingCurveDisplay
from ._regressor import RNNRegressor
from ._sampling import generate_text, sample_with_temperature
from ._scaling import SequenceMinMaxScaler, SequenceStandardScaler
from ._seq2seq import Seq2SeqTransformer
from ._tokenizer import SequenceTokenizer
from ._validation import sktime_to_sequences
from ._windows import SlidingWindowTransformer, make_supervised

__version__ = "0.1.0"


#: Functions imported on first use, with their modules: saving, loading and exporting
#: need packages (safetensors, onnx) that a process which only fits never imports.
_LAZY = {
    "save": "._persistence",
    "load": "._persistence",
    "to_onnx": "._export",
    "onnx_inputs": "._export",
    "register_onnx_converters": "._export",
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    # RNNForecaster is imported on first use: it imports sktime (~0.2-0.3 s), which every
    # process that merely fits an estimator (each worker of a parallel search) would pay
    if name == "RNNForecaster":
        from ._forecaster import RNNForecaster

        return RNNForecaster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"RNNForecaster"} | set(_LAZY))


__all__ = [
    "AttentionDisplay",
    "ForecastDisplay",
    "RNNClassifier",
    "RNNForecaster",
    "RNNRegressor",
    "Seq2SeqTransformer",
    "SequenceMinMaxScaler",
    "SequenceStandardScaler",
    "SequenceTokenizer",
    "SlidingWindowTransformer",
    "TrainingCurveDisplay",
    "generate_text",
    "load",
    "make_supervised",
    "onnx_inputs",
    "register_onnx_converters",
    "sample_with_temperature",
    "save",
    "sktime_to_sequences",
    "to_onnx",
    "__version__",
]
