"""LSTMForecaster: one global model for one series or a panel of many: windows -> chronological
split per series -> per-series seasonal adjustment and scaling -> LSTM -> multi-step forecasts.

The scikit-learn face of the toolkit for forecasting. ``fit`` reads as a table of contents:
input forms come from _panel, windows from _windowing, per-series transforms from _seasonality
and _scaling, device batches from _batches, training from _base/_training, and outputs in the
caller's form from _outputs.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict

import numpy as np
import pandas as pd
import torch
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import _LSTMBase, with_torch_threads
from ._batches import DevicePanel
from ._distributed import all_lengths, all_rows
from ._outputs import forecast_output, future_labels, rolling_output
from ._panel import Form, Panel, as_panel
from ._scaling import SCALERS, fit_scaler
from ._seasonality import MIN_SEASONS
from ._torch_utils import resolve_device, to_numpy
from ._training import predict_module
from ._transforms import (
    Recipe,
    Transforms,
    context_transforms,
    fit_transforms,
    scale_static,
)
from ._validation import check_bool, check_int, regular_frequency, seasonal_period
from ._windowing import WindowIndex, count_windows, min_rows, ragged_arange, window_index

INSTANCE_NORMS = ("last", "mean", None)
LOSSES = {"mse": "mse_loss", "mae": "l1_loss", "huber": "huber_loss"}  # torch.nn.functional
HEADS = ("last", "sequence")


class LSTMForecaster(RegressorMixin, _LSTMBase):
    """Forecast the next ``horizon`` steps of one series, or of every series of a panel, with
    one LSTM.

    ``fit`` cuts every series into sliding windows of ``window`` past steps and ``horizon``
    future steps, keeps the last ``validation_fraction`` of each series' windows (in time) for
    validation and early stopping, removes each series' significant seasonal pattern from its
    targets (``deseasonalize``), scales each series' columns on its training rows only, and
    trains one ``batch_first`` LSTM on the windows of all series (a global model) whose linear
    head emits all ``horizon`` steps at once (direct multi-output).

    A panel is a long DataFrame with ``id_column`` and ``time_column`` columns, a DataFrame or
    Series with a (series, time) MultiIndex, or a dict or list of Series, DataFrames or arrays;
    forecasts come back in the same form. Anything else is one series (a DataFrame's columns
    are its variables).

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
        covariates. None forecasts every column (for a long panel: its ``"y"`` column when it
        has one). Must stay None with ``fit(X, y)``.
    id_column, time_column : str, default="unique_id", "ds"
        The series id and time columns of a long panel (the layout of Nixtla's libraries). A
        DataFrame with an ``id_column`` column is read as a long panel.
    static_columns : str, list or None, default=None
        Columns of a panel holding one numeric value per series (static covariates, such as a
        store's size); each series' windows carry them at every step.
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
        Per-series, per-column scaling, fitted on each series' training rows only and inverted
        on output. A series new to the model is scaled on its own context.
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
        Share of each series' windows, taken from its end, used for validation. 0 trains on
        every window. A series with too few windows to split trains on all of them; when no
        series has enough, the fit warns and trains without validation (``history_["val_loss"]``
        stays empty) on up to ``epochs`` epochs, early stopping on the training loss.
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
        The window used: ``window``, or the one chosen at fit when ``window=None`` (from the
        median series length for a panel).
    horizon_ : int
        The horizon the network was trained for (``horizon`` at fit).
    season_ : int
        The seasonal period resolved from ``season`` (1 for none).
    module_ : torch.nn.Module
        The trained network, on ``device_``.
    device_ : torch.device
        The device the network was trained on.
    n_series_ : int
        Series seen at fit (1 for a single series).
    series_ids_ : pandas.Index or None
        Their ids (None for a single series).
    scaler_ : ColumnScaler
        Per-series, per-column ``offset`` and ``scale`` of shape (n_series_, n_columns)
        (targets first, then covariates).
    seasonal_profile_ : SeasonalProfile or None
        The seasonal pattern removed from each series' targets (per phase ``shift`` and
        ``scale`` of shape (n_series_, season_, n_targets_), phases counted from each series'
        last row seen at fit), or None when nothing was removed.
    static_scaler_ : ColumnScaler or None
        Scaling of the static covariates across series.
    static_ : ndarray of shape (n_series_, n_static) or None
        Each series' static covariates.
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
    last_window_ : ndarray of shape (n_series_, window_, n_targets_ + n_covariates)
        The last ``window`` rows of each series (targets first), a short series padded at the
        front with its first row: ``predict()`` starts here.
    series_lengths_ : ndarray of shape (n_series_,)
        Rows of each series at fit.
    last_index_ : pandas.Index or None
        Each series' last time label (None for numpy input).
    index_freq_ : pandas.DateOffset, int or None
        The time grid at fit: the frequency of a DatetimeIndex/PeriodIndex, the step of
        integer labels, or None when the labels are not on a grid (forecasts then continue
        row positions).
    output_form_ : dict
        How the fit input was laid out, so that ``predict()`` answers in the same form.

    Examples
    --------
    >>> import numpy as np
    >>> from tsforecast import LSTMForecaster
    >>> series = np.sin(np.arange(120) / 6)
    >>> model = LSTMForecaster(window=12, horizon=3, epochs=5, random_state=0).fit(series)
    >>> model.predict().shape
    (3,)
    """

    _data_parallel = True  # per-series transforms: exact when each rank holds its own series

    def __init__(
        self,
        *,
        window=None,
        horizon=1,
        target=None,
        id_column="unique_id",
        time_column="ds",
        static_columns=None,
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
        self.id_column = id_column
        self.time_column = time_column
        self.static_columns = static_columns
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
        """Train on one series or on every series of a panel.

        Parameters
        ----------
        X : list, ndarray, Series, DataFrame, dict or list of series
            One series (rows are time steps in order) or a panel (see the class docstring).
            With ``y=None`` this holds the targets (every column unless ``target`` is set) and
            the past covariates; otherwise only the past covariates of one series.
        y : list, ndarray, Series or DataFrame, optional
            The target series, row-aligned with ``X``.

        Returns
        -------
        self : LSTMForecaster
            A fit that raises leaves an earlier fit's state untouched.
        """
        self._check_params()
        panel = self._as_panel(X, y)
        season = self._resolve_season(panel)
        window = self._resolve_window(panel, season)
        windows = self._window_index(panel, window)
        _require_grid(panel)
        recipe = self._recipe(panel, season)
        static_scaler = None if panel.static is None else fit_scaler(
            self.scaler, all_rows(panel.static))  # across series: every rank's
        transforms = fit_transforms(panel, windows.fit_rows, recipe, static_scaler)
        device = resolve_device(self.device)
        data = DevicePanel(transforms.apply(panel.values, panel.series_of_rows()),
                           transforms.static, window, self.horizon, panel.n_targets, device)
        starts = np.concatenate([windows.train_starts, windows.val_starts])
        series = np.concatenate([windows.train_series, windows.val_series])
        positions = torch.arange(len(starts), device=device)
        module, history, best_epoch, net_config = self._train_network(
            device,
            input_size=panel.values.shape[1] + len(panel.static_names),
            output_size=self.horizon * panel.n_targets,
            batches=data.batches(starts, series),
            train_idx=positions[: windows.n_train],
            val_idx=positions[windows.n_train :] if windows.n_val else None,
            loss_fn=getattr(torch.nn.functional, LOSSES[self.loss]),
            net_options=self._net_options(panel, window, season),
            agree=_layout(panel, window, season),
            series_ids=panel.ids,
        )
        self._store_fit(panel, window, season, transforms, static_scaler, y is not None)
        self.device_, self.module_, self._net_config = device, module, net_config
        self.history_, self.best_epoch_ = history, best_epoch
        return self

    @with_torch_threads
    def predict(self, X=None, y=None):
        """Forecast the ``horizon`` steps after the end of the training series or of a context.

        Parameters
        ----------
        X : array-like, DataFrame, dict or list, optional
            A context laid out like the ``fit`` input: one series of at least ``window`` rows,
            or a panel of any size (a subset of the fitted series, or series the model never
            saw: they are scaled and seasonally adjusted on their own context; a series shorter
            than ``window`` is padded at the front with its first row). The forecast starts
            after each series' last row. None continues every training series.
        y : array-like or Series, optional
            The target context, when the model was fitted as ``fit(X, y)``.

        Returns
        -------
        forecast : ndarray, Series, DataFrame, dict or list
            One series: ``(horizon,)`` for one target, ``(horizon, n_targets)`` for several;
            pandas when the targets came as pandas, indexed by the time steps that follow.
            A panel: in the form of the input (a long frame with the id and time columns, a
            (series, time) MultiIndex, a dict or a list of per-series forecasts).
        """
        check_is_fitted(self)
        if X is None and y is None:
            return self._predict_stored()
        panel = self._as_panel(X, y, reset=False)
        if panel.form.kind == "single":
            self._check_context_length(panel.lengths[0], self.window_, "predict")
        transforms = self._context_transforms(panel)
        ends = panel.offsets[1:]
        series = np.arange(panel.n_series)
        forecasts = self._forecast(panel.values, panel.offsets, transforms, ends, series)
        labels = future_labels(panel.last_labels(), panel.lengths, self.horizon_, panel.freq)
        return forecast_output(forecasts, panel.form, panel.ids, labels)

    @with_torch_threads
    def predict_rolling(self, X, y=None):
        """Forecast from every origin inside a series, or inside every series of a panel, in one
        batched pass.

        Origin ``t`` (for ``t = window .. n_steps - horizon`` of each series) reads rows
        ``[t - window, t)`` and forecasts rows ``[t, t + horizon)``, so every forecast can be
        compared with actuals. Series of a panel shorter than ``window + horizon`` have no
        origin.

        Parameters
        ----------
        X, y : as in :meth:`predict`
            One series of at least ``window + horizon`` rows, or a panel.

        Returns
        -------
        forecasts : ndarray, DataFrame, dict or list
            numpy: ``(n_origins, horizon)`` for one target, ``(n_origins, horizon, n_targets)``
            for several. pandas: a DataFrame indexed by the time of each forecast's first
            step, with columns ``1 .. horizon`` (steps ahead), or a (target, step) MultiIndex
            for several targets. A panel: rows indexed by (series, time) (a long input with one
            target gets them as columns), or a dict or list of per-series results.
        """
        check_is_fitted(self)
        panel = self._as_panel(X, y, reset=False)
        starts, series = self._origins(panel)
        forecasts = self._rolling(panel, starts, series)
        origins = None if panel.time is None else panel.time[starts + self.window_]
        return rolling_output(forecasts, panel.form, panel.ids, origins, series)

    @with_torch_threads
    def score(self, X, y=None, sample_weight=None):
        """R^2 of the rolling-origin forecasts inside a series or a panel.

        Every origin of :meth:`predict_rolling` is forecast and compared with the actual values;
        each (step ahead, target) pair is one output and the R^2 values are averaged uniformly,
        as :func:`sklearn.metrics.r2_score` does for multi-output regression. The origins of
        all series of a panel are pooled.

        Parameters
        ----------
        X, y : as in :meth:`predict`
            A held-out series of at least ``window + horizon + 1`` rows (two origins), or a
            panel.
        sample_weight : array-like of shape (n_origins,), optional
            Weights of the origins.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        panel = self._as_panel(X, y, reset=False)
        starts, series = self._origins(panel)
        if len(starts) < 2:
            raise ValueError(
                f"score needs at least two forecast origins to compute R^2, but the series has "
                f"{int(panel.lengths.max())} rows and window={self.window_}, "
                f"horizon={self.horizon_} give {len(starts)}. Pass at least "
                f"{self.window_ + self.horizon_ + 1} rows."
            )
        forecasts = self._rolling(panel, starts, series)
        rows = starts[:, None] + self.window_ + np.arange(self.horizon_)  # (N, H)
        actual = panel.values[rows, : self.n_targets_]  # (N, H, T)
        return r2_score(
            actual.reshape(len(starts), -1),
            forecasts.reshape(len(starts), -1),
            sample_weight=sample_weight,
        )

    # -- steps of fit ------------------------------------------------------------------------

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
        for name in ("id_column", "time_column"):
            value = getattr(self, name)
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise TypeError(f"{name} must be a column name (str or int); got {value!r}.")
        if self.id_column == self.time_column:
            raise ValueError(
                f"id_column and time_column must differ; both are {self.id_column!r}."
            )
        self._check_common_params()

    def _as_panel(self, X, y, reset: bool = True) -> Panel:
        """Coerce the input into a Panel; at fit set, else check, the feature layout."""
        panel = as_panel(
            X, y, target=self.target, id_column=self.id_column, time_column=self.time_column,
            static_columns=self.static_columns, freq=None if reset else self.index_freq_,
        )
        if reset:
            return panel
        self._check_feature_layout(panel, given_y=y is not None)
        self._check_grid(panel)
        return panel

    def _resolve_season(self, panel: Panel) -> int:
        """``season``, or for "auto" the period of the index frequency; 1 for none."""
        if self.season == "auto":
            offset = panel.freq if isinstance(panel.freq, pd.offsets.BaseOffset) else None
            return seasonal_period(offset)
        return 1 if self.season is None else self.season

    def _resolve_window(self, panel: Panel, season: int) -> int:
        """``window``, or for None: ``max(2 * season, horizon, 10)`` capped to fit the median
        series."""
        if self.window is not None:
            return self.window
        lengths = all_lengths(panel.lengths)  # distributed: every rank's series
        room = (int(np.median(lengths)) - self.horizon) // 2
        return max(1, min(max(2 * season, self.horizon, 10), room))

    def _window_index(self, panel: Panel, window: int) -> WindowIndex:
        """Every series' windows, split in time; raise or warn about series too short."""
        windows = window_index(panel.offsets, window, self.horizon, self.validation_fraction)
        needed = min_rows(window, self.horizon)
        if not windows.trained.any():
            what = "X has" if panel.ids is None else "The longest series of X has"
            raise ValueError(
                f"{what} {int(panel.lengths.max())} rows, but window={window} and "
                f"horizon={self.horizon} need at least {needed} rows for one training window. "
                f"Pass a longer series or reduce window/horizon."
            )
        untrained = int((~windows.trained).sum())
        if untrained:
            warnings.warn(
                f"{untrained} of {panel.n_series} series have fewer than {needed} rows "
                f"(window + horizon): they are forecast by the global model but not trained on.",
                UserWarning,
                stacklevel=3,
            )
        if self.validation_fraction > 0 and windows.n_val == 0:
            warnings.warn(
                f"Too few windows ({windows.n_train}) to hold out validation_fraction="
                f"{self.validation_fraction} of them with horizon={self.horizon}: trained on "
                f"every window without validation (early stopping watches the training loss; "
                f"history_['val_loss'] is empty). Pass a longer series for validation.",
                UserWarning,
                stacklevel=3,
            )
        return windows

    def _recipe(self, panel: Panel, season: int) -> Recipe:
        """How each series' transforms are fitted; raise when deseasonalize=True cannot be.

        Unlike the scaler, the seasonal pattern is estimated on every row, validation rows
        included: the most recent seasons are the best guide to the next ones
        (validation-split benchmark, 0.873 against 0.897 when estimated on the training rows
        only; docs/accuracy.md).
        """
        auto = isinstance(self.deseasonalize, str)  # "auto"; else a bool (checked)
        recipe = Recipe(self.scaler, season, adjust=False, test=auto)
        if not (auto or self.deseasonalize):
            return recipe
        if season < 2:
            if auto:
                return recipe
            raise ValueError(
                f"deseasonalize=True needs a seasonal period above 1, but season={self.season!r} "
                f"gives {season}; set season=..., or pass an index whose frequency "
                f"implies one (e.g. monthly), or set deseasonalize='auto' or False."
            )
        if panel.time is None or panel.freq is None:
            if not auto:
                raise ValueError(
                    "deseasonalize=True needs an index that places each row in time (a "
                    "PeriodIndex, a regular DatetimeIndex, or integer labels with a constant "
                    "step), so that later contexts can be placed in the season; pass a pandas "
                    "Series or DataFrame (e.g. pd.Series(values)), or set deseasonalize='auto' "
                    "or False."
                )
            return recipe
        longest = int(panel.lengths.max())
        if not auto and longest < MIN_SEASONS * season:
            raise ValueError(
                f"deseasonalize=True needs at least {MIN_SEASONS} seasons "
                f"({MIN_SEASONS * season} rows); got {longest}. Pass a longer series or "
                f"set deseasonalize='auto' or False."
            )
        return Recipe(self.scaler, season, adjust=True, test=auto)

    def _net_options(self, panel: Panel, window: int, season: int) -> dict:
        """The forecasting options of LSTMNet: head width and per-window normalisation."""
        head_steps = min(self.horizon, window) if self.head == "sequence" else 1
        skip = self.seasonal_skip and season <= window
        return {
            "head_steps": head_steps,
            "instance_norm": self.instance_norm,
            "n_targets": panel.n_targets,
            "season": season if skip else 1,
            "n_static": len(panel.static_names),
        }

    def _store_fit(self, panel, window, season, transforms, static_scaler, fitted_with_y):
        """Set every learned attribute but the network's (nothing is set before this)."""
        self.window_, self.horizon_, self.season_ = window, self.horizon, season
        self.n_series_, self.series_ids_ = panel.n_series, panel.ids
        self.scaler_, self.seasonal_profile_ = transforms.scaler, transforms.profile
        self.static_scaler_, self.static_ = static_scaler, panel.static
        ends = panel.offsets[1:]
        rows = np.maximum(ends[:, None] - window + np.arange(window), panel.offsets[:-1, None])
        self.last_window_ = panel.values[rows]  # (n_series, L, C), short series padded
        self.series_lengths_ = panel.lengths.copy()
        self.last_index_ = panel.last_labels()
        self.index_freq_ = panel.freq
        self.output_form_ = asdict(panel.form)
        self.n_features_in_ = panel.n_features
        names = panel.feature_names
        if names is not None and all(isinstance(n, str) for n in names):
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_targets_ = panel.n_targets
        self.target_names_ = panel.form.target_names
        self._fitted_with_y = fitted_with_y

    # -- steps of predict --------------------------------------------------------------------

    def _predict_stored(self):
        """Forecasts that continue every training series (``predict()``)."""
        labels = future_labels(self.last_index_, self.series_lengths_, self.horizon_,
                               self.index_freq_)
        return forecast_output(self._stored_forecasts(), Form(**self.output_form_),
                               self.series_ids_, labels)

    def _stored_forecasts(self) -> np.ndarray:
        """(n_series, horizon, n_targets) forecasts from each series' stored last window."""
        n_series, window, n_columns = self.last_window_.shape
        lengths = np.minimum(self.series_lengths_, window)
        # steps of the stored rows from each series' last row; padding repeats the first row
        steps = np.maximum(np.arange(window) - (window - 1), -(lengths[:, None] - 1)).ravel()
        static = scale_static(self.static_scaler_, self.static_)
        transforms = Transforms(self.scaler_, self.seasonal_profile_, steps, static)
        offsets = np.arange(n_series + 1) * window
        return self._forecast(
            self.last_window_.reshape(-1, n_columns), offsets, transforms, offsets[1:],
            np.arange(n_series),
        )

    def _forecast(self, values, offsets, transforms, ends, series) -> np.ndarray:
        """Forecasts (N, H, T) in data units from the windows ending (exclusive) at rows ``ends``
        (N,) of ``series`` (N,): one batched pass over the transformed rows."""
        row_series = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        data = DevicePanel(transforms.apply(values, row_series), transforms.static,
                           self.window_, self.horizon_, self.n_targets_, self.device_)
        inputs = data.forecast_inputs(ends - self.window_, series, offsets[series])
        outputs = to_numpy(predict_module(self.module_, (inputs, len(ends))))  # (N, H * T)
        scaled = outputs.reshape(len(ends), self.horizon_, self.n_targets_)
        return transforms.invert(scaled, series, transforms.steps[ends - 1])

    def _origins(self, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
        """First input row and series of every rolling origin of the panel."""
        needed = self.window_ + self.horizon_
        if panel.form.kind == "single":
            self._check_context_length(panel.lengths[0], needed, "rolling")
        counts = count_windows(panel.lengths, self.window_, self.horizon_)
        if not counts.any():
            raise ValueError(
                f"No series of the context has window + horizon = {needed} rows, so there is "
                f"no origin to forecast from; the longest has {int(panel.lengths.max())}."
            )
        series = np.repeat(np.arange(panel.n_series), counts)
        return panel.offsets[:-1][series] + ragged_arange(counts), series

    def _rolling(self, panel: Panel, starts, series) -> np.ndarray:
        """Forecasts (n_origins, H, T) from the windows starting at rows ``starts``."""
        transforms = self._context_transforms(panel)
        return self._forecast(panel.values, panel.offsets, transforms, starts + self.window_,
                              series)

    def _context_transforms(self, panel: Panel) -> Transforms:
        """The transforms of a context's series: fitted ones for series seen at fit, fitted on
        the context itself for new ones."""
        fitted = Transforms(self.scaler_, self.seasonal_profile_, None, None)
        recipe = Recipe(self.scaler, self.season_, True, isinstance(self.deseasonalize, str))
        return context_transforms(panel, self._fitted_positions(panel), fitted, recipe,
                                  self.last_index_, self.index_freq_, self.static_scaler_)

    def _fitted_positions(self, panel: Panel) -> np.ndarray:
        """For each context series, its position among the fitted series, or -1 if new."""
        if self.series_ids_ is None:
            return np.zeros(1, dtype=np.int64) if panel.ids is None else np.full(
                panel.n_series, -1)
        if panel.ids is None:
            return np.full(1, -1)
        return self.series_ids_.get_indexer(panel.ids)

    def _check_grid(self, panel: Panel) -> None:
        """Raise when a context's time labels are on another kind of grid than at fit."""
        fit_index, index = self.last_index_, panel.time
        timed = (pd.DatetimeIndex, pd.PeriodIndex)
        if not (isinstance(fit_index, timed) and isinstance(index, timed)):
            return
        same_kind = type(fit_index) is type(index)
        same_zone = getattr(fit_index, "tz", None) is None and getattr(index, "tz", None) is None
        if isinstance(index, pd.DatetimeIndex) and same_kind:
            same_zone = (fit_index.tz is None) == (index.tz is None)
        if not (same_kind and same_zone and panel.freq == self.index_freq_):
            raise ValueError(
                f"The context's index ({type(index).__name__}, frequency {panel.freq!r}) is not "
                f"on the time grid of the series seen at fit ({type(fit_index).__name__}, "
                f"frequency {self.index_freq_!r}); pass a context with the same index type, "
                f"time zone and frequency as at fit."
            )

    def _check_feature_layout(self, panel: Panel, given_y: bool) -> None:
        if given_y != self._fitted_with_y:
            fitted = "fit(X, y)" if self._fitted_with_y else "fit(X)"
            hint = "pass the target history as y too" if self._fitted_with_y else "drop y"
            raise ValueError(f"This forecaster was fitted with {fitted}; {hint}.")
        if panel.n_features != self.n_features_in_:
            raise ValueError(
                f"X has {panel.n_features} columns, but this forecaster was fitted with "
                f"{self.n_features_in_}; pass the same columns as at fit."
            )
        fitted_names = getattr(self, "feature_names_in_", None)
        if fitted_names is not None and panel.feature_names is not None:
            if list(panel.feature_names) != list(fitted_names):
                raise ValueError(
                    f"X's columns {list(panel.feature_names)} differ from those seen at fit "
                    f"{list(fitted_names)}; pass the same columns in the same order."
                )
        if panel.n_targets != self.n_targets_:
            raise ValueError(
                f"y has {panel.n_targets} columns, but this forecaster was fitted with "
                f"{self.n_targets_} target(s)."
            )

    def _check_context_length(self, n_rows: int, needed: int, what: str) -> None:
        if n_rows < needed:
            raise ValueError(
                f"The {what} context has {n_rows} rows, but this forecaster needs at least "
                f"{needed} (window={self.window_}"
                + (f", horizon={self.horizon_}" if needed > self.window_ else "")
                + "). Pass a longer context."
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.one_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags


def _layout(panel: Panel, window: int, season: int) -> dict:
    """What every rank of a distributed fit must share about its part of the panel."""
    return {"window": window, "season": season, "form": panel.form.kind,
            "features": panel.feature_names, "targets": panel.form.target_names,
            "static": list(panel.static_names), "freq": panel.freq,
            "index": type(panel.time).__name__}


def _require_grid(panel: Panel) -> None:
    """Raise when datetimes are too few to tell their frequency (the forecast needs it)."""
    if isinstance(panel.time, pd.DatetimeIndex) and panel.freq is None:
        regular_frequency(panel.time)  # raises, saying why and what to do
