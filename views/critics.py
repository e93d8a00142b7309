"""Critics: Monte Carlo against TD on the random walk of Sutton & Barto (Example 6.2, Figure
6.2, Figure 7.2), live and averaged over many runs."""
import functools

import streamlit as st

from core.critics import CriticsConfig, NStepConfig, alpha_comparison, nstep_sweep, train_mc_vs_td
from core.envs import RandomWalkEnv
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.params import config_widgets, show_url_messages
from ui.run_panel import ghost_chart, live_panel, run_controls
from ui.sidebar import current_seed
from ui.scenarios import scenario_picker

PAGE = "critics"
RUN_KEY = "cr_run"
SWEEP_KEY = "cr_sweep"
STATES = "ABCDE"

show_url_messages()
st.title(tr("🔭 Critics: Monte Carlo vs TD"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed = current_seed()
true_values = RandomWalkEnv().true_values()

# ---- 1. MC and TD side by side, live ---------------------------------------------------------
st.header(tr("1 · The random walk, learned two ways on the same episodes"))
lesson(PAGE, "walk")
config = config_widgets(CriticsConfig, prefix="cr_", columns=4)
show_url_messages()
run_controls(RUN_KEY, config, functools.partial(train_mc_vs_td, seed=seed))


def draw(run, records):
    if not records:
        return
    last = records[-1]
    left, right = st.columns(2)
    left.plotly_chart(charts.state_values(
        list(STATES), true_values, {"MC": last["v_mc"], "TD(0)": last["v_td"]},
        title=f"Run 1's estimates after episode {last['episode']}"), key="fig_cr_values")
    def errors(recs):
        return charts.paired_bands(recs, "episode", {"MC": "rms_mc", "TD(0)": "rms_td"},
                                   title="RMS error over the 5 states (band: middle half of the runs)",
                                   ytitle="RMS error")

    # the previous run as a ghost and the knob marks (a falling error has no "collapse" to mark)
    right.plotly_chart(charts.mark_knob_changes(charts.with_ghost(errors(records), ghost_chart(RUN_KEY, errors)),
                                                run.marks, "episode"), key="fig_cr_rms")
    cols = st.columns(3)
    cols[0].metric(tr("Episode"), last["episode"])
    cols[1].metric(tr("RMS error, MC"), f"{last['rms_mc_mean']:.3f}")
    cols[2].metric(tr("RMS error, TD(0)"), f"{last['rms_td_mean']:.3f}")


live_panel(RUN_KEY, draw, "Press **Start** to play the episodes: both learners see each one.")

# ---- 2. every alpha of Example 6.2 at once --------------------------------------------------
st.header(tr("2 · Every step size of Example 6.2"))
lesson(PAGE, "alphas")


@st.cache_data(max_entries=32, show_spinner=False)
def _alphas(runs: int, episodes: int, seed: int, v0: float):
    return alpha_comparison(runs, episodes, seed, v0)


curves = _alphas(config.runs, config.episodes, seed, config.v0)
rows = [{"episode": e, **{name: float(c[e]) for name, c in curves.items()}}
        for e in range(config.episodes + 1)]
st.plotly_chart(charts.lines(rows, "episode", {name: name for name in curves},
                             title=f"Mean RMS error over {config.runs} runs", xtitle="episode",
                             ytitle="RMS error", height=360), key="fig_cr_alphas")

# ---- 3. n-step TD on the 19-state walk ----------------------------------------------------------
st.header(tr("3 · n-step TD: from TD(0) to Monte Carlo"))
lesson(PAGE, "nstep")
sweep = config_widgets(NStepConfig, prefix="ns_", columns=4)
show_url_messages()
run_controls(SWEEP_KEY, sweep, functools.partial(nstep_sweep, seed=seed))


def draw_sweep(run, records):
    if not records:
        return
    st.plotly_chart(charts.sweep_lines(records, title="Figure 7.2: error after the first episodes"),
                    key="fig_ns_sweep")
    best = min(records, key=lambda r: r["best_rms"])
    st.caption(tr(f"Best so far: n = {best['n']} at α = {best['best_alpha']:.2f} "
                  f"(RMS {best['best_rms']:.3f})."))


live_panel(SWEEP_KEY, draw_sweep, "Press **Start** to sweep n = 1, 2, 4, … (a few seconds).")
