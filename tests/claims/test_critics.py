"""What the critics page (lessons/*/critics.md) tells the student they will see, at its defaults
(100 runs of 100 episodes, MC α = 0.02, TD α = 0.05, V starts at 0.5).

Section 1, the random walk, live:
1. "The true values are 1/6, 2/6, ..., 5/6" (the dashed line) and "both learners start at
   V = 0.5".
2. "Watch run 1's estimates chase the dashed line": after the episodes they are closer to it.
3. "The RMS error averaged over the N runs: TD usually gets lower, sooner."
4. "Batch updating ... batch TD [converges] to the values of the Markov model the data
   suggests, and the latter is the better guess here": batch TD's error is below batch MC's.

Section 2, every α of Example 6.2:
5. "After 100 episodes TD(0) with α = 0.05 is near 0.035, below every MC curve."
6. "A large α learns fast and then jitters; a small one is smooth and slow."

Section 3, n-step TD on the 19-state walk:
7. "The error after the first 10 episodes, against α, is lowest for an intermediate n."
"""

import numpy as np

from tests.claims.conftest import arr, figures, trace, wait_for_end

PAGE = "views/critics.py"


def live(app, **query):
    at = app(PAGE, **query)
    at.button(key="cr_run_start").click().run()
    run = at.session_state["cr_run"]["run"]
    wait_for_end(run, timeout=120)
    at.run()
    assert not at.exception
    return at, run


def test_claims_1_to_3_live_mc_against_td(app):
    at, run = live(app)
    figs = figures(at)
    values = figs["fig_cr_values"]
    truth = arr(trace(values, "true V")["y"])
    np.testing.assert_allclose(truth, np.arange(1, 6) / 6)
    first = run.poll()[0]
    assert first["episode"] == 0
    np.testing.assert_array_equal(first["v_mc"], 0.5)
    np.testing.assert_array_equal(first["v_td"], 0.5)
    # 2. run 1's estimates (the chart after the last episode) are nearer the dashed line
    for name in ("MC", "TD(0)"):
        v = arr(trace(values, name)["y"])
        assert np.sqrt(np.mean((v - truth) ** 2)) < 0.5 * np.sqrt(np.mean((0.5 - truth) ** 2))
    # 3. TD's mean error is lower, sooner: below MC's at most episodes, and at the end
    rms = figs["fig_cr_rms"]
    mc, td = arr(trace(rms, "MC")["y"]), arr(trace(rms, "TD(0)")["y"])
    assert len(td) == 101
    assert np.mean(td[1:] < mc[1:]) > 0.8 and td[-1] < mc[-1]


def test_claim_4_batch_td_beats_batch_mc(app):
    at, _ = live(app, cr_batch="true")
    rms = figures(at)["fig_cr_rms"]
    mc, td = arr(trace(rms, "MC")["y"]), arr(trace(rms, "TD(0)")["y"])
    assert np.all(td[20:] < mc[20:])


def alphas(app) -> dict[str, np.ndarray]:
    at = app(PAGE)
    fig = figures(at)["fig_cr_alphas"]
    return {t["name"]: arr(t["y"]) for t in fig["data"]}


def test_claim_5_td_005_near_0035_below_every_mc_curve(app):
    curves = alphas(app)
    td = curves["TD α=0.05"]
    assert abs(td[100] - 0.035) < 0.006
    assert all(td[100] < c[100] for name, c in curves.items() if name.startswith("MC"))


def test_claim_6_large_alpha_fast_then_jittery_small_alpha_smooth_and_slow(app):
    curves = alphas(app)

    def jitter(c):
        return np.abs(np.diff(c[50:])).mean()

    for family, steps in (("MC", (0.01, 0.02, 0.03, 0.04)), ("TD", (0.05, 0.1, 0.15))):
        lines = [curves[f"{family} α={a}"] for a in steps]
        early = [c[10] for c in lines]
        assert early == sorted(early, reverse=True), (family, early)  # larger α: lower early
        assert [jitter(c) for c in lines] == sorted(jitter(c) for c in lines), family
        assert lines[-1][100] > lines[0][100], family  # ... and the fastest ends above the slowest


def test_claim_7_an_intermediate_n_is_best(app):
    at = app(PAGE)
    at.button(key="cr_sweep_start").click().run()
    wait_for_end(at.session_state["cr_sweep"]["run"], timeout=120)
    at.run()
    fig = figures(at)["fig_ns_sweep"]
    best = {int(t["name"].split("= ")[1]): arr(t["y"]).min() for t in fig["data"]}
    assert sorted(best) == [2 ** k for k in range(10)]
    n_best = min(best, key=best.get)
    assert 1 < n_best < 512
    assert best[n_best] < best[1] - 0.02 and best[n_best] < best[512] - 0.02
