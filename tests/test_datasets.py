"""Tests for the bundled data sets and generators."""

import numpy as np
import pandas as pd
import pytest

from tsforecast import datasets

EXPECTED = {
    "air_passengers": (144, "1949-01", "1960-12", 112.0),
    "co2": (526, "1958-03", "2001-12", 316.1),
    "elec_equip": (257, "1995-01", "2016-05", 66.19),
    "nile": (100, "1871", "1970", 1120.0),
    "sunspots": (309, "1700", "2008", 5.0),
    "lynx": (114, "1821", "1934", 269.0),
}


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_bundled_series_load_with_a_regular_period_index(name):
    """Check each data set's length, span, first value and PeriodIndex."""
    series = datasets.load_dataset(name)
    n, first, last, first_value = EXPECTED[name]
    assert isinstance(series, pd.Series) and isinstance(series.index, pd.PeriodIndex)
    assert len(series) == n
    assert str(series.index[0]) == first and str(series.index[-1]) == last
    assert series.iloc[0] == first_value
    assert np.isfinite(series.to_numpy()).all()
    assert series.index.is_monotonic_increasing and series.index.is_unique


def test_unknown_dataset_lists_the_choices():
    """Check that an unknown name raises a ValueError listing the data sets."""
    with pytest.raises(ValueError, match="choose one of \\['air_passengers'"):
        datasets.load_dataset("mnist")


def test_noisy_sine_is_seeded_and_has_the_tutorials_shape():
    """Check the generator's length, reproducibility and noise level."""
    a = datasets.make_noisy_sine(720, random_state=1)
    b = datasets.make_noisy_sine(720, random_state=1)
    np.testing.assert_array_equal(a, b)
    residual = a - np.sin(np.arange(720) * np.pi / 180)
    assert a.shape == (720,) and 0.04 < residual.std() < 0.06
