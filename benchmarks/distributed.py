"""Time one global LSTMForecaster fit with 1 and 2 gloo processes on this machine, and project
the gradient all-reduce cost per step of larger networks.

Every configuration runs through ``tsforecast.distributed.run`` (so both sides pay the same
start-up, which is excluded: the clock runs around ``fit`` only, inside each process). The
panel is split by series with ``shard_series``; the 1-process and 2-process forecasts are
compared. Run by hand (numbers in docs/distributed.md):

    python benchmarks/distributed.py [--epochs 5] [--hidden 64] [--repeats 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tsforecast import LSTMForecaster, LSTMNetwork, distributed
from tsforecast._nn import LSTMNet


def make_panel(n_series: int, n_rows: int) -> pd.DataFrame:
    """Noisy sines with their own periods and levels, as a long frame."""
    rng = np.random.default_rng(0)
    t = np.arange(n_rows)
    return pd.concat([
        pd.DataFrame({"unique_id": s, "ds": t,
                      "y": 10 + s + np.sin(2 * np.pi * t / (8 + s % 12))
                      + rng.normal(0, 0.1, n_rows)})
        for s in range(n_series)
    ], ignore_index=True)


def timed_fit(n_series, n_rows, hidden, batch, epochs):
    """Run on every rank: fit this rank's series; return (seconds, forecasts, n windows)."""
    model = LSTMForecaster(window=24, horizon=12, network=LSTMNetwork(hidden_size=hidden),
                           batch_size=batch, epochs=epochs, early_stopping=False,
                           validation_fraction=0.0, n_threads=None, random_state=0, device="cpu")
    part = distributed.shard_series(make_panel(n_series, n_rows))
    start = time.perf_counter()
    model.fit(part)
    return time.perf_counter() - start, model.predict()


def scaling(args) -> None:
    """Seconds per epoch with 1 and 2 processes, and the largest forecast difference."""
    setup = (args.series, args.rows, args.hidden, args.batch, args.epochs)
    windows = args.series * (args.rows - 24 - 12 + 1)
    print(f"panel: {args.series} series x {args.rows} rows = {windows} windows; hidden "
          f"{args.hidden}, global batch {args.batch}, {args.epochs} epochs, "
          f"{args.threads} torch thread(s) per process")
    print("| processes | s / epoch (median of runs) | steps / epoch | max abs forecast diff |")
    print("|---|---|---|---|")
    reference = None
    for n_procs in (1, 2):
        seconds, forecasts = [], None
        for _ in range(args.repeats):
            results = distributed.run(timed_fit, n_procs, args=setup, backend="gloo",
                                      threads=args.threads)
            seconds.append(max(r[0] for r in results))
            forecasts = pd.concat([r[1] for r in results], ignore_index=True)["y"].to_numpy()
        reference = forecasts if reference is None else reference
        diff = float(np.abs(forecasts - reference).max())
        per_epoch = statistics.median(seconds) / args.epochs
        print(f"| {n_procs} | {per_epoch:.3f} | {-(-windows // args.batch)} | {diff:.2e} |")


def communication() -> None:
    """Parameters and float32 gradient bytes per all-reduce for larger networks."""
    print("\n| hidden | layers | parameters | gradient MB / step | ring all-reduce, 8 ranks, "
          "10 Gbit/s | 100 Gbit/s |")
    print("|---|---|---|---|---|---|")
    for hidden in (64, 256, 1024):
        for layers in (1, 2):
            net = LSTMNet(input_size=1, output_size=12, hidden_size=hidden, num_layers=layers,
                          head_steps=12, instance_norm="last")
            n = sum(p.numel() for p in net.parameters())
            size = 4 * n  # float32 gradients, all-reduced once per step
            sent = 2 * (8 - 1) / 8 * size  # bytes each rank sends in a ring all-reduce
            print(f"| {hidden} | {layers} | {n:,} | {size / 1e6:.2f} | "
                  f"{sent / 1.25e9 * 1e3:.2f} ms | {sent / 12.5e9 * 1e3:.3f} ms |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", type=int, default=32)
    p.add_argument("--rows", type=int, default=300)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # spawned ranks import this file
    scaling(args)
    communication()


if __name__ == "__main__":
    main()
