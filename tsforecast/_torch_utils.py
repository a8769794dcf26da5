"""Device resolution, seeding and numpy <-> tensor conversion: the torch policy in one place.

Imports torch and numpy only; every estimator goes through these helpers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np
import torch
from sklearn.utils import check_random_state

from . import _warnings

DTYPE = torch.float32


def resolve_device(device) -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` into an available device."""
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got device={device!r}."
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; "
            f"use device='auto' or 'cpu'."
        )
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r} was requested but only {torch.cuda.device_count()} CUDA "
            f"device(s) exist."
        )
    if resolved.type == "mps" and not _mps_available():
        raise ValueError(
            f"device={device!r} was requested but MPS is not available; "
            f"use device='auto' or 'cpu'."
        )
    if resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'mps'; got {device!r}.")
    return resolved


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def usable_device(device: str, warn: bool = False) -> torch.device:
    """The stored ``device`` if it exists on this machine, else the CPU (for loaded models)."""
    try:
        return resolve_device(device)
    except ValueError:
        if warn:
            _warnings.warn(
                f"This model was fitted on device {str(device)!r}, which is not available "
                f"here; it was loaded on the CPU instead."
            )
        return torch.device("cpu")


def make_seed(random_state) -> int:
    """One integer seed from ``random_state`` without touching numpy's global RNG when None."""
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    return int(check_random_state(random_state).randint(2**31 - 1))


# torch.random.fork_rng saves and restores torch's process-wide RNG state: fits in several
# threads hold this lock while they draw from it, so they take turns instead of racing.
_GLOBAL_RNG_LOCK = threading.RLock()


@contextlib.contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[torch.Generator]:
    """Seed torch inside a forked RNG so the caller's global torch state is left as it was.

    Yields a CPU generator for shuffling, seeded from the same seed. Holds a process-wide lock
    for as long as the block runs, so keep in it only the work that draws from torch's global
    RNG (weight initialisation, nn.LSTM's dropout); other threads' fits wait for it.
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    device_type = device.type if device.type in ("cuda", "mps") else "cuda"
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices, device_type=device_type):
        torch.default_generator.manual_seed(seed)  # CPU only, unlike torch.manual_seed
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
        elif device.type == "mps":
            torch.mps.manual_seed(seed)
        yield torch.Generator().manual_seed(seed)


# n_threads="auto" takes 1 thread below this hidden_size * batch_size, and torch's current
# setting from it on. On the 2-core machine, 2 threads were 3-40x slower than 1 whenever other
# processes were busy, least so for the largest model measured (256 x 256); only an idle machine
# lets 2 threads pay off, and by about 1.4x (docs/performance.md, "Threads: n_threads").
AUTO_THREADS_MIN_WORK = 256 * 256


def check_threads(n_threads) -> None:
    """Raise unless ``n_threads`` is "auto", None or an int >= 1."""
    if n_threads is None or (isinstance(n_threads, str) and n_threads == "auto"):
        return
    ok = isinstance(n_threads, (int, np.integer)) and not isinstance(n_threads, (bool, np.bool_))
    if not ok or n_threads < 1:
        error = ValueError if ok else TypeError
        raise error(f"n_threads must be 'auto', None or an int >= 1; got n_threads={n_threads!r}.")


def resolve_threads(n_threads, hidden_size, batch_size) -> int:
    """Torch threads for ``n_threads``: an int as given; "auto"/None by the model's size.

    "auto" takes 1 thread for models whose ``hidden_size * batch_size`` is below
    ``AUTO_THREADS_MIN_WORK``, else torch's current setting (never more: it already holds
    ``OMP_NUM_THREADS``, joblib's per-worker limit or the user's ``torch.set_num_threads``).
    """
    check_threads(n_threads)
    if n_threads is not None and n_threads != "auto":
        return int(n_threads)
    current = torch.get_num_threads()
    if isinstance(hidden_size, (int, np.integer)) and isinstance(batch_size, (int, np.integer)):
        if hidden_size * batch_size >= AUTO_THREADS_MIN_WORK:
            return current
    return 1


@contextlib.contextmanager
def torch_threads(n_threads: int) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n_threads)``, then restore the count.

    torch's setting acts on the calling thread and is the default of threads started later, so
    the count seen on entry is put back on exit, in the same thread.
    """
    before = torch.get_num_threads()
    if n_threads != before:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


FLOAT32_MAX = float(np.finfo(np.float32).max)


def to_tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    """Copy a numpy array to a float32 tensor on ``device`` (one transfer).

    Raises ValueError when a value is not finite or does not fit in float32, since the network
    would silently turn it into inf and then NaN.
    """
    largest = float(np.max(np.abs(values), initial=0.0))
    if not largest <= FLOAT32_MAX:  # also catches NaN
        raise ValueError(
            f"After scaling, the input holds values beyond the float32 range "
            f"(+-{FLOAT32_MAX:.3g}) that the network computes in (largest: {largest:.3g}). "
            f"Divide the data by a constant first, or use scaler='standard' and a context in "
            f"the range seen at fit."
        )
    return torch.as_tensor(np.ascontiguousarray(values), dtype=DTYPE).to(device)


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """Bring a tensor back to the CPU as a float64 numpy array."""
    return tensor.detach().cpu().numpy().astype(np.float64)
