"""Every live panel offers its run's metrics and config once the run stops (issue 12 item 5)."""
from tests.pages.conftest import wait_for_end


def test_a_finished_run_offers_its_metrics_and_config(app):
    at = app("pages/policy_gradient.py", pg_episodes="2", pg_max_updates="3")
    assert not at.get("download_button")
    at.button(key="pg_run_start").click().run()
    wait_for_end(at.session_state["pg_run"]["run"], timeout=120)
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Metrics (CSV)", "Metrics (JSON)", "Config (JSON)"]
