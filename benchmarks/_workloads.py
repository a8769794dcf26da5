"""Seeded benchmark data and the shared model settings; every system reads the same numbers.

Imports numpy only, so the orchestrator can describe the workloads without loading torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEST_POINTS = 4_000  # rolling origins are scored over the last 4,000 points of the series

# Same model and budget for every system: LSTM, 1 layer, hidden 64, linear head on the
# last hidden state, MSE, Adam lr 1e-3, batch 256, fixed epochs, no validation, no early stopping.
HIDDEN = 64
LR = 1e-3
BATCH = 256
SEED = 0


@dataclass(frozen=True)
class Workload:
    name: str
    n_points: int
    window: int
    horizon: int
    epochs: int
    description: str
    n_series: int = 1  # > 1: a panel of n_series series of n_points each (see make_panel)
    threads: int | None = None  # torch threads for this workload (None: the --threads option)


WORKLOADS = {
    "w1": Workload("w1", 20_000, 24, 1, 5, "20k points, window 24, horizon 1, 5 epochs"),
    "w2": Workload("w2", 20_000, 24, 12, 5, "20k points, window 24, horizon 12 (direct), 5 epochs"),
    "w3": Workload("w3", 2_000_000, 48, 1, 1, "2M points, window 48, horizon 1, 1 epoch"),
    # For the 1-vs-2 torch threads study: workload 1 with one epoch, to keep it short.
    "w1t": Workload("w1t", 20_000, 24, 1, 1, "20k points, window 24, horizon 1, 1 epoch"),
    # Panels: one global model over many series (see make_panel).
    "w4": Workload("w4", 500, 24, 12, 2,
                   "panel of 300 series x 500 points, window 24, horizon 12, 2 epochs",
                   n_series=300),
    "w5": Workload("w5", 200, 24, 12, 1,
                   "panel of 10,000 series x 200 points, window 24, horizon 12, 1 epoch, "
                   "2 threads", n_series=10_000, threads=2),
}
PANEL_TEST_POINTS = 12  # each panel series is followed by this many held-out points


def resize(name: str, n_points: int) -> None:
    """Change a workload's length (e.g. a shorter workload 3 on a busy machine)."""
    wl = WORKLOADS[name]
    points = f"{n_points:,}" if n_points % 1_000_000 else f"{n_points // 1_000_000}M"
    WORKLOADS[name] = Workload(name, n_points, wl.window, wl.horizon, wl.epochs,
                               f"{points} points" + wl.description.split("points", 1)[1],
                               wl.n_series, wl.threads)


def make_series(n_points: int, seed: int = SEED) -> np.ndarray:
    """Noisy sine with a trend: daily-like (24) and weekly-like (168) cycles, float64 (n,)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_points, dtype=np.float64)
    trend = 2.0 * t / n_points
    seasonal = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168)
    return trend + seasonal + 0.2 * rng.standard_normal(n_points)


def make_panel(n_series: int, n_points: int, seed: int = SEED) -> np.ndarray:
    """(n_series, n_points) float64: per series a level, scale, trend, phase, cycle and noise.

    Cycles of 24 or 7 steps (plus a weaker 168-step one), random phases, trends between -1 and
    +1 over the series, levels around 0-1000 and scales spanning two orders of magnitude, so
    per-series scaling matters; seeded.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_points, dtype=np.float64)[None, :]
    period = rng.choice([24.0, 7.0], size=(n_series, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n_series, 1))
    seasonal = np.sin(2 * np.pi * t / period + phase) + 0.3 * np.sin(2 * np.pi * t / 168 + phase)
    trend = rng.uniform(-1, 1, size=(n_series, 1)) * t / n_points
    noise = rng.uniform(0.05, 0.4, size=(n_series, 1)) * rng.standard_normal((n_series, n_points))
    scale = 10 ** rng.uniform(0, 2, size=(n_series, 1))
    level = rng.uniform(0, 10, size=(n_series, 1)) * scale
    return level + scale * (seasonal + trend + noise)


def split(series: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Training part, and the test context: the test part preceded by ``window`` training rows.

    Every origin of ``predict_rolling(context)`` then forecasts from inside the test part.
    """
    n_train = len(series) - TEST_POINTS
    return series[:n_train], series[n_train - window :]


def rolling_actuals(context: np.ndarray, window: int, horizon: int) -> np.ndarray:
    """(n_origins, horizon) actual values for every rolling origin of ``context``."""
    targets = context[window:]
    n_origins = len(context) - window - horizon + 1
    idx = np.arange(n_origins)[:, None] + np.arange(horizon)[None, :]
    return targets[idx]
