"""Two web replicas behind nginx, runs on a local Ray cluster, all on loopback, driven by
headless Chromium (issue 13): pages open and train through nginx, a labels file uploads (an
upload is a separate HTTP request that must reach the replica holding the session), and one
replica's restart moves the page to the other one, where its run on the cluster goes on."""
import os
import re
import shutil

import pytest

from tests.browser.conftest import CHROMIUM, CONNECTED, open_page, screenshot

if os.environ.get("REQUIRE_CLUSTER_TESTS"):  # CI: a missing piece fails, never skips
    import ray  # noqa: F401
else:
    pytest.importorskip("ray", reason="Ray is optional: pip install -r requirements-cluster.txt")
    if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
        pytest.skip("no nginx (apt-get install nginx)", allow_module_level=True)
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

UPDATES = re.compile(r"(\d+) updates")


@pytest.fixture(scope="module")
def stack():
    from deploy.cluster import stack as start

    with start(replicas=2) as running:
        yield running


def updates(page) -> int:
    text = " ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts())
    found = UPDATES.search(text)
    return int(found.group(1)) if found else 0


def upload_labels(page, path) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_text("Imported 2 pairs from labels.json.").filter(visible=True).first.wait_for(timeout=60_000)


def test_through_nginx_a_class_trains_uploads_and_outlives_a_replica(stack, browser, tmp_path):
    from core.rlhf.labeler import pairs_to_json

    labels = tmp_path / "labels.json"
    labels.write_text(pairs_to_json([{"prompt": "the cat", "a": "is warm", "b": "is cold", "preferred": 0},
                                     {"prompt": "the dog", "a": "runs", "b": "sleeps", "preferred": 1}]))
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    try:
        page = context.new_page()
        open_page(page, stack.url)  # home, through nginx
        [cookie] = [c for c in context.cookies() if c["name"] == "rlhf_replica"]
        first = int(cookie["value"])  # the replica this browser sticks to

        # an upload reaches the replica that holds the session
        rlhf = context.new_page()
        open_page(rlhf, f"{stack.url}/rlhf")
        upload_labels(rlhf, labels)

        # a run on the cluster, watched through nginx
        open_page(page, f"{stack.url}/policy-gradient?pg_max_updates=5000")
        page.locator(".st-key-pg_run_start button").click()
        page.wait_for_function("() => /[1-9]\\d* updates/.test(document.body.innerText)", timeout=120_000)
        assert "pg_run_cluster=run-" in page.url  # the run's actor name, for a reload elsewhere

        # the replica this browser is on restarts: the page moves to the other one
        stack.stop_replica(first)
        page.get_by_text("This page reconnected to another replica").filter(visible=True).first.wait_for(timeout=60_000)
        page.wait_for_selector(CONNECTED, timeout=60_000)
        before = updates(page)
        page.wait_for_function(f"() => (+((document.body.innerText.match(/(\\d+) updates/) || [0, 0])[1])) > {before}",
                               timeout=60_000)  # its run kept training on the cluster
        assert [c["value"] for c in context.cookies() if c["name"] == "rlhf_replica"] == [str(1 - first)]
        stack.start_replica(first)

        # after the move, uploads follow the browser to its new replica
        rlhf.reload()
        rlhf.wait_for_selector(CONNECTED, timeout=60_000)
        upload_labels(rlhf, labels)
        screenshot(page, "replicas_after_restart")
        page.locator(".st-key-pg_run_stop button").click()
        page.get_by_text("Stopped.").filter(visible=True).first.wait_for(timeout=60_000)
        for each in (page, rlhf):
            assert each.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()
