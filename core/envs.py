"""Gymnasium environments used by the pages.

CartPole has a native numpy vector env (one step for all copies at once); other classic-control
envs fall back to gymnasium's SyncVectorEnv. Both autoreset on the step after an episode ends,
which the trainers handle by masking.
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np

from core.config import knob

ENV_IDS = ("CartPole-v1", "Acrobot-v1")


def env_knob():
    """The environment choice every control-task trainer shares."""
    return knob("CartPole-v1", "Environment", "Which gymnasium environment to solve.",
                choices=ENV_IDS)


def gamma_knob():
    return knob(0.99, "Discount gamma", "How much a reward k steps later counts (gamma^k).",
                lo=0.8, hi=1.0, step=0.001)


def hidden_knob(default: int, what: str = "the policy's two hidden layers"):
    return knob(default, "Hidden units", f"Width of {what}.", lo=4, hi=256)

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


class RandomWalkEnv(gym.Env):
    """The random walk of Sutton & Barto (Example 6.2 with 5 states, Figure 7.2 with 19).

    States 0..n-1 in a row (A..E for n = 5), start in the middle; every step moves left or
    right with equal probability whatever the action (the single action is "wait and see": the
    walk is a Markov reward process for learning values). Walking off the right end pays
    `right_reward` (1), off the left end `left_reward` (0 in Example 6.2, -1 in Figure 7.2).
    With gamma = 1 the true value of state i is the probability-weighted exit reward:
    left + (right - left) * (i + 1) / (n + 1), i.e. 1/6 .. 5/6 for the 5-state walk.
    """

    metadata = {"render_modes": []}

    def __init__(self, n_states: int = 5, left_reward: float = 0.0, right_reward: float = 1.0):
        if n_states < 1 or n_states % 2 == 0:
            raise ValueError("n_states must be a positive odd number (the walk starts in the middle)")
        self.n_states, self.left_reward, self.right_reward = n_states, left_reward, right_reward
        self.observation_space = gym.spaces.Discrete(n_states)
        self.action_space = gym.spaces.Discrete(1)
        self.state = n_states // 2

    def true_values(self) -> np.ndarray:
        i = np.arange(1, self.n_states + 1)
        return self.left_reward + (self.right_reward - self.left_reward) * i / (self.n_states + 1)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.state = self.n_states // 2
        return self.state, {}

    def step(self, action):
        self.state += 1 if self.np_random.random() < 0.5 else -1
        if self.state < 0:
            return 0, self.left_reward, True, False, {}
        if self.state >= self.n_states:
            return self.n_states - 1, self.right_reward, True, False, {}
        return self.state, 0.0, False, False, {}


gym.register(id="RandomWalk-v0", entry_point="core.envs:RandomWalkEnv")


class ChainEnv(gym.Env):
    """A row of n states with a choice: action 0 steps left, 1 steps right, but with
    probability `slip` the step goes the other way. Start in the middle; walking off the right
    end pays 1 and ends the episode, off the left end pays 0; every step costs `step_cost`.

    Small enough to solve exactly: `model()` gives the transition matrices and expected
    rewards, from which `exact_values` computes V, Q and the advantage of any policy."""

    metadata = {"render_modes": []}

    def __init__(self, n_states: int = 7, slip: float = 0.2, step_cost: float = 0.02):
        self.n_states, self.slip, self.step_cost = n_states, slip, step_cost
        self.observation_space = gym.spaces.Discrete(n_states)
        self.action_space = gym.spaces.Discrete(2)
        self.state = n_states // 2

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.state = self.n_states // 2
        return self.state, {}

    def step(self, action):
        direction = 1 if int(action) == 1 else -1
        if self.np_random.random() < self.slip:
            direction = -direction
        self.state += direction
        if self.state < 0:
            return 0, -self.step_cost, True, False, {}
        if self.state >= self.n_states:
            return self.n_states - 1, 1.0 - self.step_cost, True, False, {}
        return self.state, -self.step_cost, False, False, {}

    def model(self) -> tuple[np.ndarray, np.ndarray]:
        """P[a, s, s'] between non-terminal states and r[a, s], the expected reward."""
        S = self.n_states
        P, r = np.zeros((2, S, S)), np.full((2, S), -self.step_cost)
        for a, direction in ((0, -1), (1, 1)):
            for s in range(S):
                for d, p in ((direction, 1 - self.slip), (-direction, self.slip)):
                    if 0 <= s + d < S:
                        P[a, s, s + d] += p
                    elif s + d >= S:
                        r[a, s] += p
        return P, r

    def exact_values(self, p_right: float, gamma: float) -> tuple[np.ndarray, np.ndarray]:
        """(V, Q) of the policy that steps right with probability p_right."""
        P, r = self.model()
        pi = np.array([1 - p_right, p_right])
        V = np.linalg.solve(np.eye(self.n_states) - gamma * np.tensordot(pi, P, 1), pi @ r)
        Q = r + gamma * P @ V
        return V, Q


gym.register(id="Chain-v0", entry_point="core.envs:ChainEnv")
