"""Batches of in-memory data through PyTorch's data protocols.

skorch's default iterator is a ``torch.utils.data.DataLoader`` over a
``skorch.dataset.Dataset``: every batch is built sample by sample (``__getitem__`` per
row, then ``default_collate`` stacks the rows). For small batches that per-sample
Python work costs more than the recurrent network itself (profiled in
``docs/benchmarks.md``). PyTorch's way around it is a dataset indexed by batch and a
sampler that yields whole batches of indices, read with ``batch_size=None`` (no
per-sample fetching, no collation): :class:`TensorBatches` is that dataset (rows sliced
from tensors converted once, ``index_select`` on a permutation when shuffling) and
:class:`Batches` that sampler. :func:`batch_loader`, the skrnn nets'
``iterator_train``/``iterator_valid`` (skorch's public iterator parameters), reads them
with :class:`BatchLoader`, the batches of ``DataLoader(dataset, batch_size=None,
sampler=sampler)`` without its per-batch overhead (the one piece kept for speed;
:meth:`BatchLoader.dataloader` gives the ``DataLoader``), for data
:func:`dataset_tensors` can slice, and returns skorch's per-sample ``DataLoader`` for
anything else (a custom ``Dataset``, DataFrames, sparse matrices, ``DataLoader``-only
options).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import numpy as np
import torch
from skorch.dataset import Dataset as SkorchDataset
from torch.utils.data import DataLoader, Sampler, Subset
from torch.utils.data import Dataset as TorchDataset

from .._torch.random import current_generator

__all__ = [
    "ArrayRows",
    "BatchLoader",
    "Batches",
    "TensorBatches",
    "as_batch_tensors",
    "batch_loader",
    "dataset_tensors",
    "shard",
]


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


def shard(rows: torch.Tensor, rank: int, world: int) -> torch.Tensor:
    """This process's part of the global batch ``rows``: every ``world``-th row from
    ``rank``; a batch with fewer rows than processes repeats rows, so that every process
    takes part in every step (DDP needs all of them in each backward pass).

    Examples
    --------
    >>> shard(torch.arange(5), 1, 2).tolist(), shard(torch.arange(1), 1, 2).tolist()
    ([1, 3], [0])
    """
    take = torch.arange(rank, max(len(rows), world), world) % len(rows)
    return rows[take]


class Batches(Sampler):
    """Sampler of whole batches: the row indices of each batch of one pass, a slice of
    the rows in order, or a slice of one ``torch.randperm`` per pass when shuffling.

    The batches of ``DataLoader(batch_size=batch_size, shuffle=shuffle,
    drop_last=drop_last)``, with the permutation drawn differently: one
    ``torch.randperm(n, generator=generator)`` per pass and nothing else (torch's
    ``RandomSampler`` draws a second permutation per pass, and ``DataLoader`` a seed per
    pass from its own generator), so that a fit's generator gives the same batches as a
    hand-written loop slicing ``randperm`` (``benchmarks/raw.py``).

    Parameters
    ----------
    n : int
        Rows of the data.
    batch_size : int, default=1
    shuffle : bool, default=False
        Draw a new ``torch.randperm`` from ``generator`` on every pass.
    drop_last : bool, default=False
    generator : torch.Generator or None, default=None
        ``None``: the generator of the skrnn fit running in this thread
        (:func:`skrnn._torch.random.current_generator`), else torch's global RNG.
    equal_batches : bool, default=False
        Split each pass into the same number of batches, ``ceil(n / batch_size)``, of
        equal sizes (within one) instead of full batches and a remainder, which can be a
        single sample (its batch statistics are noise to batch normalisation);
        ``drop_last`` then drops nothing.

    Attributes
    ----------
    shard : tuple of int or None
        ``(rank, world)``: yield only this process's part of every batch
        (:func:`shard`; set by ``distributed=True`` nets,
        :class:`skrnn._training.distributed.DataParallelMixin`).

    Examples
    --------
    >>> list(Batches(10, batch_size=4))
    [slice(0, 4, None), slice(4, 8, None), slice(8, 10, None)]
    >>> [(rows.start, rows.stop) for rows in Batches(10, batch_size=4, equal_batches=True)]
    [(0, 3), (3, 6), (6, 10)]
    >>> rows = list(Batches(10, 4, shuffle=True, generator=torch.Generator().manual_seed(0)))
    >>> torch.equal(torch.cat(rows), torch.randperm(10, generator=torch.Generator().manual_seed(0)))
    True
    """

    def __init__(
        self,
        n,
        batch_size=1,
        shuffle=False,
        drop_last=False,
        generator=None,
        equal_batches=False,
    ):
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.equal_batches = bool(equal_batches)
        self.drop_last = bool(drop_last) and not self.equal_batches
        self.generator = current_generator() if generator is None else generator
        self.shard = None

    def __len__(self) -> int:
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        n, bs = self.n, self.batch_size
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
            yield index


class TensorBatches(TorchDataset):
    """A dataset indexed by batch: ``dataset[index]``, with ``index`` a slice or a
    LongTensor of rows (what :class:`Batches` yields), is the batch ``(X, y)`` of those
    rows, with the dtypes and shapes of skorch's ``Dataset`` + ``default_collate``.

    Parameters
    ----------
    X : tensor or ArrayRows, or dict/list/tuple of them
        Inputs, for example ``{"X": padded, "lengths": lengths}``, all of one length.
    y : tensor, ArrayRows or None
        Targets; ``None`` gives a zero per sample, as skorch's ``Dataset`` does.

    Examples
    --------
    >>> data = TensorBatches(torch.arange(10.0)[:, None], torch.arange(10))
    >>> len(data), data[slice(2, 4)][1].tolist(), data[torch.tensor([7, 1])][1].tolist()
    (10, [2, 3], [7, 1])
    """

    def __init__(self, X, y=None):
        self.X, self.y = X, y
        self._n = _length(X)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        Xb = _take(self.X, index)
        # skorch's Dataset stands in a zero per sample for a missing target
        yb = torch.zeros(_length(Xb), 1) if self.y is None else _take(self.y, index)
        return Xb, yb


def _batch_as_is(batch):
    """``collate_fn`` of a batch-indexed dataset: its item is already the batch (a
    module-level function, so that loaders and the nets holding them pickle)."""
    return batch


def _pin(data):
    if isinstance(data, Mapping):
        return {k: _pin(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_pin(v) for v in data)
    return data.pin_memory()


class BatchLoader:
    """The batches of a dataset indexed by batch, in the order of a sampler of batches:
    what ``DataLoader(dataset, batch_size=None, sampler=sampler)`` yields (with a
    ``collate_fn`` that leaves each batch as it is), iterated directly.

    This loop is the one piece of skrnn's batching that is not PyTorch's own, kept for
    speed: ``DataLoader``'s single-process iterator costs about 20 µs per batch alone
    (a profiler ``record_function`` around every ``__next__``, the fetcher and
    ``collate_fn`` calls), and made the per-epoch ratios of the W1 and W2 benchmarks
    (batches of 1 and 32) 3-12% worse than this loop (docs/benchmarks.md, "Batching
    through PyTorch's data API"; docs/upstream.md proposes a cheaper path to PyTorch).
    :meth:`dataloader` gives the equivalent ``DataLoader`` for tools that need one.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        Indexed by what ``sampler`` yields; :class:`TensorBatches` here.
    sampler : torch.utils.data.Sampler
        Yields the index of each batch; :class:`Batches` here.
    pin_memory : bool, default=False
        Pin every batch (page-locked memory for faster copies to a GPU).

    Examples
    --------
    >>> loader = BatchLoader(TensorBatches(torch.arange(5.0), torch.arange(5)), Batches(5, 2))
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])
    >>> [yb.tolist() for _, yb in loader.dataloader()]
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset, sampler, pin_memory=False):
        self.dataset = dataset
        self.sampler = sampler
        self.pin_memory = pin_memory

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self):
        dataset, pin = self.dataset, self.pin_memory
        for index in self.sampler:
            batch = dataset[index]
            yield _pin(batch) if pin else batch

    def dataloader(self) -> DataLoader:
        """The same batches through ``torch.utils.data.DataLoader`` (``batch_size=None``).

        Its own generator only seeds worker processes (none here), but it draws from it
        once per pass: a fresh one keeps those draws off the fit's and the global RNG.
        """
        return DataLoader(
            self.dataset,
            batch_size=None,
            sampler=self.sampler,
            collate_fn=_batch_as_is,
            pin_memory=self.pin_memory,
            generator=torch.Generator(),
        )


def batch_loader(
    dataset,
    batch_size=1,
    shuffle=False,
    drop_last=False,
    generator=None,
    equal_batches=False,
    **kwargs,
) -> BatchLoader | DataLoader:
    """The batch iterator of a skrnn net: whole batches of :class:`TensorBatches` drawn
    by :class:`Batches` (a :class:`BatchLoader`) when :func:`dataset_tensors` can slice
    ``dataset``, else skorch's ``DataLoader(dataset, ...)`` (without ``equal_batches``,
    which needs the batch sampler).

    skorch calls it as its ``iterator_train``/``iterator_valid``, with the net's
    ``iterator_train__*``/``iterator_valid__*`` options and ``batch_size``. Options that
    only a per-sample ``DataLoader`` implements (``num_workers``, ``collate_fn``,
    ``sampler``, ...) select skorch's way; ``pin_memory`` works with both.

    Examples
    --------
    >>> from skorch.dataset import Dataset
    >>> loader = batch_loader(Dataset(np.zeros((10, 2), np.float32), np.arange(10)), 4)
    >>> type(loader.dataset).__name__, [yb.tolist() for _, yb in loader]
    ('TensorBatches', [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    >>> type(batch_loader(Dataset(np.zeros((10, 2)), None), 4, num_workers=0)).__name__
    'DataLoader'
    """
    data = dataset_tensors(dataset) if set(kwargs) <= {"pin_memory"} else None
    if data is None:
        return DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=shuffle,
            drop_last=drop_last,
            generator=generator,
            **kwargs,
        )
    sampler = Batches(len(dataset), batch_size, shuffle, drop_last, generator, equal_batches)
    pin_memory = bool(kwargs.get("pin_memory")) and torch.cuda.is_available()
    return BatchLoader(TensorBatches(*data), sampler, pin_memory=pin_memory)
