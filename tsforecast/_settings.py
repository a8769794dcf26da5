"""The base of the parameter objects an estimator takes (LSTMNetwork, ConformalIntervals):
scikit-learn's get_params/set_params, clone and repr, and equality by parameters, so that two
estimators built with the same settings have equal ``get_params()``."""

from __future__ import annotations

from sklearn.base import BaseEstimator


class Settings(BaseEstimator):
    """A scikit-learn parameter object: only its parameters, compared by value."""

    def __eq__(self, other):
        return type(other) is type(self) and other.get_params() == self.get_params()

    def __hash__(self):
        return hash((type(self).__name__, repr(sorted(self.get_params().items()))))
