"""Knobs marked live act live on every page (issue item 9): moved mid-run, the new value
reaches every trainer of the run (each variant and seed) through the run's own channel, shows
up in the records, and is marked on the run's chart."""
import json
import time

import numpy as np
import pytest

from tests.pages.conftest import wait_for_records

# page, URL budget, run key, live widget, new value, record key
CASES = [
    ("views/policy_gradient.py", {"pg_episodes": "2"}, "pg_run", "pg_lr", 0.003, "lr"),
    ("views/baseline.py", {"cp_seeds": "2", "cp_episodes": "2"}, "bl_run", "cp_lr", 0.003, "lr"),
    ("views/critics.py", {"cr_runs": "2"}, "cr_run", "cr_alpha_td", 0.1, "alpha_td"),
    ("views/actor_critic.py", {"ac_seeds": "1", "ac_envs": "2", "ac_steps": "8"}, "ac_run", "ac_lr", 0.001, "lr"),
    ("views/off_policy.py", {"op_seeds": "1", "op_episodes": "2"}, "op_run", "op_lr", 0.003, "lr"),
    ("views/ppo.py", {"ppo_seeds": "1", "ppo_envs": "2", "ppo_steps": "16", "ppo_epochs": "1"},
     "ppo_run", "ppo_lr", 0.001, "lr"),
]


def set_widget(at, key, value):
    for kind in ("select_slider", "slider", "number_input"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            found[0].set_value(value)
            return at.run()
    raise AssertionError(f"no widget {key}")


@pytest.mark.parametrize("page,query,run_key,widget_key,value,record_key", CASES,
                         ids=[c[0].split("/")[1][:-3] for c in CASES])
def test_a_live_change_reaches_every_trainer_and_is_marked(app, page, query, run_key, widget_key,
                                                           value, record_key):
    at = app(page, **query)
    at.button(key=f"{run_key}_start").click().run()
    run = at.session_state[run_key]["run"]
    wait_for_records(run, 1, timeout=60)
    before = np.asarray(run.latest[record_key])
    assert not np.any(before == value)
    set_widget(at, widget_key, value)
    assert not at.exception
    end = time.monotonic() + 60
    while time.monotonic() < end and not np.all(np.asarray(run.latest[record_key]) == value):
        run.poll()
        time.sleep(0.05)
    assert np.all(np.asarray(run.latest[record_key]) == value), (run.latest[record_key], run.message)
    [mark] = run.marks
    assert mark["changes"] == {record_key: value}
    at.run()
    assert not at.exception
    drawn = [a for chart in at.get("plotly_chart")
             for a in json.loads(chart.proto.spec)["layout"].get("annotations", [])]
    assert any(f"{record_key} → {value:g}" in a.get("text", "") for a in drawn), "the change is not marked"
