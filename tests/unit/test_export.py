"""Run export (issue 12 item 5): records to CSV/JSON columns, the config to JSON."""
import csv
import io
import json

import numpy as np

from core.ppo import PPOConfig
from ui.export import config_json, flatten, metrics_csv, metrics_json


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
    assert json.loads(metrics_json(records))[2]["time_s"] == 1.5


def test_config_json_round_trips_the_dataclass():
    text = config_json("ppo", PPOConfig(lr=0.001), seeds=[0, 1])
    data = json.loads(text)
    assert data["page"] == "ppo" and data["seeds"] == [0, 1]
    assert PPOConfig(**data["config"]) == PPOConfig(lr=0.001)
