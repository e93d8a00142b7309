"""What the policy-gradient page's lesson says the student will see (lessons/en/policy_gradient.md).

Bandit (section 1, default settings):
1. "An arm better than average is pushed up, a worse one down": each bar of the exact
   gradient has the sign of r_i − J, with π read from the probability chart and r from its legend.
2. "Each such estimate is noisy, but their mean is the exact gradient (compare the dots with
   the bars)": the mean of the 200 sampled estimates sits on every bar, within sampling error,
   while single estimates stray far from it.
3. With the default rewards REINFORCE learns the best arm: its probability rises to most of
   the mass over the run.
4. "Make every reward positive": whichever arm is sampled is pushed up and the others down, so
   the best arm is pushed *down* on updates in which it was not drawn — the chart shows its
   probability falling and the metric counts those updates.
5. "...with a small batch and a large step it can lose probability for a long time": with
   every reward positive (default shift) the best arm ends the run below where it started.
6. A legend tells the arms apart: every arm's reward is written with the digits that
   distinguish it (issue 10 item 7: "r=16" three times with a shift of 15).

REINFORCE on CartPole (section 2, defaults with a short budget):
7. "REINFORCE usually makes [the entropy] fall as the policy commits": the entropy chart ends
   lower than it starts.
8. "Reward-to-go ... the same expected gradient, less noise. Toggle it and compare": with it on
   the return climbs faster than with it off, on the same seed.
9. "Change the learning rate during a run — it takes effect at the next update": tested for
   every page in tests/pages/test_live_knobs.py (the record's lr and the chart's mark).
10. "A run [can reach] 500 and then fall back: the estimate is noisy": the default run does,
   within its first 40 updates.
"""
import re

import numpy as np

from tests.claims.conftest import flat as array, figures, trace, wait_for_end

PAGE = "views/policy_gradient.py"


def bandit(at):
    """π per update (from the paths chart), the rewards (from its legend) and the cloud chart."""
    figs = figures(at)
    paths = [t for t in figs["fig_bandit_paths"]["data"] if t.get("name", "").startswith("arm ")]
    probs = np.stack([array(t["y"]) for t in paths], axis=1)
    rewards = np.array([float(re.search(r"r=([-\d.e+]+)\)", t["name"]).group(1)) for t in paths])
    return probs, rewards, figs["fig_bandit_cloud"]


def inspected(at) -> int:
    return at.slider(key="bandit_t").value


def test_claim_1_arms_better_than_average_are_pushed_up(app):
    at = app(PAGE)
    probs, rewards, cloud = bandit(at)
    for t in (0, inspected(at)):
        at.slider(key="bandit_t").set_value(t).run()
        _, _, cloud = bandit(at)
        exact = array(trace(cloud, "exact ∇J")["y"])
        J = probs[t] @ rewards
        assert np.all(np.sign(exact) == np.sign(rewards - J)), (t, exact, rewards - J)


def test_claim_2_the_mean_of_the_samples_is_the_exact_gradient(app):
    at = app(PAGE)
    _, _, cloud = bandit(at)
    exact = array(trace(cloud, "exact ∇J")["y"])
    mean = array(trace(cloud, "mean of estimates")["y"])
    dots = array(trace(cloud, "sampled estimates")["y"]).reshape(-1, len(exact))
    standard_error = dots.std(axis=0, ddof=1) / np.sqrt(len(dots))
    assert np.all(np.abs(mean - exact) <= 4 * standard_error + 1e-12)
    # the single estimates are noisy: most of them are further from the bar than the mean is
    assert np.median(np.abs(dots - exact).max(axis=1)) > 5 * np.abs(mean - exact).max()


def test_claim_3_with_the_default_rewards_the_best_arm_is_learned(app):
    at = app(PAGE)
    probs, rewards, _ = bandit(at)
    best = int(np.argmax(rewards))
    assert probs[-1, best] > 0.5 > probs[0, best]


def test_claim_4_positive_rewards_push_the_unsampled_best_arm_down(app):
    at = app(PAGE)
    at.toggle(key="bandit_all_positive").set_value(True).run()
    probs, rewards, _ = bandit(at)
    assert rewards.min() > 0
    best = int(np.argmax(rewards))
    assert (np.diff(probs[:, best]) < 0).sum() > 0
    metric = next(m for m in at.metric if m.label.startswith("…when it was not sampled"))
    assert int(metric.value) > 0
    # without the shift (the default rewards) the best arm never loses probability at all
    at.toggle(key="bandit_all_positive").set_value(False).run()
    probs, rewards, _ = bandit(at)
    assert (np.diff(probs[:, int(np.argmax(rewards))]) < 0).sum() == 0


def test_claim_5_with_every_reward_positive_the_best_arm_loses_for_long(app):
    at = app(PAGE, bandit_all_positive="true")
    probs, rewards, _ = bandit(at)
    best = int(np.argmax(rewards))
    assert probs[-1, best] < probs[0, best]
    assert np.mean(np.diff(probs[:, best]) < 0) > 0.5  # it fell on most updates


def test_claim_6_the_legend_tells_every_reward_apart(app):
    at = app(PAGE, bandit_all_positive="true", bandit_shift="15")
    _, rewards, _ = bandit(at)
    assert len(set(rewards)) == len(rewards)
    np.testing.assert_allclose(rewards, [15.0, 15.5, 16.0, 16.5])


def run_to_end(app, **query):
    at = app(PAGE, pg_max_updates="20", **query)
    at.button(key="pg_run_start").click().run()
    wait_for_end(at.session_state["pg_run"]["run"], timeout=240)
    at.run()
    return figures(at)


def test_claims_7_and_8_entropy_falls_and_reward_to_go_learns_faster(app):
    on = run_to_end(app)
    entropy = array(trace(on["fig_pg_entropy"], "entropy")["y"])
    assert len(entropy) == 20 and entropy[-5:].mean() < entropy[0] - 0.05
    off = run_to_end(app, pg_reward_to_go="false")
    last20 = {name: array(trace(figs["fig_pg_returns"], "mean of last 20 episodes")["y"])
              for name, figs in (("on", on), ("off", off))}
    assert last20["on"][-1] > 2 * last20["off"][-1], {k: v[-1] for k, v in last20.items()}


def test_claim_10_a_run_can_reach_500_and_fall_back(app):
    at = app(PAGE, pg_max_updates="40")
    at.button(key="pg_run_start").click().run()
    wait_for_end(at.session_state["pg_run"]["run"], timeout=240)
    at.run()
    batch = array(trace(figures(at)["fig_pg_returns"], "batch mean")["y"])
    peak = int(np.argmax(batch))
    assert batch[peak] >= 450
    assert batch[peak:].min() < 0.6 * batch[peak]
