"""Where a run peaked and collapsed is marked on its chart (issue 12 item 4): an annotation
at the peak and one at the end, in the curve's colour, only for a curve that gave back a real
part of its rise."""
import numpy as np

from ui import charts

X = np.arange(40)


def marked(y, **kwargs):
    fig = charts.lines([{"t": t, "r": v} for t, v in zip(X, y)], "t", {"run": "r"}, title="t",
                       xtitle="update", ytitle="return")
    return [(a.text, a.x, a.y) for a in charts.mark_peak_and_collapse(fig, **kwargs).layout.annotations]


def test_a_rise_then_a_fall_is_marked_at_the_peak_and_the_end():
    y = np.r_[np.linspace(10, 200, 20), np.linspace(200, 40, 20)]
    (peak, px, py), (end, ex, ey) = marked(y)
    assert (peak, end) == ("peak", "collapse")
    assert 18 <= px <= 20 and py > 180  # on the (smoothed) curve at its top
    assert ex >= 37 and ey < 60  # and at its end


def test_one_lucky_batch_is_not_a_peak():
    rng = np.random.default_rng(0)
    y = np.linspace(0, 100, 40) + rng.normal(0, 3, 40)
    y[25] = 300  # one outlier far above the trend
    assert marked(y) == []


def test_a_climb_a_plateau_and_a_small_wobble_are_not_collapses():
    assert marked(np.linspace(0, 500, 40)) == []
    assert marked(np.r_[np.linspace(0, 500, 30), np.full(10, 500.0)]) == []
    wobble = np.r_[np.linspace(0, 100, 30), [95, 98, 92, 96, 90, 94, 91, 93, 92, 90]]
    assert marked(wobble) == []  # gave back 10 % of its rise: not a collapse


def test_the_threshold_is_the_share_of_the_rise_given_back():
    y = np.r_[np.linspace(0, 100, 20), np.linspace(100, 60, 20)]  # gave back 40 %
    assert [m[0] for m in marked(y, drop=0.35)] == ["peak", "collapse"]
    assert marked(y, drop=0.5) == []


def test_bands_and_the_previous_run_are_not_marked():
    y = np.r_[np.linspace(10, 200, 20), np.linspace(200, 40, 20)]
    rec = [{"t": t, "m": v, "lo": v - 5, "hi": v + 5} for t, v in zip(X, y)]
    fig = charts.band_curve(rec, "t", "m", "lo", "hi", title="t", xtitle="update", ytitle="return",
                            mean_name="mean", band_name="band")
    ghost = charts.lines([{"t": t, "r": v} for t, v in zip(X, y)], "t", {"run": "r"}, title="t",
                         xtitle="update", ytitle="return")
    fig = charts.with_ghost(fig, ghost)
    texts = [a.text for a in charts.mark_peak_and_collapse(fig).layout.annotations]
    assert texts == ["peak", "collapse"]  # the mean line once; not its band, not the ghost
