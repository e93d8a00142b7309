"""Policy gradient (REINFORCE): the exact bandit gradient beside its samples, then live
REINFORCE on CartPole / Acrobot. Widgets -> configs -> core -> charts; nothing computed here."""
import functools

import numpy as np
import streamlit as st
import torch

from core.bandit import BanditConfig, default_rewards, sample_gradients, train_bandit
from core.config import Knob
from core.envs import record_episode, space_sizes
from core.pg import ReinforceConfig, policy_from_state, train_reinforce
from core.seeding import RunRandom
from ui import charts
from ui.i18n import tr
from ui.lessons import lesson
from ui.media import frames_to_gif
from ui.params import config_widgets, float_sliders, show_url_messages, widget
from ui.run_panel import compared, current_run, live_panel, run_controls
from ui.sidebar import current_device, current_seed
from ui.scenarios import scenario_picker

PAGE = "policy_gradient"
RUN_KEY = "pg_run"
CLOUD_SIZE = 200

show_url_messages()
st.title(tr("🎯 Policy gradient (REINFORCE)"))
lesson(PAGE, "intro")
scenario_picker(PAGE)
seed = current_seed()

# ---- 1. the bandit: exact gradient vs sampled estimates ------------------------------------
st.header(tr("1 · A k-armed bandit: the exact gradient and its samples"))
lesson(PAGE, "bandit")
with st.expander(tr("Bandit settings"), expanded=True):
    bandit = config_widgets(BanditConfig, prefix="bandit_", columns=4)
    rewards = float_sliders("True reward, arm", "r", default_rewards(bandit.k), -5.0, 5.0, 0.1,
                            help="The arm's mean reward.", columns=min(bandit.k, 5))
show_url_messages()
trajectory = train_bandit(bandit, rewards, seed)
t = widget(Knob("bandit_t", bandit.updates, "Inspect update t",
                "Which update the right-hand chart shows (0 is the start).", lo=0,
                hi=bandit.updates), "bandit_t")
t = min(t, bandit.updates)
probs = trajectory["probs"]
paid = trajectory["rewards"]
cloud = np.stack([
    sample_gradients(np.log(probs[t]), paid, bandit.batch_size, np.random.default_rng(seed + i)).mean(0)
    for i in range(CLOUD_SIZE)])
used = trajectory["estimate"][t] if t < bandit.updates else None

left, right = st.columns(2)
left.plotly_chart(charts.arm_paths(probs, paid, marker=t, title="π(a) over updates"),
                  key="fig_bandit_paths")
right.plotly_chart(charts.gradient_cloud(trajectory["exact_grad"][t], cloud, used,
                                         title=f"Gradient at update {t}: exact vs "
                                               f"{CLOUD_SIZE} batch estimates", seed=seed,
                                         reward_scale=float(np.abs(paid).max())),
                   key="fig_bandit_cloud")

best = int(np.argmax(rewards))
drops = np.diff(probs[:, best]) < 0
m = st.columns(4)
m[0].metric(tr("Expected true reward J"), f"{trajectory['expected_true_reward'][t]:.3f}",
            tr(f"{trajectory['expected_true_reward'][t] - trajectory['expected_true_reward'][0]:+.3f} since start"))
m[1].metric(tr(f"π(best arm {best + 1})"), f"{probs[t, best]:.3f}",
            tr(f"{probs[t, best] - probs[0, best]:+.3f} since start"))
m[2].metric(tr("Updates that lowered the best arm"), f"{int(drops.sum())} / {bandit.updates}")
m[3].metric(tr("…when it was not sampled"),
            f"{int((drops & (trajectory['counts'][:, best] == 0)).sum())}")
lesson(PAGE, "positive")

# ---- 2. REINFORCE on a real control task --------------------------------------------------
st.header(tr("2 · REINFORCE on CartPole, live"))
lesson(PAGE, "cartpole")
config = config_widgets(ReinforceConfig, prefix="pg_", columns=4, exclude=("baseline", "critic_lr"),
                        device=current_device())
show_url_messages()
run = run_controls(RUN_KEY, config, functools.partial(train_reinforce, seed=seed))


def draw(run, records):
    if not records:
        st.caption(tr("Collecting the first batch of episodes…"))
        return
    last = records[-1]
    left, right = st.columns([3, 2])
    def returns(recs):
        return charts.band_curve(
            recs, "update", "return_mean", "return_min", "return_max", title="Return per episode",
            xtitle="update", ytitle="return", mean_name="batch mean", band_name="batch min–max",
            extra={"mean of last 20 episodes": "return_avg20"})

    left.plotly_chart(compared(RUN_KEY, returns, records, run, "update"), key="fig_pg_returns")
    entropy = charts.lines(records, "update", {"entropy": "entropy"}, title="Policy entropy",
                           xtitle="update", ytitle="policy entropy (nats)", height=320)
    # from 0 (one action certain) to log |A| (uniform): a wobble of 0.04 nats stays one
    n_actions = space_sizes(st.session_state[RUN_KEY]["config"].env_id)[1]
    entropy.update_yaxes(range=[0, 1.05 * np.log(n_actions)])
    right.plotly_chart(charts.mark_knob_changes(entropy, run.marks, "update"), key="fig_pg_entropy")
    cols = st.columns(4)
    cols[0].metric(tr("Update"), last["update"])
    cols[1].metric(tr("Environment steps"), f"{last['env_steps']:,}")
    cols[2].metric(tr("Mean return (last 20 episodes)"), f"{last['return_avg20']:.1f}")
    cols[3].metric(tr("Policy entropy"), f"{last['entropy']:.3f}")


live_panel(RUN_KEY, draw, tr("Press **Start** to train a policy; the curves grow as it learns."))

st.subheader(tr("Watch the current policy"))
run = current_run(RUN_KEY)
latest = run.latest if run is not None else None
if st.button(tr("Replay one episode"), key="pg_replay", icon=":material/movie:", disabled=latest is None,
             help=tr("Plays one episode with the policy as it is now (start a run first).")):
    run_config = st.session_state[RUN_KEY]["config"]
    policy = policy_from_state(run_config.env_id, run_config.hidden, latest["_policy"])
    coins = RunRandom(seed, stream="replay").cpu  # the replay's own coins, not the process's
    act = lambda obs: int(policy.act(torch.as_tensor(obs, dtype=torch.float32), generator=coins).item())
    frames, total = record_episode(run_config.env_id, act, seed=seed)
    st.session_state["pg_replay_gif"] = (run, frames_to_gif(frames), total, latest["update"])
replay = st.session_state.get("pg_replay_gif")
if replay is not None and replay[0] is not run:  # Reset, or a new run: its policy is gone
    del st.session_state["pg_replay_gif"]
elif replay is not None:
    _, gif, total, update = replay
    st.image(gif, caption=tr(f"Policy after update {update}: return {total:.0f}"))
