"""Gymnasium environments used by the pages.

CartPole has a native numpy vector env (one step for all copies at once); other classic-control
envs fall back to gymnasium's SyncVectorEnv. Both autoreset on the step after an episode ends,
which the trainers handle by masking.
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np

ENV_IDS = ("CartPole-v1", "Acrobot-v1")

# Returns of a uniformly random policy and the env's ceiling, for normalised scores.
RETURN_RANGE = {"CartPole-v1": (22.0, 500.0), "Acrobot-v1": (-500.0, -60.0)}


def make_vec_env(env_id: str, num_envs: int) -> gym.vector.VectorEnv:
    """`num_envs` copies of `env_id`, vectorised the fastest way gymnasium offers."""
    try:
        return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point")
    except gym.error.Error:
        return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="sync")


def space_sizes(env_id: str) -> tuple[int, int]:
    """(observation size, number of discrete actions) of a single env."""
    env = gym.make(env_id)
    try:
        return int(np.prod(env.observation_space.shape)), int(env.action_space.n)
    finally:
        env.close()


def record_episode(env_id: str, act, seed: int, max_steps: int = 500, every: int = 2,
                   scale: int = 2) -> tuple[list[np.ndarray], float]:
    """Play one episode with `act(obs) -> action`; return every `every`-th rgb frame
    (downscaled by `scale`) and the episode's return."""
    env = gym.make(env_id, render_mode="rgb_array")
    try:
        obs, _ = env.reset(seed=seed)
        frames, total = [], 0.0
        for t in range(max_steps):
            if t % every == 0:
                frames.append(env.render()[::scale, ::scale])
            obs, reward, terminated, truncated, _ = env.step(act(obs))
            total += float(reward)
            if terminated or truncated:
                break
        frames.append(env.render()[::scale, ::scale])
        return frames, total
    finally:
        env.close()
