"""Run export (issue 12 item 5): records to CSV/JSON columns, the config to JSON."""
import csv
import io
import json

import numpy as np

from core.ppo import PPOConfig
import pytest

from ui.export import MAX_BYTES, config_json, flatten, metrics_csv, metrics_json, parse_run_file


def comparison_record(update):
    return {"update": update, "time_s": 0.5 * update, "variants": ["clip", "none"], "seeds": [0, 1],
            "return_avg20": np.array([[10.0, 20.0], [30.0, np.nan]]),
            "explained_variance": np.array([[0.5, 0.25]]), "variants_of": {"explained_variance": ["clip"]},
            "_first_seed": {"clip": {"_ratios": np.ones(3)}}, "heldout_accuracy": None}


def test_flatten_names_each_variant_and_seed_and_drops_payloads():
    row = flatten(comparison_record(1))
    assert row["update"] == 1 and row["time_s"] == 0.5
    assert row["return_avg20[clip|seed 0]"] == 10.0 and row["return_avg20[none|seed 0]"] == 30.0
    assert row["return_avg20[none|seed 1]"] is None  # NaN: an empty cell, not "nan"
    assert row["explained_variance[clip|seed 1]"] == 0.25 and "explained_variance[none|seed 0]" not in row
    assert row["heldout_accuracy"] is None
    assert not any(k.startswith("_") or k in ("variants", "seeds") for k in row)


def test_csv_and_json_hold_every_record():
    records = [comparison_record(u) for u in (1, 2, 3)]
    rows = list(csv.DictReader(io.StringIO(metrics_csv(records))))
    assert [r["update"] for r in rows] == ["1", "2", "3"] and rows[0]["return_avg20[clip|seed 1]"] == "20.0"
    assert json.loads(metrics_json(records, "ppo"))["records"][2]["time_s"] == 1.5


def test_csv_keeps_which_method_a_row_belongs_to_and_json_stays_numbers():
    records = [{"method": "PPO β=0.05", "update": 1, "kl": 0.5}, {"method": "best-of-N", "update": 1, "kl": 0.2}]
    rows = list(csv.DictReader(io.StringIO(metrics_csv(records))))
    assert [r["method"] for r in rows] == ["PPO β=0.05", "best-of-N"]
    assert "method" not in json.loads(metrics_json(records, "ap_frontier"))["records"][0]


def test_config_json_round_trips_the_dataclass():
    text = config_json("ppo", PPOConfig(lr=0.001), seeds=[0, 1])
    data = json.loads(text)
    assert data["page"] == "ppo" and data["seeds"] == [0, 1]
    assert PPOConfig(**data["config"]) == PPOConfig(lr=0.001)


def test_a_metrics_file_comes_back_as_the_records_the_charts_read():
    records = [comparison_record(u) for u in (1, 2)]
    kind, doc = parse_run_file(metrics_json(records, "ppo").encode())
    assert kind == "metrics" and doc["page"] == "ppo"
    back = doc["records"]
    assert back[0]["variants"] == ["clip", "none"] and back[0]["seeds"] == [0, 1]
    np.testing.assert_array_equal(back[1]["return_avg20"], records[1]["return_avg20"])  # NaN kept as NaN
    assert back[0]["variants_of"] == {"explained_variance": ["clip"]}
    assert back[1]["update"] == 2


def test_a_config_file_comes_back():
    kind, doc = parse_run_file(config_json("ppo", PPOConfig(lr=0.001)).encode())
    assert kind == "config" and doc["config"]["lr"] == 0.001


@pytest.mark.parametrize("content,words", [
    (b"", "empty"), (b"\xff\xfe junk", "not UTF-8"), (b"{not json", "not a JSON file"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"format": "rlhf-playground-labels"}', "not a metrics or config file"),
    (b'{"format": "rlhf-playground-run", "page": "ppo", "records": [{"update": "one"}]}', "named numbers"),
    (b'{"format": "rlhf-playground-run", "page": "ppo", "records": [{"loss": 1.0}]}', "update number"),
    (b'{"format": "rlhf-playground-run", "page": 3, "records": [{"update": 1}]}', "which run"),
    (b'{"format": "rlhf-playground-config", "page": "ppo", "config": [1, 2]}', "no config fields"),
    (b" " * (MAX_BYTES + 1), "at most"),
])
def test_every_bad_file_is_refused_with_a_sentence(content, words):
    with pytest.raises(ValueError, match=words):
        parse_run_file(content)
