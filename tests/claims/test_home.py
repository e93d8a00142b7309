"""What the home page tells the student and the instructor they will see.

1. The path: one card per concept page, in the lecture's order, each with a link to its page.
2. "Fix the seed in the sidebar and the same settings give the same curve": a run started
   twice with the same seed draws the same curve; another seed draws another.
3. "Pause, change the learning rate, and Resume": the change made while paused is what the
   run trains with after Resume (the records say so).
"""
import time

from tests.claims.conftest import figures, flat, trace, wait_for_end, wait_for_records  # noqa: F401
from ui.path import PATH

PG = "views/policy_gradient.py"
BUDGET = {"pg_episodes": "2", "pg_max_updates": "4"}


def test_claim_1_the_path_lists_every_page_in_order_with_its_link(app):
    at = app()
    cards = [link.proto.page for link in at.get("page_link") if link.proto.label == "Open →"]
    assert cards == [stop.url_path for stop in PATH]  # in the lecture's order, row by row
    cards = [m.value for m in at.markdown]
    for i, stop in enumerate(PATH):  # each card numbered in the lecture's order
        assert f"**{i + 1}. {stop.icon} {stop.title}**" in cards


def pg_curve(app, seed: int) -> list:
    at = app(PG, seed=str(seed), **BUDGET)
    at.button(key="pg_run_start").click().run()
    run = at.session_state["pg_run"]["run"]
    wait_for_end(run, timeout=120)
    at.run()
    return flat(trace(figures(at)["fig_pg_returns"], "batch mean")["y"]).tolist()


def test_claim_2_same_seed_same_curve(app):
    first, again, other = pg_curve(app, 5), pg_curve(app, 5), pg_curve(app, 6)
    assert len(first) == 4 and first == again
    assert other != first


def test_claim_3_a_change_made_while_paused_applies_after_resume(app):
    at = app(PG, pg_episodes="2")
    at.button(key="pg_run_start").click().run()
    run = at.session_state["pg_run"]["run"]
    wait_for_records(run, 2)
    at.button(key="pg_run_pause").click().run()
    at.select_slider(key="pg_lr").set_value(0.002).run()
    at.button(key="pg_run_pause").click().run()  # now labelled Resume
    end = time.monotonic() + 60
    while run.latest["lr"] != 0.002 and time.monotonic() < end:
        run.poll()
        time.sleep(0.05)
    assert run.latest["lr"] == 0.002
