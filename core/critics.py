"""Learning V(s) on the random walk: Monte Carlo against temporal difference (S&B ch. 6-7).

Constant-alpha every-visit MC moves V(s_t) towards the whole return G_t, once the episode is
over:        V(s_t) <- V(s_t) + alpha [G_t - V(s_t)]
TD(0) moves it, at every step, towards a one-step bootstrap:
             V(s_t) <- V(s_t) + alpha [r_{t+1} + gamma V(s_{t+1}) - V(s_t)]
n-step TD sits between them: the target is n rewards then V(s_{t+n}).

Episodes are played once on the gymnasium env and replayed to every learner, so MC and TD
(and every alpha) see the same episodes; the arithmetic is vectorised over independent runs.
gamma = 1 throughout, as in the book.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

import gymnasium as gym
import numpy as np

import core.envs  # noqa: F401  (registers RandomWalk-v0)
from core.config import apply_live, knob

MC_ALPHAS = (0.01, 0.02, 0.03, 0.04)  # the alphas of S&B Example 6.2
TD_ALPHAS = (0.05, 0.1, 0.15)


@dataclass
class Walks:
    """Episodes of many independent runs, padded: states (runs, episodes, T) with -1 after the
    end, lengths (runs, episodes) and the reward paid on exit (runs, episodes)."""

    states: np.ndarray
    lengths: np.ndarray
    exit_rewards: np.ndarray
    true_values: np.ndarray


def play_walks(runs: int, episodes: int, seed: int, n_states: int = 5,
               left_reward: float = 0.0) -> Walks:
    """Play `episodes` episodes for each of `runs` runs on RandomWalk-v0 (run r seeded seed+r)."""
    env = gym.make("RandomWalk-v0", n_states=n_states, left_reward=left_reward).unwrapped
    paths, rewards = [], np.zeros((runs, episodes))
    for r in range(runs):
        env.reset(seed=seed + r)
        for e in range(episodes):
            state, _ = env.reset()
            path = [state]
            while True:
                state, reward, terminated, _, _ = env.step(0)
                if terminated:
                    rewards[r, e] = reward
                    break
                path.append(state)
            paths.append(path)
    longest = max(len(p) for p in paths)
    states = np.full((runs * episodes, longest), -1, dtype=np.int64)
    for i, p in enumerate(paths):
        states[i, :len(p)] = p
    lengths = np.array([len(p) for p in paths]).reshape(runs, episodes)
    return Walks(states.reshape(runs, episodes, longest), lengths, rewards, env.true_values())


def nstep_td_episode(V: np.ndarray, states: np.ndarray, length: np.ndarray,
                     exit_reward: np.ndarray, n: int, step: np.ndarray) -> None:
    """One episode of n-step TD (S&B 7.1) for every run, in place. V: (alphas, runs, states);
    states (runs, T), length and exit_reward (runs,); step (alphas, 1).

    At time tau the target is the rewards of steps tau+1..tau+n plus V(s_{tau+n}) when the
    episode is still running then; with gamma = 1 and a reward only on exit that is the exit
    reward if the episode ends within n steps, else V(s_{tau+n}). Updates are online."""
    a_idx, r_idx = np.arange(V.shape[0])[:, None], np.arange(V.shape[1])[None, :]
    last = states.shape[1] - 1
    for tau in range(int(length.max())):
        active = tau < length
        s = np.where(active, states[:, tau], 0)
        ends = tau + n >= length
        s_ahead = np.where(ends | ~active, 0, states[:, min(tau + n, last)])
        target = np.where(ends, exit_reward, V[a_idx, r_idx, s_ahead])
        V[a_idx, r_idx, s] += step * (target - V[a_idx, r_idx, s]) * active


def mc_episode(V: np.ndarray, states: np.ndarray, length: np.ndarray, exit_reward: np.ndarray,
               step: np.ndarray) -> None:
    """One episode of constant-alpha every-visit MC for every run, in place: V(s_t) moves
    towards G_t (the exit reward, gamma = 1) for each t in order, once the episode is over."""
    a_idx, r_idx = np.arange(V.shape[0])[:, None], np.arange(V.shape[1])[None, :]
    for t in range(int(length.max())):
        active = t < length
        s = np.where(active, states[:, t], 0)
        V[a_idx, r_idx, s] += step * (exit_reward - V[a_idx, r_idx, s]) * active


def _learn(walks: Walks, alpha, v0: float, update) -> np.ndarray:
    alphas = np.atleast_1d(np.asarray(alpha, dtype=float))
    runs, episodes, _ = walks.states.shape
    V = np.full((len(alphas), runs, len(walks.true_values)), v0)
    history = [V.copy()]
    for e in range(episodes):
        update(V, walks.states[:, e], walks.lengths[:, e], walks.exit_rewards[:, e], alphas[:, None])
        history.append(V.copy())
    out = np.stack(history, axis=2)
    return out if np.ndim(alpha) else out[0]


def nstep_td(walks: Walks, n: int, alpha, v0: float = 0.5) -> np.ndarray:
    """n-step TD on every run; `alpha` may be an array (one learner per alpha, same episodes).
    Returns V after each episode: (alphas..., runs, episodes + 1, states)."""
    return _learn(walks, alpha, v0,
                  lambda V, s, length, reward, step: nstep_td_episode(V, s, length, reward, n, step))


def td0(walks: Walks, alpha, v0: float = 0.5) -> np.ndarray:
    """TD(0) is one-step TD."""
    return nstep_td(walks, 1, alpha, v0)


def every_visit_mc(walks: Walks, alpha, v0: float = 0.5) -> np.ndarray:
    """Constant-alpha every-visit MC; same shapes as `nstep_td`."""
    return _learn(walks, alpha, v0, mc_episode)


def rms_error(history: np.ndarray, true_values: np.ndarray) -> np.ndarray:
    """Root mean square error over the states, for every run and episode (last axis dropped)."""
    return np.sqrt(((history - true_values) ** 2).mean(axis=-1))


def batch_values(walks: Walks, v0: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Batch updating (S&B 6.3, Figure 6.2): after each episode, train to convergence on all
    episodes so far. We compute the two fixed points directly:

    - batch MC converges to the average return observed after each visit of a state;
    - batch TD(0) converges to the certainty-equivalence estimate: the exact values of the
      Markov model estimated from the observed transitions, V = (I - P_hat)^-1 r_hat.

    States not visited yet keep v0. Returns (mc, td), each (runs, episodes + 1, states)."""
    runs, episodes, _ = walks.states.shape
    S = len(walks.true_values)
    visits = np.zeros((runs, S))
    return_sum = np.zeros((runs, S))
    moves = np.zeros((runs, S, S))  # transition counts between non-terminal states
    exits = np.zeros((runs, S))  # transitions to the terminal state
    exit_reward_sum = np.zeros((runs, S))
    mc, td = [np.full((runs, S), v0)], [np.full((runs, S), v0)]
    for e in range(episodes):
        for r in range(runs):
            path = walks.states[r, e, :walks.lengths[r, e]]
            np.add.at(visits[r], path, 1)
            np.add.at(return_sum[r], path, walks.exit_rewards[r, e])
            np.add.at(moves[r], (path[:-1], path[1:]), 1)
            exits[r, path[-1]] += 1
            exit_reward_sum[r, path[-1]] += walks.exit_rewards[r, e]
        seen = visits > 0
        mc.append(np.where(seen, return_sum / np.maximum(visits, 1), v0))
        leaving = np.maximum(moves.sum(axis=2) + exits, 1)[:, :, None]
        P = np.where(seen[:, :, None], moves / leaving, 0.0)
        r_hat = np.where(seen, exit_reward_sum / leaving[:, :, 0], v0)
        A = np.eye(S)[None] - P  # unseen states: the row says V(s) = v0
        td.append(np.linalg.solve(A, r_hat[..., None])[..., 0])
    return np.stack(mc, axis=1), np.stack(td, axis=1)


@dataclass
class CriticsConfig:
    alpha_mc: float = knob(0.02, "MC step size α", "Constant α of every-visit Monte Carlo.",
                           lo=0.001, hi=0.5, step=0.001, live=True)
    alpha_td: float = knob(0.05, "TD step size α", "Constant α of TD(0).", lo=0.001, hi=0.5,
                           step=0.001, live=True)
    runs: int = knob(100, "Runs N", "Independent runs averaged (bands: their middle half).",
                     lo=1, hi=100)
    episodes: int = knob(100, "Episodes", "Episodes per run.", lo=1, hi=500)
    v0: float = knob(0.5, "Initial V", "Every state's value before learning.", lo=0.0, hi=1.0,
                     step=0.05)
    batch: bool = knob(False, "Batch updating", "After each episode, train to convergence on "
                       "all episodes so far (S&B Figure 6.2).")
    pace: int = knob(20, "Episodes per second", "How fast the live view plays.", lo=1, hi=500,
                     live=True)


def _summary(prefix: str, rms: np.ndarray) -> dict:
    return {f"{prefix}_mean": float(rms.mean()), f"{prefix}_lo": float(np.percentile(rms, 25)),
            f"{prefix}_hi": float(np.percentile(rms, 75))}


def train_mc_vs_td(config: CriticsConfig, seed: int) -> Iterator[dict]:
    """MC and TD(0) on the same episodes of N runs, one record per episode: the RMS error over
    runs (mean and middle half) and run 1's value estimates. `alpha_*` and `pace` are live:
    a change sent to the generator applies from the next episode on, and each record carries
    the values it was made with; batch updating yields the fixed points of S&B Figure 6.2
    instead. The episodes are drawn by the env, seeded from `seed` (no global generator)."""
    walks = play_walks(config.runs, config.episodes, seed)
    true = walks.true_values
    batch = batch_values(walks, config.v0) if config.batch else None
    V_mc = np.full((1, config.runs, len(true)), config.v0)
    V_td = V_mc.copy()
    start = time.perf_counter()
    for e in range(config.episodes + 1):
        if e > 0 and batch is None:
            args = (walks.states[:, e - 1], walks.lengths[:, e - 1], walks.exit_rewards[:, e - 1])
            mc_episode(V_mc, *args, np.array([[config.alpha_mc]]))
            nstep_td_episode(V_td, *args, 1, np.array([[config.alpha_td]]))
        mc, td = (batch[0][:, e], batch[1][:, e]) if batch is not None else (V_mc[0], V_td[0])
        changes = yield {"episode": e, "update": e, "env_steps": int(walks.lengths[:, :e].sum()),
                         "time_s": time.perf_counter() - start, **_summary("rms_mc", rms_error(mc, true)),
                         **_summary("rms_td", rms_error(td, true)), "v_mc": mc[0].copy(),
                         "v_td": td[0].copy(), "alpha_mc": float(config.alpha_mc),
                         "alpha_td": float(config.alpha_td), "pace": int(config.pace)}
        config = apply_live(config, changes)
        time.sleep(1.0 / config.pace)


def alpha_comparison(runs: int, episodes: int, seed: int, v0: float = 0.5) -> dict[str, np.ndarray]:
    """S&B Example 6.2, right: mean RMS error over runs after each episode, for each alpha of
    MC and TD(0), all on the same episodes."""
    walks = play_walks(runs, episodes, seed)
    mc = rms_error(every_visit_mc(walks, np.array(MC_ALPHAS), v0), walks.true_values).mean(axis=1)
    td = rms_error(td0(walks, np.array(TD_ALPHAS), v0), walks.true_values).mean(axis=1)
    out = {f"MC α={a}": c for a, c in zip(MC_ALPHAS, mc)}
    out.update({f"TD α={a}": c for a, c in zip(TD_ALPHAS, td)})
    return out


@dataclass
class NStepConfig:
    runs: int = knob(100, "Runs", "Independent runs averaged.", lo=1, hi=200)
    episodes: int = knob(10, "Episodes", "The error is averaged over these first episodes.",
                         lo=1, hi=50)
    max_n_power: int = knob(9, "Largest n = 2^…", "n runs over 1, 2, 4, …, 2^this.", lo=0, hi=10)
    alpha_points: int = knob(11, "α points", "Step sizes from 0 to 1.", lo=3, hi=41)


def nstep_sweep(config: NStepConfig, seed: int) -> Iterator[dict]:
    """S&B Figure 7.2 on the 19-state walk (-1 left, +1 right, V initialised to 0): for each n,
    the RMS error averaged over the 19 states, the first `episodes` episodes and the runs,
    against alpha. One record per n."""
    walks = play_walks(config.runs, config.episodes, seed, n_states=19, left_reward=-1.0)
    alphas = np.linspace(0.0, 1.0, config.alpha_points)
    for power in range(config.max_n_power + 1):
        history = nstep_td(walks, 2 ** power, alphas, v0=0.0)
        rms = rms_error(history, walks.true_values)[:, :, 1:].mean(axis=(1, 2))
        yield {"n": 2 ** power, "alphas": alphas, "rms": rms,
               "best_alpha": float(alphas[np.argmin(rms)]), "best_rms": float(rms.min())}
