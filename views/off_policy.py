"""Importance sampling and off-policy reuse: Gaussians in closed form, the ratio between two
policies as they drift apart, and reusing one batch for K gradient steps on CartPole."""
import functools
import math

import numpy as np
import streamlit as st

from core.config import Knob
from core.offpolicy import (REUSE, TEST_FUNCTIONS, ReuseConfig, apply, drift_curves,
                            drift_setup, drifted_policy, effective_sample_size,
                            estimator_variance, importance_sample, kl, ratio_moments,
                            running_estimates, second_moment, softmax, surrogate_gradients,
                            train_reuse_comparison, true_value)
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.params import config_widgets, show_url_messages, widget
from ui.run_panel import compared, live_panel, run_controls
from ui.sidebar import current_device, current_seed
from ui.scenarios import scenario_picker

PAGE = "off_policy"
RUN_KEY = "op_run"
SHOWN_SAMPLES = 400
K_LABELS = {str(k): f"K = {k}" for k in REUSE}

show_url_messages()
st.title(tr("⚖️ Importance sampling and off-policy reuse"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed = current_seed()

# ---- 1. Gaussians ------------------------------------------------------------------------------
st.header(tr("1 · Estimating under p with samples from q"))
lesson(PAGE, "gaussians")
cols = st.columns(4)
mu_p = widget(Knob("is_mu_p", 0.0, "Target mean μp", lo=-3.0, hi=3.0, step=0.1), "is_mu_p", cols[0])
s_p = widget(Knob("is_sigma_p", 1.0, "Target σp", lo=0.2, hi=3.0, step=0.05), "is_sigma_p", cols[1])
mu_q = widget(Knob("is_mu_q", 1.0, "Proposal mean μq", lo=-3.0, hi=3.0, step=0.1), "is_mu_q", cols[2])
s_q = widget(Knob("is_sigma_q", 1.0, "Proposal σq", lo=0.2, hi=3.0, step=0.05), "is_sigma_q", cols[3])
cols = st.columns(2)
n = widget(Knob("is_n", 10_000, "Samples n", "Draws from q.", lo=10, hi=100_000), "is_n", cols[0])
f = widget(Knob("is_f", "x", "Test function f", "The expectation E_p[f] to estimate.",
                choices=TEST_FUNCTIONS), "is_f", cols[1])
show_url_messages()

x, w = importance_sample(mu_p, s_p, mu_q, s_q, n, np.random.default_rng(seed))
truth = true_value(f, mu_p, s_p)
moment = second_moment(mu_p, s_p, mu_q, s_q)
variance = estimator_variance(f, mu_p, s_p, mu_q, s_q)
ordinary, normalised = running_estimates(x, w, f)
if math.isinf(moment):
    st.warning(tr(f"2σq² = {2 * s_q ** 2:.2f} ≤ σp² = {s_p ** 2:.2f}: q's tails are too thin for p, "
                  "so E_q[w²] and the variance of the estimate are **infinite**. The estimate "
                  "below still converges in theory, but it jumps whenever a rare, huge weight "
                  "arrives, and its error bars are meaningless."), icon="⚠️")

left, right = st.columns(2)
left.plotly_chart(charts.weighted_samples(mu_p, s_p, mu_q, s_q, x[:SHOWN_SAMPLES], w[:SHOWN_SAMPLES],
                                          title="p, q and samples of q sized by their weight w"),
                  key="fig_is_samples")
right.plotly_chart(charts.running_estimates(ordinary, normalised, truth,
                                            title=f"Running estimates of E_p[{f}]"),
                   key="fig_is_running")
ess = effective_sample_size(w)
st.dataframe({
    tr("quantity"): [tr("E_p[f] (truth) vs final estimates"), "E_q[w²]", tr("Var_q(w·f) (one term)"),
                     tr("ESS / n (Kish)")],
    tr("closed form"): [f"{truth:.4f}", f"{moment:.4f}", f"{variance:.4f}",
                        f"{1 / moment:.4f}" if moment > 0 else "—"],
    tr(f"from {n:,} samples"): [tr(f"ordinary {ordinary[-1]:.4f} · self-normalised {normalised[-1]:.4f}"),
                                f"{np.mean(w ** 2):.4f}", f"{np.var(w * apply(f, x)):.4f}",
                                f"{ess / n:.4f}"],
}, hide_index=True)

# ---- 2. two policies drifting apart --------------------------------------------------------------
st.header(tr("2 · The ratio π/π_old as the policies drift apart"))
lesson(PAGE, "drift")
target_kl = widget(Knob("drift_kl", 0.1, "KL(π_old ‖ π)", "How far π has moved from π_old.",
                        lo=0.0, hi=2.0, step=0.01), "drift_kl")
show_url_messages()
theta_old, direction, rewards = drift_setup(seed)
theta = drifted_policy(theta_old, direction, target_kl)
pi_old, pi = softmax(theta_old), softmax(theta)
facts = ratio_moments(pi, pi_old, rewards)


@st.cache_data(max_entries=16, show_spinner=False)
def _drift_curves(seed: int):
    return drift_curves(*drift_setup(seed), np.linspace(0.0, 2.0, 41))


m = st.columns(4)
m[0].metric("KL(π_old ‖ π)", f"{kl(pi_old, pi):.3f}")
m[1].metric("ESS / n", f"{facts['ess_fraction']:.3f}")
m[2].metric(tr("Var of w·r, old batch"), f"{facts['value_variance']:.3f}",
            help=tr("Variance of one sample's importance-weighted estimate of J(π) = E_π[r], "
                    "from the batch π_old collected."))
m[3].metric(tr("Var of r, fresh batch"), f"{facts['fresh_variance']:.3f}",
            help=tr("Variance of one sample's estimate of J(π) from a new batch of π itself."))
left, right = st.columns(2)
left.plotly_chart(charts.ratio_bars(pi_old, pi, facts["ratio"], title="π_old, π and the ratio per action"),
                  key="fig_drift_ratio")
right.plotly_chart(charts.drift_curves(_drift_curves(seed), target_kl, title="What the drift costs"),
                   key="fig_drift_curves")

st.subheader(tr("The ratio is a weight on ∇log π"))
lesson(PAGE, "surrogate")
action, advantage = int(np.argmax(facts["ratio"])), 1.5
autograd, weighted = surrogate_gradients(theta, theta_old, action, advantage)
st.dataframe({tr("logit"): [f"θ{i + 1}" for i in range(len(theta))],
              tr("∇θ [(π/π_old)(a) · A]  (autograd)"): autograd,
              "A · (π/π_old)(a) · ∇θ log π(a)": weighted}, hide_index=True)
st.caption(tr(f"Action a = {action + 1}, A = {advantage}; largest difference "
              f"{np.abs(autograd - weighted).max():.1e}."))

# ---- 3. reuse on CartPole ---------------------------------------------------------------------------
st.header(tr("3 · Reusing a batch K times on CartPole, live"))
lesson(PAGE, "reuse")
config = config_widgets(ReuseConfig, prefix="op_", columns=3, device=current_device())
n_seeds = widget(Knob("op_seeds", 3, "Seeds", "Each K trains on the same seeds.", lo=1, hi=10),
                 "op_seeds")
show_url_messages()
seeds = [seed + i for i in range(n_seeds)]
run_controls(RUN_KEY, config, functools.partial(train_reuse_comparison, seeds=tuple(seeds)))


def draw(run, records):
    if not records:
        return
    left, right = st.columns(2)
    marks = run.marks
    def returns(recs):
        return charts.variant_bands(recs, "return_avg20", K_LABELS, x_key="env_steps",
                                    title="Return against samples collected",
                                    ytitle="mean return, last 20 episodes")

    left.plotly_chart(compared(RUN_KEY, returns, records, run, "env_steps"), key="fig_op_returns")
    right.plotly_chart(charts.mark_knob_changes(charts.variant_bands(
        records, "kl", K_LABELS, x_key="env_steps", title="KL(π_old ‖ π) after the K steps",
        ytitle="KL"), marks, "env_steps"), key="fig_op_kl")
    st.plotly_chart(charts.variant_bands(records, "ratio_std", K_LABELS, x_key="env_steps",
                                         title="Spread of the ratio π/π_old on the batch",
                                         ytitle="standard deviation of the ratio", height=280),
                    key="fig_op_ratio")


live_panel(RUN_KEY, draw, "Press **Start** to train K = 1, 4 and 16 side by side.")
