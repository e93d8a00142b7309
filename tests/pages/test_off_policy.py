import pytest

from tests.pages.conftest import plotly_specs, wait_for_records

PAGE = "views/off_policy.py"


def test_page_renders_closed_forms_beside_samples(app):
    at = app(PAGE)
    assert not at.exception and not at.warning
    table = at.dataframe[0].value
    assert table.iloc[1, 1] == "2.7183"  # E_q[w^2] = e for p = N(0,1), q = N(1,1)
    assert abs(float(table.iloc[1, 2]) - 2.7183) < 0.3


@pytest.mark.parametrize("sigma_q", ["0.7", "0.5", "0.2"])
def test_infinite_variance_region_warns_without_an_exception(app, sigma_q):
    at = app(PAGE, is_sigma_q=sigma_q)
    assert not at.exception
    assert any("infinite" in w.value for w in at.warning)
    assert at.dataframe[0].value.iloc[1, 1] == "inf"


def test_every_test_function_and_the_drift_slider(app):
    at = app(PAGE)
    for f in ("x²", "1{x > 1}"):
        at.selectbox(key="is_f").set_value(f).run()
        assert not at.exception
    at.slider(key="drift_kl").set_value(1.5).run()
    assert at.metric[0].value == "1.500"


def test_autograd_check_agrees(app):
    at = app(PAGE)
    caption = next(c.value for c in at.caption if "largest difference" in c.value)
    assert float(caption.split("largest difference ")[1].rstrip(".")) < 1e-9


def test_reuse_comparison_runs(app):
    at = app(PAGE, op_seeds="1", op_episodes="2")
    at.button(key="op_run_start").click().run()
    run = at.session_state["op_run"]["run"]
    wait_for_records(run, 2)
    assert run.latest["variants"] == ["1", "4", "16"]
    at.run()
    assert not at.exception
    assert "Return against samples collected" in [s["layout"]["title"]["text"] for s in plotly_specs(at)]


@pytest.mark.parametrize("query", [{"is_n": "0"}, {"is_f": "sin"}, {"drift_kl": "abc"}, {"op_lr": "5"}])
def test_bad_url_values(app, query):
    at = app(PAGE, **query)
    assert not at.exception
    assert any(f"{next(iter(query))}=" in w.value for w in at.warning)
