"""What LSTMForecaster's defaults and ensembles cost: a 300 x 500 panel's default fit (the
model chosen among candidates, calibrated on its validation windows) against the former default
(LSTMNetwork, scaler="standard", loss="mse", calibration="validation", no smoothing: one
fit), one 200-point monthly series' fit + predict, and an Ensemble of three members' fit and
predict against one network's, on one thread.

Run by hand::

    python benchmarks/default_cost.py --repeats 3

Fits alternate between the two settings, each in this process after a warm-up fit; the
medians are printed. Synthetic data: seasonal series with trend and noise (the same as
benchmarks/performance.py's panel workload in size).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import torch

from tsforecast import ConformalIntervals, Ensemble, LSTMForecaster, LSTMNetwork

FORMER = {"network": LSTMNetwork(), "scaler": "standard", "loss": "mse", "smoothing": False,
          "intervals": ConformalIntervals(calibration="validation")}  # one fit, no copy


def panel(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    frames = []
    for k in range(n_series):
        level = rng.uniform(50, 500)
        values = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))) \
            + rng.normal(0, 0.05 * level, length) + rng.normal(0, 0.001) * level * t
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "y": values,
                                    "ds": pd.period_range("2000-01", periods=length,
                                                          freq="M")}))
    return pd.concat(frames, ignore_index=True)


def seconds(make, data, predict=False) -> float:
    start = time.perf_counter()
    model = make().fit(data)
    if predict:
        model.predict()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    big = panel(300, 500)
    one = panel(1, 200).set_index("ds")["y"]
    settings = {"horizon": 12, "window": 24, "epochs": 2, "random_state": 0, "n_threads": 1}
    default, former = [], []
    seconds(lambda: LSTMForecaster(**settings), big.head(5000))  # warm-up
    for _ in range(args.repeats):
        default.append(seconds(lambda: LSTMForecaster(**settings), big))
        former.append(seconds(lambda: LSTMForecaster(**settings, **FORMER), big))
    chosen = LSTMForecaster(**settings).fit(big).model_
    print(f"300 x 500 panel, 2 epochs: default {np.median(default):.2f} s "
          f"({chosen['network']}, scaler={chosen['scaler']}, loss={chosen['loss']}), "
          f"former default {np.median(former):.2f} s: "
          f"{np.median(default) / np.median(former):.2f}x")
    single = [seconds(lambda: LSTMForecaster(horizon=18, random_state=0, n_threads=1), one,
                      predict=True) for _ in range(max(args.repeats, 5))]
    print(f"one 200-point monthly series, defaults, fit + predict: {np.median(single):.3f} s")
    members = {**settings, **FORMER, "network": Ensemble(LSTMNetwork(), seeds=3)}
    ensemble = [seconds(lambda: LSTMForecaster(**members), big) for _ in range(args.repeats)]
    print(f"300 x 500 panel, Ensemble of 3 members: {np.median(ensemble):.2f} s, "
          f"{np.median(ensemble) / np.median(former):.2f}x one network's fit")
    fitted = {name: LSTMForecaster(**kwargs).fit(big) for name, kwargs in
              (("one", {**settings, **FORMER}), ("three", members))}
    for name, model in fitted.items():
        model.predict()
        start = time.perf_counter()
        for _ in range(5):
            model.predict()
        print(f"predict of all 300 series, {name}: {(time.perf_counter() - start) / 5:.3f} s")


if __name__ == "__main__":
    main()
