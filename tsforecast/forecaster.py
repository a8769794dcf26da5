"""LSTMForecaster: windows -> chronological split -> scaling -> LSTM -> multi-step forecasts.

The scikit-learn face of the toolkit for forecasting; it delegates input rules to _validation,
windows to _windowing, scaling to _scaling and all torch work to _base/_training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import _LSTMBase, with_torch_threads
from ._scaling import SCALERS, fit_scaler
from ._seasonality import MIN_SEASONS, fit_seasonal_profile
from ._torch_utils import resolve_device, to_numpy, to_tensor
from ._training import predict_module
from ._validation import (
    as_table,
    check_bool,
    check_int,
    check_same_length,
    future_index,
    integer_step,
    places_rows_in_time,
    regular_frequency,
    seasonal_period,
    select_columns,
    steps_between,
)
from ._windowing import chronological_split, count_windows, min_rows, sliding_windows

INSTANCE_NORMS = ("last", "mean", None)
LOSSES = {"mse": "mse_loss", "mae": "l1_loss", "huber": "huber_loss"}  # torch.nn.functional
HEADS = ("last", "sequence")


@dataclass(frozen=True)
class _Layout:
    """Input rearranged for the network: target columns first, then past covariates."""

    values: np.ndarray  # (n_rows, n_targets + n_covariates)
    n_targets: int
    index: pd.Index | None  # None when the targets came as list/ndarray: output is numpy
    target_names: list | None
    feature_names: list | None  # names of X's columns, for feature_names_in_


class LSTMForecaster(RegressorMixin, _LSTMBase):
    """Forecast the next ``horizon`` steps of one or several series with an LSTM.

    ``fit`` cuts the series into sliding windows of ``window`` past steps and ``horizon`` future
    steps, keeps the last ``validation_fraction`` of the windows (in time) for validation and
    early stopping, removes a significant seasonal pattern from the targets (``deseasonalize``),
    scales every column on the training rows only, and trains a ``batch_first``
    LSTM whose linear head emits all ``horizon`` steps at once (direct multi-output).

    Parameters
    ----------
    window : int or None, default=None
        Past time steps the network reads for each forecast. None picks
        ``max(2 * season_, horizon, 10)`` at fit (``season_`` as resolved from ``season``),
        capped at ``(n_rows - horizon) // 2`` so short series keep enough windows.
    horizon : int, default=1
        Future time steps forecast at once.
    target : str, int, list or None, default=None
        With ``fit(X)``: the column(s) of ``X`` to forecast; the other columns are past
        covariates. None forecasts every column. Must stay None with ``fit(X, y)``.
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
    scaler : {"standard", "minmax", "none"} or None, default="standard"
        Per-column scaling, fitted on the training rows only and inverted on output.
    instance_norm : {"last", "mean"} or None, default="last"
        Per-window normalisation inside the network: every input window has each column's last
        value ("last") or window mean ("mean") subtracted, and the targets' reference is added
        back to the forecast, in training and in every predict path alike. It lets the model
        extrapolate trends beyond the training range. None feeds the scaled window as is.
    season : int, "auto" or None, default="auto"
        Seasonal period, used by ``window=None`` and ``seasonal_skip``. "auto" infers it from
        the index frequency (12 monthly, 4 quarterly, 52 weekly, 7 daily, 5 business-daily,
        24 hourly, else 1, and 1 for numpy input); None means 1.
    deseasonalize : {"auto", True, False}, default="auto"
        Remove each target's seasonal pattern (period ``season_``) before training and put it
        back on the forecasts: classical decomposition, multiplicative for positive series and
        additive otherwise, averaged over the last 5 seasons of the rows. "auto" does
        so for the targets whose autocorrelation at the seasonal lag is significant (90%),
        True for every target, False never. It needs ``season_ > 1``, at least 3 seasons of
        rows, and an index that places rows in time (Period, regular Datetime, or integer
        labels with a constant step, so that contexts can be placed in the season); "auto"
        skips it otherwise, True raises. Contexts passed to predict, predict_rolling and score
        then need an index on the same grid (type, time zone, frequency).
    seasonal_skip : bool, default=False
        If True (and ``1 < season_ <= window_``), the network forecasts a correction to the
        seasonal naive forecast read from each window (its last ``season_`` values, repeated)
        instead of to the window's reference level.
    head : {"last", "sequence"}, default="sequence"
        What the linear head reads: "last" the final hidden state only; "sequence" the LSTM
        outputs of the last ``min(horizon, window)`` time steps, flattened.
    epochs : int, default=100
        Maximum passes over the training windows.
    batch_size : int, default=32
        Windows per gradient step.
    lr : float, default=3e-3
        Adam learning rate.
    loss : {"mse", "mae", "huber"}, default="mse"
        Training loss on the scaled values: mean squared error, mean absolute error (matches
        MAE/MASE), or Huber (squared below 1, absolute above).
    gradient_clip : float or None, default=None
        If set, clip the total L2 norm of the gradients to this value before each step; it
        can keep a large ``lr`` from diverging. None does not clip.
    validation_fraction : float, default=0.1
        Share of the windows, taken from the end of the series, used for validation. 0 trains on
        every window.
    early_stopping : bool, default=True
        Stop when the validation loss (training loss if ``validation_fraction=0``) has not
        improved for ``patience`` epochs, and keep the best epoch's weights.
    patience : int, default=10
        Epochs without improvement before stopping early.
    device : str, default="auto"
        "auto" (cuda, then mps, then cpu), "cpu", "cuda", "cuda:N" or "mps".
    n_threads : int, "auto" or None, default="auto"
        torch threads (``torch.set_num_threads``) during fit, predict and score; the caller's
        setting is restored afterwards. "auto" (or None) takes 1 thread for small models
        (``hidden_size * batch_size`` below 65536), which is faster on a busy CPU and costs
        little on an idle one, and torch's current setting for larger ones.
    random_state : int, RandomState or None, default=None
        Seed for weight initialisation and shuffling; an int makes fits repeatable on CPU.
    verbose : int, default=0
        0 is silent, 1 shows a progress bar with the losses, 2 also prints a line per epoch.

    Attributes
    ----------
    window_ : int
        The window used: ``window``, or the one chosen at fit when ``window=None``.
    season_ : int
        The seasonal period resolved from ``season`` (1 for none).
    module_ : torch.nn.Module
        The trained network, on ``device_``.
    device_ : torch.device
        The device the network was trained on.
    scaler_ : ColumnScaler
        Per-column ``offset`` and ``scale`` (targets first, then covariates).
    seasonal_profile_ : SeasonalProfile or None
        The seasonal pattern removed from the targets (per phase ``shift`` and ``scale``,
        phases counted from the last row seen at fit), or None when nothing was removed.
    history_ : dict
        ``"loss"`` and ``"val_loss"`` per epoch (scaled units); ``"initial_loss"``: the
        monitored loss of the untrained network.
    best_epoch_ : int
        Zero-based epoch whose weights the model holds; -1 when training diverged (the best
        loss above twice ``initial_loss``) and the model kept its initial weights, with a warning.
    n_features_in_ : int
        Columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X``, when they are all strings.
    n_targets_ : int
        Number of series forecast.
    target_names_ : list or None
        Names of the forecast series, when the input had names.
    last_window_ : ndarray of shape (window, n_targets_ + n_covariates)
        The last ``window`` rows of the training input (targets first): ``predict()`` starts here.
    last_index_ : pandas.Index or None
        Their index labels (None for numpy input).
    index_freq_ : pandas.DateOffset or None
        Frequency of a DatetimeIndex/PeriodIndex at fit, used to continue timestamps.

    Examples
    --------
    >>> import numpy as np
    >>> from tsforecast import LSTMForecaster
    >>> series = np.sin(np.arange(120) / 6)
    >>> model = LSTMForecaster(window=12, horizon=3, epochs=5, random_state=0).fit(series)
    >>> model.predict().shape
    (3,)
    """

    def __init__(
        self,
        *,
        window=None,
        horizon=1,
        target=None,
        hidden_size=16,
        num_layers=1,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        scaler="standard",
        instance_norm="last",
        season="auto",
        deseasonalize="auto",
        seasonal_skip=False,
        head="sequence",
        epochs=100,
        batch_size=32,
        lr=3e-3,
        loss="mse",
        gradient_clip=None,
        validation_fraction=0.1,
        early_stopping=True,
        patience=10,
        device="auto",
        n_threads="auto",
        random_state=None,
        verbose=0,
    ):
        self.window = window
        self.horizon = horizon
        self.target = target
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self.scaler = scaler
        self.instance_norm = instance_norm
        self.season = season
        self.deseasonalize = deseasonalize
        self.seasonal_skip = seasonal_skip
        self.head = head
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.loss = loss
        self.gradient_clip = gradient_clip
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    @with_torch_threads
    def fit(self, X, y=None):
        """Train on a series.

        Parameters
        ----------
        X : list, ndarray, Series or DataFrame of shape (n_steps,) or (n_steps, n_columns)
            Rows are time steps in order. With ``y=None`` this is the series itself (every
            column a target unless ``target`` is set); otherwise the past covariates.
        y : list, ndarray, Series or DataFrame, optional
            The target series, row-aligned with ``X``.

        Returns
        -------
        self : LSTMForecaster
        """
        self._check_params()
        layout = self._layout(X, y)
        self.season_ = self._resolve_season(layout)
        self.window_ = self._resolve_window(layout)
        n_rows = layout.values.shape[0]
        split = self._split(n_rows)
        self.seasonal_profile_ = self._fit_seasonal_profile(layout)
        values = self._adjust(layout.values, start=1 - n_rows)  # the last row is step 0
        self.scaler_ = fit_scaler(self.scaler, values[: split.fit_rows])
        self.device_ = resolve_device(self.device)
        series = to_tensor(self.scaler_.transform(values), self.device_)
        val_idx = self._index_tensor(split.val_start, split.n_windows) if split.n_val else None
        self._fit_module(
            input_size=layout.values.shape[1],
            output_size=self.horizon * layout.n_targets,
            batches=_window_batches(series, self.window_, self.horizon, layout.n_targets),
            train_idx=self._index_tensor(0, split.n_train),
            val_idx=val_idx,
            loss_fn=getattr(torch.nn.functional, LOSSES[self.loss]),
            net_options=self._net_options(layout.n_targets),
        )
        self._store_fit_layout(layout)
        return self

    @with_torch_threads
    def predict(self, X=None, y=None):
        """Forecast the ``horizon`` steps after the end of the training series or of a context.

        Parameters
        ----------
        X : array-like or DataFrame, optional
            A context laid out like the ``fit`` input (at least ``window`` rows); the forecast
            starts after its last row. None continues the training series.
        y : array-like or Series, optional
            The target context, when the model was fitted as ``fit(X, y)``.

        Returns
        -------
        forecast : ndarray, Series or DataFrame
            ``(horizon,)`` for one target, ``(horizon, n_targets)`` for several; pandas when the
            targets came as pandas, indexed by the timestamps that follow the context.
        """
        check_is_fitted(self)
        if X is None and y is None:
            values, index = self.last_window_, self.last_index_
            start = 1 - self.window_
        else:
            layout = self._layout(X, y, reset=False)
            n_rows = layout.values.shape[0]
            self._check_context_length(n_rows, self.window_, "predict")
            start = self._context_start(layout)
            start = None if start is None else start + n_rows - self.window_
            values, index = layout.values[-self.window_ :], layout.index
        values = self._adjust(values, start)
        inputs = to_tensor(self.scaler_.transform(values), self.device_)[None]  # (1, L, C)
        forecast = self._forecast(inputs)[0]  # (horizon, n_targets)
        if start is not None:
            forecast = self._restore(forecast, start + self.window_ + np.arange(self.horizon))
        if index is None:
            return forecast[:, 0] if self.n_targets_ == 1 else forecast
        return self._to_pandas(forecast, self._future_index(index))

    @with_torch_threads
    def predict_rolling(self, X, y=None):
        """Forecast from every origin inside a series, in one batched pass.

        Origin ``t`` (for ``t = window .. n_steps - horizon``) reads rows ``[t - window, t)`` and
        forecasts rows ``[t, t + horizon)``, so every forecast can be compared with actuals.

        Parameters
        ----------
        X, y : as in :meth:`predict`
            A series of at least ``window + horizon`` rows.

        Returns
        -------
        forecasts : ndarray or DataFrame
            numpy: ``(n_origins, horizon)`` for one target, ``(n_origins, horizon, n_targets)``
            for several. pandas: a DataFrame indexed by the timestamp of each forecast's first
            step, with columns ``1 .. horizon`` (steps ahead), or a (target, step) MultiIndex
            for several targets.
        """
        check_is_fitted(self)
        layout = self._layout(X, y, reset=False)
        forecasts = self._rolling_forecasts(layout)
        if layout.index is None:
            return forecasts[..., 0] if self.n_targets_ == 1 else forecasts
        origins = layout.index[self.window_ : self.window_ + forecasts.shape[0]]
        steps = pd.RangeIndex(1, self.horizon + 1, name="step")
        if self.n_targets_ == 1:
            return pd.DataFrame(forecasts[..., 0], index=origins, columns=steps)
        names = self.target_names_ or list(range(self.n_targets_))
        columns = pd.MultiIndex.from_product([names, steps], names=["target", "step"])
        by_target = forecasts.transpose(0, 2, 1).reshape(len(origins), -1)  # (N, T * horizon)
        return pd.DataFrame(by_target, index=origins, columns=columns)

    @with_torch_threads
    def score(self, X, y=None, sample_weight=None):
        """R^2 of the rolling-origin forecasts inside a series.

        Every origin of :meth:`predict_rolling` is forecast and compared with the actual values;
        each (step ahead, target) pair is one output and the R^2 values are averaged uniformly,
        as :func:`sklearn.metrics.r2_score` does for multi-output regression.

        Parameters
        ----------
        X, y : as in :meth:`predict`
            A held-out series of at least ``window + horizon`` rows.
        sample_weight : array-like of shape (n_origins,), optional
            Weights of the origins.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        layout = self._layout(X, y, reset=False)
        forecasts = self._rolling_forecasts(layout)
        targets = layout.values[self.window_ :, : self.n_targets_]
        actual = sliding_windows(targets, self.horizon)  # (n_origins, horizon, n_targets)
        n_origins = forecasts.shape[0]
        return r2_score(
            actual.reshape(n_origins, -1),
            forecasts.reshape(n_origins, -1),
            sample_weight=sample_weight,
        )

    # -- steps of fit and predict ------------------------------------------------------------

    def _check_params(self) -> None:
        if self.window is not None:
            check_int("window", self.window, 1)
        check_int("horizon", self.horizon, 1)
        if self.scaler is not None and self.scaler not in SCALERS:
            raise ValueError(f"scaler must be one of {SCALERS} or None; got {self.scaler!r}.")
        if self.instance_norm not in INSTANCE_NORMS:
            raise ValueError(
                f"instance_norm must be one of {INSTANCE_NORMS}; got "
                f"instance_norm={self.instance_norm!r}."
            )
        if self.season not in ("auto", None):
            check_int("season", self.season, 1)
        auto = isinstance(self.deseasonalize, str) and self.deseasonalize == "auto"
        if not (auto or isinstance(self.deseasonalize, (bool, np.bool_))):
            raise ValueError(
                f"deseasonalize must be 'auto', True or False; got "
                f"deseasonalize={self.deseasonalize!r}."
            )
        check_bool("seasonal_skip", self.seasonal_skip)
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}; got head={self.head!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {tuple(LOSSES)}; got loss={self.loss!r}.")
        self._check_common_params()

    def _resolve_season(self, layout: _Layout) -> int:
        """``season``, or for "auto" the period of the index frequency; 1 for none."""
        if self.season == "auto":
            freq = regular_frequency(layout.index) if layout.index is not None else None
            return seasonal_period(freq)
        return 1 if self.season is None else self.season

    def _resolve_window(self, layout: _Layout) -> int:
        """``window``, or for None: ``max(2 * season_, horizon, 10)`` capped to fit the series."""
        if self.window is not None:
            return self.window
        room = (layout.values.shape[0] - self.horizon) // 2
        return max(1, min(max(2 * self.season_, self.horizon, 10), room))

    def _fit_seasonal_profile(self, layout: _Layout):
        """The seasonal pattern of the targets, with phases counted from the last row, or None.

        Unlike the scaler, it is estimated on every row, validation rows included: the most
        recent seasons are the best guide to the next ones (validation-split benchmark, 0.873
        against 0.897 when estimated on the training rows only; docs/accuracy.md).
        """
        auto = isinstance(self.deseasonalize, str)  # "auto"; else a bool (checked)
        if not (auto or self.deseasonalize):
            return None
        if self.season_ < 2:
            if auto:
                return None
            raise ValueError(
                f"deseasonalize=True needs a seasonal period above 1, but season={self.season!r} "
                f"gives {self.season_}; set season=..., or pass an index whose frequency "
                f"implies one (e.g. monthly), or set deseasonalize='auto' or False."
            )
        if not places_rows_in_time(layout.index):
            if not auto:
                raise ValueError(
                    "deseasonalize=True needs an index that places each row in time (a "
                    "PeriodIndex, a regular DatetimeIndex, or integer labels with a constant "
                    "step), so that later contexts can be placed in the season; pass a pandas "
                    "Series or DataFrame (e.g. pd.Series(values)), or set deseasonalize='auto' "
                    "or False."
                )
            return None
        n_rows = layout.values.shape[0]
        if not auto and n_rows < MIN_SEASONS * self.season_:
            raise ValueError(
                f"deseasonalize=True needs at least {MIN_SEASONS} seasons "
                f"({MIN_SEASONS * self.season_} rows); got {n_rows}. Pass a longer series or "
                f"set deseasonalize='auto' or False."
            )
        return fit_seasonal_profile(
            layout.values[:, : layout.n_targets],
            np.arange(1 - n_rows, 1),
            self.season_,
            test=auto,
        )

    def _adjust(self, values: np.ndarray, start: int | None) -> np.ndarray:
        """``values`` (n_rows, C), whose first row is time step ``start`` from the last row seen
        at fit, with the seasonal pattern removed from the target columns."""
        if self.seasonal_profile_ is None:
            return values
        offsets = start + np.arange(values.shape[0])
        adjusted = values.astype(np.float64, copy=True)
        targets = adjusted[:, : self.n_targets_]
        adjusted[:, : self.n_targets_] = self.seasonal_profile_.remove(targets, offsets)
        return adjusted

    def _restore(self, forecasts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Put the seasonal pattern back on ``forecasts`` (..., n_targets) at ``offsets``."""
        if self.seasonal_profile_ is None:
            return forecasts
        return self.seasonal_profile_.restore(forecasts, offsets)

    def _context_start(self, layout: _Layout) -> int | None:
        """Time step of a context's first row from the last row seen at fit (None: no need)."""
        if self.seasonal_profile_ is None:
            return None
        # a profile implies the fit index placed rows in time, so last_index_ is set
        start = steps_between(self.last_index_, layout.index, self.index_freq_)
        if start is None:
            raise ValueError(
                "This forecaster removed a seasonal pattern at fit (deseasonalize), so it "
                "needs each context's time index to place it in the season; pass the context "
                "as a pandas Series or DataFrame with the same kind of index as at fit."
            )
        return start

    def _net_options(self, n_targets: int) -> dict:
        """The forecasting options of LSTMNet: head width and per-window normalisation."""
        head_steps = min(self.horizon, self.window_) if self.head == "sequence" else 1
        skip = self.seasonal_skip and self.season_ <= self.window_
        skip_season = self.season_ if skip else 1
        return {
            "head_steps": head_steps,
            "instance_norm": self.instance_norm,
            "n_targets": n_targets,
            "season": skip_season,
        }

    def _layout(self, X, y, reset: bool = True) -> _Layout:
        """Coerce (X, y) into targets-first values; at fit set, else check, the feature layout."""
        if y is None:
            table = as_table(X, "X")
            targets, covariates = select_columns(table, self.target)
            values = table.values[:, targets + covariates]
            names = table.columns
            target_names = None if names is None else [names[i] for i in targets]
            layout = _Layout(values, len(targets), table.index, target_names, names)
            x_columns = table.values.shape[1]
        else:
            if self.target is not None:
                raise ValueError(
                    f"target={self.target!r} picks target columns of X, but y was given too; "
                    f"use either fit(X) with target=..., or fit(X, y) with target=None."
                )
            y_table, x_table = as_table(y, "y"), as_table(X, "X")
            check_same_length(x_table, y_table)
            values = np.hstack([y_table.values, x_table.values])
            index = y_table.index if y_table.is_pandas else None
            n_targets = y_table.values.shape[1]
            layout = _Layout(values, n_targets, index, y_table.columns, x_table.columns)
            x_columns = x_table.values.shape[1]
        if reset:
            self._set_feature_layout(layout, x_columns, fitted_with_y=y is not None)
        else:
            self._check_feature_layout(layout, x_columns, given_y=y is not None)
        return layout

    def _set_feature_layout(self, layout: _Layout, x_columns: int, fitted_with_y: bool) -> None:
        self.n_features_in_ = x_columns
        names = layout.feature_names
        if names is not None and all(isinstance(n, str) for n in names):
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_targets_ = layout.n_targets
        self.target_names_ = layout.target_names
        self._fitted_with_y = fitted_with_y

    def _check_feature_layout(self, layout: _Layout, x_columns: int, given_y: bool) -> None:
        if given_y != self._fitted_with_y:
            fitted = "fit(X, y)" if self._fitted_with_y else "fit(X)"
            hint = "pass the target history as y too" if self._fitted_with_y else "drop y"
            raise ValueError(f"This forecaster was fitted with {fitted}; {hint}.")
        if x_columns != self.n_features_in_:
            raise ValueError(
                f"X has {x_columns} columns, but this forecaster was fitted with "
                f"{self.n_features_in_}; pass the same columns as at fit."
            )
        fitted_names = getattr(self, "feature_names_in_", None)
        if fitted_names is not None and layout.feature_names is not None:
            if list(layout.feature_names) != list(fitted_names):
                raise ValueError(
                    f"X's columns {list(layout.feature_names)} differ from those seen at fit "
                    f"{list(fitted_names)}; pass the same columns in the same order."
                )
        if layout.n_targets != self.n_targets_:
            raise ValueError(
                f"y has {layout.n_targets} columns, but this forecaster was fitted with "
                f"{self.n_targets_} target(s)."
            )

    def _split(self, n_rows: int):
        split = chronological_split(n_rows, self.window_, self.horizon, self.validation_fraction)
        if split is None:
            needed = min_rows(self.window_, self.horizon, self.validation_fraction)
            raise ValueError(
                f"X has {n_rows} rows, but window={self.window_}, horizon={self.horizon} and "
                f"validation_fraction={self.validation_fraction} need at least {needed} rows "
                f"for one training window. Pass a longer series or reduce "
                f"window/horizon/validation_fraction."
            )
        return split

    def _store_fit_layout(self, layout: _Layout) -> None:
        self.last_window_ = layout.values[-self.window_ :].copy()
        index = _as_range_index(layout.index)
        self.last_index_ = None if index is None else index[-self.window_ :]
        self.index_freq_ = None if index is None else regular_frequency(index)

    def _check_context_length(self, n_rows: int, needed: int, what: str) -> None:
        if n_rows < needed:
            raise ValueError(
                f"The {what} context has {n_rows} rows, but this forecaster needs at least "
                f"{needed} (window={self.window_}"
                + (f", horizon={self.horizon}" if needed > self.window_ else "")
                + "). Pass a longer context."
            )

    def _forecast(self, inputs: torch.Tensor) -> np.ndarray:
        """Scaled windows (N, L, C) -> forecasts in data units (N, horizon, n_targets)."""
        outputs = to_numpy(predict_module(self.module_, inputs))  # (N, horizon * n_targets)
        scaled = outputs.reshape(len(outputs), self.horizon, self.n_targets_)
        return self.scaler_.inverse(scaled, slice(0, self.n_targets_))

    def _rolling_forecasts(self, layout: _Layout) -> np.ndarray:
        """Forecasts (n_origins, horizon, n_targets) from every origin of a series."""
        n_rows = layout.values.shape[0]
        self._check_context_length(n_rows, self.window_ + self.horizon, "rolling")
        start = self._context_start(layout)
        values = self._adjust(layout.values, start)
        series = to_tensor(self.scaler_.transform(values), self.device_)
        n_origins = count_windows(n_rows, self.window_, self.horizon)
        # (n_rows, C) -> (n_origins, C, L) -> (n_origins, L, C); a view, no copy
        inputs = series[: n_origins + self.window_ - 1].unfold(0, self.window_, 1).transpose(1, 2)
        forecasts = self._forecast(inputs)  # (n_origins, horizon, n_targets)
        if start is None:
            return forecasts
        first_steps = start + self.window_ + np.arange(n_origins)[:, None]  # (n_origins, 1)
        return self._restore(forecasts, first_steps + np.arange(self.horizon))

    def _future_index(self, index: pd.Index) -> pd.Index:
        freq = getattr(index, "freq", None) or self.index_freq_
        if isinstance(index, pd.DatetimeIndex) and freq is None:
            freq = regular_frequency(index)
        return future_index(index, self.horizon, freq=freq)

    def _to_pandas(self, forecast: np.ndarray, index: pd.Index):
        """(horizon, n_targets) -> Series (one target) or DataFrame with the target names."""
        if self.n_targets_ == 1:
            name = self.target_names_[0] if self.target_names_ else None
            return pd.Series(forecast[:, 0], index=index, name=name)
        return pd.DataFrame(forecast, index=index, columns=self.target_names_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.one_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags


def _as_range_index(index: pd.Index | None) -> pd.Index | None:
    """A regular integer index as the equal RangeIndex, which keeps its step when sliced to
    one label (for continuing the labels and placing contexts); any other index unchanged."""
    time_like = isinstance(index, (pd.RangeIndex, pd.DatetimeIndex, pd.PeriodIndex))
    if time_like or not places_rows_in_time(index) or len(index) < 2:
        return index
    step = integer_step(index)  # a regular integer index from here on
    return pd.RangeIndex(int(index[0]), int(index[-1]) + step, step, name=index.name)


def _window_batches(series: torch.Tensor, window: int, horizon: int, n_targets: int):
    """Return ``batches(idx)`` that gathers windows ``idx`` of ``series`` (n_rows, C)."""
    windows = series.unfold(0, window + horizon, 1)  # (n_windows, C, L + horizon), a view

    def batches(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch = windows[idx].transpose(1, 2)  # (B, L + horizon, C)
        inputs = batch[:, :window]  # (B, L, C)
        targets = batch[:, window:, :n_targets].reshape(len(idx), -1)  # (B, horizon * T)
        return inputs, targets

    return batches
