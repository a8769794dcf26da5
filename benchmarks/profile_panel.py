"""Profile one short panel fit of tsforecast against the raw loop (torch ops, self CPU time).

Fits workload 4's model on its first ``--series`` series for one epoch, each system in this
process after a warm-up, under torch.profiler, and prints the ops that take the most time:

    python benchmarks/profile_panel.py --series 40
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _panel_systems import _PanelData, run_raw_panel  # noqa: E402
from _workloads import BATCH, HIDDEN, LR, SEED, WORKLOADS  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--series", type=int, default=40)
    p.add_argument("--rows", type=int, default=18, help="ops shown per system")
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # torch._dynamo import, off the clock
    wl = dataclasses.replace(WORKLOADS["w4"], n_series=args.series, epochs=1)

    from tsforecast import LSTMForecaster, LSTMNetwork

    frame = _PanelData(wl).long_frame()
    model = LSTMForecaster(
        window=wl.window, horizon=wl.horizon, network=LSTMNetwork(hidden_size=HIDDEN),
        deseasonalize=False, epochs=1, batch_size=BATCH, lr=LR, validation_fraction=0.0,
        early_stopping=False, random_state=SEED,
    )
    systems = {
        "raw": lambda: run_raw_panel(wl, "cpu", types.SimpleNamespace(predict_calls=1)),
        "tsforecast": lambda: model.fit(frame),
    }
    for fn in systems.values():
        fn()  # warm-up
    for name, fn in systems.items():
        start = time.perf_counter()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            fn()
        total = time.perf_counter() - start
        print(f"\n== {name}: {total:.2f} s under the profiler ==")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
