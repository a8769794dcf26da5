"""tsforecast: LSTM forecasting and sequence learning with a scikit-learn API, on PyTorch.

The whole public API is listed in ``__all__``; everything in modules with a leading underscore
is private.
"""

from . import datasets, distributed, metrics, model_selection, plotting, scoring
from ._version import __version__
from .conformal import ConformalIntervals
from .features import calendar_features
from .forecaster import LSTMForecaster
from .networks import Ensemble, HybridNetwork, LSTMNetwork
from .persistence import load
from .sequence import LSTMClassifier, LSTMRegressor

__all__ = [
    "ConformalIntervals",
    "LSTMClassifier",
    "LSTMForecaster",
    "Ensemble",
    "HybridNetwork",
    "LSTMNetwork",
    "LSTMRegressor",
    "calendar_features",
    "datasets",
    "distributed",
    "load",
    "metrics",
    "model_selection",
    "plotting",
    "scoring",
    "__version__",
]
