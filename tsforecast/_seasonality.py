"""Seasonal adjustment: test each target for seasonality, estimate its seasonal pattern, and
remove it before training and restore it on the forecasts.

This is the classical decomposition that the M4 competition's benchmarks apply before a neural
network: a centred moving average over one season estimates the trend, the ratios (positive
series) or differences (others) to it are averaged per phase over the most recent seasons, and
a column is adjusted only if its autocorrelation at the seasonal lag is significant at the 90%
level. A row is placed in the season by its *offset*, the number of time steps from an anchor
row (the forecaster uses the last row it was fitted on), so fit, predict and rolling forecasts
agree whatever context they read.
Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_SEASONS = 3  # rows needed for the test and the estimate: this many full seasons
RECENT_SEASONS = 5  # the pattern is averaged over the last this-many seasons, so it can drift
Z_90 = 1.645  # two-sided 90% normal quantile of the autocorrelation test


@dataclass(frozen=True)
class SeasonalProfile:
    """Per-phase affine maps of the targets: ``adjusted = (x - shift[p]) / scale[p]``.

    ``shift`` and ``scale`` have shape (season, n_targets); phase ``p`` holds the rows whose
    offset from the anchor row is ``p`` modulo ``season``. A multiplicative column has
    shift 0, an additive one scale 1, and a column without seasonality both.
    """

    shift: np.ndarray
    scale: np.ndarray

    @property
    def season(self) -> int:
        return self.shift.shape[0]

    def remove(self, targets: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Seasonally adjust ``targets`` (n_rows, n_targets) at row ``offsets`` (n_rows,)."""
        phase = np.mod(offsets, self.season)
        return (targets - self.shift[phase]) / self.scale[phase]

    def restore(self, forecasts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Put the pattern back on ``forecasts`` (..., n_targets) at ``offsets`` (...)."""
        phase = np.mod(offsets, self.season)
        return forecasts * self.scale[phase] + self.shift[phase]


def fit_seasonal_profile(
    targets: np.ndarray, offsets: np.ndarray, season: int, test: bool
) -> SeasonalProfile | None:
    """Estimate the pattern of each column of ``targets`` (n_rows, n_targets), the training
    rows, whose offsets from the anchor row are ``offsets`` (n_rows,).

    ``test=True`` adjusts only the columns whose seasonality is significant; ``test=False``
    adjusts every column. Returns None when no column is adjusted, or when there are fewer
    than ``MIN_SEASONS`` full seasons (then nothing can be estimated reliably).
    """
    n_rows, n_targets = targets.shape
    if season < 2 or n_rows < MIN_SEASONS * season:
        return None
    shift, scale = np.zeros((season, n_targets)), np.ones((season, n_targets))
    adjusted = False
    for column in range(n_targets):
        y = targets[:, column]
        if test and not is_seasonal(y, season):
            continue
        size = np.max(np.abs(y))
        if not size > 0:
            continue  # all zeros: no pattern
        multiplicative = bool(y.min() > 0)
        # on y / size, so that sums of values near 1e308 cannot overflow
        pattern = _seasonal_pattern(y / size, offsets, season, multiplicative)
        if multiplicative:
            scale[:, column] = pattern
        else:
            shift[:, column] = pattern * size
        adjusted = True
    return SeasonalProfile(shift, scale) if adjusted else None


def is_seasonal(y: np.ndarray, season: int) -> bool:
    """True if the autocorrelation of ``y`` at lag ``season`` is significant at 90%.

    Bartlett's standard error: ``sqrt((1 + 2 * sum(r_k^2, k < season)) / n)``.
    """
    size = np.max(np.abs(y))
    if not size > 0:
        return False
    scaled = y / size  # scale-free, so neither 1e-300 underflows nor 1e300 overflows
    centred = scaled - scaled.mean()
    denominator = float(centred @ centred)
    if denominator == 0.0 or len(y) <= season:
        return False
    r = np.array([centred[:-k] @ centred[k:] for k in range(1, season + 1)]) / denominator
    limit = Z_90 * np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / len(y))
    return bool(abs(r[-1]) > limit)


def _seasonal_pattern(
    y: np.ndarray, offsets: np.ndarray, season: int, multiplicative: bool
) -> np.ndarray:
    """Seasonal factors by phase (season,), normalised to mean 1 (ratios) or 0 (differences)."""
    if season % 2 == 0:  # a 2 x season moving average centres an even season
        kernel = np.full(season + 1, 1.0 / season)
        kernel[[0, -1]] = 0.5 / season
    else:
        kernel = np.full(season, 1.0 / season)
    trend = np.convolve(y, kernel, mode="valid")  # rows half a kernel in from either end
    rows = slice(len(kernel) // 2, len(kernel) // 2 + len(trend))
    detrended = y[rows] / trend if multiplicative else y[rows] - trend
    recent = slice(-RECENT_SEASONS * season, None)
    detrended, phase = detrended[recent], np.mod(offsets[rows], season)[recent]
    pattern = np.bincount(phase, detrended, season) / np.bincount(phase, minlength=season)
    return pattern / pattern.mean() if multiplicative else pattern - pattern.mean()
