"""Baseline and the variance of the policy gradient: the closed-form variance V(b) on the
bandit beside sampled estimates, then REINFORCE with and without baselines on K seeds, live."""
import functools

import numpy as np
import streamlit as st

from core.bandit import expected_reward, policy_gradient, softmax
from core.baseline import (DEFAULT_LOGITS, DEFAULT_REWARDS, BaselineBanditConfig, baseline_grid,
                           batch_means, empirical_variance_trace, learning_curves, optimal_baseline,
                           sampled_estimates, variance_against_shift, variance_curve,
                           variance_trace)
from core.config import Knob
from core.pg import BASELINE_LABELS, BASELINES, ReinforceConfig, train_baseline_comparison
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.params import config_widgets, float_sliders, show_url_messages, widget
from ui.run_panel import compared, live_panel, run_controls
from ui.sidebar import current_device, current_seed
from ui.scenarios import scenario_picker

PAGE = "baseline"
RUN_KEY = "bl_run"
CLOUD_POINTS = 1500

show_url_messages()
st.title(tr("📉 Baseline and variance"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed = current_seed()

# ---- 1. the bandit in closed form ------------------------------------------------------------
st.header(tr("1 · The bandit: the variance in closed form, and in samples"))
lesson(PAGE, "bandit")
with st.expander(tr("Bandit settings"), expanded=True):
    cfg = config_widgets(BaselineBanditConfig, prefix="bl_", columns=4)
    rewards = float_sliders("Reward, arm", "blr", np.array(DEFAULT_REWARDS[:cfg.k]), -5.0, 5.0, 0.1,
                            help="The arm's mean reward (before the shift c).", columns=5)
    theta = float_sliders("Logit θ, arm", "blt", np.array(DEFAULT_LOGITS[:cfg.k]), -4.0, 4.0, 0.01,
                          help="The policy is π = softmax(θ).", columns=5)
show_url_messages()

pi = softmax(theta)
paid = rewards + cfg.shift
noise_var = cfg.noise ** 2
exact = np.array(policy_gradient(pi, paid))
marks = {"b = 0": 0.0, "b = E[R]": float(expected_reward(pi, paid)),
         "b*": float(optimal_baseline(pi, paid))}
estimates = sampled_estimates(pi, paid, list(marks.values()), cfg.samples,
                              np.random.default_rng(seed), noise=cfg.noise)
st.markdown(tr("π = (" + ", ".join(f"{p:.3f}" for p in pi) + ")  ·  rewards paid = ("
               + ", ".join(f"{x:g}" for x in paid) + ")"))

bs = baseline_grid(paid)
left, right = st.columns(2)
left.plotly_chart(charts.variance_parabola(
    bs, variance_curve(pi, paid, bs, noise_var),
    {name: (b, variance_trace(pi, paid, b, noise_var)) for name, b in marks.items()},
    title="Variance of the estimator against the baseline b"), key="fig_parabola")
axes = tuple(int(i) for i in np.argsort(-np.abs(exact))[:2])
batches = batch_means(estimates, cfg.batch_size)[:, :CLOUD_POINTS]
right.plotly_chart(charts.estimate_clouds(
    {"b = 0": batches[0], "b*": batches[2]}, exact, axes,
    title=f"Batch estimates ({cfg.batch_size} samples each): the same draws, two baselines"),
    key="fig_clouds")

st.dataframe({
    tr("baseline"): list(marks),
    "b": [round(b, 4) for b in marks.values()],
    tr("variance, closed form"): [variance_trace(pi, paid, b, noise_var) for b in marks.values()],
    tr(f"variance, {cfg.samples:,} samples"): [empirical_variance_trace(e) for e in estimates],
    tr("largest |mean − ∇J|"): [float(np.abs(e.mean(axis=0) - exact).max()) for e in estimates],
}, hide_index=True)

st.subheader(tr("Shift every reward by c"))
lesson(PAGE, "shift")
cs = np.linspace(-10.0, 50.0, 121)
shifted = variance_against_shift(pi, rewards, cs, noise_var)
curves = learning_curves(cfg, rewards, theta, seed)
left, right = st.columns(2)
shift_fig = charts.lines([{"c": c, **{k: v[i] for k, v in shifted.items()}} for i, c in enumerate(cs)],
                         "c", {k: k for k in shifted}, title="Variance against the shift c",
                         xtitle="shift c", ytitle="variance", height=340)
shift_fig.add_vline(x=cfg.shift, line=dict(color="gray", dash="dash"))
left.plotly_chart(shift_fig, key="fig_shift")
learning = [{"update": t, "variants": ["none", "average"],
             "J": np.stack([curves["none"][:, t], curves["average"][:, t]])}
            for t in range(cfg.updates + 1)]
right.plotly_chart(charts.variant_bands(
    learning, "J", {"none": "no baseline", "average": "average-reward baseline"},
    title=f"Learning with shift c = {cfg.shift:g} ({cfg.seeds} seeds)",
    ytitle="expected reward (unshifted)", height=340), key="fig_learning")

# ---- 2. CartPole, K seeds per variant, live -----------------------------------------------------
st.header(tr("2 · REINFORCE on CartPole with and without a baseline, live"))
lesson(PAGE, "cartpole")
config = config_widgets(ReinforceConfig, prefix="cp_", columns=4, exclude=("baseline",),
                        device=current_device())
n_seeds = widget(Knob("cp_seeds", 3, "Seeds K", "Each variant trains on the same K seeds.",
                      lo=1, hi=10), "cp_seeds")
show_url_messages()
seeds = [seed + i for i in range(n_seeds)]


run_controls(RUN_KEY, config, functools.partial(train_baseline_comparison, seeds=tuple(seeds)))


def draw(run, records):
    if not records:
        st.caption(tr(f"Collecting the first batches ({len(BASELINES)} variants × {n_seeds} seeds)…"))
        return
    last = records[-1]
    left, right = st.columns(2)
    def returns(recs):
        return charts.variant_bands(recs, "return_avg20", BASELINE_LABELS,
                                    title="Mean return of the last 20 episodes",
                                    ytitle="return (band: min–max over seeds)")

    left.plotly_chart(compared(RUN_KEY, returns, records, run, "update"), key="fig_returns")
    right.plotly_chart(charts.mark_knob_changes(charts.variance_ratio_meter(
        records, BASELINE_LABELS,
        title="Gradient variance a baseline leaves"),
        run.marks, "update"), key="fig_variance")
    cols = st.columns(len(BASELINES) + 1)
    cols[0].metric(tr("Update"), last["update"])
    for col, (i, variant) in zip(cols[1:], enumerate(last["variants"])):
        col.metric(tr(f"Mean return, {BASELINE_LABELS[variant]}"), f"{last['return_avg20'][i].mean():.0f}")
    st.plotly_chart(charts.seed_spread(
        {BASELINE_LABELS[v]: last["return_avg20"][i] for i, v in enumerate(last["variants"])},
        title="Where each seed is now", ytitle="mean return, last 20 episodes", height=280),
        key="fig_spread")


live_panel(RUN_KEY, draw, tr(f"Press **Start** to train {len(BASELINES)} variants × K seeds side by side."))
