"""How a forecaster calibrates its conformal intervals, as a parameter object:
``LSTMForecaster(intervals=ConformalIntervals(...))``.

The forecaster itself answers ``predict_interval`` and ``predict_quantiles``; this object only
says which forecast errors calibrate them and how they are read, so that the choice can be
tuned and saved like any other parameter.
"""

from __future__ import annotations

from ._settings import Settings
from ._validation import check_auto_bool, check_float, check_int

__all__ = ["ConformalIntervals"]

CALIBRATIONS = ("auto", "refit", "validation")


class ConformalIntervals(Settings):
    """Conformal prediction intervals from forecast errors on windows the model did not train on.

    Parameters
    ----------
    calibration : {"auto", "refit", "validation"}, default="auto"
        Which forecast errors calibrate the conformal intervals (and ``method="cqr"``).
        "refit": fit then trains a copy of the model (same parameters and window, for the
        epochs early stopping kept, ``best_epoch_ + 1``) on each series without its last
        ``k + horizon - 1`` rows and keeps its errors on the ``k`` windows that forecast them,
        as ``calibrate(refit=True)`` does: every error is a forecast beyond the data its
        model saw, as ``predict()`` makes. ``k`` is 1 for a panel of 19 series or more
        (enough errors for a 95% interval), else the windows of the last third of the median
        series, at least 1 and at most 20 (enough for a 95% interval; on a long series the
        windows nearest the end of the copy's data, where its errors are those of a forecast
        from the end of its training, as ``predict()``'s are); a panel of more than 100
        series trains the copy on 100 of them, evenly spaced (as the choice of its model).
        Series too short to hold those rows out are left out of it, with a warning; when none
        can, the validation windows calibrate, with a warning.
        "validation": the errors of fit's validation windows (see ``fraction``): free, but few
        on a short series and optimistic, so its intervals hold less than asked.
        "auto": for a panel of 19 series or more, "validation" (its hundreds of validation
        errors, each scaled by its window's spread, see ``local_scale``, held near nominal
        on the benchmark's panels, docs/intervals.md); otherwise the copy of "refit" where
        the series allow one (a fit then costs about 1.4x as much), its errors averaged with
        those of the validation windows: at each step, the copy's ``i``-th smallest error
        with the validation errors' quantile at the same level ``i / (k + 1)`` (the mean of
        the two quantile functions; the copy alone where the fit held no validation window).
        The copy, trained on fewer rows, tends to miss by more than the model, the
        validation windows, which early stopping watched, by less; on the benchmark's series
        their mean held within 2 points of nominal with a lower interval score than the
        copy alone (docs/intervals.md). Where no copy fits, the validation windows alone,
        silently; without validation windows, the errors of a naive forecast (each training
        window's last value; ``predict_interval`` then warns how the interval was made): an
        interval is never refused. Pass "validation" for one series to fit without the copy
        (narrower intervals that hold less), "refit" for the copy's errors alone (wider).
    fraction : float, default=0.0
        Share of each series' validation windows, the last in time, kept away from early
        stopping and used only for the conformal errors, so that those errors come from
        windows that chose nothing. Each series keeps at least one window for early stopping;
        0 calibrates on every validation window, the same windows early stopping watched
        (optimistic errors, but more of them); when no series can spare a window, calibration
        falls back to that.
    pooling : {"auto", True, False}, default="auto"
        How the errors of the ``n`` calibration windows are read at each horizon step.
        False: each step's own errors (the ``ceil((n + 1) * coverage)``-th smallest). True:
        the errors of every step, each divided by its step's scale, pooled into ``n *
        horizon`` errors whose quantile is scaled back by each step's scale; the
        finite-sample rank counts windows, not steps (the steps of one window are not
        independent): the share ``ceil((n + 1) * coverage) / n`` of the pooled errors. A
        step's scale (``conformal_scale_``) is its mean absolute error shrunk towards errors
        growing with the root of the step, as if that shape had been seen on 5 windows, so
        that one or two windows do not set each step's width alone. "auto": per step when
        the ``n`` windows are enough for the coverage (``n >= coverage / (1 - coverage)``,
        e.g. 19 at 95%), else pooled, never less than the step's own largest error. Where
        even the pooled windows are too few, the pooled radius is the larger of their
        largest error and the tail their errors extrapolate to (the quantile of the
        predictive distribution of an exponential error of unknown mean, as if the ``n *
        horizon`` errors were independent), with a warning that the coverage is not
        guaranteed. Read at predict, so it can be changed on a fitted model.
    adaptive : int or None, default=None
        An int ``m >= 1`` widens the intervals of ``method="conformal"`` and ``"cqr"`` (pooled
        or not) where the network has lately been missing by more than on its calibration
        windows: at every origin, each series and target, the distance from the point
        forecast to each bound is multiplied by ``max(1, r)``, ``r`` the mean absolute error
        of the network's step-1 forecasts from that series' last ``m`` origins whose step-1
        value is observed before the origin (network units), divided by the calibration's
        mean absolute step-1 error (``conformal_scale_[0]``). For ``predict_interval`` and
        ``predict_quantiles`` those origins lie inside the context ``X``, so it needs at least
        ``window_ + 1`` rows (without ``X`` the stored last windows hold none, and the factor
        is 1); ``predict_rolling`` and ``model_selection.backtest`` use, at each origin, only
        the origins before it. Fewer than ``m`` past origins: those there are; none: 1.
        Use it after a level or variance shift that the calibration windows do not hold (the
        intervals then cover far less than asked); it only widens, never narrows, and leaves
        ``method="quantile"`` alone. Its cost is one more batched forward pass, over the
        one-step origins read. None: no widening. Read at predict, like ``pooling``.
    local_scale : {"auto", True, False}, default="auto"
        Whether each calibration error is divided by how much its window's values move (the
        median absolute one-step change of the window's targets, in the series' scaled
        units; at least a tenth of the calibration windows' median), and each interval's
        radius multiplied by that of the window it forecasts from. The intervals then widen
        after a lively stretch and narrow after a calm one, and the errors of many series
        pool fairly; the median lets one jump in a window change little. False: errors in
        the series' scaled units, one width per step for every window of a series. Windows
        of fewer than 3 rows are not scaled. "auto": True for a panel of several series,
        False for one series (whose windows share one scale already; on the benchmark's
        single series the window's own spread made the intervals hold less). Read at fit
        and ``calibrate``.

    Notes
    -----
    At every step of every series, and with every ``pooling``, the bound of a level depends
    only on the level and the calibration: quantiles never decrease with the level and the
    central intervals are nested, within one ``predict_quantiles`` call and between calls
    (``predict_interval`` at 90% lies inside the one at 95%). For ``method="cqr"`` each
    trained pair is widened to hold the intervals of the trained pairs inside it, with the
    same guarantees; an interval is never narrower than its conformalized band, so the
    coverage guarantee of conformalized quantile regression holds.

    Examples
    --------
    >>> from tsforecast import ConformalIntervals, LSTMForecaster
    >>> model = LSTMForecaster(horizon=6, intervals=ConformalIntervals(calibration="refit"))
    """

    def __init__(self, calibration="auto", fraction=0.0, pooling="auto", adaptive=None,
                 local_scale="auto"):
        self.calibration = calibration
        self.fraction = fraction
        self.pooling = pooling
        self.adaptive = adaptive
        self.local_scale = local_scale


def interval_settings(intervals) -> dict:
    """The checked settings of ``intervals`` (None: the default ConformalIntervals())."""
    if intervals is None:
        intervals = ConformalIntervals()
    if not isinstance(intervals, ConformalIntervals):
        raise TypeError(
            f"intervals must be a ConformalIntervals (e.g. ConformalIntervals("
            f"calibration='refit')) or None; got {type(intervals).__name__}."
        )
    settings = intervals.get_params()
    if settings["calibration"] not in CALIBRATIONS:
        raise ValueError(
            f"calibration must be one of {CALIBRATIONS}; got calibration="
            f"{settings['calibration']!r}."
        )
    check_float("fraction", settings["fraction"], 0.0, 1.0)
    check_auto_bool("pooling", settings["pooling"])
    if settings["adaptive"] is not None:
        check_int("adaptive", settings["adaptive"], 1)
    check_auto_bool("local_scale", settings["local_scale"])
    return settings
