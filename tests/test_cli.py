"""Tests for the command-line front end, run in-process through cli.main."""

import numpy as np
import pandas as pd
import pytest

from tsforecast.cli import build_parser, main

FAST = ["--epochs", "2", "--seed", "0", "--device", "cpu"]


def test_help_explains_every_option(capsys):
    """Check that --help mentions each option."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for action in build_parser()._actions:
        for flag in action.option_strings:
            assert flag in text


def test_bundled_dataset_holdout_prints_metrics_and_writes_plot(tmp_path, capsys):
    """Check the main job: held-out metrics next to seasonal naive, and a PNG."""
    plot = tmp_path / "f.png"
    assert main(["--dataset", "air_passengers", "--plot", str(plot), *FAST]) == 0
    out = capsys.readouterr().out
    assert "held-out accuracy over 12 steps" in out
    assert "LSTMForecaster" in out and "seasonal naive (m=12)" in out
    assert "horizon=12, season 12 removed)" in out  # AirPassengers' pattern is significant
    assert plot.stat().st_size > 10_000


def test_csv_with_dates_forecasts_the_future_to_a_file(tmp_path, capsys):
    """Check a CSV with a date column and covariate: forecast written with future dates."""
    dates = pd.date_range("2024-01-01", periods=80, freq="D")
    values = np.sin(np.arange(80) / 4)
    path = tmp_path / "sales.csv"
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "sales": values,
                  "price": values[::-1]}).to_csv(path, index=False)
    out_csv = tmp_path / "forecast.csv"
    code = main(["--csv", str(path), "--time-column", "date", "--target", "sales",
                 "--horizon", "3", "--window", "7", "--holdout", "0",
                 "--output", str(out_csv), *FAST])
    assert code == 0
    written = pd.read_csv(out_csv, index_col=0)
    assert list(written.index) == ["2024-03-21", "2024-03-22", "2024-03-23"]
    assert list(written.columns) == ["sales"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--csv", "missing.csv"], "no such file: missing.csv"),
        (["--csv", "{csv}", "--target", "nope"], "target column 'nope' is not in"),
        (["--csv", "{csv}", "--time-column", "when"], "time column 'when' is not in"),
        (["--csv", "{csv}", "--time-column", "date"], "cannot parse the dates"),
    ],
)
def test_input_errors_exit_2_with_one_line(tmp_path, capsys, args, message):
    """Check that bad input gives exit code 2 and a one-line message, no traceback."""
    path = tmp_path / "bad.csv"
    pd.DataFrame({"date": ["x", "y", "z"], "v": [1.0, 2.0, 3.0]}).to_csv(path, index=False)
    args = [a.replace("{csv}", str(path)) for a in args]
    assert main([*args, *FAST]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
