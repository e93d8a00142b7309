"""What a page shows, as text, and the English words in it (for the 中文 test, issue 12 item 8).

`visible_texts` walks an AppTest's element tree and collects everything a student reads:
titles, markdown, captions, alerts, widget labels, help, options, tab/expander/popover labels,
table headers and cells, and every text of every plotly chart (title, axis titles, legend
entries, annotations). `english_words` drops what is not prose (LaTeX, code, URLs, icons,
acronyms, names) and returns the English words left.
"""
from __future__ import annotations

import json
import re

from google.protobuf.json_format import MessageToDict

from ui.i18n import tr

# words a Chinese text keeps in English: names, and the code names of CleanRL's diagnostics
KEPT = {
    # people, papers, projects, libraries
    "barto", "sutton", "huang", "schulman", "ouyang", "gao", "ziegler", "liu", "rafailov", "bradley", "terry", "dr", "cleanrl", "instructgpt", "gymnasium",
    "pytorch", "streamlit", "playground", "rlhf", "openai", "williams", "al", "et",
    # environments, models, algorithms named in English in Chinese texts
    "cartpole", "acrobot", "gpt", "reinforce", "adam", "softmax", "tanh", "relu", "token", "tokens",
    "safetensors", "json", "apple", "nvidia", "csv", "png", "svg", "html", "cpu", "cuda", "mps", "gpu", "auto",
    # CleanRL's diagnostic names, shown as code-like chart titles
    "approx_kl", "clipfrac", "explained_variance", "value_loss",
    # maths
    "log", "exp", "clip", "min", "max", "var", "std", "mean", "argmax", "sign", "e",
    # units
    "rad", "ms", "mb", "gb",
    # the app's name and the language names in the language switch
    "english",
}
_LATEX = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$|\\\(.+?\\\)", re.S)
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_URL = re.compile(r"https?://\S+|\(\?[^)]*\)|\(/[^)]*\)|\?\w+=[\w,.-]*|\b\w+\.(py|md|json|csv|svg|toml)\b")
_ICON = re.compile(r":material/[\w_]+:|:[a-z_]+:")
_HTML = re.compile(r"<style>.*?</style>|<[^>]+>|&\w+;", re.S)  # a style sheet is not read
_TITLE = re.compile(r"《[^》]*》")  # a paper's title, kept in its language
_GLOSS = re.compile(r"（[A-Za-z][A-Za-z -]*）")  # a term's English name beside it: 回报（Return）
_ENV_ID = re.compile(r"\b[A-Z]\w*-v\d+\b")  # CartPole-v1, Acrobot-v1
_SYMBOL = re.compile(r"\S*_\{?[A-Za-z]+\}?")  # π_old, π_ref, r_t
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]|[A-Za-z]")


def english_words(text: str) -> list[str]:
    """The English words of `text`, beyond formulas, code, links, icons, acronyms and names."""
    for pattern in (_HTML, _LATEX, _CODE, _URL, _ICON, _TITLE, _GLOSS, _ENV_ID, _SYMBOL):
        text = pattern.sub(" ", text)
    out = []
    for word in _WORD.findall(text):
        plain = word.strip("'’-")
        if len(plain) < 2 or plain.lower() in KEPT or plain.isupper() or "_" in plain:
            continue
        if any(part.isupper() for part in re.split(r"[-’']", plain)):  # PPO-clip, KL-PPO
            continue
        if any(c.isupper() for c in plain[1:]):  # a name: CartPole, InstructGPT
            continue
        out.append(word)
    return out


def _chart_texts(spec: dict) -> list[str]:
    layout, out = spec.get("layout", {}), []

    def title(obj) -> None:
        t = (obj or {}).get("title")
        text = t.get("text") if isinstance(t, dict) else t
        if text:
            out.append(str(text))

    title(layout)
    title(layout.get("legend"))
    for name, value in layout.items():
        if re.fullmatch(r"[xy]axis\d*", name):
            title(value)
            out += [str(v) for v in (value or {}).get("ticktext", []) or []]
    out += [a["text"] for a in layout.get("annotations", []) if a.get("text")]
    for trace in spec.get("data", []):
        if trace.get("name") and trace.get("showlegend", True) is not False:
            out.append(trace["name"])
        text = trace.get("text")
        if isinstance(text, str):
            out.append(text)
        elif isinstance(text, list):
            out += [v for v in text if isinstance(v, str)]
        title(trace.get("colorbar"))
    return out


_FIELDS = ("body", "label", "help", "placeholder", "caption")
# the columns of the RLHF page's sample tables: text the tiny GPT-2 wrote (or was prompted
# with), in the language it was trained on; their headers are UI and are checked
MODEL_TEXT_COLUMNS = ("completion", "prompt", "before (pretrained)", "now")


def _proto_texts(kind: str, proto) -> list[str]:
    d = MessageToDict(proto)
    out = [str(d[f]) for f in _FIELDS if d.get(f)]
    out += [str(o) for o in d.get("options", []) if isinstance(o, str)]
    for name in ("popover", "expandable", "tabContainer"):
        if isinstance(d.get(name), dict) and d[name].get("label"):
            out.append(d[name]["label"])
    if "spec" in d and kind != "Dataframe":
        try:
            out += _chart_texts(json.loads(d["spec"]))
        except (ValueError, TypeError):
            pass
    return out


def visible_texts(at) -> list[str]:
    """Every text a student reads on the page AppTest `at` has rendered."""
    out: list[str] = []

    def walk(node) -> None:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.extend(_proto_texts(type(node).__name__, proto))

    walk(at._tree)
    model_columns = {name for c in MODEL_TEXT_COLUMNS for name in (c, tr(c, "zh"))}
    for table in at.dataframe:
        frame = table.value
        out += [str(c) for c in frame.columns]
        for column in frame.columns:
            if str(column) not in model_columns:
                out += [v for v in frame[column].tolist() if isinstance(v, str)]
    for tab in at.tabs:
        out.append(tab.label)
    return out


def untranslated(at) -> dict[str, list[str]]:
    """Each text with English words left in it, with those words."""
    found = {}
    for text in visible_texts(at):
        words = english_words(text)
        if words:
            found[text[:160]] = words
    return found
