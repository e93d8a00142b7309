import numpy as np
import pytest
import torch

from core.nets import CategoricalPolicy
from core.pg import ReinforceConfig, reinforce_loss, returns_to_go, train_reinforce
from tests.unit.determinism import interleaved_with_reseeds


def test_returns_to_go_hand_example():
    # gamma = 0.5, rewards 1, 0, 2 then the episode is over (zeros)
    rewards = torch.tensor([[1.0], [0.0], [2.0], [0.0]])
    got = returns_to_go(rewards, 0.5)[:, 0].tolist()
    assert got == [1.5, 1.0, 2.0, 0.0]


def test_returns_to_go_is_per_column():
    rewards = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(returns_to_go(rewards, 1.0).numpy(), [[2.0, 1.0], [1.0, 0.0]])


def test_reinforce_loss_gradient_is_weighted_score_sum():
    torch.manual_seed(0)
    policy = CategoricalPolicy(3, 2, 8)
    obs, actions = torch.randn(5, 3), torch.tensor([0, 1, 1, 0, 1])
    weights = torch.tensor([1.0, -2.0, 0.5, 3.0, 0.0])
    logp = policy(obs).gather(-1, actions[:, None]).squeeze(-1)
    grads = torch.autograd.grad(reinforce_loss(logp, weights, n_episodes=2), list(policy.parameters()))
    manual = [torch.zeros_like(p) for p in policy.parameters()]
    for i in range(5):
        lp = policy(obs[i:i + 1])[0, actions[i]]
        for m, g in zip(manual, torch.autograd.grad(lp, list(policy.parameters()))):
            m -= weights[i] * g / 2
    for a, b in zip(grads, manual):
        torch.testing.assert_close(a, b)


def _curve(config, seed):
    return [{k: v for k, v in r.items() if k != "time_s" and not k.startswith("_")}  # payloads aside
            for r in train_reinforce(config, seed)]


def test_same_seed_same_curve_and_other_seed_differs():
    config = ReinforceConfig(max_updates=4, episodes=4)
    assert _curve(config, 7) == _curve(config, 7)
    assert _curve(config, 7) != _curve(config, 8)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Acrobot-v1"])
@pytest.mark.parametrize("reward_to_go", [True, False])
def test_records_are_well_formed(env_id, reward_to_go):
    config = ReinforceConfig(env_id=env_id, max_updates=2, episodes=2, reward_to_go=reward_to_go)
    records = list(train_reinforce(config, 0))
    assert [r["update"] for r in records] == [1, 2]
    for r in records:
        assert r["return_min"] <= r["return_mean"] <= r["return_max"]
        assert 0 < r["entropy"] <= np.log(3) + 1e-6
        assert set(r["_policy"]) and r["env_steps"] > 0


def _numbers(record):
    return {k: v for k, v in record.items() if not k.startswith("_") and k != "time_s"}


@pytest.mark.parametrize("baseline", ["none", "batch_mean", "value"])
def test_same_seed_same_records_interleaved_and_after_a_global_reseed(baseline):
    """Convention 1 (issue item 8): the trainer draws from its own generators only."""
    config = ReinforceConfig(max_updates=3, episodes=2, baseline=baseline, measure_variance=True)
    alone = [_numbers(r) for r in train_reinforce(config, 1)]
    assert interleaved_with_reseeds(train_reinforce(config, 1), train_reinforce(config, 2), 3, _numbers) == alone


def test_learning_rates_are_live_through_send():
    """Convention 2 (issue item 9): a change sent to the trainer lands at the next update and
    shows in the records; the config object the caller holds is never mutated."""
    config = ReinforceConfig(max_updates=3, episodes=2, baseline="value")
    trainer = train_reinforce(config, 0)
    first = next(trainer)
    second = trainer.send({"lr": 0.05, "critic_lr": 0.003})
    third = trainer.send(None)
    assert [r["lr"] for r in (first, second, third)] == [0.01, 0.05, 0.05]
    assert [r["critic_lr"] for r in (first, second, third)] == [0.03, 0.003, 0.003]
    assert config.lr == 0.01 and config.critic_lr == 0.03
    trainer = train_reinforce(config, 0)
    next(trainer)
    with pytest.raises(ValueError):
        trainer.send({"episodes": 4})  # not a live knob: refused, never silently ignored


def test_variance_meter_compares_baselines_on_the_same_batch():
    """Issue item 4: each variant's variance is matched with the no-baseline variance of the
    same episodes under the same policy; their ratio is what the meter draws."""
    for baseline in ("none", "batch_mean", "value"):
        config = ReinforceConfig(max_updates=2, episodes=4, baseline=baseline, measure_variance=True)
        for r in train_reinforce(config, 0):
            assert r["variance_ratio"] == pytest.approx(r["grad_variance"] / r["grad_variance_none"])
            if baseline == "none":
                assert r["variance_ratio"] == 1.0
    # the same seed starts every variant from the same policy and the same first episodes:
    # the no-baseline variance of update 1 is the same number whatever the variant
    firsts = {b: next(train_reinforce(ReinforceConfig(episodes=4, baseline=b, measure_variance=True), 0))
              for b in ("none", "batch_mean", "value")}
    nones = {b: r["grad_variance_none"] for b, r in firsts.items()}
    assert nones["batch_mean"] == pytest.approx(nones["none"]) and nones["value"] == pytest.approx(nones["none"])
    assert firsts["batch_mean"]["variance_ratio"] < 1


def test_reinforce_solves_cartpole():
    """A learning test with a generous budget (the time to 475 is a benchmark)."""
    config = ReinforceConfig(max_updates=400)
    best = max(r["return_avg20"] for r in train_reinforce(config, seed=1))
    assert best >= 475


def test_batch_mean_baseline_is_per_time_step_over_running_episodes():
    from core.pg import batch_mean_baseline
    weights = torch.tensor([[3.0, 1.0], [2.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(batch_mean_baseline(weights, mask).numpy(), [[2.0], [2.0]])


@pytest.mark.parametrize("baseline", ["batch_mean", "value"])
def test_baselines_train_and_report_variance(baseline):
    config = ReinforceConfig(baseline=baseline, max_updates=2, episodes=4, measure_variance=True)
    records = list(train_reinforce(config, 0))
    assert all(r["grad_variance"] > 0 for r in records)
    assert ("value_loss" in records[-1]) == (baseline == "value")


def test_a_learned_baseline_lowers_the_gradient_variance_at_the_initial_policy():
    from core.pg import gradient_variance_by_baseline
    variances = gradient_variance_by_baseline(seed=0)
    assert variances["value"] < variances["none"] / 1.5
    assert variances["batch_mean"] < variances["none"]


def test_per_episode_gradient_variance_matches_a_manual_computation():
    from core.pg import per_episode_gradient_variance
    torch.manual_seed(0)
    policy = CategoricalPolicy(2, 2, 4)
    obs, actions = torch.randn(3, 2, 2), torch.tensor([[0, 1], [1, 1], [0, 0]])
    psi = torch.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
    logp = policy(obs).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    got = per_episode_gradient_variance(policy, logp, psi)
    rows = []
    for n in range(2):
        grads = torch.autograd.grad((logp[:, n] * psi[:, n]).sum(), list(policy.parameters()), retain_graph=True)
        rows.append(torch.cat([g.flatten() for g in grads]))
    a, b = rows
    assert got == pytest.approx(float(((a - b) ** 2).sum() / 2), rel=1e-5)


def test_initial_weights_come_from_the_runs_generator_not_the_global_one():
    """A neighbour reseeding torch's global generator mid-construction changed the weights
    (measured: PPO's records differed beside such a thread)."""
    from core.nets import init_linear_layers, mlp

    def build(global_seed):
        torch.manual_seed(global_seed)
        return init_linear_layers(mlp([4, 8, 2]), torch.Generator().manual_seed(7))

    a, b = build(1), build(2)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    first = a[0]
    bound = 1 / np.sqrt(4)  # PyTorch's default: weights and biases within 1/sqrt(fan_in)
    assert first.weight.abs().max() <= bound and first.bias.abs().max() <= bound
