"""One training loop and one batched inference loop, shared by every estimator.

Works on tensors already on the device and a ``batches(idx) -> (inputs, targets)`` function,
so forecasting windows and fixed sequences train the same way. Imports torch only.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from ._distributed import Shard
from ._warnings import warn

PREDICT_CHUNK = 8192  # windows gathered per step at inference: large, but bounded in memory
# On a one-thread CPU the network runs on FORWARD_CHUNK of them at a time: at 8192 windows
# oneDNN's LSTM faults in ~100 MB of fresh memory per call and runs about 1.8x slower per window
# (benchmarks/notes/performance-log.md). _forward says why the outputs stay bitwise the same.
FORWARD_CHUNK = 512
# A fit whose best monitored loss is above this multiple of the untrained network's diverged: it
# goes back to the initial weights. Fits that learn stay far below 1; the suite's 2-epoch fits
# that do not yet beat the untrained network reach 1.26 at most; lr=1e8 reaches 1e13.
DIVERGED_RATIO = 2.0
# The untrained network's loss, which only that test reads, is measured on at most this many of
# the monitored windows, evenly spaced: a forward pass over every window of a large series cost
# 5% of a 5-epoch fit.
INITIAL_LOSS_WINDOWS = 1024

Batches = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass
class TrainResult:
    """Per-epoch losses and the epoch whose weights the module holds at the end (-1: initial)."""

    history: dict = field(default_factory=lambda: {"loss": [], "val_loss": []})
    best_epoch: int = 0


def train_module(
    module: nn.Module,
    batches: Batches,
    train_idx: torch.Tensor,
    val_idx: torch.Tensor | None,
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    epochs: int,
    batch_size: int,
    lr: float,
    patience: int | None,
    generator: torch.Generator,
    verbose: int = 0,
    gradient_clip: float | None = None,
    distributed: bool = False,
) -> TrainResult:
    """Train ``module`` with Adam; with ``patience`` stop early and keep the best weights.

    The monitored loss is the validation loss when ``val_idx`` is given, else the training loss.
    The weights of the best epoch are restored when ``patience`` is set, when the loss turns
    non-finite (with a warning) and on KeyboardInterrupt (with a warning). ``gradient_clip``
    caps the total L2 norm of the gradients before each step (None: no clipping).

    The monitored loss of the initial weights is measured first (``history["initial_loss"]``,
    on at most INITIAL_LOSS_WINDOWS of the monitored windows, evenly spaced).
    When the best epoch's loss is more than ``DIVERGED_RATIO`` times it (or no epoch is finite),
    as when a too large ``lr`` diverges, the module goes back to its initial weights with a
    warning (``best_epoch`` -1). Patience counts from the best epoch, not from the initial
    weights, so every other fit ends exactly as it did without this check.

    With ``distributed`` (an initialised process group), ``train_idx`` and ``val_idx`` are this
    rank's windows: the module trains in DistributedDataParallel on every rank's windows
    (``_distributed.Shard``) and every loss is all-reduced, so all ranks take the same steps,
    stop at the same epoch and end with the same weights.
    """
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    result = TrainResult()
    shard = Shard(train_idx, val_idx) if distributed else None
    net = module if shard is None else shard.wrap(module)  # net trains; module evaluates
    if shard is not None:
        val_idx = shard.val_idx  # None when no rank validates
    monitored_idx = train_idx if val_idx is None else val_idx
    initial_loss = evaluate_loss(module, batches, _evenly_spaced(monitored_idx), loss_fn, shard)
    result.history["initial_loss"] = initial_loss
    initial_state = copy.deepcopy(module.state_dict()) if math.isfinite(initial_loss) else None
    best_loss, best_state, wait = math.inf, None, 0
    restore_best, warned = patience is not None, False
    progress = tqdm(range(epochs), disable=verbose < 1, desc="fit", unit="epoch", file=sys.stderr)
    try:
        for epoch in progress:
            loss = _train_epoch(
                net, batches, train_idx, optimizer, loss_fn, batch_size, generator, gradient_clip,
                shard,
            )
            val_loss = (
                None if val_idx is None else evaluate_loss(module, batches, val_idx, loss_fn, shard)
            )
            monitored = loss if val_loss is None else val_loss
            if not (math.isfinite(loss) and math.isfinite(monitored)):
                have_best = best_state is not None or initial_state is not None
                _stop_on_non_finite(epoch, lr, have_best)
                restore_best = warned = True
                break
            result.history["loss"].append(loss)
            if val_loss is not None:
                result.history["val_loss"].append(val_loss)
            _report(progress, verbose, epoch, epochs, loss, val_loss)
            if monitored < best_loss:
                best_loss, wait, result.best_epoch = monitored, 0, epoch
                best_state = copy.deepcopy(module.state_dict())
            else:
                wait += 1
                if patience is not None and wait >= patience:
                    break
    except KeyboardInterrupt:
        warn(
            f"fit was interrupted after {len(result.history['loss'])} epoch(s); the model "
            f"keeps the best weights seen so far."
        )
        restore_best = warned = True
    finally:
        progress.close()
    if initial_state is not None and _diverged(initial_loss, best_loss):
        if not warned:  # the warning given said that the model keeps earlier weights
            _warn_diverged(initial_loss, best_loss, lr, val_idx is not None)
        module.load_state_dict(initial_state)
        result.best_epoch = -1
    elif restore_best and best_state is not None:
        module.load_state_dict(best_state)
    else:
        result.best_epoch = max(len(result.history["loss"]) - 1, 0)
    module.eval()
    return result


def _diverged(initial_loss: float, best_loss: float) -> bool:
    """True when the best epoch did far worse than the initial weights, or none was finite."""
    if not math.isfinite(best_loss):
        return True
    return initial_loss > 0 and best_loss > DIVERGED_RATIO * initial_loss


def _warn_diverged(initial: float, best: float, lr: float, validated: bool) -> None:
    """Warn that training diverged and the model went back to its initial weights."""
    which = "validation" if validated else "training"
    warn(
        f"Training diverged: the best epoch's {which} loss ({best:.4g}) is more than "
        f"{DIVERGED_RATIO:g} times that of the untrained network ({initial:.4g}), so the model "
        f"keeps its initial weights (best_epoch_ = -1). Try a lower lr (now {lr:g}) or set "
        f"gradient_clip."
    )


def _report(progress, verbose: int, epoch: int, epochs: int, loss: float, val_loss) -> None:
    """Show the epoch's losses on the progress bar (verbose=1) or as a line (verbose>=2)."""
    val_text = "-" if val_loss is None else f"{val_loss:.4g}"
    progress.set_postfix(loss=f"{loss:.4g}", val_loss=val_text, refresh=False)
    if verbose >= 2:
        line = f"epoch {epoch + 1}/{epochs}: loss={loss:.6g} val_loss={val_text}"
        tqdm.write(line, file=sys.stderr)


def _train_epoch(
    module, batches, train_idx, optimizer, loss_fn, batch_size, generator, gradient_clip=None,
    shard=None,
) -> float:
    """One pass over the training windows in a fresh random order; returns the mean loss."""
    module.train()
    total = torch.zeros((), device=train_idx.device)
    for idx, weight, count in _steps(train_idx, batch_size, generator, shard):
        inputs, targets = batches(idx)
        loss = loss_fn(module(inputs), targets)
        optimizer.zero_grad(set_to_none=True)
        (loss if weight == 1 else loss * weight).backward()
        if gradient_clip is not None:
            nn.utils.clip_grad_norm_(module.parameters(), gradient_clip)
        optimizer.step()
        total += loss.detach() * count
    if shard is not None:
        return shard.mean(total, len(train_idx))
    return total.item() / len(train_idx)  # one device sync per epoch


def _steps(train_idx, batch_size, generator, shard):
    """``(windows, loss weight, n windows)`` per step: consecutive slices of one permutation
    (distributed: this rank's part of each global batch, ``Shard.steps``)."""
    if shard is not None:
        yield from shard.steps(train_idx, batch_size, generator)
        return
    n = len(train_idx)
    order = train_idx[torch.randperm(n, generator=generator).to(train_idx.device)]
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield idx, 1, len(idx)


def _stop_on_non_finite(epoch: int, lr: float, have_best: bool) -> None:
    """Warn (best weights exist) or raise (nothing usable) when the loss stops being finite."""
    advice = (
        f"Try a lower lr (now {lr:g}), check the input's scale (keep scaler='standard'), "
        f"or fewer layers."
    )
    if not have_best:
        raise ValueError(
            f"Training diverged: the loss was NaN or infinite in epoch {epoch + 1}. {advice}"
        )
    warn(
        f"Training stopped at epoch {epoch + 1} because the loss became NaN or infinite; the "
        f"model keeps the best weights from before. {advice}"
    )


@torch.no_grad()
def _evenly_spaced(idx: torch.Tensor) -> torch.Tensor:
    """At most INITIAL_LOSS_WINDOWS of ``idx``, evenly spaced (all of them when fewer)."""
    n = len(idx)
    if n <= INITIAL_LOSS_WINDOWS:
        return idx
    picks = torch.arange(INITIAL_LOSS_WINDOWS, device=idx.device) * n // INITIAL_LOSS_WINDOWS
    return idx[picks]


def evaluate_loss(module, batches: Batches, idx: torch.Tensor, loss_fn, shard=None) -> float:
    """Mean loss over the windows ``idx``, in eval mode (distributed: over every rank's)."""
    module.eval()
    total = torch.zeros((), device=idx.device)
    for start in range(0, len(idx), PREDICT_CHUNK):
        chunk = idx[start : start + PREDICT_CHUNK]
        inputs, targets = batches(chunk)
        total += loss_fn(_forward(module, inputs), targets) * len(chunk)
    if shard is not None:
        return shard.mean(total, len(idx))
    return total.item() / len(idx)


@torch.no_grad()
def predict_module(module: nn.Module, inputs) -> torch.Tensor:
    """Forward windows in eval mode, in chunks; returns (N, output_size).

    ``inputs`` is a tensor (N, L, H_in), or a pair ``(gather, n)`` where ``gather(slice)``
    builds the windows of that slice of ``range(n)``, so that no more than one chunk of
    windows exists at a time.
    """
    gather, n = (inputs.__getitem__, len(inputs)) if torch.is_tensor(inputs) else inputs
    module.eval()
    chunks = range(0, n, PREDICT_CHUNK)
    outputs = [_forward(module, gather(slice(start, start + PREDICT_CHUNK))) for start in chunks]
    return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


def _forward(module: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """``module(inputs)``; on a one-thread CPU, in pieces of ``FORWARD_CHUNK`` windows.

    Every window's output is bitwise the one ``module(inputs)`` gives: the pieces start at
    multiples of ``FORWARD_CHUNK`` and the last one takes the remainder (none is shorter than
    ``FORWARD_CHUNK``), so each window keeps its place in the CPU kernels' row blocks and no
    piece takes their path for a few rows (tests/test_inference_chunks.py checks it).
    Elsewhere the call stays whole: with several threads a one-output ``Linear`` splits the
    rows between threads by the batch's length, and on a GPU large batches are efficient.
    """
    n = len(inputs)
    if n < 2 * FORWARD_CHUNK or inputs.device.type != "cpu" or torch.get_num_threads() != 1:
        return module(inputs)
    bounds = [*range(0, n // FORWARD_CHUNK * FORWARD_CHUNK, FORWARD_CHUNK), n]
    return torch.cat([module(inputs[a:b]) for a, b in zip(bounds, bounds[1:])])
