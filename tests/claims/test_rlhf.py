"""What the RLHF lesson tells the student they will see, at the page's default settings (the
labeler's 1,200 pairs, the reward model's 4 epochs, the frontier's 25 updates per β: all
defaults; nothing is shortened, so this is the slowest claims file, a few minutes).

1. The reward model learns to stand in for the labeler: its held-out accuracy, drawn only once
   measured (no 0 % before the first epoch ends), ends above 90 % at the default seed, far
   above a coin's 50 %.
2. A larger β spends less KL: on the frontier, the run's final KL falls as β grows.
3. A larger β buys less proxy reward: the β = 2 run ends with a lower reward-model score than
   the β = 0 run.
4. Over-optimisation at β = 0: the proxy keeps rising while the labeler's hidden (gold) score
   first rises, then peaks and falls.
5. Where the gold stops following the proxy is where to stop: a small leash (β = 0.1) ends with
   a better gold score than no leash, at a fraction of the KL.
6. The frontier reads at a glance: one smoothed trail per β ending in a large dot, proxy and
   gold side by side against the same KL, on a log axis (so the β = 2 run's nat or two shows).
"""
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.claims.conftest import figures, flat, trace, wait_for_end
from tests.pages.conftest import APP

PAGE = "views/rlhf.py"
BETAS = (0.0, 0.1, 0.5, 2.0)


@pytest.fixture(scope="module")
def page():
    """The page walked once at its defaults: label, train the reward model, run the frontier."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(PAGE).run()
    at.button(key="rlhf_label").click().run()
    runs = []
    for key in ("rlhf_rm_run", "rlhf_frontier_run"):
        at.button(key=f"{key}_start").click().run()
        run = at.session_state[key]["run"]
        runs.append(run)
        wait_for_end(run, timeout=900)
        assert run.status == "finished", run.message
        at.run()
    assert not at.exception
    yield at, figures(at)
    for run in runs:
        run.stop()
        run.join(10)


def end(fig, name):
    return flat(trace(fig, name)["x"])[-1], flat(trace(fig, name)["y"])[-1]


def test_claim_1_the_reward_model_stands_in_for_the_labeler(page):
    at, figs = page
    held = {k: flat(v) for k, v in trace(figs["fig_rm_acc"], "held out (end of each epoch)").items()
            if k in ("x", "y")}
    train_x = flat(trace(figs["fig_rm_acc"], "train (batch)")["x"])
    assert held["x"][0] > train_x[0]  # nothing drawn before the first measurement
    assert len(held["x"]) == 4  # one measurement per epoch (4 by default), nothing in between
    assert np.all(np.isfinite(held["y"])) and held["y"].min() > 0.5
    assert held["y"][-1] >= 0.9 - 1e-6  # drawn as float32


def test_claim_2_a_larger_beta_spends_less_kl(page):
    _, figs = page
    final_kl = [end(figs["fig_frontier"], f"β = {b:g}")[0] for b in BETAS]
    assert all(a > b for a, b in zip(final_kl, final_kl[1:])), final_kl


def test_claim_3_a_larger_beta_buys_less_proxy_reward(page):
    _, figs = page
    assert end(figs["fig_frontier"], "β = 2")[1] < end(figs["fig_frontier"], "β = 0")[1]


def test_claim_4_at_beta_0_the_proxy_keeps_rising_while_the_gold_peaks_and_falls(page):
    _, figs = page
    proxy = np.array(trace(figs["fig_frontier"], "β = 0")["y"])
    gold = np.array(trace(figs["fig_frontier"], "β = 0 (gold)")["y"])
    peak = int(gold.argmax())
    assert 0 < peak < len(gold) - 1, gold  # rises, then falls
    assert gold[peak] - gold[0] >= 0.3 and gold[peak] - gold[-1] >= 0.2, gold
    assert proxy[-1] >= proxy[peak] and proxy[-1] >= proxy.max() - 0.1, proxy  # it never noticed


def test_claim_5_a_small_leash_ends_with_more_gold_for_less_kl(page):
    _, figs = page
    kl_0, gold_0 = end(figs["fig_frontier"], "β = 0 (gold)")
    kl_small, gold_small = end(figs["fig_frontier"], "β = 0.1 (gold)")
    assert gold_small > gold_0 and kl_small < kl_0 / 2


def test_claim_6_the_frontier_reads_at_a_glance(page):
    _, figs = page
    fig = figs["fig_frontier"]
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["xaxis2"]["type"] == "log"
    assert "KL" in fig["layout"]["xaxis"]["title"]["text"]
    for b in BETAS:
        proxy, gold = trace(fig, f"β = {b:g}"), trace(fig, f"β = {b:g} (gold)")
        assert proxy["x"] == gold["x"] and len(proxy["x"]) <= 25 and min(proxy["x"]) > 0
        sizes = proxy["marker"]["size"]
        assert sizes[-1] > max(sizes[:-1])  # the end of the run stands out
