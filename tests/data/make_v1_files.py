"""Write the format-version-1 reference files that tests/test_persistence.py loads.

Run ONLY when deliberately making a new reference (for example when a new format version is
introduced, to add files of that version beside these ones); never to make a failing test pass.
The files committed here were written by tsforecast 0.1.0, the first release of format version
1, and every later version must keep loading them with the same predictions.

    PYTHONPATH=. python tests/data/make_v1_files.py

Writes, next to this script: forecaster_v1.tsf, classifier_v1.tsf and v1_expected.json (the
inputs and the predictions of both models, floats written exactly).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import tsforecast
from tsforecast import LSTMClassifier, LSTMForecaster

HERE = Path(__file__).resolve().parent
TINY = {"hidden_size": 4, "epochs": 3, "batch_size": 8, "random_state": 0, "device": "cpu"}


def main() -> None:
    t = np.arange(42, dtype=float)
    series = pd.Series(
        10 + np.sin(2 * np.pi * t / 7) + t / 20,
        index=pd.date_range("2024-01-01", periods=42, freq="D", name="date"),
        name="sales",
    )
    forecaster = LSTMForecaster(window=7, horizon=3, season=7, deseasonalize=True, **TINY)
    forecaster.fit(series)
    forecaster.save(HERE / "forecaster_v1.tsf")
    forecast = forecaster.predict()

    X = np.round(np.random.default_rng(0).normal(size=(8, 5, 2)), 3)
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    classifier = LSTMClassifier(**TINY).fit(X, y)
    classifier.save(HERE / "classifier_v1.tsf")

    expected = {
        "tsforecast_version": tsforecast.__version__,
        "forecaster": {
            "values": forecast.tolist(),
            "index": [str(stamp) for stamp in forecast.index],
            "freq": forecast.index.freqstr,
            "name": forecast.name,
        },
        "classifier": {
            "X": X.tolist(),
            "classes": classifier.classes_.tolist(),
            "predict": classifier.predict(X).tolist(),
            "predict_proba": classifier.predict_proba(X).tolist(),
        },
    }
    text = json.dumps(expected, indent=1)
    (HERE / "v1_expected.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
