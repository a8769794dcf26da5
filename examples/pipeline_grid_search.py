"""A scikit-learn Pipeline and GridSearchCV(cv=TimeSeriesSplit) around LSTMForecaster.

Monthly airline passengers: a ``FunctionTransformer`` turns the PeriodIndex into calendar
features (sine and cosine of the month), which the forecaster reads as past covariates next to
the passenger counts (``fit(X, y)``). ``GridSearchCV`` picks the window and hidden size by
rolling-origin R^2 (``LSTMForecaster.score``) on two expanding time-series folds of the
training part (each test fold of 42 months must hold ``window + horizon`` rows, since its first
``window`` rows only serve as context); the best pipeline then forecasts the held-out last year.

Run: ``python examples/pipeline_grid_search.py`` (writes docs/images/pipeline_grid_search.png).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from tsforecast import LSTMForecaster, LSTMNetwork, datasets, metrics, plotting

HORIZON = 12


def calendar_features(X: pd.DataFrame) -> pd.DataFrame:
    """Sine and cosine of the month of each row's timestamp."""
    month = X.index.month.to_numpy()
    angle = 2 * np.pi * (month - 1) / 12
    return pd.DataFrame({"month_sin": np.sin(angle), "month_cos": np.cos(angle)}, index=X.index)


def main(epochs: int = 100, grid=None, plot: str | None = "docs/images/pipeline_grid_search.png"):
    """Grid-search the pipeline on the training years; return CV results and held-out scores."""
    y = datasets.load_air_passengers()
    X = pd.DataFrame(index=y.index)  # the calendar features are made from the index alone
    y_train, y_test = y.iloc[:-HORIZON], y.iloc[-HORIZON:]
    X_train = X.iloc[:-HORIZON]
    pipeline = Pipeline([
        ("calendar", FunctionTransformer(calendar_features)),
        ("model", LSTMForecaster(horizon=HORIZON, network=LSTMNetwork(), epochs=epochs,
                                 random_state=0)),
    ])
    grid = grid or {"model__window": [12, 18], "model__network__hidden_size": [16, 64]}
    search = GridSearchCV(pipeline, grid, cv=TimeSeriesSplit(n_splits=2, test_size=42))
    search.fit(X_train, y_train)
    forecast = search.best_estimator_.predict(X_train, y=y_train)  # the next 12 months
    season_naive = y_train.iloc[-12:].to_numpy()
    results = {
        "best_params": search.best_params_,
        "cv_r2": dict(zip(map(str, search.cv_results_["params"]),
                          search.cv_results_["mean_test_score"])),
        "mase": metrics.mase(y_test, forecast, y_train, season=12),
        "mase_seasonal_naive": metrics.mase(y_test, season_naive, y_train, season=12),
        "smape": metrics.smape(y_test, forecast),
    }
    if plot:
        ax = plotting.plot_forecast(y_train, forecast, y_test,
                                    title=f"Pipeline + GridSearchCV: best {search.best_params_}")
        plotting.save_figure(ax.figure, plot)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--plot", default="docs/images/pipeline_grid_search.png")
    args = parser.parse_args()
    results = main(epochs=args.epochs, plot=args.plot)
    for params, score in results.pop("cv_r2").items():
        print(f"cv R^2 {score:7.3f}  {params}")
    for key, value in results.items():
        print(f"{key}: {value}")
