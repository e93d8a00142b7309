"""The learning path: one entry per concept page, in lecture order. app.py builds the
navigation from it and the home page draws its map from it, so the two never disagree."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stop:
    slug: str  # lesson name and URL path
    title: str
    icon: str
    blurb: str

    @property
    def file(self) -> str:
        return f"views/{self.slug}.py"

    @property
    def url_path(self) -> str:
        return self.slug.replace("_", "-")


PATH = (
    Stop("policy_gradient", "Policy gradient (REINFORCE)", "🎯",
         "Push up the log-probability of actions in proportion to the return they led to."),
    Stop("baseline", "Baseline and variance", "📉",
         "Subtract a baseline: the same expected gradient, far less noise."),
    Stop("critics", "Critics: Monte Carlo vs TD", "🔭",
         "Learn V(s) from whole returns or from one-step bootstraps."),
    Stop("actor_critic", "Advantage and actor-critic", "🤝",
         "Replace the return by an advantage estimated with a critic (GAE)."),
    Stop("off_policy", "Importance sampling", "⚖️",
         "Reuse old samples with π/π_old, and see the variance that costs."),
    Stop("ppo", "PPO", "✂️",
         "Clip the ratio (or penalise KL) so many steps on one batch stay safe."),
    Stop("rlhf", "RLHF on a tiny GPT-2", "🤖",
         "Preferences, a reward model and PPO with a KL leash on a real language model."),
    Stop("after_ppo", "After PPO: GRPO, DPO, best-of-N", "🧭",
         "The KL estimators, critic-free group baselines, DPO and best-of-N on one frontier."),
)


def next_stop(url_path: str) -> Stop | None:
    """The stop after the page at `url_path` ("" for home: the first stop); None after the last."""
    paths = [""] + [stop.url_path for stop in PATH]
    if url_path not in paths:
        return None
    i = paths.index(url_path)
    return PATH[i] if i < len(PATH) else None
