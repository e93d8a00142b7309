"""Advantage and actor-critic: the bias-variance trade-off of GAE(lambda) against the exact
advantage, then REINFORCE against actor-critic with MC, TD(0) and GAE critics on K seeds."""
import streamlit as st

from core.actor_critic import VARIANT_LABELS, VARIANTS, ActorCriticConfig, train_actor_critic
from core.advantage import lambda_study
from core.config import Knob
from core.multiseed import lockstep
from core.pg import ReinforceConfig, train_reinforce
from ui import charts
from ui.lessons import lesson
from ui.params import config_widgets, show_url_messages, widget
from ui.run_panel import live_panel, run_controls
from ui.sidebar import current_device, current_seed

PAGE = "actor_critic"
RUN_KEY = "ac_run"
LAMBDAS = [i / 20 for i in range(21)]

show_url_messages()
st.title("🤝 Advantage and actor-critic")
lesson(PAGE, "intro")
seed = current_seed()

# ---- 1. GAE(lambda): bias against variance ---------------------------------------------------
st.header("1 · GAE(λ): from TD to Monte Carlo")
lesson(PAGE, "gae")
cols = st.columns(3)
lam = widget(Knob("gae_lam", 0.95, "λ", "0 = one-step TD error, 1 = Monte-Carlo advantage.",
                  lo=0.0, hi=1.0, step=0.05), "gae_lam", cols[0])
critic_error = widget(Knob("gae_critic_error", 0.1, "Critic error", "Standard deviation of the "
                           "critic's error in the states ahead (0 = the exact V).", lo=0.0,
                           hi=0.5, step=0.01), "gae_critic_error", cols[1])
p_right = widget(Knob("gae_p_right", 0.6, "π(right)", "The policy: how often it steps right.",
                      lo=0.05, hi=0.95, step=0.05), "gae_p_right", cols[2])
show_url_messages()


@st.cache_data(max_entries=64, show_spinner=False)
def _study(critic_error: float, p_right: float, seed: int):
    return lambda_study(LAMBDAS, critic_error, p_right=p_right, seed=seed)


study = _study(critic_error, p_right, seed)
i = min(range(len(LAMBDAS)), key=lambda j: abs(LAMBDAS[j] - lam))
m = st.columns(4)
m[0].metric("True advantage A(s₀, right)", f"{study['truth']:.4f}")
m[1].metric(f"Mean GAE({LAMBDAS[i]:g}) estimate", f"{study['estimates'][i].mean():.4f}")
m[2].metric("Bias²", f"{study['bias2'][i]:.2e}")
m[3].metric("Variance", f"{study['variance'][i]:.2e}")
st.plotly_chart(charts.lambda_tradeoff(study, lam, title="Error of the advantage estimate "
                                       "against λ (2,000 trajectories)"), key="fig_gae_tradeoff")

# ---- 2. actor-critic on CartPole, K seeds ------------------------------------------------------
st.header("2 · REINFORCE against actor-critic, live")
lesson(PAGE, "cartpole")
config = config_widgets(ActorCriticConfig, prefix="ac_", columns=4, device=current_device())
n_seeds = widget(Knob("ac_seeds", 3, "Seeds K", "Each variant trains on the same K seeds.",
                      lo=1, hi=10), "ac_seeds")
show_url_messages()
seeds = [seed + k for k in range(n_seeds)]


def make_trainer(run_config: ActorCriticConfig, variant: str, s: int):
    if variant == "reinforce":
        return train_reinforce(ReinforceConfig(env_id=run_config.env_id, gamma=run_config.gamma,
                                               hidden=run_config.hidden, device=run_config.device,
                                               max_updates=run_config.max_updates), s)
    lam = {"mc": 1.0, "td": 0.0, "gae": None}[variant]
    return train_actor_critic(run_config, s, lam=lam)


def comparison(run_config):
    return lockstep(lambda v, s: make_trainer(run_config, v, s), VARIANTS, seeds)


run_controls(RUN_KEY, config, comparison)


def draw(run, records):
    if not records:
        st.caption(f"Collecting the first rollouts ({len(VARIANTS)} variants × {n_seeds} seeds)…")
        return
    last = records[-1]
    cols = st.columns(len(VARIANTS))
    for col, (k, variant) in zip(cols, enumerate(last["variants"])):
        col.metric(VARIANT_LABELS[variant], f"{last['return_avg20'][k].mean():.0f}",
                   f"{last['env_steps'][k].mean():,.0f} steps", delta_color="off")
    left, right = st.columns(2)
    left.plotly_chart(charts.variant_bands(
        records, "return_avg20", VARIANT_LABELS, x_key="env_steps",
        title="Mean return of the last 20 episodes", ytitle="return (band: min–max over seeds)"),
        key="fig_ac_returns")
    right.plotly_chart(charts.variant_bands(
        records, "explained_variance", VARIANT_LABELS, x_key="env_steps",
        title="Explained variance of the critic", ytitle="1 − Var(target − V) / Var(target)"),
        key="fig_ac_ev")
    grid = run.latest["_first_seed"]["gae"].get("_value_slice") if run.latest else None
    if grid:
        st.plotly_chart(charts.heatmap(grid, title=f"GAE critic V(s), seed {seeds[0]}: pole "
                                       "angle × angular velocity (cart at rest, centred)"),
                        key="fig_ac_heatmap")


live_panel(RUN_KEY, draw, f"Press **Start** to train {len(VARIANTS)} variants × K seeds side by side.")
