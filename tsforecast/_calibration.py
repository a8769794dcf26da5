"""Intervals and quantiles of a fitted state: which method answers a request, the bands around
the point forecasts (trained quantiles, conformal radii, conformalized quantiles), and the
calibration tables made from forecast errors over past windows.

Plain functions of a ForecasterState and of stacked rows; the tables themselves are built and
read by ``_intervals``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._batches import DevicePanel
from ._context import Context, Rows, panel_transforms
from ._distributed import all_lengths, all_rows
from ._forecasting import (
    append_rows,
    blended,
    context_smoothing,
    device_rows,
    network_outputs,
    origins,
)
from ._intervals import (
    conformal_radius,
    conformal_table,
    error_scores,
    level_positions,
    pooled_table,
    pools,
    quantile_pairs,
    quantile_scores,
    quantile_tables,
    relative_offsets,
    spread_divisors,
    spread_level,
)
from ._panel import Panel
from ._state import Calibration, ForecasterState
from ._torch_utils import to_numpy
from ._training import predict_module
from ._transforms import Transforms
from ._validation import check_int
from ._warnings import warn
from ._windowing import ragged_arange

INTERVAL_METHODS = ("auto", "conformal", "quantile", "cqr")


def interval_method(state: ForecasterState, method, levels) -> str:
    """The method that answers ``levels``; raise when the model cannot."""
    if method not in INTERVAL_METHODS:
        raise ValueError(f"method must be one of {INTERVAL_METHODS}; got method={method!r}.")
    trained = state.quantiles
    decreasing = state.target_decreasing is not None and bool(np.any(state.target_decreasing))
    asked = [*levels, *(1 - a for a in levels)] if decreasing else levels  # both, see bands
    have_levels = level_positions(trained, asked) is not None
    if method == "auto":
        method = ("conformal" if not have_levels
                  else "cqr" if _can_conformalize(state, levels) else "quantile")
    if method in ("quantile", "cqr") and not have_levels:
        if trained is None:
            raise ValueError(
                f"method={method!r} needs a model fitted with quantiles=..., e.g. "
                f"LSTMForecaster(quantiles=(0.05, 0.5, 0.95)); this one forecasts the point "
                f"only. Refit with quantiles, or use method='conformal'."
            )
        raise ValueError(
            f"method={method!r} reads the trained levels {list(trained)}, which do not hold "
            f"every level of {[round(level, 6) for level in levels]}; refit with those "
            f"quantiles, or use method='conformal'."
        )
    unpaired = _unpaired_level(trained, levels) if method == "cqr" else None
    if unpaired is not None:
        raise ValueError(
            f"method='cqr' calibrates central intervals of pairs of trained quantiles "
            f"(a and 1 - a), but level {unpaired:g} was trained without "
            f"{1 - unpaired:g} (trained: {list(trained)}). Refit with both, or use "
            f"method='quantile' or 'conformal'."
        )
    if method != "quantile" and state.calibration.errors is None:
        raise ValueError(
            "Conformal intervals are calibrated on the validation windows of fit, but this "
            "forecaster has none (validation_fraction=0, series too short to hold windows "
            "out, or a file saved before intervals existed). Refit with "
            "validation_fraction > 0 (e.g. 0.2), calibrate on past windows with "
            "calibrate(X, n_windows=...), fit with quantiles=... and use "
            "method='quantile', or measure the errors over past cutoffs with "
            "tsforecast.model_selection.backtest."
        )
    if method != "quantile" and state.calibration.in_sample:
        warn(
            "The fit held no validation window and the series were too short for a "
            "calibration copy (or validation_fraction=0), so the intervals are calibrated "
            "on the errors of a naive forecast (each training window's last value) over "
            "the training windows: a rough guide, usually wide where the series trends. "
            "For model-based ones, fit on longer series or one model on many series, or "
            "calibrate on later data with calibrate(X_later)."
        )
    if method == "cqr" and state.calibration.quantile_errors is None:
        raise ValueError(
            "method='cqr' needs the conformity scores of the trained quantiles, which this "
            "forecaster lacks (a file saved before they were kept); recalibrate it with "
            "calibrate(X, ...)."
        )
    return method


def _can_conformalize(state: ForecasterState, levels) -> bool:
    """Whether "cqr" answers ``levels`` (all trained): scores kept, every pair trained."""
    return (state.calibration.quantile_errors is not None
            and _unpaired_level(state.quantiles, levels) is None)


def _unpaired_level(trained, levels) -> float | None:
    """The first of ``levels`` (not 0.5) trained without its mirror ``1 - a``, or None."""
    lows = [trained[low] for low, _ in quantile_pairs(trained)]
    for level in levels:
        if abs(level - 0.5) > 1e-9 and not any(
                abs(min(level, 1 - level) - low) < 1e-9 for low in lows):
            return level
    return None


def horizon_bands(state: ForecasterState, context: Context, future, levels, method,
                  pooling, adaptive=None) -> np.ndarray:
    """The quantiles ``levels`` (n_series, H, T, K) of the forecast after every series of the
    context; with future-known columns each series gets ``horizon`` rows appended that hold
    ``future`` (the targets' rows are never read). ``adaptive``: see :func:`predict_bands`
    (the past origins are those inside the context)."""
    rows, ends = context.rows, context.ends
    if future is not None:
        rows = append_rows(rows, state.horizon, future, state.n_targets)
        ends = rows.offsets[1:] - state.horizon
    series = np.arange(context.n_series)
    return predict_bands(state, rows, ends, series, levels, method, pooling, adaptive)[1]


def rolling_bands(state: ForecasterState, panel: Panel, starts, series, levels, method,
                  pooling, adaptive=None) -> tuple[np.ndarray, np.ndarray]:
    """Point forecasts (N, H, T) and quantiles ``levels`` (N, H, T, K) of the rolling origins
    whose windows start at rows ``starts`` (N,) of ``series`` (N,) (see ``origins``), from
    one batched pass; the point forecasts are those of ``_forecasting.rolling``."""
    rows = Rows(panel.values, panel.offsets, panel_transforms(state, panel))
    return predict_bands(state, rows, starts + state.window, series, levels, method, pooling,
                         adaptive)


def predict_bands(state: ForecasterState, rows: Rows, ends, series, levels, method,
                  pooling, adaptive=None) -> tuple[np.ndarray, np.ndarray]:
    """Point forecasts (N, H, T) and the quantiles ``levels`` (N, H, T, K), in data units,
    from one batched pass over the windows ending (exclusive) at rows ``ends`` of ``series``;
    ``pooling`` is the ``conformal_pooling`` setting. ``adaptive`` (an int ``m``, or None):
    for "conformal" and "cqr", every bound's distance from the point forecast is multiplied
    by :func:`adaptive_factors` of its origin and target (one more pass, over the one-step
    origins it reads)."""
    data = device_rows(state, rows)
    outputs = network_outputs(state, rows, ends, series, data)
    median = outputs[..., state.median_position()]  # (N, H, T)
    transforms = rows.transforms
    last_steps = transforms.steps[ends - 1]
    point = transforms.invert(median, series, last_steps)
    scaled = _scaled_bands(state, outputs, median, levels, method, pooling)  # (N, H, T, K)
    flip = None if transforms.target is None else transforms.target.decreasing  # (T,)
    if flip is not None and flip.any():  # a decreasing inverse: network 1 - a -> data a
        mirrored = _scaled_bands(state, outputs, median, [1 - a for a in levels], method,
                                 pooling)
        scaled = np.where(flip[:, None], mirrored, scaled)
    if method != "quantile":
        offsets = scaled - median[..., None]
        factors = _band_factors(state, rows, data, ends, series, method, adaptive)  # (N, T)
        if factors is not None:
            offsets = factors[:, None, :, None] * offsets
        log_scale = log_scales(transforms, state.n_targets)
        if method == "conformal" and state.calibration.relative and log_scale is not None:
            offsets = relative_offsets(offsets, log_scale[series])
        scaled = median[..., None] + offsets
    return point, _invert_bands(transforms, scaled, series, last_steps)


def _band_factors(state: ForecasterState, rows: Rows, data: DevicePanel, ends, series, method,
                  adaptive) -> np.ndarray | None:
    """What each band's distances from the point forecast (N, T) are multiplied by (None:
    1): for "conformal" with tables in spreads, the spread of the window forecast from;
    with ``adaptive`` (an int ``m``), the adaptive factor."""
    factors = None
    if method == "conformal" and state.calibration.spread is not None:
        spreads = window_spread(data, ends - state.window, rows.offsets[series])
        factors = spread_divisors(spreads, state.calibration.spread)
    if adaptive is not None:
        adapted = adaptive_factors(state, rows, data, ends, series, adaptive)
        factors = adapted if factors is None else factors * adapted
    return factors


def adaptive_factors(state: ForecasterState, rows: Rows, data: DevicePanel, ends, series,
                     m: int) -> np.ndarray:
    """How much wider (N, T) the intervals of the origins ending (exclusive) at rows ``ends``
    (N,) of ``series`` (N,) are made by ``ConformalIntervals(adaptive=m)``: ``max(1, r)``,
    ``r`` the mean absolute step-1 error of the network (network units) over the last ``m``
    origins before each one (full windows whose step-1 row is before ``ends``, so that no
    origin sees a later value), divided by the calibration's mean absolute step-1 error
    (``Calibration.scale[0]``). 1 where no past origin fits or that error is 0.

    One batched pass over the one-step origins any of them reads; the means come from a
    cumulative sum over the rows, so the cost is linear in rows and origins, whatever ``m``.
    """
    table, n_rows = state.calibration, len(rows.values)
    calibrated = table.scale[0] if table.scale is not None else table.errors[:, 0].mean(axis=0)
    lows = np.maximum(ends - m, rows.offsets[series] + state.window)  # the earliest one read
    highs = np.maximum(ends, lows)  # one past the latest (step-1 rows lows .. highs - 1)
    marks = np.zeros(n_rows + 1, dtype=np.int64)
    np.add.at(marks, lows, 1)
    np.add.at(marks, highs, -1)
    read = np.flatnonzero(np.cumsum(marks[:-1]) > 0)  # step-1 rows of the one-step origins
    if not len(read):
        return np.ones((len(ends), state.n_targets))
    row_series = np.repeat(np.arange(len(rows.offsets) - 1), np.diff(rows.offsets))
    step1 = network_outputs(state, rows, read, row_series[read], data)[:, 0, :,
                                                                       state.median_position()]
    actual = to_numpy(data.values[data.long_tensor(read), : state.n_targets])
    totals = np.zeros((n_rows + 1, state.n_targets))
    log_scale = log_scales(rows.transforms, state.n_targets) if table.relative else None
    errors = error_scores((actual.astype(np.float64) - step1)[:, None, :],
                          None if log_scale is None else log_scale[row_series[read]])[:, 0, :]
    if table.spread is not None:  # in spreads, as the calibration's
        firsts = rows.offsets[row_series[read]]
        errors = errors / spread_divisors(window_spread(data, read - state.window, firsts),
                                          table.spread)
    totals[read + 1] = errors
    totals = np.cumsum(totals, axis=0)  # totals[r]: the errors of rows before r
    counts = (highs - lows)[:, None]
    recent = (totals[highs] - totals[lows]) / np.maximum(counts, 1)  # (N, T)
    ratio = np.divide(recent, calibrated, out=np.ones_like(recent), where=calibrated > 0)
    return np.where(counts > 0, np.maximum(ratio, 1.0), 1.0)


def _scaled_bands(state: ForecasterState, outputs, median, levels, method,
                  pooling) -> np.ndarray:
    """The quantiles ``levels`` (N, H, T, K) in network units, as ``method`` makes them."""
    if method == "quantile":
        return outputs[..., level_positions(state.quantiles, levels)]
    if method == "cqr":
        return _conformalized(state, outputs, median, levels, pooling)
    shifts = [_conformal_shift(state.calibration, level, pooling) for level in levels]
    return median[..., None] + np.stack(shifts, axis=-1)  # K x (H, T) -> (N, H, T, K)


def _conformal_shift(table: Calibration, level: float, pooling) -> np.ndarray:
    """(H, T) distance in network units from the point forecast to the conformal quantile
    ``level``: minus (below 0.5) or plus the radius of coverage ``|2 * level - 1|``."""
    if abs(level - 0.5) < 1e-9:
        return np.zeros(table.errors.shape[1:])
    radius = _radius(table, abs(2 * level - 1), table.errors, table.pooled, pooling)
    return radius if level > 0.5 else -radius


def _conformalized(state: ForecasterState, outputs, median, levels, pooling) -> np.ndarray:
    """The trained quantiles ``levels`` (N, H, T, K) of conformalized quantile regression.

    Each central pair of trained quantiles is moved outwards (inwards when negative) by the
    conformal radius of its own scores, never past the point forecast ``median`` (N, H, T);
    then each bound is widened to hold the intervals of the narrower trained pairs (a lower
    bound is the least of its own and those of the pairs inside it, an upper bound the
    greatest), so that the quantiles never cross and the intervals are nested, also between
    calls (a bound depends on its level and the calibration only). Each interval
    holds its calibrated one, so its coverage guarantee holds.
    """
    table, trained = state.calibration, np.asarray(state.quantiles)
    pairs = quantile_pairs(state.quantiles)  # widest first
    lows = np.array([trained[low] for low, _ in pairs])
    central = [abs(level - 0.5) < 1e-9 for level in levels]
    wanted = [-1 if mid else int(np.argmin(np.abs(lows - min(level, 1 - level))))
              for level, mid in zip(levels, central)]
    if all(central):
        return np.repeat(median[..., None], len(levels), axis=-1)
    first = min(pair for pair in wanted if pair >= 0)  # the widest pair asked
    lower, upper = [], []
    for pair in range(first, len(pairs)):  # it and the narrower pairs inside it
        low, high = pairs[pair]
        radius = _radius(table, 1 - 2 * trained[low], table.quantile_errors[..., pair],
                         table.quantile_pooled[..., pair], pooling, quiet=pair not in wanted)
        lower.append(np.minimum(outputs[..., low] - radius, median))
        upper.append(np.maximum(outputs[..., high] + radius, median))
    # from the narrowest pair outwards: the least lower and the greatest upper bound so far
    lower = np.minimum.accumulate(np.stack(lower[::-1], axis=-1), axis=-1)[..., ::-1]
    upper = np.maximum.accumulate(np.stack(upper[::-1], axis=-1), axis=-1)[..., ::-1]
    bounds = [median if mid else (upper if level > 0.5 else lower)[..., pair - first]
              for level, mid, pair in zip(levels, central, wanted)]
    return np.stack(bounds, axis=-1)


def _radius(table: Calibration, coverage: float, errors, pooled, pooling,
            quiet: bool = False) -> np.ndarray:
    """(H, T) conformal radius of ``coverage`` from a per-step table (n_ranks, H, T), or
    from its ``pooled`` table (n_pooled_ranks, T) times each step's scale, as ``pooling``
    says. Pooled for "auto" (a coverage beyond the ``n`` errors of a step), it is never less
    than the step's largest error, the widest radius the step's own errors give, so that the
    radius never decreases with the coverage. ``quiet``: no warning about too few errors (a
    level nobody asked for)."""
    n = int(table.ranks[-1])
    if pooled is not None and pools(pooling, n, coverage):
        what = None if quiet else f"windows, each pooled over its {len(table.scale)} steps"
        radius = table.scale * conformal_radius(pooled, table.pooled_ranks, coverage, what,
                                                windows=n)
        return np.maximum(radius, errors[-1]) if pooling == "auto" else radius
    what = None if quiet else f"per step; pooling={pooling!r}"
    return conformal_radius(errors, table.ranks, coverage, what)


def _invert_bands(transforms: Transforms, scaled: np.ndarray, series, last_steps) -> np.ndarray:
    """Quantiles (N, H, T, K) in network units -> data units (the scaling and the seasonal
    profile increase; a decreasing target transform was met by mirrored levels)."""
    n, horizon, n_targets, k = scaled.shape
    flat = scaled.transpose(0, 3, 1, 2).reshape(n * k, horizon, n_targets)  # (N * K, H, T)
    data = transforms.invert(flat, np.repeat(series, k), np.repeat(last_steps, k))
    return data.reshape(n, k, horizon, n_targets).transpose(0, 2, 3, 1)  # (N, H, T, K)


# -- calibration tables -----------------------------------------------------------------------


class Origins(NamedTuple):
    """Windows for ``calibrate`` outside a fit: their count, first input rows and series (the
    fields a WindowIndex holds for its validation windows)."""

    n_val: int
    val_starts: np.ndarray
    val_series: np.ndarray


MIN_SPREAD_ROWS = 3  # windows of fewer rows give no spread (a median of one or no change)


def local_scale_on(setting, n_series: int) -> bool:
    """Whether ``ConformalIntervals.local_scale`` (True, False or "auto") scales the errors
    of windows of ``n_series`` series: "auto" for a panel of several series, not for one."""
    return n_series > 1 if setting == "auto" else bool(setting)


def window_spread(data: DevicePanel, starts: np.ndarray, lows: np.ndarray) -> np.ndarray | None:
    """How much the targets of each window move: the median absolute one-step change (N, T)
    over the rows of the windows starting at ``starts`` (N,), in network units (rows before
    ``lows`` (N,) repeat the series' first row, as the network reads them). A jump moves a
    window's median little; a calmer or livelier stretch of the series moves it at once.
    None for windows of fewer than MIN_SPREAD_ROWS rows."""
    if data.window < MIN_SPREAD_ROWS:
        return None
    rows = np.maximum(starts[:, None] + np.arange(data.window), lows[:, None])
    values = to_numpy(data.values[data.long_tensor(rows), : data.n_targets])
    return np.median(np.abs(np.diff(values.astype(np.float64), axis=1)), axis=1)


def log_scales(transforms: Transforms, n_targets: int) -> np.ndarray | None:
    """Log units per network unit (n_series, T) of the targets of a model fitted on their logs
    (``target_transform="log"``, as the hybrid network on positive series); None otherwise."""
    target = transforms.target
    if target is None or target.kind != "log":
        return None
    return np.atleast_2d(transforms.scaler.scale)[:, :n_targets]


def calibration_tables(errors: np.ndarray, spreads, scores=None, *, gather: bool = False,
                       relative: bool = False, in_sample: bool = False) -> Calibration:
    """The tables of the conformity scores ``errors`` (N, H, T), divided by their windows'
    spreads (N, T; None: not scaled), and of the trained quantiles' ``scores`` (None
    without); with ``gather``, of every rank's windows (a collective call). ``relative`` and
    ``in_sample`` say what the errors are (see Calibration); no windows: no tables."""
    if gather:
        errors, scores, spreads = all_rows(errors), all_rows(scores), all_rows(spreads)
    if len(errors) == 0:
        return Calibration()
    level = None if spreads is None else spread_level(spreads)
    if level is not None:
        errors = errors / spread_divisors(spreads, level)[:, None, :]
    point = (*conformal_table(errors), *pooled_table(errors))
    quantiles = () if scores is None else quantile_tables(scores, point[4])
    return Calibration(*point, *quantiles, in_sample=in_sample, spread=level, relative=relative)


def averaged_tables(first: Calibration, second: Calibration) -> Calibration:
    """The tables of ``first``'s errors, each step's averaged with ``second``'s quantiles at
    the same levels ``rank / (n + 1)``: the mean of the two calibrations' quantile functions
    (Vincentization), the trained quantiles' scores alike. ``first`` alone where ``second``
    holds no errors of held-out windows or ``first`` keeps a subsample of its ranks. Both
    hold errors of one model in the same units (network units, relative, or in their
    windows' spreads)."""
    complete = first.ranks is not None and int(first.ranks[-1]) == len(first.ranks)
    if second.errors is None or second.in_sample or not complete:
        return first
    levels = first.ranks / (len(first.ranks) + 1.0)
    errors = (first.errors + _quantiles_at(second.errors, second.ranks, levels)) / 2
    scores = None
    if first.quantile_errors is not None and second.quantile_errors is not None:
        scores = (first.quantile_errors
                  + _quantiles_at(second.quantile_errors, second.ranks, levels)) / 2
    tables = calibration_tables(errors, None, scores, relative=first.relative)
    return tables._replace(spread=first.spread)


def _quantiles_at(table: np.ndarray, ranks: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The values (len(levels), ...) of sorted ``table`` (its rows of 1-based ``ranks`` among
    ``ranks[-1]`` values) at quantile ``levels``, interpolated linearly between the plotting
    positions ``rank / (n + 1)``, the first or last row beyond them."""
    row = np.interp(levels, ranks / (ranks[-1] + 1.0), np.arange(len(ranks)))  # fractional
    lower = np.floor(row).astype(np.int64)
    upper = np.minimum(lower + 1, len(ranks) - 1)
    weight = (row - lower).reshape(-1, *([1] * (table.ndim - 1)))
    return (1 - weight) * table[lower] + weight * table[upper]


def calibrate(network, data: DevicePanel, windows, offsets, levels, gather: bool = False,
              log_scale=None, local_scale: bool = True, smoothing=None,
              combine: str = "mean") -> Calibration:
    """The conformal tables of the calibration windows (a WindowIndex's validation windows or
    Origins), in network units: the point forecast's absolute errors per step (table, ranks),
    then pooled over the steps (table, ranks, scales); with trained quantiles, the conformity
    scores of each central pair of them, per step and pooled.

    With ``gather``, under a process group, the errors of every rank's windows make the
    tables, so that each rank holds the tables of the whole panel: a collective call, for the
    steps every rank takes together (fit, and the copy of a refit calibration). With
    ``smoothing`` (each series' Smoothing), the forecasts are combined with exponential
    smoothing as the model's are (``combine``: "mean" or "median")."""
    errors, scores = _calibration_errors(network, data, windows, offsets, levels, log_scale,
                                         smoothing, combine)
    spreads = (window_spread(data, windows.val_starts, offsets[windows.val_series])
               if local_scale else None)
    return calibration_tables(errors, spreads, scores, gather=gather,
                              relative=log_scale is not None)


def panel_calibration(state: ForecasterState, panel: Panel, n_windows, gather: bool = False,
                      local_scale="auto") -> Calibration:
    """The tables of the last ``n_windows`` rolling origins of each series of a context panel
    (every origin when None), forecast by the fitted network (``gather``: see
    :func:`calibrate`)."""
    starts, series = origins(state, panel)
    if n_windows is not None:
        check_int("n_windows", n_windows, 1)
        counts = np.bincount(series, minlength=panel.n_series)
        keep = ragged_arange(counts) >= (counts[series] - n_windows)
        starts, series = starts[keep], series[keep]
    transforms = panel_transforms(state, panel)
    data = device_rows(state, Rows(panel.values, panel.offsets, transforms))
    return calibrate(state.network, data, Origins(len(starts), starts, series), panel.offsets,
                     state.quantiles, gather, log_scales(transforms, state.n_targets),
                     local_scale_on(local_scale, len(all_lengths(panel.lengths)) if gather
                                    else panel.n_series),
                     None if state.smoothing is None
                     else context_smoothing(state.smoothing, transforms.numbers),
                     state.smoothing_combine)


def _calibration_errors(network, data: DevicePanel, windows, offsets, levels, log_scale=None,
                        smoothing=None, combine: str = "mean"):
    """The absolute errors (N, H, T) of the point forecasts of the calibration windows, and
    the conformity scores of the trained quantiles' central pairs (None without)."""
    pairs = quantile_pairs(levels)
    if windows.n_val == 0:
        shape = (0, data.horizon, data.n_targets)
        return np.empty(shape), (np.empty((*shape, len(pairs))) if pairs else None)
    starts, series = windows.val_starts, windows.val_series
    inputs = data.forecast_inputs(starts, series, offsets[series])
    outputs = predict_module(network, (inputs, len(starts)))  # (N, H * T * Q)
    shape = (len(starts), data.horizon, data.n_targets, len(levels or (0.5,)))
    outputs = to_numpy(outputs).astype(np.float64).reshape(shape)
    median = 0 if levels is None else int(level_positions(levels, (0.5,))[0])
    if smoothing is not None:
        outputs = blended(outputs, data, offsets, starts + data.window, series, median,
                          smoothing, combine)
    actual = to_numpy(data.targets(data.long_tensor(starts))).astype(np.float64)
    actual = actual.reshape(shape[:3])  # (N, H, T)
    errors = error_scores(actual - outputs[..., median],
                          None if log_scale is None else log_scale[series])
    return errors, (quantile_scores(outputs, actual, pairs) if pairs else None)
