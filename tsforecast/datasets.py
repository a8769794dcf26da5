"""Small real series bundled with the package, and synthetic generators; nothing is downloaded.

The series loaders return a pandas Series with a PeriodIndex; ``load_mnist_idx`` returns numpy
arrays read from files the user gives. Provenance is in each docstring and in
``tsforecast/data/README.md``. Imports numpy and pandas only.
"""

from __future__ import annotations

import gzip
import os
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
    "load_mnist_idx",
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
    """Euro-area turnover index, electrical equipment manufacturing, monthly 1995-2016, 257 values.

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


# IDX type codes (third byte of the magic number) -> big-endian numpy dtype.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_MNIST_IMAGES_MAGIC = 0x00000803  # uint8, 3 dimensions: (n_images, n_rows, n_columns)
_MNIST_LABELS_MAGIC = 0x00000801  # uint8, 1 dimension: (n_images,)


def load_mnist_idx(images_path, labels_path=None):
    """Read MNIST-style images (and labels) from the standard IDX files, gzipped or not.

    The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/) is a 4-byte magic number
    (two zero bytes, a type code and the number of dimensions), one big-endian uint32 per
    dimension, then the values in C order. MNIST and Fashion-MNIST images have the magic
    number 2051 (0x00000803: uint8, 3-D) and labels 2049 (0x00000801: uint8, 1-D). A file is
    read as gzip when it starts with the gzip signature, whatever its name. Nothing is
    downloaded: pass the paths of files you already have (e.g. ``train-images-idx3-ubyte.gz``).

    Parameters
    ----------
    images_path : str or os.PathLike
        The images file.
    labels_path : str or os.PathLike, optional
        The labels file; it must hold one label per image.

    Returns
    -------
    images : ndarray of shape (n_images, n_rows, n_columns), dtype uint8
        Pixel values 0-255; ``images.reshape(len(images), -1)`` with ``sequence_length=n_rows``
        reads each image as ``n_rows`` time steps of ``n_columns`` pixels.
    labels : ndarray of shape (n_images,), dtype uint8, or None
        None when ``labels_path`` is None.
    """
    images = _read_idx(images_path, _MNIST_IMAGES_MAGIC, "images")
    if labels_path is None:
        return images, None
    labels = _read_idx(labels_path, _MNIST_LABELS_MAGIC, "labels")
    if len(labels) != len(images):
        raise ValueError(
            f"{os.fspath(images_path)!r} holds {len(images)} images but "
            f"{os.fspath(labels_path)!r} holds {len(labels)} labels; pass the labels file that "
            f"belongs to these images (e.g. train-images with train-labels)."
        )
    return images, labels


def _read_idx(path, expected_magic: int, what: str) -> np.ndarray:
    """Read one IDX file and check that its magic number is ``expected_magic``."""
    name = os.fspath(path)
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, gzip.BadGzipFile, OSError) as error:
            raise ValueError(
                f"{name!r} looks gzipped but cannot be decompressed ({error}); the file is "
                f"truncated or damaged: download or copy it again."
            ) from None
    if len(raw) < 4:
        raise ValueError(
            f"{name!r} is truncated: {len(raw)} byte(s), not even the 4-byte IDX magic number."
        )
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise ValueError(
            f"{name!r} is not an IDX {what} file: its magic number is 0x{magic:08X} "
            f"({magic}), expected 0x{expected_magic:08X} ({expected_magic}). Check that the "
            f"images and labels paths are not swapped and that the file is an IDX file."
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{name!r} is truncated: its header needs {header} bytes for {ndim} dimension(s) "
            f"but the file has {len(raw)}."
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "longer than its header says"
        raise ValueError(
            f"{name!r} is {problem}: its header gives shape {shape}, i.e. {expected} bytes, "
            f"but the file has {len(raw)} bytes."
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # native byte order, a writeable copy
