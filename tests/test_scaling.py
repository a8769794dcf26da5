"""Tests for per-column scaling."""

import numpy as np
import pytest

from tsforecast._scaling import fit_scaler


@pytest.mark.parametrize("kind", ["standard", "minmax", "none", None])
def test_scaler_round_trips(kind):
    """Check that inverse(transform(x)) returns x for every scaler."""
    values = np.random.default_rng(0).normal(5, 3, (20, 3))
    scaler = fit_scaler(kind, values)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(values)), values)


def test_standard_scaler_centres_and_scales():
    """Check that the standard scaler gives zero mean and unit std per column."""
    values = np.random.default_rng(0).normal(5, 3, (50, 2))
    scaled = fit_scaler("standard", values).transform(values)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1)


def test_minmax_scaler_maps_to_unit_interval():
    """Check that the minmax scaler maps each column onto [0, 1]."""
    values = np.random.default_rng(0).normal(5, 3, (50, 2))
    scaled = fit_scaler("minmax", values).transform(values)
    np.testing.assert_allclose(scaled.min(axis=0), 0)
    np.testing.assert_allclose(scaled.max(axis=0), 1)


def test_constant_column_is_not_divided_by_zero():
    """Check that a constant column is shifted, not stretched to inf."""
    values = np.column_stack([np.full(10, 7.0), np.arange(10.0)])
    scaled = fit_scaler("standard", values).transform(values)
    assert np.isfinite(scaled).all()
    np.testing.assert_array_equal(scaled[:, 0], 0)


def test_unknown_scaler_is_rejected():
    """Check that an unknown scaler name raises a ValueError naming the choices."""
    with pytest.raises(ValueError, match="scaler must be one of"):
        fit_scaler("robust", np.ones((3, 1)))


@pytest.mark.parametrize("kind", ["standard", "minmax", "none"])
def test_per_series_scaling_equals_one_scaler_per_series(kind):
    """Check the vectorised per-series fit against fitting each series alone."""
    rng = np.random.default_rng(0)
    parts = [rng.normal(5, 2, size=(n, 3)) for n in (7, 1, 20)]
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
    scaler = fit_scaler(kind, np.concatenate(parts), offsets)
    for s, part in enumerate(parts):
        alone = fit_scaler(kind, part)
        np.testing.assert_allclose(scaler.offset[s], alone.offset)
        np.testing.assert_allclose(scaler.scale[s], alone.scale)
        series = np.full(len(part), s)
        np.testing.assert_allclose(scaler.transform(part, series), alone.transform(part))


def naive_mae_reference(values, season):
    """Mean absolute change over ``season`` rows (one row when too short), column by column,
    at least 1% of the standard deviation."""
    lag = season if len(values) > season else 1
    if len(values) <= lag:
        return np.ones(values.shape[1])
    return np.maximum(np.abs(values[lag:] - values[:-lag]).mean(axis=0), values.std(axis=0) / 100)


@pytest.mark.parametrize("season", [1, 4, 12])
def test_naive_scaler_divides_by_the_seasonal_naive_mae_of_each_series(season):
    """Check the "naive" scaler against a per-series loop: mean offset, and the mean absolute
    change over ``season`` rows (one row for a series not longer than ``season``) as scale."""
    rng = np.random.default_rng(0)
    parts = [rng.normal(5, 2, size=(n, 2)).cumsum(axis=0) for n in (30, 1, 9, 13)]
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
    scaler = fit_scaler("naive", np.concatenate(parts), offsets, season=season)
    for s, part in enumerate(parts):
        np.testing.assert_allclose(scaler.offset[s], part.mean(axis=0))
        np.testing.assert_allclose(scaler.scale[s], naive_mae_reference(part, season))


def test_naive_scaler_scales_covariates_as_standard():
    """Check that with ``n_targets``, only the targets are divided by their naive error and
    the covariates by their standard deviation."""
    values = np.random.default_rng(0).normal(5, 2, size=(40, 3)).cumsum(axis=0)
    scaler = fit_scaler("naive", values, season=4, n_targets=1)
    np.testing.assert_allclose(scaler.scale[0], naive_mae_reference(values, 4)[0])
    np.testing.assert_allclose(scaler.scale[1:], values[:, 1:].std(axis=0))


def test_naive_scaler_floors_a_series_that_repeats_its_season():
    """Check that an exactly periodic series (no seasonal change) gets 1% of its standard
    deviation as scale instead of a zero division."""
    values = np.tile([1.0, 5.0, 3.0, 9.0], 10)[:, None]
    scaler = fit_scaler("naive", values, season=4)
    np.testing.assert_allclose(scaler.scale, values.std(axis=0) / 100)
