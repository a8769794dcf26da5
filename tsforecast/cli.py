"""Command-line front end: forecast a CSV file or a bundled data set with LSTMForecaster.

Only calls the public API (datasets, LSTMForecaster, metrics, plotting); errors in the input end
the program with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, datasets, metrics
from ._validation import regular_frequency, seasonal_period
from .forecaster import LSTMForecaster
from .plotting import plot_forecast, save_figure

DESCRIPTION = """\
Forecast a time series with an LSTM.

With --holdout N (default: the horizon), the last N steps are held out: the model is fitted on the
rest, forecasts them, and its accuracy is printed next to the seasonal-naive baseline. With
--holdout 0 the model is fitted on the whole series and forecasts the steps after its end.
"""

EXAMPLES = """\
examples:
  tsforecast --dataset air_passengers --plot forecast.png
  tsforecast --csv sales.csv --time-column date --target sales --horizon 14 \\
             --holdout 0 --output f.csv
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also documents every option in --help)."""
    parser = argparse.ArgumentParser(
        prog="tsforecast",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=sorted(datasets.DATASETS),
        help="a bundled data set (default: air_passengers when no --csv is given)",
    )
    source.add_argument("--csv", type=Path, help="a CSV file with one row per time step")
    parser.add_argument(
        "--time-column",
        help="CSV column holding the timestamps (parsed as dates); default: none (row numbers)",
    )
    parser.add_argument(
        "--target",
        help="CSV column to forecast; the other numeric columns become past covariates. "
        "Default: the only numeric column",
    )
    parser.add_argument("--horizon", type=int, help="steps to forecast (default: the season, or 6)")
    parser.add_argument(
        "--window",
        type=int,
        help="past steps the LSTM reads (default: max(2 seasons, horizon, 10), capped for "
        "short series)",
    )
    parser.add_argument(
        "--season",
        type=int,
        help="seasonal period for the model (its window and seasonal adjustment), the "
        "baseline and MASE (default: inferred)",
    )
    parser.add_argument(
        "--holdout", type=int, help="steps held out for evaluation (default: the horizon; 0: none)"
    )
    parser.add_argument("--epochs", type=int, default=100, help="maximum epochs (default: 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default: auto)")
    parser.add_argument("--plot", type=Path, help="write a PNG of history, forecast and actuals")
    parser.add_argument("--output", type=Path, help="write the forecast as CSV")
    parser.add_argument("--verbose", "-v", action="count", default=0, help="show training progress")
    parser.add_argument("--version", action="version", version=f"tsforecast {__version__}")
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        series, season = _load(args)
        return _run(args, series, season)
    except (ValueError, TypeError, OSError, KeyError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"tsforecast: error: {message}", file=sys.stderr)
        return 2


def _load(args) -> tuple[pd.Series | pd.DataFrame, int]:
    """The series to forecast and its seasonal period."""
    if args.csv is None:
        name = args.dataset or "air_passengers"
        loader, season = datasets.DATASETS[name]
        return loader(), args.season or season
    frame = _read_csv(args.csv, args.time_column)
    numeric = frame.select_dtypes("number")
    if args.target is not None:
        if args.target not in frame.columns:
            raise ValueError(
                f"target column {args.target!r} is not in {args.csv}; "
                f"columns: {list(frame.columns)}"
            )
        frame = numeric if args.target in numeric.columns else frame
    elif numeric.shape[1] != 1:
        raise ValueError(
            f"{args.csv} has numeric columns {list(numeric.columns)}; choose one with --target"
        )
    else:
        frame = numeric
    return frame, args.season or _infer_season(frame.index)


def _read_csv(path: Path, time_column: str | None) -> pd.DataFrame:
    if not path.is_file():
        raise OSError(f"no such file: {path}")
    frame = pd.read_csv(path)
    if time_column is None:
        return frame
    if time_column not in frame.columns:
        raise ValueError(f"time column {time_column!r} is not in {path}; columns: "
                         f"{list(frame.columns)}")
    try:
        times = pd.to_datetime(frame.pop(time_column), format="mixed")
    except (ValueError, TypeError) as error:
        raise ValueError(f"cannot parse the dates in column {time_column!r}: {error}") from None
    return frame.set_axis(pd.DatetimeIndex(times, name=time_column)).sort_index()


def _infer_season(index: pd.Index) -> int:
    """The seasonal period the forecaster infers from the index frequency (1 if none)."""
    try:
        return seasonal_period(regular_frequency(index))
    except ValueError:
        return 1


def _run(args, data, season: int) -> int:
    horizon = args.horizon or (season if season > 1 else 6)
    holdout = horizon if args.holdout is None else args.holdout
    if holdout < 0:
        raise ValueError(f"--holdout must be >= 0; got {holdout}")
    target = args.target if isinstance(data, pd.DataFrame) and data.shape[1] > 1 else None
    history, actual = (data.iloc[:-holdout], data.iloc[-holdout:]) if holdout else (data, None)
    model = LSTMForecaster(
        window=args.window,
        horizon=horizon,
        season=season,
        target=target,
        epochs=args.epochs,
        device=args.device,
        random_state=args.seed,
        verbose=args.verbose,
    ).fit(history)
    forecast = model.predict()
    history_target = _target_series(history, target)
    adjusted = "" if model.seasonal_profile_ is None else f", season {season} removed"
    print(f"fitted LSTMForecaster(window={model.window_}, horizon={horizon}{adjusted}) on "
          f"{len(history)} steps in {len(model.history_['loss'])} epochs "
          f"(best: {model.best_epoch_ + 1}) on "
          f"{model.device_}")
    if actual is not None:
        _report(history_target, forecast, _target_series(actual, target), season)
    else:
        print(forecast.to_string())
    if args.output:
        forecast.to_frame().to_csv(args.output)
        print(f"forecast written to {args.output}")
    if args.plot:
        _plot(history_target, forecast, None if actual is None else _target_series(actual, target),
              args.plot)
        print(f"plot written to {args.plot}")
    return 0


def _target_series(data, target) -> pd.Series:
    if isinstance(data, pd.DataFrame):
        return data[target] if target is not None else data.iloc[:, 0]
    return data


def _report(history: pd.Series, forecast: pd.Series, actual: pd.Series, season: int) -> None:
    """Print the forecast's accuracy next to the seasonal-naive forecast's."""
    steps = min(len(forecast), len(actual))
    y_true, y_train = actual.to_numpy()[:steps], history.to_numpy()
    lag = season if len(y_train) > season else 1
    naive = np.resize(y_train[-lag:], steps)  # repeat the last season
    rows = {
        "LSTMForecaster": forecast.to_numpy()[:steps],
        f"seasonal naive (m={lag})": naive,
    }
    print(f"held-out accuracy over {steps} steps:")
    print(f"  {'model':<24}{'MAE':>10}{'RMSE':>10}{'sMAPE %':>10}{'MASE':>8}")
    for name, y_pred in rows.items():
        print(f"  {name:<24}{metrics.mae(y_true, y_pred):>10.3f}"
              f"{metrics.rmse(y_true, y_pred):>10.3f}{metrics.smape(y_true, y_pred):>10.2f}"
              f"{metrics.mase(y_true, y_pred, y_train, season=lag):>8.3f}")


def _plot(history, forecast, actual, path: Path) -> None:
    ax = plot_forecast(history, forecast, actual, title=f"tsforecast: {history.name or 'series'}")
    save_figure(ax.figure, path, dpi=110)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
