"""scikit-learn's own estimator checks on tiny sequence models.

LSTMForecaster is left out on purpose: its ``fit(X)`` reads X as one series ordered in time
(rows are time steps, not samples), ``predict(X=None)`` forecasts after the training series and
``predict(X)`` returns ``horizon`` rows whatever the number of rows of X. Most of the checks
(subset and sample-order invariance, ``predict`` returning one value per row, 1-sample fits,
shuffled-row scores) assume i.i.d. rows. Measured with sklearn 1.9's check_estimator(on_fail=None)
on a tiny LSTMForecaster: 28 of 51 checks fail, nearly all because predict(X) returns ``horizon``
forecast rows, not one per row of X, or because a model fitted as fit(X, y) needs y at predict.
Listing them all as expected failures would test nothing; its scikit-learn behaviour (clone,
pickle, get/set_params, GridSearchCV with TimeSeriesSplit) is tested in test_forecaster.py.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from tsforecast import LSTMClassifier, LSTMRegressor

TINY = {"hidden_size": 4, "epochs": 2, "batch_size": 64, "device": "cpu", "random_state": 0}


@parametrize_with_checks([LSTMClassifier(**TINY), LSTMRegressor(**TINY)])
def test_sklearn_compatible_estimator(estimator, check):
    """Check that the sequence estimators pass scikit-learn's estimator checks."""
    check(estimator)
