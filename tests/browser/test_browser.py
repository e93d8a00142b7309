from pathlib import Path

import pytest

from tests.browser.conftest import CONNECTED, button, open_page, screenshot, settle, stop_run
from ui.path import PATH

PAGES = [("home", "")] + [(stop.slug, stop.url_path) for stop in PATH]

# The number of points in the plotly chart titled `title` (its longest trace). Read from
# plotly's _fullData: the charts send float32 typed arrays, which `el.data` keeps encoded.
POINTS = """(title) => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    if (el.layout && el.layout.title && el.layout.title.text.includes(title))
      return Math.max(0, ...(el._fullData || []).map(d => (d.x ? d.x.length : 0)));
  }
  return 0;
}"""


@pytest.mark.parametrize("name,path", PAGES)
def test_every_page_loads_without_an_exception(app_url, page, name, path):
    open_page(page, f"{app_url}/{path}")
    # the whole page, not its first half: spinners ("Loading the model…") gone first
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSpinner']\")", timeout=60_000)
    page.wait_for_timeout(500)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, name)


def test_a_live_reinforce_run_grows_its_chart(app_url, page):
    open_page(page, f"{app_url}/policy-gradient?pg_episodes=4")
    button(page, "Start").click()
    page.wait_for_function(f"({POINTS})('Return per episode') >= 3", timeout=30_000)
    first = page.evaluate(POINTS, "Return per episode")
    page.wait_for_function(f"({POINTS})('Return per episode') > {first + 3}", timeout=30_000)
    screenshot(page, "policy_gradient_live")
    button(page, "Pause").click()
    button(page, "Resume").filter(visible=True).first.wait_for(timeout=10_000)
    stop_run(page)
    assert page.locator("[data-testid='stException']").count() == 0


# what the browser does when its tab goes to the background (or comes back)
SET_HIDDEN = """(hidden) => {
  Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def test_a_background_tab_stops_redrawing_and_catches_up(app_url, page):
    """Issue 11: a tab in the background does not redraw; the run trains on, and its charts
    come back up to date when the student returns."""
    open_page(page, f"{app_url}/policy-gradient?pg_episodes=4")
    button(page, "Start").click()
    page.wait_for_function(f"({POINTS})('Return per episode') >= 3", timeout=30_000)
    page.evaluate(SET_HIDDEN, True)
    page.get_by_text("The charts pause while this tab is in the background").filter(visible=True).first.wait_for(timeout=10_000)
    page.wait_for_function(f"({POINTS})('Return per episode') == 0", timeout=10_000)  # not drawn
    before = page.evaluate("() => document.body.innerText.match(/(\\d+) updates/)[1]")
    page.wait_for_timeout(3000)
    after = page.evaluate("() => document.body.innerText.match(/(\\d+) updates/)[1]")
    assert int(after) > int(before)  # the status line still moves: the run trains on
    page.evaluate(SET_HIDDEN, False)
    page.wait_for_function(f"({POINTS})('Return per episode') >= {int(after)}", timeout=10_000)
    stop_run(page)
    assert page.locator("[data-testid='stException']").count() == 0


@pytest.mark.parametrize("name,path", PAGES)
def test_every_page_ends_with_a_next_link_and_has_the_glossary(app_url, page, name, path):
    """Issue 12 item 7, as a student finds it: the next page of the path at the end, and the
    glossary in the sidebar."""
    from ui.path import next_stop

    open_page(page, f"{app_url}/{path}")
    after = next_stop(path)
    label = f"Next: {after.title}" if after else "Back to the start"
    page.locator("[data-testid='stPageLink']").filter(has_text=label).last.wait_for(timeout=30_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Glossary").click()
    sidebar.get_by_text("Reward model").first.wait_for(timeout=10_000)


def test_on_a_phone_the_path_reads_in_order(app_url, browser):
    """Issue 12 item 9: at 390 px the columns stack; the cards must still read 1, 2, 3, ..."""
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        open_page(phone, app_url)
        tops = []
        for i, stop in enumerate(PATH):
            card = phone.get_by_text(f"{i + 1}. {stop.icon} {stop.title}", exact=True).filter(visible=True).first
            card.wait_for(timeout=30_000)
            tops.append(card.bounding_box()["y"])
        assert tops == sorted(tops), tops
        screenshot(phone, "home_phone")
    finally:
        phone.close()


# the gap, in px, from the bottom of the run's Start button to the top of the first chart
# below it, as the page is laid out now
START_TO_CHART = """(startKey) => {
  const button = document.querySelector(`.st-key-${startKey} button`);
  if (!button) return null;  // between two renders
  const start = button.getBoundingClientRect().bottom;
  const tops = [...document.querySelectorAll('.js-plotly-plot')].map(p => p.getBoundingClientRect().top)
    .filter(top => top > start);
  return tops.length ? Math.min(...tops) - start : null;
}"""
LIVE = {"policy_gradient": "pg_run", "baseline": "bl_run", "critics": "cr_run", "actor_critic": "ac_run",
        "off_policy": "op_run", "ppo": "ppo_run"}
FIRST_CHART = {"policy_gradient": "fig_pg_returns", "baseline": "fig_returns", "critics": "fig_cr_values",
               "actor_critic": "fig_ac_returns", "off_policy": "fig_op_returns", "ppo": "fig_ppo_returns"}


@pytest.mark.parametrize("name,path", [(n, p) for n, p in PAGES if n in LIVE])
def test_on_a_phone_start_sits_right_above_its_chart(app_url, browser, name, path):
    """Issue 12 item 9: at 390 px, a student who presses Start sees the chart it drives: the
    chart begins within half a phone screen (400 px) of the button."""
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        open_page(phone, f"{app_url}/{path}")
        key = LIVE[name]
        phone.locator(f".st-key-{key}_start button").click()
        # the run's first chart drawn (a static chart further down would count until then)
        phone.locator(f".st-key-{FIRST_CHART[name]} .js-plotly-plot").filter(visible=True).first.wait_for(timeout=60_000)
        phone.wait_for_timeout(1500)  # a redraw or two: metrics and captions in place
        gap = phone.evaluate(f"({START_TO_CHART})('{key}_start')")
        assert gap is not None and gap < 400, f"{name}: the first chart starts {gap} px below Start"
        phone.locator(f".st-key-{key}_stop button").click()
    finally:
        phone.close()


def _download(page, click):
    """The download a click starts. A click that lands while the page is being redrawn is lost,
    as a person's would be, and they click again: so does this, once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        try:
            with page.expect_download(timeout=20_000) as download:
                click()
            return download.value
        except PlaywrightTimeout:
            if attempt:
                raise
            settle(page)


def test_a_stopped_run_downloads_its_metrics_config_model_and_figures(app_url, page, tmp_path):
    """Issue 12 item 5: each kind of export, downloaded as a student would."""
    import csv
    import json

    open_page(page, f"{app_url}/policy-gradient?pg_episodes=2&pg_max_updates=3")
    button(page, "Start").click()
    button(page, "Metrics (CSV)").filter(visible=True).first.wait_for(timeout=60_000)
    settle(page)  # the run's end redraws the page once: click after that redraw
    files = {}
    for label in ("Metrics (CSV)", "Metrics (JSON)", "Config (JSON)"):
        download = _download(page, button(page, label).click)
        files[label] = tmp_path / download.suggested_filename
        download.save_as(files[label])
    rows = list(csv.DictReader(files["Metrics (CSV)"].open()))
    assert [r["update"] for r in rows] == ["1", "2", "3"] and float(rows[-1]["return_avg20"]) > 0
    assert len(json.loads(files["Metrics (JSON)"].read_text())["records"]) == 3
    config = json.loads(files["Config (JSON)"].read_text())
    assert config["page"] == "pg" and config["config"]["max_updates"] == 3
    download = _download(page, button(page, "Model (safetensors)").click)
    from core.checkpoint import from_safetensors

    tensors, metadata = from_safetensors(Path(download.path()).read_bytes())
    assert metadata["update"] == "3" and tensors  # the policy after its last update
    # any chart of the page, in each format
    page.get_by_role("button", name="Download a figure").click()
    for fmt, magic in (("PNG", b"\x89PNG"), ("SVG", b"<svg"), ("HTML", b"<html>")):
        page.get_by_test_id("stPopoverBody").get_by_text(fmt, exact=True).click()
        settle(page)  # the rerun that gives the button this format's file
        with page.expect_download(timeout=60_000) as download:
            page.get_by_test_id("stPopoverBody").get_by_role("button", name="Download").click()
        data = Path(download.value.path()).read_bytes()
        assert magic in data[:200], (fmt, data[:80])
        assert download.value.suggested_filename.endswith("." + fmt.lower())


def test_rlhf_skip_ahead_reaches_ppo_in_one_click(app_url, page):
    """Issue 12 item 3: from the pretrained model to PPO without labelling or training."""
    open_page(page, f"{app_url}/rlhf?rlhf_ppo_prompts=8&rlhf_ppo_new_tokens=8&rlhf_ppo_max_updates=2")
    button(page, "Skip ahead: load the labels and a trained reward model").click()
    page.get_by_text("Loaded 981 labelled pairs").filter(visible=True).first.wait_for(timeout=60_000)
    page.locator(".st-key-rlhf_ppo_run_start button").click()
    page.get_by_text("2 updates").first.wait_for(timeout=120_000)
    screenshot(page, "rlhf_skip_ahead")
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_scenario_link_round_trips(app_url, browser):
    """Issue 12: pick a scenario, copy the address, open it in a fresh session: same settings,
    same scenario, same "look for"."""
    first = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        open_page(first, f"{app_url}/critics")
        first.locator(".st-key-critics_scenario input").click()
        first.get_by_role("option", name="TD with a large α oscillates").click()
        first.get_by_text("Look for:", exact=True).filter(visible=True).first.wait_for(timeout=30_000)
        first.wait_for_function("() => location.search.includes('cr_alpha_td=0.5')", timeout=10_000)
        link = first.url
    finally:
        first.close()
    second = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        open_page(second, link)
        second.get_by_text("Look for:", exact=True).filter(visible=True).first.wait_for(timeout=30_000)
        value = second.locator(".st-key-cr_alpha_td [data-testid='stSliderThumbValue']").filter(visible=True).first
        value.wait_for(timeout=30_000)
        assert value.inner_text() == "0.50"
    finally:
        second.close()


@pytest.mark.parametrize("name,path", PAGES)
@pytest.mark.parametrize("width,height", [(390, 844), (1280, 720)])
def test_every_page_on_a_phone_and_a_projector(app_url, browser, name, path, width, height):
    """Screenshots to look at (artifacts/screenshots/<page>_<width>.png); no exception."""
    view = browser.new_page(viewport={"width": width, "height": height})
    try:
        open_page(view, f"{app_url}/{path}")
        view.wait_for_function("() => !document.querySelector(\"[data-testid='stSpinner']\")", timeout=60_000)
        # the page's end (its next link, drawn after the page) before the picture: a busy
        # server otherwise gave half a page
        view.locator("[data-testid='stPageLink']").filter(has_text="Next:").or_(
            view.locator("[data-testid='stPageLink']").filter(has_text="Back to the start")).last.wait_for(timeout=60_000)
        assert view.locator("[data-testid='stException']").count() == 0
        screenshot(view, f"{name}_{width}")
    finally:
        view.close()


def test_bad_url_values_show_a_message(app_url, page):
    open_page(page, f"{app_url}/policy-gradient?pg_lr=abc&pg_episodes=99999&seed=xyz")
    alerts = page.locator("[data-testid='stAlert']")
    for name in ("pg_lr=abc", "pg_episodes=99999", "seed=xyz"):
        alerts.filter(has_text=name).filter(visible=True).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "bad_url")


def test_a_shared_deep_link_opens_cleanly_on_a_fresh_server(browser):
    """The first visitor after a start, by a scenario link: the page, and no "Page not found"
    (a folder named pages/ made Streamlit flag it: streamlit#9992; the pages live in views/)."""
    from tests.browser.conftest import free_port, start_server, wait_healthy

    port = free_port()
    process = start_server(port)
    fresh = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        wait_healthy(port)
        open_page(fresh, f"http://127.0.0.1:{port}/policy-gradient?scenario=positive-rewards")
        fresh.get_by_text("Look for:", exact=True).filter(visible=True).first.wait_for(timeout=30_000)
        fresh.wait_for_timeout(1000)
        assert fresh.get_by_text("Page not found").count() == 0
        assert fresh.locator("[role='dialog']").count() == 0
    finally:
        fresh.close()
        process.terminate()
        process.wait(10)


def test_an_unknown_page_says_so_and_shows_home(app_url, page):
    page.goto(f"{app_url}/no-such-page?x=1")
    page.wait_for_selector(CONNECTED, timeout=30_000)
    page.get_by_text("Page not found").filter(visible=True).first.wait_for(timeout=30_000)
    page.get_by_text("The path", exact=True).filter(visible=True).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0


# The number of traces (lines and bands) in the chart titled `title`.
TRACES = """(title) => {
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    if (el.layout && el.layout.title && el.layout.title.text.includes(title)) return el.data.length;
  }
  return 0;
}"""


def test_a_baseline_comparison_draws_bands(app_url, page):
    open_page(page, f"{app_url}/baseline?cp_seeds=2&cp_episodes=2")
    button(page, "Start").click()
    title = "Mean return of the last 20 episodes"
    page.wait_for_function(f"({POINTS})('{title}') >= 6", timeout=60_000)
    assert page.evaluate(TRACES, title) == 6  # a band and a line for each of 3 variants
    screenshot(page, "baseline_live")
    stop_run(page)
    assert page.locator("[data-testid='stException']").count() == 0


def test_critics_page_plays_mc_against_td(app_url, page):
    open_page(page, f"{app_url}/critics?cr_runs=20&cr_pace=200")
    button(page, "Start").first.click()
    title = "RMS error over the 5 states"
    page.wait_for_function(f"({POINTS})('{title}') >= 40", timeout=60_000)
    page.get_by_text("Finished.").filter(visible=True).first.wait_for(timeout=30_000)
    screenshot(page, "critics_live")
    assert page.locator("[data-testid='stException']").count() == 0


def test_actor_critic_comparison_draws_four_variants(app_url, page):
    open_page(page, f"{app_url}/actor-critic?ac_seeds=1")
    button(page, "Start").click()
    title = "Mean return of the last 20 episodes"
    page.wait_for_function(f"({TRACES})('{title}') === 8", timeout=60_000)
    page.wait_for_function(f"({POINTS})('{title}') >= 6", timeout=60_000)
    screenshot(page, "actor_critic_live")
    stop_run(page)
    assert page.locator("[data-testid='stException']").count() == 0


def test_off_policy_page_warns_in_the_infinite_region_and_reuses(app_url, page):
    open_page(page, f"{app_url}/off-policy?is_sigma_q=0.5&op_seeds=1&op_episodes=4")
    page.locator("[data-testid='stAlert']").filter(has_text="infinite").filter(visible=True).first.wait_for(timeout=30_000)
    button(page, "Start").click()
    page.wait_for_function(f"({POINTS})('Return against samples collected') >= 6", timeout=60_000)
    screenshot(page, "off_policy_live")
    stop_run(page)
    assert page.locator("[data-testid='stException']").count() == 0


def test_ppo_page_draws_the_surface_and_a_live_run(app_url, page):
    open_page(page, f"{app_url}/ppo?ppo_seeds=1")
    page.wait_for_function(f"({TRACES})('Clipped and KL-penalised surrogates') === 6", timeout=30_000)
    button(page, "Start").click()
    page.wait_for_function(f"({POINTS})('Mean return of the last 20 episodes') >= 6", timeout=90_000)
    screenshot(page, "ppo_live")
    page.get_by_role("tab", name="Clipping").click()  # drawn only when opened
    page.get_by_text("PPO-clip's last minibatch on the surface").filter(visible=True).first.wait_for(timeout=30_000)
    page.wait_for_function(f"({POINTS})('Mean return of the last 20 episodes') == 0", timeout=10_000)
    screenshot(page, "ppo_live_clipping")
    stop_run(page)
    assert page.locator("[data-testid='stException']").count() == 0


def test_ppo_clip_eps_moved_above_the_surface_reaches_the_running_run(app_url, page):
    """The surface is a fragment (a slider there redraws it alone); while a run trains, ε is
    still its live knob: the run takes the change and the chart marks it."""
    open_page(page, f"{app_url}/ppo?ppo_seeds=1&ppo_max_updates=5000")
    page.wait_for_function(f"({TRACES})('Clipped and KL-penalised surrogates') === 6", timeout=30_000)
    button(page, "Start").click()
    page.wait_for_function(f"({POINTS})('Mean return of the last 20 episodes') >= 2", timeout=90_000)
    page.locator(".st-key-ppo_clip_eps input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.get_by_text("clip_eps → 0.21").first.wait_for(timeout=60_000)  # the knob mark on the chart
    stop_run(page)
    assert page.locator("[data-testid='stException']").count() == 0


def test_rlhf_trains_a_reward_model_and_runs_ppo(app_url, page, tmp_path):
    open_page(page, f"{app_url}/rlhf?rlhf_pairs=300&rm_epochs=2&rlhf_ppo_prompts=8&rlhf_ppo_new_tokens=8")
    bad = tmp_path / "labels.json"
    bad.write_text("{not json")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    page.locator("[data-testid='stAlert']").filter(has_text="Could not import").filter(visible=True).first.wait_for(timeout=30_000)
    button(page, "Let the labeler label").click()
    page.get_by_text("labelled pairs").filter(visible=True).first.wait_for(timeout=60_000)
    button(page, "Start").first.click()
    page.get_by_text("Finished.").filter(visible=True).first.wait_for(timeout=120_000)
    button(page, "Start").nth(1).click()
    page.wait_for_function(f"({POINTS})('KL(π ‖ π_ref) per completion') >= 2", timeout=120_000)
    screenshot(page, "rlhf_live")
    button(page, "Stop").nth(1).click()  # the reward model's run has finished; this is PPO's
    page.get_by_text("Stopped.").filter(visible=True).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_class_opening_the_link_together(browser):
    """Six first visits at once to a server that has just started: each page renders without
    an exception box (heavy imports raced in the script threads: 'partially initialized
    module pandas')."""
    from tests.browser.conftest import free_port, start_server, wait_healthy

    port = free_port()
    process = start_server(port)
    try:
        wait_healthy(port)
        pages = [browser.new_page(viewport={"width": 1400, "height": 1400}) for _ in range(6)]
        for page in pages:  # all six requests leave before any page is waited on
            page.goto(f"http://127.0.0.1:{port}/policy-gradient", wait_until="commit")
        for page in pages:
            page.wait_for_selector(CONNECTED, timeout=60_000)
            page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=60_000)
        for page in pages:
            page.wait_for_load_state("networkidle", timeout=60_000)
            page.get_by_text("Updates that lowered the best arm").first.wait_for(timeout=60_000)
        errors = [page.locator("[data-testid='stException']").all_inner_texts() for page in pages]
        for page in pages:
            page.close()
        assert errors == [[]] * 6, errors
    finally:
        process.terminate()
        process.wait(10)
