"""Saving and loading fitted models as data: never pickle, never code from the file.

``pickle`` and ``joblib`` files rebuild objects by calling whatever the file names, so
loading one runs code chosen by whoever wrote it. :func:`save` writes a fitted model as
one `safetensors <https://huggingface.co/docs/safetensors>`_ file instead: every array
(network weights, optimizer state, fitted statistics) is a tensor of the file, and
everything else (parameters, fitted scalars and strings, the structure of pipelines) is
JSON in the file's header. :func:`load` parses both without running anything from the
file: the only classes it creates are scikit-learn, sktime, skorch and skrnn estimators
named in the header (checked against that list before anything is imported), created
without calling their ``__init__`` and given back their attributes, as ``pickle`` does
for them, and the networks are rebuilt through each estimator's own ``_build_net``, then
given the saved weights.

The generic design (parameters, fitted attributes, network weights) means an estimator
with new parameters or fitted attributes needs no change here: whatever its ``__dict__``
holds is saved, as long as it is data (numbers, strings, arrays, pandas objects,
estimators); functions and other code are refused when saving, with the attribute named.

Why not skops? ``skops.io`` is the same idea for scikit-learn, but it would need a
loader for skorch nets and torch modules (which it has no safe format for) and the
user to list trusted types on every load; here the trusted types are fixed and the
weights go to safetensors, the format PyTorch users already load safely.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FORMAT", "UnsafeFileError", "load", "save"]

#: Format name and version of the files :func:`save` writes.
FORMAT = "skrnn-model/2"
#: Formats :func:`load` reads: version 2 added references to an object saved earlier in
#: the file (``{"t": "shared"}``); a version 1 file has none and reads the same.
READABLE_FORMATS = ("skrnn-model/1", FORMAT)

#: Packages whose estimators a file may name. Nothing outside them is ever imported.
_TRUSTED_ROOTS = ("skrnn", "sklearn", "sktime", "skorch")
#: Modules whose classes may appear as *values* (an ``optimizer`` parameter, a
#: scheduler's policy, a dtype): referenced, never instantiated by the loader.
_TRUSTED_TYPE_ROOTS = (
    *_TRUSTED_ROOTS,
    "torch.optim",
    "torch.nn.modules.loss",
    "numpy",
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class UnsafeFileError(ValueError):
    """A file that :func:`load` refuses: not a skrnn model file, changed since it was
    written, or naming a type outside the trusted packages."""


def _versions() -> dict:
    import sklearn
    import torch

    from .. import __version__

    return {"skrnn": __version__, "torch": torch.__version__, "scikit-learn": sklearn.__version__}


def _within(module: str, roots) -> bool:
    """Whether ``module`` is one of ``roots`` or inside one of them."""
    return any(module == root or module.startswith(f"{root}.") for root in roots)


def _is_trusted_object_class(cls: type) -> bool:
    """Classes :func:`load` creates: estimators and the plain-data helpers they hold."""
    root = cls.__module__.split(".")[0]
    if root not in _TRUSTED_ROOTS:
        return False
    if root == "skrnn":
        return True
    from sklearn.base import BaseEstimator

    if issubclass(cls, BaseEstimator):
        return True
    if root == "sktime":
        from skbase.base import BaseObject
        from sktime.forecasting.base import ForecastingHorizon

        return issubclass(cls, (BaseObject, ForecastingHorizon))
    if root == "skorch":
        from skorch.callbacks import Callback

        return issubclass(cls, Callback)
    return False


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


#: skrnn's modules before 0.2.0 gave them subpackages, and where they are now: the
#: classes a file saved then names
_MOVED = {
    f"skrnn.{old}": f"skrnn.{new}"
    for old, new in {
        "_base": "neural_network._base",
        "_regressor": "neural_network._regressor",
        "_classifier": "neural_network._classifier",
        "_seq2seq": "neural_network._seq2seq",
        "_windows": "preprocessing._windows",
        "_scaling": "preprocessing._scaling",
        "_forecaster": "forecasting._forecaster",
        "_vocab": "_input.vocab",
        "_losses": "_torch.losses",
        "_convergence": "_training.convergence",
        "_health": "_training.health",
        "_nets": "_training.nets",
    }.items()
}


def _resolve_class(name: str, *, instance: bool) -> type:
    """The class ``module:qualname`` named in a file, after checking that it belongs to
    the trusted packages: a name outside them is refused before any import."""
    module, _, qualname = str(name).partition(":")
    module = _MOVED.get(module, module)  # a file saved before the subpackages (0.2.0)
    roots = _TRUSTED_ROOTS if instance else _TRUSTED_TYPE_ROOTS
    if not (_NAME.match(module) and _NAME.match(qualname)) or not _within(module, roots):
        raise UnsafeFileError(
            f"The file names the type {name!r}, which is not from a trusted package "
            f"({', '.join(roots)}); it is refused and nothing was imported from it."
        )
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if not isinstance(obj, type) or (instance and not _is_trusted_object_class(obj)):
        raise UnsafeFileError(
            f"The file names {name!r}, which is not a class skrnn.load creates (estimators "
            "of scikit-learn, sktime, skorch callbacks and skrnn's own classes); refused."
        )
    return obj


class _Encoder:
    """Turns a model into JSON-able data plus a dict of arrays (the safetensors)."""

    def __init__(self):
        self.tensors: dict[str, np.ndarray] = {}
        # Objects already written, by identity: one held in two places (a forecaster's
        # estimators_ and estimator_) is written once and referred to after, so the file
        # holds each network once and load() rebuilds the sharing. The objects stay alive
        # (the model holds them) while it is saved, so their ids are not reused.
        self.objects: dict[int, int] = {}

    def array(self, arr: np.ndarray) -> str:
        key = f"t{len(self.tensors)}"
        self.tensors[key] = np.ascontiguousarray(arr)
        return key

    def encode(self, value: Any, path: str):
        import torch

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int) and not isinstance(value, np.generic):
            return value
        if isinstance(value, float):
            return value
        if isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
            return {
                "t": type(value).__name__,
                "v": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(items)],
            }
        if isinstance(value, dict):
            return {
                "t": "dict",
                "k": [self.encode(k, f"{path} key") for k in value],
                "v": [self.encode(v, f"{path}[{k!r}]") for k, v in value.items()],
            }
        if isinstance(value, np.ndarray):
            return self.ndarray(value, path)
        if isinstance(value, np.generic):
            return {"t": "npscalar", "dtype": value.dtype.str, "v": self.encode(value.item(), path)}
        if isinstance(value, np.dtype):
            return {"t": "dtype", "v": value.str}
        if isinstance(value, torch.Tensor):
            return {"t": "torch", "ref": self.array(value.detach().cpu().numpy())}
        if isinstance(value, np.random.RandomState):
            return {"t": "randomstate", "v": self.encode(value.get_state(), path)}
        pandas = self.pandas(value, path)
        if pandas is not None:
            return pandas
        if isinstance(value, type):
            if not _within(value.__module__, _TRUSTED_TYPE_ROOTS):
                raise TypeError(
                    f"Cannot save {path}: the class {_class_name(value)} is not from "
                    f"{', '.join(_TRUSTED_TYPE_ROOTS)}, so skrnn.load would refuse it."
                )
            return {"t": "type", "v": _class_name(value)}
        return self.object(value, path)

    def ndarray(self, value: np.ndarray, path: str):
        kind = value.dtype.kind
        if kind in "biuf":
            return {"t": "nd", "ref": self.array(value)}
        if kind in "mM":
            return {"t": "nd", "dtype": value.dtype.str, "ref": self.array(value.view(np.int64))}
        if kind in "OUS":
            flat = [self.encode(v, f"{path}[...]") for v in value.ravel().tolist()]
            return {"t": "ndobj", "dtype": value.dtype.str, "shape": list(value.shape), "v": flat}
        raise TypeError(f"Cannot save {path}: arrays of dtype {value.dtype} are not supported.")

    def pandas(self, value, path):
        name = lambda: self.encode(value.name, f"{path}.name")  # noqa: E731
        if isinstance(value, pd.DataFrame):
            return {
                "t": "dataframe",
                "columns": self.encode(value.columns, f"{path}.columns"),
                "index": self.encode(value.index, f"{path}.index"),
                "v": [
                    self.ndarray(value.iloc[:, j].to_numpy(), path) for j in range(value.shape[1])
                ],
            }
        if isinstance(value, pd.Series):
            return {
                "t": "series",
                "index": self.encode(value.index, f"{path}.index"),
                "v": self.ndarray(value.to_numpy(), path),
                "name": name(),
            }
        if isinstance(value, pd.MultiIndex):  # panels (RNNForecaster's global fits)
            return {
                "t": "multiindex",
                "levels": [self.encode(lv, f"{path}.levels") for lv in value.levels],
                "codes": [self.ndarray(np.asarray(c), path) for c in value.codes],
                "names": self.encode(list(value.names), f"{path}.names"),
            }
        if isinstance(value, pd.RangeIndex):
            return {"t": "rangeindex", "v": [value.start, value.stop, value.step], "name": name()}
        if isinstance(value, pd.PeriodIndex):
            return {
                "t": "periodindex",
                "ref": self.array(value.asi8),
                "freq": value.freqstr,
                "name": name(),
            }
        if isinstance(value, pd.DatetimeIndex):
            return {
                "t": "datetimeindex",
                "ref": self.array(value.asi8),
                "unit": value.unit,
                "tz": None if value.tz is None else str(value.tz),
                "freq": value.freqstr,
                "name": name(),
            }
        if isinstance(value, pd.Index):
            return {"t": "index", "v": self.ndarray(value.to_numpy(), path), "name": name()}
        if isinstance(value, pd.Timestamp):
            return {"t": "timestamp", "v": value.isoformat()}
        if isinstance(value, pd.Period):
            return {"t": "period", "v": str(value), "freq": value.freqstr}
        if isinstance(value, pd.Timedelta):
            return {"t": "timedelta", "v": int(value.value)}
        if isinstance(value, pd.DateOffset):
            return {"t": "offset", "v": value.freqstr}
        return None

    def object(self, value, path: str):
        from skorch import NeuralNet

        if id(value) in self.objects:
            return {"t": "shared", "v": self.objects[id(value)]}
        cls = type(value)
        if isinstance(value, NeuralNet):
            raise TypeError(
                f"Cannot save {path}: a skorch net is saved only as the fitted net_ of a "
                "skrnn estimator."
            )
        if callable(value) and not hasattr(value, "__dict__") or inspect.isroutine(value):
            raise TypeError(
                f"Cannot save {path}: {value!r} is a function, which is code, not data. "
                "skrnn.save stores data only (use a built-in option, for example "
                "tokenizer='word'); pickle or joblib store code, and run it when loaded."
            )
        if not _is_trusted_object_class(cls) or not hasattr(value, "__dict__"):
            raise TypeError(
                f"Cannot save {path}: objects of type {_class_name(cls)} are not data that "
                "skrnn.load would create (estimators of scikit-learn, sktime, skorch "
                "callbacks and skrnn's classes)."
            )
        # numbered before its attributes, in the order _Decoder._obj creates objects
        self.objects[id(value)] = len(self.objects)
        state = dict(vars(value))
        encoded = {"t": "obj", "cls": _class_name(cls)}
        net = state.pop("net_", None)
        if net is not None:
            if not isinstance(net, NeuralNet) or not hasattr(value, "_build_net"):
                raise TypeError(f"Cannot save {path}.net_: not a skrnn estimator's net.")
            encoded["net"] = self.net(net, f"{path}.net_")
        encoded["state"] = self.encode(state, path)
        return encoded

    def net(self, net, path: str) -> dict:
        module = net.module_
        if getattr(module, "_forward_hooks", None) or getattr(module, "_forward_pre_hooks", None):
            raise TypeError(f"Cannot save {path}: its module has forward hooks (code).")
        return {
            "module": {
                k: {"ref": self.array(v.detach().cpu().numpy())}
                for k, v in module.state_dict().items()
            },  # fmt: skip
            "module_class": _class_name(type(module)),
            "history": self.encode([dict(epoch) for epoch in net.history], f"{path}.history"),
            "optimizer": self.encode(net.optimizer_.state_dict(), f"{path}.optimizer_"),
        }


class _Decoder:
    """Rebuilds what :class:`_Encoder` wrote, creating only trusted classes."""

    def __init__(self, tensors: dict[str, np.ndarray], device: str | None = None):
        self.tensors = tensors
        self.device = device  # every estimator's device, or None: each as saved
        self.objects: list = []  # in the order _Encoder.object numbered them

    def array(self, key) -> np.ndarray:
        if key not in self.tensors:
            raise UnsafeFileError(f"The file refers to a missing tensor {key!r}.")
        return self.tensors[key]

    def decode(self, data):
        if data is None or isinstance(data, (bool, str, int, float)):
            return data
        if not isinstance(data, dict) or "t" not in data:
            raise UnsafeFileError(f"Unexpected data in the file: {str(data)[:80]!r}.")
        tag = data["t"]
        method = getattr(self, f"_{tag}", None)
        if method is None:
            raise UnsafeFileError(f"Unknown entry type {tag!r} in the file.")
        return method(data)

    def _list(self, d):
        return [self.decode(v) for v in d["v"]]

    def _tuple(self, d):
        return tuple(self._list(d))

    def _set(self, d):
        return set(self._list(d))

    def _frozenset(self, d):
        return frozenset(self._list(d))

    def _dict(self, d):
        return {self.decode(k): self.decode(v) for k, v in zip(d["k"], d["v"], strict=True)}

    def _nd(self, d):
        arr = self.array(d["ref"])
        if "dtype" in d:
            arr = arr.view(np.dtype(_dtype(d["dtype"], "mM")))
        return arr.copy()

    def _ndobj(self, d):
        dtype = np.dtype(_dtype(d["dtype"], "OUS"))
        values = [self.decode(v) for v in d["v"]]
        out = np.empty(len(values), dtype=dtype)
        out[:] = values if dtype.kind != "O" else _object_items(values)
        return out.reshape(d["shape"])

    def _npscalar(self, d):
        return np.dtype(_dtype(d["dtype"], "biufcOUSmM")).type(self.decode(d["v"]))

    def _dtype(self, d):
        return np.dtype(_dtype(d["v"], "biufcOUSmMV"))

    def _torch(self, d):
        import torch

        return torch.from_numpy(self.array(d["ref"]).copy())

    def _randomstate(self, d):
        rs = np.random.RandomState()
        rs.set_state(self.decode(d["v"]))
        return rs

    def _dataframe(self, d):
        columns = self.decode(d["columns"])
        data = {j: self.decode(v) for j, v in enumerate(d["v"])}
        frame = pd.DataFrame(data, index=self.decode(d["index"]))
        frame.columns = columns
        return frame

    def _series(self, d):
        return pd.Series(
            self.decode(d["v"]), index=self.decode(d["index"]), name=self.decode(d["name"])
        )

    def _multiindex(self, d):
        return pd.MultiIndex(
            levels=[self.decode(lv) for lv in d["levels"]],
            codes=[self.decode(c) for c in d["codes"]],
            names=self.decode(d["names"]),
        )

    def _rangeindex(self, d):
        start, stop, step = (int(v) for v in d["v"])
        return pd.RangeIndex(start, stop, step, name=self.decode(d["name"]))

    def _periodindex(self, d):
        return pd.PeriodIndex.from_ordinals(
            self.array(d["ref"]).astype(np.int64), freq=str(d["freq"]), name=self.decode(d["name"])
        )

    def _datetimeindex(self, d):
        unit = str(d["unit"])
        if unit not in ("s", "ms", "us", "ns"):
            raise UnsafeFileError(f"Unknown datetime unit {unit!r} in the file.")
        values = self.array(d["ref"]).astype(np.int64).view(f"M8[{unit}]")
        index = pd.DatetimeIndex(values, name=self.decode(d["name"]))
        if d["tz"] is not None:
            index = index.tz_localize("UTC").tz_convert(str(d["tz"]))
        if d["freq"] is not None:
            index.freq = str(d["freq"])
        return index

    def _index(self, d):
        return pd.Index(self.decode(d["v"]), name=self.decode(d["name"]))

    def _timestamp(self, d):
        return pd.Timestamp(str(d["v"]))

    def _period(self, d):
        return pd.Period(str(d["v"]), freq=str(d["freq"]))

    def _timedelta(self, d):
        return pd.Timedelta(int(d["v"]))

    def _offset(self, d):
        return pd.tseries.frequencies.to_offset(str(d["v"]))

    def _type(self, d):
        return _resolve_class(d["v"], instance=False)

    def _obj(self, d):
        cls = _resolve_class(d["cls"], instance=True)
        obj = cls.__new__(cls)
        self.objects.append(obj)
        state = self.decode(d["state"])
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise UnsafeFileError(f"The attributes of a {d['cls']} in the file are not a dict.")
        if self.device is not None and "device" in state and _has_param(obj, "device"):
            state["device"] = self.device
        obj.__dict__.update(state)
        _check_params(obj)
        if "net" in d:
            _check_device(obj)
            obj.__dict__["net_"] = self._net(obj, d["net"])
        return obj

    def _shared(self, d):
        number = d["v"]
        if not isinstance(number, int) or not 0 <= number < len(self.objects):
            raise UnsafeFileError(f"The file refers to an object {number!r} it does not hold.")
        return self.objects[number]

    def _net(self, estimator, d):
        """The estimator's net, rebuilt as its own fit builds it, with the saved weights."""
        import torch

        build = estimator._build_net
        seed = int(estimator.__dict__.get("_seed", 0))
        net = build(seed) if inspect.signature(build).parameters else build()
        net = estimator._initialize_net(net, seed)
        if _class_name(type(net.module_)) != d["module_class"]:
            raise ValueError(
                f"The file holds a {d['module_class']} network, but this skrnn builds a "
                f"{_class_name(type(net.module_))} for {type(estimator).__name__}."
            )
        weights = {k: torch.from_numpy(self.array(v["ref"]).copy()) for k, v in d["module"].items()}
        net.module_.load_state_dict(weights, strict=True)
        net.optimizer_.load_state_dict(self.decode(d["optimizer"]))
        net.history.clear()
        net.history.extend(self.decode(d["history"]))
        return net


def _dtype(text, kinds: str) -> str:
    """A NumPy dtype string from the file, refused unless of the expected kinds."""
    dtype = np.dtype(str(text)) if re.match(r"^[<>|=]?[a-zA-Z]\w*(\[\w+\])?$", str(text)) else None
    if dtype is None or dtype.kind not in kinds or dtype.hasobject and "O" not in kinds:
        raise UnsafeFileError(f"Unexpected dtype {text!r} in the file.")
    return str(text)


def _object_items(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _has_param(obj, name: str) -> bool:
    """Whether ``obj``'s class takes the parameter ``name`` (a scikit-learn estimator, or
    an sktime one such as :class:`~skrnn.RNNForecaster`)."""
    from sklearn.base import BaseEstimator

    if isinstance(obj, BaseEstimator):
        return name in type(obj)._get_param_names()
    if not type(obj).__module__.startswith(("sktime.", "skrnn.")):
        return False  # not an sktime object: sktime need not be imported
    from sktime.base import BaseObject

    return isinstance(obj, BaseObject) and name in type(obj).get_param_names()


def _check_device(estimator) -> None:
    """A network saved on a device this machine lacks (a GPU) is an error naming
    ``load``'s ``device``, before anything is built there."""
    from ..neural_network._base import resolve_device

    try:
        resolve_device(estimator.device)
    except ValueError as exc:
        raise ValueError(
            f"the file's {type(estimator).__name__} was fitted with "
            f"device={estimator.device!r}, which this machine cannot use ({exc}). Load it "
            "onto another device with skrnn.load(path, device='cpu')."
        ) from None


def _check_params(obj) -> None:
    """An estimator from a file that lacks one of its class's parameters (a file of an
    older version, from before the parameter existed) is an error, not a default."""
    from sklearn.base import BaseEstimator

    if not isinstance(obj, BaseEstimator):
        return
    missing = [name for name in obj._get_param_names() if name not in obj.__dict__]
    if missing:
        raise ValueError(
            f"{type(obj).__name__} in this version has the parameter(s) {missing}, which "
            "the file does not hold."
        )


def _digest(header: str, tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(header.encode())
    for key in sorted(tensors):
        arr = np.ascontiguousarray(tensors[key])
        h.update(f"{key}|{arr.dtype.str}|{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _safetensors():
    """The safetensors package, or an ImportError saying how to install it."""
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "skrnn.save and skrnn.load need the safetensors package: "
            'pip install "skrnn[save]" (or pip install safetensors).'
        ) from None
    return safetensors


def _write(path, state: dict, tensors: dict, versions: dict) -> None:
    save_file = _safetensors().numpy.save_file

    header = json.dumps({"format": FORMAT, "versions": versions, "model": state})
    metadata = {"skrnn": header, "sha256": _digest(header, tensors)}
    save_file(tensors, os.fspath(path), metadata=metadata)


def save(model, path) -> None:
    """Save a fitted (or unfitted) model to ``path`` as data: safetensors and JSON.

    Works for every skrnn estimator and transformer, ``RNNForecaster``, and
    scikit-learn ``Pipeline`` s and estimators holding them. Nothing in the file is code:
    :func:`load` rebuilds the model without ``pickle``. Parameters that are code (a
    callable ``tokenizer``, a custom callback holding functions) cannot be saved and raise
    a ``TypeError`` naming them.

    Parameters
    ----------
    model : estimator
        The model to save.
    path : str or path-like
        The file to write (conventionally ``*.skrnn``); overwritten if it exists.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> import skrnn
    >>> X = np.random.RandomState(0).rand(16, 4)
    >>> reg = skrnn.RNNRegressor(units=4, epochs=2, random_state=0).fit(X, X.sum(axis=1))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skrnn")
    >>> skrnn.save(reg, path)
    >>> (skrnn.load(path).predict(X) == reg.predict(X)).all()
    np.True_
    """
    encoder = _Encoder()
    state = encoder.encode(model, type(model).__name__)
    _write(path, state, encoder.tensors, _versions())


def load(path, *, device: str | None = None):
    """Load a model written by :func:`save`, without running code from the file.

    The file's checksum must match (a changed file is refused) and every class it names
    must be an estimator of scikit-learn, sktime, skorch (callbacks) or skrnn. A file
    written by another skrnn or torch version loads when its contents still fit;
    otherwise the error names both versions.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    device : str or None, default=None
        The device of every network in the model (``"cpu"``, ``"cuda"``...), which
        becomes each estimator's ``device`` parameter: a model fitted on a GPU loads onto
        a machine without one with ``device="cpu"``. ``None`` keeps the devices it was
        saved with, and a device this machine cannot use is a ``ValueError`` naming this
        parameter.

    Returns
    -------
    model : estimator
        The model, predicting exactly as the saved one did.

    Raises
    ------
    UnsafeFileError
        The file is not a skrnn model file, was changed after it was written, or names a
        type outside the trusted packages.
    ValueError
        The file's model does not fit this skrnn version (the message names both).
    """
    if device is not None:
        from ..neural_network._base import resolve_device

        if not isinstance(device, str):
            raise TypeError(f"device must be a str such as 'cpu' or None, got {device!r}.")
        resolve_device(device)
    SafetensorError = _safetensors().SafetensorError
    load_tensors = _safetensors().numpy.load

    with open(path, "rb") as f:
        raw = f.read()
    try:
        tensors = load_tensors(raw)
        header_len = int.from_bytes(raw[:8], "little")
        metadata = json.loads(raw[8 : 8 + header_len]).get("__metadata__") or {}
    except (SafetensorError, ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise UnsafeFileError(
            f"{os.fspath(path)!r} is not a skrnn model file (a safetensors file written by "
            f"skrnn.save): {exc}. It was not loaded. Pickle and joblib files are not read "
            "by skrnn.load: they run code when loaded."
        ) from None
    header = metadata.get("skrnn")
    if header is None:
        raise UnsafeFileError(f"{os.fspath(path)!r} is a safetensors file without a skrnn model.")
    if metadata.get("sha256") != _digest(header, tensors):
        raise UnsafeFileError(
            f"{os.fspath(path)!r} was changed after skrnn.save wrote it (its checksum does "
            "not match); refused."
        )
    content = json.loads(header)
    saved, current = content.get("versions", {}), _versions()
    written_by = (
        f"written by skrnn {saved.get('skrnn')} with torch {saved.get('torch')}; this is "
        f"skrnn {current['skrnn']} with torch {current['torch']}"
    )
    if content.get("format") not in READABLE_FORMATS:
        raise ValueError(
            f"{os.fspath(path)!r} has the format {content.get('format')!r}, which this skrnn "
            f"does not read ({FORMAT!r}); it was {written_by}."
        )
    try:
        return _Decoder(tensors, device).decode(content["model"])
    except UnsafeFileError:
        raise
    except Exception as exc:
        raise ValueError(f"Cannot load {os.fspath(path)!r} ({written_by}): {exc}") from exc
