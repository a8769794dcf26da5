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


def test_plot_without_suffix_prints_the_file_written(tmp_path, capsys, monkeypatch):
    """Check that --plot noext writes noext.png and prints that name."""
    monkeypatch.chdir(tmp_path)
    assert main(["--dataset", "nile", "--plot", "noext", *FAST]) == 0
    assert "plot written to noext.png" in capsys.readouterr().out
    assert (tmp_path / "noext.png").is_file()


@pytest.mark.parametrize("option, shown", [([], 30), (["--plot-history", "8"], 8),
                                           (["--plot-history", "0"], 94)])
def test_plot_shows_the_recent_history(tmp_path, monkeypatch, option, shown):
    """Check the plot's history: 5 x horizon steps by default, --plot-history N, or all (0)."""
    from tsforecast import cli

    drawn = {}

    def save(figure, path, dpi):
        ax = figure.axes[0]
        drawn.update(n=len(ax.get_lines()[0].get_xdata()), x=ax.get_xlabel(), y=ax.get_ylabel())
        return path

    monkeypatch.setattr(cli, "save_figure", save)
    assert main(["--dataset", "nile", "--plot", str(tmp_path / "p.png"), *option, *FAST]) == 0
    assert drawn == {"n": shown, "x": "year", "y": "volume"}


def test_integer_time_column_is_kept_as_labels(tmp_path, capsys):
    """Check that years in a time column are labels (not nanoseconds), continued by the forecast."""
    path = tmp_path / "years.csv"
    pd.DataFrame({"year": np.arange(1990, 2030), "rain": np.sin(np.arange(40) / 3) + 5}).to_csv(
        path, index=False)
    out_csv = tmp_path / "f.csv"
    assert main(["--csv", str(path), "--time-column", "year", "--horizon", "3", "--holdout", "0",
                 "--output", str(out_csv), *FAST]) == 0
    assert "1970" not in capsys.readouterr().out
    assert list(pd.read_csv(out_csv)["year"]) == [2030, 2031, 2032]


@pytest.mark.parametrize(
    "method, filled",
    [("interpolate", [5.0, 6.0, 7.0, 8.0]), ("ffill", [5.0, 5.0, 5.0, 8.0])],
)
@pytest.mark.parametrize("time", ["dates", "years"])
def test_fill_gaps_puts_the_series_on_a_regular_grid_and_warns(tmp_path, capsys, method, filled,
                                                               time):
    """Check that --fill-gaps adds the missing steps, fills them and says how many."""
    from tsforecast.cli import build_parser, load_series

    keep = [*range(6), 8, *range(9, 30)]
    labels = (pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d")
              if time == "dates" else np.arange(1990, 2020))
    path = tmp_path / "gaps.csv"
    pd.DataFrame({"t": np.asarray(labels)[keep], "v": np.arange(30.0)[keep]}).to_csv(
        path, index=False)
    argv = ["--csv", str(path), "--time-column", "t", "--fill-gaps", method]
    series, _ = load_series(build_parser().parse_args(argv))
    assert len(series) == 30
    np.testing.assert_allclose(series["v"].to_numpy()[5:9], filled)
    assert "filled 2 of 30 rows (2 missing time step(s) added)" in capsys.readouterr().err
    assert main([*argv, "--horizon", "3", *FAST]) == 0
