"""Command-line front end: forecast a CSV file or a bundled data set with LSTMForecaster.

One pipeline, a single series being a panel of one: read the input into long form
(:mod:`tsforecast._csv_input`), split off the holdout, fit, forecast, report, write. Otherwise
calls only the public API; bad input ends with a one-line message and exit code 2.
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
from ._csv_input import FILL_METHODS, CsvPanel, panel_of_one, read_panel_csv
from ._version import __version__
from .conformal import ConformalIntervals
from .forecaster import LSTMForecaster
from .plotting import plot_forecast, plot_panel, save_figure

MAX_LISTED = 10  # the metrics report lists each series of a panel of at most this many
PLOTTED = 4  # series a panel's plot shows without --plot-ids

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
  tsforecast --csv sales.csv --id-column store --time-column date --target sales \\
             --horizon 6 --output f.csv --plot f.png --plot-ids s1,s7
"""


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
            value = None
        if value is None or value < minimum:
            got = repr(text) if value is None else value
            raise argparse.ArgumentTypeError(f"must be an int >= {minimum}; got {got}")
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
    """The argument parser; its --help documents every option.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(prog="tsforecast", description=DESCRIPTION, epilog=EXAMPLES,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=sorted(datasets.DATASETS), help="a bundled data "
                        "set (default: air_passengers when no --csv is given)")
    source.add_argument("--csv", type=Path, help="a CSV file with one row per time step (per "
                        "series and time step with --id-column)")
    add = parser.add_argument
    add("--id-column", help="CSV column holding the series id of each row: the file is a panel "
        "in long form, every series is fitted by one global model and forecast, and "
        "--time-column is needed")
    add("--time-column", help="CSV column holding the time of each row: dates or timestamps "
        "(parsed as dates, e.g. 2024-01-31), or whole numbers (kept as integer labels, e.g. "
        "years 1990, 1991; the forecast continues their step). Default: none (rows are numbered "
        "0, 1, ...)")
    add("--target", help="CSV column to forecast; the other numeric columns become past "
        "covariates. Default: the only numeric column")
    add("--fill-gaps", choices=FILL_METHODS, help="put the series on a regular time grid: add "
        "the missing time steps and fill missing values by linear interpolation in time or by "
        "carrying the last value forward (values missing at the start take the first observed "
        "value); prints how many rows were filled. Default: refuse gaps and missing values")
    add("--horizon", type=_int_at_least(1), help="steps to forecast (default: the season, or 6)")
    add("--window", type=_int_at_least(1), help="past steps the LSTM reads (default: max(2 "
        "seasons, horizon, 10), capped for short series)")
    add("--season", type=_int_at_least(1), help="seasonal period for the model (its window and "
        "seasonal adjustment), the baseline and MASE; 1 for none (default: inferred from the "
        "dates' frequency)")
    add("--holdout", type=_int_at_least(0), help="steps held out for evaluation (default: the "
        "horizon; 0: none)")
    add("--epochs", type=_int_at_least(1), default=100, help="maximum epochs (default: 100)")
    add("--seed", type=_int_at_least(0), default=0, help="random seed (default: 0)")
    add("--device", default="auto", help="auto, cpu, cuda or mps (default: auto)")
    add("--plot", type=Path, help="write a plot of history, forecast and actuals; the format "
        "follows the suffix (.png, .pdf, .svg; .png when there is none)")
    add("--plot-history", type=_int_at_least(0), help="how many of the last history steps the "
        "plot shows (default: max(5 x horizon, 3 seasons); 0: all)")
    add("--plot-ids", help="comma-separated ids of the series a panel's plot shows (default: "
        "the first 4)")
    add("--output", type=Path, help="write the forecast as CSV (a panel's in long form: id, "
        "time and forecast columns)")
    add("--interval", type=_coverage, help="coverage of a conformal prediction interval, e.g. "
        "0.9: a band in --plot, lower/upper columns in --output, and its held-out coverage in "
        "the report. Default: 0.9 with --plot, else none; 0: none")
    add("--calibration", choices=("auto", "refit", "validation"), default="auto", help=
        "interval calibration, as ConformalIntervals(calibration=...): 'auto' (default) as "
        "'validation' for a panel of 19 series or more, else the errors of 'refit' averaged "
        "with those of 'validation'; 'refit' on the errors of a copy trained without the last "
        "third of the series (at most 20 windows); 'validation' on the model's validation "
        "windows (too narrow on one short series)")
    add("--verbose", "-v", action="count", default=0, help="show training progress")
    add("--version", action="version", version=f"tsforecast {__version__}")
    return parser


def main(argv=None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0; 2 for bad input; 1 when the output's reader left early (``| head``).
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
            _check_options(args)
            run(args, load_data(args))
            return 0
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


def _check_options(args) -> None:
    """Refuse --plot-ids without --id-column or --plot, and --id-column without --csv."""
    if args.plot_ids is not None and args.id_column is None:
        raise ValueError("--plot-ids picks series of a panel; it needs --id-column")
    if args.id_column is not None and args.csv is None:
        raise ValueError("--id-column reads a panel from a CSV file; it needs --csv")
    if args.plot_ids is not None and not args.plot:
        raise ValueError("--plot-ids picks the series of the plot; it needs --plot")


def load_data(args) -> CsvPanel:
    """The series to forecast, in long form: the bundled data set as a panel of one, or the
    CSV file on regular time grids (a line on stderr says how many rows --fill-gaps filled).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.

    Returns
    -------
    CsvPanel
    """
    if args.csv is None:
        loader, season = datasets.DATASETS[args.dataset or "air_passengers"]
        return panel_of_one(loader(), season)
    data = read_panel_csv(args.csv, id_column=args.id_column, time_column=args.time_column,
                          target=args.target, fill=args.fill_gaps)
    if sum(data.rows_filled):
        print(f"tsforecast: warning: {data.describe_filling(args.fill_gaps)}", file=sys.stderr)
    return data


def run(args, data: CsvPanel) -> None:
    """Fit one model on every series less its holdout; print the forecast or its accuracy;
    write the forecast and the plot.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.
    data : CsvPanel
        The series, from :func:`load_data`.
    """
    season = args.season or data.season
    horizon = args.horizon or (season if season > 1 else 6)
    holdout = horizon if args.holdout is None else args.holdout
    plot_ids = _plot_ids(args, data)
    history, actual = data.split(holdout, horizon)
    target = args.target or data.frame.columns[0]
    model = _build_model(args, data, horizon, season, target).fit(data.as_given(history))
    interval, coverage = _predict_interval(model, args)
    table = data.join_given(model.predict(), interval)  # the forecast and lower/upper columns
    _print_fit(model, season, data, len(history))
    if actual is None:
        _print_forecast(data, table)
    else:
        report_accuracy(history, data.as_long(table), actual, season, target, data.is_panel)
        _report_coverage(data, interval, coverage, actual[target])
    if args.output:
        table.to_csv(args.output, index=not data.is_panel)
        of_series = f" of {len(data.ids)} series" if data.is_panel else ""
        print(f"forecast{of_series} written to {args.output}")
    if args.plot:
        tail = max(5 * horizon, 3 * season) if args.plot_history is None else args.plot_history
        _write_plot(data, target, (history, actual, table, interval), args.plot, plot_ids,
                    tail or None)


def _plot_ids(args, data: CsvPanel) -> list:
    """The ids --plot-ids names (each checked), else a panel's first few; [] without --plot."""
    if args.plot_ids is None:
        return list(data.ids[:PLOTTED]) if args.plot and data.is_panel else []
    chosen = [key.strip() for key in args.plot_ids.split(",") if key.strip()]
    if not chosen:
        raise ValueError("--plot-ids names no series; give comma-separated ids, e.g. "
                         "--plot-ids a,b")
    unknown = [key for key in chosen if key not in set(data.ids)]
    if unknown:
        more = " ..." if len(data.ids) > 10 else ""
        raise ValueError(f"--plot-ids: series {unknown} not in {args.csv}; its ids: "
                         f"{list(data.ids[:10])}{more}")
    return chosen


def _build_model(args, data: CsvPanel, horizon: int, season: int, target: str) -> LSTMForecaster:
    """The forecaster the options describe (not fitted): a panel's names its columns, a single
    series' its target only beside covariates."""
    columns = ({"columns": {"id": data.id_column, "time": data.time_column}, "target": target}
               if data.is_panel else {"target": target if data.frame.shape[1] > 1 else None})
    return LSTMForecaster(
        window=args.window, horizon=horizon, season=season, **columns, epochs=args.epochs,
        intervals=ConformalIntervals(calibration=args.calibration), device=args.device,
        random_state=args.seed, verbose=args.verbose,
    )


def _wants_interval(args) -> bool:
    """Whether the run shows an interval: --interval above 0, or --plot without --interval."""
    return bool(args.interval) or (args.interval is None and bool(args.plot))


def _predict_interval(model: LSTMForecaster, args):
    """The --interval prediction interval and its coverage, (None, None) for none. The 90%
    band drawn by default with --plot is left out, with a warning, when the model cannot make
    it; an --interval asked for raises."""
    if not _wants_interval(args):
        return None, None
    coverage = args.interval or 0.9
    try:
        return model.predict_interval(coverage=coverage), coverage
    except ValueError as error:
        if args.interval:
            raise
        warnings.warn(f"the plot has no prediction interval: {error}", UserWarning, 2)
        return None, None


def _print_fit(model: LSTMForecaster, season: int, data: CsvPanel, n_rows: int) -> None:
    """One line: the model's window, horizon, seasonal adjustment, smoothing and training."""
    adjusted = "" if model.seasonal_profile_ is None else f", season {season} removed"
    fitted_on = f"{len(data.ids)} series ({n_rows} rows)" if data.is_panel else f"{n_rows} steps"
    m, epochs = model.model_, len(model.history_["loss"])
    chosen = f" chosen of {len(m['scores'])}" if m["scores"] else ""
    chosen += " + exponential smoothing" if m.get("smoothing") else ""
    print(f"fitted LSTMForecaster(window={model.window_}, horizon={model.horizon_}{adjusted}; "
          f"{m['network']}, scaler={m['scaler']}, loss={m['loss']}{chosen}) on {fitted_on} in "
          f"{epochs} epochs (best: {model.best_epoch_ + 1}) on {model.device_}")


def _print_forecast(data: CsvPanel, table: pd.DataFrame) -> None:
    """The forecast on stdout: a panel's first rows, a single column as a series."""
    if data.is_panel:
        print(table.to_string(index=False, max_rows=60))
    else:
        print((table.iloc[:, 0] if table.shape[1] == 1 else table).to_string())


def report_accuracy(history, forecast, actual, season: int, target: str, per_series: bool):
    """Print the forecasts' accuracy next to seasonal naive's (the last season repeated).

    Parameters
    ----------
    history, forecast, actual : DataFrame
        Indexed by (series id, time): the rows fitted on, the forecasts, the held-out rows.
    season : int
        The seasonal period of the naive forecast and of MASE.
    target : str
        The column scored.
    per_series : bool
        Whether the series form a panel: then the means over the series are labelled so, and
        each series is listed when there are at most ``MAX_LISTED``.
    """
    train, predicted, true = (_by_series(frame[target]) for frame in (history, forecast, actual))
    model, naive, lags = {}, {}, set()
    for key, y_train in train.items():
        model[key], naive[key], lag = _holdout_scores(y_train, predicted[key], true[key], season)
        lags.add(lag)
    steps = min(len(next(iter(predicted.values()))), len(next(iter(true.values()))))
    lag = "/".join(str(m) for m in sorted(lags, reverse=True))
    over = f" of {len(train)} series (mean over series)" if per_series else ""
    print(f"held-out accuracy over {steps} steps{over}:")
    _print_scores("model", {"LSTMForecaster": _mean_over_series(model),
                            f"seasonal naive (m={lag})": _mean_over_series(naive)})
    if per_series and len(train) > MAX_LISTED:
        print(f"per series: not listed for more than {MAX_LISTED} series")
    elif per_series:
        print("per series (LSTMForecaster; last column: seasonal naive's MASE):")
        _print_scores("series", {key: [*model[key], naive[key][3]] for key in train},
                      extra="naive MASE")


def _by_series(values: pd.Series) -> dict:
    """Each series' values as an array, by id."""
    return {key: part.to_numpy() for key, part in values.groupby(level=0, sort=False)}


def _holdout_scores(y_train, y_pred, y_actual, season: int):
    """The scores of the forecast and of seasonal naive (the last season repeated) over the
    steps both cover, and the naive forecast's lag."""
    steps = min(len(y_pred), len(y_actual))
    lag = season if len(y_train) > season else 1
    forecasts = (y_pred[:steps], np.resize(y_train[-lag:], steps))
    return (*(_scores(y_actual[:steps], y, y_train, lag) for y in forecasts), lag)


def _scores(y_true, y_pred, y_train, lag: int) -> np.ndarray:
    """MAE, RMSE, sMAPE and MASE; MASE is NaN where it is undefined (a constant history, or
    one too short for its lag)."""
    try:
        mase = metrics.mase(y_true, y_pred, y_train, season=lag)
    except ValueError:
        mase = np.nan
    return np.array([metrics.mae(y_true, y_pred), metrics.rmse(y_true, y_pred),
                     metrics.smape(y_true, y_pred), mase])


def _mean_over_series(scores: dict) -> np.ndarray:
    """Each metric's mean over the series where it is defined (NaN where it is nowhere)."""
    table = np.array(list(scores.values()))  # (n_series, 4)
    defined = ~np.isnan(table)
    total, count = np.where(defined, table, 0.0).sum(axis=0), defined.sum(axis=0)
    return np.divide(total, count, out=np.full(table.shape[1], np.nan), where=count > 0)


def _print_scores(first: str, rows: dict, extra: str | None = None) -> None:
    """A table of MAE, RMSE, sMAPE and MASE (then an ``extra`` column) by row name."""
    print(f"  {first:<24}{'MAE':>10}{'RMSE':>10}{'sMAPE %':>10}{'MASE':>8}"
          + ("" if extra is None else f"{extra:>12}"))
    widths, digits = (10, 10, 10, 8, 12), (3, 3, 2, 3, 3)
    for name, scores in rows.items():
        cells = ["n/a".rjust(w) if np.isnan(v) else f"{v:>{w}.{d}f}"
                 for v, w, d in zip(scores, widths, digits)]
        print(f"  {str(name):<24}{''.join(cells)}")


def _report_coverage(data: CsvPanel, interval, coverage, actual: pd.Series) -> None:
    """One line: how many held-out values the interval holds, and its mean width. A single
    series has the line only when its forecast is exactly as long as the holdout."""
    if interval is None or not data.is_panel and len(interval) != len(actual):
        return
    held = actual.to_frame().join(data.as_long(interval), how="inner")
    values, lower, upper = (held[column].to_numpy() for column in (actual.name, "lower", "upper"))
    inside = int(np.sum((values >= lower) & (values <= upper)))
    print(f"{coverage:.0%} prediction interval (conformal): holds {inside} of {len(values)} "
          f"held-out values, mean width {np.mean(upper - lower):.4g}")


def _write_plot(data: CsvPanel, target: str, frames: tuple, path: Path, ids: list,
                history_tail: int | None) -> None:
    """Draw history, forecast, actuals and interval band (a panel's chosen series, one subplot
    each) and write the figure. ``frames``: the rows fitted on and held out (indexed like
    ``data.frame``), and the forecast table and interval as LSTMForecaster returns them."""
    history, actual, table, interval = frames
    history, actual = (rows if rows is None else data.as_given(rows) for rows in (history, actual))
    if data.is_panel:
        figure = plot_panel(history, table, actual, interval=interval, ids=ids,
                            id_column=data.id_column, time_column=data.time_column,
                            target=target, history_tail=history_tail)[0].figure
        figure.suptitle(f"tsforecast: {target}")
        shown = f" of {len(ids)} of {len(data.ids)} series"
    else:
        history = history[target]
        figure = plot_forecast(history, table[target], None if actual is None else actual[target],
                               interval=interval, history_tail=history_tail,
                               title=f"tsforecast: {history.name or 'series'}").figure
        shown = ""
    print(f"plot{shown} written to {save_figure(figure, path, dpi=110)}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
