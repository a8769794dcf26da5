"""Command-line front end: forecast a CSV file or a bundled data set with LSTMForecaster.

Only calls the public API (datasets, LSTMForecaster, metrics, plotting); errors in the input end
the program with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import datasets, metrics
from ._version import __version__
from ._validation import regular_frequency, seasonal_period
from .forecaster import LSTMForecaster
from .plotting import plot_forecast, plot_panel, save_figure

DESCRIPTION = """\
Forecast a time series, or every series of a panel CSV, with an LSTM.

With --holdout N (default: the horizon), the last N steps are held out: the model is fitted on the
rest, forecasts them, and its accuracy is printed next to the seasonal-naive baseline. With
--holdout 0 the model is fitted on the whole series and forecasts the steps after its end.
A CSV with an --id-column holds many series in long form (one row per series and time step):
one global model is fitted on all of them, the holdout is the last N steps of each series,
and the metrics are averaged over the series.
"""

EXAMPLES = """\
examples:
  tsforecast --dataset air_passengers --plot forecast.png
  tsforecast --csv sales.csv --time-column date --target sales --horizon 14 \\
             --holdout 0 --output f.csv
  tsforecast --csv rain.csv --time-column year --fill-gaps interpolate
  tsforecast --csv sales.csv --id-column store --time-column date --target sales \
             --horizon 6 --output f.csv --plot f.png --plot-ids s1,s7
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


def _coverage(text: str) -> float:
    """An argparse type: a coverage in (0, 1), or 0 for none."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1) or 0; got {text!r}") from None
    if not (value == 0 or 0 < value < 1):
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1), e.g. 0.9, or 0; got {text}")
    return value


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
    source.add_argument("--csv", type=Path, help="a CSV file with one row per time step (per "
                        "series and time step with --id-column)")
    parser.add_argument(
        "--id-column",
        help="CSV column holding the series id of each row: the file is a panel in long form, "
        "every series is fitted by one global model and forecast, and --time-column is needed",
    )
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
    parser.add_argument(
        "--plot-ids",
        help="comma-separated ids of the series a panel's plot shows (default: the first 4)",
    )
    parser.add_argument("--output", type=Path, help="write the forecast as CSV (a panel's in long "
                        "form: id, time and forecast columns)")
    parser.add_argument(
        "--interval",
        type=_coverage,
        help="coverage of a conformal prediction interval, e.g. 0.9: a band in --plot, "
        "lower/upper columns in --output, and its held-out coverage in the report. Default: "
        "0.9 with --plot, else none; 0: none",
    )
    parser.add_argument(
        "--calibration",
        choices=("refit", "validation"),
        default="refit",
        help="how the interval is calibrated (LSTMForecaster's calibration): 'refit' (default) "
        "on the errors of a copy of the model trained without the last third of the series "
        "(the last horizon of each series of a panel of 19 or more), which costs one more "
        "fit; 'validation' on the model's own validation windows (faster, usually too narrow "
        "on short series)",
    )
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
        with _one_line_warnings():
            if args.id_column is not None:
                panel, season = load_panel(args)
                return run_panel(args, panel, season)
            _check_single_options(args)
            data, season = load_series(args)
            return run(args, data, season)
    except BrokenPipeError:
        raise
    except (ValueError, TypeError, OSError, KeyError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"tsforecast: error: {message}", file=sys.stderr)
        return 2


@contextlib.contextmanager
def _one_line_warnings():
    """Show each warning as one line on stderr, ``tsforecast: warning: ...``, without its source."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"tsforecast: warning: {' '.join(str(message).split())}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _check_single_options(args) -> None:
    """Refuse the panel-only options without --id-column."""
    if args.plot_ids is not None:
        raise ValueError("--plot-ids picks series of a panel; it needs --id-column")


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


def read_table(path: Path, time_column: str | None, id_column: str | None = None) -> pd.DataFrame:
    """The CSV file with ``time_column`` (if given) as its sorted index; ``id_column`` is read
    as text (so that ids such as 007 stay as written)."""
    if not path.is_file():
        raise OSError(f"no such file: {path}")
    frame = pd.read_csv(path, dtype=None if id_column is None else {id_column: str})
    if time_column is None:
        return frame
    if time_column not in frame.columns:
        raise ValueError(f"time column {time_column!r} is not in {path}; columns: "
                         f"{list(frame.columns)}")
    index = _time_index(frame.pop(time_column))
    frame = frame.set_axis(index).sort_index()
    if frame.index.has_duplicates:
        first = frame.index[frame.index.duplicated()][0]
        raise ValueError(f"time column {time_column!r} has duplicate timestamps (first: "
                         f"{first}); keep one row per time step")
    return frame


def _time_index(column: pd.Series) -> pd.Index:
    """Integer labels for whole numbers, else a DatetimeIndex parsed from the text; empty
    values are refused."""
    name = column.name
    if column.isna().any():
        raise ValueError(f"time column {name!r} has {int(column.isna().sum())} empty "
                         f"value(s); fill or drop those rows")
    if pd.api.types.is_bool_dtype(column):
        raise ValueError(f"time column {name!r} holds True/False; use dates or whole numbers")
    if pd.api.types.is_integer_dtype(column):
        return pd.Index(column.to_numpy(dtype=np.int64), name=name)
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(dtype=np.float64)
        whole = values == np.round(values)
        if not whole.all():
            raise ValueError(f"time column {name!r} holds numbers that are not whole "
                             f"(first: {values[~whole][0]}); use dates or integer labels")
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
    filled, n_filled, added = _fill_gaps(frame, time_column, fill)
    if n_filled:
        print(f"tsforecast: warning: --fill-gaps {fill} filled {n_filled} of {len(filled)} rows "
              f"({added} missing time step(s) added)", file=sys.stderr)
    return filled


def _fill_gaps(frame: pd.DataFrame, time_column: str | None, fill: str | None):
    """``frame`` on its regular grid and filled, the rows filled, and the time steps added."""
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
        return frame, 0, added
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
    return filled.bfill().ffill(), int(incomplete.sum()), added


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
    interval, coverage = predict_interval(model, args)
    _print_fit(model, season, f"{len(history)} steps")
    history = _target_series(history, target)
    actual = None if actual is None else _target_series(actual, target)
    table = forecast.to_frame() if interval is None else forecast.to_frame().join(interval)
    if actual is not None:
        report(history, forecast, actual, season)
        report_coverage(interval, coverage, actual)
    else:
        print(forecast.to_string() if interval is None else table.to_string())
    if args.output:
        table.to_csv(args.output)
        print(f"forecast written to {args.output}")
    if args.plot:
        tail = max(5 * horizon, 3 * season) if args.plot_history is None else args.plot_history
        path = write_plot(history, forecast, actual, args.plot, tail or None, interval)
        print(f"plot written to {path}")
    return 0


def predict_interval(model: LSTMForecaster, args):
    """The --interval prediction interval and its coverage, (None, None) for none. The 90%
    band drawn by default with --plot is left out, with a warning, when the model cannot make
    it; an --interval asked for raises."""
    if not wants_interval(args):
        return None, None
    coverage = args.interval or 0.9
    try:
        return model.predict_interval(coverage=coverage), coverage
    except ValueError as error:
        if args.interval:
            raise
        warnings.warn(f"the plot has no prediction interval: {error}", UserWarning,
                      stacklevel=2)
        return None, None


def wants_interval(args) -> bool:
    """Whether the run shows an interval: --interval above 0, or --plot without --interval."""
    return bool(args.interval) or (args.interval is None and bool(args.plot))


def report_coverage(interval, coverage, actual) -> None:
    """One line: how many held-out values the interval holds (single series or long panel)."""
    if interval is None:
        return
    if isinstance(interval, pd.DataFrame) and "lower" in interval and len(interval) == len(
            actual):
        values = actual.to_numpy() if isinstance(actual, pd.Series) else actual
        lower, upper = interval["lower"].to_numpy(), interval["upper"].to_numpy()
        inside = int(np.sum((values >= lower) & (values <= upper)))
        print(f"{coverage:.0%} prediction interval (conformal): holds {inside} of {len(values)} "
              f"held-out values, mean width {np.mean(upper - lower):.4g}")


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
    """The forecaster the options describe (not fitted); a panel's column names with
    --id-column."""
    columns = {} if args.id_column is None else {"id_column": args.id_column,
                                                 "time_column": args.time_column}
    return LSTMForecaster(
        window=args.window,
        horizon=horizon,
        season=season,
        target=target,
        **columns,
        epochs=args.epochs,
        calibration=args.calibration if wants_interval(args) else "validation",
        device=args.device,
        random_state=args.seed,
        verbose=args.verbose,
    )


def _print_fit(model: LSTMForecaster, season: int, data: str) -> None:
    """One line: the model's window, horizon and seasonal adjustment, and how it trained."""
    where = " where significant" if model.n_series_ > 1 else ""
    adjusted = "" if model.seasonal_profile_ is None else f", season {season} removed{where}"
    print(f"fitted LSTMForecaster(window={model.window_}, horizon={model.horizon_}{adjusted}) on "
          f"{data} in {len(model.history_['loss'])} epochs (best: {model.best_epoch_ + 1}) on "
          f"{model.device_}")


def _target_series(data, target) -> pd.Series:
    if isinstance(data, pd.DataFrame):
        return data[target] if target is not None else data.iloc[:, 0]
    return data


def report(history: pd.Series, forecast: pd.Series, actual: pd.Series, season: int) -> None:
    """Print the forecast's accuracy next to the seasonal-naive forecast's."""
    model, naive, lag = _holdout_scores(history.to_numpy(), forecast.to_numpy(),
                                        actual.to_numpy(), season)
    print(f"held-out accuracy over {min(len(forecast), len(actual))} steps:")
    _print_scores("model", {"LSTMForecaster": model, f"seasonal naive (m={lag})": naive})


def _holdout_scores(y_train, y_pred, y_actual, season: int):
    """MAE, RMSE, sMAPE and MASE of the forecast and of seasonal naive (the last season
    repeated) over the steps both cover, and the naive forecast's lag."""
    steps = min(len(y_pred), len(y_actual))
    y_true = y_actual[:steps]
    lag = season if len(y_train) > season else 1
    naive = np.resize(y_train[-lag:], steps)
    return (_scores(y_true, y_pred[:steps], y_train, lag), _scores(y_true, naive, y_train, lag),
            lag)


def _scores(y_true, y_pred, y_train, lag: int) -> np.ndarray:
    """MAE, RMSE, sMAPE and MASE; MASE is NaN where it is undefined (a constant history, or
    one too short for its lag)."""
    try:
        mase = metrics.mase(y_true, y_pred, y_train, season=lag)
    except ValueError:
        mase = np.nan
    return np.array([metrics.mae(y_true, y_pred), metrics.rmse(y_true, y_pred),
                     metrics.smape(y_true, y_pred), mase])


def _print_scores(first: str, rows: dict, extra: str | None = None) -> None:
    """A table of MAE, RMSE, sMAPE and MASE (then an ``extra`` column) by row name."""
    print(f"  {first:<24}{'MAE':>10}{'RMSE':>10}{'sMAPE %':>10}{'MASE':>8}"
          + ("" if extra is None else f"{extra:>12}"))
    widths = (10, 10, 10, 8, 12)
    for name, scores in rows.items():
        cells = [_cell(v, w, 2 if i == 2 else 3) for i, (v, w) in enumerate(zip(scores, widths))]
        print(f"  {str(name):<24}{''.join(cells)}")


def _cell(value: float, width: int, digits: int) -> str:
    return f"{'n/a':>{width}}" if np.isnan(value) else f"{value:>{width}.{digits}f}"


def write_plot(history, forecast, actual, path: Path, history_tail: int | None,
               interval=None) -> Path:
    """Draw history (its last ``history_tail`` steps), forecast, actuals and the interval band;
    the path written."""
    ax = plot_forecast(history, forecast, actual, interval=interval, history_tail=history_tail,
                       title=f"tsforecast: {history.name or 'series'}")
    return save_figure(ax.figure, path, dpi=110)


# ---------------------------------------------------------------------------------------------
# panels: a long CSV with an id column -> one global model, per-series holdout and metrics

MAX_LISTED = 10  # the metrics report lists each series when there are at most this many
PLOTTED = 4  # series a panel's plot shows without --plot-ids


def load_panel(args) -> tuple[pd.DataFrame, int]:
    """A long frame [id, time, numeric columns], each series sorted by time and on a regular
    grid, and the seasonal period (from the longest series)."""
    id_column, time_column = args.id_column, args.time_column
    if args.csv is None:
        raise ValueError("--id-column reads a panel from a CSV file; it needs --csv")
    if time_column is None:
        raise ValueError(f"--id-column needs --time-column: name the column of {args.csv} "
                         f"holding the time of each row")
    if time_column == id_column:
        raise ValueError(f"--id-column and --time-column must name different columns; both "
                         f"are {id_column!r}")
    frame = read_table(args.csv, None, id_column)
    for what, name in (("id", id_column), ("time", time_column)):
        if name not in frame.columns:
            raise ValueError(f"{what} column {name!r} is not in {args.csv}; columns: "
                             f"{list(frame.columns)}")
    ids = frame.pop(id_column)
    if ids.isna().any():
        raise ValueError(f"id column {id_column!r} has {int(ids.isna().sum())} empty value(s); "
                         f"fill or drop those rows")
    time = _time_index(frame.pop(time_column))
    values = _select_columns(frame, args.target, args.csv).set_axis(time)
    parts, filled, added = {}, [], 0
    for key, part in values.groupby(ids.to_numpy(), sort=False):
        parts[key], n_filled, n_added = _panel_series(part, key, time_column, args.fill_gaps)
        filled.append(n_filled)
        added += n_added
    if sum(filled):
        rows = sum(len(part) for part in parts.values())
        print(f"tsforecast: warning: --fill-gaps {args.fill_gaps} filled {sum(filled)} of {rows} "
              f"rows in {np.count_nonzero(filled)} of {len(parts)} series ({added} missing time "
              f"step(s) added)", file=sys.stderr)
    panel = pd.concat(parts, names=[id_column, time_column]).reset_index()
    longest = max(parts.values(), key=len)
    return panel, args.season or _infer_season(longest.index)


def _panel_series(part: pd.DataFrame, key, time_column: str, fill: str | None):
    """One series of a panel sorted, on its regular grid and filled (errors name the series)."""
    part = part.sort_index(kind="stable")
    if part.index.has_duplicates:
        first = part.index[part.index.duplicated()][0]
        raise ValueError(f"series {key!r} has duplicate timestamps in column {time_column!r} "
                         f"(first: {first}); keep one row per series and time step")
    try:
        return _fill_gaps(part, time_column, fill)
    except ValueError as error:
        raise ValueError(f"series {key!r}: {error}") from None


def run_panel(args, panel: pd.DataFrame, season: int) -> int:
    """Fit one model on every series less its holdout, print the forecasts or their accuracy,
    write files."""
    horizon = args.horizon or (season if season > 1 else 6)
    holdout = horizon if args.holdout is None else args.holdout
    ids = pd.unique(panel[args.id_column])
    plot_ids = _plot_ids(args, ids)
    history, actual = split_panel_holdout(panel, args.id_column, holdout, horizon)
    target = args.target or panel.columns[2]  # else the only numeric column
    model = build_model(args, horizon, season, target).fit(history)
    forecast = model.predict()
    interval, coverage = predict_interval(model, args)
    if interval is not None:
        forecast = forecast.merge(interval, on=[args.id_column, args.time_column])
    _print_fit(model, season, f"{len(ids)} series ({len(history)} rows)")
    if actual is not None:
        report_panel(history, forecast, actual, season, args.id_column, target)
        if interval is not None:
            held = actual.merge(interval, on=[args.id_column, args.time_column])
            report_coverage(held, coverage, held[target])
    else:
        print(forecast.to_string(index=False, max_rows=60))
    if args.output:
        forecast.to_csv(args.output, index=False)
        print(f"forecast of {len(ids)} series written to {args.output}")
    if args.plot:
        tail = max(5 * horizon, 3 * season) if args.plot_history is None else args.plot_history
        path = write_panel_plot(history, forecast, actual, args, plot_ids, tail or None,
                                interval)
        print(f"plot of {len(plot_ids)} of {len(ids)} series written to {path}")
    return 0


def _plot_ids(args, ids: np.ndarray) -> list:
    """The ids --plot-ids names (each checked), else the first few; [] without --plot."""
    if args.plot_ids is None:
        return list(ids[:PLOTTED]) if args.plot else []
    if not args.plot:
        raise ValueError("--plot-ids picks the series of the plot; it needs --plot")
    chosen = [key.strip() for key in args.plot_ids.split(",") if key.strip()]
    if not chosen:
        raise ValueError("--plot-ids names no series; give comma-separated ids, e.g. "
                         "--plot-ids a,b")
    unknown = [key for key in chosen if key not in set(ids)]
    if unknown:
        more = " ..." if len(ids) > 10 else ""
        raise ValueError(f"--plot-ids: series {unknown} not in {args.csv}; its ids: "
                         f"{list(ids[:10])}{more}")
    return chosen


def split_panel_holdout(panel: pd.DataFrame, id_column: str, holdout: int, horizon: int):
    """The rows to fit on and the last ``holdout`` rows of each series (None when 0)."""
    lengths = panel.groupby(id_column, sort=False).size()
    short = lengths[lengths <= holdout]
    if len(short):
        raise ValueError(
            f"{len(short)} of {len(lengths)} series have at most {holdout} rows (first: "
            f"{short.index[0]!r}, {short.iloc[0]} rows), too short for --holdout {holdout}: no "
            f"rows would be left to fit on; use a --holdout below {lengths.min()}"
        )
    if lengths.max() - holdout <= horizon:
        raise ValueError(
            f"the longest series has {lengths.max()} rows ({lengths.max() - holdout} to fit on "
            f"after --holdout {holdout}), too short for --horizon {horizon}: fitting needs more "
            f"rows than the horizon; use a smaller --horizon or --holdout"
        )
    if holdout == 0:
        return panel, None
    held = panel.groupby(id_column, sort=False).cumcount(ascending=False) < holdout
    return panel[~held], panel[held]


def report_panel(history, forecast, actual, season: int, id_column: str, target: str) -> None:
    """Print the forecasts' accuracy averaged over the series next to seasonal naive's, and
    per series when there are few."""
    def by_id(frame):
        return {key: part[target].to_numpy() for key, part in frame.groupby(id_column, sort=False)}

    train, predicted, true = by_id(history), by_id(forecast), by_id(actual)
    model, naive, lags = {}, {}, set()
    for key, y_train in train.items():
        model[key], naive[key], lag = _holdout_scores(y_train, predicted[key], true[key], season)
        lags.add(lag)
    steps = min(len(next(iter(predicted.values()))), len(next(iter(true.values()))))
    lag = "/".join(str(m) for m in sorted(lags, reverse=True))
    print(f"held-out accuracy over {steps} steps of {len(train)} series (mean over series):")
    _print_scores("model", {"LSTMForecaster": _mean_over_series(model),
                            f"seasonal naive (m={lag})": _mean_over_series(naive)})
    if len(train) > MAX_LISTED:
        print(f"per series: not listed for more than {MAX_LISTED} series")
        return
    print("per series (LSTMForecaster; last column: seasonal naive's MASE):")
    _print_scores("series", {key: [*model[key], naive[key][3]] for key in train},
                  extra="naive MASE")


def _mean_over_series(scores: dict) -> np.ndarray:
    """Each metric's mean over the series where it is defined (NaN where it is nowhere)."""
    table = np.array(list(scores.values()))  # (n_series, 4)
    defined = ~np.isnan(table)
    total = np.where(defined, table, 0.0).sum(axis=0)
    count = defined.sum(axis=0)
    return np.divide(total, count, out=np.full(table.shape[1], np.nan), where=count > 0)


def write_panel_plot(history, forecast, actual, args, ids: list, history_tail,
                     interval=None) -> Path:
    """Draw the chosen series of a panel, one subplot each; the path written."""
    target = forecast.columns[2]
    axes = plot_panel(history, forecast, actual, interval=interval, ids=ids,
                      id_column=args.id_column,
                      time_column=args.time_column, target=target, history_tail=history_tail)
    figure = axes[0].figure
    figure.suptitle(f"tsforecast: {target}")
    return save_figure(figure, args.plot, dpi=110)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
