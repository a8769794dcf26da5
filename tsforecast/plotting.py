"""Matplotlib helpers: each takes ``ax=None`` and returns the Axes; pyplot is imported lazily.

Imports pandas and numpy; never torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["plot_forecast", "save_figure"]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(9, 4))[1]


def _as_series(values, name: str) -> pd.Series | None:
    if values is None:
        return None
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(f"{name} must be one series; got a DataFrame with columns "
                             f"{list(values.columns)}. Plot one column at a time.")
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        if isinstance(values.index, pd.PeriodIndex):
            values = values.set_axis(values.index.to_timestamp())
        return values
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {array.shape}.")
    return pd.Series(array)


def plot_forecast(history, forecast, actual=None, *, ax=None, title=None):
    """Plot a history, its forecast and (optionally) the actual values of the forecast period.

    Parameters
    ----------
    history : array-like or Series
        The series the forecast was made from.
    forecast : array-like or Series
        Forecast values; a numpy forecast is placed right after ``history``.
    actual : array-like or Series, optional
        What really happened over the forecast period.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when None.
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    ax = _axes(ax)
    history = _as_series(history, "history")
    forecast = _as_series(forecast, "forecast")
    actual = _as_series(actual, "actual")
    if not isinstance(forecast.index, pd.DatetimeIndex) and not isinstance(
        history.index, pd.DatetimeIndex
    ):
        start = len(history)
        forecast = forecast.set_axis(np.arange(start, start + len(forecast)))
        if actual is not None:
            actual = actual.set_axis(np.arange(start, start + len(actual)))
    ax.plot(history.index, history.to_numpy(), color="0.3", label="history")
    if actual is not None:
        ax.plot(actual.index, actual.to_numpy(), color="tab:green", label="actual")
    ax.plot(forecast.index, forecast.to_numpy(), color="tab:orange", label="forecast", lw=2)
    ax.axvline(forecast.index[0], color="0.6", ls=":", lw=1)
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def save_figure(figure, path, *, dpi: int = 100) -> Path:
    """Lay out ``figure``, write it to ``path`` (creating its folder) and close it.

    Parameters
    ----------
    figure : matplotlib Figure
    path : str or Path
        Where to write; the format follows the suffix (``.png``, ``.pdf``, ``.svg``).
    dpi : int, default=100

    Returns
    -------
    path : Path
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    plt.close(figure)
    return path
