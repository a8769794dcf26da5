"""One global LSTMForecaster trained data-parallel by several processes, each holding its own
series, compared with the same fit in one process.

A panel of ``n_series`` noisy sines (each its own period and level, a long frame with
``unique_id`` and ``ds``). ``tsforecast.distributed.run`` starts ``n_procs`` local processes
joined in one gloo process group; each takes its block of series (``shard_series``), fits
``LSTMForecaster`` (DistributedDataParallel inside ``fit``) and forecasts its own series;
only rank 0 saves the model. The whole panel is then fitted in this process with the same
settings, and the script prints the largest difference between the two sets of forecasts.

Run: ``python examples/distributed_panel.py [--n-procs 2] [--save model.tsf]``.
Under torchrun, which starts the processes and the group itself:
``torchrun --nproc-per-node 2 examples/distributed_panel.py --torchrun``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tsforecast import LSTMForecaster, LSTMNetwork, distributed

SETTINGS = {"window": 24, "horizon": 12, "network": LSTMNetwork(hidden_size=32),
            "batch_size": 64, "lr": 1e-2, "random_state": 0, "device": "cpu"}


def make_panel(n_series: int = 8, n_rows: int = 200) -> pd.DataFrame:
    """``n_series`` noisy sines of ``n_rows`` steps, with periods 8..22 and levels 10..."""
    rng = np.random.default_rng(0)
    t = np.arange(n_rows)
    frames = [
        pd.DataFrame({"unique_id": f"series_{s:03d}", "ds": t,
                      "y": 10 + s + np.sin(2 * np.pi * t / (8 + 2 * (s % 8)))
                      + rng.normal(0, 0.1, n_rows)})
        for s in range(n_series)
    ]
    return pd.concat(frames, ignore_index=True)


def fit_own_series(n_series: int, n_rows: int, epochs: int, save: str | None) -> pd.DataFrame:
    """Run on every rank: fit on this rank's series, save on rank 0, forecast own series."""
    part = distributed.shard_series(make_panel(n_series, n_rows))
    model = LSTMForecaster(**SETTINGS, epochs=epochs).fit(part)
    if save is not None and distributed.rank() == 0:
        model.save(save)  # every rank holds the same weights: one file is enough
    return model.predict()


def main(n_series: int = 8, n_rows: int = 200, epochs: int = 30, n_procs: int = 2,
         save: str | None = None) -> dict:
    """Fit with ``n_procs`` processes and with one; return the timings and the difference."""
    # The processes are spawned: they import this file by name, so its folder must be on the
    # path they inherit (it is already when the file runs as a script).
    folder = str(Path(__file__).resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    start = time.perf_counter()
    parts = distributed.run(fit_own_series, n_procs, args=(n_series, n_rows, epochs, save),
                            backend="gloo")
    seconds_distributed = time.perf_counter() - start
    together = pd.concat(parts, ignore_index=True)
    start = time.perf_counter()
    alone = LSTMForecaster(**SETTINGS, epochs=epochs).fit(make_panel(n_series, n_rows))
    seconds_single = time.perf_counter() - start
    expected = alone.predict()
    return {
        "n_series": together["unique_id"].nunique(),
        "max_abs_diff": float(np.abs(together["y"] - expected["y"]).max()),
        "seconds_distributed": seconds_distributed,  # including the processes' start-up
        "seconds_single": seconds_single,
        "forecasts": together,
    }


def torchrun_main(n_series: int, n_rows: int, epochs: int, save: str | None) -> None:
    """Under torchrun: join the group it describes, fit, and print rank 0's view."""
    import torch.distributed as dist

    dist.init_process_group("gloo")  # RANK, WORLD_SIZE, MASTER_ADDR/PORT come from torchrun
    try:
        forecasts = fit_own_series(n_series, n_rows, epochs, save)
        if distributed.rank() == 0:
            print(forecasts.head())
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-series", type=int, default=8)
    p.add_argument("--n-rows", type=int, default=200)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--n-procs", type=int, default=2)
    p.add_argument("--save", default=None, help="rank 0 writes the fitted model here")
    p.add_argument("--torchrun", action="store_true", help="started by torchrun")
    args = p.parse_args()
    if args.torchrun:
        torchrun_main(args.n_series, args.n_rows, args.epochs, args.save)
    else:
        result = main(args.n_series, args.n_rows, args.epochs, args.n_procs, args.save)
        print(f"{result['n_series']} series, {args.n_procs} processes: "
              f"{result['seconds_distributed']:.1f} s (with start-up); one process: "
              f"{result['seconds_single']:.1f} s; largest forecast difference: "
              f"{result['max_abs_diff']:.2e}")
