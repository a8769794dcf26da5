"""Prediction intervals in the network's units: the checked quantile levels of a forecaster, the
conformal table of absolute validation errors, and its look-up at any coverage.

The forecaster's validation windows give absolute errors of the point forecast per horizon step
and target in each series' network units (after seasonal adjustment and scaling); for a model
on the logs of its targets, relative errors; in a panel, divided by how much each window's
values move (its spread). The table keeps them sorted (at most MAX_CALIBRATION order
statistics), so that any coverage can be asked at predict with the finite-sample correction of
split conformal prediction. Numpy only.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._warnings import number, percent, warn

MAX_CALIBRATION = 1000  # order statistics kept per (step, target): ranks at most n/1000 apart
TOLERANCE = 1e-9  # two quantile levels closer than this are the same level


def check_levels(values, name: str) -> tuple[float, ...]:
    """``values`` (one number or a sequence) as a tuple of distinct floats in (0, 1)."""
    items = [values] if isinstance(values, numbers.Real) else values
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            f"{name} must be a number or a sequence of numbers in (0, 1); got {values!r}."
        ) from None
    if not items:
        raise ValueError(f"{name} must hold at least one level in (0, 1); got {values!r}.")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise TypeError(f"{name} must hold numbers in (0, 1); got {item!r} in {values!r}.")
        if not 0.0 < float(item) < 1.0:
            raise ValueError(
                f"{name} must hold levels strictly between 0 and 1, e.g. (0.1, 0.5, 0.9); got "
                f"{item!r} in {values!r}."
            )
    levels = tuple(float(item) for item in items)
    ordered = sorted(levels)
    if any(b - a < TOLERANCE for a, b in zip(ordered[:-1], ordered[1:])):
        raise ValueError(f"{name} holds a level twice: {values!r}; list each level once.")
    return levels


def trained_levels(quantiles) -> tuple[float, ...] | None:
    """The levels a network is trained on: ``quantiles`` sorted, with the median added."""
    if quantiles is None:
        return None
    levels = check_levels(quantiles, "quantiles")
    if not any(abs(level - 0.5) < TOLERANCE for level in levels):
        levels = (*levels, 0.5)
    return tuple(sorted(levels))


def check_coverage(coverage) -> float:
    """``coverage`` as a float in (0, 1)."""
    if isinstance(coverage, bool) or not isinstance(coverage, numbers.Real):
        raise TypeError(f"coverage must be a number in (0, 1), e.g. 0.9; got {coverage!r}.")
    if not 0.0 < float(coverage) < 1.0:
        raise ValueError(f"coverage must be strictly between 0 and 1, e.g. 0.9; got {coverage!r}.")
    return float(coverage)


def interval_levels(coverage: float) -> tuple[float, float]:
    """The quantile levels that bound a central interval of ``coverage``."""
    return (1.0 - coverage) / 2.0, (1.0 + coverage) / 2.0


def level_positions(trained, wanted) -> np.ndarray | None:
    """Positions of the ``wanted`` levels among the ``trained`` ones; None if one is missing."""
    if trained is None:
        return None
    trained = np.asarray(trained, dtype=np.float64)
    positions = []
    for level in wanted:
        close = np.flatnonzero(np.abs(trained - level) < TOLERANCE)
        if not len(close):
            return None
        positions.append(int(close[0]))
    return np.asarray(positions, dtype=np.int64)


def conformal_table(errors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort absolute errors (n, H, T) per step and target; keep at most MAX_CALIBRATION ranks.

    Returns the table (m, H, T) and the 1-based ranks (m,) of its rows among the ``n``
    errors (all of them when ``n <= MAX_CALIBRATION``; the last rank is always ``n``).
    """
    ordered = np.sort(np.asarray(errors, dtype=np.float64), axis=0)
    n = len(ordered)
    ranks = np.unique(np.round(np.linspace(1, n, min(n, MAX_CALIBRATION))).astype(np.int64))
    return ordered[ranks - 1], ranks


SCALE_PRIOR_WINDOWS = 5  # how many windows' worth of weight the sqrt(step) shape carries


def pooled_table(errors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The errors (n, H, T) of every horizon step pooled per target after dividing each step's
    errors by that step's scale.

    A step's scale is its mean absolute error, shrunk towards errors that grow with the
    square root of the step (``c * sqrt(h)``, ``c`` fitted to all the errors of the target)
    as if that shape had been seen on SCALE_PRIOR_WINDOWS windows: with many windows it is
    the step's own mean error, with one or two it keeps the steps' widths in the order of a
    random walk's instead of copying one noisy error per step.

    Returns the table (m, T) and ranks (m,) of the ``n * H`` normalised errors (as
    :func:`conformal_table`) and the scales (H, T); a step whose scale is 0 has normalised
    errors 0.
    """
    errors = np.asarray(errors, dtype=np.float64)
    n, horizon, n_targets = errors.shape
    growth = np.sqrt(np.arange(1, horizon + 1))[:, None]  # (H, 1)
    shape = growth * (errors / growth).mean(axis=(0, 1))  # (H, T)
    scale = (n * errors.mean(axis=0) + SCALE_PRIOR_WINDOWS * shape) / (n + SCALE_PRIOR_WINDOWS)
    safe = np.where(scale > 0, scale, 1.0)
    normalised = np.where(scale > 0, errors / safe, 0.0)  # (n, H, T)
    table, ranks = conformal_table(normalised.reshape(n * horizon, n_targets))
    return table, ranks, scale


SPREAD_FLOOR = 0.1  # a window's spread is at least this share of the calibration's median
LOG_LIMIT = 700.0  # exp of more overflows float64


def spread_level(spreads: np.ndarray) -> np.ndarray:
    """The typical spread (T,) of the calibration windows' ``spreads`` (N, T): their median
    (their mean where most windows are flat; 1 where all are)."""
    level = np.median(spreads, axis=0)
    level = np.where(level > 0, level, spreads.mean(axis=0))
    return np.where(level > 0, level, 1.0)


def spread_divisors(spreads: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The spreads (N, T) that errors are divided by: at least SPREAD_FLOOR of ``level``."""
    return np.maximum(spreads, SPREAD_FLOOR * level)


def error_scores(differences: np.ndarray, log_scale: np.ndarray | None) -> np.ndarray:
    """The conformity scores (N, H, T) of forecast errors ``differences`` (actual less
    forecast, network units): their absolute values; for a model on the logs of its targets
    (``log_scale`` (N, T): log units per network unit), the relative errors
    ``|actual / forecast - 1|`` divided by ``log_scale``, so that a band is symmetric in data
    units, as narrow as in logs where the errors are small and growing linearly, not
    exponentially, where they are large (see :func:`relative_offsets`)."""
    if log_scale is None:
        return np.abs(differences)
    log_scale = log_scale[:, None, :]
    return np.abs(np.expm1(np.minimum(log_scale * differences, LOG_LIMIT))) / log_scale


def relative_offsets(offsets: np.ndarray, log_scale: np.ndarray) -> np.ndarray:
    """Signed band offsets (N, H, T, K) in relative scores (see :func:`error_scores`) ->
    network units: ``log(1 + log_scale * offset) / log_scale`` (``log_scale`` (N, T)); a lower
    bound at or beyond 100% below the forecast is minus infinity (0 in data units)."""
    log_scale = log_scale[:, None, :, None]
    with np.errstate(divide="ignore"):
        return np.log1p(np.maximum(log_scale * offsets, -1.0)) / log_scale


def quantile_pairs(levels) -> list[tuple[int, int]]:
    """Positions (lower, upper) of the trained levels ``a`` and ``1 - a`` (``a < 0.5``), the
    central intervals that conformalized quantile regression calibrates, lowest first."""
    if levels is None:
        return []
    levels = np.asarray(levels, dtype=np.float64)
    pairs = []
    for low in np.flatnonzero(levels < 0.5 - TOLERANCE):
        high = np.flatnonzero(np.abs(levels - (1.0 - levels[low])) < TOLERANCE)
        if len(high):
            pairs.append((int(low), int(high[0])))
    return pairs


def quantile_scores(quantiles: np.ndarray, actual: np.ndarray, pairs) -> np.ndarray:
    """Conformity scores (N, H, T, P) of conformalized quantile regression: how far each
    actual value (N, H, T) lies outside the band of each pair of trained quantiles
    (N, H, T, Q), negative when inside (``max(lower - actual, actual - upper)``)."""
    low = quantiles[..., [lo for lo, _ in pairs]]
    high = quantiles[..., [hi for _, hi in pairs]]
    return np.maximum(low - actual[..., None], actual[..., None] - high)


def quantile_tables(scores: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted scores (N, H, T, P) per step, and pooled over the steps after dividing by
    each step's ``scale`` (H, T) (the point forecast's mean absolute error), as
    :func:`conformal_table` and :func:`pooled_table` keep them (their ranks are those of the
    absolute errors: the counts are the same)."""
    n, horizon, n_targets, n_pairs = scores.shape
    safe = np.where(scale > 0, scale, 1.0)[None, :, :, None]
    normalised = np.where(scale[None, :, :, None] > 0, scores / safe, 0.0)
    per_step = conformal_table(scores)[0]
    pooled = conformal_table(normalised.reshape(n * horizon, n_targets, n_pairs))[0]
    return per_step, pooled


def pools(pooling, n: int, coverage: float) -> bool:
    """Whether a coverage is read from the pooled errors: always (True), never (False), or with
    "auto" when the ``n`` errors of each step are fewer than its finite-sample rank needs."""
    if pooling == "auto":
        return needed_errors(coverage) > n
    return bool(pooling)


def needed_errors(coverage: float) -> int:
    """The fewest errors ``n`` whose rank ``ceil((n + 1) * coverage)`` is at most ``n``."""
    return math.ceil(coverage / (1 - coverage) - TOLERANCE)


def conformal_radius(table: np.ndarray, ranks: np.ndarray, coverage: float,
                     what: str | None = "per step", windows: int | None = None) -> np.ndarray:
    """Half-width (table's trailing shape) of the split-conformal interval of ``coverage``.

    With ``n`` calibration errors, the radius is their ``ceil((n + 1) * coverage)``-th smallest
    (the finite-sample correction); when the table holds a subsample of the ranks, the next
    larger stored rank (never a narrower interval). With ``windows``, the ``n`` errors are
    the steps of that many windows pooled, which are not independent of each other, so the
    correction counts windows: the share ``ceil((windows + 1) * coverage) / windows`` of the
    errors. When the rank exceeds the count (too few errors or windows for the coverage),
    warn, saying what the interval then is: the largest error, and with ``windows`` at least
    the tail that the ``n`` pooled errors extrapolate to (:func:`tail_radius`). ``what`` names
    the errors in that warning (None: no warning).
    """
    n = int(ranks[-1])
    units = n if windows is None else int(windows)
    unit_rank = math.ceil((units + 1) * coverage - TOLERANCE)
    if unit_rank > units:
        if what is not None:
            warn(_too_few_message(coverage, what, units, n if windows is not None else None))
        if windows is None:
            return table[-1]
        return np.maximum(table[-1], tail_radius(table, n, coverage))
    rank = math.ceil(n * unit_rank / units - TOLERANCE)  # unit_rank when windows is None
    return table[int(np.searchsorted(ranks, rank))]


def _too_few_message(coverage: float, what: str, units: int, pooled: int | None) -> str:
    """The warning of a coverage beyond ``units`` calibration errors (or windows of
    ``pooled`` errors): what the interval is instead, and how to get more errors."""
    head = (f"coverage={number(coverage)} needs at least {needed_errors(coverage)} "
            f"calibration errors ({what}), but calibration gave {units}: ")
    more = "Calibrate on more windows (calibrate(X, n_windows=...)), fit one model on many series"
    if pooled is not None:
        return (f"{head}beyond the largest of their {pooled} errors, the interval extrapolates "
                f"their tail (as if they were independent draws of an exponential "
                f"distribution): that model's guess, not {percent(coverage)} by the conformal "
                f"guarantee. {more}.")
    return (f"{head}the interval is the point forecast plus or minus the largest of them, "
            f"which holds a new value with probability n / (n + 1) = "
            f"{units / (units + 1):.0%} at best (less when the calibration errors are "
            f"optimistic), not {percent(coverage)}. {more}, or ask a coverage of at most "
            f"{number(math.floor(1000 * units / (units + 1)) / 1000)}.")


def tail_radius(table: np.ndarray, n: int, coverage: float) -> np.ndarray:
    """The radius (table's trailing shape) that a new absolute error exceeds with probability
    ``1 - coverage`` if the ``n`` errors (sorted in ``table``) are independent draws of an
    exponential distribution of unknown mean: the quantile of its Bayesian predictive
    (Lomax) distribution under the scale-free prior, ``n * m * ((1 - coverage) ** (-1 / n) -
    1)``, ``m`` the mean of the errors, which tends to the exponential quantile ``-m *
    log(1 - coverage)`` as ``n`` grows."""
    mean = table.mean(axis=0)
    return n * mean * ((1.0 - coverage) ** (-1.0 / n) - 1.0)
