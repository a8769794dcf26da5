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
    assert "horizon=12, season 12 removed;" in out  # AirPassengers' pattern is significant
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


def _daily_csv(path, n=60, start=0):
    """Write a daily CSV with a target 'sales' and a covariate 'price'; return the frame."""
    t = np.arange(start, start + n)
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n, freq="D")
                          .strftime("%Y-%m-%d"),
                          "sales": 50 + 5 * np.sin(t / 2) + t / 10, "price": 10 + np.cos(t / 5)})
    frame.to_csv(path, index=False)
    return frame


def _printed_metrics(out: str) -> dict[str, np.ndarray]:
    """The MAE, RMSE, sMAPE and MASE the CLI printed, by model name."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("  ") and not line.strip().startswith("model"):
            *name, mae, rmse, smape, mase = line.split()
            rows[" ".join(name)] = np.array([mae, rmse, smape, mase], dtype=float)
    return rows


def _assert_printed_as(printed, expected):
    """Check printed MAE, RMSE, MASE (3 decimals) and sMAPE (2 decimals) against numbers."""
    rounding = np.array([5e-4, 5e-4, 5e-3, 5e-4]) + 1e-9
    assert np.all(np.abs(printed - np.asarray(expected)) <= rounding), (printed, expected)


def test_printed_metrics_and_written_forecast_equal_the_python_api(tmp_path, capsys):
    """Check the CLI against LSTMForecaster fitted through the API with the same settings."""
    from tsforecast import LSTMForecaster, metrics

    frame = _daily_csv(tmp_path / "d.csv")
    out_csv = tmp_path / "f.csv"
    assert main(["--csv", str(tmp_path / "d.csv"), "--time-column", "date", "--target",
                 "sales", "--horizon", "5", "--output", str(out_csv), *FAST]) == 0
    printed = _printed_metrics(capsys.readouterr().out)["LSTMForecaster"]
    data = frame.set_index(pd.DatetimeIndex(frame.pop("date"), name="date"))
    model = LSTMForecaster(horizon=5, target="sales", epochs=2, random_state=0, device="cpu")
    forecast = model.fit(data.iloc[:-5]).predict()
    written = pd.read_csv(out_csv, index_col=0, parse_dates=True)["sales"]
    np.testing.assert_array_equal(written.index, forecast.index)
    np.testing.assert_allclose(written.to_numpy(), forecast.to_numpy(), rtol=1e-12)
    y_true, y_train = data["sales"].iloc[-5:], data["sales"].iloc[:-5]
    expected = [metrics.mae(y_true, forecast), metrics.rmse(y_true, forecast),
                metrics.smape(y_true, forecast), metrics.mase(y_true, forecast, y_train, 7)]
    _assert_printed_as(printed, expected)


def test_printed_seasonal_naive_metrics_match_the_formula(tmp_path, capsys):
    """Check the baseline row: the last season repeated, scored by the textbook formulas."""
    frame = _daily_csv(tmp_path / "d.csv", n=50)
    assert main(["--csv", str(tmp_path / "d.csv"), "--time-column", "date", "--target",
                 "sales", "--season", "3", "--horizon", "5", "--holdout", "5", *FAST]) == 0
    printed = _printed_metrics(capsys.readouterr().out)["seasonal naive (m=3)"]
    y = frame["sales"].to_numpy()
    train, actual = y[:-5], y[-5:]
    naive = np.array([train[-3], train[-2], train[-1], train[-3], train[-2]])
    error = actual - naive
    scale = np.mean([abs(train[t] - train[t - 3]) for t in range(3, len(train))])
    expected = [np.mean(abs(error)), np.sqrt(np.mean(error**2)),
                100 * np.mean(2 * abs(error) / (abs(actual) + abs(naive))),
                np.mean(abs(error)) / scale]
    _assert_printed_as(printed, expected)


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
    from tsforecast.cli import build_parser, load_data

    keep = [*range(6), 8, *range(9, 30)]
    labels = (pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d")
              if time == "dates" else np.arange(1990, 2020))
    path = tmp_path / "gaps.csv"
    pd.DataFrame({"t": np.asarray(labels)[keep], "v": np.arange(30.0)[keep]}).to_csv(
        path, index=False)
    argv = ["--csv", str(path), "--time-column", "t", "--fill-gaps", method]
    series = load_data(build_parser().parse_args(argv)).frame
    assert len(series) == 30
    np.testing.assert_allclose(series["v"].to_numpy()[5:9], filled)
    assert "filled 2 of 30 rows (2 missing time step(s) added)" in capsys.readouterr().err
    assert main([*argv, "--horizon", "3", *FAST]) == 0


# -- panels: a long CSV with an id column ------------------------------------------------------

PANEL = ["--id-column", "store", "--time-column", "date", "--target", "sales"]


def _panel_csv(path, lengths=(48, 40, 56), gaps=(), shuffle=True):
    """Write a monthly long CSV [store, date, sales, price]; return the series' lengths.

    Series ``k`` (id ``s{k}``) starts in January 2020 with its own level and phase; the rows
    at positions ``gaps`` of the last series are left out; ``shuffle`` mixes the rows of all
    series.
    """
    frames = []
    for k, n in enumerate(lengths):
        t = np.arange(n)
        frame = pd.DataFrame({
            "store": f"s{k}",
            "date": pd.date_range("2020-01-01", periods=n, freq="MS").strftime("%Y-%m-%d"),
            "sales": 100 + 20 * k + 8 * np.sin(2 * np.pi * (t + k) / 12) + t / 4,
            "price": 3 + np.cos(t / 3),
        })
        frames.append(frame.drop(index=list(gaps)) if k == len(lengths) - 1 else frame)
    frame = pd.concat(frames)
    (frame.sample(frac=1, random_state=0) if shuffle else frame).to_csv(path, index=False)
    return dict(zip([f"s{k}" for k in range(len(lengths))], lengths))


def _api_panel_forecast(path, holdout, horizon):
    """LSTMForecaster fitted through the API on the CSV (less each series' last ``holdout``
    rows) with the CLI's settings; returns (history, actual, forecast), sorted by time."""
    from tsforecast import LSTMForecaster

    frame = pd.read_csv(path, parse_dates=["date"])  # rows as in the file: ids in the same order
    held = frame.groupby("store")["date"].rank(ascending=False) <= holdout
    history, actual = frame[~held], frame[held]
    model = LSTMForecaster(horizon=horizon, columns={"id": "store", "time": "date"},
                           target="sales", epochs=2, random_state=0, device="cpu")
    forecast = model.fit(history).predict()
    return history.sort_values("date"), actual.sort_values("date"), forecast


def test_panel_csv_forecasts_every_series_to_one_long_file_like_the_api(tmp_path, capsys):
    """Check the output: every id, horizon rows each on the months after its end, values of
    the API's global model."""
    path, out_csv = tmp_path / "sales.csv", tmp_path / "f.csv"
    lengths = _panel_csv(path)
    assert main(["--csv", str(path), *PANEL, "--horizon", "4", "--holdout", "0",
                 "--output", str(out_csv), *FAST]) == 0
    assert "fitted LSTMForecaster(" in capsys.readouterr().out
    written = pd.read_csv(out_csv, parse_dates=["date"])
    assert list(written.columns) == ["store", "date", "sales"]
    for store, n in lengths.items():
        dates = written.loc[written["store"] == store, "date"]
        expected = pd.date_range("2020-01-01", periods=n + 4, freq="MS")[n:]
        np.testing.assert_array_equal(dates.to_numpy(), expected.to_numpy())
    _, _, forecast = _api_panel_forecast(path, holdout=0, horizon=4)
    merged = written.merge(forecast, on=["store", "date"], suffixes=("_cli", "_api"))
    assert len(merged) == len(written) == 4 * len(lengths)
    np.testing.assert_allclose(merged["sales_cli"], merged["sales_api"], rtol=1e-12)


def _printed_panel_metrics(out: str) -> tuple[dict, dict]:
    """The overall rows (by model) and the per-series rows (by id) of a panel report."""
    overall, per_series = {}, {}
    section = overall
    for line in out.splitlines():
        if line.startswith("per series"):
            section = per_series
        elif line.startswith("  ") and line.split()[0] not in ("model", "series"):
            fields = line.split()
            numbers = 5 if section is per_series else 4
            section[" ".join(fields[:-numbers])] = np.array(fields[-numbers:], dtype=float)
    return overall, per_series


def test_panel_metrics_are_the_per_series_metrics_averaged(tmp_path, capsys):
    """Check the printed overall and per-series metrics against tsforecast.metrics on the API's
    forecast and on seasonal naive (last 12 months repeated), for a 4-month holdout."""
    from tsforecast import metrics

    path = tmp_path / "sales.csv"
    _panel_csv(path)
    assert main(["--csv", str(path), *PANEL, "--horizon", "4", "--holdout", "4", *FAST]) == 0
    out = capsys.readouterr().out
    assert "held-out accuracy over 4 steps of 3 series (mean over series):" in out
    overall, per_series = _printed_panel_metrics(out)
    history, actual, forecast = _api_panel_forecast(path, holdout=4, horizon=4)
    model, naive = [], []
    for store in ["s0", "s1", "s2"]:
        y_train = history.loc[history["store"] == store, "sales"].to_numpy()
        y_true = actual.loc[actual["store"] == store, "sales"].to_numpy()
        y_pred = forecast.loc[forecast["store"] == store, "sales"].to_numpy()
        baseline = y_train[-12:-8]
        rows = [[f(y_true, p) for f in (metrics.mae, metrics.rmse, metrics.smape)]
                + [metrics.mase(y_true, p, y_train, 12)] for p in (y_pred, baseline)]
        model.append(rows[0])
        naive.append(rows[1])
        _assert_printed_as(per_series[store][:4], rows[0])
        assert abs(per_series[store][4] - rows[1][3]) <= 5e-4 + 1e-9  # naive MASE
    _assert_printed_as(overall["LSTMForecaster"], np.mean(model, axis=0))
    _assert_printed_as(overall["seasonal naive (m=12)"], np.mean(naive, axis=0))


def test_panel_with_a_short_series_warns_in_one_line_and_still_forecasts_it(tmp_path, capsys):
    """Check that a series shorter than window + horizon gets one warning line on stderr and
    its forecast in the output."""
    path, out_csv = tmp_path / "sales.csv", tmp_path / "f.csv"
    _panel_csv(path, lengths=(48, 40, 56, 10))
    assert main(["--csv", str(path), *PANEL, "--horizon", "4", "--holdout", "0",
                 "--output", str(out_csv), *FAST]) == 0
    err = capsys.readouterr().err
    assert err.startswith("tsforecast: warning: 1 of 4 series have fewer than 24 rows (window + "
                          "horizon): they are forecast by the global model but not trained on.")
    assert err.count("\n") == 1, err
    assert (pd.read_csv(out_csv)["store"] == "s3").sum() == 4


def test_panel_fill_gaps_fills_each_series_and_reports_once(tmp_path, capsys):
    """Check that --fill-gaps adds the months missing inside one series (not between series)
    and prints one line for the panel."""
    from tsforecast.cli import build_parser, load_data

    path = tmp_path / "sales.csv"
    _panel_csv(path, lengths=(30, 36), gaps=(5, 6))
    argv = ["--csv", str(path), *PANEL, "--fill-gaps", "interpolate"]
    data = load_data(build_parser().parse_args(argv))
    panel, season = data.frame.reset_index(), data.season
    assert season == 12
    assert panel.groupby("store", sort=False).size().to_dict() == {"s0": 30, "s1": 36}
    s1 = panel[panel["store"] == "s1"]
    np.testing.assert_array_equal(s1["date"], pd.date_range("2020-01-01", periods=36, freq="MS"))
    before, after = s1["sales"].to_numpy()[[4, 7]]
    np.testing.assert_allclose(s1["sales"].to_numpy()[5:7], np.interp([5, 6], [4, 7],
                                                                      [before, after]), rtol=1e-3)
    err = capsys.readouterr().err
    assert err == ("tsforecast: warning: --fill-gaps interpolate filled 2 of 66 rows in 1 of 2 "
                   "series (2 missing time step(s) added)\n")


@pytest.mark.parametrize("option, drawn", [([], ["s0", "s1", "s2", "s3"]),
                                           (["--plot-ids", "s4,s1"], ["s4", "s1"])])
def test_panel_plot_draws_the_first_four_or_the_chosen_series(tmp_path, monkeypatch, option,
                                                              drawn):
    """Check that --plot draws one subplot per series: the first 4 ids, or --plot-ids."""
    from tsforecast import cli

    titles = []
    monkeypatch.setattr(cli, "save_figure",
                        lambda figure, path, dpi: titles.extend(a.get_title() for a in figure.axes))
    path = tmp_path / "sales.csv"
    _panel_csv(path, lengths=(30, 30, 30, 30, 30), shuffle=False)  # ids in order s0 .. s4
    assert main(["--csv", str(path), *PANEL, "--horizon", "3", "--plot", str(tmp_path / "p.png"),
                 *option, *FAST]) == 0
    assert titles == drawn


def test_panel_report_lists_series_only_when_few_and_skips_undefined_mase(capsys):
    """Check that 11 series get the overall rows only, and that a constant history's MASE
    (undefined) is left out of the mean instead of ending the run."""
    from tsforecast.cli import report_accuracy

    ids = np.repeat([f"s{k}" for k in range(11)], 8)
    steps = np.tile(np.arange(8), 11)
    values = np.where(ids == "s0", 5.0, 10.0 + steps % 2)  # s0 constant; others 10, 11, 10, ..
    frame = pd.DataFrame({"store": ids, "t": steps, "y": values})
    history, actual = frame[frame["t"] < 6], frame[frame["t"] >= 6]
    forecast = actual.assign(y=actual["y"] + 1.0)  # every forecast 1 too high
    history, forecast, actual = (frame.set_index(["store", "t"])
                                 for frame in (history, forecast, actual))
    report_accuracy(history, forecast, actual, 1, "y", per_series=True)
    out = capsys.readouterr().out
    assert "per series: not listed for more than 10 series" in out and "\n  s1 " not in out
    overall, _ = _printed_panel_metrics(out)
    # MASE: MAE 1 over in-sample naive MAE 1 for s1..s10; s0's is undefined and left out
    np.testing.assert_allclose(overall["LSTMForecaster"][[0, 1, 3]], [1.0, 1.0, 1.0])


def test_plot_draws_a_90_percent_band_by_default_and_interval_adds_output_columns(
        tmp_path, capsys, monkeypatch):
    """Check --plot draws the default 90% interval as a band and reports its coverage, and
    --interval 0.8 writes lower/upper columns that match the API's predict_interval."""
    from tsforecast import LSTMForecaster, cli, datasets

    bands = {}
    monkeypatch.setattr(cli, "save_figure",
                        lambda figure, path, dpi: bands.update(n=len(figure.axes[0].collections))
                        or path)
    assert main(["--dataset", "air_passengers", "--plot", str(tmp_path / "p.png"), *FAST]) == 0
    assert bands["n"] == 1
    assert "90% prediction interval (conformal): holds" in capsys.readouterr().out
    out_csv = tmp_path / "f.csv"
    assert main(["--dataset", "air_passengers", "--holdout", "0", "--interval", "0.8",
                 "--output", str(out_csv), *FAST]) == 0
    written = pd.read_csv(out_csv, index_col=0)
    assert list(written.columns) == ["passengers", "lower", "upper"]
    series = datasets.load_air_passengers()
    model = LSTMForecaster(horizon=12, season=12, epochs=2, random_state=0, device="cpu")
    expected = model.fit(series).predict_interval(coverage=0.8)  # the library's default
    np.testing.assert_allclose(written[["lower", "upper"]].to_numpy(), expected.to_numpy(),
                               rtol=1e-9)
    assert (written["lower"] <= written["passengers"]).all()


def test_calibration_validation_keeps_the_fit_calibration(tmp_path):
    """Check --calibration validation: the interval of the model's own validation windows."""
    from tsforecast import ConformalIntervals, LSTMForecaster, datasets

    out_csv = tmp_path / "f.csv"
    assert main(["--dataset", "air_passengers", "--holdout", "0", "--interval", "0.8",
                 "--calibration", "validation", "--output", str(out_csv), *FAST]) == 0
    written = pd.read_csv(out_csv, index_col=0)
    model = LSTMForecaster(horizon=12, season=12, epochs=2, random_state=0, device="cpu",
                           intervals=ConformalIntervals(calibration="validation"))
    expected = model.fit(datasets.load_air_passengers()).predict_interval(coverage=0.8)
    np.testing.assert_allclose(written[["lower", "upper"]].to_numpy(), expected.to_numpy(),
                               rtol=1e-9)


def test_panel_interval_adds_lower_upper_to_the_long_output(tmp_path, capsys):
    """Check a panel's --interval: lower/upper columns per series in the long output."""
    path, out_csv = tmp_path / "sales.csv", tmp_path / "f.csv"
    _panel_csv(path)
    assert main(["--csv", str(path), *PANEL, "--horizon", "4", "--interval", "0.9",
                 "--output", str(out_csv), *FAST]) == 0
    assert "90% prediction interval (conformal): holds" in capsys.readouterr().out
    written = pd.read_csv(out_csv)
    assert list(written.columns) == ["store", "date", "sales", "lower", "upper"]
    assert (written["lower"] <= written["sales"]).all() and (
        written["sales"] <= written["upper"]).all()


@pytest.mark.parametrize("value", ["1.5", "-0.1", "x"])
def test_bad_interval_is_refused_in_one_line(value, capsys):
    """Check --interval outside (0, 1) (0: none) exits 2 naming the option."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--dataset", "nile", "--interval", value, *FAST])
    assert exit_info.value.code == 2
    assert "--interval" in capsys.readouterr().err


def test_a_panel_csv_gets_the_models_choice_and_says_so(tmp_path, capsys):
    """The CLI fits a panel with the library's defaults: the model chosen from the data."""
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"id": f"s{k}", "date": pd.date_range("2000-01", periods=60,
                                                                   freq="MS"),
                            "y": 10 + k + np.sin(np.arange(60) / 2) + rng.normal(0, 0.1, 60)})
              for k in range(3)]
    path = tmp_path / "panel.csv"
    pd.concat(frames).to_csv(path, index=False)
    assert main(["--csv", str(path), "--id-column", "id", "--time-column", "date",
                 "--horizon", "3", *FAST]) == 0
    line = next(text for text in capsys.readouterr().out.splitlines() if "fitted" in text)
    assert "chosen of 3" in line
    assert any(kind in line for kind in ("LSTMNetwork", "HybridNetwork"))
