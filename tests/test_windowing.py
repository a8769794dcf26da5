"""Tests for sliding windows and the chronological split."""

import numpy as np
import pytest

from tsforecast._windowing import chronological_split, count_windows, min_rows, sliding_windows


@pytest.mark.parametrize("length", [1, 3, 7])
def test_sliding_windows_match_a_loop(length):
    """Check that sliding_windows equals windows cut with a Python loop, without a copy."""
    values = np.arange(30.0).reshape(10, 3)
    expected = np.stack([values[i : i + length] for i in range(10 - length + 1)])
    windows = sliding_windows(values, length)
    np.testing.assert_array_equal(windows, expected)
    assert np.shares_memory(windows, values)


@pytest.mark.parametrize("n_rows, window, horizon, fraction", [
    (100, 10, 1, 0.1), (100, 10, 5, 0.2), (50, 3, 12, 0.25), (40, 5, 2, 0.0),
])
def test_split_keeps_validation_targets_after_training_targets(n_rows, window, horizon, fraction):
    """Check that no target row is shared by a training and a validation window."""
    split = chronological_split(n_rows, window, horizon, fraction)
    last_train_target = split.n_train - 1 + window + horizon - 1
    assert split.n_windows == count_windows(n_rows, window, horizon)
    if fraction == 0:
        assert split.n_val == 0 and split.n_train == split.n_windows
        assert split.fit_rows == n_rows
    else:
        first_val_target = split.val_start + window
        assert last_train_target < first_val_target
        assert split.n_val >= fraction * split.n_windows
        assert split.fit_rows == first_val_target
    assert split.val_start + split.n_val == split.n_windows


def test_min_rows_is_the_shortest_series_that_splits():
    """Check that min_rows gives a split and one row fewer does not."""
    for window, horizon, fraction in [(10, 1, 0.1), (5, 6, 0.3), (1, 1, 0.0)]:
        n = min_rows(window, horizon, fraction)
        assert chronological_split(n, window, horizon, fraction) is not None
        assert chronological_split(n - 1, window, horizon, fraction) is None
