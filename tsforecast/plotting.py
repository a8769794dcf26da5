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


def plot_forecast(history, forecast, actual=None, *, history_tail=None, ax=None, title=None):
    """Plot a history, its forecast and (optionally) the actual values of the forecast period.

    The x axis is labelled with the history's index name ("time" when it has none) and the y
    axis with the history's name ("value" when it has none), unless ``ax`` already has labels.

    Parameters
    ----------
    history : array-like or Series
        The series the forecast was made from.
    forecast : array-like or Series
        Forecast values; a forecast given as a list or array is placed right after ``history``
        (continuing its dates or integer labels when they are evenly spaced).
    actual : array-like or Series, optional
        What really happened over the forecast period; placed like ``forecast``.
    history_tail : int, optional
        Draw only the last ``history_tail`` steps of ``history``, so that a short forecast is
        not squeezed against a long history; None draws all of it.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when None.
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    if history_tail is not None and (
        isinstance(history_tail, bool) or not isinstance(history_tail, (int, np.integer))
        or history_tail < 1
    ):
        raise ValueError(f"history_tail must be None or an int >= 1; got "
                         f"history_tail={history_tail!r}.")
    history = _as_series(history, "history")
    forecast = _after(history, _as_series(forecast, "forecast"), _is_pandas(forecast))
    actual = _after(history, _as_series(actual, "actual"), _is_pandas(actual))
    if history_tail is not None:
        history = history.iloc[-history_tail:]
    ax = _axes(ax)
    ax.plot(history.index, history.to_numpy(), color="0.3", label="history")
    if actual is not None:
        ax.plot(actual.index, actual.to_numpy(), color="tab:green", label="actual")
    ax.plot(forecast.index, forecast.to_numpy(), color="tab:orange", label="forecast", lw=2)
    ax.axvline(forecast.index[0], color="0.6", ls=":", lw=1)
    ax.legend(loc="upper left")
    if not ax.get_xlabel():
        ax.set_xlabel(history.index.name if history.index.name is not None else "time")
    if not ax.get_ylabel():
        ax.set_ylabel(history.name if history.name is not None else "value")
    if title:
        ax.set_title(title)
    return ax


def _is_pandas(values) -> bool:
    return isinstance(values, (pd.Series, pd.DataFrame))


def _after(history: pd.Series, values: pd.Series | None, has_index: bool) -> pd.Series | None:
    """``values`` as given when it came with an index, else placed right after ``history``."""
    if values is None or has_index:
        return values
    index, n = history.index, len(values)
    if isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        freq = index.freq or pd.infer_freq(index)
        if freq is not None:
            return values.set_axis(pd.date_range(index[-1], periods=n + 1, freq=freq)[1:])
    if pd.api.types.is_integer_dtype(index) and len(index) >= 2:
        steps = np.diff(index.to_numpy())
        if (steps == steps[0]).all():
            return values.set_axis(index[-1] + steps[0] * np.arange(1, n + 1))
    return values.set_axis(np.arange(len(history), len(history) + n))


def save_figure(figure, path, *, dpi: int = 100) -> Path:
    """Lay out ``figure``, write it to ``path`` (creating its folder) and close it.

    Parameters
    ----------
    figure : matplotlib Figure
    path : str or Path
        Where to write; the format follows the suffix (``.png``, ``.pdf``, ``.svg``). Without
        a suffix, the suffix of matplotlib's default format is added (``.png`` unless configured).
    dpi : int, default=100

    Returns
    -------
    path : Path
        The file written (with the suffix added when ``path`` had none).
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    if not path.suffix:  # matplotlib adds the default format's suffix; return the real name
        path = path.with_name(f"{path.name}.{plt.rcParams['savefig.format']}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    plt.close(figure)
    return path
