"""PPO: the clipped objective against a KL penalty and no constraint — the surface, then all
four variants live on the same seeds with CleanRL's diagnostics and a results table."""
import functools

import numpy as np
import streamlit as st

from core.config import Knob, knobs
from core.ppo import (VARIANT_LABELS, VARIANTS, PPOConfig, on_surface, silenced, surface,
                      train_ppo_comparison, variants_table)
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.params import show_url_messages, widget
from ui.run_panel import compared, live_panel, run_controls
from ui.sidebar import current_device, current_seed
from ui.scenarios import scenario_picker

PAGE = "ppo"
RUN_KEY = "ppo_run"
RATIOS = np.linspace(0.05, 2.5, 300)
DETAILS = ("norm_adv", "clip_vloss", "entropy_coef", "max_grad_norm", "ortho_init", "anneal_lr",
           "gae_lambda")

show_url_messages()
st.title(tr("✂️ PPO: clip the ratio, or penalise the KL"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed = current_seed()

# ---- 1. the surface ---------------------------------------------------------------------------
st.header(tr("1 · The objective as a function of the ratio"))
lesson(PAGE, "surface")
by_name = {k.name: k for k in knobs(PPOConfig)}


@st.fragment
def surface_section() -> dict:
    """The two knobs the surface draws, and the surface. A fragment: moving ε or β redraws
    this section alone, at once, not the whole page (a class on one server; issue 13). They
    are also the run's live knobs: while it trains, a change reruns the page, which sends it."""
    chosen = {}
    cols = st.columns(2)
    for col, name in zip(cols, ("clip_eps", "kl_beta")):
        chosen[name] = widget(by_name[name], f"ppo_{name}", col)
    show_url_messages()
    st.plotly_chart(charts.ppo_surface(RATIOS, surface(RATIOS, chosen["clip_eps"], chosen["kl_beta"]),
                                       chosen["clip_eps"], title="Clipped and KL-penalised surrogates"),
                    key="fig_ppo_surface")
    run = st.session_state.get(RUN_KEY, {}).get("run")
    moved = chosen != st.session_state.get(DRAWN, chosen)
    st.session_state[DRAWN] = dict(chosen)
    if moved and run is not None and run.active:
        st.rerun(scope="app")  # the run below trains with them: the page's rerun sends the change
    return chosen


DRAWN = "ppo_surface_drawn"  # ε and β as the surface last drew them
values = surface_section()

# ---- 2. the four variants, live ---------------------------------------------------------------------
st.header(tr("2 · Four ways to keep π near π_old, live"))
lesson(PAGE, "variants")
st.caption(tr("The run uses the clip ε and the KL penalty β set above the surface."))
cols = st.columns(4)
for i, name in enumerate(("lr", "kl_target", "env_id", "envs", "steps", "epochs", "minibatches",
                          "hidden", "gamma", "max_updates")):
    values[name] = widget(by_name[name], f"ppo_{name}", cols[i % 4])
with st.expander(tr("Implementation details (Huang et al.'s '37 details', the ones that teach)")):
    lesson(PAGE, "details")
    cols = st.columns(4)
    for i, name in enumerate(DETAILS):
        values[name] = widget(by_name[name], f"ppo_{name}", cols[i % 4])
n_seeds = widget(Knob("ppo_seeds", 2, "Seeds K", "Each variant trains on the same K seeds.",
                      lo=1, hi=10), "ppo_seeds")
show_url_messages()
config = PPOConfig(**values, device=current_device())
seeds = [seed + i for i in range(n_seeds)]
run_controls(RUN_KEY, config, functools.partial(train_ppo_comparison, seeds=tuple(seeds)))


TABS = ("Return and KL", "Clipping", "Entropy and critic")


def draw(run, records):
    if not records:
        st.caption(tr(f"Collecting the first rollouts ({len(VARIANTS)} variants × {n_seeds} seeds)…"))
        return
    # only the open tab is drawn at each poll: a student's browser redraws two charts a second,
    # not eight (on_change="rerun" makes `.open` tell which tab is showing)
    returns_tab, clip_tab, critic_tab = st.tabs([tr(t) for t in TABS], key="ppo_live_tab", on_change="rerun")
    if returns_tab.open:
        left, right = returns_tab.columns(2)
        def returns(recs):
            return charts.variant_bands(recs, "return_avg20", VARIANT_LABELS, x_key="env_steps",
                                        title="Mean return of the last 20 episodes", ytitle="return")

        left.plotly_chart(compared(RUN_KEY, returns, records, run, "env_steps"), key="fig_ppo_returns")
        right.plotly_chart(charts.mark_knob_changes(charts.variant_bands(
            records, "approx_kl", VARIANT_LABELS, x_key="env_steps", title="approx_kl",
            ytitle="KL(π_old ‖ π), estimated"), run.marks, "env_steps"), key="fig_ppo_kl")
    if clip_tab.open:
        _draw_clipping(clip_tab, run, records)
    if critic_tab.open:
        left, right = critic_tab.columns(2)
        left.plotly_chart(charts.variant_bands(records, "entropy", VARIANT_LABELS, x_key="env_steps",
                                               title="entropy", ytitle="policy entropy (nats)"),
                          key="fig_ppo_entropy")
        right.plotly_chart(charts.variant_bands(records, "explained_variance", VARIANT_LABELS,
                                                x_key="env_steps", title="explained_variance",
                                                ytitle="explained variance of V"),
                           key="fig_ppo_ev")
        critic_tab.plotly_chart(charts.variant_bands(records, "value_loss", VARIANT_LABELS,
                                                     x_key="env_steps", title="value_loss",
                                                     ytitle="critic's squared error", log=True),
                                key="fig_ppo_vloss")
    # the results table under the charts: on a phone the chart stays right below Start
    rows = variants_table(records, st.session_state[RUN_KEY]["config"].env_id)
    st.dataframe([{tr(k): tr(v) for k, v in row.items()} for row in rows], hide_index=True)


def _draw_clipping(tab, run, records):
    """clipfrac over the run, the ratios after the last update, and PPO-clip's last minibatch
    placed on the surface of section 1."""
    left, right = tab.columns(2)
    left.plotly_chart(charts.variant_bands(records, "clipfrac", VARIANT_LABELS, x_key="env_steps",
                                           title="clipfrac", ytitle="fraction with |r − 1| > ε"),
                      key="fig_ppo_clipfrac")
    payloads = (run.latest or {}).get("_first_seed", {})
    right.plotly_chart(charts.ratio_histograms({v: p["_ratios"] for v, p in payloads.items() if "_ratios" in p},
                                               VARIANT_LABELS, title="Ratios after the last update"),
                       key="fig_ppo_ratios")
    points = payloads.get("clip", {}).get("_points")
    if points is not None:
        eps = st.session_state[RUN_KEY]["config"].clip_eps
        r, a = points["ratio"], points["advantage"]
        shown = {"ratio": r, "advantage": a, "silenced": silenced(r, a, eps),
                 "on_curve": on_surface(r, a, eps)}
        tab.plotly_chart(charts.ppo_surface(RATIOS, surface(RATIOS, eps, config.kl_beta), eps, shown,
                                            title="PPO-clip's last minibatch on the surface"),
                         key="fig_ppo_points")


live_panel(RUN_KEY, draw, f"Press **Start** to train the {len(VARIANTS)} variants × K seeds.")

st.header(tr("3 · From here to RLHF"))
lesson(PAGE, "rlhf")
