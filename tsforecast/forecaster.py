"""LSTMForecaster: one global model for one series or a panel of many: windows -> chronological
split per series -> per-series seasonal adjustment and scaling -> LSTM -> multi-step forecasts.

The scikit-learn face of the toolkit for forecasting: parameters, and public methods that read
the input, call the plain functions that do the work, and answer in the caller's form. ``fit``
builds a ForecasterState (_fitting); every other method is a function of that state and of
data (_context, _forecasting, _calibration).
"""

from __future__ import annotations

from dataclasses import replace

from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import _LSTMBase, with_torch_threads
from ._calibration import horizon_bands, interval_method, panel_calibration, rolling_bands
from ._context import column_settings, future_rows, read_context, read_panel
from ._fitting import fit_forecaster, forecaster_settings, refit_calibration
from ._forecasting import check_n_steps, forecast_ahead, origins, rolling, rolling_pairs
from ._intervals import check_coverage, check_levels, interval_levels
from ._outputs import band_output, forecast_output, rolling_band_output, rolling_output
from ._panel import as_panel
from ._selection import resolved
from ._state import FITTED_ATTRIBUTES, ForecasterState
from ._validation import check_bool
from .conformal import interval_settings


class LSTMForecaster(RegressorMixin, _LSTMBase):
    """Forecast the next ``horizon`` steps of one series, or of every series of a panel, with
    one LSTM.

    ``fit`` cuts every series into sliding windows of ``window`` past steps and ``horizon``
    future steps, keeps the last ``validation_fraction`` of each series' windows (in time) for
    validation and early stopping, removes each series' seasonal pattern from its
    targets (``deseasonalize``), scales each series' columns on its training rows only, and
    trains one ``batch_first`` LSTM on the windows of all series (a global model) whose linear
    head emits all ``horizon`` steps at once (direct multi-output).

    A panel is a long DataFrame with id and time columns (``columns``), a DataFrame or
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
    columns : dict or None, default=None
        Column names of a panel, for the few users whose data need them: ``"id"`` and
        ``"time"`` (default ``"unique_id"`` and ``"ds"``, the layout of Nixtla's libraries; a
        DataFrame with the id column is read as a long panel), ``"static"`` (columns holding
        one numeric value per series, such as a store's size, carried by each series' windows
        at every step) and ``"future"`` (covariate columns known in advance: calendar
        features, planned prices; names, or positions for numpy input; the network also reads
        them over the horizon, so ``predict`` needs their future values, ``X_future``, and
        with ``target=None`` they are not targets). E.g. ``{"id": "store", "time": "date",
        "future": ["promo"]}``.
    network : LSTMNetwork, HybridNetwork, Ensemble or None, default=None
        The network: :class:`~tsforecast.LSTMNetwork` (hidden size, layers, head, per-window
        normalisation), :class:`~tsforecast.HybridNetwork` (per-series exponential smoothing
        with one LSTM) or an :class:`~tsforecast.Ensemble` of either. None chooses from the
        data, with ``scaler`` and ``loss`` left at "auto": see ``model_`` and the user guide.
        Tune settings as ``network__hidden_size`` with an explicit network.
    scaler : {"auto", "standard", "minmax", "naive", "none"} or None, default="auto"
        Per-series, per-column scaling, fitted on each series' training rows only and inverted
        on output. A series new to the model is scaled on its own context. "naive" divides
        each target by its mean absolute change over ``season_`` steps (after the seasonal
        adjustment; at least 1% of its standard deviation): the in-sample error of the
        seasonal naive forecast, so that the training loss weighs each series as MASE does.
        It centres on the mean and scales covariates as "standard" does.
    season : int, "auto" or None, default="auto"
        Seasonal period, used by ``window=None`` and ``seasonal_skip``. "auto" infers it from
        the index frequency (12 monthly, 4 quarterly, 52 weekly, 7 daily, 5 business-daily,
        24 hourly, else 1, and 1 for numpy input); None means 1.
    deseasonalize : {"auto", True, False}, default="auto"
        Remove each target's seasonal pattern (period ``season_``) before training and put it
        back on the forecasts: classical decomposition, multiplicative for positive series and
        additive otherwise, averaged over the last 5 seasons of the rows; "auto" and True
        for every series of at least 2 seasons, False never. It needs ``season_ > 1`` and
        an index that places rows in time (Period, regular Datetime, or integer labels with
        a constant step, so that contexts can be placed in the season); "auto" skips it
        otherwise (and below 2 seasons of rows), True raises. Contexts passed to predict,
        predict_rolling and score then need an index on the same grid (type, time zone,
        frequency).
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
    smoothing : {"auto", True, False}, default="auto"
        Combine the forecast with the damped-trend exponential smoothing and Theta forecasts
        of each series' adjusted, scaled targets over its whole context: the median of the
        three for a model of one series, else the mean. "auto": without covariates, unless a
        series keeps a pattern nothing removed (see ``model_``).
    epochs : int, default=100
        Maximum passes over the training windows.
    batch_size : int, default=32
        Windows per gradient step.
    lr : float, default=3e-3
        Adam learning rate.
    loss : {"auto", "mse", "mae", "huber"}, default="auto"
        Training loss on the scaled values: mean squared error, mean absolute error (matches
        MAE/MASE), or Huber (squared below 1, absolute above). Not used with ``quantiles``.
        "auto" (and ``scaler="auto"``) is chosen with the network from the data.
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
    early_stopping : bool, default=True
        Stop when the validation loss (training loss if ``validation_fraction=0``) has not
        improved for ``patience`` epochs, and keep the best epoch's weights.
    patience : int, default=10
        Epochs without improvement before stopping early.
    retrain_on_all : bool, default=False
        Once early stopping has chosen the epoch, fit again on every window, the validation
        ones included, for ``best_epoch_ + 1`` epochs without validation, and forecast with
        that fit (a second fit's cost). ``history_``, ``best_epoch_`` and the conformal
        tables stay the first fit's. No effect without validation windows or early stopping,
        or when the first fit kept its initial weights; a diverged second fit is not kept.
    intervals : ConformalIntervals or None, default=None
        How the conformal intervals of :meth:`predict_interval` are calibrated; None is
        ``ConformalIntervals()``: a panel of 19 series or more on its validation windows,
        fewer series on a copy fitted without the last rows (:class:`ConformalIntervals`).
    device : str, default="auto"
        "auto" (cuda, then mps, then cpu), "cpu", "cuda", "cuda:N" or "mps".
    n_threads : int, "auto" or None, default="auto"
        torch threads (``torch.set_num_threads``) during fit, predict and score; the caller's
        setting is restored afterwards. "auto" (or None): 1 thread for small models
        (``hidden_size * batch_size`` below 65536; faster on a busy CPU), else torch's.
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
        monitored loss of the untrained network (on at most 1,024 of the monitored windows,
        evenly spaced); with ``retrain_on_all``, ``"retrain_loss"``: the training loss per
        epoch of the second fit (empty when it did not run).
    best_epoch_ : int
        Zero-based epoch whose weights the model holds (with ``retrain_on_all``, the last
        epoch of the second fit); -1 when training diverged (the best loss above twice
        ``initial_loss``) and the model kept its initial weights, with a warning.
    n_features_in_ : int
        Columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X``, when they are all strings.
    n_targets_, target_names_ : int, list or None
        Number of series forecast, and their names when the input had names.
    last_window_ : ndarray of shape (n_series_, window_, n_targets_ + n_covariates)
        The last ``window`` rows of each series (targets first), a short series padded at the
        front with its first row: ``predict()`` starts here.
    series_lengths_, last_index_ : ndarray of shape (n_series_,), pandas.Index or None
        Rows of each series at fit, and each one's last time label (None for numpy input).
    index_freq_ : pandas.DateOffset, int or None
        The time grid at fit: the frequency of a DatetimeIndex/PeriodIndex, the step of
        integer labels, or None when the labels are not on a grid (forecasts then continue
        row positions).
    output_form_ : dict
        How the fit input was laid out, so that ``predict()`` answers in the same form.
    quantiles_ : tuple of float or None
        The quantile levels the network forecasts (``quantiles`` sorted, with 0.5), or None.
    conformal_errors_, conformal_ranks_ : ndarray or None
        The calibration of the conformal intervals: sorted absolute errors of the point
        forecast on the calibration windows, per step and target, in each series' scaled units
        (relative for a model in logs; see ``ConformalIntervals.local_scale``), (n_ranks,
        horizon_, n_targets_), at most 1,000 order statistics, and their ranks (1-based).
    conformal_pooled_, conformal_pooled_ranks_, conformal_scale_ : ndarray or None
        The same errors divided by their step's scale (``conformal_scale_``, (horizon_,
        n_targets_); see ``ConformalIntervals.pooling``), pooled over the steps, and ranks.
    model_ : dict
        The network kind, scaler and loss fitted, whether ``smoothing`` is on; ``"scores"``:
        each candidate's validation error when they were chosen (None when all were given).
    level_smoothing_, seasonal_indices_ : ndarray
        A HybridNetwork's per-series smoothing coefficients (n_series_, n_targets_) and
        seasonal indices (n_series_, season_, n_targets_), as :class:`HybridNetwork` says.
    quantile_errors_, quantile_pooled_ : ndarray or None
        With trained quantiles: the conformity scores of conformalized quantile regression of
        each central pair of them (how far each actual value lay outside the pair's band,
        negative inside), per step (n_ranks, horizon_, n_targets_, n_pairs) and pooled.
    state_ : ForecasterState
        Everything above in one frozen object, which ``predict`` and its siblings read; the
        attributes above are read off it.

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
        self, *, window=None, horizon=1, target=None, columns=None, network=None, scaler="auto",
        season="auto", deseasonalize="auto", target_transform=None, smoothing="auto",
        epochs=100, batch_size=32, lr=3e-3, loss="auto", quantiles=None, gradient_clip=None,
        validation_fraction=0.1, early_stopping=True, patience=10, retrain_on_all=False,
        intervals=None, device="auto", n_threads="auto", random_state=None, verbose=0,
    ):
        self.window = window
        self.horizon = horizon
        self.target = target
        self.columns = columns
        self.network = network
        self.scaler = scaler
        self.season = season
        self.deseasonalize = deseasonalize
        self.target_transform = target_transform
        self.smoothing = smoothing
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.loss = loss
        self.quantiles = quantiles
        self.gradient_clip = gradient_clip
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.retrain_on_all = retrain_on_all
        self.intervals = intervals
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def __getattr__(self, name):
        """The public fitted attributes (``window_``, ``scaler_``, ...), read off ``state_``."""
        state = self.__dict__.get("state_")
        if state is None or name not in FITTED_ATTRIBUTES:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return FITTED_ATTRIBUTES[name](state)

    def __setattr__(self, name, value):
        if name in FITTED_ATTRIBUTES:
            raise AttributeError(
                f"{name} is read off the fitted state and cannot be set; refit, or replace "
                f"state_ (e.g. dataclasses.replace(model.state_, ...))."
            )
        super().__setattr__(name, value)

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
        settings = forecaster_settings(self.get_params(deep=False))
        panel = as_panel(X, y, target=self.target, **column_settings(self.columns))
        self.state_ = fit_forecaster(settings, panel, y is not None)
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
            The future-known columns' values over the forecast (``max(n_steps, horizon)``
            rows per series), needed when the fit had such columns. One series: a DataFrame
            indexed by the forecast's time labels (checked), or an ``(n_rows, n_future)``
            array. A panel: a long frame (id and time columns, or a (series, time)
            MultiIndex) with a row per forecast step of every series, or a dict or list.
        n_steps : int, optional
            Steps to forecast; None forecasts ``horizon``, fewer returns the first ones. More
            is **recursive**: each block of ``horizon`` forecasts is appended to the context as
            if observed and the next block forecast from there (the last ends at ``n_steps``),
            so errors compound; at most 2**23 values (series x steps x columns) per call. Past
            covariates must then be future-known columns given in ``X_future``.

        Returns
        -------
        forecast : ndarray, Series, DataFrame, dict or list
            ``n_steps`` (default ``horizon``) rows per series, labelled like the ``horizon``
            ones. One series: ``(horizon,)`` for one target, ``(horizon, n_targets)`` for several;
            pandas when the targets came as pandas, indexed by the time steps that follow.
            A panel: in the form of the input (a long frame with the id and time columns, a
            (series, time) MultiIndex, a dict or a list of per-series forecasts).
        """
        state = self._fitted_state()
        context = read_context(state, X, y)
        n_steps = check_n_steps(state, n_steps, context.n_series)
        future = future_rows(state, X_future, n_steps, context)
        forecasts = forecast_ahead(state, context, n_steps, future)
        return forecast_output(forecasts, context.form, context.ids, context.labels(n_steps))

    @with_torch_threads
    def predict_rolling(self, X, y=None, *, coverage=None, method="auto"):
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
        coverage : float or None, default=None
            If set, in (0, 1): also the central interval of this coverage at every origin, as
            :meth:`predict_interval` makes it from that origin's window (and with
            ``ConformalIntervals(adaptive=m)``, from the origins before it only).
        method : {"auto", "conformal", "quantile", "cqr"}, default="auto"
            How the interval is made, as in :meth:`predict_interval` (used with ``coverage``).

        Returns
        -------
        forecasts : ndarray, DataFrame, dict or list
            numpy: ``(n_origins, horizon)`` for one target, ``(n_origins, horizon, n_targets)``
            for several. pandas: a DataFrame indexed by the time of each forecast's first
            step, with columns ``1 .. horizon`` (steps ahead), or a (target, step) MultiIndex
            for several targets. A panel: rows indexed by (series, time) (a long input with one
            target gets them as columns), or a dict or list of per-series results.
        interval : ndarray, DataFrame, dict or list
            Only with ``coverage``, which makes the answer a pair ``(forecasts, interval)``:
            the forecasts' form with a last numpy axis (lower, upper), or pandas columns under
            a first level ``bound`` (``"lower"``, ``"upper"``), so that ``interval["lower"]``
            is laid out as ``forecasts`` (a long panel's rows indexed by (series, time)).
        """
        state = self._fitted_state()
        panel = read_panel(state, X, y)
        starts, series = origins(state, panel)
        labels = None if panel.time is None else panel.time[starts + state.window]
        if coverage is None:
            forecasts = rolling(state, panel, starts, series)
            return rolling_output(forecasts, panel.form, panel.ids, labels, series)
        levels = interval_levels(check_coverage(coverage))
        reading = interval_settings(self.intervals)
        forecasts, bands = rolling_bands(state, panel, starts, series, levels,
                                         interval_method(state, method, levels),
                                         reading["pooling"], reading["adaptive"])
        return (rolling_output(forecasts, panel.form, panel.ids, labels, series),
                rolling_band_output(bands, panel.form, panel.ids, labels, series,
                                    ["lower", "upper"]))

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
        state = self._fitted_state()
        panel = read_panel(state, X, y)
        actual, forecasts, _ = rolling_pairs(state, panel)
        n_origins = len(actual)
        if n_origins < 2:
            raise ValueError(
                f"score needs at least two forecast origins to compute R^2, but the series has "
                f"{int(panel.lengths.max())} rows and window={state.window}, "
                f"horizon={state.horizon} give {n_origins}. Pass at least "
                f"{state.window + state.horizon + 1} rows."
            )
        return r2_score(actual.reshape(n_origins, -1), forecasts.reshape(n_origins, -1),
                        sample_weight=sample_weight)

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
            finite-sample correction) of its absolute errors on the calibration windows (as
            ``ConformalIntervals.calibration`` says, or :meth:`calibrate`'s), per step, in each
            series' scaled units (relative in logs), pooled as ``ConformalIntervals.pooling`` says.
            "quantile": the trained quantiles at ``(1 -/+ coverage) / 2`` (``quantiles=``).
            "cqr" (conformalized quantile regression): those quantiles moved by the pair's
            conformity scores on the calibration windows, never past the point forecast.
            "auto": "cqr" when the model holds both levels and their scores, "quantile" when
            it holds the levels only, else "conformal" (docs/intervals.md).
        X_future : as in :meth:`predict`
            The values of the future-known columns over the horizon, for a model fitted with them.

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
        levels = interval_levels(check_coverage(coverage))
        return self._bands(X, y, X_future, levels, method, ["lower", "upper"])

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
            The values of the future-known columns over the horizon, for a model fitted with them.

        Returns
        -------
        quantiles : ndarray, DataFrame, dict or list
            As :meth:`predict_interval`, with one column per level named ``q<level>``
            (``q0.1``, ``q0.5``, ...), or a last numpy axis in the order of ``alpha``.
        """
        levels = check_levels(alpha, "alpha")
        return self._bands(X, y, X_future, levels, method, [f"q{level:g}" for level in levels])

    @with_torch_threads
    def _bands(self, X, y, X_future, levels, method, names):
        """The quantiles ``levels`` of the forecast over the horizon, named ``names``."""
        state = self._fitted_state()
        method = interval_method(state, method, levels)
        context = read_context(state, X, y)
        future = future_rows(state, X_future, state.horizon, context)
        reading = interval_settings(self.intervals)
        bands = horizon_bands(state, context, future, levels, method, reading["pooling"],
                              reading["adaptive"])
        return band_output(bands, context.form, context.ids, context.labels(state.horizon), names)

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
            for a panel of many series; for one series pass at least ``coverage / (1 -
            coverage)``, e.g. 20 for 95%: a pooled rank counts windows, not steps).
        refit : bool, default=False
            Calibrate on a copy trained without the calibration rows (see above).

        Returns
        -------
        self : LSTMForecaster
        """
        state = self._fitted_state()
        check_bool("refit", refit)
        panel = read_panel(state, X, y)
        if refit:
            settings = resolved(forecaster_settings(self.get_params(deep=False)), state)
            tables = refit_calibration(settings, state, panel, y is not None,
                                       1 if n_windows is None else n_windows)
        else:
            local = interval_settings(self.intervals)["local_scale"]
            tables = panel_calibration(state, panel, n_windows, local_scale=local)
        self.state_ = replace(state, calibration=tables)  # swapped whole
        return self

    def _fitted_state(self) -> ForecasterState:
        check_is_fitted(self)
        return self.state_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.one_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags
