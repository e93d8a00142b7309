"""What the baseline page's lesson says the student will see (lessons/en/baseline.md).

The bandit in closed form (section 1, default settings):
1. A baseline keeps the estimate unbiased: for b = 0, b = E[R] and b*, the mean of the sampled
   estimates in the table sits on the exact gradient (within sampling error).
2. "The table checks the closed form against the samples": the sampled variance of each
   baseline matches its closed form.
3. V(b) "is a parabola in b. Its lowest point is not quite E[R] but b*": the drawn curve is
   lowest at the b* mark, and E[R] lies elsewhere on it.
4. "b = E[R] is usually close to b*": its variance is far nearer V(b*) than V(0) is.
5. "The right chart shows the same draws with b = 0 and with b*: the same centre (the exact
   gradient, the star), a much tighter cloud."
6. "Adding a constant c to every reward ... without a baseline V(0) grows like c²; with
   b = E[R] the shift cancels exactly and the variance stays flat" (the shift chart): the shift
   moves the no-baseline variance only.
7. "Move c and watch the run without a baseline slow down and spread out": at a shift of
   c = 10 the run without a baseline ends lower and more spread over seeds than with the
   average-reward baseline, and lower than itself at c = 0.

CartPole (section 2, defaults with a short budget):
8. The variance meter: the variance left by each baseline (batch mean, learned V) is below the
   no-baseline variance of the same episodes — on average over the run, and for every seed.
9. The meter draws the no-baseline estimator as the line at 1 and each seed as dots, named in
   the legend.
10. "A learned V starts untrained: over its first few updates it can even add variance (a dot
   above 1)": some seed's learned-V dot is above 1 in the first updates, none later.
"""

import numpy as np
import pytest

from tests.claims.conftest import finished_run, flat as array, figures, trace

PAGE = "views/baseline.py"


def table(at):
    return at.dataframe[0].value.set_index("baseline")


def test_claim_1_every_baseline_is_unbiased(app):
    at = app(PAGE)
    t = table(at)
    samples = at.number_input(key="bl_samples").value
    # each coordinate's standard error is at most sqrt(trace of the covariance / samples)
    error_bound = 4 * np.sqrt(t["variance, closed form"] / samples)
    assert np.all(t["largest |mean − ∇J|"] < error_bound)


def test_claim_2_sampled_variance_matches_the_closed_form(app):
    at = app(PAGE)
    t = table(at)
    sampled = [c for c in t.columns if c.endswith("samples")][0]
    np.testing.assert_allclose(t[sampled], t["variance, closed form"], rtol=0.05)


def parabola(at):
    fig = figures(at)["fig_parabola"]
    curve = trace(fig, "V(b), closed form")
    marks = {name: (array(trace(fig, name)["x"])[0], array(trace(fig, name)["y"])[0])
             for name in ("b = 0", "b = E[R]", "b*")}
    return array(curve["x"]), array(curve["y"]), marks


def test_claim_3_the_variance_is_a_parabola_lowest_at_b_star(app):
    at = app(PAGE)
    bs, v, marks = parabola(at)
    step = bs[1] - bs[0]
    assert abs(bs[np.argmin(v)] - marks["b*"][0]) <= step
    assert marks["b*"][1] <= v.min() + 1e-9
    second = np.diff(v, 2)
    np.testing.assert_allclose(second, second[0], rtol=1e-6)  # a parabola: constant curvature
    assert second[0] > 0
    assert abs(marks["b = E[R]"][0] - marks["b*"][0]) > step  # not quite E[R]


def test_claim_4_b_equal_mean_reward_is_close_to_b_star(app):
    at = app(PAGE)
    _, _, marks = parabola(at)
    v0, vmean, vstar = marks["b = 0"][1], marks["b = E[R]"][1], marks["b*"][1]
    assert vmean - vstar < 0.1 * (v0 - vstar)


def test_claim_5_same_centre_much_tighter_cloud(app):
    at = app(PAGE)
    fig = figures(at)["fig_clouds"]
    star = np.array([array(trace(fig, "exact ∇J")[k])[0] for k in ("x", "y")])
    clouds = {name: np.stack([array(trace(fig, name)[k]) for k in ("x", "y")], axis=1)
              for name in ("b = 0", "b*")}
    for points in clouds.values():
        standard_error = points.std(axis=0, ddof=1) / np.sqrt(len(points))
        assert np.all(np.abs(points.mean(axis=0) - star) < 4 * standard_error)
    spread = {name: points.var(axis=0).sum() for name, points in clouds.items()}
    assert spread["b*"] < spread["b = 0"] / 3


def test_claim_6_the_shift_moves_the_no_baseline_variance_only(app):
    at = app(PAGE)
    fig = figures(at)["fig_shift"]
    none, mean = trace(fig, "no baseline (b = 0)"), trace(fig, "b = E[R]")
    c, v0, vmean = array(none["x"]), array(none["y"]), array(mean["y"])
    np.testing.assert_allclose(vmean, vmean[0], rtol=1e-9)  # flat
    coeffs = np.polyfit(c, v0, 2)
    np.testing.assert_allclose(np.polyval(coeffs, c), v0, rtol=1e-6, atol=1e-9)  # grows like c²
    assert coeffs[0] > 0 and v0[-1] > 100 * vmean[-1]


def learning(at):
    fig = figures(at)["fig_learning"]
    lines = [t for t in fig["data"] if t.get("name")]
    return {t["name"]: array(t["y"]) for t in lines}, fig


def test_claim_7_a_shift_slows_and_spreads_the_run_without_a_baseline(app):
    at = app(PAGE)
    before, _ = learning(at)
    at.slider(key="bl_shift").set_value(10.0).run()
    after, fig = learning(at)
    assert after["no baseline"][-1] < after["average-reward baseline"][-1] - 0.3
    assert after["no baseline"][-1] < before["no baseline"][-1] - 0.3
    bands = [t for t in fig["data"] if t.get("fill") == "toself"]
    widths = {}
    for band, name in zip(bands, ("no baseline", "average-reward baseline")):
        y = array(band["y"])
        n = len(y) // 2
        widths[name] = (y[:n] - y[n:][::-1])[-1]  # max − min over seeds at the last update
    assert widths["no baseline"] > 5 * widths["average-reward baseline"]


UPDATES = 15  # a short budget; every other setting is the page's default (3 seeds, 8 episodes)
SEEDS = 3


@pytest.fixture(scope="module")
def meter():
    """The variance meter after a run of UPDATES updates at the page's defaults."""
    with finished_run(PAGE, "bl_run", 240, cp_max_updates=str(UPDATES)) as at:
        yield figures(at)["fig_variance"]


def test_claims_8_and_9_the_meter_shows_what_a_baseline_buys(meter):
    fig = meter
    names = [t["name"] for t in fig["data"]]
    assert "no baseline (1 by definition)" in names
    reference = trace(fig, "no baseline (1 by definition)")
    assert set(array(reference["y"])) == {1.0}
    for label in ("batch-mean return", "learned V(s)"):
        mean = array(trace(fig, f"{label}: mean over seeds")["y"])
        dots = trace(fig, f"{label}: each seed")
        assert len(mean) == UPDATES and len(array(dots["y"])) == UPDATES * SEEDS
        assert np.mean(mean) < 0.8, (label, mean)
        per_seed = array(dots["y"]).reshape(UPDATES, SEEDS).mean(axis=0)
        assert np.all(per_seed < 1), (label, per_seed)


def test_claim_10_an_untrained_critic_can_add_variance_at_first(meter):
    dots = array(trace(meter, "learned V(s): each seed")["y"]).reshape(UPDATES, SEEDS)
    assert dots[:8].max() > 1
    assert dots[-5:].max() < 1
