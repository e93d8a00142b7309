from ui.path import PATH


def test_home_renders_the_loop_the_path_and_the_guide(app):
    at = app()
    assert not at.exception
    assert at.title[0].value.endswith("RLHF Playground")
    loop = [m.value for m in at.markdown if "<svg" in m.value]
    assert len(loop) == 1 and "The reinforcement-learning loop" in loop[0], "the RL loop is drawn"
    text = " ".join(m.value for m in at.markdown)
    for stop in ("Policy gradient", "Baseline", "PPO", "RLHF on a tiny GPT-2"):
        assert stop in text
    cards = [link for link in at.get("page_link") if link.proto.label == "Open →"]
    assert len(cards) == len(PATH)  # one card per page of the path, each with its link
    assert "As a student" in text and "As an instructor" in text


def test_home_in_chinese(app):
    at = app(lang="zh")
    assert not at.exception and not at.warning
    assert "强化学习的循环" in " ".join(m.value for m in at.markdown)


def test_sidebar_rejects_bad_values_with_a_message(app):
    at = app(lang="fr", seed="-5", device="tpu")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    for name in ("lang=fr", "seed=-5", "device=tpu"):
        assert name in warnings
    assert at.selectbox(key="lang").value == "en"
    assert at.number_input(key="seed").value == 0
    assert at.selectbox(key="device").value == "auto"


def test_an_unavailable_device_falls_back_with_a_note(app, monkeypatch):
    import core.device
    monkeypatch.setattr(core.device, "available_devices", lambda: ["cpu"])
    at = app(device="cuda")
    assert not at.exception
    assert at.selectbox(key="device").value == "cuda"
    assert any("cuda is not available" in w.value for w in at.sidebar.warning if hasattr(w, "value"))
    assert any("Training on **cpu**" in c.value for c in at.sidebar.caption)
