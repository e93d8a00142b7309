"""Check yourself (issue 12 item 6): two predict-then-run questions per page, in both
languages; an answer is locked before the verdict, and the verdict offers the scenario."""
import pytest

from ui.path import PATH
from ui.quiz import QUESTIONS
from ui.scenarios import SCENARIOS


def test_every_page_has_questions_tied_to_its_scenarios_in_both_languages():
    assert set(QUESTIONS) == {stop.slug for stop in PATH}
    for page, questions in QUESTIONS.items():
        assert len(questions) >= 2
        for question in questions:
            assert question.scenario in {s.slug for s in SCENARIOS[page]}, (page, question.slug)
            assert set(question.prompt) == set(question.why) == set(question.options) == {"en", "zh"}
            assert len(question.options["en"]) == len(question.options["zh"]) > question.answer >= 0


@pytest.mark.parametrize("lang,verdict", [("en", "Right."), ("zh", "答对了。")])
def test_lock_in_then_see_the_verdict_and_run_the_scenario(app, lang, verdict):
    page = "policy_gradient"
    question = QUESTIONS[page][0]
    at = app("views/policy_gradient.py", lang=lang)
    key = f"{page}_quiz_{question.slug}"
    assert not any(verdict in s.value for s in at.success)
    at.radio(key=key).set_value(question.answer).run()
    at.button(key=f"{key}_lock").click().run()
    assert any(verdict in s.value and question.why[lang] in s.value for s in at.success)
    assert at.radio(key=key).disabled  # locked in
    at.button(key=f"{key}_run").click().run()
    assert at.selectbox(key=f"{page}_scenario").value == question.scenario
    assert at.toggle(key="bandit_all_positive").value is True


def test_a_wrong_answer_is_told_the_right_one(app):
    question = QUESTIONS["actor_critic"][0]
    at = app("views/actor_critic.py")
    key = f"actor_critic_quiz_{question.slug}"
    wrong = (question.answer + 1) % len(question.options["en"])
    at.radio(key=key).set_value(wrong).run()
    at.button(key=f"{key}_lock").click().run()
    assert any(question.options["en"][question.answer] in w.value for w in at.warning)
