"""Tests of the window index: per-series windows and their chronological split, against slow
per-series references."""

import math

import numpy as np
import pytest

from tsforecast._windowing import count_windows, ragged_arange, sliding_windows, window_index


@pytest.mark.parametrize("length", [1, 3, 7])
def test_sliding_windows_match_a_loop(length):
    """Check that sliding_windows equals windows cut with a Python loop, without a copy."""
    values = np.arange(30, dtype=float).reshape(15, 2)
    windows = sliding_windows(values, length)
    expected = np.stack([values[i : i + length] for i in range(15 - length + 1)])
    np.testing.assert_array_equal(windows, expected)
    assert np.shares_memory(windows, values)


def test_ragged_arange_matches_a_loop():
    """Check that ragged_arange concatenates aranges of each count, zeros included."""
    counts = [3, 0, 1, 4]
    expected = np.concatenate([np.arange(c) for c in counts])
    np.testing.assert_array_equal(ragged_arange(counts), expected)


def _reference_split(n_rows, window, horizon, fraction):
    """One series' split, written out: (train window numbers, val window numbers, fit rows)."""
    n_windows = max(n_rows - window - horizon + 1, 0)
    n_val = math.ceil(fraction * n_windows) if fraction > 0 else 0
    if n_windows - n_val - (horizon - 1) < 1:
        n_val = 0  # too few windows to split: train on all
    val_start = n_windows - n_val
    n_train = val_start - (horizon - 1) if n_val else n_windows
    fit_rows = val_start + window if n_val else n_rows
    return list(range(n_train)), list(range(val_start, n_windows)), fit_rows


@pytest.mark.parametrize("window, horizon, fraction", [
    (10, 1, 0.1), (10, 5, 0.2), (3, 12, 0.25), (5, 2, 0.0), (4, 3, 0.5),
])
def test_window_index_matches_a_per_series_loop(window, horizon, fraction):
    """Check the vectorised window index against a split computed series by series."""
    lengths = np.array([100, 50, 3, 17, window + horizon, 40])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    index = window_index(offsets, window, horizon, fraction)
    train, val, fit_rows = [], [], []
    for s, n in enumerate(lengths):
        t, v, f = _reference_split(n, window, horizon, fraction)
        train += [(offsets[s] + w, s) for w in t]
        val += [(offsets[s] + w, s) for w in v]
        fit_rows.append(f)
    assert list(zip(index.train_starts, index.train_series)) == train
    assert list(zip(index.val_starts, index.val_series)) == val
    np.testing.assert_array_equal(index.fit_rows, fit_rows)
    np.testing.assert_array_equal(index.trained, count_windows(lengths, window, horizon) > 0)


@pytest.mark.parametrize("n_rows, window, horizon, fraction", [
    (100, 10, 1, 0.1), (100, 10, 5, 0.2), (50, 3, 12, 0.25), (40, 5, 2, 0.0),
])
def test_split_keeps_validation_targets_after_training_targets(n_rows, window, horizon, fraction):
    """Check that no target row is shared by a training and a validation window, and that
    scaling may only see rows before the first validation target."""
    index = window_index(np.array([0, n_rows]), window, horizon, fraction)
    last_train_target = index.train_starts.max() + window + horizon - 1
    if fraction == 0:
        assert index.n_val == 0 and index.n_train == count_windows(n_rows, window, horizon)
        assert index.fit_rows[0] == n_rows
    else:
        first_val_target = index.val_starts.min() + window
        assert last_train_target < first_val_target
        assert index.n_val >= fraction * (index.val_starts.max() + 1)
        assert index.fit_rows[0] == first_val_target
