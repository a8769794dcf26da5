"""What a fitted forecaster learned, as one frozen value: the network, the layout of the data
it was fitted on, each series' transforms and last rows, and the calibration of its intervals.

Forecasting, intervals, backtests, scoring and persistence are plain functions of this value
and of data (``_context``, ``_forecasting``, ``_calibration``); none of them needs the
estimator. Replacing a field (``dataclasses.replace``) makes a new state, so a recalibration is
swapped in whole, never seen half-written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from ._intervals import level_positions
from ._panel import Form
from ._scaling import ColumnScaler
from ._seasonality import SeasonalProfile
from ._smoothing import Smoothing
from ._target import TargetMap


class Calibration(NamedTuple):
    """The conformal tables of a forecaster, in network units; all None without calibration
    windows (see the ``conformal_*`` and ``quantile_*`` attributes of LSTMForecaster)."""

    errors: np.ndarray | None = None  # (n_ranks, H, T) sorted absolute errors per step
    ranks: np.ndarray | None = None  # (n_ranks,) their ranks; the last is their count
    pooled: np.ndarray | None = None  # (n_pooled_ranks, T) pooled over the steps
    pooled_ranks: np.ndarray | None = None  # (n_pooled_ranks,)
    scale: np.ndarray | None = None  # (H, T) each step's mean absolute error
    quantile_errors: np.ndarray | None = None  # (n_ranks, H, T, n_pairs) cqr scores
    quantile_pooled: np.ndarray | None = None  # (n_pooled_ranks, T, n_pairs)
    # the errors are those of the training windows (the fit held no validation window)
    in_sample: bool = False
    # (T,) the calibration windows' median spread; the errors above are divided by their
    # window's spread (see _calibration.window_spread). None: errors in network units
    spread: np.ndarray | None = None
    # the errors of a model on the logs of its targets are relative (see
    # _calibration.error_scores); False: absolute errors in network units
    relative: bool = False


@dataclass(frozen=True)
class ForecasterState:
    """Everything ``predict`` and its siblings read from a fitted LSTMForecaster."""

    # the network
    network: torch.nn.Module
    device: torch.device
    net_config: dict  # the LSTMNet arguments, to rebuild the network from a file
    # the layout of the data at fit
    window: int
    horizon: int
    season: int
    reading: dict  # how contexts are read: target, id_column, time_column, static_columns
    future_columns: list  # future-known columns (names, or positions for numpy input)
    form: Form  # the input's form, mirrored by predict()
    fitted_with_y: bool
    n_features: int
    feature_names: list | None
    n_targets: int
    # the series seen at fit
    ids: pd.Index | None  # (n_series,), None for one series given alone
    lengths: np.ndarray  # (n_series,) rows at fit
    last_index: pd.Index | None  # (n_series,) each series' last time label
    freq: object  # the time grid: a DateOffset, an int step, or None
    last_window: np.ndarray  # (n_series, window, C) in data units, short series padded
    static: np.ndarray | None  # (n_series, S) static covariates
    # their transforms
    scaler: ColumnScaler
    profile: SeasonalProfile | None
    static_scaler: ColumnScaler | None
    scaler_kind: str | None  # how a new series is scaled on its own context
    seasonal_test: bool  # a new series adjusted only where its season is significant (older files)
    target_transform: object  # None, "log", "log1p", "boxcox" or a fitted transformer
    target_lambda: np.ndarray | None  # (n_series, T) Box-Cox lambdas
    # the training and the intervals
    quantiles: tuple | None
    history: dict = field(default_factory=dict)
    best_epoch: int = -1
    calibration: Calibration = Calibration()
    target_decreasing: np.ndarray | None = None  # (T,) where a transformer decreases
    model: dict | None = None  # the network kind, scaler and loss, as chosen (model_)
    # each series' exponential smoothing, combined with the network's forecast; None: none
    smoothing: Smoothing | None = None
    # how the network's and the smoothing's forecasts combine: "median" (a model of one
    # series) or "mean" (a panel's, and every file saved before the median)
    smoothing_combine: str = "mean"

    @property
    def n_series(self) -> int:
        return len(self.lengths)

    @property
    def hybrid(self) -> bool:
        """Whether the network is the hybrid exponential-smoothing one (HybridNetwork)."""
        config = self.net_config
        config = config["members"][0] if "members" in config else config
        return config.get("instance_norm") == "level"

    @property
    def n_future(self) -> int:
        """Future-known columns: the last ones of every row."""
        return len(self.future_columns)

    def target_map(self) -> TargetMap | None:
        """The fitted target transform (None for a model without one)."""
        if self.target_transform is None:
            return None
        return TargetMap(self.target_transform, self.target_lambda, self.n_targets,
                         self.target_decreasing)

    def median_position(self) -> int:
        """Where the point forecast sits among the network's outputs (0 without quantiles)."""
        if self.quantiles is None:
            return 0
        return int(level_positions(self.quantiles, (0.5,))[0])


# Public fitted attributes of LSTMForecaster -> how each is read off its state.
FITTED_ATTRIBUTES = {
    "window_": lambda s: s.window,
    "horizon_": lambda s: s.horizon,
    "season_": lambda s: s.season,
    "module_": lambda s: s.network,
    "device_": lambda s: s.device,
    "n_series_": lambda s: s.n_series,
    "series_ids_": lambda s: s.ids,
    "scaler_": lambda s: s.scaler,
    "seasonal_profile_": lambda s: s.profile,
    "static_scaler_": lambda s: s.static_scaler,
    "static_": lambda s: s.static,
    "future_columns_": lambda s: s.future_columns,
    "target_transform_": lambda s: s.target_transform,
    "target_lambda_": lambda s: s.target_lambda,
    "history_": lambda s: s.history,
    "best_epoch_": lambda s: s.best_epoch,
    "n_features_in_": lambda s: s.n_features,
    "feature_names_in_": lambda s: _string_names(s.feature_names),
    "n_targets_": lambda s: s.n_targets,
    "target_names_": lambda s: s.form.target_names,
    "last_window_": lambda s: s.last_window,
    "series_lengths_": lambda s: s.lengths,
    "last_index_": lambda s: s.last_index,
    "index_freq_": lambda s: s.freq,
    "output_form_": lambda s: asdict(s.form),
    "quantiles_": lambda s: s.quantiles,
    "conformal_errors_": lambda s: s.calibration.errors,
    "conformal_ranks_": lambda s: s.calibration.ranks,
    "conformal_pooled_": lambda s: s.calibration.pooled,
    "conformal_pooled_ranks_": lambda s: s.calibration.pooled_ranks,
    "conformal_scale_": lambda s: s.calibration.scale,
    "quantile_errors_": lambda s: s.calibration.quantile_errors,
    "quantile_pooled_": lambda s: s.calibration.quantile_pooled,
    "model_": lambda s: s.model,
    "level_smoothing_": lambda s: level_smoothing(s),
    "seasonal_indices_": lambda s: seasonal_indices(s),
}


def _hybrid_members(state: ForecasterState, name: str) -> list:
    """The hybrid networks of a state (an ensemble's members); AttributeError without."""
    if not state.hybrid:
        raise AttributeError(f"{name} (only a forecaster with a HybridNetwork has it)")
    network = state.network
    return list(network.members) if hasattr(network, "members") else [network]


def level_smoothing(state: ForecasterState) -> np.ndarray:
    """``level_smoothing_``: each fitted series' level smoothing coefficient per target
    (n_series, T), the median over an ensemble's members."""
    values = [torch.sigmoid(net.smoothing[:-1].detach()).cpu().double().numpy()
              for net in _hybrid_members(state, "level_smoothing_")]
    return np.median(values, axis=0)


def seasonal_indices(state: ForecasterState) -> np.ndarray:
    """``seasonal_indices_``: each fitted series' seasonal indices (n_series, season, T), by
    phase counted from its last row at fit (phase 0), centred: ratios of geometric mean 1 for
    a multiplicative (log) model, differences of mean 0 otherwise; the median over an
    ensemble's members."""
    nets = _hybrid_members(state, "seasonal_indices_")
    t = state.n_targets
    scale = np.broadcast_to(state.scaler.scale, (state.n_series, state.scaler.scale.shape[-1]))
    learned = np.median([net.seasonal[:-1].detach().cpu().double().numpy() for net in nets],
                        axis=0) * scale[:, None, :t]  # (n_series, period, T), target units
    if state.profile is not None:
        learned = learned + state.profile.shift  # the removed pattern, as differences
    learned = np.broadcast_to(learned, (state.n_series, max(state.season, 1), t))
    centred = learned - learned.mean(axis=1, keepdims=True)
    return np.exp(centred) if state.target_transform == "log" else centred


def _string_names(names):
    """``feature_names_in_``: the column names when they are all strings (else no attribute)."""
    if names is None or not all(isinstance(name, str) for name in names):
        raise AttributeError("feature_names_in_")
    return np.asarray(names, dtype=object)
