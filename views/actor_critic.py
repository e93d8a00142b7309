"""Advantage and actor-critic: the bias-variance trade-off of GAE(lambda) against the exact
advantage, then REINFORCE against actor-critic with MC, TD(0) and GAE critics on K seeds."""
import functools

import streamlit as st

from core.actor_critic import VARIANT_LABELS, VARIANTS, ActorCriticConfig, train_comparison
from core.advantage import lambda_study
from core.config import Knob
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.params import config_widgets, show_url_messages, widget
from ui.run_panel import compared, live_panel, run_controls
from ui.sidebar import current_device, current_seed
from ui.scenarios import scenario_picker

PAGE = "actor_critic"
RUN_KEY = "ac_run"
LAMBDAS = [i / 20 for i in range(21)]

show_url_messages()
st.title(tr("🤝 Advantage and actor-critic"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed = current_seed()

# ---- 1. GAE(lambda): bias against variance ---------------------------------------------------
st.header(tr("1 · GAE(λ): from TD to Monte Carlo"))
lesson(PAGE, "gae")
cols = st.columns(4)
lam = widget(Knob("gae_lam", 0.95, "λ", "0 = one-step TD error, 1 = Monte-Carlo advantage.",
                  lo=0.0, hi=1.0, step=0.05), "gae_lam", cols[0])
critic_bias = widget(Knob("gae_critic_bias", 0.3, "Critic bias", "How much the critic "
                          "overestimates every state ahead: a systematic error, as a critic "
                          "that lags behind its policy makes (0 = the exact V).", lo=0.0, hi=0.5,
                          step=0.01), "gae_critic_bias", cols[1])
critic_error = widget(Knob("gae_critic_error", 0.0, "Critic noise", "Standard deviation of a "
                           "random error in each state ahead, different from state to state.",
                           lo=0.0, hi=0.5, step=0.01), "gae_critic_error", cols[2])
p_right = widget(Knob("gae_p_right", 0.6, "π(right)", "The policy: how often it steps right.",
                      lo=0.05, hi=0.95, step=0.05), "gae_p_right", cols[3])
show_url_messages()


@st.cache_data(max_entries=64, show_spinner=False)
def _study(critic_bias: float, critic_error: float, p_right: float, seed: int):
    return lambda_study(LAMBDAS, critic_error, p_right=p_right, seed=seed, critic_bias=critic_bias)


study = _study(critic_bias, critic_error, p_right, seed)
i = min(range(len(LAMBDAS)), key=lambda j: abs(LAMBDAS[j] - lam))
st.plotly_chart(charts.lambda_tradeoff(study, lam, title="Error of the advantage estimate "
                                       "against λ (2,000 trajectories)"), key="fig_gae_tradeoff")
m = st.columns(5)
m[0].metric(tr("True advantage A(s₀, right)"), f"{study['truth']:.4f}")
m[1].metric(tr(f"Mean GAE({LAMBDAS[i]:g}) estimate"), f"{study['estimates'][i].mean():.4f}")
m[2].metric(tr("Bias²"), f"{study['bias2'][i]:.2e}")
m[3].metric(tr("Variance"), f"{study['variance'][i]:.2e}")
m[4].metric(tr("Lowest error at λ"), f"{study['best_lam']:g}")

# ---- 2. actor-critic on CartPole, K seeds ------------------------------------------------------
st.header(tr("2 · REINFORCE against actor-critic, live"))
lesson(PAGE, "cartpole")
config = config_widgets(ActorCriticConfig, prefix="ac_", columns=4, device=current_device())
n_seeds = widget(Knob("ac_seeds", 3, "Seeds K", "Each variant trains on the same K seeds.",
                      lo=1, hi=10), "ac_seeds")
show_url_messages()
seeds = [seed + k for k in range(n_seeds)]


run_controls(RUN_KEY, config, functools.partial(train_comparison, seeds=tuple(seeds)))


def draw(run, records):
    if not records:
        st.caption(tr(f"Collecting the first rollouts ({len(VARIANTS)} variants × {n_seeds} seeds)…"))
        return
    last = records[-1]
    # REINFORCE spends 8 whole episodes per update, the actor-critics 8 x 32 steps: show the
    # samples every variant has reached, where they can be compared (double-click: all of it)
    shared = min(float(last["env_steps"][k].mean()) for k in range(len(last["variants"])))
    left, right = st.columns(2)
    marks = run.marks
    def returns_chart(recs):
        return charts.variant_bands(recs, "return_avg20", VARIANT_LABELS, x_key="env_steps",
                                    title="Mean return of the last 20 episodes",
                                    ytitle="return (band: min–max over seeds)")

    returns = compared(RUN_KEY, returns_chart, records, run, "env_steps")
    ev = charts.mark_knob_changes(charts.variant_bands(
        records, "explained_variance", VARIANT_LABELS, x_key="env_steps",
        title="Explained variance of the critic", ytitle="1 − Var(target − V) / Var(target)"),
        marks, "env_steps")
    returns.update_xaxes(range=[0, shared])
    ev.update_xaxes(range=[0, shared])
    ev.update_yaxes(range=[-1, 1.05])  # 1: perfect, 0: no better than a constant
    left.plotly_chart(returns, key="fig_ac_returns")
    right.plotly_chart(ev, key="fig_ac_ev")
    cols = st.columns(len(VARIANTS))
    for col, (k, variant) in zip(cols, enumerate(last["variants"])):
        col.metric(tr(VARIANT_LABELS[variant]), f"{last['return_avg20'][k].mean():.0f}",
                   tr(f"{last['env_steps'][k].mean():,.0f} steps"), delta_color="off")
    st.caption(tr(f"Both charts end at {shared:,.0f} environment steps, where every variant has "
                  "data (REINFORCE spends whole episodes per update and runs further): double-click "
                  "a chart to see all of it. Explained variance below −1 is off the chart."))
    latest = run.latest
    grid = latest["_first_seed"]["gae"].get("_value_slice") if latest else None
    if grid:
        st.plotly_chart(charts.heatmap(grid, title=f"GAE critic V(s), seed {seeds[0]}, update "
                                       f"{latest['update']}: pole angle × angular velocity "
                                       "(cart at rest, centred)"), key="fig_ac_heatmap")


live_panel(RUN_KEY, draw, f"Press **Start** to train {len(VARIANTS)} variants × K seeds side by side.")
