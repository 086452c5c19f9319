"""Data-parallel training with PyTorch's ``DistributedDataParallel`` (DDP).

With ``distributed=True`` an RNN estimator's fit runs in every process of a
``torch.distributed`` process group (started by ``torchrun``; one process per GPU, or
several on a CPU with the gloo backend). Every process holds the whole data set; each
global batch of ``batch_size`` sequences, drawn from one permutation shared by all
processes, is split between them (as Accelerate's ``split_batches=True``), DDP averages
the gradients, and every process ends with the same model, equal to the single-process
fit up to the order of floating-point sums. ``batch_size`` therefore keeps its meaning.

Why DDP and not skorch's ``AccelerateMixin``: DDP is PyTorch's documented public
route and the engine underneath Accelerate; using it directly needs only a wrapper
around the module for the duration of training and a shard of each batch, which the
nets' batch sampler yields (:class:`skrnn._training.data.Batches`, its ``shard``).
skorch's ``AccelerateMixin`` would also re-shard the iterators by Accelerate's rules,
gather the outputs of every evaluation step across processes, and wrap the criterion,
module and optimizer from initialisation on (docs/upstream.md, with what skorch would
need).
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from .._torch.random import current_generator, make_generator, use_generator
from .data import Batches

__all__ = ["DataParallelMixin", "broadcast_seed", "check_distributed"]


def check_distributed(device: str) -> None:
    """Make sure a process group exists for ``distributed=True``: join the one that
    ``torchrun`` describes in the environment (NCCL on CUDA, gloo on the CPU), or raise
    a ``ValueError`` that says how to start one."""
    if not dist.is_available():
        raise ValueError("distributed=True needs a PyTorch build with torch.distributed.")
    if dist.is_initialized():
        return
    if "WORLD_SIZE" not in os.environ or "MASTER_ADDR" not in os.environ:
        raise ValueError(
            "distributed=True trains across the processes of a torch.distributed process "
            "group, and this process has none: launch the script with torchrun (for example "
            "`torchrun --nproc_per_node 2 train.py`), or call "
            "torch.distributed.init_process_group() before fit; or set distributed=False."
        )
    cuda = torch.device(device).type == "cuda"
    if cuda and "LOCAL_RANK" in os.environ:
        torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    dist.init_process_group("nccl" if cuda else "gloo")


def broadcast_seed(seed: int) -> int:
    """Process 0's ``seed`` in every process (``random_state=None`` draws differ)."""
    box = [int(seed)]
    dist.broadcast_object_list(box, src=0)
    return int(box[0])


class DataParallelMixin:
    """skorch net mixin: ``distributed=True`` trains through ``DistributedDataParallel``.

    During ``partial_fit`` (skrnn's training call) ``module_`` is the DDP wrapper, as
    skorch's own ``AccelerateMixin`` does, so callbacks (early stopping's best weights)
    see one module throughout; afterwards it is the plain module again (pickling,
    prediction and ``module_`` of the estimator are unchanged). Training batches are
    sharded (``get_iterator`` gives the batch sampler this process's shard); validation
    and prediction run on all data in every process, so they agree everywhere. Each
    process's loss is weighted by its share of the global batch and the loss recorded
    per batch is summed over the processes: the global batch's mean loss, the same in
    every process, so callbacks decide alike.
    """

    def __init__(self, *args, distributed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.distributed = distributed

    def _world(self) -> tuple[int, int]:
        if not (self.distributed and dist.is_available() and dist.is_initialized()):
            return 0, 1
        return dist.get_rank(), dist.get_world_size()

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        if not self.distributed:
            return super().partial_fit(X, y, classes=classes, **fit_params)
        rank, _ = self._world()
        # the fit's generator (in the same state in every process) draws the batches'
        # permutations, as in a single-process fit; dropout draws from a generator of
        # each process's own, so that the processes' shards get different masks
        generator = current_generator()
        if generator is None:  # a net used outside an skrnn estimator
            generator = make_generator(broadcast_seed(torch.randint(2**31, (1,)).item()))
        self._batch_generator = generator
        mask_generator = make_generator((generator.initial_seed() + 1) * 65_537 + rank)
        module = self.module_
        device = next(module.parameters()).device
        self.module_ = torch.nn.parallel.DistributedDataParallel(
            module,
            device_ids=[device.index] if device.type == "cuda" else None,
            broadcast_buffers=False,
        )
        # DDP waits for every parameter's gradient; a table's step without the recurrent
        # kernel (skrnn._torch.rnn.first_step) leaves the recurrent weights out of the
        # loss, so here the kernel runs
        first_step = getattr(module, "_first_step", None)
        try:
            if first_step is not None:
                module._first_step = False
            with use_generator(mask_generator):
                return super().partial_fit(X, y, classes=classes, **fit_params)
        finally:
            if first_step is not None:
                module._first_step = first_step
            self.module_ = module
            del self._batch_generator

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        rank, world = self._world()
        if training and world > 1:
            # DDP averages the processes' gradients; weighing each process's mean loss by
            # its share of the global batch makes that average the gradient of the global
            # batch's mean loss when the shards differ in size (the last batch)
            n = torch.tensor([float(len(y_true))], device=loss.device)
            total = n.clone()
            dist.all_reduce(total)
            loss = loss * (world * n / total).squeeze(0)
            self._batch_sizes = (len(y_true), int(total.item()))
        return loss

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        sizes = getattr(self, "_batch_sizes", None)
        if training and sizes is not None:
            # the epoch's train_loss weighs batches by size: the global batch's, as in
            # one process; this process's share is kept for inspection
            self.history.record_batch("train_batch_size", sizes[1])
            self.history.record_batch("train_process_batch_size", sizes[0])
            self._batch_sizes = None

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        rank, world = self._world()
        if world > 1:
            loss = step["loss"].detach().clone()
            dist.all_reduce(loss)
            step["loss"] = loss / world
        return step

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        rank, world = self._world()
        if not training or not hasattr(self, "_batch_generator"):
            return iterator
        sampler = getattr(iterator, "sampler", None)
        if not isinstance(sampler, Batches):
            raise ValueError(
                "distributed=True shards the batches of skrnn's batch sampler; "
                "iterator_train options that need a per-sample torch DataLoader "
                "(num_workers, collate_fn, sampler, ...) are not supported with it."
            )
        sampler.generator = self._batch_generator  # the same permutations everywhere
        sampler.shard = (rank, world)
        return iterator
