"""Run every example on reduced settings so the examples cannot rot."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name):
    """Import ``examples/<name>.py`` as a module."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_rows_example_reports_accuracy_and_writes_its_plot(tmp_path):
    """Check the seed-4 example reads 8x8 digits as 8 steps and learns: accuracy above 0.35.

    Chance is 0.1; the untrained network scored 0.19 here, 3 epochs score 0.48.
    """
    plot = tmp_path / "digits.png"
    result = load_example("digits_rows").main(
        n_samples=400, hidden_size=16, epochs=3, plot=str(plot)
    )
    assert result["data"] == "scikit-learn 8x8 digits"
    assert result["sequence"] == "8 steps x 8 pixels"
    assert (result["n_train"], result["n_test"]) == (300, 100)
    assert 0.35 < result["accuracy"] <= 1.0  # far above chance (0.1) after 3 epochs
    assert result["epochs_run"] == 3
    assert plot.stat().st_size > 5_000


def test_digits_rows_example_reads_mnist_idx_files(tmp_path):
    """Check that given IDX paths the example reads them (28x28 -> 28 steps of 28 pixels)."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 8)
    images = rng.integers(0, 256, size=(80, 28, 28), dtype=np.uint8)
    header = (2051).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (80, 28, 28))
    (tmp_path / "images").write_bytes(header + images.tobytes())
    (tmp_path / "labels").write_bytes(
        (2049).to_bytes(4, "big") + (80).to_bytes(4, "big") + labels.tobytes()
    )
    result = load_example("digits_rows").main(
        tmp_path / "images", tmp_path / "labels", hidden_size=4, epochs=1, plot=None
    )
    assert result["data"] == "MNIST (IDX files)"
    assert result["sequence"] == "28 steps x 28 pixels"
    assert 0.0 <= result["accuracy"] <= 1.0 and result["n_test"] == 20


def test_sin_to_cos_example_reports_held_out_error(tmp_path):
    """Check the seed-2 example splits t in halves and beats predicting 0 by a clear margin.

    Held-out MAE must be at most 0.6x that of the best constant, 0 (untrained: 0.99x; 5
    epochs: 0.43x).
    """
    plot = tmp_path / "sin_to_cos.png"
    result = load_example("sin_to_cos").main(epochs=5, plot=str(plot))
    assert (result["n_train"], result["n_test"]) == (91, 100)
    assert 0 < result["test_mae"] <= result["test_rmse"] < 2
    assert result["test_mae_predict_zero"] == pytest.approx(0.638, abs=0.01)
    assert result["test_mae"] <= 0.6 * result["test_mae_predict_zero"]
    assert plot.stat().st_size > 10_000


def test_multistep_multivariate_example_compares_with_naive_baselines(tmp_path):
    """Check the seed-3 example forecasts every held-out origin and beats both baselines.

    Held-out MAE must be at most 0.85x seasonal naive's and 0.5x the last value's. The daily
    pattern is removed before training, so an untrained network already scores 0.94x seasonal
    naive here; 6 epochs score 0.77x.
    """
    plot = tmp_path / "multistep.png"
    result = load_example("multistep_multivariate").main(
        n_hours=600, window=24, horizon=6, hidden_size=16, proj_size=8, epochs=6, plot=str(plot)
    )
    assert result["n_origins"] == 600 - 450 - 6 + 1
    for key in ("mae", "mae_last_value", "mae_seasonal_naive"):
        assert np.isfinite(result[key]) and result[key] > 0
    assert result["epochs_run"] <= 6
    assert result["mae"] <= 0.85 * result["mae_seasonal_naive"]
    assert result["mae"] <= 0.5 * result["mae_last_value"]
    assert plot.stat().st_size > 10_000


def test_multistep_multivariate_data_are_seeded_and_correlated():
    """Check that the generated covariates are repeatable and related to the load."""
    module = load_example("multistep_multivariate")
    data = module.make_load_data(500, random_state=3)
    np.testing.assert_array_equal(data.to_numpy(), module.make_load_data(500, 3).to_numpy())
    assert list(data.columns) == ["load", "temperature", "humidity"]
    assert data["temperature"].corr(data["humidity"]) < -0.8


def test_noisy_sine_example_reports_errors_and_writes_its_plot(tmp_path):
    """Check the seed-1 example's defaults beat the naive forecast and the figure is saved.

    Test MAE of the toolkit defaults must be at most 0.9x the last value's (untrained: 1.0x; 20
    epochs: 0.82x; the noise, sd 0.05, bounds what any model can gain). The tutorial settings
    (lr 1e-4) need their 1,500 epochs, so only their errors are checked.
    """
    plot = tmp_path / "noisy_sine.png"
    results = load_example("noisy_sine").main(epochs=3, default_epochs=20, plot=str(plot))
    assert set(results) == {"tutorial settings", "toolkit defaults", "naive (last value)"}
    for row in results.values():
        assert np.isfinite(row["mae"]) and 0 < row["mae"] <= row["rmse"]
    assert results["tutorial settings"]["epochs_run"] == 3
    assert results["toolkit defaults"]["mae"] <= 0.9 * results["naive (last value)"]["mae"]
    assert plot.stat().st_size > 10_000


def test_pipeline_grid_search_example_searches_and_forecasts(tmp_path):
    """Check the pipeline example searches its grid and beats seasonal naive on the held-out year.

    MASE must be at most 0.4x seasonal naive's. The yearly pattern is removed before training,
    so an untrained network already scores 0.53x; 5 epochs score 0.27x.
    """
    results = load_example("pipeline_grid_search").main(
        epochs=5, grid={"model__window": [12, 18]}, plot=str(tmp_path / "p.png")
    )
    assert results["best_params"]["model__window"] in (12, 18)
    assert len(results["cv_r2"]) == 2
    assert results["mase"] > 0 and results["mase_seasonal_naive"] == pytest.approx(1.5709, abs=1e-3)
    assert results["mase"] <= 0.4 * results["mase_seasonal_naive"]
    assert (tmp_path / "p.png").exists()


def test_pandas_example_continues_month_start_dates(tmp_path):
    """Check the pandas example forecasts on month-start dates after 1999-12, and learns.

    MASE must be at most 0.5x seasonal naive's (untrained, with the yearly pattern removed:
    0.78x; 2 epochs: 0.20x).
    """
    results = load_example("pandas_datetime").main(epochs=2, plot=str(tmp_path / "c.png"))
    assert results["forecast_start"] == "2000-01-01"
    assert results["forecast_freq"] == "MS"
    assert results["rolling_origins"] == 49
    assert results["rolling_first_origin"] == "1996-01-01"
    assert 0 < results["mase"] <= 0.5 * results["mase_seasonal_naive"]


def test_future_covariates_example_compares_models_with_and_without_calendar(tmp_path):
    """Check the known-future covariates example scores each variant on the held-out months."""
    results = load_example("future_covariates").main(epochs=2, seeds=(0,),
                                                     plot=str(tmp_path / "f.png"))
    assert set(results) == {"no calendar", "calendar as future_columns",
                            "no calendar, deseasonalize='auto'"}
    for row in results.values():
        assert np.isfinite(row["mae"]) and row["mae"] > 0 and len(row["mae_per_seed"]) == 1
    assert (tmp_path / "f.png").exists()


def test_intervals_backtest_example_scores_each_calibration(tmp_path):
    """Check the intervals example backtests each variant: coverage a share, widths positive,
    and the refit copy's intervals (calibrated across the 2008 collapse) wider than those of
    the validation windows and of the default (the copy averaged with them)."""
    results = load_example("intervals_backtest").main(epochs=3, n_windows=2,
                                                      plot=str(tmp_path / "i.png"))
    assert set(results) == {"validation", "refit", "default", "cqr"}
    for row in results.values():
        assert 0.0 <= row["coverage"] <= 1.0 and row["width"] > 0 and row["msis"] > 0
    refit = results["refit"]["width"]
    assert refit > results["validation"]["width"] and refit > results["default"]["width"]
    assert (tmp_path / "i.png").exists()


def test_distributed_panel_example_matches_one_process(tmp_path, monkeypatch):
    """Check that 2 processes, each fitting its own 2 series, forecast every series as one
    process does (up to float reduction order), and that rank 0 saved the model."""
    import sys

    from tsforecast import load

    example = load_example("distributed_panel")
    # the spawned processes unpickle its function by module name, as for an imported module
    monkeypatch.setitem(sys.modules, "distributed_panel", example)
    path = tmp_path / "model.tsf"
    result = example.main(
        n_series=4, n_rows=60, epochs=2, n_procs=2, save=str(path)
    )
    assert result["n_series"] == 4
    assert result["max_abs_diff"] < 1e-4
    assert load(path).n_series_ == 2  # rank 0's series; the weights are every rank's
