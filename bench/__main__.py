"""`python -m bench` runs every benchmark; `python -m bench NAME...` runs some (a group such as
`reinforce`, or any figure's name). Prints one `name: value unit` line per figure and merges
the figures into bench/results.json."""
import json
import sys
from pathlib import Path

import torch

from core.pg import BASELINES

from bench import (actor_critic, after_ppo, app_render, bandit_update, baseline, classroom, offpolicy, ppo,
                   reinforce, rlhf, rlhf_gpu, scenarios, seen, seen_goals)

GROUPS = {
    "reinforce": (reinforce.run, ("reinforce_cartpole_time_to_475_s", "reinforce_cartpole_steps_to_475")),
    "app": (app_render.run, ("app_first_render_s",)),
    "bandit": (bandit_update.run, ("bandit_update_ms",)),
    "baseline": (baseline.run, tuple(f"baseline_cartpole_time_to_195_s_{b}" for b in BASELINES)
                 + ("baseline_grad_variance_ratio", "baseline_seeds_update_ms")),
    "actor_critic": (actor_critic.run, ("a2c_cartpole_time_to_475_s", "a2c_cartpole_steps_to_475",
                                        "randomwalk_100runs_s")),
    "offpolicy": (offpolicy.run, ("is_update_ms", "offpolicy_reuse_best_k")),
    "ppo": (ppo.run, ("ppo_cartpole_time_to_475_s", "ppo_cartpole_steps_to_475", "ppo_variants_table")),
    "seen": (seen.run, tuple(f"seen_{page}_{what}" for page in seen.LIVE_PAGES
                             for what in ("first_point_s", "browser_cpu", "update_ratio"))
             + ("seen_server_cpu_per_session",)),
    "seen_goals": (seen_goals.run, ("seen_ppo_clip_solve_s", "seen_rlhf_rm_s", "seen_rlhf_ppo_update_s")),
    "scenarios": (scenarios.run, tuple(f"scenario_to_effect_s_{s.slug.replace('-', '_')}"
                                       for page in scenarios.SCENARIOS.values() for s in page)),
    "classroom": (classroom.run, classroom.FIGURES),
    "rlhf_gpu": (rlhf_gpu.run, ("rlhf_gpu_ppo_update_s_tiny", "rlhf_gpu_ppo_update_s_large",
                                "rlhf_gpu_large_parameters")),
    "after_ppo": (after_ppo.run, ("grpo_update_s", "dpo_step_s", "frontier_all_methods_s")),
    "rlhf": (rlhf.run, ("rlhf_rm_train_s", "rlhf_ppo_update_s", "rlhf_demo_total_s", "rlhf_peak_rss_mb")),
}
RESULTS = Path(__file__).resolve().parent / "results.json"


def main(argv: list[str]) -> int:
    torch.set_num_threads(1)
    wanted = argv or list(GROUPS)
    chosen = []
    for name in wanted:
        group = next((g for g, (_, figures) in GROUPS.items() if name == g or name in figures), None)
        if group is None:
            print(f"unknown benchmark {name!r}; choose from {', '.join(GROUPS)} or a figure name",
                  file=sys.stderr)
            return 2
        if group not in chosen:
            chosen.append(group)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for group in chosen:
        for name, value, unit, detail in GROUPS[group][0]():
            print(f"{name}: {value:.4g} {unit}", flush=True)
            results[name] = {"value": value, "unit": unit, **detail}
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
