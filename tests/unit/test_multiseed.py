import numpy as np

from core.multiseed import lockstep
from core.runner import first_non_finite


def fake(variant, seed, n=3):
    for t in range(1, n + 1):
        record = {"update": t, "x": float(seed * 10 + t), "_payload": [t]}
        if variant == "b":
            record["only_b"] = 1.0
        yield record


def test_lockstep_stacks_variants_by_seeds():
    records = list(lockstep(fake, ["a", "b"], [1, 2, 3]))
    assert [r["update"] for r in records] == [1, 2, 3]
    np.testing.assert_array_equal(records[0]["x"], [[11, 21, 31], [11, 21, 31]])
    assert records[0]["variants"] == ["a", "b"] and records[0]["seeds"] == [1, 2, 3]
    assert "_payload" not in records[0] and records[0]["_first_seed"]["a"] == {"_payload": [1]}
    np.testing.assert_array_equal(records[0]["only_b"], [[1.0, 1.0, 1.0]])
    assert records[0]["variants_of"] == {"only_b": ["b"]}


def test_lockstep_stops_with_the_shortest_trainer_and_closes_all():
    closed = []

    def trainer(variant, seed):
        try:
            yield from fake(variant, seed, n=2 if seed == 2 else 5)
        finally:
            closed.append((variant, seed))

    assert len(list(lockstep(trainer, ["a"], [1, 2]))) == 2
    assert sorted(closed) == [("a", 1), ("a", 2)]


def test_runner_sees_a_nan_inside_an_array():
    assert first_non_finite({"x": np.array([[1.0, np.nan]])}) == "x"
    assert first_non_finite({"x": np.array([[1.0, 2.0]]), "variants": ["a"]}) is None
