"""The export's CSV writer (`mlprov.core.output.frame_text`) against pandas' `to_csv`, in the same run.

A table shaped like the export's per-graphlet `graphlets` table (ids, names, three costs, two long
lists of member ids; nulls as the queries give them) is written both ways, alternately for
--rounds rounds. The files must be the same byte for byte; the report gives each writer's median
seconds and their ratio, and how long the writer held the GIL (a second thread counting while it
writes: the export's table threads need the GIL to read their rows meanwhile).

    .venv/bin/python bench/csv_writer_bench.py --rows 330000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time

import numpy as np
import pandas as pd

from mlprov.core.output import frame_text

OUTCOMES = ["pushed", "blessed_not_pushed", "not_blessed", "not_pushed", "failed", "open"]


def graphlets_like(rows: int, seed: int = 0) -> pd.DataFrame:
    """A frame with the columns and kinds of `analyses/graphlets.cypher`'s result."""
    rng = np.random.default_rng(seed)
    pipelines = [f"pipeline-{i:04d}" for i in range(2453)]
    members = rng.integers(5, 40, rows)

    def ids(count: int) -> str:
        return " ".join(map(str, np.sort(rng.integers(1, 5_000_000, count))))

    def costs(null_every: int) -> pd.array:
        values = rng.lognormal(3.0, 2.0, rows)
        return pd.array([None if i % null_every == 0 else v for i, v in enumerate(values)], dtype="Float64")

    return pd.DataFrame({
        "source": pd.array(["corpus_l"] * rows, dtype="str"),
        "pipeline": pd.array(rng.choice(pipelines, rows), dtype="str"),
        "trainer_id": pd.array(rng.integers(1, 5_000_000, rows), dtype="Int64"),
        "model_id": pd.array([None if i % 17 == 0 else i * 3 + 1 for i in range(rows)], dtype="Int64"),
        "outcome": pd.array(rng.choice(OUTCOMES, rows), dtype="str"),
        "started_at": pd.array(1_600_000_000_000 + rng.integers(0, 10**10, rows), dtype="Int64"),
        "n_executions": pd.array(members, dtype="Int64"),
        "n_artifacts": pd.array(members + 3, dtype="Int64"),
        "member_execution_ids": pd.array([ids(n) for n in members], dtype="str"),
        "member_artifact_ids": pd.array([ids(n + 3) for n in members], dtype="str"),
        "cost_full_s": costs(23),
        "cost_amortized_s": costs(29),
        "cost_first_use_s": costs(31),
    })


def timed_with_gil_share(write) -> tuple[str, float, float]:
    """(text, seconds, share of them another Python thread got to run): a thread that only counts
    while `write` runs gets the GIL when the writer releases it (in Arrow's C++ or in I/O)."""
    done = threading.Event()
    ticks = [0]

    def count() -> None:
        while not done.is_set():
            ticks[0] += 1
            time.sleep(0)

    counter = threading.Thread(target=count)
    idle_start = time.perf_counter()
    counter.start()
    time.sleep(0.2)
    baseline = ticks[0] / (time.perf_counter() - idle_start)  # ticks per second with the GIL free
    ticks[0] = 0
    started = time.perf_counter()
    text = write()
    seconds = time.perf_counter() - started
    done.set()
    counter.join()
    return text, seconds, min(1.0, ticks[0] / seconds / baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=330_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    frame = graphlets_like(args.rows)
    seconds: dict[str, list[float]] = {"to_csv": [], "frame_text": []}
    others: dict[str, list[float]] = {"to_csv": [], "frame_text": []}
    for _ in range(args.rounds):
        texts = {}
        for name, write in (("to_csv", lambda: frame.to_csv(index=False)),
                            ("frame_text", lambda: frame_text(frame, "csv"))):
            texts[name], elapsed, other = timed_with_gil_share(write)
            seconds[name].append(elapsed)
            others[name].append(other)
            print(f"{name}: {elapsed:.2f} s", file=sys.stderr)
        if texts["to_csv"] != texts["frame_text"]:
            sys.exit("the two writers wrote different files")
    report = {
        "rows": args.rows,
        "megabytes": round(len(texts["to_csv"]) / 2**20, 1),
        "to_csv_s": round(statistics.median(seconds["to_csv"]), 2),
        "frame_text_s": round(statistics.median(seconds["frame_text"]), 2),
        "ratio": round(statistics.median(seconds["frame_text"]) / statistics.median(seconds["to_csv"]), 2),
        "other_thread_share_to_csv": round(statistics.median(others["to_csv"]), 2),
        "other_thread_share_frame_text": round(statistics.median(others["frame_text"]), 2),
        "same_bytes": True,
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
