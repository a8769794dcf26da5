"""Tests of the windows gathered on the device, against windows cut with a Python loop."""

import numpy as np
import torch

from tsforecast._batches import DevicePanel
from tsforecast._windowing import window_index


def test_training_batches_equal_windows_cut_by_a_loop():
    """Check each gathered (inputs, targets) pair equals the rows a loop cuts from its series,
    with the series' static covariates repeated along the window."""
    rng = np.random.default_rng(0)
    lengths, window, horizon, n_targets = [30, 12, 25], 5, 3, 2
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.normal(size=(offsets[-1], 3))  # 2 targets + 1 past covariate
    static = rng.normal(size=(3, 2))
    index = window_index(offsets, window, horizon, validation_fraction=0.2)
    starts = np.concatenate([index.train_starts, index.val_starts])
    series = np.concatenate([index.train_series, index.val_series])
    data = DevicePanel(values, static, window, horizon, n_targets, torch.device("cpu"))
    picked = torch.tensor([0, 7, len(starts) - 1, 3])
    inputs, targets = data.batches(starts, series)(picked)
    for row, w in enumerate(picked.tolist()):
        s, start = series[w], starts[w]
        assert offsets[s] <= start and start + window + horizon <= offsets[s + 1]
        expected = np.hstack([values[start : start + window], np.tile(static[s], (window, 1))])
        np.testing.assert_allclose(inputs[row].numpy(), expected, rtol=1e-6)
        future = values[start + window : start + window + horizon, :n_targets]
        np.testing.assert_allclose(targets[row].numpy(), future.reshape(-1), rtol=1e-6)


def test_forecast_windows_of_a_short_series_repeat_its_first_row():
    """Check a window reaching before its series' start is padded with the first row."""
    values = np.arange(20, dtype=float).reshape(10, 2)
    data = DevicePanel(values, None, 4, 1, 1, torch.device("cpu"))
    inputs = data.forecast_inputs(np.array([5]), np.array([1]), np.array([7]))(slice(0, 1))
    np.testing.assert_allclose(inputs[0].numpy(), values[[7, 7, 7, 8]])
