"""skrnn: scikit-learn compatible recurrent neural networks built on skorch and PyTorch.

The public names live here and in the public subpackages ``skrnn.neural_network`` (the
estimators), ``skrnn.preprocessing`` (windows, scalers, the tokenizer),
``skrnn.forecasting`` (the sktime forecaster) and ``skrnn.datasets``; the private ones
are the layers underneath: ``skrnn._input`` (what ``X`` holds), ``skrnn._torch`` (PyTorch
modules), ``skrnn._training`` (skorch nets and callbacks), ``skrnn._deploy`` (saving,
ONNX). docs/architecture.md maps them."""

from ._input.validation import sktime_to_sequences
from ._plotting import AttentionDisplay, ForecastDisplay, TrainingCurveDisplay
from .neural_network import (
    RNNClassifier,
    RNNRegressor,
    Seq2SeqTransformer,
    generate_text,
    sample_with_temperature,
)
from .preprocessing import (
    SequenceMinMaxScaler,
    SequenceStandardScaler,
    SequenceTokenizer,
    SlidingWindowTransformer,
    make_supervised,
)

__version__ = "0.1.0"


#: Functions imported on first use, with their modules: saving, loading and exporting
#: need packages (safetensors, onnx) that a process which only fits never imports.
_LAZY = {
    "save": "._deploy.persistence",
    "load": "._deploy.persistence",
    "to_onnx": "._deploy.export",
    "onnx_inputs": "._deploy.export",
    "register_onnx_converters": "._deploy.export",
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    # RNNForecaster is imported on first use: it imports sktime (~0.2-0.3 s), which every
    # process that merely fits an estimator (each worker of a parallel search) would pay
    if name == "RNNForecaster":
        from .forecasting import RNNForecaster

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
