"""Command-line front end: forecast a CSV file or a bundled data set with LSTMForecaster.

Only calls the public API (datasets, LSTMForecaster, metrics, plotting); errors in the input end
the program with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
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
  tsforecast --csv rain.csv --time-column year --fill-gaps interpolate
"""

FILL_METHODS = ("interpolate", "ffill")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (no usage), exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def _int_at_least(minimum: int):
    """An argparse type: an int >= minimum, refused with a message that argparse prefixes."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an int >= {minimum}; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an int >= {minimum}; got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also documents every option in --help)."""
    parser = _Parser(
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
        help="CSV column holding the time of each row: dates or timestamps (parsed as dates, "
        "e.g. 2024-01-31), or whole numbers (kept as integer labels, e.g. years 1990, 1991; "
        "the forecast continues their step). Default: none (rows are numbered 0, 1, ...)",
    )
    parser.add_argument(
        "--target",
        help="CSV column to forecast; the other numeric columns become past covariates. "
        "Default: the only numeric column",
    )
    parser.add_argument(
        "--fill-gaps",
        choices=FILL_METHODS,
        help="put the series on a regular time grid: add the missing time steps and fill "
        "missing values by linear interpolation in time or by carrying the last value forward "
        "(values missing at the start take the first observed value); prints how many rows "
        "were filled. Default: refuse gaps and missing values",
    )
    parser.add_argument(
        "--horizon", type=_int_at_least(1), help="steps to forecast (default: the season, or 6)"
    )
    parser.add_argument(
        "--window",
        type=_int_at_least(1),
        help="past steps the LSTM reads (default: max(2 seasons, horizon, 10), capped for "
        "short series)",
    )
    parser.add_argument(
        "--season",
        type=_int_at_least(1),
        help="seasonal period for the model (its window and seasonal adjustment), the "
        "baseline and MASE; 1 for none (default: inferred from the dates' frequency)",
    )
    parser.add_argument(
        "--holdout",
        type=_int_at_least(0),
        help="steps held out for evaluation (default: the horizon; 0: none)",
    )
    parser.add_argument(
        "--epochs", type=_int_at_least(1), default=100, help="maximum epochs (default: 100)"
    )
    parser.add_argument("--seed", type=_int_at_least(0), default=0,
                        help="random seed (default: 0)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default: auto)")
    parser.add_argument(
        "--plot",
        type=Path,
        help="write a plot of history, forecast and actuals; the format follows the suffix "
        "(.png, .pdf, .svg; .png when there is none)",
    )
    parser.add_argument(
        "--plot-history",
        type=_int_at_least(0),
        help="how many of the last history steps the plot shows (default: max(5 x horizon, "
        "3 seasons); 0: all)",
    )
    parser.add_argument("--output", type=Path, help="write the forecast as CSV")
    parser.add_argument("--verbose", "-v", action="count", default=0, help="show training progress")
    parser.add_argument("--version", action="version", version=f"tsforecast {__version__}")
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit code.

    Output piped into a program that stops reading early (``| head``) ends quietly.
    """
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        # the reader is gone: send what is still buffered to devnull so the exit flush is silent
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    try:
        data, season = load_series(args)
        return run(args, data, season)
    except BrokenPipeError:
        raise
    except (ValueError, TypeError, OSError, KeyError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"tsforecast: error: {message}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------------------------------------
# input: a table with a time index -> the columns to model, on a regular grid


def load_series(args) -> tuple[pd.Series | pd.DataFrame, int]:
    """The series to forecast (target first or alone) and its seasonal period."""
    if args.csv is None:
        name = args.dataset or "air_passengers"
        loader, season = datasets.DATASETS[name]
        return loader(), args.season or season
    frame = read_table(args.csv, args.time_column)
    frame = _select_columns(frame, args.target, args.csv)
    frame = _regularize(frame, args.time_column, args.fill_gaps)
    return frame, args.season or _infer_season(frame.index)


def read_table(path: Path, time_column: str | None) -> pd.DataFrame:
    """The CSV file with ``time_column`` (if given) as its sorted index."""
    if not path.is_file():
        raise OSError(f"no such file: {path}")
    frame = pd.read_csv(path)
    if time_column is None:
        return frame
    if time_column not in frame.columns:
        raise ValueError(f"time column {time_column!r} is not in {path}; columns: "
                         f"{list(frame.columns)}")
    index = _time_index(frame.pop(time_column))
    if index.hasnans:
        raise ValueError(f"time column {time_column!r} has {int(index.isna().sum())} empty "
                         f"value(s); fill or drop those rows")
    frame = frame.set_axis(index).sort_index()
    if frame.index.has_duplicates:
        first = frame.index[frame.index.duplicated()][0]
        raise ValueError(f"time column {time_column!r} has duplicate timestamps (first: "
                         f"{first}); keep one row per time step")
    return frame


def _time_index(column: pd.Series) -> pd.Index:
    """Integer labels for whole numbers, else a DatetimeIndex parsed from the text."""
    name = column.name
    if pd.api.types.is_bool_dtype(column):
        raise ValueError(f"time column {name!r} holds True/False; use dates or whole numbers")
    if pd.api.types.is_integer_dtype(column):
        return pd.Index(column.to_numpy(dtype=np.int64), name=name)
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(dtype=np.float64)
        whole = np.isnan(values) | (values == np.round(values))
        if not whole.all():
            raise ValueError(f"time column {name!r} holds numbers that are not whole "
                             f"(first: {values[~whole][0]}); use dates or integer labels")
        if np.isnan(values).any():
            raise ValueError(f"time column {name!r} has {int(np.isnan(values).sum())} empty "
                             f"value(s); fill or drop those rows")
        return pd.Index(values.astype(np.int64), name=name)
    try:
        return pd.DatetimeIndex(pd.to_datetime(column, format="mixed"), name=name)
    except (ValueError, TypeError) as error:
        raise ValueError(f"cannot parse the dates in column {name!r}: {error}") from None


def _select_columns(frame: pd.DataFrame, target: str | None, path: Path) -> pd.DataFrame:
    """The numeric columns; the target must be one of them."""
    numeric = frame.select_dtypes("number")
    if target is None:
        if numeric.shape[1] != 1:
            raise ValueError(
                f"{path} has numeric columns {list(numeric.columns)}; choose one with --target"
            )
        return numeric
    if target not in frame.columns:
        raise ValueError(f"target column {target!r} is not in {path}; columns: "
                         f"{list(frame.columns)}")
    if target not in numeric.columns:
        raise ValueError(f"target column {target!r} is non-numeric (dtype {frame[target].dtype});"
                         f" choose one of the numeric columns {list(numeric.columns)}")
    return numeric


def _regularize(frame: pd.DataFrame, time_column: str | None, fill: str | None) -> pd.DataFrame:
    """``frame`` on a regular time grid without missing values, or an error naming --fill-gaps."""
    grid, step = _regular_grid(frame.index, time_column)
    added = len(grid) - len(frame)
    if added:
        if fill is None:
            missing = grid[~grid.isin(frame.index)]
            raise ValueError(
                f"time column {time_column!r} has gaps: {added} missing step(s) of {step!r} "
                f"(first: {missing[0]}); rerun with --fill-gaps interpolate or --fill-gaps ffill "
                f"to add and fill them"
            )
        frame = frame.reindex(grid)
    incomplete = frame.isna().any(axis=1)
    if not incomplete.any():
        return frame
    if fill is None:
        column = frame.columns[frame.isna().any().to_numpy()][0]
        row = frame.index[frame[column].isna().to_numpy()][0]
        raise ValueError(
            f"column {column!r} has {int(frame[column].isna().sum())} missing value(s) (NaN; "
            f"first at {row}); rerun with --fill-gaps interpolate or --fill-gaps ffill to "
            f"fill them"
        )
    if fill == "interpolate":
        method = "time" if isinstance(frame.index, pd.DatetimeIndex) else "index"
        filled = frame.interpolate(method=method, limit_area="inside")
    else:
        filled = frame.ffill()
    print(f"tsforecast: warning: --fill-gaps {fill} filled {int(incomplete.sum())} of "
          f"{len(frame)} rows ({added} missing time step(s) added)", file=sys.stderr)
    return filled.bfill().ffill()


def _regular_grid(index: pd.Index, time_column: str | None) -> tuple[pd.Index, object]:
    """The regular grid from the first to the last label that holds every label, and its step."""
    if len(index) < 3 or not isinstance(index, pd.DatetimeIndex) and (
        isinstance(index, pd.RangeIndex) or not pd.api.types.is_integer_dtype(index)
    ):
        return index, None
    if isinstance(index, pd.DatetimeIndex):
        step = _frequency(index)
        if step is None:
            raise ValueError(
                f"the timestamps in column {time_column!r} are not evenly spaced and no regular "
                f"step was found; resample the file to one row per time step first"
            )
        grid = pd.date_range(index[0], index[-1], freq=step, name=index.name)
    else:
        steps = np.diff(index.to_numpy())
        step = int(steps.min())
        if (steps % step).any():
            raise ValueError(
                f"the labels in column {time_column!r} are not evenly spaced: steps "
                f"{sorted(set(steps.tolist()))[:5]} are not all multiples of the smallest, "
                f"{step}; use dates or labels with a constant step"
            )
        grid = pd.Index(np.arange(index[0], index[-1] + step, step), name=index.name)
    off_grid = ~index.isin(grid)
    if off_grid.any():
        raise ValueError(
            f"the timestamps in column {time_column!r} are not all on a grid of step {step} "
            f"(first off it: {index[off_grid][0]}); resample the file to one row per time step"
        )
    return grid, step


def _frequency(index: pd.DatetimeIndex) -> str | None:
    """The frequency of the whole index, else the most common one of its short stretches."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas may warn about the frequency's future type
        freq = pd.infer_freq(index)
        if freq is not None:
            return freq
        for length in (8, 3):  # 8 rows tell business days ("B") from calendar days
            if len(index) < length:
                continue
            starts = np.unique(np.linspace(0, len(index) - length, 200).astype(int))
            found = [pd.infer_freq(index[s:s + length]) for s in starts]
            found = pd.Series([f for f in found if f is not None], dtype=object)
            if len(found):
                return found.mode()[0]
    return None


def _infer_season(index: pd.Index) -> int:
    """The seasonal period the forecaster infers from the index frequency (1 if none)."""
    try:
        return seasonal_period(regular_frequency(index))
    except ValueError:
        return 1


# ---------------------------------------------------------------------------------------------
# model: split off the holdout, fit, forecast, report, write


def run(args, data, season: int) -> int:
    """Fit on the series less its holdout, print the forecast or its accuracy, write files."""
    horizon = args.horizon or (season if season > 1 else 6)
    holdout = horizon if args.holdout is None else args.holdout
    history, actual = split_holdout(data, holdout, horizon)
    target = args.target if isinstance(data, pd.DataFrame) and data.shape[1] > 1 else None
    model = build_model(args, horizon, season, target).fit(history)
    forecast = model.predict()
    adjusted = "" if model.seasonal_profile_ is None else f", season {season} removed"
    print(f"fitted LSTMForecaster(window={model.window_}, horizon={horizon}{adjusted}) on "
          f"{len(history)} steps in {len(model.history_['loss'])} epochs "
          f"(best: {model.best_epoch_ + 1}) on {model.device_}")
    history = _target_series(history, target)
    actual = None if actual is None else _target_series(actual, target)
    if actual is not None:
        report(history, forecast, actual, season)
    else:
        print(forecast.to_string())
    if args.output:
        forecast.to_frame().to_csv(args.output)
        print(f"forecast written to {args.output}")
    if args.plot:
        tail = max(5 * horizon, 3 * season) if args.plot_history is None else args.plot_history
        path = write_plot(history, forecast, actual, args.plot, tail or None)
        print(f"plot written to {path}")
    return 0


def split_holdout(data, holdout: int, horizon: int):
    """The rows to fit on and the held-out rows (None when ``holdout`` is 0)."""
    n_rows = len(data)
    if holdout >= n_rows:
        raise ValueError(f"the series has {n_rows} rows, too short for --holdout {holdout}: no "
                         f"rows would be left to fit on; use a --holdout below {n_rows}")
    if n_rows - holdout <= horizon:
        raise ValueError(
            f"the series has {n_rows} rows ({n_rows - holdout} to fit on after --holdout "
            f"{holdout}), too short for --horizon {horizon}: fitting needs more rows than the "
            f"horizon; use a smaller --horizon or --holdout"
        )
    if holdout == 0:
        return data, None
    return data.iloc[:-holdout], data.iloc[-holdout:]


def build_model(args, horizon: int, season: int, target) -> LSTMForecaster:
    """The forecaster the options describe (not fitted)."""
    return LSTMForecaster(
        window=args.window,
        horizon=horizon,
        season=season,
        target=target,
        epochs=args.epochs,
        device=args.device,
        random_state=args.seed,
        verbose=args.verbose,
    )


def _target_series(data, target) -> pd.Series:
    if isinstance(data, pd.DataFrame):
        return data[target] if target is not None else data.iloc[:, 0]
    return data


def report(history: pd.Series, forecast: pd.Series, actual: pd.Series, season: int) -> None:
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


def write_plot(history, forecast, actual, path: Path, history_tail: int | None) -> Path:
    """Draw history (its last ``history_tail`` steps), forecast and actuals; the path written."""
    ax = plot_forecast(history, forecast, actual, history_tail=history_tail,
                       title=f"tsforecast: {history.name or 'series'}")
    return save_figure(ax.figure, path, dpi=110)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
