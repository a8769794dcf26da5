"""Time recursive forecasts: ``predict(n_steps=...)`` far beyond the horizon.

A model of horizon 1 on a panel of three noisy sines forecasts 8,000, 16,000 and 32,000 steps
(one block per step); the time should double with the steps. Prints the wall time and the
process's CPU time (steadier on a shared machine). Run by hand, never from the unit tests:

    PYTHONPATH=. python benchmarks/recursive.py
    PYTHONPATH=. python benchmarks/recursive.py --steps 1000 2000 --repeats 3 --device cpu
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch

from tsforecast import LSTMForecaster, LSTMNetwork


def panel(n_series: int, length: int) -> dict:
    """``n_series`` seeded noisy sines of ``length`` points each, as a dict panel."""
    rng = np.random.default_rng(0)
    t = np.arange(length)
    return {f"s{k}": 10 + k + np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.1, length)
            for k in range(n_series)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[8000, 16000, 32000])
    parser.add_argument("--series", type=int, default=3)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    model = LSTMForecaster(window=24, horizon=args.horizon, season=None, epochs=1,
                           network=LSTMNetwork(hidden_size=16), random_state=0,
                           device=args.device, smoothing=False)  # the network's recursion
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(panel(args.series, 400))
    model.predict(n_steps=2 * args.horizon)  # warm-up
    print(f"device {args.device}, {args.series} series, horizon {args.horizon}")
    for n_steps in args.steps:
        times, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            model.predict(n_steps=n_steps)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(f"n_steps={n_steps:>7,}: {min(times):8.2f} s wall, {min(cpu):8.2f} s CPU "
              f"(best of {args.repeats})")


if __name__ == "__main__":
    main()
