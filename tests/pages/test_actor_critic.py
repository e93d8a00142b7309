import pytest

from tests.pages.conftest import plotly_specs, wait_for_records

PAGE = "views/actor_critic.py"


def test_page_renders_the_lambda_tradeoff(app):
    at = app(PAGE)
    assert not at.exception and not at.warning
    tradeoff = next(s for s in plotly_specs(at) if "against λ" in s["layout"]["title"]["text"])
    assert [t["name"] for t in tradeoff["data"]][:3] == ["bias²", "variance", "MSE = bias² + variance"]
    assert tradeoff["data"][3]["name"].startswith("lowest MSE")


def test_lambda_slider_moves_the_marker_and_metrics(app):
    at = app(PAGE)
    at.slider(key="gae_lam").set_value(0.0).run()
    assert not at.exception
    assert at.metric[1].label == "Mean GAE(0) estimate"


def test_four_variants_on_k_seeds(app):
    at = app(PAGE, ac_seeds="2", ac_envs="2", ac_steps="8")
    at.button(key="ac_run_start").click().run()
    run = at.session_state["ac_run"]["run"]
    wait_for_records(run, 2)
    record = run.latest
    assert record["variants"] == ["reinforce", "mc", "td", "gae"]
    assert record["return_avg20"].shape == (4, 2)
    assert record["variants_of"]["explained_variance"] == ["mc", "td", "gae"]
    at.run()
    assert not at.exception
    titles = [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    assert "Explained variance of the critic" in titles
    assert any(t.startswith("GAE critic V(s)") for t in titles)


@pytest.mark.parametrize("query", [{"gae_lam": "2"}, {"ac_seeds": "abc"}, {"ac_env_id": "Pong"}])
def test_bad_url_values(app, query):
    at = app(PAGE, **query)
    assert not at.exception
    assert any(f"{next(iter(query))}=" in w.value for w in at.warning)
