"""Run controls and the live panel, shared by every page that trains.

The Run lives in st.session_state; a fragment polls it every second while it is active (the
poll is also the run's heartbeat), and draws its charts only while the browser tab is in
front (ui.visibility). Widget changes rerun the page but never touch the
thread; a change to a knob marked live goes down the run's own channel (`Run.set_live`), and
the trainer applies it to its own copy of the config before its next update.
"""
from __future__ import annotations

import dataclasses
import functools
import re
import time
from typing import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.config import knobs
from core.runner import (FAILED, FINISHED, PAUSED, RUNNING, STOPPED, WAITING, Run, active_runs, backend, capacity,
                         new_run, warm_workers)
from ui.i18n import tr
from ui.export import config_json, metrics_csv, metrics_json, parse_run_file
from ui.params import _KEPT, url_text
from ui.visibility import page_hidden

POLL_S = 1.0  # a redraw a second: the curve moves, and the laptop's browser and server stay cool
CROWD_RUNS = 4  # more runs than this on the server: each panel redraws less often (poll_interval)
FIRST_WAIT_S = 1.0  # a panel with no record yet waits this long for the first one (see live_panel)

_STATUS = {
    WAITING: (":material/hourglass_top:", "Waiting for a free slot: only a few runs train at once "
               "on this server. It starts as soon as one ends."),
    RUNNING: (":material/directions_run:", "Training…"),
    PAUSED: (":material/pause_circle:", "Paused. Resume to go on from here."),
    FINISHED: (":material/check_circle:", ""),
    STOPPED: (":material/stop_circle:", ""),
    FAILED: (":material/error:", ""),
}


def current_run(key: str) -> Run | None:
    entry = st.session_state.get(key)
    return entry["run"] if entry else None


def _keep_as_ghost(key: str, run: Run | None) -> None:
    """The run being replaced stays on the charts as a faint "previous run" (issue 12 item 4)."""
    if run is not None:
        records = run.poll()
        if records:
            st.session_state[f"{key}_ghost"] = records


def ghost(key: str) -> list[dict] | None:
    """The previous run's records, while its toggle is on (for charts.with_ghost)."""
    if not st.session_state.get(f"{key}_show_ghost", True):
        return None
    return st.session_state.get(f"{key}_ghost")


def ghost_chart(key: str, build: Callable[[list[dict]], object]):
    """`build` drawn from the previous run's records, or None (no previous run, or hidden, or
    an imported metrics file without the metrics this chart reads: it passed parse_run_file,
    which knows no page's record keys, and must not break the chart of the run beside it)."""
    records = ghost(key)
    if not records:
        return None
    try:
        return build(records)
    except (KeyError, IndexError, TypeError, ValueError):
        st.caption(tr("The previous run's records lack the numbers this chart draws: it is drawn "
                      "without them."))
        return None


def compared(key: str, build: Callable[[list[dict]], object], records: list[dict], run: Run, x: str):
    """The live chart `build` draws from `records`, with what the student compares it to: the
    previous run as a ghost, where this run peaked and collapsed, and where a knob changed
    (`x`: the record key of the chart's x-axis)."""
    from ui import charts

    fig = charts.mark_peak_and_collapse(build(records))
    return charts.mark_knob_changes(charts.with_ghost(fig, ghost_chart(key, build)), run.marks, x)


_RUN_PAGES = "_run_pages"  # session state: run key -> the page (script hash) that draws it
ONE_AT_A_TIME = ("One run at a time on a page: another run here is still training. Stop it, or "
                 "let it finish, then press Start.")


def _page() -> str:
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx is not None else ""


def _other_active_run(key: str) -> bool:
    """Whether another run of this session is active on this page (issue 13: one at a time)."""
    page = _page()
    for other, its_page in st.session_state.get(_RUN_PAGES, {}).items():
        run = current_run(other) if other != key and its_page == page else None
        if run is not None and run.active:
            return True
    return False


CLUSTER_PARAM = "{key}_cluster"  # URL: the Ray actor of the run on the page (core.cluster)
_ACTOR_NAME = re.compile(r"^run-[0-9a-f]{32}$")
MOVED = ("This page reconnected to another replica of the server (the one it was on restarted). "
         "Your run kept training on the cluster and is drawn again; your settings came back from "
         "the link.")
LOST = "The run this link pointed to has ended. Press Start to train again."


def _reattach(key: str, config) -> Run | None:
    """A page reloaded on another web replica finds the run it showed, by the actor name its
    URL keeps (an unguessable name: only the browser that started the run, or one it shared
    the link with, has it)."""
    param = CLUSTER_PARAM.format(key=key)
    name = st.query_params.get(param)
    if not name or backend() != "ray":
        return None
    from core.cluster import RayRun

    run = RayRun.attach(name, name=key) if _ACTOR_NAME.match(name) else None
    if run is None:
        del st.query_params[param]
        st.session_state[f"{key}_moved"] = LOST
        return None
    st.session_state[key] = {"run": run, "config": dataclasses.replace(config)}
    st.session_state[f"{key}_moved"] = MOVED
    return run


def _start(key: str, config, make_iterator) -> None:
    st.session_state.pop(f"{key}_moved", None)
    if _other_active_run(key):
        st.session_state[f"{key}_refused"] = ONE_AT_A_TIME
        return
    st.session_state.pop(f"{key}_refused", None)
    old = current_run(key)
    _keep_as_ghost(key, old)
    if old is not None:
        old.stop()
    trainer_config = dataclasses.replace(config)  # the trainer's own; the page never touches it
    run = new_run(functools.partial(make_iterator, trainer_config), name=key)
    st.session_state[key] = {"run": run, "config": dataclasses.replace(config)}
    run.start()
    if getattr(run, "actor_name", None):  # on the Ray cluster: a reload on another replica finds it
        st.query_params[CLUSTER_PARAM.format(key=key)] = run.actor_name


def _pause_or_resume(key: str) -> None:
    run = current_run(key)
    if run is not None:
        run.resume() if run.status == PAUSED else run.pause()


def _stop(key: str) -> None:
    run = current_run(key)
    if run is not None:
        run.stop()


def _reset(key: str) -> None:
    st.query_params.pop(CLUSTER_PARAM.format(key=key), None)
    st.session_state.pop(f"{key}_moved", None)
    run = current_run(key)
    _keep_as_ghost(key, run)
    if run is not None:
        run.stop()
        run.join(timeout=2.0)
    st.session_state.pop(key, None)


def run_controls(key: str, config, make_iterator: Callable[[object], object]) -> Run | None:
    """Start / Pause-Resume / Stop / Reset buttons for the run stored under `key`.

    `config` is what the sliders say now. A new run trains on a copy of it; while it runs, its
    live knobs follow the sliders, and a change to any other knob is flagged as applying to
    the next run. The buttons act in callbacks, before the page redraws, so each shows the
    state it just caused.
    """
    warm_workers()  # a page with a run is open: its Start should find a worker ready
    st.session_state.setdefault(_RUN_PAGES, {})[key] = _page()
    run = current_run(key) or _reattach(key, config)
    active = run is not None and run.active
    paused = run is not None and run.status == PAUSED
    # one row that wraps, never a stack: st.columns would put the four buttons one under the
    # other on a phone, a screen's height between Start and the chart it starts
    row = st.container(horizontal=True, gap="small")
    row.button(tr("Start"), key=f"{key}_start", icon=":material/play_arrow:", disabled=active,
               type="primary", width="stretch", on_click=_start, args=(key, config, make_iterator))
    row.button(tr("Resume" if paused else "Pause"), key=f"{key}_pause",
               icon=":material/resume:" if paused else ":material/pause:", disabled=not active,
               width="stretch", on_click=_pause_or_resume, args=(key,))
    row.button(tr("Stop"), key=f"{key}_stop", icon=":material/stop:", disabled=not active,
               width="stretch", on_click=_stop, args=(key,))
    row.button(tr("Reset"), key=f"{key}_reset", icon=":material/restart_alt:", disabled=run is None,
               width="stretch", on_click=_reset, args=(key,))
    moved = st.session_state.get(f"{key}_moved")
    if moved:
        st.info(tr(moved), icon=":material/swap_horiz:")
    refused = st.session_state.get(f"{key}_refused")
    if refused and not _other_active_run(key):
        st.session_state.pop(f"{key}_refused")  # the other run has ended: Start works again
    elif refused:
        st.warning(tr(refused), icon=":material/block:")
    if active:
        _push_live_knobs(st.session_state[key], config)
    if f"{key}_ghost" in st.session_state:
        st.toggle(tr("Show the previous run (grey, dotted)"), value=True, key=f"{key}_show_ghost",
                  help=tr("The last run you replaced or reset, drawn faintly behind this one."))
    if key in RUN_PREFIXES:
        with st.popover(tr("Import a run or its settings"), icon=":material/upload_file:"):
            st.file_uploader(tr("A metrics or config JSON exported from this panel"), type=["json"],
                             key=f"{key}_import", on_change=_import, args=(key, type(config)))
        note = st.session_state.get(f"{key}_import_note")
        if note:
            (st.error if note[0] == "error" else st.success)(tr(note[1]))
    return run


# the widget-key prefix of each run's knobs on its page (a config file restores them)
RUN_PREFIXES = {"pg_run": "pg_", "bl_run": "cp_", "cr_run": "cr_", "ac_run": "ac_", "op_run": "op_",
                "ppo_run": "ppo_", "rlhf_rm_run": "rm_", "rlhf_ppo_run": "rlhf_ppo_"}


def _import(key: str, config_cls) -> None:
    """A metrics file becomes the ghost; a config file restores this run's settings (through
    the URL, so each value is checked as a link's would be). A bad file changes nothing."""
    upload = st.session_state.get(f"{key}_import")
    if upload is None:
        st.session_state.pop(f"{key}_import_note", None)
        return
    page = key.removesuffix("_run")
    try:
        kind, doc = parse_run_file(upload.getvalue())
        if doc["page"] != page:
            raise ValueError(f"it belongs to the {doc['page']!r} run, not to this one ({page!r}).")
    except ValueError as exc:
        st.session_state[f"{key}_import_note"] = ("error", f"Could not import {upload.name}: {exc} Nothing changed.")
        return
    if kind == "metrics":
        st.session_state[f"{key}_ghost"] = doc["records"]
        st.session_state[f"{key}_show_ghost"] = True
        st.session_state[f"{key}_import_note"] = (
            "success", f"{upload.name}: {len(doc['records']):,} records, drawn as the previous run.")
        return
    prefix, kept = RUN_PREFIXES[key], st.session_state.setdefault(_KEPT, {})
    restored = []
    for k in knobs(config_cls):
        widget_key = prefix + k.name
        if k.name in doc["config"] and widget_key in st.session_state:  # a setting this page shows
            st.query_params[widget_key] = url_text(doc["config"][k.name])
            st.session_state.pop(widget_key, None)
            kept.pop(widget_key, None)
            restored.append(k.label)
    if not restored:
        st.session_state[f"{key}_import_note"] = ("error", f"Could not import {upload.name}: none of its "
                                                  "fields is a setting of this run. Nothing changed.")
        return
    st.session_state[f"{key}_import_note"] = ("success", f"{upload.name}: restored {len(restored)} settings.")


def _push_live_knobs(entry: dict, slider_config) -> None:
    """Send the run what moved among its live knobs; name the others, which wait for the
    next run. `entry["config"]` is the page's record of what the run trains with now."""
    run_config, live, pending = entry["config"], {}, []
    for k in knobs(run_config):
        new = getattr(slider_config, k.name)
        if getattr(run_config, k.name) == new:
            continue
        if k.live:
            live[k.name] = new
        else:
            pending.append(k.label)
    if live:
        entry["run"].set_live(live)
        entry["config"] = dataclasses.replace(run_config, **live)
    if pending:
        st.caption(tr("Applies to the next run (press Start or Reset): {settings}.").replace(
            "{settings}", tr(", ").join(tr(label) for label in pending)))


def _export_buttons(key: str, records: list[dict]) -> None:
    """The run's metrics (CSV, JSON), its config (JSON) and its model (safetensors, for the
    trainers that have one), each built only when clicked."""
    config = st.session_state[key]["config"]
    page = key.removesuffix("_run")
    run = current_run(key)
    row = st.container(horizontal=True, gap="small")  # a row that wraps on a phone
    row.download_button(tr("Metrics (CSV)"), functools.partial(metrics_csv, records), f"{page}_metrics.csv",
                        "text/csv", key=f"{key}_export_csv", icon=":material/download:")
    row.download_button(tr("Metrics (JSON)"), functools.partial(metrics_json, records, page),
                        f"{page}_metrics.json", "application/json", key=f"{key}_export_json",
                        icon=":material/download:")
    row.download_button(tr("Config (JSON)"), functools.partial(config_json, page, config),
                        f"{page}_config.json", "application/json", key=f"{key}_export_config",
                        icon=":material/download:")
    if run is not None and run.has_checkpoint:  # the trained model, for the trainers that have one
        row.download_button(tr("Model (safetensors)"), run.checkpoint, f"{page}_model.safetensors",
                            "application/octet-stream", key=f"{key}_export_model",
                            icon=":material/download:",
                            help=tr("The weights after the last update shown, as safetensors: "
                            "load them with safetensors.torch.load_file."))


def poll_interval(active: int | None = None) -> float:
    """Seconds between redraws of a live panel: POLL_S, and in a crowd (more than CROWD_RUNS
    runs active on this server) longer in proportion, so that ten students watching at once
    cost the server and their browsers what four do (every redraw rebuilds the panel's charts;
    the records themselves keep arriving, and each redraw shows all of them)."""
    active = len(active_runs()) if active is None else active
    return POLL_S * max(1.0, active / CROWD_RUNS)


def live_panel(key: str, draw: Callable[[Run, list[dict]], None], empty_text: str) -> None:
    """Draw the run under `key` now, and again every poll_interval() seconds while it is active.

    The pace is fixed for the run's whole life. It used to start at a tenth of a second until
    the first record and then slow down; under load (ten sessions on two cores) the browser
    kept the fast timer beside the new one and each session's panel reran ten times a second,
    which took the server's whole core. Instead, a panel with no record yet waits for the
    first one (up to FIRST_WAIT_S, sleeping: no CPU), so the first point is drawn the moment
    it exists."""
    run = current_run(key)
    interval = None
    if run is not None and run.active:
        pace = st.session_state.get(f"{key}_pace")
        if pace is None or pace[0] != id(run):
            pace = st.session_state[f"{key}_pace"] = (id(run), poll_interval())
        interval = pace[1]

    @st.fragment(run_every=interval)
    def _panel():
        run = current_run(key)
        if run is None:
            st.info(tr(empty_text))
            return
        deadline = time.monotonic() + FIRST_WAIT_S
        while run.active and not run.n_seen and time.monotonic() < deadline:
            run.poll()
            time.sleep(0.02)  # the first point, the moment it exists
        records = run.poll()  # also the run's heartbeat: a run in a background tab trains on
        icon, text = _STATUS.get(run.status, ("", ""))
        place = getattr(run, "queue_position", None)
        if run.status == WAITING and place is not None:
            text = (f"Waiting for a free worker: every one of this server's {capacity()} is "
                    f"training. {place - 1 or 'No'} run{'s' if place != 2 else ''} ahead of this one.")
            wait = getattr(run, "estimated_wait_s", None)
            if wait is not None:  # from how long the last runs held a worker
                text = tr(text) + " " + tr(f"About {wait:.0f} s to wait.")
        shared = getattr(run, "shared_with", 0)
        if shared:  # core.workers._Shared: identical runs train once
            text = tr(text) + " " + tr(f"Trained once for {shared + 1} identical runs on this server "
                                       "(same settings, same seed: the same curve).")
        st.caption(f"{icon} {tr(text or run.message)}  ·  {tr(f'{run.n_seen} updates')}  ·  "
                   f"{run.elapsed_s:.1f} s")
        if run.status == FAILED:
            st.error(tr(run.message))
        if run.active and page_hidden(f"{key}_hidden"):
            st.caption(tr("The charts pause while this tab is in the background; they are "
                          "redrawn, up to date, when you come back."))
            return
        draw(run, records)
        if records and run.status != RUNNING:  # the live view stays light while it trains
            _export_buttons(key, records)
        if interval is not None and not run.active:
            st.query_params.pop(CLUSTER_PARAM.format(key=key), None)  # nothing left to find again
            st.rerun()  # the run ended: redraw the page once and stop polling

    _panel()
