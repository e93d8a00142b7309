"""Check yourself (issue 12 item 6): predict, then run, then see.

Each page ends with two questions about what one of its scenarios will show. The student
commits to an answer first (a prediction made after the fact teaches little); then the page
offers the scenario that shows it, and says whether the prediction was right, with a one-line
why. In both lesson languages.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.scenarios import SCENARIOS, _apply


@dataclass(frozen=True)
class Question:
    slug: str
    scenario: str  # the scenario that shows the answer (ui.scenarios)
    prompt: dict[str, str]
    options: dict[str, tuple[str, ...]]
    answer: int  # index into options
    why: dict[str, str]


def q(slug, scenario, prompt_en, prompt_zh, options_en, options_zh, answer, why_en, why_zh) -> Question:
    return Question(slug, scenario, {"en": prompt_en, "zh": prompt_zh},
                    {"en": tuple(options_en), "zh": tuple(options_zh)}, answer, {"en": why_en, "zh": why_zh})


QUESTIONS: dict[str, tuple[Question, ...]] = {
    "policy_gradient": (
        q("unsampled-best", "positive-rewards",
          "Every reward is made positive. On an update where the best arm is not sampled, π(best arm)…",
          "所有奖励都变为正数。在一次没有采到最优臂的更新中，π(最优臂)……",
          ("rises", "falls", "stays the same"), ("上升", "下降", "不变"), 1,
          "Each sampled arm is pushed up by its positive reward; the probabilities sum to 1, so an "
          "arm that was not sampled loses mass, the best one too.",
          "每个被采样的臂都被正奖励推高；概率之和为 1，所以没被采到的臂会失去概率，最优臂也不例外。"),
        q("batch-spread", "big-batch",
          "From 4 to 32 pulls per update, the spread of the batch gradient estimates…",
          "每次更新从采样 4 次变为 32 次，批量梯度估计的分散程度……",
          ("grows", "shrinks", "does not change"), ("变大", "变小", "不变"), 1,
          "The mean of N independent estimates has 1/N of their variance.",
          "N 个独立估计的均值，其方差是单个估计的 1/N。"),
    ),
    "baseline": (
        q("shift-none", "reward-shift",
          "Add 5 to every reward. Without a baseline, the variance of the gradient estimate…",
          "给每个奖励加 5。没有基线时，梯度估计的方差……",
          ("grows", "shrinks", "stays the same"), ("变大", "变小", "不变"), 0,
          "The expected gradient is unchanged, but every sample's score vector is multiplied by a "
          "larger return.",
          "期望梯度不变，但每个样本的得分向量都乘上了更大的回报。"),
        q("shift-mean", "reward-shift",
          "…and with the batch-mean baseline, the variance…",
          "……而使用批均值基线时，方差……",
          ("grows as much", "stays about where it was"), ("同样变大", "基本保持原样"), 1,
          "Subtracting the batch mean removes the shift before it multiplies the score.",
          "减去批均值会在乘以得分之前把平移去掉。"),
    ),
    "critics": (
        q("td-bounce", "td-large-alpha",
          "With α = 0.5, TD(0)'s error over the episodes will…",
          "α = 0.5 时，TD(0) 的误差随回合会……",
          ("fall smoothly to near zero", "fall fast, then bounce", "not move"),
          ("平滑地降到接近零", "先快速下降，然后来回跳动", "几乎不动"), 1,
          "A large step jumps most of the way to each episode's noisy target, so the estimate "
          "never settles.",
          "大步长每次都几乎跳到单个回合带噪声的目标上，估计因此无法稳定。"),
        q("best-n", "nstep-best-n",
          "Which n gives the lowest error in the n-step sweep?",
          "在 n 步扫描中，哪个 n 的误差最低？",
          ("n = 1 (one-step TD)", "an intermediate n", "the largest n (Monte Carlo)"),
          ("n = 1（单步 TD）", "中间的某个 n", "最大的 n（蒙特卡洛）"), 1,
          "Small n leans on a biased estimate, large n on a noisy return: the best trade is in between.",
          "n 小则依赖有偏的估计，n 大则依赖噪声大的回报：最好的折中在中间。"),
    ),
    "actor_critic": (
        q("lambda-bias", "lambda-one",
          "At λ = 1, the bias² of the advantage estimate is…",
          "λ = 1 时，优势估计的偏差²……",
          ("at its largest", "zero", "in between"), ("最大", "为零", "居中"), 1,
          "At λ = 1 the advantage is the Monte-Carlo return minus V: the critic's errors cancel out.",
          "λ = 1 时优势等于蒙特卡洛回报减去 V：评论家的误差被抵消。"),
        q("lambda-variance", "lambda-one",
          "…and its variance is…",
          "……而它的方差……",
          ("at its largest", "zero", "at its smallest"), ("最大", "为零", "最小"), 0,
          "The whole return, every later reward's noise included, goes into the estimate.",
          "整段回报（包括之后每个奖励的噪声）都进入了估计。"),
    ),
    "off_policy": (
        q("narrow-settle", "narrow-proposal",
          "σq = 0.5 while σp = 1. Does the ordinary IS estimate settle as n grows?",
          "σq = 0.5 而 σp = 1。随着 n 增大，普通重要性采样估计会稳定下来吗？",
          ("yes, its error falls like 1/√n", "no, it keeps jumping"),
          ("会，误差按 1/√n 下降", "不会，它一直跳动"), 1,
          "The weights' variance is infinite, so rare huge weights keep arriving however large n is.",
          "权重的方差无穷大，无论 n 多大，罕见的巨大权重都会不断出现。"),
        q("reuse-k16", "reuse-collapse",
          "Reusing each batch for K = 16 steps with no constraint, compared with K = 1, the return…",
          "每批数据无约束地走 K = 16 步，与 K = 1 相比，回报……",
          ("grows faster", "falls behind or collapses"), ("增长更快", "落后甚至崩溃"), 1,
          "After a few steps π is far from π_old: the ratios drift and the old batch no longer "
          "estimates π's gradient well.",
          "走几步之后 π 已远离 π_old：比值漂移，旧数据不再能很好地估计 π 的梯度。"),
    ),
    "ppo": (
        q("kl-none", "no-constraint",
          "Ten epochs per batch with no clip and no penalty: its approx_kl compared with PPO-clip's is…",
          "每批训练十轮、既不裁剪也不惩罚：它的 approx_kl 与 PPO-clip 相比……",
          ("much larger", "about the same", "smaller"), ("大得多", "差不多", "更小"), 0,
          "Nothing stops the ratio from moving, so every epoch pushes π further from π_old.",
          "没有任何东西阻止比值变化，每一轮都把 π 推得离 π_old 更远。"),
        q("return-none", "no-constraint",
          "Which variant ends with the higher return?",
          "哪个变体最终回报更高？",
          ("PPO-clip", "no constraint"), ("PPO-clip", "无约束"), 0,
          "The unconstrained updates overshoot and the policy collapses; the clip keeps each update safe.",
          "无约束的更新会冲过头，策略崩溃；裁剪让每次更新都保持安全。"),
    ),
    "rlhf": (
        q("gold-beta0", "reward-hacking",
          "At β = 0, as PPO trains, the labeler's hidden (gold) score will…",
          "β = 0 时，随着 PPO 训练，标注者的隐藏（金标准）分数会……",
          ("keep rising with the proxy", "rise, then fall", "stay flat"),
          ("与代理分数一起持续上升", "先升后降", "保持不变"), 1,
          "Without the leash the policy finds texts the reward model over-rates but the labeler does not like.",
          "没有约束时，策略会找到奖励模型高估而标注者并不喜欢的文本。"),
        q("kl-beta0", "reward-hacking",
          "…and the KL to the reference model will…",
          "……而与参考模型的 KL 会……",
          ("stay small", "grow large"), ("保持很小", "变得很大"), 1,
          "β = 0 puts no price on moving away from the reference.",
          "β = 0 意味着远离参考模型没有任何代价。"),
    ),
    "after_ppo": (
        q("k1-sign", "far-from-reference",
          "One sampled token's k1 = log π/π_ref, far from the reference, is…",
          "远离参考模型时，单个采样词元的 k1 = log π/π_ref……",
          ("never below zero, like the KL", "below zero for many tokens"),
          ("和 KL 一样从不小于零", "对许多词元小于零"), 1,
          "Only its mean is the KL; a token the policy likes less than the reference does gives a negative k1.",
          "只有它的均值才是 KL；策略比参考模型更不喜欢的词元会给出负的 k1。"),
        q("bon-gold", "hurried-labeler",
          "Best-of-N with a weak reward model: as N doubles again and again, the gold score…",
          "用较弱的奖励模型做 best-of-N：N 一次次翻倍时，金标准分数……",
          ("rises with the proxy", "rises, then falls"), ("与代理分数一起上升", "先升后降"), 1,
          "The more samples it chooses from, the more often the reward model's favourite is one of its mistakes.",
          "可选的样本越多，奖励模型最喜欢的那个就越常是它判断错的文本。"),
    ),
}

_WORDS = {"en": {"title": "Check yourself", "lock": "Lock in my answer", "run": "Run the scenario",
                 "right": "Right.", "wrong": "Not quite: the answer is", "locked": "Your answer:",
                 "pick": "Pick an answer first."},
          "zh": {"title": "自测", "lock": "确定答案", "run": "运行这个场景",
                 "right": "答对了。", "wrong": "不太对：答案是", "locked": "你的答案：",
                 "pick": "请先选择一个答案。"}}


def _commit(page: str, question: Question) -> None:
    choice = st.session_state.get(f"{page}_quiz_{question.slug}")
    if choice is not None:
        st.session_state[f"{page}_quiz_{question.slug}_locked"] = choice


def _run_scenario(page: str, question: Question) -> None:
    scenario = next(s for s in SCENARIOS[page] if s.slug == question.scenario)
    _apply(page, scenario)
    st.session_state[f"{page}_scenario"] = scenario.slug


def check_yourself(page: str) -> None:
    """The page's questions: choose, lock in, then see the verdict and run the scenario."""
    questions = QUESTIONS.get(page, ())
    if not questions:
        return
    lang = st.session_state.get("lang", "en")
    words = _WORDS.get(lang, _WORDS["en"])
    st.subheader(words["title"])
    for question in questions:
        options = question.options.get(lang, question.options["en"])
        key = f"{page}_quiz_{question.slug}"
        locked = st.session_state.get(f"{key}_locked")
        with st.container(border=True):
            st.radio(question.prompt.get(lang, question.prompt["en"]), range(len(options)), index=None,
                     format_func=lambda i, o=options: o[i], key=key, disabled=locked is not None)
            if locked is None:
                st.button(words["lock"], key=f"{key}_lock", on_click=_commit, args=(page, question))
                continue
            verdict = (words["right"] if locked == question.answer
                       else f"{words['wrong']} **{options[question.answer]}**.")
            (st.success if locked == question.answer else st.warning)(
                f"{verdict} {question.why.get(lang, question.why['en'])}")
            st.button(words["run"], key=f"{key}_run", icon=":material/science:",
                      on_click=_run_scenario, args=(page, question))
