"""Many fits at once through joblib's backends: GridSearchCV and cross_validate run unchanged
on a Dask cluster and on Ray, and give what loky gives; importing tsforecast imports neither."""

import importlib.util
import subprocess
import sys

import joblib
import numpy as np
import pytest
from conftest import TINY
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate

from tsforecast import LSTMForecaster, LSTMNetwork

# checked before the shared loky reference is computed, so a skip costs nothing
needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="needs dask[distributed] (pip install '.[dask]')")
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="needs ray (pip install '.[ray]')")

GRID = {"network__hidden_size": [4, 6], "lr": [3e-3, 1e-2]}


def _search(series, backend=None):
    """A grid search of window-8 forecasters over ``GRID`` (n_jobs=2) under ``backend``."""
    search = GridSearchCV(
        LSTMForecaster(**{**TINY, "window": 8, "network": LSTMNetwork(hidden_size=4)}), GRID,
        cv=TimeSeriesSplit(2), n_jobs=2,
    )
    if backend is None:
        return search.fit(series)
    with joblib.parallel_backend(backend):
        return search.fit(series)


def _same_search(search, reference):
    """Assert the same best parameters and the same scores as ``reference``."""
    assert search.best_params_ == reference.best_params_
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_allclose(search.cv_results_[key], reference.cv_results_[key],
                                   rtol=1e-6)


@pytest.fixture(scope="module")
def loky_search():
    """The reference: the grid search on joblib's default process backend (loky)."""
    rng = np.random.default_rng(0)
    series = np.sin(np.arange(120) / 6) + rng.normal(0, 0.05, 120)
    return series, _search(series, "loky")


@needs_dask
def test_grid_search_on_a_dask_cluster_equals_loky(loky_search):
    """Check that GridSearchCV under joblib's Dask backend, on an in-process LocalCluster,
    finds the same best parameters and scores as loky; cross_validate runs there too."""
    from dask.distributed import Client, LocalCluster

    series, reference = loky_search
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster, Client(cluster):
        search = _search(series, "dask")
        with joblib.parallel_backend("dask"):
            scores = cross_validate(LSTMForecaster(**TINY, window=8), series,
                                    cv=TimeSeriesSplit(2), n_jobs=2)
    _same_search(search, reference)
    assert np.isfinite(scores["test_score"]).all()


@needs_dask
def test_backtest_refits_on_a_dask_cluster_equal_loky(loky_search):
    """Check that backtest's refits, run through joblib, give loky's forecasts on Dask."""
    from dask.distributed import Client, LocalCluster

    from tsforecast.model_selection import backtest

    series = loky_search[0]
    model = LSTMForecaster(**TINY, window=8, horizon=2)
    reference = backtest(model, series, n_windows=3, step=4, refit=True, n_jobs=2).forecasts
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster, Client(cluster):
        with joblib.parallel_backend("dask"):
            result = backtest(model, series, n_windows=3, step=4, refit=True, n_jobs=2)
    np.testing.assert_allclose(result.forecasts["forecast"], reference["forecast"], rtol=1e-6)


@pytest.mark.ray
@needs_ray
def test_grid_search_on_ray_equals_loky(loky_search):
    """Check that GridSearchCV under Ray's joblib backend gives what loky gives."""
    import ray
    from ray.util.joblib import register_ray

    series, reference = loky_search
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        register_ray()
        search = _search(series, "ray")
    finally:
        ray.shutdown()
    _same_search(search, reference)


def test_importing_and_fitting_imports_no_cluster_library():
    """Check that importing tsforecast and fitting a model imports no dask, ray or pyspark."""
    code = (
        "import sys, numpy as np\n"
        "import tsforecast\n"
        "tsforecast.LSTMForecaster(window=4, network=tsforecast.LSTMNetwork(hidden_size=2), "
        "epochs=1, device='cpu')"
        ".fit(np.sin(np.arange(40) / 3))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'dask', 'distributed', 'ray', 'pyspark'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=300)
    assert done.stdout.strip() == "[]"
