"""What the PPO page's lesson says the student will see (lessons/en/ppo.md).

The surface (section 1, default ε = 0.2, β = 1):
1. "When A > 0 the objective stops rewarding a larger ratio beyond 1 + ε; when A < 0 it stops
   rewarding a smaller one below 1 − ε. In the shaded regions the gradient is exactly zero":
   the clipped curve is flat exactly where the chart shades, and sloped everywhere else.
2. "The min makes it a pessimistic bound — the clip never forgives a move in the wrong
   direction": outside the shaded regions the clipped curve is r·A itself (A > 0 with r small,
   A < 0 with r large included), and it never lies above r·A.
3. The KL penalty's "pull back towards r = 1 is smooth": r·A − β·KL lies below r·A everywhere
   except at r = 1, where they meet, with no kink.

The four variants, live (section 2, defaults with a budget of 20 updates; the claims below
need that many: at 10 updates "no constraint" is still level with clip on one seed):
4. "All four on the same seeds": the table has the four variants.
5. "Nothing stops π from drifting" without a constraint: its approx_kl is many times
   PPO-clip's, and its ratios after an update spread far wider.
6. The unconstrained surrogate ends below PPO-clip on the same seeds (the return chart and
   the table's normalised score).
7. The table scores "between a random policy (0) and the best return seen in the run (1)".
8. On "PPO-clip's last minibatch on the surface", the samples drawn as silenced (red) are
   exactly those in the shaded zero-gradient regions, and they sit on the flat part.
9. "Orthogonal initialisation with a tiny last policy layer starts from a near-uniform
   policy": after the first update (the chart's first point) every constrained variant's
   entropy is still about ln 2 (CartPole's two actions), while the unconstrained surrogate
   has already collapsed it in that one update.
"""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.claims.conftest import figures, figures_of_every_tab, finished_run, flat as array, trace
from tests.pages.conftest import APP

PAGE = "views/ppo.py"
EPS, BETA = 0.2, 1.0  # the page's defaults, checked in test_claim_1
UPDATES = 20


def curves(fig: dict, name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, y) of every trace called `name`, in subplot order (A > 0, then A < 0)."""
    return [(array(t["x"]), array(t["y"])) for t in fig["data"] if t.get("name") == name]


@pytest.fixture(scope="module")
def surface():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    assert at.slider(key="ppo_clip_eps").value == EPS and at.slider(key="ppo_kl_beta").value == BETA
    return figures(at)["fig_ppo_surface"]


@pytest.fixture(scope="module")
def trained():
    """The page after a run of UPDATES updates at its defaults (4 variants x 2 seeds)."""
    with finished_run(PAGE, "ppo_run", 300, ppo_max_updates=str(UPDATES)) as at:
        yield at, figures_of_every_tab(at, "ppo_live_tab")


def test_claim_1_zero_gradient_exactly_where_shaded(surface):
    shapes = [(s["x0"], s["x1"]) for s in surface["layout"]["shapes"]]
    assert shapes[0][0] == pytest.approx(1 + EPS) and shapes[1][1] == pytest.approx(1 - EPS)
    for (r, y), (lo, hi) in zip(curves(surface, "clipped surrogate"), shapes):
        inside = (r > lo) & (r < hi)
        assert inside.sum() > 10 and np.ptp(y[inside]) < 1e-12  # flat: zero gradient
        slope = np.diff(y) / np.diff(r)
        outside = ((r[:-1] < lo) & (r[1:] < lo)) | ((r[:-1] > hi) & (r[1:] > hi))
        assert outside.sum() > 10 and np.all(np.abs(slope[outside]) > 0.99)  # sloped


def test_claim_2_the_clip_never_forgives_the_wrong_direction(surface):
    shapes = [(s["x0"], s["x1"]) for s in surface["layout"]["shapes"]]
    for (r, clipped), (_, ra), (lo, hi) in zip(curves(surface, "clipped surrogate"),
                                               curves(surface, "r·A"), shapes):
        assert np.all(clipped <= ra + 1e-12)
        outside = (r < lo) | (r > hi)
        np.testing.assert_allclose(clipped[outside], ra[outside])
    (r, pos), (_, neg) = curves(surface, "clipped surrogate")
    wrong_way_pos, wrong_way_neg = r < 1 - EPS, r > 1 + EPS  # A > 0 shrinking, A < 0 growing
    assert wrong_way_pos.any() and wrong_way_neg.any()
    np.testing.assert_allclose(pos[wrong_way_pos], r[wrong_way_pos])
    np.testing.assert_allclose(neg[wrong_way_neg], -r[wrong_way_neg])


def test_claim_3_the_kl_penalty_pulls_back_smoothly(surface):
    for (r, penalised), (_, ra) in zip(curves(surface, "r·A − β·KL"), curves(surface, "r·A")):
        gap = ra - penalised
        at_one = np.argmin(np.abs(r - 1))
        assert gap[at_one] == pytest.approx(0, abs=1e-4)
        assert np.all(gap[np.abs(r - 1) > 0.02] > 0)
        # smooth: from one grid step to the next its slope changes by a few hundredths around
        # the trust region, where the clipped curve's slope jumps by a whole |A| (a kink)
        near = (r[1:-1] > 0.5) & (r[1:-1] < 2.5)
        slope_jumps = np.abs(np.diff(np.diff(penalised) / np.diff(r)))[near]
        assert slope_jumps.max() < 0.1


def test_claim_4_all_four_variants_on_the_same_seeds(trained):
    at, _ = trained
    rows = at.dataframe[0].value
    assert list(rows["variant"]) == ["PPO-clip", "adaptive KL penalty", "fixed KL penalty", "no constraint"]
    assert at.session_state["ppo_run"]["run"].latest["seeds"] == [0, 1]


def test_claim_5_without_a_constraint_the_policy_drifts(trained):
    _, figs = trained
    kl = {name: array(trace(figs["fig_ppo_kl"], name)["y"]) for name in ("PPO-clip", "no constraint")}
    assert np.mean(kl["no constraint"]) > 5 * np.mean(kl["PPO-clip"])
    ratios = {name: array(trace(figs["fig_ppo_ratios"], name)["x"]) for name in ("PPO-clip", "no constraint")}
    spread = {name: np.mean(np.abs(r - 1)) for name, r in ratios.items()}
    assert spread["no constraint"] > 2 * spread["PPO-clip"], spread


def test_claim_6_no_constraint_ends_below_clip(trained):
    at, figs = trained
    returns = {name: array(trace(figs["fig_ppo_returns"], name)["y"]) for name in ("PPO-clip", "no constraint")}
    assert len(returns["PPO-clip"]) == UPDATES
    assert returns["no constraint"][-1] < returns["PPO-clip"][-1] - 50, returns
    scores = at.dataframe[0].value.set_index("variant")["normalised score"]
    assert scores["no constraint"] < scores["PPO-clip"]


def test_claim_7_scores_between_random_and_the_best_seen(trained):
    at, _ = trained
    scores = at.dataframe[0].value["normalised score"]
    assert np.all(scores <= 1.0) and np.all(scores > -0.2)


def test_claim_8_silenced_samples_are_the_shaded_ones(trained):
    _, figs = trained
    fig = figs["fig_ppo_points"]
    shapes = [(s["x0"], s["x1"]) for s in fig["layout"]["shapes"]]
    points = [t for t in fig["data"] if t.get("mode") == "markers"]
    assert len(points) == 2
    red = "#E45756"
    silenced_seen = 0
    for t, (lo, hi) in zip(points, shapes):
        r, y = array(t["x"]), array(t["y"])
        colors = np.asarray(t["marker"]["color"])
        silenced = colors == red
        shaded = (r > lo) & (r < hi)
        assert np.array_equal(silenced, shaded)
        flat = 1 + EPS if lo > 1 else -(1 - EPS)  # the clipped curve's height in the region
        np.testing.assert_allclose(y[silenced], flat)
        silenced_seen += silenced.sum()
    assert silenced_seen > 0  # the default run does reach the regions


def test_claim_9_the_first_policy_is_near_uniform(trained):
    _, figs = trained
    first = {t["name"]: array(t["y"])[0] for t in figs["fig_ppo_entropy"]["data"] if t.get("name")}
    for name in ("PPO-clip", "adaptive KL penalty", "fixed KL penalty"):
        assert first[name] == pytest.approx(np.log(2), abs=0.03), first
    assert first["no constraint"] < np.log(2) - 0.2, first  # one unconstrained update: collapsed
