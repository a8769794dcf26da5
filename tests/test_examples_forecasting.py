"""Run the forecasting examples on reduced settings so they cannot rot."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_noisy_sine_example_reports_errors_and_writes_its_plot(tmp_path):
    """Check the seed-1 example returns finite test errors per model and saves the figure."""
    plot = tmp_path / "noisy_sine.png"
    results = load_example("noisy_sine").main(epochs=3, default_epochs=3, plot=str(plot))
    assert set(results) == {"tutorial settings", "toolkit defaults", "naive (last value)"}
    for row in results.values():
        assert np.isfinite(row["mae"]) and 0 < row["mae"] <= row["rmse"]
    assert results["tutorial settings"]["epochs_run"] == 3
    assert plot.stat().st_size > 10_000


def test_pipeline_grid_search_example_searches_and_forecasts(tmp_path):
    """Check the pipeline example searches its grid and scores the held-out year."""
    results = load_example("pipeline_grid_search").main(
        epochs=2, grid={"model__window": [12, 18]}, plot=str(tmp_path / "p.png")
    )
    assert results["best_params"]["model__window"] in (12, 18)
    assert len(results["cv_r2"]) == 2
    assert results["mase"] > 0 and results["mase_seasonal_naive"] == pytest.approx(1.5709, abs=1e-3)
    assert (tmp_path / "p.png").exists()


def test_pandas_example_continues_month_start_dates(tmp_path):
    """Check the pandas example forecasts on month-start dates after 1999-12."""
    results = load_example("pandas_datetime").main(epochs=2, plot=str(tmp_path / "c.png"))
    assert results["forecast_start"] == "2000-01-01"
    assert results["forecast_freq"] == "MS"
    assert results["rolling_origins"] == 49
    assert results["rolling_first_origin"] == "1996-01-01"
    assert results["mase"] > 0
