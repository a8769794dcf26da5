"""Time LSTMForecaster fits with 1 and 2 torch threads, on an idle or a busy CPU.

Each configuration is fitted with ``n_threads=1`` and ``n_threads=2`` alternately, ``--repeats``
times, in this one process; the table shows median seconds per fit and their ratio. ``--hog``
starts one busy-looping process (``python -c "while True: pass"``) for the whole run and stops
it at the end, to measure a CPU that another program keeps busy. Run:

    python benchmarks/threads.py [--hog] [--repeats 3] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

from tsforecast import LSTMForecaster, LSTMNetwork, datasets

# (data, hidden_size, batch_size)
CONFIGS = [
    ("air", 16, 32), ("air", 64, 32), ("air", 256, 32),
    ("sine", 16, 256), ("sine", 64, 256), ("sine", 256, 256),
]


def data(name: str) -> np.ndarray:
    if name == "air":  # AirPassengers: 144 months, 108 training windows of 24
        return datasets.load_air_passengers().to_numpy(dtype=float)
    t = np.arange(2000)  # 2,000 points: 1,778 training windows of 24
    return np.sin(t / 12) + np.random.default_rng(0).normal(0, 0.1, t.size)


def fit_seconds(series, hidden, batch, threads, epochs) -> float:
    model = LSTMForecaster(window=24, horizon=1, network=LSTMNetwork(hidden_size=hidden),
                           batch_size=batch, epochs=epochs, early_stopping=False, device="cpu",
                           random_state=0, n_threads=threads, smoothing=False)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(series)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hog", action="store_true", help="keep one other process busy")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--epochs", type=int, default=3)
    args = p.parse_args()
    hog = None
    if args.hog:
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        fit_seconds(data("air"), 8, 32, 1, 1)  # pay torch's one-time imports before any clock
        print(f"load average before: {os.getloadavg()[0]:.2f}; hog: {bool(hog)}; "
              f"epochs {args.epochs}; repeats {args.repeats}")
        print("| data | hidden | batch | hidden*batch | 1 thread s | 2 threads s | 2 / 1 |")
        print("|---|---|---|---|---|---|---|")
        for name, hidden, batch in CONFIGS:
            series, times = data(name), {1: [], 2: []}
            for _ in range(args.repeats):
                for threads in (1, 2):
                    times[threads].append(fit_seconds(series, hidden, batch, threads, args.epochs))
            one, two = statistics.median(times[1]), statistics.median(times[2])
            print(f"| {name} | {hidden} | {batch} | {hidden * batch} | {one:.2f} | {two:.2f} "
                  f"| {two / one:.2f} |", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()


if __name__ == "__main__":
    main()
