"""Small shared fixtures: a sine series, a DataFrame with a DatetimeIndex, tiny model settings."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

matplotlib.use("Agg")

TINY = {"hidden_size": 4, "epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Run the suite on one torch thread, outside the estimators too.

    The estimators' n_threads="auto" already takes one thread for models this small (two gain
    nothing on them and make each step many times slower while another process is busy;
    docs/performance.md, "Threads"); the pin covers torch work outside them and keeps the
    suite's starting point the same on every machine.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _seed():
    """Seed the global RNGs so each test starts from the same state."""
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture
def sine():
    """A noisy sine of 120 points as a 1-D ndarray."""
    rng = np.random.default_rng(0)
    t = np.arange(120)
    return np.sin(t / 6) + rng.normal(0, 0.05, 120)


@pytest.fixture
def frame():
    """A daily DataFrame with a target 'sales' and a covariate 'price'."""
    rng = np.random.default_rng(1)
    index = pd.date_range("2024-01-01", periods=100, freq="D", name="date")
    price = 10 + rng.normal(0, 1, 100)
    sales = 50 + 5 * np.sin(np.arange(100) / 3) - price + rng.normal(0, 0.5, 100)
    return pd.DataFrame({"sales": sales, "price": price}, index=index)
