"""Every live panel offers its run's metrics, config and model once the run stops (issue 12 item 5)."""
from tests.pages.conftest import wait_for_end


def run_downloads(at):
    """The run panel's download buttons (not the page's "Download a figure")."""
    return [b for b in at.get("download_button") if "pg_run_export" in b.proto.id]


def test_a_finished_run_offers_its_metrics_and_config(app):
    at = app("views/policy_gradient.py", pg_episodes="2", pg_max_updates="3")
    assert not run_downloads(at)
    at.button(key="pg_run_start").click().run()
    wait_for_end(at.session_state["pg_run"]["run"], timeout=120)
    at.run()
    labels = [b.proto.label for b in run_downloads(at)]
    assert labels == ["Metrics (CSV)", "Metrics (JSON)", "Config (JSON)", "Model (safetensors)"]


def test_importing_metrics_draws_a_ghost_and_a_config_restores_the_settings(app):
    from ui.export import config_json, metrics_json
    from core.pg import ReinforceConfig

    at = app("views/policy_gradient.py", pg_episodes="2", pg_max_updates="3")
    at.button(key="pg_run_start").click().run()
    run = at.session_state["pg_run"]["run"]
    wait_for_end(run, timeout=120)
    exported = metrics_json(run.poll(), "pg").encode()
    at.file_uploader(key="pg_run_import").set_value(("mine.json", exported, "application/json")).run()
    assert not at.exception
    assert any("3 records, drawn as the previous run" in s.value for s in at.success)
    names = [t.get("name") for t in __import__("json").loads(
        next(c for c in at.get("plotly_chart") if c.proto.id.endswith("fig_pg_returns")).proto.spec)["data"]]
    assert "previous run" in names
    config = config_json("pg", ReinforceConfig(lr=0.003, episodes=5)).encode()
    at.file_uploader(key="pg_run_import").set_value(("settings.json", config, "application/json")).run()
    assert at.select_slider(key="pg_lr").value == 0.003 and at.slider(key="pg_episodes").value == 5
    wrong = config_json("ppo", ReinforceConfig()).encode()
    at.file_uploader(key="pg_run_import").set_value(("other.json", wrong, "application/json")).run()
    assert any("belongs to the 'ppo' run" in e.value and "Nothing changed" in e.value for e in at.error)
    assert at.select_slider(key="pg_lr").value == 0.003
