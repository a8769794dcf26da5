"""LSTMForecaster: one global model for one series or a panel of many: windows -> chronological
split per series -> per-series seasonal adjustment and scaling -> LSTM -> multi-step forecasts.

The scikit-learn face of the toolkit for forecasting. ``fit`` reads as a table of contents:
input forms come from _panel, windows from _windowing, per-series transforms from _seasonality
and _scaling, device batches from _batches, training from _base/_training, and outputs in the
caller's form from _outputs.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from sklearn.base import RegressorMixin, clone
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import _LSTMBase, with_torch_threads
from ._batches import DevicePanel
from ._distributed import all_lengths, all_rows, smallest
from ._forecasting import Calibration, _Forecasts, calibrate
from ._intervals import (
    check_coverage,
    check_levels,
    interval_levels,
    trained_levels,
)
from ._losses import pinball_loss
from ._outputs import band_output, forecast_output, future_labels, rolling_output
from ._panel import Panel, as_panel, future_names
from ._scaling import TIME_SCALERS, fit_scaler
from ._seasonality import MIN_SEASONS
from ._target import TargetMap, check_target_transform
from ._torch_utils import resolve_device
from ._transforms import (
    Recipe,
    Transforms,
    context_transforms,
    fit_transforms,
)
from ._validation import (
    check_bool,
    check_float,
    check_int,
    regular_frequency,
    seasonal_period,
)
from ._warnings import warn
from ._windowing import WindowIndex, min_rows, ragged_arange, window_index

INSTANCE_NORMS = ("last", "mean", None)
LOSSES = {"mse": "mse_loss", "mae": "l1_loss", "huber": "huber_loss"}  # torch.nn.functional
HEADS = ("last", "sequence")
CALIBRATIONS = ("validation", "refit")


class LSTMForecaster(RegressorMixin, _Forecasts, _LSTMBase):
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
    future_columns : str, int, list or None, default=None
        Covariate columns of ``X`` whose values are known in advance (calendar features,
        planned prices, holidays; names, or positions for numpy input). The network reads them
        over the window like past covariates and also over the forecast horizon, so
        ``predict`` needs their future values (``X_future``). With ``target=None`` they are
        not targets. They are scaled per series like the other columns.
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
    scaler : {"standard", "minmax", "naive", "none"} or None, default="standard"
        Per-series, per-column scaling, fitted on each series' training rows only and inverted
        on output. A series new to the model is scaled on its own context. "naive" divides
        each target by its mean absolute change over ``season_`` steps (after the seasonal
        adjustment; at least 1% of its standard deviation): the in-sample error of the
        seasonal naive forecast, so that the training loss weighs each series as MASE does.
        It centres on the mean and scales covariates as "standard" does.
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
    target_transform : {"log", "log1p", "boxcox"}, transformer or None, default=None
        Transform the targets of every series before the seasonal adjustment and scaling, and
        invert it on every forecast (predict, predict_rolling, score and the scorers all work
        in the data's units). "log" needs positive targets, "log1p" targets above -1, "boxcox"
        positive targets and fits a lambda per series and target on its training rows
        (maximum likelihood on a grid of step 0.005 over [-1, 2]; a series new to the model
        gets one from its context). A scikit-learn transformer with ``inverse_transform``
        (e.g. ``FunctionTransformer(np.sqrt, inverse_func=np.square)``) is cloned and fitted
        once on the training rows of all series together; such a model can be pickled but
        not saved with ``save``.
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
        MAE/MASE), or Huber (squared below 1, absolute above). Not used with ``quantiles``.
    quantiles : sequence of float or None, default=None
        Quantile levels in (0, 1), e.g. ``(0.1, 0.5, 0.9)``: the network then forecasts each
        of them (quantile regression, trained on the pinball loss averaged over the levels),
        sorted so that they never cross. 0.5 is added when absent: ``predict`` returns the
        median, and :meth:`predict_interval` and :meth:`predict_quantiles` read the trained
        levels. None forecasts the point only (trained on ``loss``).
    gradient_clip : float or None, default=None
        If set, clip the total L2 norm of the gradients to this value before each step; it
        can keep a large ``lr`` from diverging. None does not clip.
    validation_fraction : float, default=0.1
        Share of each series' windows, taken from its end, used for validation. 0 trains on
        every window. A series with too few windows to split trains on all of them; when no
        series has enough, the fit warns and trains without validation (``history_["val_loss"]``
        stays empty) on up to ``epochs`` epochs, early stopping on the training loss.
    calibration : {"validation", "refit"}, default="validation"
        Which forecast errors calibrate the conformal intervals (and ``method="cqr"``).
        "validation": those of the validation windows (see ``calibration_fraction``): free,
        but few on a short series and optimistic (early stopping chose the epoch on them).
        "refit": fit then trains a copy of the model (same parameters and window) on each
        series without its last ``k + horizon - 1`` rows and keeps its errors on the ``k``
        windows that forecast them, as :meth:`calibrate` with ``refit=True`` does; the cost
        is a second fit. ``k`` is 1 for a panel of 19 series or more (enough errors for a
        95% interval), else the windows of the last third of the median series (at least
        1). Series too short to hold those rows out are left out of it, with a warning.
        Best for short series and panels; on a long series whose validation windows are
        many, a break inside the held-out rows can make it needlessly wide (check with
        ``model_selection.backtest``).
    calibration_fraction : float, default=0.0
        Share of each series' validation windows, the last in time, kept away from early
        stopping and used only for the conformal errors of :meth:`predict_interval`, so that
        those errors come from windows that chose nothing (the epoch is chosen on the other
        validation windows). Each series keeps at least one window for early stopping; a
        series with one validation window gives none. 0 calibrates on every validation window,
        the same windows early stopping watched (optimistic errors, but more of them); when no
        series can spare a window, calibration falls back to that.
    conformal_pooling : {"auto", True, False}, default="auto"
        How the conformal intervals read the ``n`` validation errors of each horizon step.
        False: each step's own errors (the ``ceil((n + 1) * coverage)``-th smallest). True:
        the errors of every step, each divided by its step's mean absolute error, pooled into
        ``n * horizon`` errors whose conformal quantile is scaled back by each step's mean
        absolute error, so that short series get ``horizon`` times as many errors per
        quantile. "auto": pool for a coverage whose rank needs more than the ``n`` errors of
        a step (``n < coverage / (1 - coverage)``, e.g. fewer than 19 errors at 95%), else per
        step. Read at predict, so it can be changed on a fitted model.
    early_stopping : bool, default=True
        Stop when the validation loss (training loss if ``validation_fraction=0``) has not
        improved for ``patience`` epochs, and keep the best epoch's weights.
    patience : int, default=10
        Epochs without improvement before stopping early.
    retrain_on_all : bool, default=False
        Once early stopping has chosen the epoch on the validation windows, fit again on every
        window, the validation ones included, for that many epochs (``best_epoch_ + 1``) and
        without validation, and forecast with that fit: the most recent rows of every series
        then shape the forecast (and the scaling) too, at the cost of a second fit. The result
        is what ``set_params(validation_fraction=0, early_stopping=False, epochs=best_epoch_ +
        1).fit(X)`` gives, except that ``history_`` and ``best_epoch_`` are the first fit's, and
        so are the conformal tables: the first network's errors on validation windows it never
        trained on, in scaled units, carried over to the second fit's scaling as
        :meth:`calibrate` with ``refit=True`` carries its copy's. No effect without validation
        windows, without early stopping, or when the first fit kept its initial weights; when
        the second fit diverges, the model keeps the first fit (with a warning).
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
    future_columns_ : list
        The future-known columns (names, or positions for numpy input); [] for none.
    target_transform_ : str, transformer or None
        The target transform applied: its name, the fitted clone of the transformer, or None.
    target_lambda_ : ndarray of shape (n_series_, n_targets_) or None
        The Box-Cox lambda of every series and target (None unless ``target_transform``
        is "boxcox").
    history_ : dict
        ``"loss"`` and ``"val_loss"`` per epoch (scaled units); ``"initial_loss"``: the
        monitored loss of the untrained network; with ``retrain_on_all``, ``"retrain_loss"``:
        the training loss per epoch of the second fit (empty when it did not run).
    best_epoch_ : int
        Zero-based epoch whose weights the model holds (with ``retrain_on_all``, the last
        epoch of the second fit); -1 when training diverged (the best loss above twice
        ``initial_loss``) and the model kept its initial weights, with a warning.
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
    quantiles_ : tuple of float or None
        The quantile levels the network forecasts (``quantiles`` sorted, with 0.5), or None.
    conformal_errors_ : ndarray of shape (n_ranks, horizon_, n_targets_) or None
        Sorted absolute errors of the point forecast on the validation windows (those kept by
        ``calibration_fraction`` when it is above 0), per step and target, in network units
        (each series' scaled units), at most 1,000 order statistics: the calibration of the
        conformal intervals. None without validation windows.
    conformal_ranks_ : ndarray of shape (n_ranks,) or None
        The ranks (1-based) of those rows among all validation errors; the last is their count.
    conformal_pooled_ : ndarray of shape (n_pooled_ranks, n_targets_) or None
        The same errors divided by their step's mean absolute error and pooled over the
        horizon steps, sorted (at most 1,000 order statistics), for ``conformal_pooling``.
    conformal_pooled_ranks_ : ndarray of shape (n_pooled_ranks,) or None
        Their ranks among the ``n * horizon_`` pooled errors.
    conformal_scale_ : ndarray of shape (horizon_, n_targets_) or None
        Each step's mean absolute validation error, in network units.
    quantile_errors_ : ndarray of shape (n_ranks, horizon_, n_targets_, n_pairs) or None
        With trained quantiles: for each central pair of them (levels ``a`` and ``1 - a``,
        lowest ``a`` first), the sorted conformity scores of conformalized quantile
        regression on the calibration windows (how far each actual value lay outside the
        pair's band, negative inside), in network units, at the ranks ``conformal_ranks_``.
    quantile_pooled_ : ndarray of shape (n_pooled_ranks, n_targets_, n_pairs) or None
        The same scores divided by their step's ``conformal_scale_`` and pooled over the
        steps, at the ranks ``conformal_pooled_ranks_``.

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
        future_columns=None,
        hidden_size=16,
        num_layers=1,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        scaler="standard",
        instance_norm="last",
        season="auto",
        deseasonalize="auto",
        target_transform=None,
        seasonal_skip=False,
        head="sequence",
        epochs=100,
        batch_size=32,
        lr=3e-3,
        loss="mse",
        quantiles=None,
        gradient_clip=None,
        validation_fraction=0.1,
        calibration="validation",
        calibration_fraction=0.0,
        conformal_pooling="auto",
        early_stopping=True,
        patience=10,
        retrain_on_all=False,
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
        self.future_columns = future_columns
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self.scaler = scaler
        self.instance_norm = instance_norm
        self.season = season
        self.deseasonalize = deseasonalize
        self.target_transform = target_transform
        self.seasonal_skip = seasonal_skip
        self.head = head
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.loss = loss
        self.quantiles = quantiles
        self.gradient_clip = gradient_clip
        self.validation_fraction = validation_fraction
        self.calibration = calibration
        self.calibration_fraction = calibration_fraction
        self.conformal_pooling = conformal_pooling
        self.early_stopping = early_stopping
        self.patience = patience
        self.retrain_on_all = retrain_on_all
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
        self._fit_model(panel, y is not None)
        if self.calibration == "refit":
            self._calibrate_on_a_copy(panel, y is not None)
        return self

    def _fit_model(self, panel: Panel, has_y: bool) -> None:
        """The network, transforms and calibration of ``fit`` (without a refit calibration):
        ``_fit_panel``, then with ``retrain_on_all`` the retrain on every window."""
        if not self.retrain_on_all:
            self._fit_panel(panel, has_y)
            return
        first = clone(self)._fit_panel(panel, has_y)  # self changes only once both succeed
        history, best_epoch = first.history_, first.best_epoch_
        history["retrain_loss"] = []
        final = first
        # history_ is shared by every process of a distributed fit: all retrain or none does
        if history["val_loss"] and self.early_stopping and best_epoch >= 0:
            retrained = self._retrained(panel, has_y, best_epoch + 1)
            if retrained is not None:
                final, history["retrain_loss"] = retrained, retrained.history_["loss"]
        vars(self).update({key: value for key, value in vars(final).items()
                           if key.endswith("_") or (key.startswith("_") and key[1] != "_")})
        self.history_, self.best_epoch_ = history, best_epoch
        self._store_calibration(first._calibration())

    def _retrained(self, panel: Panel, has_y: bool, epochs: int):
        """A copy fitted on every window, without validation, for ``epochs``; None (with a
        warning) when its training diverged and it kept its initial weights."""
        final = clone(self).set_params(validation_fraction=0.0, early_stopping=False,
                                       epochs=epochs, retrain_on_all=False)
        with warnings.catch_warnings():  # the data's warnings came with the first fit
            warnings.simplefilter("ignore")
            final._fit_panel(panel, has_y)
        if final.best_epoch_ < 0:
            warn(
                f"retrain_on_all: the second fit, on every window for {epochs} epochs, "
                f"diverged (its loss rose above its initial loss); the model keeps the first "
                f"fit. Try a lower lr (now {self.lr:g})."
            )
            return None
        trained = len(final.history_["loss"])
        if trained < epochs:
            warn(
                f"retrain_on_all: the second fit stopped after {trained} of {epochs} epochs (a "
                f"non-finite loss or an interrupt) and keeps its best epoch's weights."
            )
        return final

    def _calibrate_on_a_copy(self, panel: Panel, has_y: bool) -> None:
        """``calibration="refit"``: the errors of a copy fitted without the calibration rows
        replace those of the validation windows, unless the series are too short for it."""
        n_windows = self._refit_windows(panel)
        shortfall = self._refit_shortfall(panel, n_windows + self.horizon_ - 1)
        if shortfall:
            warn(
                f"calibration='refit' trains a copy of the model without the last "
                f"{n_windows + self.horizon_ - 1} rows of each series, but {shortfall}; the "
                f"intervals are calibrated on the validation windows instead."
            )
            return
        self._store_calibration(self._refit_calibration(panel, has_y, n_windows))

    def _fit_panel(self, panel: Panel, has_y: bool):
        """``fit`` on a checked panel (``has_y``: the targets came as ``y``)."""
        season = self._resolve_season(panel)
        window = self._resolve_window(panel, season)
        windows = self._window_index(panel, window)
        _require_grid(panel)
        recipe = replace(self._recipe(panel, season), target=self.target_transform)
        static_scaler = None if panel.static is None else fit_scaler(
            "standard" if self.scaler == "naive" else self.scaler,
            all_rows(panel.static))  # across series: every rank's
        transforms = fit_transforms(panel, windows.fit_rows, recipe, static_scaler)
        device = resolve_device(self.device)
        data = DevicePanel(transforms.apply(panel.values, panel.series_of_rows()),
                           transforms.static, window, self.horizon, panel.n_targets, device,
                           future=panel.n_future > 0)
        roles = _window_roles(windows, self.calibration_fraction, device)
        levels = trained_levels(self.quantiles)
        module, history, best_epoch, net_config = self._train_network(
            device,
            input_size=panel.values.shape[1] + len(panel.static_names),
            output_size=self.horizon * panel.n_targets * (len(levels) if levels else 1),
            batches=data.batches(roles.starts, roles.series),
            train_idx=roles.train_idx,
            val_idx=roles.val_idx,
            loss_fn=self._loss_function(levels),
            net_options=self._net_options(panel, window, season),
            agree=_layout(panel, window, season),
            series_ids=panel.ids,
        )
        calibration = calibrate(module, data, roles.calibration, panel.offsets, levels,
                                gather=True)
        self._store_fit(panel, window, season, transforms, static_scaler, has_y)
        self._store_target(transforms.target)
        self.future_columns_ = future_names(self.future_columns)
        self.device_, self.module_, self._net_config = device, module, net_config
        self.history_, self.best_epoch_ = history, best_epoch
        self.quantiles_ = levels
        self._store_calibration(calibration)
        return self

    @with_torch_threads
    def predict(self, X=None, y=None, *, X_future=None, n_steps=None):
        """Forecast the ``horizon`` steps (or ``n_steps``) after the end of the training series
        or of a context.

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
        X_future : DataFrame, array-like, dict or list, optional
            The values of ``future_columns`` over the forecast: needed when the model was
            fitted with future-known columns, one row per forecast step (``max(n_steps,
            horizon)`` rows). One series: a DataFrame of those columns indexed by the
            forecast's time labels (checked against them), or an array of shape
            ``(n_rows, n_future)``. A panel: a long frame with the id and time columns (or a
            (series, time) MultiIndex) holding a row for every forecast step of every series
            forecast, or a dict or list of per-series frames or arrays like the panel.
        n_steps : int, optional
            Steps to forecast; None forecasts ``horizon``. Fewer than ``horizon`` returns the
            first ``n_steps``. More is **recursive**: the model forecasts ``horizon`` steps,
            appends them to the context as if they were observed targets, and forecasts the
            next block from there (the last block ends at step ``n_steps``), so errors
            compound. A model with past covariates cannot forecast recursively (their values
            over the forecast are unknown) unless they are future-known columns given in
            ``X_future``.

        Returns
        -------
        forecast : ndarray, Series, DataFrame, dict or list
            ``n_steps`` (default ``horizon``) rows per series, labelled like the ``horizon``
            ones. One series: ``(horizon,)`` for one target, ``(horizon, n_targets)`` for several;
            pandas when the targets came as pandas, indexed by the time steps that follow.
            A panel: in the form of the input (a long frame with the id and time columns, a
            (series, time) MultiIndex, a dict or a list of per-series forecasts).
        """
        check_is_fitted(self)
        n_steps = self._check_n_steps(n_steps)
        if X is None and y is None:
            return self._predict_stored(n_steps, X_future)
        panel = self._as_panel(X, y, reset=False)
        if panel.form.kind == "single":
            self._check_context_length(panel.lengths[0], self.window_, "predict")
        transforms = self._context_transforms(panel)
        labels = future_labels(panel.last_labels(), panel.lengths, n_steps, panel.freq)
        future = self._future_values(X_future, n_steps, panel.form, panel.ids,
                                     (panel.last_labels(), panel.lengths, panel.freq))
        forecasts = self._forecast_ahead(panel.values, panel.offsets, transforms, n_steps, future)
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

    # -- intervals and quantiles -------------------------------------------------------------

    def predict_interval(self, X=None, y=None, coverage=0.9, method="auto", *, X_future=None):
        """Forecast a central prediction interval for each step of :meth:`predict`.

        Parameters
        ----------
        X, y : as in :meth:`predict`
            None continues every training series; otherwise a context (one series or a panel).
        coverage : float, default=0.9
            The share of actual values the interval should hold, in (0, 1).
        method : {"auto", "conformal", "quantile", "cqr"}, default="auto"
            "conformal": the point forecast plus or minus the ``coverage`` quantile (with the
            finite-sample correction ``ceil((n + 1) * coverage) / n``) of its absolute errors
            on the ``n`` calibration windows (fit's validation windows, or those of
            :meth:`calibrate`), per step and target, in each series' scaled units (so that the
            interval scales with each series); pooled over the steps as
            ``conformal_pooling`` says. "quantile": the trained quantiles at
            ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` (a model fitted with
            ``quantiles=`` holding both). "cqr" (conformalized quantile regression): those
            trained quantiles, each moved outwards (inwards when negative) by the same rank
            of the pair's conformity scores on the calibration windows (how far the actual
            values fell outside their band), never past the point forecast. "auto": "cqr"
            when the model holds both levels and their scores, "quantile" when it holds the
            levels only (a file saved before "cqr" existed), else "conformal".
        X_future : as in :meth:`predict`
            The values of ``future_columns`` over the horizon, for a model fitted with them.

        Returns
        -------
        interval : ndarray, DataFrame, dict or list
            The form of :meth:`predict` with a last axis or columns ``lower``, ``upper``:
            numpy ``(horizon, 2)`` for one target, ``(horizon, n_targets, 2)`` for several;
            pandas a DataFrame with columns ``lower``, ``upper`` (a (target, bound)
            MultiIndex for several targets); a long panel its id and time columns, then
            ``lower``, ``upper`` (``<target>_lower``, ... for several targets); a dict or list
            of per-series results.
        """
        check_is_fitted(self)
        levels = interval_levels(check_coverage(coverage))
        method = self._interval_method(method, levels)
        *arguments, form, ids, labels = self._interval_context(X, y, X_future)
        bands = self._predict_bands(*arguments, levels, method)[1]
        return band_output(bands, form, ids, labels, ["lower", "upper"])

    def predict_quantiles(self, X=None, y=None, alpha=(0.1, 0.5, 0.9), method="auto", *,
                          X_future=None):
        """Forecast quantiles of each step of :meth:`predict`.

        Parameters
        ----------
        X, y : as in :meth:`predict`
        alpha : float or sequence of float, default=(0.1, 0.5, 0.9)
            Quantile levels in (0, 1).
        method : {"auto", "conformal", "quantile", "cqr"}, default="auto"
            "quantile": the trained quantiles (a model fitted with ``quantiles=`` holding every
            level of ``alpha``). "conformal": level ``a`` is the bound of the conformal
            interval of coverage ``|2a - 1|`` on its side of the point forecast (0.5 is the
            point forecast). "cqr": the trained quantile ``a`` moved as the bound of the
            "cqr" interval of coverage ``|2a - 1|`` (``a`` and ``1 - a`` must both have been
            trained). "auto": "cqr" when every level was trained with its pair and scores,
            "quantile" when every level was trained, else "conformal".
        X_future : as in :meth:`predict`
            The values of ``future_columns`` over the horizon, for a model fitted with them.

        Returns
        -------
        quantiles : ndarray, DataFrame, dict or list
            As :meth:`predict_interval`, with one column per level named ``q<level>``
            (``q0.1``, ``q0.5``, ...), or a last numpy axis in the order of ``alpha``.
        """
        check_is_fitted(self)
        levels = check_levels(alpha, "alpha")
        method = self._interval_method(method, levels)
        *arguments, form, ids, labels = self._interval_context(X, y, X_future)
        bands = self._predict_bands(*arguments, levels, method)[1]
        return band_output(bands, form, ids, labels, [f"q{level:g}" for level in levels])

    @with_torch_threads
    def calibrate(self, X, y=None, n_windows=None, refit=False):
        """Recalibrate the conformal intervals on forecast errors over the last origins of
        each series of ``X``.

        The absolute errors of the forecasts of the windows of ``window_`` rows followed by
        ``horizon_`` rows (the last ``n_windows`` of each series) replace the validation
        errors of fit in the conformal tables (``conformal_errors_``, ``conformal_pooled_``,
        ...). Who forecasts them depends on ``refit``:

        - ``refit=False``: this fitted network, without training, as
          ``model_selection.backtest(refit=False)`` would over the same windows. Use it after
          fitting on the first part of a series, with ``n_windows`` the windows whose
          forecasts lie after the training part; windows whose values the model was trained
          on give optimistic errors (too narrow intervals).
        - ``refit=True``: a copy of this forecaster (same parameters and ``window_``) trained
          on each series of ``X`` without its last ``n_windows + horizon_ - 1`` rows, so that
          every error is a forecast of rows the copy never saw, made from the end of its
          training data as ``predict()`` forecasts from the end of this model's. This
          forecaster's network is not changed; the cost is one more fit. The intervals then
          hold close to their coverage wherever the coming errors resemble those of the last
          ``n_windows + horizon_ - 1`` rows. Errors are taken in each series' scaled units,
          so they carry over to this model's scaling.

        Parameters
        ----------
        X, y : as in :meth:`predict_rolling`
            One series or a panel, with at least ``window_ + horizon_`` rows per series that
            is used. Usually the data the model was fitted on. With ``refit=True``, series of
            at most ``n_windows + horizon_ - 1`` rows are left out (with a warning).
        n_windows : int or None, default=None
            The last origins of each series to calibrate on (consecutive, one row apart).
            None: every origin (``refit=False``) or one per series (``refit=True``: enough
            for a panel of many series; for one series pass more, e.g. a third of its
            length, so that the ``n_windows * horizon_`` errors pooled over the steps number
            at least ``coverage / (1 - coverage)``).
        refit : bool, default=False
            Calibrate on a copy trained without the calibration rows (see above).

        Returns
        -------
        self : LSTMForecaster
        """
        check_is_fitted(self)
        check_bool("refit", refit)
        panel = self._as_panel(X, y, reset=False)
        if refit:
            tables = self._refit_calibration(panel, y is not None,
                                             1 if n_windows is None else n_windows)
        else:
            tables = self._panel_calibration(panel, n_windows)
        self._store_calibration(tables)
        return self

    def _calibration(self) -> Calibration:
        """The calibration tables ``_store_calibration`` stored."""
        return Calibration(
            self.conformal_errors_, self.conformal_ranks_, self.conformal_pooled_,
            self.conformal_pooled_ranks_, self.conformal_scale_, self.quantile_errors_,
            self.quantile_pooled_)

    def _store_calibration(self, calibration: Calibration) -> None:
        (self.conformal_errors_, self.conformal_ranks_, self.conformal_pooled_,
         self.conformal_pooled_ranks_, self.conformal_scale_, self.quantile_errors_,
         self.quantile_pooled_) = calibration

    def _refit_shortfall(self, panel: Panel, held: int) -> str | None:
        """Why no copy can train without the last ``held`` rows of each series, or None.

        Distributed, every rank must keep a training window, so that all of them train the
        copy or none does."""
        kept = smallest(int(panel.lengths.max())) - held
        needed = self.window_ + self.horizon_
        if kept >= needed:
            return None
        return (f"the longest series then keeps {max(kept, 0)} rows, fewer than the "
                f"window + horizon = {needed} of one training window")

    def _refit_windows(self, panel: Panel) -> int:
        """``calibration="refit"``'s windows per series: 1 for 19 series or more, else those
        of the last third of the median series (at least 1); distributed, of every rank's."""
        lengths = all_lengths(panel.lengths)
        if len(lengths) >= 19:
            return 1
        return max(1, int(np.median(lengths)) // 3 - self.horizon_ + 1)

    def _refit_calibration(self, panel: Panel, has_y: bool, n_windows) -> Calibration:
        """``calibrate(refit=True)``'s tables: those of a copy fitted without each series' last
        ``n_windows + horizon_ - 1`` rows, on the windows that forecast them."""
        check_int("n_windows", n_windows, 1)
        held = n_windows + self.horizon_ - 1
        shortfall = self._refit_shortfall(panel, held)
        if shortfall:
            raise ValueError(
                f"calibrate(refit=True) with n_windows={n_windows} and horizon={self.horizon_} "
                f"trains a copy without the last {held} rows of each series, but {shortfall}. "
                f"Pass fewer windows, longer series, or use refit=False."
            )
        long_enough = np.flatnonzero(panel.lengths > held)
        if len(long_enough) < panel.n_series:
            warn(
                f"calibrate(refit=True): {panel.n_series - len(long_enough)} of "
                f"{panel.n_series} series have at most {held} rows (n_windows + horizon - 1) "
                f"and are left out of the calibration; their intervals use the errors of the "
                f"others."
            )
            panel = panel.take(long_enough)
        copy = clone(self).set_params(window=self.window_, calibration="validation")
        copy._check_params()
        copy._fit_model(panel.head(panel.lengths - held), has_y)
        return copy._panel_calibration(panel, n_windows, gather=True)

    # -- steps of fit ------------------------------------------------------------------------

    def _check_params(self) -> None:
        if self.window is not None:
            check_int("window", self.window, 1)
        check_int("horizon", self.horizon, 1)
        if self.scaler is not None and self.scaler not in TIME_SCALERS:
            raise ValueError(
                f"scaler must be one of {TIME_SCALERS} or None; got {self.scaler!r}."
            )
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
        check_bool("retrain_on_all", self.retrain_on_all)
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}; got head={self.head!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {tuple(LOSSES)}; got loss={self.loss!r}.")
        if self.quantiles is not None:
            check_levels(self.quantiles, "quantiles")
        for name in ("id_column", "time_column"):
            value = getattr(self, name)
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise TypeError(f"{name} must be a column name (str or int); got {value!r}.")
        if self.id_column == self.time_column:
            raise ValueError(
                f"id_column and time_column must differ; both are {self.id_column!r}."
            )
        if self.calibration not in CALIBRATIONS:
            raise ValueError(
                f"calibration must be one of {CALIBRATIONS}; got calibration="
                f"{self.calibration!r}."
            )
        check_float("calibration_fraction", self.calibration_fraction, 0.0, 1.0)
        if not (isinstance(self.conformal_pooling, (bool, np.bool_))
                or (isinstance(self.conformal_pooling, str) and self.conformal_pooling == "auto")):
            raise ValueError(
                f"conformal_pooling must be 'auto', True or False; got "
                f"conformal_pooling={self.conformal_pooling!r}."
            )
        check_target_transform(self.target_transform)
        _check_future_columns(self.future_columns)
        self._check_common_params()

    def _as_panel(self, X, y, reset: bool = True) -> Panel:
        """Coerce the input into a Panel; at fit set, else check, the feature layout."""
        if not reset:
            self._check_y_given(y is not None)
        panel = as_panel(
            X, y, target=self.target, id_column=self.id_column, time_column=self.time_column,
            static_columns=self.static_columns, freq=None if reset else self.index_freq_,
            future_columns=self.future_columns if reset else getattr(self, "future_columns_", None),
        )
        if reset:
            return panel
        self._check_feature_layout(panel)
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
            warn(
                f"{untrained} of {panel.n_series} series have fewer than {needed} rows "
                f"(window + horizon): they are forecast by the global model but not trained on."
            )
        if self.validation_fraction > 0 and windows.n_val == 0:
            warn(
                f"Too few windows ({windows.n_train}) to hold out validation_fraction="
                f"{self.validation_fraction} of them with horizon={self.horizon}: trained on "
                f"every window without validation (early stopping watches the training loss; "
                f"history_['val_loss'] is empty). Pass a longer series for validation."
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

    def _loss_function(self, levels):
        """The training loss: the pinball loss of the quantile ``levels``, else ``loss``."""
        if levels is not None:
            return pinball_loss(levels)
        return getattr(torch.nn.functional, LOSSES[self.loss])

    def _net_options(self, panel: Panel, window: int, season: int) -> dict:
        """The forecasting options of LSTMNet: head width and per-window normalisation."""
        head_steps = min(self.horizon, window) if self.head == "sequence" else 1
        skip = self.seasonal_skip and season <= window
        future = {"future_steps": self.horizon, "n_future": panel.n_future}
        return {
            "head_steps": head_steps,
            "instance_norm": self.instance_norm,
            "n_targets": panel.n_targets,
            "season": season if skip else 1,
            "n_static": len(panel.static_names),
            **(future if panel.n_future else {}),
            "n_quantiles": len(trained_levels(self.quantiles) or (0.5,)),
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

    def _store_target(self, target: TargetMap | None) -> None:
        """Set the learned target transform (its name or fitted transformer, and lambdas)."""
        self.target_transform_ = None if target is None else target.kind
        self.target_lambda_ = None if target is None else target.lam

    def _context_transforms(self, panel: Panel) -> Transforms:
        """The transforms of a context's series: fitted ones for series seen at fit, fitted on
        the context itself for new ones."""
        fitted = Transforms(self.scaler_, self.seasonal_profile_, None, None, self._target_map())
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

    def _check_y_given(self, given_y: bool) -> None:
        """A context has the targets in y exactly when the fit had them there."""
        if given_y == self._fitted_with_y:
            return
        if self._fitted_with_y:
            raise ValueError(
                "This forecaster was fitted with fit(X, y), so a forecast needs the target "
                "history too: predict(X, y). (Wrappers that call predict(X) alone, such as "
                "TransformedTargetRegressor, cannot give it; for a transformed target use "
                "LSTMForecaster(target_transform=...) instead.)"
            )
        raise ValueError("This forecaster was fitted with fit(X); drop y.")

    def _check_feature_layout(self, panel: Panel) -> None:
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


class _WindowRoles(NamedTuple):
    """Every window's part in a fit: the batches gather ``starts``/``series``; training steps
    draw from ``train_idx``; early stopping watches ``val_idx`` (None: no validation); the
    conformal errors come from the ``calibration`` windows."""

    starts: np.ndarray
    series: np.ndarray
    train_idx: torch.Tensor
    val_idx: torch.Tensor | None
    calibration: WindowIndex


def _window_roles(windows: WindowIndex, fraction: float, device) -> _WindowRoles:
    """Hold the last ``ceil(fraction * n)`` of each series' ``n`` validation windows (at most
    ``n - 1``, so that early stopping keeps one) for calibration; without any, calibrate on
    every validation window."""
    counts = np.bincount(windows.val_series, minlength=len(windows.fit_rows))
    held = np.minimum(np.ceil(fraction * counts).astype(np.int64), np.maximum(counts - 1, 0))
    position = ragged_arange(counts)  # each window's place among its series' validation windows
    calibrating = position >= (counts - held)[windows.val_series]  # (n_val,) bool
    positions = torch.arange(windows.n_train + windows.n_val, device=device)
    val_idx = positions[windows.n_train :][torch.as_tensor(~calibrating, device=device)]
    calibration = windows
    if calibrating.any():
        calibration = replace(windows, val_starts=windows.val_starts[calibrating],
                              val_series=windows.val_series[calibrating])
    return _WindowRoles(
        np.concatenate([windows.train_starts, windows.val_starts]),
        np.concatenate([windows.train_series, windows.val_series]),
        positions[: windows.n_train],
        val_idx if windows.n_val else None,
        calibration,
    )


def _require_grid(panel: Panel) -> None:
    """Raise when datetimes are too few to tell their frequency (the forecast needs it)."""
    if isinstance(panel.time, pd.DatetimeIndex) and panel.freq is None:
        regular_frequency(panel.time)  # raises, saying why and what to do


def _check_future_columns(value) -> None:
    """Raise unless ``future_columns`` is None, a column name or position, or a list of them."""
    names = [value] if isinstance(value, (str, int, np.integer)) else value
    ok = value is None or (
        isinstance(names, (list, tuple))
        and all(isinstance(n, (str, int, np.integer)) and not isinstance(n, bool) for n in names)
    )
    if not ok:
        raise TypeError(
            f"future_columns must be a column name or position, a list of them, or None; got "
            f"future_columns={value!r}."
        )
