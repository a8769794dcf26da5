"""Exponential smoothing forecasts of every series of a panel at once, which the forecaster
combines with its network's forecast (``smoothing``): simple, Holt (linear trend) and
damped-trend exponential smoothing and Theta (simple exponential smoothing with a drift of
half the slope of the line through the series, which Hyndman and Billah (2003) showed the
Theta method to be). The network's forecast combines with the damped trend's and Theta's
(:func:`combination_members`): by their median for a model of one series, their mean for a
panel's. Files saved before Theta hold the first three, and combine with the M4 competition's
"Comb", their mean.

Each method runs in error-correction form on one column of a series,
``forecast = level + phi * trend``, ``level += alpha * error``, ``trend = phi * trend + beta *
error``, and forecasts ``level + (phi + ... + phi^h) * trend`` at step ``h``; Theta's trend
is its drift (``phi = 1``, ``beta = 0``). Its parameters are chosen per series and column from
a small grid, by the squared one-step errors over given rows: a fitted series' rows at fit
(its training rows, to score its validation windows), a new series' rows before its first
forecast origin; Theta's drift on the same rows. The recursions of every series, column and
grid point run side by side: one Python loop over time steps, none over series. Numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

METHODS = 4  # simple, Holt, damped, Theta
COMB_METHODS = 3  # the first three make the Comb; files saved before Theta hold only those
SIMPLE, HOLT, DAMPED, THETA = range(METHODS)  # damped and Theta combine with the network
ALPHAS = np.array([0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0])
BETA_FRACTIONS = np.array([0.01, 0.1, 0.3])  # the trend's coefficient, as a fraction of alpha
PHIS = np.array([0.8, 0.9, 0.98])  # the damped method's damping
INITIAL_ROWS = 10  # a trend method starts from the line through at most this many first rows


class Smoothing(NamedTuple):
    """Each fitted series' parameters, and its state before its stored last window: arrays
    (n_series, T, K), the K methods in the order simple, Holt, damped, Theta (see
    :func:`fitted_smoothing`; K is 3, without Theta, in files saved before it)."""

    alpha: np.ndarray
    beta: np.ndarray
    phi: np.ndarray
    level: np.ndarray
    trend: np.ndarray


def initial_rows(window: int) -> int:
    """Rows the trend methods start from: at most INITIAL_ROWS and at most the window, so
    that every forecast origin of a model (at least ``window`` rows in) starts alike."""
    return min(INITIAL_ROWS, window)


def smoothing_forecasts(targets: np.ndarray, offsets: np.ndarray, ends: np.ndarray,
                        series: np.ndarray, horizon: int, start_rows: int,
                        fitted: Smoothing | None = None, continued: bool = False) -> np.ndarray:
    """The forecasts (N, horizon, T, K) of each method from the rows of ``series`` (N,)
    before rows ``ends`` (N,) of the stacked ``targets`` (n_rows, T), series ``s`` being rows
    ``offsets[s]:offsets[s + 1]``: simple, Holt, damped, Theta (K = 3, without Theta, for a
    ``fitted`` saved before it).

    ``fitted`` holds parameters per series of ``offsets`` (NaN for a series to fit here: its
    parameters are then chosen on its rows before its first end). Each recursion starts
    from the line through the first ``min(start_rows, first end)`` rows of its series, or,
    with ``continued``, from ``fitted``'s state (the rows are the stored last windows).
    """
    n_series, n_targets = len(offsets) - 1, targets.shape[1]
    methods = METHODS if fitted is None else fitted.alpha.shape[-1]
    position = ends - offsets[series]
    stop, first = np.zeros(n_series, np.int64), np.full(n_series, np.iinfo(np.int64).max)
    np.maximum.at(stop, series, position)
    np.minimum.at(first, series, position)
    first = np.minimum(first, stop)  # series without an origin: 0
    y = _padded(targets, offsets, stop)  # (n_series * T, M)
    heads = np.minimum(start_rows, first).repeat(n_targets)
    if fitted is None:
        fitted = Smoothing(*(np.full((n_series, n_targets, methods), np.nan),) * 5)
    params = [_flat(values).copy() for values in fitted[:3]]
    drift = _flat(fitted.trend)[:, -1].copy()  # Theta's trend is its drift, and stays so
    new = np.flatnonzero(np.isnan(params[0][:, 0]))
    if len(new):
        *chosen, drift[new] = _chosen(y[new], first.repeat(n_targets)[new], heads[new], methods)
        for values, own in zip(params, chosen):
            values[new] = own
    state = ((_flat(fitted.level), _flat(fitted.trend)) if continued
             else _initial(y, heads, np.arange(methods), drift))
    rows = (series[:, None] * n_targets + np.arange(n_targets)).ravel()  # (N * T,)
    level, trend = _states(y, stop.repeat(n_targets), params, state, rows,
                           position.repeat(n_targets))
    phi = params[2][rows]  # (N * T, K)
    paths = np.cumsum(phi[:, :, None] ** np.arange(1, horizon + 1), axis=2)  # (N * T, K, H)
    forecasts = level[:, :, None] + paths * trend[:, :, None]  # (N * T, K, H)
    return forecasts.reshape(len(ends), n_targets, methods, horizon).transpose(0, 3, 1, 2)


def combination_members(forecasts: np.ndarray) -> np.ndarray:
    """The statistical forecasts (N, H, T, M) that combine with the network's, from each
    method's ``forecasts`` (N, H, T, K): the damped trend and Theta; the Comb from a file
    saved before Theta (K = 3), as the code of its day combined."""
    if forecasts.shape[-1] == COMB_METHODS:
        return forecasts.mean(axis=-1, keepdims=True)
    return forecasts[..., [DAMPED, THETA]]


def fitted_smoothing(targets: np.ndarray, offsets: np.ndarray, fit_rows: np.ndarray,
                     window: int) -> Smoothing:
    """Each series' parameters, chosen on its first ``fit_rows`` rows, and its state before
    its last ``window`` rows (before its first row when it is shorter): what a forecast from
    the stored last window continues from."""
    n_series, n_targets = len(offsets) - 1, targets.shape[1]
    lengths = np.diff(offsets)
    y = _padded(targets, offsets, lengths)
    heads = np.minimum(initial_rows(window), fit_rows).repeat(n_targets)
    *params, drift = _chosen(y, fit_rows.repeat(n_targets), heads, METHODS)
    state = _initial(y, heads, np.arange(METHODS), drift)
    before = np.maximum(lengths - window, 0).repeat(n_targets)
    rows = np.arange(n_series * n_targets)
    level, trend = _states(y, before, params, state, rows, before)
    shape = (n_series, n_targets, METHODS)
    return Smoothing(*(a.reshape(shape) for a in (*params, level, trend)))


def _flat(values: np.ndarray) -> np.ndarray:
    return values.reshape(-1, values.shape[-1])


def _padded(targets: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The first ``lengths[s]`` rows of each series, one row per (series, column), padded
    with the last of them: (n_series * T, max(lengths))."""
    n_series, n_targets = len(offsets) - 1, targets.shape[1]
    steps = np.arange(max(int(lengths.max(initial=0)), 1))
    rows = offsets[:-1, None] + np.minimum(steps, np.maximum(lengths[:, None] - 1, 0))
    return targets[rows].transpose(0, 2, 1).reshape(n_series * n_targets, len(steps))


def _grid(methods: int = METHODS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every grid point (G,) of the first ``methods`` methods: alpha, beta, phi, and its
    method (0 simple, 1 Holt, 2 damped, 3 Theta); the simple method has phi 0 (it has no
    trend), Theta phi 1 and beta 0 (its trend is its drift)."""
    simple = [(a, 0.0, 0.0, SIMPLE) for a in ALPHAS]
    holt = [(a, a * f, 1.0, HOLT) for a in ALPHAS for f in BETA_FRACTIONS]
    damped = [(a, a * f, p, DAMPED) for a in ALPHAS for f in BETA_FRACTIONS for p in PHIS]
    theta = [(a, 0.0, 1.0, THETA) for a in ALPHAS]
    grid = np.array(simple + holt + damped + theta)
    grid = grid[grid[:, 3] < methods]
    return grid[:, 0], grid[:, 1], grid[:, 2], grid[:, 3].astype(np.int64)


def _initial(y: np.ndarray, heads: np.ndarray, method: np.ndarray, drift: np.ndarray):
    """The state before the first row, (R, K) each for the methods ``method`` (K,): the first
    value for the simple method, the line through the first ``heads`` (R,) rows for Holt and
    damped, and for Theta its ``drift`` (R,) and the level whose first forecast is the first
    value."""
    slope, intercept = _line(y[:, :INITIAL_ROWS], np.clip(heads, 1, INITIAL_ROWS))
    trended = (method == HOLT) | (method == DAMPED)
    theta = method == THETA
    first = y[:, :1]
    level = np.where(trended, (intercept - slope)[:, None],
                     np.where(theta, first - drift[:, None], first))
    trend = np.where(trended, slope[:, None], np.where(theta, drift[:, None], 0.0))
    return level, trend


def _line(values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least-squares line through the first ``rows`` (R,) values of each row of
    ``values``: its slope and its value at the first row, (R,) each; flat through fewer than
    two values."""
    t = np.arange(values.shape[1])
    inside = t[None, :] < rows[:, None]
    n = np.maximum(rows, 1)
    t_mean = (n - 1) / 2
    y_mean = np.where(inside, values, 0.0).sum(axis=1) / n
    centred = np.where(inside, t[None, :] - t_mean[:, None], 0.0)
    slope = (centred * values).sum(axis=1) / np.maximum((centred**2).sum(axis=1), 1e-12)
    slope = np.where(rows > 1, slope, 0.0)
    return slope, y_mean - slope * t_mean


def _chosen(y: np.ndarray, fit_rows: np.ndarray, heads: np.ndarray, methods: int):
    """Each row's best grid point per method by its squared one-step errors over its first
    ``fit_rows`` values: alpha, beta and phi, (R, methods) each, and Theta's drift (R,): half
    the slope of the line through those values."""
    alpha, beta, phi, method = _grid(methods)
    drift = _line(y, fit_rows)[0] / 2
    level, trend = _initial(y, heads, method, drift)  # (R, G)
    sse = np.zeros_like(level)
    for t in range(int(fit_rows.max(initial=0))):
        inside = (t < fit_rows)[:, None]
        error = y[:, t : t + 1] - (level + phi * trend)
        sse += np.where(inside, error * error, 0.0)
        level = np.where(inside, level + phi * trend + alpha * error, level)
        trend = np.where(inside, phi * trend + beta * error, trend)
    best = np.stack([np.flatnonzero(method == m)[sse[:, method == m].argmin(axis=1)]
                     for m in range(methods)], axis=1)  # (R, methods) grid columns
    return alpha[best], beta[best], phi[best], drift


def _states(y: np.ndarray, stop: np.ndarray, params, state, rows: np.ndarray,
            positions: np.ndarray):
    """The states (K, methods) of rows ``rows`` (K,) after their first ``positions`` (K,)
    values, running each row's recursion over its first ``stop`` values from ``state``."""
    alpha, beta, phi = params
    level, trend = state
    shape = (len(rows), alpha.shape[1])
    out_level, out_trend = np.empty(shape), np.empty(shape)
    order = np.argsort(positions, kind="stable")
    bounds = np.searchsorted(positions[order], np.arange(int(stop.max(initial=0)) + 2))
    done = order[: bounds[1]]  # positions 0: the state before the first row
    out_level[done], out_trend[done] = level[rows[done]], trend[rows[done]]
    for t in range(int(stop.max(initial=0))):
        inside = (t < stop)[:, None]
        error = y[:, t : t + 1] - (level + phi * trend)
        level = np.where(inside, level + phi * trend + alpha * error, level)
        trend = np.where(inside, phi * trend + beta * error, trend)
        ready = order[bounds[t + 1] : bounds[t + 2]]  # origins after t + 1 values
        out_level[ready], out_trend[ready] = level[rows[ready]], trend[rows[ready]]
    return out_level, out_trend
