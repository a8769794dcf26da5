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


# -- interval metrics ---------------------------------------------------------------------------

LOWER = np.array([2.0, -0.5, 2.5, 6.0, 0.0])
UPPER = np.array([4.0, 0.5, 3.0, 6.5, 1.0])


def test_coverage_and_width_match_direct_formulas():
    """Check coverage (bounds included) and mean width against loops."""
    inside = [lo <= y <= up for y, lo, up in zip(Y, LOWER, UPPER)]
    assert metrics.coverage(Y, LOWER, UPPER) == pytest.approx(sum(inside) / len(Y))
    widths = [up - lo for lo, up in zip(LOWER, UPPER)]
    assert metrics.interval_width(LOWER, UPPER) == pytest.approx(sum(widths) / len(widths))


@pytest.mark.parametrize("season", [1, 2])
@pytest.mark.parametrize("level", [0.8, 0.95])
def test_msis_matches_the_m4_formula(season, level):
    """Check MSIS against the M4 definition computed with a loop."""
    train = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 8.0, 7.0])
    alpha = 1 - level
    scores = []
    for y, lo, up in zip(Y, LOWER, UPPER):
        score = up - lo
        if y < lo:
            score += 2 / alpha * (lo - y)
        if y > up:
            score += 2 / alpha * (y - up)
        scores.append(score)
    naive = [abs(train[t] - train[t - season]) for t in range(season, len(train))]
    expected = (sum(scores) / len(scores)) / (sum(naive) / len(naive))
    assert metrics.msis(Y, LOWER, UPPER, train, coverage=level, season=season) == pytest.approx(
        expected)


def test_pinball_loss_matches_direct_formula():
    """Check the pinball loss, averaged over values and levels, against a loop."""
    levels = [0.1, 0.5, 0.9]
    predictions = np.stack([F - 1, F, F + 1], axis=-1)
    losses = []
    for y, row in zip(Y, predictions):
        for q, f in zip(levels, row):
            e = y - f
            losses.append(q * e if e >= 0 else (q - 1) * e)
    assert metrics.pinball_loss(Y, predictions, levels) == pytest.approx(sum(losses) / len(losses))
    assert metrics.pinball_loss(Y, F, 0.5) == pytest.approx(metrics.mae(Y, F) / 2)


def test_interval_metrics_reject_crossed_bounds_and_bad_shapes():
    """Check that bounds in the wrong order and mismatched quantile axes raise ValueError."""
    with pytest.raises(ValueError, match="lower must not exceed upper"):
        metrics.coverage(Y, UPPER, LOWER)
    with pytest.raises(ValueError, match="one forecast per level"):
        metrics.pinball_loss(Y, np.stack([F, F], axis=-1), [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        metrics.msis(Y, LOWER, UPPER, [1.0, 2.0, 4.0], coverage=95)
