"""What the importance-sampling page (lessons/*/off_policy.md) tells the student they will see.

Section 1, p = N(0, 1) and q = N(1, 1) by default:
1. "E_q[w²] ... is e for p = N(0,1), q = N(1,1)": the table's closed form reads 2.7183 and the
   samples agree.
2. The effective sample size "tends to n / E_q[w²]": the sampled ESS / n is near 1/e.
3. E_q[w²] "is infinite when 2σq² ≤ σp²": with σq = 0.7 the page warns and the table reads inf.
4. "Make q narrow and watch the running estimate jump": with σq = 0.5 the ordinary running
   estimate jumps further late in the run than at the default σq.
5. The self-normalised estimate "is slightly biased but usually steadier": at the defaults it
   stays closer to the truth than the ordinary one.

Section 2, two policies drifting apart:
6. "Right after collecting, π = π_old and every ratio is 1": at KL 0 ESS / n is 1 and the old
   batch's variance equals the fresh batch's.
7. "The ratios spread and the effective sample size falls (top panel)": ESS / n falls at every
   step of KL; the ratios at KL 1 span a wider range than at KL 0.1.
8. "The variance of one weighted sample rises with the drift, while one sample of a fresh batch
   of π would get quieter" (bottom panel).
9. "The largest ratios sit on the actions π now prefers, here the best-paid ones."
10. Every axis says what it shows: the ratio chart's right axis is the ratio, the drift chart's
    panels are ESS / n and variance against KL.

Section 2, the surrogate:
11. "The table checks it with autograd": both columns agree.

Section 3, reuse on CartPole:
12. "Push K ... and the KL grows, the ratios spread": after the same first batches, the KL and the
    ratio spread grow with K = 1, 4, 16.
"""

import numpy as np
import pytest

from tests.claims.conftest import arr, figures, trace, wait_for_end

PAGE = "views/off_policy.py"


@pytest.fixture
def page(app):
    return app(PAGE)


def table(at):
    return at.dataframe[0].value


def test_claim_1_second_moment_is_e_at_the_defaults(page):
    row = table(page).iloc[1]
    assert row.iloc[1] == "2.7183"
    assert abs(float(row.iloc[2]) - np.e) < 0.3


def test_claim_2_ess_fraction_tends_to_one_over_the_second_moment(page):
    row = table(page).iloc[3]
    assert float(row.iloc[1]) == pytest.approx(1 / np.e, abs=1e-4)
    assert float(row.iloc[2]) == pytest.approx(1 / np.e, rel=0.1)


def test_claim_3_infinite_when_q_is_too_narrow(app):
    at = app(PAGE, is_sigma_q="0.7")
    assert any("infinite" in w.value for w in at.warning)
    assert table(at).iloc[1, 1] == "inf"


def late_jump(at) -> float:
    ordinary = trace(figures(at)["fig_is_running"], "ordinary IS")
    x, y = arr(ordinary["x"]), arr(ordinary["y"])
    late = x >= x.max() / 2
    return float(np.abs(np.diff(y[late])).max())


def test_claim_4_a_narrow_q_makes_the_running_estimate_jump(app, page):
    narrow = app(PAGE, is_sigma_q="0.5")
    assert late_jump(narrow) > 1.5 * late_jump(page)


def test_claim_5_self_normalised_is_steadier_at_the_defaults(page):
    fig = figures(page)["fig_is_running"]
    truth = [s for s in fig["layout"]["shapes"] if s["type"] == "line"][0]["y0"]
    errors = {}
    for name in ("ordinary IS", "self-normalised IS"):
        t = trace(fig, name)
        x, y = arr(t["x"]), arr(t["y"])
        errors[name] = np.mean((y[x >= 100] - truth) ** 2)
    assert errors["self-normalised IS"] < errors["ordinary IS"]


def drift(at):
    fig = figures(at)["fig_drift_curves"]
    ess = trace(fig, "ESS / n")
    old = next(t for t in fig["data"] if t["name"].startswith("Var(w·r)"))
    fresh = next(t for t in fig["data"] if t["name"].startswith("Var(r)"))
    return fig, arr(ess["x"]), arr(ess["y"]), arr(old["y"]), arr(fresh["y"])


def test_claim_6_no_drift_no_cost(page):
    _, kls, ess, old, fresh = drift(page)
    assert kls[0] == 0 and ess[0] == pytest.approx(1.0) and old[0] == pytest.approx(fresh[0])


def ratios(at):
    return arr(trace(figures(at)["fig_drift_ratio"], "ratio π/π_old")["y"])


def test_claim_7_ess_falls_and_the_ratios_spread(app, page):
    _, kls, ess, _, _ = drift(page)
    assert np.all(np.diff(ess) < 0) and ess[-1] < 0.5
    near, far = ratios(page), ratios(app(PAGE, drift_kl="1"))
    assert np.ptp(np.log(far)) > 2 * np.ptp(np.log(near))


def test_claim_8_the_weighted_estimates_variance_rises_a_fresh_batchs_falls(page):
    _, kls, _, old, fresh = drift(page)
    assert np.all(np.diff(old) > 0) and old[-1] > 10 * old[0]
    assert fresh[-1] < fresh[0] and np.all(old[1:] > fresh[1:])


def test_claim_9_the_largest_ratios_sit_on_the_best_paid_actions(app):
    at = app(PAGE, drift_kl="1")
    fig = figures(at)["fig_drift_ratio"]
    pi_old = arr(trace(fig, "π_old")["y"])
    r = ratios(at)
    rewards = np.linspace(0, 1, len(r))  # the page's bandit pays 0, 0.2, ..., 1
    assert rewards[np.argmax(r)] == rewards.max()  # the heaviest weight: the best-paid action
    assert rewards[np.argmin(r)] < pi_old @ rewards  # the lightest: a worse-than-average one


def titled(axis: dict) -> str:
    title = axis.get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


def test_claim_10_every_axis_says_what_it_shows(page):
    figs = figures(page)
    ratio = figs["fig_drift_ratio"]["layout"]
    assert "ratio" in titled(ratio["yaxis2"]) and titled(ratio["yaxis"]) == "probability"
    curves = figs["fig_drift_curves"]["layout"]
    assert titled(curves["yaxis"]) == "ESS / n"
    assert "variance" in titled(curves["yaxis2"]) and curves["yaxis2"]["type"] == "log"
    assert "KL" in titled(curves["xaxis2"])
    for key, fig in figs.items():
        for name, axis in fig["layout"].items():
            if name.startswith("yaxis") or (name.startswith("xaxis") and key != "fig_drift_curves"):
                assert titled(axis), f"{key}: {name} has no title"


def test_claim_11_autograd_agrees_with_the_ratio_weighted_score(page):
    caption = next(c.value for c in page.caption if "largest difference" in c.value)
    assert float(caption.split("largest difference ")[1].rstrip(".")) < 1e-9


def test_claim_12_more_reuse_moves_further_and_spreads_the_ratios(app):
    at = app(PAGE, op_seeds="2", op_max_updates="3")
    at.button(key="op_run_start").click().run()
    wait_for_end(at.session_state["op_run"]["run"], timeout=120)
    at.run()
    figs = figures(at)
    for key in ("fig_op_kl", "fig_op_ratio"):
        means = [np.mean(arr(trace(figs[key], f"K = {k}")["y"])) for k in (1, 4, 16)]
        assert means[0] < means[1] < means[2], (key, means)
