"""Tests for the metrics against direct formulas."""

import numpy as np
import pytest

from tsforecast import metrics

Y = np.array([3.0, -1.0, 2.0, 7.0, 0.5])
F = np.array([2.5, 0.0, 2.0, 8.0, -0.5])


def test_mae_rmse_match_direct_formulas():
    """Check MAE and RMSE against a plain loop."""
    errors = [abs(y - f) for y, f in zip(Y, F)]
    assert metrics.mae(Y, F) == pytest.approx(sum(errors) / len(errors))
    assert metrics.rmse(Y, F) == pytest.approx((sum(e * e for e in errors) / len(errors)) ** 0.5)


def test_smape_matches_direct_formula_and_handles_zero_pairs():
    """Check sMAPE against a loop, with 0/0 counted as 0."""
    y, f = np.array([1.0, 0.0, -2.0]), np.array([2.0, 0.0, -1.0])
    expected = 200 * np.mean([1 / 3, 0.0, 1 / 3])
    assert metrics.smape(y, f) == pytest.approx(expected)


def test_mape_rejects_zero_actuals():
    """Check that MAPE refuses zeros in y_true and is correct otherwise."""
    assert metrics.mape([2.0, 4.0], [1.0, 5.0]) == pytest.approx(100 * (0.5 + 0.25) / 2)
    with pytest.raises(ValueError, match="zeros"):
        metrics.mape([0.0, 1.0], [1.0, 1.0])


@pytest.mark.parametrize("season", [1, 2, 3])
def test_mase_scales_by_seasonal_naive_in_sample_error(season):
    """Check MASE against the in-sample seasonal-naive MAE computed with a loop."""
    train = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 8.0, 7.0])
    naive_errors = [abs(train[t] - train[t - season]) for t in range(season, len(train))]
    expected = metrics.mae(Y, F) / (sum(naive_errors) / len(naive_errors))
    assert metrics.mase(Y, F, train, season=season) == pytest.approx(expected)


def test_metrics_reject_shape_mismatch_and_empty_input():
    """Check that mismatched shapes and empty arrays raise ValueError."""
    with pytest.raises(ValueError, match="same shape"):
        metrics.mae([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        metrics.rmse([], [])
    with pytest.raises(ValueError, match="needs more than"):
        metrics.mase([1.0], [1.0], [1.0, 2.0], season=2)
