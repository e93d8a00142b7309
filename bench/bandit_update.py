"""Server-side time for one bandit slider change to produce the page's figures (median of 20)."""
from bench.apptest import slider_change_ms


def run():
    median, worst = slider_change_ms("views/policy_gradient.py", "bandit_lr",
                                     [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 0.4, 0.9])
    yield "bandit_update_ms", median, "ms", {
        "max_ms": worst, "changes": 20,
        "what": "AppTest rerun of the whole policy-gradient page after a bandit lr change"}
