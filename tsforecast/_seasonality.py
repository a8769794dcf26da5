"""Seasonal adjustment: estimate the seasonal pattern of each target of each series, remove it
before training and restore it on the forecasts; and the test for a significant pattern.

This is the classical decomposition that the M4 competition's benchmarks apply before a neural
network: a centred moving average over one season estimates the trend, and the ratios
(positive series) or differences (others) to it are averaged per phase over the most recent
seasons. The benchmarks adjust a column only if its autocorrelation at the seasonal lag is
significant at the 90% level; the forecaster adjusts every series long enough for a pattern
and uses the test only to find patterns left in (``test=True``). A row is placed in the
season by its *step*, the number of time steps from an anchor row (the forecaster uses each
series' last row seen at fit), so fit, predict and rolling forecasts agree whatever context
they read. Every statistic is computed for all series of a panel at once (``np.bincount``
over series and phase), without a Python loop over series. Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._windowing import ragged_arange

MIN_SEASONS = 2  # rows needed to estimate a pattern: this many full seasons
TEST_SEASONS = 3  # rows needed to test for seasonality first: this many full seasons
RECENT_SEASONS = 5  # the pattern is averaged over the last this-many seasons, so it can drift
Z_90 = 1.645  # two-sided 90% normal quantile of the autocorrelation test


@dataclass(frozen=True)
class SeasonalProfile:
    """Per-phase affine maps of the targets: ``adjusted = (x - shift[p]) / scale[p]``.

    ``shift`` and ``scale`` have shape (season, n_targets), or (n_series, season, n_targets)
    with one pattern per series; phase ``p`` holds the rows whose step from the anchor row is
    ``p`` modulo ``season``. A multiplicative column has shift 0, an additive one scale 1, and
    a column without seasonality both. With per-series arrays, the methods take ``series``,
    the series of each row, broadcasting like ``steps``.
    """

    shift: np.ndarray
    scale: np.ndarray

    @property
    def season(self) -> int:
        return self.shift.shape[-2]

    def remove(self, targets: np.ndarray, steps: np.ndarray, series=None) -> np.ndarray:
        """Seasonally adjust ``targets`` (..., n_targets) at row ``steps`` (...)."""
        shift, scale = self._at(steps, series)
        return (targets - shift) / scale

    def restore(self, forecasts: np.ndarray, steps: np.ndarray, series=None) -> np.ndarray:
        """Put the pattern back on ``forecasts`` (..., n_targets) at ``steps`` (...)."""
        shift, scale = self._at(steps, series)
        return forecasts * scale + shift

    def _at(self, steps, series):
        phase = np.mod(steps, self.season)
        if self.shift.ndim == 2:
            return self.shift[phase], self.scale[phase]
        return self.shift[series, phase], self.scale[series, phase]

    def select(self, series: np.ndarray) -> SeasonalProfile:
        """The per-series profile restricted to ``series`` (in that order)."""
        return SeasonalProfile(self.shift[series], self.scale[series])


def fit_seasonal_profile(
    targets: np.ndarray, steps: np.ndarray, season: int, test: bool, offsets=None,
    additive: bool = False,
) -> SeasonalProfile | None:
    """Estimate the pattern of each column of ``targets`` (n_rows, n_targets), whose rows are
    ``steps`` (n_rows,) time steps from their anchor row.

    With ``offsets`` (n_series + 1,) the rows are a panel (series ``s`` is rows
    ``offsets[s]:offsets[s + 1]``) and every series gets its own pattern, shape
    (n_series, season, n_targets); without, one pattern of shape (season, n_targets).
    ``test=True`` adjusts only the (series, column) pairs whose seasonality is significant,
    in series of at least ``TEST_SEASONS`` full seasons; ``test=False`` adjusts every pair of
    a series of at least ``MIN_SEASONS`` full seasons. Patterns are ratios for positive
    series, differences for the others and, with ``additive``, for all. Returns None when
    nothing is adjusted.
    """
    n_rows, n_targets = targets.shape
    per_series = offsets is not None
    offsets = np.asarray([0, n_rows] if offsets is None else offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    n_series = len(lengths)
    shift, scale = np.zeros((n_series, season, n_targets)), np.ones((n_series, season, n_targets))
    eligible = lengths >= (TEST_SEASONS if test else MIN_SEASONS) * max(season, 2)
    if season < 2 or not eligible.any():
        return None
    rows = _Rows(np.repeat(np.arange(n_series), lengths), ragged_arange(lengths), lengths)
    adjusted = False
    for column in range(n_targets):
        y = targets[:, column]
        size = np.maximum.reduceat(np.abs(y), offsets[:-1])
        ok = eligible & (size > 0)  # all zeros: no pattern
        size = np.where(size > 0, size, 1.0)
        scaled = y / size[rows.series]  # scale-free: neither 1e-300 underflows nor 1e308 overflows
        if test:
            ok &= _seasonal_by_series(scaled, rows, season)
        if not ok.any():
            continue
        multiplicative = (np.minimum.reduceat(y, offsets[:-1]) > 0) & (not additive)
        pattern = _seasonal_patterns(scaled, steps, rows, season, multiplicative)
        scale[:, :, column] = np.where((ok & multiplicative)[:, None], pattern, 1.0)
        shift[:, :, column] = np.where((ok & ~multiplicative)[:, None], pattern * size[:, None], 0)
        adjusted = True
    if not adjusted:
        return None
    return SeasonalProfile(shift, scale) if per_series else SeasonalProfile(shift[0], scale[0])


@dataclass(frozen=True)
class _Rows:
    """Where each stacked row sits: its series and its position in that series."""

    series: np.ndarray  # (n_rows,)
    position: np.ndarray  # (n_rows,)
    lengths: np.ndarray  # (n_series,)


def _seasonal_by_series(scaled: np.ndarray, rows: _Rows, season: int) -> np.ndarray:
    """Whether each series' autocorrelation at lag ``season`` is significant at 90%, with
    Bartlett's standard error ``sqrt((1 + 2 * sum(r_k^2, k < season)) / n)``; ``scaled`` is
    each series over its size."""
    n_series = len(rows.lengths)
    counts = np.maximum(rows.lengths, 1)
    centred = scaled - (np.bincount(rows.series, scaled, n_series) / counts)[rows.series]
    denominator = np.bincount(rows.series, centred * centred, n_series)
    r = np.empty((n_series, season))
    for lag in range(1, season + 1):
        same = rows.series[:-lag] == rows.series[lag:]
        products = (centred[:-lag] * centred[lag:])[same]
        r[:, lag - 1] = np.bincount(rows.series[:-lag][same], products, n_series)
    with np.errstate(divide="ignore", invalid="ignore"):
        r /= denominator[:, None]
        limit = Z_90 * np.sqrt((1 + 2 * np.sum(r[:, :-1] ** 2, axis=1)) / counts)
        return (denominator > 0) & (rows.lengths > season) & (np.abs(r[:, -1]) > limit)


def _seasonal_patterns(
    y: np.ndarray, steps: np.ndarray, rows: _Rows, season: int, multiplicative: np.ndarray
) -> np.ndarray:
    """Seasonal factors by series and phase (n_series, season), normalised to mean 1 (ratios,
    multiplicative series) or 0 (differences, the others); NaN where a series has too few rows."""
    if season % 2 == 0:  # a 2 x season moving average centres an even season
        kernel = np.full(season + 1, 1.0 / season)
        kernel[[0, -1]] = 0.5 / season
    else:
        kernel = np.full(season, 1.0 / season)
    half = len(kernel) // 2
    trend = np.convolve(y, kernel, mode="valid")  # centred on rows half .. n_rows - 1 - half
    centre = np.arange(half, half + len(trend))
    series, position = rows.series[centre], rows.position[centre]
    last_valid = rows.lengths[series] - 1 - half  # the kernel stays inside the series
    recent = position > last_valid - RECENT_SEASONS * season
    keep = (position >= half) & (position <= last_valid) & recent
    series, trend, centre = series[keep], trend[keep], centre[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        detrended = np.where(multiplicative[series], y[centre] / trend, y[centre] - trend)
        key = series * season + np.mod(steps[centre], season)
        n_series = len(rows.lengths)
        sums = np.bincount(key, detrended, n_series * season)
        pattern = (sums / np.bincount(key, minlength=n_series * season)).reshape(n_series, -1)
        mean = pattern.mean(axis=1, keepdims=True)
        return np.where(multiplicative[:, None], pattern / mean, pattern - mean)
