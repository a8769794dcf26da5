"""Data-parallel training over an initialised torch.distributed process group: which windows
each rank trains on, the sums all ranks share, and the checks that the ranks agree.

The torch layer's side of distributed training, used by _training and _base; imports torch and
numpy only. The public launcher and helpers are in tsforecast/distributed.py.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

_LOCAL_FITS = {"depth": 0}  # > 0 inside local_fits(): process-wide, so it reaches worker threads
_LOCAL_LOCK = threading.Lock()


def active() -> bool:
    """True when a process group of two or more processes is initialised and fits may use it."""
    if _LOCAL_FITS["depth"] > 0:
        return False
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


@contextlib.contextmanager
def local_fits() -> Iterator[None]:
    """Inside this block every fit in this process trains alone, even in a process group."""
    with _LOCAL_LOCK:
        _LOCAL_FITS["depth"] += 1
    try:
        yield
    finally:
        with _LOCAL_LOCK:
            _LOCAL_FITS["depth"] -= 1


def all_gather(value) -> list:
    """Every rank's ``value`` (any picklable object), in rank order."""
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, value)
    return gathered


def all_lengths(lengths: np.ndarray) -> np.ndarray:
    """The series lengths of every rank, in rank order; this rank's own when not distributed."""
    return np.concatenate(all_gather(np.asarray(lengths))) if active() else lengths


def smallest(value: int) -> int:
    """The smallest of every rank's ``value``; this rank's own when not distributed."""
    return min(all_gather(value)) if active() else value


def all_rows(values: np.ndarray | None) -> np.ndarray | None:
    """The rows of ``values`` (n, C) of every rank stacked in rank order (e.g. static
    covariates, whose scaler is fitted across series); ``values`` when not distributed."""
    if values is None or not active():
        return values
    return np.concatenate(all_gather(values))


def check_agreement(signature: dict, series_ids=None) -> None:
    """Raise on every rank when the ranks' ``signature`` dicts differ or a series id is on two
    ranks; one all_gather of small objects."""
    mine = {key: repr(value) for key, value in signature.items()}
    ids = None if series_ids is None else list(series_ids)
    gathered = all_gather((mine, ids))
    for rank, (theirs, _) in enumerate(gathered[1:], start=1):
        first = gathered[0][0]
        differ = sorted(k for k in first.keys() | theirs.keys() if first.get(k) != theirs.get(k))
        if differ:
            details = "; ".join(
                f"{k}: rank 0 has {first.get(k)}, rank {rank} has {theirs.get(k)}" for k in differ
            )
            raise ValueError(
                f"Distributed fit: the ranks disagree on {differ} ({details}). Every rank must "
                f"build the same estimator (same parameters) and pass data of the same layout "
                f"(same columns, window, horizon and season); only the series differ. Pass an "
                f"explicit window and the same frequency on every rank."
            )
    owner = {}
    for rank, (_, rank_ids) in enumerate(gathered):
        for series in rank_ids or ():
            if series in owner:
                raise ValueError(
                    f"Distributed fit: series {series!r} is on rank {owner[series]} and on rank "
                    f"{rank}. Each rank must pass its own part of the panel (split it by series, "
                    f"e.g. with tsforecast.distributed.shard_series)."
                )
            owner[series] = rank


class Shard:
    """This rank's part of a data-parallel fit over all ranks' windows.

    The global training windows are every rank's ``train_idx`` concatenated in rank order. Each
    epoch draws one permutation of them from the shared generator (the same draws on every
    rank, and the same as a single process fitting the concatenated panel); every global batch
    of ``batch_size`` windows is split by owner, each rank computing the loss of its own
    windows, weighted so that DDP's averaged gradient is that of the global batch's mean loss.
    """

    def __init__(self, train_idx: torch.Tensor, val_idx: torch.Tensor | None):
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.device = train_idx.device
        nccl = dist.get_backend() == "nccl"
        self.comm = torch.device("cuda", torch.cuda.current_device()) if nccl else torch.device(
            "cpu")
        n_val = 0 if val_idx is None else len(val_idx)
        counts = torch.tensor([len(train_idx), n_val], dtype=torch.int64, device=self.comm)
        table = [torch.zeros_like(counts) for _ in range(self.world)]
        dist.all_gather(table, counts)
        table = torch.stack(table).cpu()  # (world, 2): training and validation windows
        if int(table[:, 0].min()) == 0:
            empty = [r for r in range(self.world) if int(table[r, 0]) == 0]
            raise ValueError(
                f"Distributed fit: rank(s) {empty} have no training window; every rank needs at "
                f"least one (give each rank series of at least window + horizon rows)."
            )
        self.offset = int(table[: self.rank, 0].sum())
        self.n_local, self.n_train = len(train_idx), int(table[:, 0].sum())
        self.n_val = int(table[:, 1].sum())
        empty_val = torch.zeros(0, dtype=train_idx.dtype, device=self.device)
        # None when no rank validates; an empty tensor on a rank without validation windows
        self.val_idx = None if self.n_val == 0 else (empty_val if val_idx is None else val_idx)

    def wrap(self, module: torch.nn.Module) -> DistributedDataParallel:
        """``module`` in DDP: gradients averaged across ranks during backward."""
        if self.device.type == "cuda":
            index = self.device.index if self.device.index is not None else (
                torch.cuda.current_device())
            return DistributedDataParallel(module, device_ids=[index])
        return DistributedDataParallel(module)

    def steps(self, train_idx: torch.Tensor, batch_size: int, generator: torch.Generator):
        """``(windows, loss weight, n windows)`` of this rank for every global batch.

        A rank that owns no window of a batch still runs one forward and backward pass (one
        window, weight 0) so that DDP's all-reduce sees every rank at every step.
        """
        perm = torch.randperm(self.n_train, generator=generator)  # same on every rank
        local = perm - self.offset
        positions = torch.nonzero((local >= 0) & (local < self.n_local)).flatten()
        n_batches = -(-self.n_train // batch_size)
        counts = torch.bincount(positions // batch_size, minlength=n_batches).tolist()
        sizes = [min(batch_size, self.n_train - k * batch_size) for k in range(n_batches)]
        mine = train_idx[local[positions].to(self.device)]
        for idx, count, size in zip(torch.split(mine, counts), counts, sizes):
            if count == 0:
                yield train_idx[:1], 0.0, 0
            else:
                yield idx, self.world * count / size, count

    def mean(self, total: torch.Tensor, count: int) -> float:
        """Sum of ``total`` (a scalar) over all ranks divided by the sum of ``count``."""
        both = torch.stack([total.detach().to(torch.float64).cpu(), torch.tensor(count * 1.0,
                            dtype=torch.float64)]).to(self.comm)
        dist.all_reduce(both)  # (sum of losses, number of windows)
        return (both[0] / both[1]).item()
