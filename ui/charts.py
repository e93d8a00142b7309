"""Plotly figure builders. Every figure has an explicit height and a `uirevision`, so a live
redraw keeps the student's zoom.

The charts a live panel redraws at every poll (`band_curve`, `lines`, `variant_bands`,
`paired_bands`, `variance_ratio_meter`, `reward_model_accuracy`, `heatmap`,
`ratio_histograms`) are built from plain dicts and numpy arrays (`_figure`): plotly's
property-by-property validation costs ~10 ms a figure, which a page with eight charts paid
every second per watching student. Their series are downsampled to `MAX_POINTS` (a half-width
chart is ~600 pixels wide) and sent as float32 typed arrays, a fifth of the JSON size."""
from __future__ import annotations

import functools
import os
import re

import numpy as np
import pandas  # noqa: F401  (imported, not peeked at: see ui/warm.py)
import PIL.Image  # noqa: F401  (the same)
import plotly.graph_objects as go
import pyarrow  # noqa: F401  (st.dataframe's wire format, warmed with the rest)

from ui.figure_export import register
from ui.i18n import current_lang, tr
from ui.presentation import CHART_FONT_SCALE, presenting

MAX_POINTS = 600
# plotly validates every figure where this is set (the tests set it: tests/conftest.py), so a
# misspelt property in a dict-built chart fails a test instead of being silently dropped
CHECK_FIGURES = os.environ.get("RLHF_PLAYGROUND_CHECK_FIGURES") == "1"
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6",
           "#9D755D", "#BAB0AC", "#EECA3B")


def downsample(records: list[dict], max_points: int = MAX_POINTS) -> list[dict]:
    if len(records) <= max_points:
        return records
    stride = -(-len(records) // max_points)
    return records[::stride] + ([records[-1]] if (len(records) - 1) % stride else [])


def _layout_dict(title: str, xtitle: str, ytitle: str, height: int, revision: str) -> dict:
    layout = dict(title=dict(text=title), height=height, uirevision=revision,
                  margin=dict(l=10, r=10, t=40, b=20),
                  legend=dict(orientation="h", yanchor="top", y=-0.25, x=0, xanchor="left"),
                  xaxis=dict(title=dict(text=xtitle)), yaxis=dict(title=dict(text=ytitle)))
    if presenting():  # a projector: every label larger, the chart taller to keep its plot area
        layout.update(font=dict(size=round(12 * CHART_FONT_SCALE)),
                      title=dict(text=title, font=dict(size=round(16 * CHART_FONT_SCALE))),
                      height=round(height * 1.25))
    return layout


def _layout(fig: go.Figure, title: str, xtitle: str, ytitle: str, height: int,
            revision: str) -> go.Figure:
    layout = _layout_dict(title, xtitle, ytitle, height, revision)
    axes = layout.pop("xaxis")["title"], layout.pop("yaxis")["title"]
    fig.update_layout(layout)
    fig.update_xaxes(title=axes[0])  # every x-axis of a figure with subplots
    fig.update_yaxes(title=axes[1])
    return fig


def _localize(fig: go.Figure) -> go.Figure:
    """Every text a student reads on `fig` (titles, axis titles and tick labels, legend entries,
    annotations, subplot titles, text labels) in the lesson language (ui.i18n)."""
    def title(obj) -> None:
        if obj is not None and obj.title is not None and obj.title.text:
            obj.title.text = tr(obj.title.text)

    def axis(obj) -> None:
        title(obj)
        if obj.ticktext:
            obj.ticktext = [tr(str(v)) for v in obj.ticktext]

    title(fig.layout)
    title(fig.layout.legend)
    fig.for_each_xaxis(axis)
    fig.for_each_yaxis(axis)
    fig.for_each_annotation(lambda a: a.update(text=tr(a.text)) if a.text else None)
    for trace in fig.data:
        if getattr(trace, "name", None):
            trace.name = tr(trace.name)
        for axis_name in ("x", "y"):  # categories
            values = getattr(trace, axis_name, None)
            if isinstance(values, (tuple, list)) and values and all(isinstance(v, str) for v in values):
                setattr(trace, axis_name, [tr(v) for v in values])
        text = getattr(trace, "text", None)
        if isinstance(text, str):
            trace.text = tr(text)
        elif isinstance(text, (tuple, list)) and all(isinstance(v, str) for v in text):
            trace.text = [tr(v) for v in text]
        colorbar = getattr(trace, "colorbar", None)
        if colorbar is not None:
            title(colorbar)
    return fig


TITLE_WIDTH = 46  # a title line's width, in Latin characters (a CJK one counts two): a phone's chart


def _text_width(text: str) -> int:
    return sum(2 if "\u2e80" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" else 1 for c in text)


def wrap_title(text: str, width: int = TITLE_WIDTH) -> str:
    """`text` broken into lines of at most `width` (plotly never wraps a title: a long one runs
    off a phone's chart, "Error of the advantage estimate against λ (2,000 tr…"). Latin text
    breaks at a space, Chinese between any two characters."""
    if "<br>" in text or _text_width(text) <= width:
        return text
    # a token: one CJK character, or a run of anything else up to a space or a CJK character
    tokens = re.findall(r"[\u2e80-\u9fff\uff00-\uffef]\s*|[^\s\u2e80-\u9fff\uff00-\uffef]+\s*|\s+", text)
    if _text_width(text) <= 2 * width:  # two lines of about equal width: no word left alone
        cut = min(range(1, len(tokens)), key=lambda i: max(_text_width("".join(tokens[:i]).rstrip()),
                                                          _text_width("".join(tokens[i:]))))
        return "".join(tokens[:cut]).rstrip() + "<br>" + "".join(tokens[cut:])
    lines, line = [], ""
    for token in tokens:
        if line and _text_width(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += token
    lines.append(line.rstrip())
    return "<br>".join(lines)


def _wrap(fig: go.Figure) -> go.Figure:
    title = fig.layout.title.text if fig.layout.title is not None else None
    if title:
        wrapped = wrap_title(title)
        if wrapped != title:
            fig.layout.title.text = wrapped
            top = fig.layout.margin.t if fig.layout.margin.t is not None else 40
            fig.layout.margin.t = top + 18 * wrapped.count("<br>")
    return fig


def localized(build):
    """A figure builder whose figure speaks the lesson language (English costs nothing) and
    can be downloaded from the page."""
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        fig = build(*args, **kwargs)
        fig = _wrap(fig if current_lang() == "en" else _localize(fig))
        register(fig)  # the page's "Download a figure" offers it (ui.figure_export)
        return fig

    return wrapper


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, validated only under CHECK_FIGURES."""
    return go.Figure({"data": traces, "layout": layout}, _validate=CHECK_FIGURES)


def _series(values) -> np.ndarray:
    """A series as a float32 array: plotly sends it as a compact typed array."""
    return np.asarray(values, dtype=np.float32)


def _scatter(x, y, **props) -> dict:
    return dict(type="scatter", x=_series(x), y=_series(y), **props)


def _band(x, lo, hi, color: str, **props) -> dict:
    """A shaded band between `lo` and `hi` over `x`, without a legend entry of its own."""
    x = _series(x)
    return _scatter(np.concatenate([x, x[::-1]]), np.concatenate([_series(hi), _series(lo)[::-1]]),
                    mode="lines", fill="toself", fillcolor=_rgba(color, 0.18), line=dict(width=0),
                    hoverinfo="skip", **props)


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


@localized
def band_curve(records: list[dict], x: str, mean: str, lo: str, hi: str, *, title: str,
               xtitle: str, ytitle: str, mean_name: str, band_name: str,
               extra: dict[str, str] | None = None, height: int = 320) -> go.Figure:
    """A mean line with a shaded band between `lo` and `hi` (and optional extra lines)."""
    rows = downsample(records)
    xs = [r[x] for r in rows]
    color = PALETTE[0]
    traces = [_band(xs, [r[lo] for r in rows], [r[hi] for r in rows], color, name=band_name),
              _scatter(xs, [r[mean] for r in rows], name=mean_name, mode="lines",
                       line=dict(color=color, width=2))]
    for i, (name, key) in enumerate((extra or {}).items()):
        traces.append(_scatter(xs, [r[key] for r in rows], name=name, mode="lines",
                               line=dict(color=PALETTE[(i + 1) % len(PALETTE)], width=2, dash="dot")))
    return _figure(traces, _layout_dict(title, xtitle, ytitle, height, revision=title))


@localized
def lines(records: list[dict], x: str, ys: dict[str, str], *, title: str, xtitle: str,
          ytitle: str, height: int = 260) -> go.Figure:
    rows = downsample(records)
    xs = [r[x] for r in rows]
    traces = [_scatter(xs, [r[key] for r in rows], name=name, mode="lines",
                       line=dict(color=PALETTE[i % len(PALETTE)], width=2))
              for i, (name, key) in enumerate(ys.items())]
    return _figure(traces, _layout_dict(title, xtitle, ytitle, height, revision=title))


def reward_label(r: float) -> str:
    """A reward as the sliders set it: every digit that tells two arms apart (15.5, 16, 16.5),
    without float noise (16.499999999999998 reads 16.5)."""
    return f"{round(float(r), 6):g}"


@localized
def arm_paths(probs: np.ndarray, rewards: np.ndarray, marker: int | None = None, *,
              title: str, height: int = 320) -> go.Figure:
    """Each arm's probability over updates (one line per arm)."""
    fig = go.Figure()
    steps = np.arange(probs.shape[0])
    for i in range(probs.shape[1]):
        fig.add_trace(go.Scatter(x=steps, y=probs[:, i], name=f"arm {i + 1} (r={reward_label(rewards[i])})",
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    if marker is not None:
        fig.add_vline(x=marker, line=dict(color="gray", dash="dash"))
    fig.update_yaxes(range=[0, 1])
    return _layout(fig, title, "update", "probability π(a)", height, revision=title)


@localized
def gradient_cloud(exact: np.ndarray, estimates: np.ndarray, used: np.ndarray | None, *,
                   title: str, height: int = 320, seed: int = 0,
                   reward_scale: float = 1.0) -> go.Figure:
    """Per arm: the exact gradient (bar), many sampled estimates (dots) and their mean.

    A policy that has collapsed onto one arm has a gradient of 1e-27 or so: zero in all but
    float noise. Values below 1e-9 of the reward scale are drawn as 0, and the y-axis spans
    at least ±1 % of the reward scale, so such a chart reads "zero", not "×10⁻²⁷"."""
    k = len(exact)
    arms = [f"arm {i + 1}" for i in range(k)]
    scale = max(float(reward_scale), 1e-12)

    def clean(x):
        x = np.asarray(x, dtype=float)
        return np.where(np.abs(x) < 1e-9 * scale, 0.0, x)

    exact, estimates = clean(exact), clean(estimates)
    used = clean(used) if used is not None else None
    rng = np.random.default_rng(seed)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=np.arange(k), y=exact, name="exact ∇J",
                         marker_color=_rgba(PALETTE[0], 0.6)))
    jitter = rng.uniform(-0.25, 0.25, size=estimates.shape)
    fig.add_trace(go.Scatter(x=(np.arange(k)[None, :] + jitter).ravel(), y=estimates.ravel(),
                             mode="markers", name="sampled estimates",
                             marker=dict(size=4, color=_rgba(PALETTE[1], 0.35))))
    fig.add_trace(go.Scatter(x=np.arange(k), y=clean(estimates.mean(axis=0)), mode="markers",
                             name="mean of estimates",
                             marker=dict(symbol="line-ew", size=28, line=dict(width=3, color="black"))))
    if used is not None:
        fig.add_trace(go.Scatter(x=np.arange(k), y=used, mode="markers", name="estimate used",
                                 marker=dict(symbol="diamond", size=11, color=PALETTE[3])))
    fig.update_xaxes(tickvals=list(range(k)), ticktext=arms)
    shown = [exact, estimates.ravel()] + ([used] if used is not None else [])
    lo, hi = (float(f(np.concatenate(shown))) for f in (np.min, np.max))
    floor = 0.01 * scale
    if hi - lo < 2 * floor:
        mid = (hi + lo) / 2
        fig.update_yaxes(range=[mid - floor * 1.1, mid + floor * 1.1])
    return _layout(fig, title, "arm", "∂J/∂θᵢ", height, revision=title)


@localized
def variant_bands(records: list[dict], key: str, labels: dict[str, str], *, title: str,
                  ytitle: str, log: bool = False, x_key: str | None = None,
                  height: int = 320) -> go.Figure:
    """One line per variant, the mean over seeds, with a band from the seeds' min to max.

    `records` come from core.multiseed.lockstep: record[key] has shape (variants, seeds).
    x is the update, or the seeds' mean of `x_key` (environment steps, say) per variant."""
    rows = downsample(records)
    traces = []
    variants = (rows[0].get("variants_of", {}).get(key, rows[0]["variants"])) if rows else []
    for i, variant in enumerate(variants):
        if x_key is None:
            xs = [r["update"] for r in rows]
        else:
            row = rows[0]["variants"].index(variant)
            xs = [float(r[x_key][row].mean()) for r in rows]
        values = np.array([r[key][i] for r in rows])
        color = PALETTE[rows[0]["variants"].index(variant) % len(PALETTE)]
        center = np.exp(np.log(values).mean(axis=1)) if log else values.mean(axis=1)
        # mode="lines" throughout: under 20 points plotly's default adds markers, and a band's
        # corners then show as dots in the default colourway, like seeds of other variants
        traces.append(_band(xs, values.min(axis=1), values.max(axis=1), color, showlegend=False,
                            legendgroup=variant))
        traces.append(_scatter(xs, center, name=labels.get(variant, variant), mode="lines",
                               line=dict(color=color, width=2), legendgroup=variant))
    layout = _layout_dict(title, x_key.replace("_", " ") if x_key else "update", ytitle, height,
                          revision=title)
    if log:
        values = np.concatenate([np.ravel(r[key]) for r in rows]) if rows else np.array([])
        layout["yaxis"].update(type="log", **log_ticks(values))
    return _figure(traces, layout)


def _tick_text(v: float) -> str:
    return f"{v:g}" if 1e-3 <= v < 1e5 else f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")


def log_ticks(values: np.ndarray) -> dict:
    """Tick values and labels for a log axis over `values`: 1, 2, 5 per decade when the data
    span under three decades, else one per decade, each written out ("0.02", "5", "1e6").
    Plotly's own labels on a short log axis read "5 2 10 5 2 1"."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return {}
    lo, hi = np.floor(np.log10(v.min())), np.ceil(np.log10(v.max()))
    mantissas = (1, 2, 5) if hi - lo <= 3 else (1,)
    ticks = [m * 10.0 ** e for e in range(int(lo), int(hi) + 1) for m in mantissas]
    ticks = [float(f"{t:.6g}") for t in ticks if 10.0 ** lo <= t <= 10.0 ** hi]
    return dict(tickvals=ticks, ticktext=[_tick_text(t) for t in ticks])


@localized
def seed_spread(values: dict[str, np.ndarray], *, title: str, ytitle: str,
                height: int = 320) -> go.Figure:
    """Each variant's per-seed values as a box, with one dot per seed beside it (in the legend)."""
    fig = go.Figure()
    for i, (label, v) in enumerate(values.items()):
        color = PALETTE[i % len(PALETTE)]
        v = np.asarray(v, dtype=float)
        fig.add_trace(go.Box(y=v, name=label, boxpoints=False, marker_color=color,
                             legendgroup=label, showlegend=False))
        fig.add_trace(go.Scatter(x=[label] * len(v), y=v, mode="markers",
                                 name=f"{label}: one dot per seed", legendgroup=label,
                                 marker=dict(size=9, color=color, line=dict(width=1, color="white"))))
    return _layout(fig, title, "variant", ytitle, height, revision=title)


@localized
def variance_ratio_meter(records: list[dict], labels: dict[str, str], *, title: str,
                         height: int = 420) -> go.Figure:
    """The gradient variance each baseline leaves, as a fraction of the no-baseline variance of
    the same episodes under the same policy (records[i]["variance_ratio"], shape (variants,
    seeds)): the no-baseline estimator is the line at 1 by definition; below it is what a
    baseline buys. A line for the mean over seeds, and a dot per seed and update (one legend
    entry says what a dot is)."""
    rows = downsample(records)
    ytitle = "variance ÷ no-baseline variance"
    layout = _layout_dict(title, "update", ytitle + " (log)", height, revision=title)
    # the legend well below the x-axis title (four entries wrap to two or three rows)
    layout.update(legend=dict(orientation="h", yanchor="top", y=-0.3, x=0, xanchor="left"),
                  margin=dict(l=10, r=10, t=40, b=120))
    if not rows:
        return _figure([], layout)
    traces = []
    xs = np.array([r["update"] for r in rows])
    variants = rows[0]["variants"]
    dots = downsample(rows, max(10, 600 // max(1, np.size(rows[0]["variance_ratio"]))))
    for i, variant in enumerate(variants):
        color = PALETTE[i % len(PALETTE)]
        label = labels.get(variant, variant)
        ratios = np.array([r["variance_ratio"][i] for r in rows])
        if np.allclose(ratios, 1.0):  # the no-baseline estimator itself
            traces.append(_scatter([xs[0], xs[-1]], [1, 1], mode="lines",
                                   name=f"{label} (1 by definition)",
                                   line=dict(color=color, width=2, dash="dash")))
            continue
        traces.append(_scatter(xs, ratios.mean(axis=1), name=f"{label}: mean over seeds",
                               mode="lines", line=dict(color=color, width=2), legendgroup=variant))
        dx = np.repeat([r["update"] for r in dots], ratios.shape[1])
        dy = np.concatenate([np.asarray(r["variance_ratio"][i]) for r in dots])
        traces.append(_scatter(dx, dy, mode="markers", name=f"{label}: each seed",
                               legendgroup=variant, showlegend=False,
                               marker=dict(size=5, color=_rgba(color, 0.45))))
    traces.append(dict(type="scatter", x=[None], y=[None], mode="markers",
                       name="a dot: one seed at one update", marker=dict(size=6, color="gray")))
    # a log axis: a ratio of 0.1 and one of 10 are equally far from 1, and one early spike of
    # an untrained critic no longer squashes every ratio below 1 onto the floor
    every = np.concatenate([np.ravel(r["variance_ratio"]) for r in rows])
    layout["yaxis"].update(type="log", **log_ticks(np.append(every[every > 0], 1.0)))
    return _figure(traces, layout)


@localized
def variance_parabola(bs: np.ndarray, variance: np.ndarray, marks: dict[str, tuple[float, float]],
                      *, title: str, height: int = 340) -> go.Figure:
    """V(b) against b, with named baselines marked on the curve."""
    fig = go.Figure(go.Scatter(x=bs, y=variance, name="V(b), closed form",
                               line=dict(color=PALETTE[0], width=2)))
    for i, (name, (b, v)) in enumerate(marks.items()):
        fig.add_trace(go.Scatter(x=[b], y=[v], mode="markers+text", name=name, text=[name],
                                 textposition="top center",
                                 marker=dict(size=11, color=PALETTE[(i + 1) % len(PALETTE)])))
    return _layout(fig, title, "baseline b", "variance (trace of covariance)", height,
                   revision=title)


@localized
def estimate_clouds(clouds: dict[str, np.ndarray], exact: np.ndarray, axes: tuple[int, int], *,
                    title: str, height: int = 340) -> go.Figure:
    """Sampled gradient estimates projected on two logits, one colour per baseline."""
    i, j = axes
    fig = go.Figure()
    for n, (name, points) in enumerate(clouds.items()):
        fig.add_trace(go.Scatter(x=points[:, i], y=points[:, j], mode="markers", name=name,
                                 marker=dict(size=5, color=_rgba(PALETTE[(n * 3 + 1) % len(PALETTE)], 0.35))))
    fig.add_trace(go.Scatter(x=[exact[i]], y=[exact[j]], mode="markers", name="exact ∇J",
                             marker=dict(symbol="star", size=16, color="black")))
    return _layout(fig, title, f"∂/∂θ{i + 1}", f"∂/∂θ{j + 1}", height, revision=title)


@localized
def state_values(states: list[str], truth: np.ndarray, estimates: dict[str, np.ndarray], *,
                 title: str, height: int = 320) -> go.Figure:
    """Estimated V per state against the true values."""
    fig = go.Figure(go.Scatter(x=states, y=truth, name="true V", mode="lines+markers",
                               line=dict(color="black", dash="dash")))
    for i, (name, v) in enumerate(estimates.items()):
        fig.add_trace(go.Scatter(x=states, y=v, name=name, mode="lines+markers",
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    fig.update_yaxes(range=[0, 1])
    return _layout(fig, title, "state", "V(s)", height, revision=title)


@localized
def paired_bands(records: list[dict], x: str, prefixes: dict[str, str], *, title: str,
                 ytitle: str, height: int = 320) -> go.Figure:
    """For each name, a `<prefix>_mean` line with a band from `<prefix>_lo` to `<prefix>_hi`."""
    rows = downsample(records)
    xs = [r[x] for r in rows]
    traces = []
    for i, (name, p) in enumerate(prefixes.items()):
        color = PALETTE[i % len(PALETTE)]
        traces.append(_band(xs, [r[f"{p}_lo"] for r in rows], [r[f"{p}_hi"] for r in rows], color,
                            showlegend=False))
        traces.append(_scatter(xs, [r[f"{p}_mean"] for r in rows], name=name, mode="lines",
                               line=dict(color=color, width=2)))
    return _figure(traces, _layout_dict(title, x, ytitle, height, revision=title))


@localized
def sweep_lines(records: list[dict], *, title: str, height: int = 380) -> go.Figure:
    """One line per n: the error against alpha (S&B Figure 7.2)."""
    fig = go.Figure()
    for i, r in enumerate(records):
        fig.add_trace(go.Scatter(x=r["alphas"], y=r["rms"], name=f"n = {r['n']}",
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    fig.update_yaxes(range=[0.2, 0.6])
    return _layout(fig, title, "α", "average RMS error", height, revision=title)


@localized
def lambda_tradeoff(study: dict, lam: float, *, title: str, height: int = 340) -> go.Figure:
    """Bias², variance and their sum (the mean squared error) against lambda, with the chosen
    lambda (dashed) and the lambda of the lowest error (a star on the MSE curve)."""
    fig = go.Figure()
    for i, (key, name) in enumerate((("bias2", "bias²"), ("variance", "variance"), ("mse", "MSE = bias² + variance"))):
        fig.add_trace(go.Scatter(x=study["lams"], y=study[key], name=name,
                                 line=dict(color=PALETTE[i], width=2, dash="dot" if key == "mse" else None)))
    best = int(np.argmin(study["mse"]))
    fig.add_trace(go.Scatter(x=[study["lams"][best]], y=[study["mse"][best]], mode="markers",
                             name=f"lowest MSE (λ = {study['lams'][best]:g})",
                             marker=dict(symbol="star", size=14, color=PALETTE[2],
                                         line=dict(width=1, color="black"))))
    fig.add_vline(x=lam, line=dict(color="gray", dash="dash"), annotation_text=f"λ = {lam:g}",
                  annotation_position="top")
    return _layout(fig, title, "λ", "squared error of the advantage estimate", height,
                   revision="lambda tradeoff")


@localized
def heatmap(grid: dict, *, title: str, height: int = 380) -> go.Figure:
    """V over the (pole angle, angular velocity) slice from core.actor_critic.value_slice, as
    labelled contours. The colour range spans at least a tenth of the largest return
    (grid["value_max"]), so a critic that predicts one constant is drawn as one flat colour,
    not as stripes of rounding noise stretched over the whole colour scale."""
    values = np.asarray(grid["values"], dtype=float)
    lo, hi = float(values.min()), float(values.max())
    span = 0.1 * float(grid.get("value_max", hi - lo or 1.0))
    if hi - lo < span:
        mid = (hi + lo) / 2
        lo, hi = mid - span / 2, mid + span / 2
    contour = dict(type="contour", x=_series(grid["angles"]), y=_series(grid["velocities"]),
                   z=_series(values), colorscale="Viridis", zmin=lo, zmax=hi, ncontours=12,
                   contours=dict(showlabels=True, labelfont=dict(color="white", size=11)),
                   colorbar=dict(title=dict(text="V(s)")), name="V(s)",
                   hovertemplate="angle %{x:.2f} rad<br>angular velocity %{y:.2f} "
                                 "rad/s<br>V = %{z:.1f}<extra></extra>")
    return _figure([contour], _layout_dict(title, "pole angle (rad)", "angular velocity (rad/s)",
                                           height, revision="value heatmap"))


@localized
def weighted_samples(mu_p, s_p, mu_q, s_q, x: np.ndarray, w: np.ndarray, *, title: str,
                     height: int = 340) -> go.Figure:
    """The two densities, and samples of q drawn at height 0 with a size that grows with w."""
    lo = min(mu_p - 4 * s_p, mu_q - 4 * s_q)
    hi = max(mu_p + 4 * s_p, mu_q + 4 * s_q)
    grid = np.linspace(lo, hi, 300)
    fig = go.Figure()
    for i, (name, mu, s) in enumerate((("target p", mu_p, s_p), ("proposal q", mu_q, s_q))):
        fig.add_trace(go.Scatter(x=grid, y=np.exp(-0.5 * ((grid - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi)),
                                 name=name, line=dict(color=PALETTE[i], width=2)))
    size = 4 + 26 * np.sqrt(w / max(w.max(), 1e-12))
    fig.add_trace(go.Scatter(x=x, y=np.zeros_like(x), mode="markers", name="samples of q (size ∝ √w)",
                             marker=dict(size=size, color=_rgba(PALETTE[3], 0.35)),
                             text=[f"w = {v:.3g}" for v in w], hoverinfo="x+text"))
    return _layout(fig, title, "x", "density", height, revision=title)


@localized
def running_estimates(ordinary: np.ndarray, normalised: np.ndarray, truth: float, *, title: str,
                      height: int = 340) -> go.Figure:
    """Both IS estimates against the number of samples (log x), with the truth as a line."""
    n = len(ordinary)
    # 2,000 log-spaced points, more than a live chart's MAX_POINTS: drawn once per slider move,
    # and its lesson is the jumps a rare heavy weight makes, which coarser sampling smooths away
    idx = np.unique(np.geomspace(1, n, min(n, 2000)).astype(int)) - 1
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=idx + 1, y=ordinary[idx], name="ordinary IS", line=dict(color=PALETTE[0])))
    fig.add_trace(go.Scatter(x=idx + 1, y=normalised[idx], name="self-normalised IS", line=dict(color=PALETTE[1])))
    fig.add_hline(y=truth, line=dict(color="black", dash="dash"), annotation_text="E_p[f]")
    fig.update_xaxes(type="log", dtick=1)  # 1, 10, 100, ...: no bare mantissas ("2", "5")
    return _layout(fig, title, "samples n", "estimate", height, revision=title)


@localized
def ratio_bars(pi_old: np.ndarray, pi: np.ndarray, ratio: np.ndarray, *, title: str,
               height: int = 340) -> go.Figure:
    """Both policies' probabilities (bars, left axis) and the ratio per action (right axis,
    log: a ratio of 4 and one of 1/4 are the same distance from 1)."""
    actions = [f"a{i + 1}" for i in range(len(pi))]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=actions, y=pi_old, name="π_old", marker_color=PALETTE[0]))
    fig.add_trace(go.Bar(x=actions, y=pi, name="π", marker_color=PALETTE[1]))
    fig.add_trace(go.Scatter(x=actions, y=ratio, name="ratio π/π_old", yaxis="y2", mode="markers+lines",
                             marker=dict(size=10, color=PALETTE[3])))
    _layout(fig, title, "action", "probability", height, revision="ratio bars")
    # after _layout, whose update_yaxes titles every y-axis: this one is the ratio's
    top = max(4.0, float(np.max(ratio)) * 1.2)
    fig.update_layout(yaxis2=dict(overlaying="y", side="right", type="log",
                                  title=dict(text="ratio π/π_old (log)", font=dict(color=PALETTE[3])),
                                  range=[-np.log10(top), np.log10(top)], showgrid=False,
                                  tickvals=[v for v in (0.01, 0.1, 0.25, 0.5, 1, 2, 4, 10, 100)
                                            if 1 / top <= v <= top]))
    return fig


@localized
def drift_curves(curves: dict, current: float, *, title: str, height: int = 420) -> go.Figure:
    """Two panels against KL(pi_old || pi) (core.offpolicy.drift_curves): the effective sample
    size as a fraction of n, and, on a log axis, the variance of one sample's estimate of J(pi)
    from the old batch (importance-weighted) beside a fresh batch of pi."""
    from plotly.subplots import make_subplots

    kls = curves["kls"]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    fig.add_trace(go.Scatter(x=kls, y=curves["ess_fraction"], name="ESS / n",
                             line=dict(color=PALETTE[2], width=2)), row=1, col=1)
    fig.add_trace(go.Scatter(x=kls, y=curves["value_variance"], name="Var(w·r): the old batch, weighted",
                             line=dict(color=PALETTE[3], width=2)), row=2, col=1)
    fig.add_trace(go.Scatter(x=kls, y=curves["fresh_variance"], name="Var(r): a fresh batch of π",
                             line=dict(color=PALETTE[0], width=2, dash="dot")), row=2, col=1)
    fig.add_vline(x=current, line=dict(color="gray", dash="dash"))
    _layout(fig, title, "", "", height, revision="drift curves")
    fig.update_xaxes(title=None, row=1, col=1)
    fig.update_xaxes(title="KL(π_old ‖ π)", row=2, col=1)
    fig.update_yaxes(title="ESS / n", range=[0, 1.05], row=1, col=1)
    fig.update_yaxes(title="variance per sample", type="log", dtick=1, row=2, col=1)
    fig.update_layout(legend=dict(y=-0.18))
    return fig


@localized
def ppo_surface(ratios: np.ndarray, curves: dict, eps: float, points: dict | None = None, *,
                title: str, height: int = 360) -> go.Figure:
    """L(r) for A > 0 and A < 0: the clipped surrogate, the KL-penalised one, the regions where
    the clip's gradient is zero shaded, and optionally a minibatch's (r, A) points placed on
    the clipped curve (scaled by |A|), silenced ones in red. Built from plain dicts, two
    subplots laid out by hand (make_subplots took 40 ms, every time ε moved)."""
    traces, shapes = [], []
    for col, name, zero in ((1, "pos", (1 + eps, float(ratios.max()))), (2, "neg", (float(ratios.min()), 1 - eps))):
        x, y = ("x", "y") if col == 1 else ("x2", "y2")
        shapes.append(dict(type="rect", x0=zero[0], x1=zero[1], xref=x, y0=0, y1=1, yref=f"{y} domain",
                           fillcolor="gray", opacity=0.15, line=dict(width=0)))
        sign = 1 if name == "pos" else -1
        for trace in (_scatter(ratios, ratios * sign, name="r·A", line=dict(color="lightgray", dash="dot")),
                      _scatter(ratios, curves[f"clip_{name}"], name="clipped surrogate",
                               line=dict(color=PALETTE[0], width=3)),
                      _scatter(ratios, curves[f"kl_{name}"], name="r·A − β·KL", line=dict(color=PALETTE[1], width=2))):
            traces.append({**trace, "xaxis": x, "yaxis": y, "showlegend": col == 1})
    if points is not None:
        for col, keep in ((1, points["advantage"] > 0), (2, points["advantage"] < 0)):
            colors = np.where(points["silenced"][keep], PALETTE[3], PALETTE[2])
            traces.append(_scatter(points["ratio"][keep], points["on_curve"][keep], mode="markers",
                                   marker=dict(size=6, color=colors.tolist(), opacity=0.6),
                                   name="minibatch samples (red: gradient silenced)", showlegend=col == 1,
                                   xaxis="x" if col == 1 else "x2", yaxis="y" if col == 1 else "y2"))
    layout = _layout_dict(title, "ratio r = π/π_old", "surrogate per unit |A|", height, revision=title)
    xaxis, yaxis = layout.pop("xaxis"), layout.pop("yaxis")
    layout.update(
        xaxis={**xaxis, "anchor": "y", "domain": [0.0, 0.45]}, yaxis={**yaxis, "anchor": "x", "domain": [0.0, 1.0]},
        xaxis2={**xaxis, "anchor": "y2", "domain": [0.55, 1.0]}, yaxis2={**yaxis, "anchor": "x2", "domain": [0.0, 1.0]},
        shapes=shapes,
        annotations=[dict(text=text, x=x, y=1.0, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                          showarrow=False, font=dict(size=16)) for text, x in (("A > 0", 0.225), ("A < 0", 0.775))])
    return _figure(traces, layout)


@localized
def ratio_histograms(ratios: dict[str, np.ndarray], labels: dict[str, str], *, title: str,
                     height: int = 300) -> go.Figure:
    traces = [dict(type="histogram", x=_series(r), name=labels.get(variant, variant), opacity=0.55,
                   xbins=dict(start=0, end=3, size=0.05), marker=dict(color=PALETTE[i % len(PALETTE)]))
              for i, (variant, r) in enumerate(ratios.items())]
    layout = _layout_dict(title, "ratio r = π/π_old (last update, first seed)", "samples", height,
                          revision=title)
    return _figure(traces, dict(layout, barmode="overlay"))


LEGEND_ABOVE = dict(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
                    margin=dict(l=10, r=10, t=75, b=40))


def legend_above(fig: go.Figure) -> go.Figure:
    """Move a figure's legend above the plot, clear of the x-axis title (a legend under a
    short chart sits on the axis title)."""
    fig.update_layout(LEGEND_ABOVE)
    return fig


@localized
def reward_model_accuracy(records: list[dict], *, title: str, height: int = 300,
                          held_name: str = "held out (end of each epoch)") -> go.Figure:
    """Training-batch accuracy every step, held-out accuracy only where it was measured (the
    end of each epoch): no point is drawn before the first measurement."""
    rows = downsample(records)
    held = [r for r in records if r.get("heldout_measured")]
    traces = [_scatter([r["update"] for r in rows], [r["train_accuracy"] for r in rows],
                       name="train (batch)", mode="lines", line=dict(color=PALETTE[0], width=2)),
              _scatter([r["update"] for r in held], [r["heldout_accuracy"] for r in held],
                       name=held_name, mode="lines+markers",
                       line=dict(color=PALETTE[1], width=2), marker=dict(size=8))]
    layout = _layout_dict(title, "step", "share ranked as the labeler did", height, revision=title)
    layout["yaxis"].update(range=[0, 1.02], tickformat=".0%")
    # the legend from the start, so the chart does not jump when held-out appears
    layout.update(showlegend=True, **LEGEND_ABOVE)
    return _figure(traces, layout)


@localized
def reward_frontier(trails: dict, *, title: str, height: int = 420) -> go.Figure:
    """Proxy (left) and gold (right) reward against the KL spent, one colour per beta: each
    run is a faint smoothed trail (core.rlhf.ppo_lm.frontier_trails) ending in a large dot, so
    the four ends read at a glance. KL on a log axis, so the runs with a strong leash (a nat
    or two) are as readable as beta = 0's tens of nats."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("reward model's score (proxy)", "labeler's hidden score (gold)"))
    all_kl = []
    for i, (beta, t) in enumerate(sorted(trails.items())):
        t = {k: np.asarray(v).tolist() for k, v in t.items()}  # plain JSON numbers in the spec
        all_kl += t["kl"]
        color = PALETTE[i % len(PALETTE)]
        sizes = [3] * (len(t["kl"]) - 1) + [14]
        for col, key, name in ((1, "proxy", f"β = {beta:g}"), (2, "gold", f"β = {beta:g} (gold)")):
            fig.add_trace(go.Scatter(
                x=t["kl"], y=t[key], name=name, legendgroup=f"{beta:g}", showlegend=col == 1,
                mode="lines+markers", line=dict(color=_rgba(color, 0.45), width=1.5),
                marker=dict(color=color, size=sizes), customdata=t["update"],
                hovertemplate=f"β = {beta:g}, update %{{customdata}}<br>KL %{{x:.2f}} nats"
                              f"<br>{key} %{{y:.2f}}<extra></extra>"), row=1, col=col)
    _layout(fig, title, "", "", height, revision=title)
    fig.update_layout(legend=dict(title="KL weight<br>(big dot: end)", orientation="v", x=1.02,
                                  xanchor="left", y=1, yanchor="top"), margin=dict(t=70, b=50))
    fig.update_xaxes(type="log", title="KL(π ‖ π_ref) per completion (nats, log scale)",
                     **log_ticks(all_kl))
    fig.update_yaxes(title="mean reward-model score", col=1)
    fig.update_yaxes(title="mean hidden score", col=2)
    return fig


@localized
def mark_knob_changes(fig: go.Figure, marks: list[dict], x: str) -> go.Figure:
    """A dashed vertical line where a live knob changed mid-run, labelled with the change
    ("lr → 0.003"): `marks` from core.runner.Run.marks, `x` the record key the chart's x-axis
    shows (an array of per-seed values is averaged, as variant_bands does)."""
    for mark in marks:
        where = mark["record"].get(x)
        if where is None:
            continue
        text = ", ".join(f"{name} → {value:g}" if isinstance(value, float) else f"{name} → {value}"
                         for name, value in mark["changes"].items())
        fig.add_vline(x=float(np.mean(where)), line=dict(color="gray", dash="dash", width=1),
                      annotation_text=text, annotation_position="top left",
                      annotation_font_size=11)
    return fig


@localized
def mark_peak_and_collapse(fig: go.Figure, drop: float = 0.35, min_points: int = 8) -> go.Figure:
    """Where a curve peaked and then collapsed, say so on the chart: a "peak" arrow at its
    highest point and a "collapse" arrow at its end, in the curve's colour (annotations, not
    legend entries). A curve collapsed when, after rising to its peak, it has given back at
    least `drop` of that rise by its last point, both read on a moving average of the curve
    (a tenth or so of its length); a curve still climbing, or wobbling near its best, gets no
    mark. Bands, dotted companion lines and the previous run's ghost are left alone."""
    for trace in list(fig.data):
        if getattr(trace, "fill", None) not in (None, "none") or trace.legendgroup == "previous run":
            continue
        if trace.line is not None and trace.line.dash not in (None, "solid"):
            continue  # a dotted companion (a running mean beside the batch mean): one mark per story
        if trace.x is None or trace.y is None or "lines" not in (trace.mode or "lines"):
            continue
        x, y = np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if len(y) < min_points:
            continue
        # judged on a moving average: one lucky batch is not a peak, one bad one not a collapse
        width = max(3, len(y) // 15)
        y = np.convolve(y, np.ones(width) / width, mode="valid")
        x = x[width // 2: width // 2 + len(y)]
        peak = int(np.argmax(y))
        rise = y[peak] - y[:peak + 1].min()
        if peak >= len(y) - 2 or rise <= 0 or y[peak] - y[-1] < drop * rise:
            continue
        color = trace.line.color if trace.line is not None and trace.line.color else "black"
        xref, yref = (trace.xaxis or "x"), (trace.yaxis or "y")
        for where, text, ay in ((peak, "peak", -28), (len(y) - 1, "collapse", 28)):
            fig.add_annotation(x=float(x[where]), y=float(y[where]), xref=xref, yref=yref, text=text,
                               showarrow=True, arrowhead=2, arrowcolor=color, ax=0, ay=ay,
                               font=dict(color=color, size=11))
    return fig


@localized
def with_ghost(fig: go.Figure, ghost_fig: go.Figure | None) -> go.Figure:
    """`fig` with the lines of `ghost_fig` (the same chart of the previous run) drawn behind
    it, grey and dotted, under one legend entry "previous run". Bands are left out: a faint
    line per curve is enough to compare, and a second band would hide the first."""
    if ghost_fig is None:
        return fig
    lines = [t for t in ghost_fig.data if getattr(t, "fill", None) in (None, "none")
             and getattr(t, "x", None) is not None and len(t.x) > 0 and t.x[0] is not None]
    shown = False
    for t in lines:
        fig.add_trace(dict(type="scatter", x=t.x, y=t.y, mode="lines", name="previous run", zorder=-1,
                           legendgroup="previous run", showlegend=not shown, hoverinfo="skip",
                           line=dict(color="rgba(110,110,110,0.55)", width=1.5, dash="dot"),
                           xaxis=t.xaxis, yaxis=t.yaxis))
        shown = True
    return fig



# ---- after PPO (views/after_ppo.py) --------------------------------------------------------------

ESTIMATOR_COLORS = {"k1": PALETTE[0], "k2": PALETTE[1], "k3": PALETTE[2]}


LEGEND_INSIDE = dict(legend=dict(orientation="v", x=0.02, xanchor="left", y=0.98, yanchor="top",
                                 bgcolor="rgba(255,255,255,0.8)"))


def _at_lean(layout: dict, lean: float) -> dict:
    """A dotted line at the slider's lean."""
    layout["shapes"] = [dict(type="line", x0=lean, x1=lean, xref="x", y0=0, y1=1, yref="paper",
                             line=dict(color="gray", dash="dot", width=1))]
    return layout


@localized
def estimator_means(rows: list[dict], lean: float, *, title: str, height: int = 340) -> go.Figure:
    """The exact per-token KL and each estimator's exact mean, against the policy's lean:
    an unbiased estimator lies on the KL's line (drawn thick, beneath)."""
    x = [r["lean"] for r in rows]
    traces = [_scatter(x, [r["exact"] for r in rows], name="exact KL(π ‖ π_ref)", mode="lines",
                       line=dict(color="#BBBBBB", width=9))]
    for name, color in ESTIMATOR_COLORS.items():
        traces.append(_scatter(x, [r[f"{name}_mean"] for r in rows], name=f"mean of {name}",
                               mode="lines+markers", line=dict(color=color, width=2,
                                                               dash="dash" if name == "k3" else "solid"),
                               marker=dict(size=5)))
    layout = _layout_dict(title, "the policy's lean (0: π = π_ref)", "nats per token", height, revision=title)
    layout["legend"] = dict(LEGEND_INSIDE["legend"], x=0.98, xanchor="right", y=0.02, yanchor="bottom")  # under the far end
    return _figure(traces, _at_lean(layout, lean))


@localized
def estimator_spread(rows: list[dict], lean: float, *, title: str, height: int = 340) -> go.Figure:
    """Each estimator's exact standard deviation for one token (log axis), and how often k1 is
    negative (right axis)."""
    x = [r["lean"] for r in rows[1:]]  # at lean 0 every estimate is exactly 0
    traces = [_scatter(x, [r[f"{name}_std"] for r in rows[1:]], name=f"std of {name}", mode="lines+markers",
                       line=dict(color=color, width=2), marker=dict(size=5))
              for name, color in ESTIMATOR_COLORS.items()]
    traces.append(_scatter(x, [r["k1_negative"] for r in rows[1:]], name="P(k1 < 0) (right axis)",
                           mode="lines", yaxis="y2", line=dict(color=ESTIMATOR_COLORS["k1"], width=2, dash="dot")))
    layout = _layout_dict(title, "the policy's lean (0: π = π_ref)", "std of one token's estimate (nats, log)",
                          height, revision=title)
    layout["yaxis"].update(type="log", **log_ticks([r[f"{name}_std"] for r in rows[1:] for name in ESTIMATOR_COLORS]))
    layout["yaxis2"] = dict(title=dict(text="P(k1 < 0)"), overlaying="y", side="right", range=[0, 1],
                            tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".0%", showgrid=False)
    layout["legend"] = dict(LEGEND_INSIDE["legend"], x=0.98, xanchor="right", y=0.02, yanchor="bottom")  # empty there
    return _figure(traces, _at_lean(layout, lean))


@localized
def estimate_quantiles(values: dict[str, np.ndarray], *, title: str, height: int = 340) -> go.Figure:
    """Each estimator's sampled per-token values sorted, against the share of tokens at or
    below them (its quantile function): where k1's curve crosses zero is the share of tokens
    whose k1 is negative, marked. The y-axis shows the middle 98 % of all the values."""
    traces, lows, highs = [], [], []
    for name, v in values.items():
        v = np.sort(np.asarray(v, dtype=float))
        if not len(v):
            continue
        share = (np.arange(len(v)) + 0.5) / len(v)
        keep = np.unique(np.linspace(0, len(v) - 1, min(len(v), MAX_POINTS)).astype(int))
        traces.append(_scatter(share[keep], v[keep], name=name, mode="lines",
                               line=dict(color=ESTIMATOR_COLORS[name], width=2.5)))
        lows.append(np.quantile(v, 0.01))
        highs.append(np.quantile(v, 0.99))
    layout = _layout_dict(title, "share of the sampled tokens", "one token's estimate (nats)", height,
                          revision="estimate_quantiles")
    layout["xaxis"].update(tickformat=".0%", range=[0, 1])
    if lows:
        lo, hi = min(min(lows), 0.0), max(highs)
        pad = 0.05 * (hi - lo or 1.0)
        layout["yaxis"]["range"] = [lo - pad, hi + pad]
    shapes = [dict(type="line", x0=0, x1=1, xref="x", y0=0, y1=0, yref="y", line=dict(color="black", width=1))]
    annotations = []
    if len(values.get("k1", [])):
        below = float(np.mean(np.asarray(values["k1"]) < 0))
        shapes.append(dict(type="line", x0=below, x1=below, xref="x", y0=0, y1=1, yref="paper",
                           line=dict(color=ESTIMATOR_COLORS["k1"], dash="dot", width=1.5)))
        annotations.append(dict(x=below, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                                text=f"k1 < 0 for {below:.0%} of tokens", font=dict(color=ESTIMATOR_COLORS["k1"])))
    layout.update(shapes=shapes, annotations=annotations)
    layout["legend"] = dict(LEGEND_INSIDE["legend"])  # top left: every curve starts near 0
    return _figure(traces, layout)


@localized
def baseline_noise(rows: list[dict], labels: dict[str, str], *, title: str, height: int = 360) -> go.Figure:
    """Each baseline's gradient noise at the same policy: the trace of the gradient's covariance
    over batches divided by the squared length of its mean (scale-free). Horizontal bars: the
    baselines' names read whole."""
    rows = rows[::-1]  # the first baseline on top
    traces = [dict(type="bar", orientation="h", y=[labels[r["baseline"]] for r in rows],
                   x=_series([r["noise_to_signal"] for r in rows]),
                   marker=dict(color=[PALETTE[(len(rows) - 1 - i) % len(PALETTE)] for i in range(len(rows))]),
                   text=[f"{r['noise_to_signal']:.2f}" for r in rows], textposition="outside",
                   name="noise ÷ signal")]
    layout = _layout_dict(title, "variance ÷ squared mean", "", height, revision=title)
    layout["xaxis"]["range"] = [0, 1.25 * max([r["noise_to_signal"] for r in rows] + [1e-9])]  # room for the labels
    layout.update(showlegend=False, margin=dict(l=10, r=20, t=60, b=40))
    return _figure(traces, layout)


@localized
def group_weights(groups: list[dict], *, title: str, height: int = 360) -> go.Figure:
    """Per sampled group: the spread of its rewards against its mean |advantage|, under GRPO
    (divided by the std) and Dr GRPO (not): GRPO pushes a group whose rewards barely differ as
    hard as one whose rewards differ a lot."""
    x = [g["std"] for g in groups]
    traces = [_scatter(x, [g[key] for g in groups], name=name, mode="markers",
                       marker=dict(color=color, size=7, opacity=0.6))
              for key, name, color in (("grpo", "GRPO (÷ group std)", PALETTE[0]),
                                       ("dr_grpo", "Dr GRPO (mean only)", PALETTE[1]))]
    layout = _layout_dict(title, "std of the group's G scores", "mean |advantage| in the group", height,
                          revision=title)
    layout.update(LEGEND_ABOVE)
    return _figure(traces, layout)


def implicit_accuracy(records: list[dict], *, title: str, height: int = 300) -> go.Figure:
    """DPO's implicit reward β log π/π_ref ranking pairs as the labels do: on each step's batch,
    and on the held-out pairs where measured."""
    return reward_model_accuracy([{**r, "heldout_measured": r["measured"]} for r in records], title=title,
                                 height=height, held_name="held out (every few steps)")


@localized
def best_of_n_curve(records: list[dict], *, title: str, height: int = 380) -> go.Figure:
    """Proxy and gold of the kept completion against N (log axis), gold with ± one standard
    error; the analytic KL of each N in the hover and on the top axis's labels."""
    n = [r["n"] for r in records]
    gold, se = [r["gold"] for r in records], [r["gold_se"] for r in records]
    traces = [_band(n, np.subtract(gold, se), np.add(gold, se), PALETTE[1], name="± one standard error"),
              _scatter(n, gold, name="labeler's hidden score (gold)", mode="lines+markers",
                       line=dict(color=PALETTE[1], width=2), marker=dict(size=7)),
              _scatter(n, [r["proxy"] for r in records], name="reward model's score (proxy)",
                       mode="lines+markers", line=dict(color=PALETTE[0], width=2), marker=dict(size=7))]
    layout = _layout_dict(title, "N (log scale; KL = log N − (N−1)/N nats below each)", "mean of the kept completion",
                          height, revision=title)
    layout["xaxis"].update(type="log", tickvals=n, ticktext=[f"{v}<br>{r['kl']:.2f}" for v, r in zip(n, records)])
    layout.update(LEGEND_ABOVE)
    return _figure(traces, layout)


@localized
def method_frontier(trails: dict, score: str, *, title: str, height: int = 460) -> go.Figure:
    """`score` ("gold" or "proxy") against the KL spent, one trail per method
    (core.rlhf.frontier.method_trails), ending in a large dot. KL on a log axis."""
    traces, all_kl, shapes, annotations = [], [], [], []
    seen_families = []
    for i, (method, t) in enumerate(trails.items()):
        family = method.split(" ")[0]
        kl, y = np.asarray(t["kl"], dtype=float), np.asarray(t[score], dtype=float)
        keep = kl > 0  # best-of-1 spends no KL: no place on a log axis (the start line below)
        if not keep.all() and len(y):
            shapes.append(dict(type="line", x0=0, x1=1, xref="paper", y0=float(y[~keep][0]), y1=float(y[~keep][0]),
                               yref="y", line=dict(color="gray", dash="dot", width=1)))
            annotations.append(dict(x=0, y=float(y[~keep][0]), xref="paper", yref="y", xanchor="left",
                                    yanchor="bottom", showarrow=False, font=dict(color="gray", size=11),
                                    text="the pretrained policy (KL 0, every method's start)"))
        all_kl += kl[keep].tolist()
        color = PALETTE[i % len(PALETTE)]
        sizes = [4] * (int(keep.sum()) - 1) + [14]
        dash = "dash" if family in seen_families else "solid"  # the second of a family: dashed
        seen_families.append(family)
        traces.append(dict(type="scatter", x=kl[keep].tolist(), y=y[keep].tolist(), name=method,
                           mode="lines+markers", line=dict(color=color, width=2, dash=dash),
                           marker=dict(color=color, size=sizes, line=dict(color="white", width=1))))
    ytitle = "labeler's hidden score (gold)" if score == "gold" else "reward model's score (proxy)"
    layout = _layout_dict(title, "KL(π ‖ π_ref) per completion (nats, log scale)", f"mean {ytitle}", height,
                          revision=title)
    layout["xaxis"].update(type="log", **log_ticks(all_kl))
    layout.update(legend=dict(title=dict(text="method<br>(big dot: end)"), orientation="v", x=1.02,
                              xanchor="left", y=1, yanchor="top"), shapes=shapes, annotations=annotations)
    return _figure(traces, layout)
