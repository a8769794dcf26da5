"""Write forecaster_daily_v1.tsf: a format-1 file of a forecaster fitted without seasonal
adjustment (deseasonalize=False), with its forecasts, for tests/test_persistence.py.

Written by the last code of format 1, whose parameters were one per setting (hidden_size=4 and
so on); it does not run on later code. Run ONLY to make a new reference, never to make a
failing test pass, with that code on the path:

    PYTHONPATH=<checkout of format 1's last code> python tests/data/make_daily_v1_file.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from tsforecast import LSTMForecaster

HERE = Path(__file__).resolve().parent


def main() -> None:
    t = np.arange(48, dtype=float)
    index = pd.date_range("2024-01-01", periods=48, freq="D", name="date")
    series = pd.Series(np.sin(t / 4) + t / 50, index=index, name="sales")
    model = LSTMForecaster(window=6, horizon=3, deseasonalize=False, hidden_size=4, epochs=2,
                           batch_size=16, random_state=0, device="cpu").fit(series)
    model.save(HERE / "forecaster_daily_v1.tsf")
    expected = {"predict": model.predict().tolist()}
    (HERE / "daily_v1_expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
