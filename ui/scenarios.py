"""Named scenarios: a set of settings and what to look for, one click (or one link) away.

An instructor in front of a class needs each lesson's effect, above all its failure modes, on
cue. A scenario is the URL parameters a copied link would carry (so it goes through the same
parsing, and the same messages, as any link) plus a sentence, in each lesson language, on
what to watch. Choosing one first resets the page's own settings, so what the class sees is
the scenario and nothing left over from before; "Reset to defaults" does only that.

`?scenario=<slug>` in a page's URL applies the scenario on arrival.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import streamlit as st

from ui.params import _KEPT, _MESSAGES


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: dict[str, str]  # by lesson language
    look_for: dict[str, str]
    settings: dict[str, str] = field(default_factory=dict)  # URL parameters, as in a link


# the widget keys that belong to each page (what "Reset to defaults" resets)
PAGE_KEYS = {
    "policy_gradient": re.compile(r"^(bandit_|pg_|r\d+$)"),
    "baseline": re.compile(r"^(bl_|blr\d+$|blt\d+$|cp_)"),
    "critics": re.compile(r"^(cr_|ns_)"),
    "actor_critic": re.compile(r"^(gae_|ac_)"),
    "off_policy": re.compile(r"^(is_|drift_|op_)"),
    "ppo": re.compile(r"^ppo_(?!live_tab$)"),
    "rlhf": re.compile(r"^(rlhf_|rm_)"),
    "after_ppo": re.compile(r"^ap_(?!frontier_view$)"),
}

SCENARIOS: dict[str, tuple[Scenario, ...]] = {
    "policy_gradient": (
        Scenario("positive-rewards",
                 {"en": "Every reward positive: plain REINFORCE drifts",
                  "zh": "奖励全为正：朴素 REINFORCE 会漂移"},
                 {"en": "Every reward is shifted above zero, so each sampled arm is pushed up, a bad one "
                        "too. On the left, π(best arm) falls at updates where the best arm was not "
                        "sampled (the last number above the charts counts them).",
                  "zh": "所有奖励都被平移到零以上，于是每个被采样的臂都会被推高，差的臂也一样。左图中，"
                        "在没有采到最优臂的更新里，π(最优臂) 会下降（图上方最后一个数字统计了这些更新）。"},
                 {"bandit_all_positive": "true"}),
        Scenario("big-batch",
                 {"en": "A bigger batch: estimates close in on the exact gradient",
                  "zh": "更大的批量：估计向精确梯度收拢"},
                 {"en": "32 pulls per update instead of 4: on the right, the cloud of batch estimates "
                        "shrinks around the exact gradient (variance falls as 1/N), and π(best arm) "
                        "climbs more smoothly.",
                  "zh": "每次更新采样 32 次而不是 4 次：右图中批量估计的点云围绕精确梯度收缩（方差按 1/N "
                        "下降），π(最优臂) 上升得更平稳。"},
                 {"bandit_batch_size": "32"}),
    ),
    "baseline": (
        Scenario("reward-shift",
                 {"en": "Shift every reward: without a baseline the variance blows up",
                  "zh": "平移所有奖励：没有基线时方差暴涨"},
                 {"en": "Every reward gets +5. The expected gradient does not change, but the variance "
                        "of the estimator without a baseline grows with the shift, while the batch-mean "
                        "baseline removes the shift and stays where it was.",
                  "zh": "每个奖励都加 5。期望梯度不变，但没有基线的估计量的方差随平移增大；批均值基线去掉了"
                        "平移，方差保持原样。"},
                 {"bl_shift": "5"}),
    ),
    "critics": (
        Scenario("td-large-alpha",
                 {"en": "TD with a large α oscillates", "zh": "步长 α 很大时 TD 会振荡"},
                 {"en": "α = 0.5 for TD(0): its error falls fast, then bounces instead of settling, "
                        "because each step jumps most of the way to one episode's target. MC with its "
                        "small α keeps falling slowly.",
                  "zh": "TD(0) 的 α = 0.5：误差先快速下降，然后来回跳动而不收敛，因为每一步都几乎跳到单个"
                        "回合的目标上。α 较小的 MC 则缓慢而稳定地下降。"},
                 {"cr_alpha_td": "0.5"}),
        Scenario("nstep-best-n",
                 {"en": "n-step TD: the best n is in between", "zh": "n 步 TD：最好的 n 在中间"},
                 {"en": "In the n-step sweep, the lowest error sits at an intermediate n and a moderate "
                        "α: neither one-step TD (n = 1) nor Monte Carlo (the largest n).",
                  "zh": "在 n 步扫描图中，误差最低点出现在中间的 n 和适中的 α：既不是单步 TD（n = 1），"
                        "也不是蒙特卡洛（最大的 n）。"}),
    ),
    "actor_critic": (
        Scenario("lambda-one",
                 {"en": "λ = 1: no bias, most variance", "zh": "λ = 1：无偏，但方差最大"},
                 {"en": "At λ = 1 the advantage is the Monte-Carlo return minus V: the critic's bias is "
                        "gone (bias² at 0) and the variance is at its largest. The star marks the λ with "
                        "the lowest error, in between.",
                  "zh": "λ = 1 时优势就是蒙特卡洛回报减去 V：评论家的偏差消失（偏差² 为 0），方差却最大。"
                        "星号标出误差最小的 λ，它在两端之间。"},
                 {"gae_lam": "1"}),
    ),
    "off_policy": (
        Scenario("narrow-proposal",
                 {"en": "A too-narrow proposal: infinite variance", "zh": "过窄的提议分布：方差无穷大"},
                 {"en": "σq = 0.5 is below σp/√2: the importance weights have infinite variance (the "
                        "warning says so). The ordinary estimate jumps whenever a rare far-out sample "
                        "arrives; more samples do not make it settle.",
                  "zh": "σq = 0.5 小于 σp/√2：重要性权重的方差无穷大（警告会指出）。每当出现罕见的远端样本，"
                        "普通估计就会跳动；增加样本也不能让它稳定。"},
                 {"is_sigma_q": "0.5"}),
        Scenario("reuse-collapse",
                 {"en": "Reusing a batch without a constraint", "zh": "无约束地重复使用一批数据"},
                 {"en": "Press Start: with K = 16 steps on each batch and nothing keeping π near π_old, "
                        "the ratios drift, and the return of K = 16 falls behind or collapses while K = 1 "
                        "keeps learning. Larger steps (learning rate 0.01) on small batches (4 episodes) "
                        "show it within seconds.",
                  "zh": "点击“开始”：每批数据走 K = 16 步且没有任何约束让 π 靠近 π_old，比值逐渐漂移，"
                        "K = 16 的回报落后甚至崩溃，而 K = 1 仍在学习。更大的步长（学习率 0.01）和更小的批次"
                        "（4 个回合）让这一现象在几秒内出现。"},
                 {"op_lr": "0.01", "op_episodes": "4", "op_seeds": "2"}),
    ),
    "ppo": (
        Scenario("no-constraint",
                 {"en": "No constraint fails, the clip holds", "zh": "无约束失败，裁剪守住"},
                 {"en": "Press Start: the four variants train on the same seeds. 'no constraint' takes "
                        "the same ten epochs per batch without a clip or penalty: its approx_kl is many "
                        "times the others' and its return stalls or collapses while PPO-clip climbs to 500.",
                  "zh": "点击“开始”：四个变体在相同的种子上训练。“无约束”每批同样训练十轮，"
                        "但没有裁剪也没有惩罚：它的 approx_kl 是其他变体的许多倍，回报停滞甚至崩溃，而 "
                        "PPO-clip 一路升到 500。"}),
    ),
    "rlhf": (
        Scenario("reward-hacking",
                 {"en": "β = 0: reward hacking", "zh": "β = 0：钻奖励模型的空子"},
                 {"en": "Press 'Skip ahead' in step 2 (or label and train the reward model yourself), "
                        "then run step 4 without the KL leash: the reward model's score keeps rising "
                        "while the labeler's hidden score rises, then falls, and the KL to the reference "
                        "runs away. A larger learning rate (5e-4) shows it within a dozen updates; step 5 "
                        "draws the same for several β.",
                  "zh": "在第 2 步点击“直接跳到第 4 步”（或自己标注并训练奖励模型），然后在没有 KL 缰绳的情况下运行第 4 步：奖励模型的分数一路上升，"
                        "标注者的隐藏评分却先升后降，与参考模型的 KL 不断增大。更大的学习率（5e-4）让它在十几次"
                        "更新内出现；第 5 步对多个 β 画出同样的对比。"},
                 {"rlhf_ppo_beta": "0", "rlhf_ppo_lr": "0.0005"}),
    ),
    "after_ppo": (
        Scenario("far-from-reference",
                 {"en": "A policy far from its reference: k3's spread explodes",
                  "zh": "远离参考模型的策略：k3 的分散程度急剧变大"},
                 {"en": "At lean 4, the means of k1 and k3 still sit on the exact KL, but one token's k3 "
                        "strays far more than k1's: r = π_ref/π is huge on the negative words the policy "
                        "now avoids. k1 is still below zero for most tokens.",
                  "zh": "倾向为 4 时，k1 和 k3 的均值仍落在精确 KL 上，但单个词元的 k3 比 k1 分散得多："
                        "在策略如今回避的负面词上，r = π_ref/π 非常大。k1 仍然对大多数词元小于零。"},
                 {"ap_kl_lean": "4"}),
        Scenario("hurried-labeler",
                 {"en": "Best-of-N with a hurried labeler's reward model",
                  "zh": "用草率标注者的奖励模型做 best-of-N"},
                 {"en": "The reward model learns from only 100 labels, 30 % of them reversed. Press Start "
                        "in step 4: the proxy rises with every doubling of N, the gold score peaks and "
                        "then falls.",
                  "zh": "奖励模型只从 100 个标注中学习，其中 30% 是反的。在第 4 步点击“开始”："
                        "N 每翻一倍代理分数都上升，金标准分数先达到峰值，然后下降。"},
                 {"ap_bon_rm_pairs": "100", "ap_bon_rm_flip": "0.3"}),
        Scenario("careful-labeler",
                 {"en": "Best-of-N with the full reward model", "zh": "用完整的奖励模型做 best-of-N"},
                 {"en": "All 981 labels, none reversed: the shipped reward model. Press Start in step 4: "
                        "within a few doublings of N the gold score climbs past 1.5, above the hurried "
                        "labeler's peak; it turns too, but only after a few hundred samples.",
                  "zh": "全部 981 个标注、没有反转：随附的奖励模型。在第 4 步点击“开始”："
                        "N 翻倍几次之后，金标准分数就超过 1.5，高于草率标注者时的峰值；它也会转折，但要到几百个样本之后。"},
                 {"ap_bon_rm_pairs": "981", "ap_bon_rm_flip": "0"}),
        Scenario("big-groups",
                 {"en": "Bigger groups: fewer silent prompts", "zh": "更大的组：更少沉默的提示"},
                 {"en": "With G = 16 completions per prompt, a pass/fail group is far less likely to be all "
                        "pass or all fail: press Start in step 2 and compare the share of groups with no "
                        "signal with G = 4's.",
                  "zh": "每个提示 16 个补全时，一个通过/失败的组全部通过或全部失败的可能性小得多："
                        "在第 2 步点击“开始”，把没有信号的组所占比例与 G = 4 时比较。"},
                 {"ap_noise_group": "16"}),
    ),
}

_APPLIED = "_scenario_applied"  # page -> the slug applied from the URL in this session


def _lang() -> str:
    return st.session_state.get("lang", "en")


def _reset_settings(page: str) -> None:
    """Forget every setting of `page`: widget state, the value kept across pages, the URL."""
    pattern, kept = PAGE_KEYS[page], st.session_state.setdefault(_KEPT, {})
    for key in [k for k in kept if pattern.match(k)]:
        kept.pop(key, None)
        st.session_state.pop(key, None)
    for key in [k for k in st.query_params if pattern.match(k) or k == "scenario"]:
        del st.query_params[key]


def _apply(page: str, scenario: Scenario, url_wins: bool = False) -> None:
    """Reset the page, then set the scenario's settings in the URL, where each widget reads
    them as it is drawn (ui.params.seed_from_url). Arriving by a link (`url_wins`), a setting
    the link spells out wins: it is what the page showed when the link was copied."""
    if url_wins:
        given = {k: st.query_params[k] for k in st.query_params}
        _reset_settings(page)
        for key, value in given.items():
            st.query_params[key] = value
    else:
        _reset_settings(page)
    for key, value in scenario.settings.items():
        if not (url_wins and key in st.query_params):
            st.query_params[key] = value
    st.query_params["scenario"] = scenario.slug
    st.session_state[_APPLIED] = {**st.session_state.get(_APPLIED, {}), page: scenario.slug}


def _on_pick(page: str) -> None:
    slug = st.session_state.get(f"{page}_scenario")
    scenario = next((s for s in SCENARIOS[page] if s.slug == slug), None)
    if scenario is not None:
        _apply(page, scenario)


def _on_reset(page: str) -> None:
    _reset_settings(page)
    st.session_state[f"{page}_scenario"] = None
    st.session_state[_APPLIED] = {**st.session_state.get(_APPLIED, {}), page: None}


def apply_from_url(page: str) -> None:
    """Apply `?scenario=<slug>` once per arrival, before the page draws its widgets."""
    slug = st.query_params.get("scenario")
    if slug is None or st.session_state.get(_APPLIED, {}).get(page) == slug:
        return
    scenario = next((s for s in SCENARIOS.get(page, ()) if s.slug == slug), None)
    if scenario is None:
        known = ", ".join(s.slug for s in SCENARIOS.get(page, ())) or "none"
        st.session_state.setdefault(_MESSAGES, []).append(
            f"`scenario={slug}`: no such scenario on this page (this page has: {known}).")
        del st.query_params["scenario"]
        return
    _apply(page, scenario, url_wins=True)
    st.session_state[f"{page}_scenario"] = slug


def scenario_picker(page: str) -> Scenario | None:
    """The page's scenarios and a reset button, near the top; returns the chosen one."""
    apply_from_url(page)
    scenarios = {s.slug: s for s in SCENARIOS.get(page, ())}
    lang = _lang()
    key = f"{page}_scenario"
    if st.session_state.get(key) not in (None, *scenarios):
        st.session_state[key] = None
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        slug = left.selectbox(
            "Scenario" if lang == "en" else "场景", [None, *scenarios], key=key,
            format_func=lambda s: ("—" if s is None else scenarios[s].title.get(lang, scenarios[s].title["en"])),
            on_change=_on_pick, args=(page,),
            help="A set of settings that shows one effect of this page; the URL becomes its link."
            if lang == "en" else "一组展示本页某个现象的设置；网址即为它的链接。")
        right.button("Reset to defaults" if lang == "en" else "恢复默认", key=f"{page}_reset_defaults",
                     on_click=_on_reset, args=(page,), width="stretch")
        chosen = scenarios.get(slug)
        if chosen is not None:
            st.markdown(("**Look for:** " if lang == "en" else "**观察：** ")  # a space after **: CommonMark
                        + chosen.look_for.get(lang, chosen.look_for["en"]))
    return chosen
