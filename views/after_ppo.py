"""After PPO: the KL estimators RLHF libraries use, critic-free group baselines (GRPO, RLOO),
DPO and best-of-N, on the RLHF page's tiny GPT-2, labels and reward model, and all of them on
one gold-against-KL frontier."""
import functools
import math

import streamlit as st

from core.rlhf.best_of_n import BestOfNConfig, train_best_of_n
from core.rlhf.corpus import PROMPTS
from core.rlhf.dpo import DPOConfig, train_dpo
from core.rlhf.frontier import FrontierConfig, all_methods, method_trails
from core.rlhf.group_baselines import (BASELINE_LABELS, GroupConfig, NoiseConfig, measure_gradient_noise,
                                       train_group)
from core.rlhf.kl_estimators import (EstimatorConfig, estimator_samples, estimator_sweep, estimator_table,
                                     gradient_agreement)
from core.rlhf.model import ASSETS, load
from core.rlhf.skip_ahead import load_start
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.params import config_widgets, show_url_messages
from ui.run_panel import live_panel, run_controls
from ui.scenarios import scenario_picker
from ui.sidebar import current_device, current_seed

PAGE = "after_ppo"
PROMPT_LIST = list(PROMPTS)

show_url_messages()
st.title(tr("🧭 After PPO: KL estimators, GRPO, DPO, best-of-N"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed, device = current_seed(), current_device()


@st.cache_resource(show_spinner=tr("Loading the model, its labels and reward model…"), max_entries=2)
def _start(device: str):
    """The shipped tiny GPT-2 with the RLHF page's shipped labels and reward model."""
    lm, tokenizer = load(ASSETS, device)
    pairs, rm, card = load_start(lm, tokenizer, device)
    return lm, tokenizer, pairs, rm, card


lm, tokenizer, pairs, rm, card = _start(device)
st.caption(tr(f"The shipped tiny GPT-2, its {len(pairs):,} labelled pairs and the reward model trained on "
              f"them (held-out accuracy {card['heldout_accuracy']:.1%}): what the RLHF page's skip ahead "
              f"loads. On {device}."))


def _number(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


# ---- 1. KL estimators ---------------------------------------------------------------------------
st.header(tr("1 · Three estimates of the KL"))
lesson(PAGE, "estimators")
estimators = config_widgets(EstimatorConfig, prefix="ap_kl_", columns=2)
show_url_messages()


@st.cache_data(show_spinner=tr("Sweeping the lean…"), max_entries=4)
def _sweep(seed: int, device: str) -> list[dict]:
    return estimator_sweep(lm, tokenizer, PROMPT_LIST, seed)


@st.cache_data(show_spinner=tr("Sampling from the leaning policy…"), max_entries=16)
def _estimates(lean: float, repeats: int, seed: int, device: str):
    samples = estimator_samples(lm, tokenizer, PROMPT_LIST * repeats, lean, seed)
    values = {name: samples[name].numpy() for name in ("k1", "k2", "k3")}
    return values, estimator_table(samples), gradient_agreement(samples)


sweep = _sweep(seed, device)
left, right = st.columns(2)
left.plotly_chart(charts.estimator_means(sweep, estimators.lean, title="Each estimator's mean against the exact KL"),
                  key="fig_kl_means")
right.plotly_chart(charts.estimator_spread(sweep, estimators.lean, title="How far one token's estimate strays"),
                   key="fig_kl_spread")
values, table, agreement = _estimates(estimators.lean, estimators.repeats, seed, device)
left, right = st.columns(2)
left.plotly_chart(charts.estimate_quantiles(values, title=f"Every sampled token's estimate at lean {estimators.lean:g}"),
                  key="fig_kl_hist")
with right:
    st.markdown(tr("**On these samples**, per completion (summed over its tokens)"))
    st.dataframe([{tr("estimator"): r["estimator"], tr("mean"): round(r["mean per completion"], 3),
                   tr("exact KL"): round(r["exact KL per completion"], 3),
                   tr("std"): round(r["std per completion"], 3),
                   tr("tokens < 0"): f"{r['share below zero']:.0%}"} for r in table],
                 hide_index=True, key="table_kl")
st.markdown(tr("**Used as a loss**: its expected gradient beside each KL's (cosine 1: the same direction)"))
st.dataframe([{tr("loss"): r["loss"],
               tr("cos with ∇KL(π‖π_ref)"): _number(r["cos with ∇KL(π‖π_ref)"]),
               tr("cos with ∇KL(π_ref‖π)"): _number(r["cos with ∇KL(π_ref‖π)"]),
               tr("size ÷ ∇KL(π‖π_ref)'s"): _number(r["size ÷ ∇KL(π‖π_ref)'s"])} for r in agreement],
             hide_index=True, key="table_kl_grad")

# ---- 2. group baselines -------------------------------------------------------------------------
st.header(tr("2 · The group as the baseline: GRPO and RLOO"))
lesson(PAGE, "groups")
noise = config_widgets(NoiseConfig, prefix="ap_noise_", columns=3, device=device)
show_url_messages()


run_controls("ap_noise_run", noise,
             functools.partial(measure_gradient_noise, lm=lm, tokenizer=tokenizer, rm=rm, prompts=PROMPT_LIST,
                               seed=seed))


def draw_noise(run, records):
    if len(records) < 2:
        st.caption(tr("Sampling the first batches…"))
        return
    last = records[-1]
    st.metric(tr("Groups with no signal (all G rewards equal)"), f"{last['no_signal']:.0%}",
              help=tr("Every completion of such a group gets advantage 0 under GRPO, Dr GRPO and RLOO."))
    left, right = st.columns(2)
    left.plotly_chart(charts.baseline_noise(last["rows"], BASELINE_LABELS,
                                            title=f"Gradient noise of each baseline over {last['update']} batches"),
                      key="fig_group_noise")
    right.plotly_chart(charts.group_weights(last["groups"], title="How hard each group pushes (reward-model scores)"),
                       key="fig_group_weights")


live_panel("ap_noise_run", draw_noise, "Press **Start** to sample batch after batch from the same policy "
                                       "and measure each baseline's gradient.")

def reward_and_kl(records, marks, xtitle: str, name: str) -> None:
    """Proxy and gold beside the KL to the reference, as the RLHF page draws PPO's."""
    left, right = st.columns(2)
    left.plotly_chart(charts.mark_knob_changes(charts.legend_above(charts.lines(
        records, "update", {"reward model (proxy)": "rm_reward", "labeler's hidden score (gold)": "gold"},
        title="Reward", xtitle=xtitle, ytitle="mean per completion", height=300)), marks, "update"),
        key=f"fig_{name}_reward")
    right.plotly_chart(charts.mark_knob_changes(charts.legend_above(charts.lines(
        records, "update", {"KL to the reference": "kl"}, title="KL(π ‖ π_ref) per completion",
        xtitle=xtitle, ytitle="nats", height=300)), marks, "update"), key=f"fig_{name}_kl")


st.subheader(tr("Train without a critic"))
lesson(PAGE, "group_training")
group_config = config_widgets(GroupConfig, prefix="ap_group_", columns=4, device=device)
show_url_messages()
run_controls("ap_group_run", group_config,
             functools.partial(train_group, lm=lm, tokenizer=tokenizer, rm=rm, prompts=PROMPT_LIST, seed=seed))


def draw_group(run, records):
    if not records:
        st.caption(tr("Sampling the first groups…"))
        return
    reward_and_kl(records, run.marks, "update", "group")

live_panel("ap_group_run", draw_group, "Press **Start** to train with the group baseline chosen above.")

# ---- 3. DPO -------------------------------------------------------------------------------------
st.header(tr("3 · DPO: the preferences, without a reward model or RL"))
lesson(PAGE, "dpo")
dpo_config = config_widgets(DPOConfig, prefix="ap_dpo_", columns=4, device=device)
show_url_messages()
run_controls("ap_dpo_run", dpo_config,
             functools.partial(train_dpo, lm=lm, tokenizer=tokenizer, pairs=pairs, prompts=PROMPT_LIST,
                               seed=seed, rm=rm))


def draw_dpo(run, records):
    if not records:
        st.caption(tr("Reading the reference's log-probabilities of every pair…"))
        return
    seen = [r for r in records if r["measured"]]
    left, right = st.columns(2)
    left.plotly_chart(charts.mark_knob_changes(charts.implicit_accuracy(records, title="Implicit reward's accuracy"),
                                               run.marks, "update"), key="fig_dpo_acc")
    right.plotly_chart(charts.mark_knob_changes(charts.legend_above(charts.lines(
        records, "update", {"DPO loss": "loss"}, title="DPO loss", xtitle="step",
        ytitle="−log σ(β·margin)", height=300)), run.marks, "update"), key="fig_dpo_loss")
    reward_and_kl(seen, run.marks, "step", "dpo")

live_panel("ap_dpo_run", draw_dpo, "Press **Start** to train the policy on the labelled pairs with the DPO loss.")

# ---- 4. best-of-N -------------------------------------------------------------------------------
st.header(tr("4 · Best-of-N: no training at all"))
lesson(PAGE, "best_of_n")
bon_config = config_widgets(BestOfNConfig, prefix="ap_bon_", columns=5, device=device)
show_url_messages()
run_controls("ap_bon_run", bon_config,
             functools.partial(train_best_of_n, lm=lm, tokenizer=tokenizer, pairs=pairs, rm=rm,
                               prompts=PROMPT_LIST, seed=seed))


def draw_bon(run, records):
    if not records:
        st.caption(tr("Training its reward model and sampling…"))
        return
    st.plotly_chart(charts.best_of_n_curve(records, title="Best-of-N: the proxy against the gold"), key="fig_bon")


live_panel("ap_bon_run", draw_bon, "Press **Start** to sample and keep the best of N, for N = 1, 2, 4, …")

# ---- 5. one frontier ----------------------------------------------------------------------------
st.header(tr("5 · One frontier: gold against KL, every method"))
lesson(PAGE, "frontier")
frontier_config = config_widgets(FrontierConfig, prefix="ap_frontier_", columns=2, device=device)
show_url_messages()
run_controls("ap_frontier_run", frontier_config,
             functools.partial(all_methods, lm=lm, tokenizer=tokenizer, rm=rm, pairs=pairs,
                               prompts=PROMPT_LIST, seed=seed))


def draw_frontier(run, records):
    if not records:
        st.caption(tr("Training the first method…"))
        return
    trails = method_trails(records)
    view = st.segmented_control(tr("Score"), ["gold", "proxy"], default="gold", key="ap_frontier_view",
                                format_func=lambda v: tr({"gold": "labeler's hidden score (gold)",
                                                          "proxy": "reward model's score (proxy)"}[v]))
    st.plotly_chart(charts.method_frontier(trails, view or "gold", title="Every method on one frontier"),
                    key="fig_all_frontier")


live_panel("ap_frontier_run", draw_frontier,
      "Press **Start** to train every method in turn from the same start and seed (a few minutes).")
