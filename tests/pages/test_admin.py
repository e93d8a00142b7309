"""The admin view (issue 13): absent unless the server has a token, refuses without it, and
lists and stops every active run with it."""
import functools
import itertools
import time

from core.runner import active_runs, new_run

TOKEN = "s3cret-for-tests"


def endless(delay: float = 0.01):
    for i in itertools.count(1):
        time.sleep(delay)
        yield {"update": i, "time_s": 0.0, "env_steps": i}


def test_without_a_server_token_there_is_no_admin_page(app, monkeypatch):
    monkeypatch.delenv("RLHF_PLAYGROUND_ADMIN_TOKEN", raising=False)
    at = app()
    try:
        at.switch_page("views/admin.py").run()
    except Exception:
        return  # not registered: AppTest refuses to switch to it
    assert not any("Runs on this server" in t.value for t in at.title)


def test_the_admin_view_refuses_a_missing_or_wrong_token(app, monkeypatch):
    monkeypatch.setenv("RLHF_PLAYGROUND_ADMIN_TOKEN", TOKEN)
    for query in ({}, {"token": "guess"}, {"token": TOKEN + "x"}):
        at = app("views/admin.py", **query)
        assert at.error and "admin token" in at.error[0].value
        assert not at.button


def test_the_admin_view_lists_runs_and_stops_one(app, monkeypatch):
    monkeypatch.setenv("RLHF_PLAYGROUND_ADMIN_TOKEN", TOKEN)
    run = new_run(functools.partial(endless), name="pg_run")
    run.start()
    try:
        end = time.monotonic() + 60
        while run.n_seen < 2 and time.monotonic() < end:
            run.poll()
            time.sleep(0.05)
        at = app("views/admin.py", token=TOKEN)
        assert not at.exception
        assert any("`pg_run`" in m.value for m in at.markdown)
        stop = [b for b in at.button if b.key and b.key.startswith("admin_stop_")]
        assert len(stop) == len(active_runs()) >= 1
        mine = next(b for b in stop if b.key.endswith(str(id(run))))
        mine.click().run()
        assert run.join(30) and run.status == "stopped"
        assert run.message == "Stopped by the instructor."
    finally:
        run.stop()
        run.join(10)


def test_a_cluster_named_in_the_secrets_sends_runs_there(app, monkeypatch):
    """Issue 13: `ray_address` in .streamlit/secrets.toml names the Ray cluster, as RAY_ADDRESS
    does (core.cluster); without either, runs stay on this server's workers."""
    import os

    from streamlit.testing.v1 import AppTest

    from core.runner import backend
    from tests.pages.conftest import APP

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.delenv("RLHF_PLAYGROUND_BACKEND", raising=False)
    app()
    assert "RAY_ADDRESS" not in os.environ and backend() == "process"
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["ray_address"] = "127.0.0.1:6390"
    try:
        at.run()
        assert not at.exception
        assert os.environ["RAY_ADDRESS"] == "127.0.0.1:6390" and backend() == "ray"
    finally:
        os.environ.pop("RAY_ADDRESS", None)
