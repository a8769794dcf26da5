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
