"""What the lesson after PPO tells the student they will see, at the page's default settings
(every budget and setting the page's own; the frontier trains seven methods, so this file
takes a few minutes).

1. Estimators: the means of k1 and k3 lie on the exact KL at every lean; k2's mean falls below
   it as the policy moves away.
2. k1 is below zero for most tokens at every lean; near the reference k3 strays least, far
   from it k3's spread is the largest.
3. Used as losses: k2's expected gradient is exactly grad KL(pi||ref)'s, k3's is grad
   KL(ref||pi)'s and not grad KL(pi||ref)'s direction, and k1's has no direction at all.
4. Group baselines, after Start: every baseline's gradient noise is below no baseline's, RLOO
   and Dr GRPO score the same, the value fitted on other samples is the quietest, and with the
   pass/fail reward some groups have no signal.
5. On the reward model's scores: under Dr GRPO a group's push grows with its scores' spread;
   under GRPO every group pushes about equally hard.
6. DPO: the implicit reward's held-out accuracy rises well above a coin's, the policy's samples
   earn more gold, and its KL to the reference grows.
7. Best-of-N with the hurried labeler's reward model: the proxy rises at every N while the gold
   rises, peaks and falls by more than two standard errors.
8. One frontier: every method ends with more gold than it started with; best-of-N ends with more
   gold than PPO with the loose leash, at less than half its KL; DPO with β = 0.5 ends with about
   PPO's gold at β = 0.5 (within 0.2) for less than half its KL; a larger β spends less KL, for
   PPO and DPO alike.
"""
import numpy as np
import pytest

from tests.claims.conftest import figures, finished_run, flat, trace

PAGE = "views/after_ppo.py"


@pytest.fixture(scope="module")
def estimators():
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at, figures(at)


def ys(fig, name):
    return np.asarray(flat(trace(fig, name)["y"]), dtype=float)


def test_claim_1_k1_and_k3_are_unbiased_k2_is_not(estimators):
    _, figs = estimators
    fig = figs["fig_kl_means"]
    exact = ys(fig, "exact KL(π ‖ π_ref)")
    assert exact[0] == 0 and exact[-1] > 0.1
    np.testing.assert_allclose(ys(fig, "mean of k1"), exact, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(ys(fig, "mean of k3"), exact, rtol=1e-3, atol=1e-6)
    k2 = ys(fig, "mean of k2")
    assert k2[-1] < 0.9 * exact[-1]


def test_claim_2_k1_goes_negative_and_k3_spreads_far_from_the_reference(estimators):
    _, figs = estimators
    fig = figs["fig_kl_spread"]
    assert (ys(fig, "P(k1 < 0) (right axis)") > 0.5).all()
    k1, k2, k3 = (ys(fig, f"std of {k}") for k in ("k1", "k2", "k3"))
    assert k3[0] < k1[0]  # the first lean after the reference
    assert k3[-1] > max(k1[-1], k2[-1])


def test_claim_3_each_estimator_as_a_loss(estimators):
    at, _ = estimators
    rows = {r["loss"]: r for r in at.dataframe[1].value.to_dict("records")}
    assert float(rows["k2"]["cos with ∇KL(π‖π_ref)"]) == pytest.approx(1, abs=1e-3)
    assert float(rows["k3"]["cos with ∇KL(π_ref‖π)"]) == pytest.approx(1, abs=1e-3)
    assert float(rows["k3"]["cos with ∇KL(π‖π_ref)"]) < 0.99
    assert rows["k1"]["cos with ∇KL(π‖π_ref)"] == "—"


@pytest.fixture(scope="module")
def noise():
    with finished_run(PAGE, "ap_noise_run", timeout=300) as at:
        yield at, figures(at)


def test_claim_4_every_baseline_lowers_the_noise(noise):
    at, figs = noise
    bars = trace(figs["fig_group_noise"], "noise ÷ signal")
    values = dict(zip(bars["y"], flat(bars["x"])))
    none = values.pop("no baseline (REINFORCE)")
    assert all(v < none for v in values.values()), values
    assert values["RLOO (leave one out)"] == pytest.approx(values["Dr GRPO (mean only)"], rel=1e-3)
    assert min(values, key=values.get) == "V(prompt) fitted on other samples (a critic)"
    silent = next(m for m in at.metric if m.label.startswith("Groups with no signal"))
    assert float(silent.value.rstrip("%")) > 0


def test_claim_5_grpo_evens_out_the_groups_push(noise):
    _, figs = noise
    fig = figs["fig_group_weights"]
    std = np.asarray(flat(trace(fig, "GRPO (÷ group std)")["x"]), dtype=float)
    grpo, dr = ys(fig, "GRPO (÷ group std)"), ys(fig, "Dr GRPO (mean only)")
    spread = std > 0
    assert np.corrcoef(std[spread], dr[spread])[0, 1] > 0.8
    assert abs(np.corrcoef(std[spread], grpo[spread])[0, 1]) < 0.5
    assert grpo[spread].max() / grpo[spread].min() < 2 < dr[spread].max() / dr[spread].min()


def test_claim_6_dpo_learns_the_preferences():
    with finished_run(PAGE, "ap_dpo_run", timeout=300) as at:
        figs = figures(at)
    held = ys(figs["fig_dpo_acc"], "held out (every few steps)")
    assert held[-1] > 0.7 and held[-1] > held[0] + 0.15
    gold = ys(figs["fig_dpo_reward"], "labeler's hidden score (gold)")
    assert gold[-1] > gold[0] + 0.5
    kl = ys(figs["fig_dpo_kl"], "KL to the reference")
    assert kl[-1] > kl[0] + 1


def test_claim_7_best_of_n_proxy_rises_gold_turns():
    with finished_run(PAGE, "ap_bon_run", timeout=600) as at:
        figs = figures(at)
        records = at.session_state["ap_bon_run"]["run"].poll()
    fig = figs["fig_bon"]
    proxy, gold = ys(fig, "reward model's score (proxy)"), ys(fig, "labeler's hidden score (gold)")
    assert (np.diff(proxy) >= 0).all() and proxy[-1] > proxy[0]
    peak = int(np.argmax(gold))
    assert 0 < peak < len(gold) - 1
    assert gold[peak] > gold[0] + 2 * records[0]["gold_se"]
    assert gold[-1] < gold[peak] - 2 * records[-1]["gold_se"]


def test_claim_8_one_frontier():
    with finished_run(PAGE, "ap_frontier_run", timeout=900) as at:
        figs = figures(at)
    fig = figs["fig_all_frontier"]
    ends = {}
    for t in fig["data"]:
        kl, gold = flat(t["x"]), flat(t["y"])
        assert gold[-1] > gold[0], t["name"]
        ends[t["name"]] = (kl[-1], gold[-1])
    assert ends["best-of-N"][1] > ends["PPO β=0.05"][1] and ends["best-of-N"][0] < ends["PPO β=0.05"][0] / 2
    assert ends["DPO β=0.5"][1] > ends["PPO β=0.5"][1] - 0.2 and ends["DPO β=0.5"][0] < ends["PPO β=0.5"][0] / 2
    assert ends["PPO β=0.5"][0] < ends["PPO β=0.05"][0] and ends["DPO β=0.5"][0] < ends["DPO β=0.1"][0]
