"""Data-parallel fits on torch.distributed: a launcher for one machine (``run``), this process's
rank and world size, ``shard_series`` to give each rank its part of a panel, and ``local_fits``.

``LSTMForecaster.fit`` trains data-parallel by itself whenever a process group of two or more
processes is initialised (by ``run``, torchrun, Ray Train, Spark's TorchDistributor, ...); see
docs/distributed.md. Imports torch, numpy and pandas only: never dask, ray or pyspark.
"""

from __future__ import annotations

import gc
import os
import pickle
import socket
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.distributed as dist

from ._distributed import active, local_fits
from ._panel import factorize_ids

__all__ = ["is_active", "local_fits", "rank", "run", "shard_series", "world_size"]


def is_active() -> bool:
    """True when fits in this process train data-parallel: a process group of two or more
    processes is initialised, outside :func:`local_fits`."""
    return active()


def rank() -> int:
    """This process's rank in the process group (0 when there is none)."""
    return _rank_and_size()[0]


def world_size() -> int:
    """Processes in the process group (1 when there is none)."""
    return _rank_and_size()[1]


def _rank_and_size() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard_series(X, *, id_column="unique_id", rank=None, world_size=None):
    """This rank's part of a panel: a contiguous block of its series.

    Series are split into ``world_size`` blocks of nearly equal counts, in the order the fit
    numbers them (sorted ids for a long frame or a MultiIndex, key order for a dict, item order
    for a list), so the ranks' parts concatenated in rank order are the whole panel: a
    distributed fit then takes the same steps as one process fitting the whole panel.

    Parameters
    ----------
    X : DataFrame (long, with ``id_column``), DataFrame or Series with a (series, time)
        MultiIndex, dict or list of series
        The whole panel (or a frame that lists every series: only this rank's rows are kept).
    id_column : str, default="unique_id"
        The id column of a long frame.
    rank, world_size : int, optional
        Default: this process's, from the process group (0 and 1 when there is none).

    Returns
    -------
    part : same type as ``X``
        The series of block ``rank``.
    """
    here, size = _rank_and_size()
    rank = here if rank is None else rank
    world_size = size if world_size is None else world_size
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, world_size); got rank={rank}, "
                         f"world_size={world_size}.")
    if isinstance(X, dict):
        keys = np.array_split(np.arange(len(X)), world_size)[rank]
        items = list(X.items())
        return dict(items[i] for i in keys)
    if isinstance(X, list):
        return [X[i] for i in np.array_split(np.arange(len(X)), world_size)[rank]]
    if isinstance(X, pd.DataFrame) and id_column in X.columns:
        ids = X[id_column]
    elif isinstance(X, (pd.DataFrame, pd.Series)) and isinstance(X.index, pd.MultiIndex):
        ids = X.index.get_level_values(0).to_series(index=X.index)
    else:
        raise TypeError(
            f"shard_series takes a panel: a long DataFrame with an {id_column!r} column, a "
            f"DataFrame or Series with a (series, time) MultiIndex, a dict or a list; got "
            f"{type(X).__name__}."
        )
    codes, unique = factorize_ids(ids)  # numbered as the fit numbers them
    mine = np.array_split(np.arange(len(unique)), world_size)[rank]
    return X[np.isin(codes, mine)]


def run(fn, n_procs=2, *, args=(), backend="auto", threads=None, timeout=600):
    """Run ``fn(*args)`` in ``n_procs`` new local processes that form one process group.

    Each process initialises ``torch.distributed`` (``MASTER_ADDR=127.0.0.1`` and a free port;
    ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` set as torchrun sets them), calls ``fn`` and
    destroys the group. Processes are started with "spawn", so ``fn`` and ``args`` must be
    picklable: define ``fn`` at the top level of an importable module, and in a script call
    ``run`` under ``if __name__ == "__main__":``.

    Parameters
    ----------
    fn : callable
        Called as ``fn(*args)`` in every process; ``rank()`` tells it which one it is.
    n_procs : int, default=2
        Processes (ranks) to start.
    args : tuple, default=()
        Positional arguments of ``fn``.
    backend : {"auto", "gloo", "nccl"}, default="auto"
        "auto": "nccl" when CUDA has a device for every process (process ``r`` uses device
        ``r``), else "gloo" (CPU).
    threads : int or None, default=None
        torch threads per process; None shares the machine's cores between the processes.
    timeout : float, default=600
        Seconds the process group waits for a collective before it fails.

    Returns
    -------
    results : list
        ``fn``'s return value in each process, in rank order (they must be picklable).
    """
    if not isinstance(n_procs, (int, np.integer)) or n_procs < 1:
        raise ValueError(f"n_procs must be an int >= 1; got n_procs={n_procs!r}.")
    if backend == "auto":
        cuda = torch.cuda.is_available() and torch.cuda.device_count() >= n_procs
        backend = "nccl" if cuda else "gloo"
    if backend not in ("gloo", "nccl"):
        raise ValueError(f"backend must be 'auto', 'gloo' or 'nccl'; got backend={backend!r}.")
    if threads is None:
        threads = max(1, (os.cpu_count() or 1) // n_procs)
    with tempfile.TemporaryDirectory(prefix="tsforecast-run-") as folder:
        setup = (fn, tuple(args), n_procs, backend, _free_port(), threads, timeout, folder)
        torch.multiprocessing.start_processes(
            _process, args=setup, nprocs=n_procs, join=True, start_method="spawn"
        )
        results = []
        for r in range(n_procs):
            with open(Path(folder) / f"{r}.pkl", "rb") as file:
                results.append(pickle.load(file))  # written by our own child processes
    return results


def _free_port() -> int:
    """A TCP port that is free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _process(r, fn, args, n_procs, backend, port, threads, timeout, folder) -> None:
    """One process of :func:`run`: join the group as rank ``r``, call ``fn``, save its result."""
    import datetime

    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(r),
                       "WORLD_SIZE": str(n_procs), "LOCAL_RANK": str(r),
                       "LOCAL_WORLD_SIZE": str(n_procs)})
    torch.set_num_threads(threads)
    if backend == "nccl":
        torch.cuda.set_device(r)
    dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}", rank=r,
                            world_size=n_procs, timeout=datetime.timedelta(seconds=timeout))
    try:
        result = fn(*args)
    finally:
        gc.collect()  # free what still holds the group's work (DDP wrappers) while it lives
        dist.destroy_process_group()
    with open(Path(folder) / f"{r}.pkl", "wb") as file:
        pickle.dump(result, file)
