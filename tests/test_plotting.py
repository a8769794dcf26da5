"""Tests for the plotting helpers (Agg backend)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tsforecast import datasets
from tsforecast.plotting import plot_forecast


def test_plot_forecast_draws_history_forecast_and_actual_on_given_axes():
    """Check the three lines land on the given Axes, with the forecast after the history."""
    series = datasets.load_air_passengers()
    fig, ax = plt.subplots()
    returned = plot_forecast(series[:-12], series[-12:] * 1.1, series[-12:], ax=ax, title="t")
    assert returned is ax
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["history", "actual", "forecast"]
    history_x = ax.get_lines()[0].get_xdata()
    forecast_x = ax.get_lines()[2].get_xdata()
    assert forecast_x[0] > history_x[-1]
    assert ax.get_title() == "t"
    plt.close(fig)


def test_numpy_forecast_is_placed_after_numpy_history():
    """Check that numpy inputs are drawn at positions n .. n + h - 1."""
    ax = plot_forecast(np.arange(10.0), np.array([10.0, 11.0]))
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), [10, 11])
    plt.close(ax.figure)


def test_plot_rejects_several_columns():
    """Check that a DataFrame with two columns is refused with a clear message."""
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    with pytest.raises(ValueError, match="must be one series"):
        plot_forecast(frame, frame)


def test_save_figure_creates_the_folder_writes_the_file_and_closes(tmp_path):
    """Check save_figure writes a PNG into a new folder and closes the figure."""
    from tsforecast.plotting import save_figure

    ax = plot_forecast(np.arange(10.0), np.array([10.0, 11.0]))
    path = save_figure(ax.figure, tmp_path / "new" / "plot.png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(ax.figure.number)
