"""One record convention across trainers (issue 11): every record a trainer yields has

- `update`: the step counter, 1, 2, 3, ... (an optimiser update; for the MC/TD critics, the
  episodes learned from, starting at 0 for the initial estimate);
- `time_s`: seconds of training since the trainer started, never decreasing;
- `env_steps`: interactions with the environment so far, never decreasing (for RLHF PPO the
  tokens generated: each token is one action of the token-level MDP). The reward model is
  the one trainer without it: it reads a fixed set of labelled pairs, it acts in no
  environment.

A lockstep comparison keeps `update` and `time_s` as numbers and carries `env_steps` per
(variant, seed)."""
import functools
import itertools

import numpy as np
import pytest

from core.actor_critic import ActorCriticConfig, train_comparison
from core.critics import CriticsConfig, train_mc_vs_td
from core.offpolicy import ReuseConfig, train_reuse_comparison
from core.pg import ReinforceConfig, train_baseline_comparison, train_reinforce
from core.ppo import PPOConfig, train_ppo_comparison

TRAINERS = {
    "reinforce": functools.partial(train_reinforce, ReinforceConfig(episodes=2), 0),
    "baseline": functools.partial(train_baseline_comparison, ReinforceConfig(episodes=2), (0, 1)),
    "critics": functools.partial(train_mc_vs_td, CriticsConfig(runs=3, episodes=5, pace=500), 0),
    "actor_critic": functools.partial(train_comparison, ActorCriticConfig(envs=2, steps=8), (0, 1)),
    "reuse": functools.partial(train_reuse_comparison, ReuseConfig(), (0, 1)),
    "ppo": functools.partial(train_ppo_comparison, PPOConfig(envs=2, steps=16, epochs=1), (0, 1)),
}


def check_convention(records: list[dict], first_update: int = 1, env: bool = True) -> None:
    updates = [r["update"] for r in records]
    assert updates == list(range(first_update, first_update + len(records)))
    times = [r["time_s"] for r in records]
    assert all(isinstance(t, float) and t >= 0 for t in times) and times == sorted(times)
    if env:
        steps = [np.asarray(r["env_steps"], dtype=float) for r in records]
        assert all(np.all(b >= a) for a, b in zip(steps, steps[1:]))
        assert np.all(steps[-1] > 0)


@pytest.mark.parametrize("name", TRAINERS)
def test_every_trainer_reports_update_time_and_env_steps(name):
    iterator = TRAINERS[name]()
    records = list(itertools.islice(iterator, 3))
    iterator.close()
    check_convention(records, first_update=0 if name == "critics" else 1)


def test_the_language_model_trainers_follow_it():
    from core.rlhf.corpus import PROMPTS
    from core.rlhf.labeler import simulated_pairs
    from core.rlhf.model import ASSETS, load
    from core.rlhf.ppo_lm import RLHFConfig, train_rlhf
    from core.rlhf.reward import RewardConfig, train_reward_model

    lm, tok = load(ASSETS)
    pairs = simulated_pairs(lm, tok, list(PROMPTS), 40, seed=0)
    records = list(train_reward_model(RewardConfig(epochs=1, batch=8), lm, tok, pairs, seed=0))
    check_convention(records, env=False)
    assert "env_steps" not in records[0]
    rm = records[-1]["_rm"]
    records = list(train_rlhf(RLHFConfig(prompts=4, new_tokens=4, epochs=1, max_updates=2), lm, tok,
                              rm, list(PROMPTS), seed=0))
    check_convention(records)
    assert records[0]["env_steps"] <= 4 * 4  # at most new_tokens per prompt
