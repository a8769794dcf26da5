"""Small real series bundled with the package, and synthetic generators; nothing is downloaded.

Every loader returns a pandas Series with a PeriodIndex (or a DataFrame); provenance is in each
docstring and in ``tsforecast/data/README.md``. Imports numpy and pandas only.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = [
    "load_air_passengers",
    "load_co2",
    "load_elec_equip",
    "load_nile",
    "load_sunspots",
    "load_lynx",
    "load_dataset",
    "DATASETS",
    "make_noisy_sine",
]


def _read(filename: str, freq: str) -> pd.Series:
    with resources.files("tsforecast").joinpath("data", filename).open("r") as handle:
        frame = pd.read_csv(handle)
    time_column, value_column = frame.columns
    index = pd.PeriodIndex(frame[time_column].astype(str), freq=freq, name=time_column)
    return pd.Series(frame[value_column].to_numpy(dtype=np.float64), index=index, name=value_column)


def load_air_passengers() -> pd.Series:
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12, 144 values.

    Box, G. E. P., Jenkins, G. M. and Reinsel, G. C. (1976) *Time Series Analysis, Forecasting
    and Control*, Series G. The classic trend-and-multiplicative-season series. Seasonal period 12.
    """
    return _read("air_passengers.csv", "M")


def load_co2() -> pd.Series:
    """Monthly mean atmospheric CO2 at Mauna Loa (ppm), 1958-03 to 2001-12, 526 values.

    Keeling, C. D. and Whorf, T. P. (2004), Scripps flask samples, CDIAC, U.S. Department of
    Energy; public domain. Monthly means of the weekly record; the 5 months with no weekly sample
    are linearly interpolated. Seasonal period 12.
    """
    return _read("co2_mauna_loa.csv", "M")


def load_elec_equip() -> pd.Series:
    """Euro-area turnover index for electrical equipment manufacturing, monthly 1995-2016, 257 values.

    Eurostat (public domain as redistributed by statsmodels). Seasonal period 12.
    """
    return _read("elec_equip.csv", "M")


def load_nile() -> pd.Series:
    """Annual flow of the Nile at Aswan (10^8 m^3), 1871-1970, 100 values.

    Cobb, G. W. (1978) "The problem of the Nile", *Biometrika* 65(2); public domain.
    """
    return _read("nile.csv", "Y")


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot numbers, 1700-2008, 309 values (NOAA NGDC; public domain).

    A cycle of about 11 years.
    """
    return _read("sunspots.csv", "Y")


def load_lynx() -> pd.Series:
    """Annual Canadian lynx trappings, Mackenzie River, 1821-1934, 114 values.

    Elton, C. and Nicholson, M. (1942) *J. Animal Ecology* 11; the classic R ``lynx`` series.
    A cycle of about 10 years.
    """
    return _read("lynx.csv", "Y")


DATASETS = {
    "air_passengers": (load_air_passengers, 12),
    "co2": (load_co2, 12),
    "elec_equip": (load_elec_equip, 12),
    "nile": (load_nile, 1),
    "sunspots": (load_sunspots, 11),
    "lynx": (load_lynx, 10),
}
"""Bundled data sets: name -> (loader, seasonal period)."""


def load_dataset(name: str) -> pd.Series:
    """Load a bundled series by name (see :data:`DATASETS`)."""
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; choose one of {sorted(DATASETS)}.")
    return DATASETS[name][0]()


def make_noisy_sine(n_points: int = 720, noise: float = 0.05, random_state=None) -> np.ndarray:
    """``sin(x * pi / 180)`` for ``x = 0 .. n_points - 1`` plus Gaussian noise (sd ``noise``).

    The first seed tutorial's data: with 720 points, two full periods.
    """
    rng = np.random.default_rng(random_state)
    x = np.arange(n_points)
    return np.sin(x * np.pi / 180) + rng.normal(0.0, noise, n_points)
