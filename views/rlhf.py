"""RLHF on a tiny GPT-2: the pretrained model, human feedback (simulated and yours), a reward
model, PPO with a KL leash, and over-optimisation of the proxy reward."""
import dataclasses
import functools

import streamlit as st
import torch

from core.config import Knob
from core.rlhf.corpus import PROMPTS
from core.rlhf.labeler import PREFERENCE, gold_score, pairs_from_json, pairs_to_json, simulated_pairs
from core.rlhf.model import ASSETS, Sampling, decode, load, prepare_prompt, sample
from core.rlhf.ppo_lm import RLHFConfig, frontier, frontier_trails, train_rlhf, watch_samples
from core.rlhf.reward import RewardConfig, score, train_reward_model
from core.rlhf.skip_ahead import load_start
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.params import config_widgets, show_url_messages, widget
from ui.run_panel import compared, current_run, live_panel, run_controls
from ui.sidebar import current_device, current_seed
from ui.scenarios import scenario_picker

PAGE = "rlhf"
PAIRS = "rlhf_pair_data"
LOADED_RM = "rlhf_loaded_rm"  # (reward model, card) from the shipped start (core.rlhf.skip_ahead)
WATCH = list(PROMPTS[:4])
FRONTIER_BETAS = (0.0, 0.1, 0.5, 2.0)
FRONTIER_UPDATES = 25

show_url_messages()
st.title(tr("🤖 RLHF on a tiny GPT-2"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed, device = current_seed(), current_device()


@st.cache_resource(show_spinner=tr("Loading the model…"), max_entries=4)
def _model(source: str, device: str):
    return load(source, device)


with st.expander(tr("Model: the shipped tiny GPT-2, or another causal language model")):
    source = st.text_input(tr("Local folder or hub name"), value=str(ASSETS), key="rlhf_source",
                           help=tr("Any transformers causal LM; a hub name needs a network."))
try:
    lm, tokenizer = _model(source, device)
    using_shipped = source == str(ASSETS)
except Exception as exc:  # a bad folder or an offline hub name: say so, use the shipped model
    st.error(tr(f"Could not load `{source}` ({type(exc).__name__}: {exc}); using the shipped model."))
    lm, tokenizer = _model(str(ASSETS), device)
    using_shipped = True
st.caption(tr(f"{type(lm).__name__}: {sum(p.numel() for p in lm.parameters()) / 1e6:.2f} M parameters, "
              f"vocabulary {len(tokenizer)}, on {device}."))

# ---- 1. the pretrained model --------------------------------------------------------------------
st.header(tr("1 · The pretrained model"))
lesson(PAGE, "pretrained")
prompt_text = st.text_input(tr("Prompt"), value=PROMPTS[0], key="rlhf_prompt",
                            help=tr("Any text; the model reads its last 32 tokens."))
cols = st.columns(4)
temperature = widget(Knob("rlhf_temperature", 1.0, "Temperature", lo=0.1, hi=2.0, step=0.05),
                     "rlhf_temperature", cols[0])
top_k = widget(Knob("rlhf_top_k", 0, "Top-k (0 = all)", lo=0, hi=200), "rlhf_top_k", cols[1])
length = widget(Knob("rlhf_length", 20, "New tokens", lo=1, hi=48), "rlhf_length", cols[2])
count = widget(Knob("rlhf_count", 4, "Samples", lo=1, hi=16), "rlhf_count", cols[3])
show_url_messages()
prompt, notes = prepare_prompt(prompt_text, tokenizer)
for note in notes:
    st.info(tr(note))
generator = torch.Generator(device=device).manual_seed(seed)
_, _, tokens = sample(lm, tokenizer, [prompt] * count, Sampling(temperature, top_k, length), generator)
st.dataframe({tr("completion"): decode(tokenizer, tokens),
              tr("labeler's hidden score"): [gold_score(prompt + " " + t) for t in decode(tokenizer, tokens)]},
             hide_index=True)

# ---- 2. human feedback ----------------------------------------------------------------------------
st.header(tr("2 · Human feedback"))


def _skip_ahead(lm, tokenizer, device) -> None:
    """Steps 2 and 3 in one click: the shipped labels (the labeler's, at this page's defaults)
    replace this session's, and the reward model trained on them stands in for step 3's."""
    try:
        pairs, rm, card = load_start(lm, tokenizer, device)
    except (ValueError, OSError) as exc:
        st.session_state["rlhf_skip_note"] = ("error", f"Could not skip ahead: {exc}.")
        return
    st.session_state[PAIRS] = pairs
    st.session_state[LOADED_RM] = (rm, card)
    _drop_run("rlhf_rm_run")  # the loaded reward model is the one PPO uses now
    st.session_state["rlhf_skip_note"] = (
        "success", f"Loaded {len(pairs):,} labelled pairs and the reward model trained on them "
                   f"(held-out accuracy {card['heldout_accuracy']:.1%}). Go on with step 4.")


def _drop_run(key: str) -> None:
    run = current_run(key)
    if run is not None:
        run.stop()
    st.session_state.pop(key, None)


with st.container(border=True):
    shipped = using_shipped
    st.button(tr("Skip ahead: load the labels and a trained reward model"), key="rlhf_skip",
              icon=":material/fast_forward:", on_click=_skip_ahead, args=(lm, tokenizer, device),
              disabled=not shipped,
              help=tr("For a lecture: go straight to PPO and over-optimisation. Steps 2 and 3 stay "
                      "available to do live." if shipped else "Only for the shipped tiny GPT-2."))
    skip_note = st.session_state.pop("rlhf_skip_note", None)
    if skip_note:
        (st.error if skip_note[0] == "error" else st.success)(tr(skip_note[1]))
lesson(PAGE, "feedback")
st.markdown(tr(f"**The simulated labeler's hidden preference:** {PREFERENCE}."))
pairs = st.session_state.setdefault(PAIRS, [])
cols = st.columns(3)
n_pairs = widget(Knob("rlhf_pairs", 1200, "Pairs to sample", "Pairs the labeler cannot tell "
                          "apart are skipped.", lo=10, hi=3000), "rlhf_pairs", cols[0])
flip = widget(Knob("rlhf_flip", 0.0, "Labeler's error rate", "Share of answers reversed.",
                   lo=0.0, hi=0.5, step=0.01), "rlhf_flip", cols[1])
if cols[2].button(tr("Let the labeler label"), key="rlhf_label", type="primary"):
    with st.spinner(tr("Sampling pairs and labelling…")):
        pairs += simulated_pairs(lm, tokenizer, list(PROMPTS), n_pairs, seed + len(pairs), flip)
mine = sum(p["source"] == "you" for p in pairs)
st.caption(tr(f"{len(pairs):,} labelled pairs ({mine} by you)."))

with st.container(border=True):
    st.markdown(tr("**Label one yourself.** Which completion is better?"))
    if "rlhf_offer" not in st.session_state:
        st.session_state["rlhf_offer"] = simulated_pairs(lm, tokenizer, list(PROMPTS), 1, seed + 7919 + len(pairs))[:1] \
            or [{"prompt": PROMPTS[0], "a": "great .", "b": "dull .", "preferred": 0}]
    offer = st.session_state["rlhf_offer"][0]
    st.markdown(tr(f"*{offer['prompt']}* …  \n**A:** {offer['a']}  \n**B:** {offer['b']}"))
    choice = st.columns(3)
    for col, name, value in zip(choice, ("A is better", "B is better", "Skip"), (0, 1, None)):
        if col.button(tr(name), key=f"rlhf_pick_{name}"):
            if value is not None:
                pairs.append({**offer, "preferred": value, "source": "you"})
            del st.session_state["rlhf_offer"]
            st.rerun()



def _import_labels() -> None:
    """Add the uploaded labels (a callback: it runs before the page is drawn, so the count
    above shows them at once). A bad file changes nothing and says why."""
    upload, labels = st.session_state.get("rlhf_import"), st.session_state.setdefault(PAIRS, [])
    if upload is None:
        st.session_state.pop("rlhf_import_note", None)
        return
    try:
        imported = pairs_from_json(upload.getvalue())
    except ValueError as exc:
        st.session_state["rlhf_import_note"] = (
            "error", f"Could not import {upload.name}: {exc} Your labels are unchanged.")
    else:
        labels += imported
        st.session_state["rlhf_import_note"] = ("success", f"Imported {len(imported):,} pairs from {upload.name}.")


cols = st.columns(2)
cols[0].download_button(tr("Export labels (JSON)"), pairs_to_json(pairs), "labels.json",
                        "application/json", key="rlhf_export", disabled=not pairs)
cols[1].file_uploader(tr("Import labels (JSON)"), type=["json"], key="rlhf_import", on_change=_import_labels)
note = st.session_state.get("rlhf_import_note")
if note:
    (st.error if note[0] == "error" else st.success)(tr(note[1]))

# ---- 3. the reward model --------------------------------------------------------------------------
st.header(tr("3 · The reward model"))
lesson(PAGE, "reward")
rm_config = config_widgets(RewardConfig, prefix="rm_", columns=4, device=device)
show_url_messages()
if len(pairs) < 10:
    st.info(tr("Label at least 10 pairs first (step 2)."))
else:
    run_controls("rlhf_rm_run", rm_config,  # picklable: a run may train in a worker process
                 functools.partial(train_reward_model, lm=lm, tokenizer=tokenizer, pairs=list(pairs), seed=seed))


def panel(key: str, draw, ready: bool, start_text: str) -> None:
    """The live panel of a step, once it has a Start button or a run to show (before that,
    the step says what it waits for, and there is no Start to press)."""
    if ready or current_run(key) is not None:
        live_panel(key, draw, start_text)


def draw_rm(run, records):
    if not records:
        return
    last = records[-1]
    cols = st.columns(3)
    cols[0].metric(tr("Step"), last["update"])
    cols[1].metric(tr("Bradley–Terry loss"), f"{last['loss']:.3f}")
    measured = last["heldout_accuracy"] is not None  # None until the first epoch ends
    cols[2].metric(tr("Held-out accuracy"), f"{last['heldout_accuracy']:.1%}" if measured else tr("not yet"),
                   help=tr("Measured on the held-out pairs at the end of each epoch."))
    left, right = st.columns(2)
    left.plotly_chart(charts.mark_knob_changes(charts.legend_above(charts.lines(
        records, "update", {"loss": "loss"}, title="Reward-model loss", xtitle="step",
        ytitle="−log σ(r_w − r_l)", height=300)), run.marks, "update"), key="fig_rm_loss")
    right.plotly_chart(charts.mark_knob_changes(charts.reward_model_accuracy(records, title="Accuracy"),
                                                run.marks, "update"), key="fig_rm_acc")


panel("rlhf_rm_run", draw_rm, len(pairs) >= 10, "Press **Start** to train the reward model on your pairs.")
rm_run = current_run("rlhf_rm_run")
reward_model = (rm_run.latest or {}).get("_rm") if rm_run is not None else None
if reward_model is None and LOADED_RM in st.session_state:  # skipped ahead, nothing trained since
    reward_model, card = st.session_state[LOADED_RM]
    st.caption(tr(f"Using the shipped reward model (held-out accuracy {card['heldout_accuracy']:.1%} on "
                  f"{card['pairs']:,} pairs). Training one above replaces it."))
if reward_model is not None:
    text = st.text_input(tr("Score any text"), value="the movie was great and funny .", key="rlhf_score")
    checked, _ = prepare_prompt(text, tokenizer)
    st.metric(tr("Reward model"), f"{score(reward_model, tokenizer, [checked])[0]:+.2f}",
              tr(f"labeler's hidden score {gold_score(checked):+.1f}"), delta_color="off")

# ---- 4. PPO ---------------------------------------------------------------------------------------
st.header(tr("4 · PPO with a KL leash"))
lesson(PAGE, "ppo")
ppo_config = config_widgets(RLHFConfig, prefix="rlhf_ppo_", columns=4, device=device)
show_url_messages()
if reward_model is None:
    st.info(tr("Train a reward model first (step 3)."))
else:
    run_controls("rlhf_ppo_run", ppo_config,
                 functools.partial(train_rlhf, lm=lm, tokenizer=tokenizer, rm=reward_model,
                                   prompts=list(PROMPTS), seed=seed, watch=WATCH))


@st.cache_data(show_spinner=False, max_entries=8)
def _before(source: str, device: str, seed: int, length: int) -> list[str]:
    model, tok = _model(source, device)
    return watch_samples(model, tok, WATCH, length, seed, device)


def draw_ppo(run, records):
    if not records:
        st.caption(tr("Sampling the first batch…"))
        return
    def chart(ys, title, ytitle, key, compare=False):
        def build(recs):
            return charts.legend_above(charts.lines(recs, "update", ys, title=title, xtitle="update",
                                                    ytitle=ytitle, height=300))
        # reward and KL: the previous run as a ghost, and where gold peaked and collapsed
        fig = (compared("rlhf_ppo_run", build, records, run, "update") if compare
               else charts.mark_knob_changes(build(records), run.marks, "update"))
        return st.plotly_chart(fig, key=key)

    left, right = st.columns(2)
    with left:
        chart({"reward model (proxy)": "rm_reward", "labeler's hidden score (gold)": "gold"},
              "Reward", "mean per completion", "fig_ppo_reward", compare=True)
    with right:
        chart({"KL to the reference": "kl"}, "KL(π ‖ π_ref) per completion", "nats", "fig_ppo_kl_lm",
              compare=True)
    left, right = st.columns(2)
    with left:
        chart({"entropy": "entropy"}, "Entropy per token", "nats", "fig_ppo_entropy_lm")
    with right:
        chart({"clipfrac": "clipfrac", "β": "beta"}, "clipfrac and β", "share of tokens clipped · β",
              "fig_ppo_clip_lm")
    now = (run.latest or {}).get("_samples")
    if now:
        run_config = st.session_state["rlhf_ppo_run"]["config"]
        st.dataframe({tr("prompt"): WATCH,
                      tr("before (pretrained)"): _before(source, device, seed, run_config.new_tokens),
                      tr("now"): now}, hide_index=True)


panel("rlhf_ppo_run", draw_ppo, reward_model is not None,
      "Press **Start** to fine-tune the policy against the reward model.")

# ---- 5. over-optimisation --------------------------------------------------------------------------
st.header(tr("5 · Over-optimisation: the proxy against the gold"))
lesson(PAGE, "overoptimisation")
sweep = dataclasses.replace(ppo_config, max_updates=min(ppo_config.max_updates, FRONTIER_UPDATES))
if reward_model is None:
    st.info(tr("Train a reward model first (step 3)."))
else:
    run_controls("rlhf_frontier_run", sweep,
                 functools.partial(frontier, betas=list(FRONTIER_BETAS), lm=lm, tokenizer=tokenizer,
                                   rm=reward_model, prompts=list(PROMPTS), seed=seed))


def draw_frontier(run, records):
    if records:
        st.plotly_chart(charts.reward_frontier(frontier_trails(records), title="Reward against the KL spent, per β"),
                        key="fig_frontier")


panel("rlhf_frontier_run", draw_frontier, reward_model is not None,
      f"Press **Start** to run PPO once per β in {', '.join(f'{b:g}' for b in FRONTIER_BETAS)} "
      f"({sweep.max_updates} updates each, the settings of step 4 otherwise).")
