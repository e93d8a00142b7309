"""Several trainers in lockstep: the same K seeds for each variant, one update each per tick.

A comparison on one seed is an anecdote. `lockstep` advances every (variant, seed) trainer by
one update per tick and yields one record per tick whose numbers are arrays of shape
(variants, seeds), so a chart can draw each variant as a mean with a band, and the runner can
drive the whole comparison as one run (one thread, one slot, one heartbeat).
"""
from __future__ import annotations

import time
from typing import Callable, Iterator, Sequence

import numpy as np

from core.checkpoint import WEIGHTS


# the comparison's own step counter and clock: a trainer's `time_s` inside lockstep would count
# the time of the trainers that ran before it in each tick
OWN_KEYS = ("update", "time_s")


def lockstep(make_trainer: Callable[[str, int], Iterator[dict]], variants: Sequence[str],
             seeds: Sequence[int]) -> Iterator[dict]:
    """Yield {"update": t, "time_s", "variants", "seeds", key: array (V, K), ...} per tick.

    `make_trainer(variant, seed)` builds one trainer. A number that only some variants report
    (a critic's explained variance, say) keeps just their rows, and record["variants_of"][key]
    names them. The payloads ('_...' keys) of each variant's first seed travel as
    record["_first_seed"][variant]. Stops when any trainer is exhausted.

    Live knob changes sent to this generator (see core.runner) are passed on to every trainer,
    each of which applies them to its own config."""
    trainers = [[make_trainer(v, s) for s in seeds] for v in variants]
    start = time.perf_counter()
    changes = None
    try:
        for tick in range(1, 1 << 62):
            rows = []
            for row in trainers:
                records = []
                for trainer in row:
                    try:
                        record = trainer.send(changes) if changes else next(trainer)
                    except StopIteration:
                        return
                    records.append(record)
                rows.append(records)
            reported = [{k for k, v in records[0].items()
                         if not k.startswith("_") and isinstance(v, (int, float)) and k not in OWN_KEYS
                         and all(k in r for r in records)} for records in rows]
            out = {"update": tick, "time_s": time.perf_counter() - start,
                   "variants": list(variants), "seeds": list(seeds)}
            for key in sorted(set().union(*reported)):
                have = [i for i, keys in enumerate(reported) if key in keys]
                out[key] = np.array([[r[key] for r in rows[i]] for i in have], dtype=float)
                if len(have) < len(variants):
                    out.setdefault("variants_of", {})[key] = [variants[i] for i in have]
            out["_first_seed"] = {v: {k: x for k, x in records[0].items() if k.startswith("_") and k != WEIGHTS}
                                  for v, records in zip(variants, rows)}
            weights = {f"{v}/seed{s}/{name}": tensor for v, records in zip(variants, rows)
                       for s, record in zip(seeds, records) for name, tensor in record.get(WEIGHTS, {}).items()}
            if weights:  # every trainer's model, for the run's checkpoint (core.checkpoint)
                out[WEIGHTS] = weights
            changes = yield out
    finally:
        for row in trainers:
            for trainer in row:
                close = getattr(trainer, "close", None)
                if close is not None:
                    close()
