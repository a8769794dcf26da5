"""The network a forecaster trains, as a parameter object: ``LSTMForecaster(network=...)``.

A network spec holds the architecture only (sizes, and how the network reads a window); the
forecaster builds and trains it. Being a scikit-learn parameter object, its settings are tuned
like a pipeline step's: ``GridSearchCV(model, {"network__hidden_size": [16, 32]})`` with
``model = LSTMForecaster(network=LSTMNetwork())``.
"""

from __future__ import annotations

from ._settings import Settings
from ._validation import check_bool

__all__ = ["LSTMNetwork"]

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


def network_settings(network) -> dict:
    """The checked settings of ``network`` (None: the default LSTMNetwork()) as a dict."""
    if network is None:
        network = LSTMNetwork()
    if not isinstance(network, LSTMNetwork):
        raise TypeError(
            f"network must be an LSTMNetwork (e.g. LSTMNetwork(hidden_size=32)) or None; got "
            f"{type(network).__name__}."
        )
    settings = network.get_params()  # sizes are checked with the training parameters
    if settings["head"] not in HEADS:
        raise ValueError(f"head must be one of {HEADS}; got head={settings['head']!r}.")
    if settings["instance_norm"] not in INSTANCE_NORMS:
        raise ValueError(
            f"instance_norm must be one of {INSTANCE_NORMS}; got "
            f"instance_norm={settings['instance_norm']!r}."
        )
    check_bool("seasonal_skip", settings["seasonal_skip"])
    return settings
