"""Fast data path: mini-batches sliced from tensors already in memory.

skorch's default iterator is a ``torch.utils.data.DataLoader`` over a
``skorch.dataset.Dataset``: every batch is built sample by sample (``__getitem__`` per
row, then ``default_collate`` stacks the rows). For small batches that per-sample
Python work costs more than the recurrent network itself (profiled in
``docs/benchmarks.md``). :class:`SliceIterator` yields the same batches by slicing
tensors converted once (``index_select`` on a permutation when shuffling), which is
what a hand-written PyTorch loop does; :func:`dataset_tensors` gives those tensors, or
``None`` for what it cannot slice (a custom ``Dataset``, DataFrames, sparse matrices).
The skrnn nets choose between it and skorch's ``DataLoader`` in their public
``get_iterator`` hook (:class:`skrnn._training.nets.FastPathMixin`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import numpy as np
import torch
from skorch.dataset import Dataset as SkorchDataset
from torch.utils.data import Subset

from .._torch.random import current_generator
from .distributed import shard

__all__ = [
    "SLICED_OPTIONS",
    "SLICE_ONLY_OPTIONS",
    "ArrayRows",
    "SliceIterator",
    "as_batch_tensors",
    "dataset_tensors",
]

#: DataLoader options that SliceIterator implements itself; any other one (num_workers,
#: collate_fn, sampler, ...) needs a real DataLoader.
SLICED_OPTIONS = frozenset(
    {"batch_size", "shuffle", "drop_last", "generator", "pin_memory", "equal_batches"}
)
#: SliceIterator's own options, which a DataLoader does not take.
SLICE_ONLY_OPTIONS = frozenset({"equal_batches"})


class ArrayRows:
    """Rows of a NumPy array that a tensor cannot share, copied one batch at a time.

    A read-only array (``torch.as_tensor`` would warn, and writing through it is not
    allowed) or a strided view that is not contiguous, such as the windows of
    :class:`skrnn.SlidingWindowTransformer` (``(n, time_steps, f)`` rows over one copy of
    the series): converting it whole would copy ``time_steps`` times the series. Only
    the rows of a batch are copied, with the array's dtype.

    Examples
    --------
    >>> windows = np.lib.stride_tricks.sliding_window_view(np.arange(6.0), 3)
    >>> rows = ArrayRows(windows)
    >>> len(rows), rows.take(slice(1, 3)).tolist()
    (4, [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    >>> rows.subset(np.array([3, 0])).take(torch.tensor([1])).tolist()
    [[0.0, 1.0, 2.0]]
    """

    def __init__(self, array: np.ndarray, rows: np.ndarray | None = None):
        self.array = array
        self.rows = rows

    def __len__(self) -> int:
        return len(self.array) if self.rows is None else len(self.rows)

    def subset(self, indices) -> ArrayRows:
        """These rows at ``indices`` (no copy of the array)."""
        indices = np.asarray(indices, dtype=np.intp)
        return ArrayRows(self.array, indices if self.rows is None else self.rows[indices])

    def take(self, index) -> torch.Tensor:
        """Rows ``index`` (a slice or a LongTensor) as a new contiguous tensor."""
        if not isinstance(index, slice):
            index = index.numpy()
        rows = index if self.rows is None else self.rows[index]
        batch = np.ascontiguousarray(self.array[rows])
        if not batch.flags.writeable:  # a slice of a read-only array: copy, as torch asks
            batch = batch.copy()
        return torch.from_numpy(batch)


def _leaf_tensor(a):
    """One array as a tensor sharing its memory where possible, an :class:`ArrayRows`
    for arrays it cannot share (copied per batch), or ``None``."""
    if isinstance(a, (torch.Tensor, ArrayRows)):  # ArrayRows: already copied per batch
        return a
    if isinstance(a, np.ndarray):
        if a.dtype == object or a.ndim == 0:
            return None
        if not a.flags.writeable or not a.flags.c_contiguous:
            return ArrayRows(a)
        return torch.as_tensor(a)
    return None


def as_batch_tensors(data):
    """``data`` (array, tensor, or a dict/list/tuple of them) as tensors (or
    :class:`ArrayRows`), else ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> out = as_batch_tensors({"X": np.zeros((3, 2), np.float32), "lengths": np.arange(3)})
    >>> {k: (v.dtype, tuple(v.shape)) for k, v in out.items()}
    {'X': (torch.float32, (3, 2)), 'lengths': (torch.int64, (3,))}
    >>> as_batch_tensors(["not", "an", "array"]) is None
    True
    """
    if isinstance(data, Mapping):
        out = {k: as_batch_tensors(v) for k, v in data.items()}
        return None if any(v is None for v in out.values()) else out
    if isinstance(data, (list, tuple)):
        if not data or not all(isinstance(v, (np.ndarray, torch.Tensor)) for v in data):
            return None
        out = [_leaf_tensor(v) for v in data]
        return None if any(v is None for v in out) else type(data)(out)
    return _leaf_tensor(data)


def _length(data) -> int:
    if isinstance(data, Mapping):
        return len(next(iter(data.values())))
    if isinstance(data, (list, tuple)):
        return len(data[0])
    return len(data)


def _take(data, index, *, lazy: bool = False):
    """Rows ``index`` (a slice or a LongTensor) of every tensor in ``data``. With
    ``lazy`` (a subset kept for later batches), :class:`ArrayRows` stay uncopied."""
    if isinstance(data, Mapping):
        return {k: _take(v, index, lazy=lazy) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_take(v, index, lazy=lazy) for v in data)
    if isinstance(data, ArrayRows):
        return data.subset(index.numpy()) if lazy else data.take(index)
    if isinstance(index, slice):
        return data[index]
    return data.index_select(0, index)


def _lengths_agree(X, y) -> bool:
    n = _length(X)
    parts = (
        list(X.values()) if isinstance(X, Mapping) else X if isinstance(X, (list, tuple)) else [X]
    )
    if y is not None:
        parts.append(y)
    return all(len(p) == n for p in parts) and n > 0


def dataset_tensors(dataset):
    """``(X, y)`` tensors of a skorch ``Dataset`` over arrays, tensors or dicts/lists of
    them (or of a ``Subset`` of one: skorch's validation split), else ``None``.

    ``y`` is ``None`` when the dataset has no target.

    Examples
    --------
    >>> from skorch.dataset import Dataset
    >>> X, y = dataset_tensors(Dataset(np.zeros((3, 2), np.float32), np.arange(3)))
    >>> tuple(X.shape), y.tolist()
    ((3, 2), [0, 1, 2])
    >>> import pandas as pd
    >>> dataset_tensors(Dataset(pd.DataFrame({"a": [1.0]}), None)) is None
    True
    """
    indices = None
    if type(dataset) is Subset:
        indices = np.asarray(dataset.indices)
        dataset = dataset.dataset
    # only skorch's own Dataset (or subclasses that keep its item logic) is sliced:
    # a subclass overriding __getitem__/transform defines its own items
    if not isinstance(dataset, SkorchDataset):
        return None
    cls = type(dataset)
    if cls.__getitem__ is not SkorchDataset.__getitem__:
        return None
    if cls.transform is not SkorchDataset.transform:
        return None
    X = as_batch_tensors(dataset.X)
    if X is None:
        return None
    y = None
    if dataset.y is not None:
        y = as_batch_tensors(dataset.y)
        if y is None or not isinstance(y, (torch.Tensor, ArrayRows)):
            return None
    if not _lengths_agree(X, y):
        return None
    if indices is not None:
        index = torch.as_tensor(indices, dtype=torch.int64)
        X = _take(X, index, lazy=True)
        y = None if y is None else _take(y, index, lazy=True)
    return X, y


class SliceIterator:
    """Mini-batches of in-memory tensors by slicing: the batches of skorch's
    ``DataLoader`` + ``default_collate`` over the same data (same dtypes and shapes).

    Parameters
    ----------
    X : tensor or ArrayRows, or dict/list/tuple of them
        Inputs, for example ``{"X": padded, "lengths": lengths}``, all of one length.
    y : tensor, ArrayRows or None
        Targets; ``None`` gives a zero per sample, as skorch's ``Dataset`` does.
    batch_size : int, default=1
    shuffle : bool, default=False
        Draw a new ``torch.randperm`` from ``generator`` on every pass.
    drop_last : bool, default=False
    generator : torch.Generator or None, default=None
        ``None``: the generator of the skrnn fit running in this thread
        (:func:`skrnn._torch.random.current_generator`), else torch's global RNG.
    pin_memory : bool, default=False
        Pin the batches when ``True`` and CUDA exists.
    equal_batches : bool, default=False
        Split each pass into the same number of batches, ``ceil(n / batch_size)``, of
        equal sizes (within one) instead of full batches and a remainder, which can be a
        single sample (its batch statistics are noise to batch normalisation);
        ``drop_last`` then drops nothing.

    Examples
    --------
    >>> X = torch.arange(10, dtype=torch.float32)[:, None]
    >>> [tuple(yb.tolist()) for _, yb in SliceIterator(X, torch.arange(10), batch_size=4)]
    [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9)]
    >>> it = SliceIterator(X, torch.arange(10), batch_size=4, equal_batches=True)
    >>> [tuple(yb.tolist()) for _, yb in it]
    [(0, 1, 2), (3, 4, 5), (6, 7, 8, 9)]
    """

    def __init__(
        self,
        X,
        y=None,
        batch_size=1,
        shuffle=False,
        drop_last=False,
        generator=None,
        pin_memory=False,
        equal_batches=False,
    ):
        self._X, self._y = X, y
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.equal_batches = bool(equal_batches)
        self.drop_last = bool(drop_last) and not self.equal_batches
        self.generator = current_generator() if generator is None else generator
        self.pin_memory = bool(pin_memory) and torch.cuda.is_available()
        #: ``(rank, world)``: yield only this process's part of every batch
        #: (:func:`skrnn._training.distributed.shard`; set by ``distributed=True`` nets)
        self.shard = None
        self._n = _length(X)

    def __len__(self) -> int:
        if self.drop_last:
            return self._n // self.batch_size
        return math.ceil(self._n / self.batch_size)

    def __iter__(self):
        n, bs, X, y = self._n, self.batch_size, self._X, self._y
        if self.equal_batches and n:
            count = len(self)
            bounds = [i * n // count for i in range(count + 1)]
        else:  # full batches, then the remainder (dropped with drop_last)
            bounds = [*range(0, n, bs), n]
        perm = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for start, end in itertools.pairwise(bounds):
            if self.drop_last and end - start < bs:
                break
            index = slice(start, end) if perm is None else perm[start:end]
            if self.shard is not None and self.shard[1] > 1:
                rows = torch.arange(start, end) if perm is None else index
                index = shard(rows, *self.shard)
            Xb = _take(X, index)
            # skorch's Dataset stands in a zero per sample for a missing target
            yb = torch.zeros(_length(Xb), 1) if y is None else _take(y, index)
            if self.pin_memory:
                Xb, yb = _pin(Xb), _pin(yb)
            yield Xb, yb


def _pin(data):
    if isinstance(data, Mapping):
        return {k: _pin(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_pin(v) for v in data)
    return data.pin_memory()
