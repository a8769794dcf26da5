"""Prediction intervals, checked by a backtest: how often does a 90% interval hold?

Monthly electrical equipment orders (bundled with tsforecast). Four ways to get a 90%
interval from ``LSTMForecaster(horizon=12)``:

- ``validation``: conformal, ``intervals=ConformalIntervals(calibration="validation")``,
  calibrated on the errors of fit's own validation windows (few and optimistic on a series of
  200 months);
- ``refit``: conformal, ``intervals=ConformalIntervals(calibration="refit")``: fit also trains
  a copy of the model without the series' last rows and calibrates on the copy's errors over
  them (the last third, at most 20 windows: here 20);
- ``default``: conformal, the default (``calibration="auto"``) for one series: the copy's
  errors averaged, step by step and level by level, with those of the validation windows;
- ``cqr``: ``quantiles=(0.05, 0.95)`` trained on the pinball loss, then conformalized on the
  default's errors (``method="cqr"``, what ``"auto"`` picks).

Each is scored by ``model_selection.backtest`` over the last ``n_windows`` cutoffs, 6 months
apart (``refit=False``: one fit on the months before the first cutoff, every cutoff then
forecast in one batched pass, nothing after a cutoff seen by the fit or the calibration):
coverage (share of actual values inside the interval), mean width and MSIS.

What it shows: the copy alone over-covers here (98%) and gives the widest conformal
intervals; the default, the copy's errors averaged with the validation windows', holds less
with the lowest MSIS; conformalized quantiles are wider still. On the benchmark's short
series the average held within 2 points of nominal with a lower MSIS than the copy alone (see
docs/intervals.md); on your own series, check with a backtest like this one which calibration
holds its coverage.

Run: ``python examples/intervals_backtest.py`` (writes docs/images/intervals_backtest.png).
"""

from __future__ import annotations

from tsforecast import ConformalIntervals, LSTMForecaster, datasets
from tsforecast.model_selection import backtest

HORIZON, COVERAGE = 12, 0.9
VARIANTS = {
    "validation": dict(intervals=ConformalIntervals(calibration="validation")),
    "refit": dict(intervals=ConformalIntervals(calibration="refit")),
    "default": dict(),
    "cqr": dict(quantiles=(0.05, 0.95)),
}


def main(epochs: int = 100, n_windows: int = 8, seed: int = 0,
         plot: str | None = "docs/images/intervals_backtest.png") -> dict:
    """Backtest each variant; return its coverage, mean width and MSIS over the cutoffs."""
    series = datasets.load_elec_equip()
    results, last = {}, {}
    for name, options in VARIANTS.items():
        model = LSTMForecaster(horizon=HORIZON, epochs=epochs, random_state=seed, **options)
        result = backtest(model, series, n_windows=n_windows, step=6, coverage=COVERAGE)
        overall = result.overall
        results[name] = {"coverage": float(overall["coverage"]),
                         "width": float(overall["width"]), "msis": float(overall["msis"])}
        last[name] = result.forecasts[result.forecasts["window"] == n_windows - 1]
    if plot:
        _plot(series, last, plot)
    return results


def _plot(series, last: dict, path: str) -> None:
    """The last cutoff's forecast and 90% band of each variant, against what happened."""
    import matplotlib.pyplot as plt

    from tsforecast.plotting import save_figure

    fig, axes = plt.subplots(1, len(last), figsize=(14, 3.6), sharey=True)
    recent = series.iloc[-48:]
    for ax, (name, frame) in zip(axes, last.items()):
        times = frame["time"].dt.to_timestamp() if hasattr(frame["time"], "dt") else frame["time"]
        ax.plot(recent.index.to_timestamp(), recent.to_numpy(), color="0.3", label="actual")
        ax.fill_between(times, frame["lower"], frame["upper"], color="C1", alpha=0.25,
                        label=f"{COVERAGE:.0%} interval")
        ax.plot(times, frame["forecast"], color="C1", label="forecast")
        ax.set_title(name)
        ax.set_xlabel("month")
    axes[0].set_ylabel(series.name or "value")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    for name, row in main().items():
        print(f"{name:>10}: coverage {row['coverage']:.0%}, mean width {row['width']:.1f}, "
              f"MSIS {row['msis']:.2f}")
