"""What the advantage / actor-critic page (lessons/*/actor_critic.md) tells the student they
will see.

Section 1, GAE(λ) on the seven-state chain (defaults: critic bias 0.3, no noise, π(right) 0.6):
1. "Bias² is largest at λ = 0 ... and falls to 0 at λ = 1, while the variance rises from about
   0.01 to about 0.14."
2. "The lowest total error (the star) lies between, near λ = 0.8."
3. "Set the bias to 0 and every λ is unbiased, so λ = 0 wins on variance."
4. "A larger bias moves the best λ towards 1."
5. "Bias 0, noise 0.1: bias² stays below 0.001 while the variance at λ = 0 grows from 0.009
   to 0.08."

Section 2, REINFORCE against actor-critic on CartPole (one seed, 100 updates):
6. "The x-axis is environment steps"; REINFORCE uses "the same actor learning rate".
7. "Explained variance ... climbs within a few dozen updates" (the GAE critic's).
8. The heatmap: "V is highest near the upright, still pole and lower towards the edges", drawn
   as labelled contours whose colours span a real range of values.
9. "Watch the TD(0) critic: its explained variance climbs like the others' ... while its actor
   learns slowest."
"""
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.runner import active_runs
from tests.claims.conftest import arr, figures, trace

PAGE = "views/actor_critic.py"
APP = str(Path(__file__).resolve().parents[2] / "app.py")
UPDATES = 100


def tradeoff(app, **query) -> dict:
    at = app(PAGE, **query)
    assert not at.exception
    fig = figures(at)["fig_gae_tradeoff"]
    out = {name: arr(trace(fig, label)["y"]) for name, label in
           (("bias2", "bias²"), ("variance", "variance"), ("mse", "MSE = bias² + variance"))}
    out["lams"] = arr(trace(fig, "bias²")["x"])
    star = next(t for t in fig["data"] if t["name"].startswith("lowest MSE"))
    out["star"] = float(arr(star["x"])[0])
    return out


def test_claim_1_bias_falls_and_variance_rises_with_lambda(app):
    s = tradeoff(app)
    assert np.all(np.diff(s["bias2"]) < 0) and s["bias2"][-1] < 1e-3
    assert np.all(np.diff(s["variance"]) > 0)
    assert s["variance"][0] == pytest.approx(0.01, abs=0.005)
    assert s["variance"][-1] == pytest.approx(0.14, abs=0.02)
    assert s["bias2"][0] > s["variance"][0]  # visible: bias dominates where λ is small


def test_claim_2_the_lowest_error_lies_between(app):
    s = tradeoff(app)
    best = int(np.argmin(s["mse"]))
    assert 0 < best < len(s["lams"]) - 1
    assert s["star"] == s["lams"][best] == pytest.approx(0.8, abs=0.1)
    assert s["mse"][best] < 0.8 * min(s["mse"][0], s["mse"][-1])  # a dip one can see


def test_claim_3_an_exact_critic_is_unbiased_and_lambda_0_wins(app):
    s = tradeoff(app, gae_critic_bias="0")
    assert np.all(s["bias2"] < 0.05 * s["variance"])
    assert s["star"] == 0.0


def test_claim_4_more_bias_moves_the_best_lambda_towards_1(app):
    assert tradeoff(app, gae_critic_bias="0.1")["star"] < tradeoff(app)["star"] <= tradeoff(app, gae_critic_bias="0.5")["star"]


def test_claim_5_noise_is_variance_not_bias(app):
    exact = tradeoff(app, gae_critic_bias="0")
    noisy = tradeoff(app, gae_critic_bias="0", gae_critic_error="0.1")
    assert noisy["bias2"][0] < 1e-3
    assert exact["variance"][0] == pytest.approx(0.009, abs=0.002)
    assert noisy["variance"][0] == pytest.approx(0.08, abs=0.01)


@pytest.fixture(scope="module")
def trained():
    """The page after a 100-update run on one seed (defaults otherwise), drawn."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"ac_seeds": "1", "ac_max_updates": str(UPDATES)})
    at.run()
    at.switch_page(PAGE).run()
    at.button(key="ac_run_start").click().run()
    run = at.session_state["ac_run"]["run"]
    end = time.monotonic() + 240
    while run.active and time.monotonic() < end:
        run.poll()
        time.sleep(0.1)
    assert not run.active and run.n_seen == UPDATES, (run.status, run.message)
    at.run()
    assert not at.exception
    yield at, run
    for r in active_runs():
        r.stop()
        r.join(10)


LABELS = {"reinforce": "REINFORCE", "mc": "actor-critic, MC critic (λ = 1)",
          "td": "actor-critic, TD(0) critic (λ = 0)", "gae": "actor-critic, GAE(λ)"}


def test_claim_6_environment_steps_on_x_and_one_actor_learning_rate(trained):
    at, run = trained
    fig = figures(at)["fig_ac_returns"]
    assert fig["layout"]["xaxis"]["title"]["text"] == "env steps"
    assert np.all(run.latest["lr"] == at.session_state["ac_run"]["config"].lr)


def test_claim_7_the_gae_critic_explains_the_returns_within_dozens_of_updates(trained):
    at, _ = trained
    ev = arr(trace(figures(at)["fig_ac_ev"], LABELS["gae"])["y"])  # one point per update
    assert len(ev) == UPDATES
    assert ev[:5].mean() < 0.5 < ev[30:60].mean()  # before: ~0 (a saturated, constant critic)
    assert ev[60:].mean() > 0.5


def test_claim_8_the_value_is_highest_near_upright_and_drawn_with_a_real_range(trained):
    at, _ = trained
    fig = figures(at)["fig_ac_heatmap"]
    [contour] = fig["data"]
    assert contour["type"] == "contour" and contour["contours"]["showlabels"]
    z = arr(contour["z"])
    if z.ndim == 1:
        z = z.reshape(len(arr(contour["y"])), len(arr(contour["x"])))
    n = z.shape[0] // 2
    border = np.concatenate([z[0], z[-1], z[:, 0], z[:, -1]])
    assert z[n, n] > border.mean() + 2
    assert z[n, n] >= np.percentile(z, 75)
    assert contour["zmax"] - contour["zmin"] >= 10  # no stripes of rounding noise
    assert fig["layout"]["xaxis"]["title"]["text"] and fig["layout"]["yaxis"]["title"]["text"]


def test_claim_9_td0_critic_fits_while_its_actor_learns_slowest(trained):
    at, _ = trained
    figs = figures(at)
    returns = {v: arr(trace(figs["fig_ac_returns"], label)["y"]).mean() for v, label in LABELS.items()
               if v != "reinforce"}
    assert returns["td"] < returns["gae"] and returns["td"] < returns["mc"]
    ev_td = arr(trace(figs["fig_ac_ev"], LABELS["td"])["y"])
    assert ev_td[len(ev_td) // 2:].mean() > 0.5
