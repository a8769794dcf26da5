"""The network a forecaster trains, as a parameter object: ``LSTMForecaster(network=...)``.

A network spec holds the architecture only (sizes, and how the network reads a window); the
forecaster builds and trains it. Being a scikit-learn parameter object, its settings are tuned
like a pipeline step's: ``GridSearchCV(model, {"network__hidden_size": [16, 32]})`` with
``model = LSTMForecaster(network=LSTMNetwork())``.
"""

from __future__ import annotations

from ._settings import Settings
from ._validation import check_bool, check_int

__all__ = ["Ensemble", "HybridNetwork", "LSTMNetwork"]

HEADS = ("last", "sequence")
INSTANCE_NORMS = ("last", "mean", None)


class LSTMNetwork(Settings):
    """A ``batch_first`` LSTM with a linear head that emits every horizon step at once.

    Parameters
    ----------
    hidden_size : int, default=16
        Features in the LSTM's hidden state.
    num_layers : int, default=1
        Stacked LSTM layers.
    dropout : float, default=0.0
        Dropout between stacked layers (ignored with one layer).
    bidirectional : bool, default=False
        Read each window in both directions.
    proj_size : int, default=0
        If > 0, project the hidden state to this size (must be < ``hidden_size``).
    head : {"last", "sequence"}, default="sequence"
        What the linear head reads: "last" the final hidden state only; "sequence" the LSTM
        outputs of the last ``min(horizon, window)`` time steps, flattened.
    instance_norm : {"last", "mean"} or None, default="last"
        Per-window normalisation inside the network: every input window has each column's last
        value ("last") or window mean ("mean") subtracted, and the targets' reference is added
        back to the forecast, in training and in every predict path alike. It lets the model
        extrapolate trends beyond the training range. None feeds the scaled window as is.
    seasonal_skip : bool, default=False
        If True (and ``1 < season_ <= window_``), the network forecasts a correction to the
        seasonal naive forecast read from each window (its last ``season_`` values, repeated)
        instead of to the window's reference level.

    Examples
    --------
    >>> from tsforecast import LSTMForecaster, LSTMNetwork
    >>> model = LSTMForecaster(horizon=6, network=LSTMNetwork(hidden_size=32, num_layers=2))
    """

    def __init__(self, hidden_size=16, num_layers=1, dropout=0.0, bidirectional=False,
                 proj_size=0, head="sequence", instance_norm="last", seasonal_skip=False):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self.head = head
        self.instance_norm = instance_norm
        self.seasonal_skip = seasonal_skip


class HybridNetwork(Settings):
    """A hybrid of per-series exponential smoothing and one LSTM, in the spirit of ES-RNN.

    Every series has its own level smoothing coefficient and seasonal indices, learned by
    gradient descent together with the network. Each window, less its series' seasonal indices,
    is smoothed exponentially to a level; the LSTM reads the window less that level and
    forecasts the deviation from it; the level and the seasonal indices of the steps forecast
    are added back. A forecaster with this network works on the log of its targets where every
    target value at fit is positive (``target_transform=None``; the model is then
    multiplicative: ``y = level * season * exp(lstm)``) and on the values as they are
    otherwise (additive). The seasonal pattern that ``deseasonalize`` removes (as differences,
    in those units) is where the seasonal indices start from.

    A series the fit never saw (``predict(new_series)``) gets the median smoothing
    coefficient of the fitted series and its own seasonal pattern, estimated on its context
    as ``deseasonalize`` does; the network is not trained again. The fitted coefficients and
    indices are ``level_smoothing_`` and ``seasonal_indices_``.

    Parameters
    ----------
    hidden_size : int, default=32
        Features in the LSTM's hidden state.
    num_layers : int, default=1
        Stacked LSTM layers.
    dropout : float, default=0.0
        Dropout between stacked layers (ignored with one layer).
    head : {"last", "sequence"}, default="sequence"
        What the linear head reads, as in :class:`LSTMNetwork`.

    Notes
    -----
    It forecasts the targets only: future-known columns are refused at fit; past and static
    covariates are read by the LSTM (past ones less their last value in each window).

    Examples
    --------
    >>> from tsforecast import HybridNetwork, LSTMForecaster
    >>> model = LSTMForecaster(horizon=18, network=HybridNetwork())
    """

    def __init__(self, hidden_size=32, num_layers=1, dropout=0.0, head="sequence"):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.head = head


class Ensemble(Settings):
    """Several networks trained one after another on the same windows; the forecast is the
    median of theirs (N-BEATS style): ``LSTMForecaster(network=Ensemble(HybridNetwork()))``.

    Members differ by seed, and optionally by loss and by window: one member per
    (window, loss, seed). They are trained one after another (K members cost K fits) and
    stored as one network, so that a forecast, an interval or a backtest is one pass over the
    windows, in which each member reads its own last rows of each window. Intervals are
    calibrated on the errors of the median forecast.

    Parameters
    ----------
    network : LSTMNetwork, HybridNetwork or None, default=None
        The members' network (None: ``LSTMNetwork()``).
    seeds : int, default=3
        Members per (window, loss): seeded ``random_state``, ``random_state + 1``, ...
        (each drawn afresh when ``random_state`` is None).
    losses : sequence of {"mse", "mae", "huber"} or None, default=None
        One group of members per loss (None: the forecaster's ``loss``). Ignored when the
        forecaster trains ``quantiles`` (every member then does).
    windows : sequence of int or None, default=None
        One group of members per window length (None: the forecaster's window). The
        forecaster's ``window_`` becomes the longest of them; the other members read the last
        rows of each window.

    Examples
    --------
    >>> from tsforecast import Ensemble, HybridNetwork, LSTMForecaster
    >>> model = LSTMForecaster(horizon=6, network=Ensemble(HybridNetwork(), seeds=5))
    """

    def __init__(self, network=None, seeds=3, losses=None, windows=None):
        self.network = network
        self.seeds = seeds
        self.losses = losses
        self.windows = windows


def network_settings(network) -> dict:
    """The checked settings of ``network`` (None: the default LSTMNetwork()) as a dict, in
    LSTMNetwork's terms: a HybridNetwork has ``instance_norm="level"``; ``ensemble`` holds an
    Ensemble's seeds, losses and windows (None for one network)."""
    if isinstance(network, Ensemble):
        if isinstance(network.network, Ensemble):
            raise TypeError("An Ensemble's network must be an LSTMNetwork or a HybridNetwork, "
                            "not another Ensemble.")
        return {**network_settings(network.network), "ensemble": _ensemble_settings(network)}
    return {**_single_settings(network), "ensemble": None}


def _ensemble_settings(ensemble: Ensemble) -> dict:
    check_int("seeds", ensemble.seeds, 1)
    settings = {"seeds": int(ensemble.seeds), "losses": None, "windows": None}
    for name in ("losses", "windows"):
        values = getattr(ensemble, name)
        if values is None:
            continue
        if isinstance(values, str) or not hasattr(values, "__len__") or len(values) == 0:
            raise ValueError(f"Ensemble's {name} must be a non-empty list or None; got "
                             f"{values!r}.")
        if name == "windows":
            for value in values:
                check_int("Ensemble window", value, 1)
            values = [int(value) for value in values]
        settings[name] = tuple(values)
    return settings


def _single_settings(network) -> dict:
    """network_settings of an LSTMNetwork, a HybridNetwork or None."""
    if network is None:
        network = LSTMNetwork()
    if isinstance(network, HybridNetwork):  # LSTMNetwork's settings with its level reference
        settings = {**LSTMNetwork().get_params(), **network.get_params(),
                    "instance_norm": "level"}
    elif isinstance(network, LSTMNetwork):
        settings = network.get_params()  # sizes are checked with the training parameters
        if settings["instance_norm"] not in INSTANCE_NORMS:
            raise ValueError(
                f"instance_norm must be one of {INSTANCE_NORMS}; got "
                f"instance_norm={settings['instance_norm']!r}."
            )
    else:
        raise TypeError(
            f"network must be an LSTMNetwork (e.g. LSTMNetwork(hidden_size=32)), a "
            f"HybridNetwork, an Ensemble or None; got {type(network).__name__}."
        )
    if settings["head"] not in HEADS:
        raise ValueError(f"head must be one of {HEADS}; got head={settings['head']!r}.")
    check_bool("seasonal_skip", settings["seasonal_skip"])
    return settings
