"""The report's finding sentences, computed from the analysis tables (pandas frames by bare name).

Each `*_finding(frames)` returns the sentences of one report section, first the one that answers
the section's question. They state only what the frames hold: a share, a count or a cost that the
data implies, formatted by `mlprov.analytics.humanize`. A section whose tables are empty says so.
Also here: the pipelines that waste most (the pipeline pages) and the simple skipping rules of the
pruning section, both computed from the same frames.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mlprov.analytics import humanize as hz

Frames = Mapping[str, pd.DataFrame]

# What each attribution mode of rules §3 step 10 means, in a phrase a reader can use.
MODES = {
    "amortized": "a step shared by several graphlets is split evenly between them",
    "full": "a shared step is charged in full to every graphlet that used it",
    "first_use": "a shared step is charged to the first graphlet that used it",
}
MODE_NAMES = {"amortized": "amortized", "full": "full", "first_use": "first use"}
OUTCOME_WORDS = {
    "pushed": "pushed",
    "not_blessed": "not blessed by validation",
    "blessed_not_pushed": "blessed but not pushed",
    "not_pushed": "not pushed (no validation)",
    "failed": "failed",
    "open": "still open",
}
CHANGE_WORDS = {
    "new_data": "new data", "no_new_data": "no new data", "schema": "schema changed",
    "transform_code": "Transform code changed", "trainer_code": "Trainer code changed",
    "hyperparameters": "hyperparameters changed", "operators": "operator set changed",
    "no_change": "nothing changed", "any": "all graphlets",
}
CHANGE_FLAGS = {
    "new_data": "new data", "schema_changed": "schema", "transform_code_changed": "Transform code",
    "trainer_code_changed": "Trainer code", "hyperparameters_changed": "hyperparameters",
    "operators_changed": "operators",
}


def _frame(frames: Frames, name: str) -> pd.DataFrame:
    frame = frames.get(name)
    return frame if frame is not None else pd.DataFrame()


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def cost_unit(frames: Frames) -> str:
    """The unit of every cost in the report, from the bases the cost analyses summed."""
    bases = _frame(frames, "cost_by_category")
    return hz.cost_unit(" ".join(bases["bases"].dropna().astype(str)) if "bases" in bases else None)


def basis_note(frames: Frames) -> str:
    unit = cost_unit(frames)
    if unit == "CPU":
        return "Costs are CPU time as the executions recorded it (cpu_seconds); cached runs cost nothing (rules §2)."
    if unit == "wall-clock":
        return ("Costs are wall-clock run times (end minus start), since the executions record no CPU time; "
                "cached runs cost nothing (rules §2).")
    return ("Costs are CPU time where an execution recorded it, else its wall-clock run time; cached runs "
            "cost nothing (rules §2).")


def window(frames: Frames) -> tuple[float | None, float | None]:
    """First and last execution time (ms) over all pipelines."""
    life = _frame(frames, "pipeline_lifespan")
    if life.empty:
        return None, None
    return _num(life["first_execution_at"]).min(), _num(life["last_execution_at"]).max()


def analysed_finding(frames: Frames) -> list[str]:
    summary = _frame(frames, "corpus_summary")
    if summary.empty:
        return ["No store is loaded: run mlprov load first."]
    stores = len(summary)
    pipelines = int(_num(summary["pipelines"]).sum())
    executions = int(_num(summary["executions"]).sum())
    trainers = int(_num(summary["trainer_executions"]).sum())
    graphlets = int(_num(_frame(frames, "outcome_share").get("graphlets", pd.Series(dtype=float))).sum())
    first, last = window(frames)
    names = ", ".join(summary["source"].astype(str).head(3)) + (" …" if stores > 3 else "")
    span = ""
    if first is not None and not pd.isna(first):
        span = (f" between {hz.day(first)} and {hz.day(last)} ({hz.days((last - first) / 86_400_000)})")
    sentences = [
        f"{hz.count(stores)} {'store' if stores == 1 else 'stores'} ({names}): {hz.count(pipelines)} pipelines ran "
        f"{hz.count(executions)} executions{span} and trained {hz.count(graphlets)} models, one model graphlet each."]
    cache_hits = trainers - graphlets
    if trainers and cache_hits > 0:
        sentences.append(f"Of the {hz.count(trainers)} Trainer runs, {hz.count(cache_hits)} ({hz.percent(cache_hits / trainers)}) "
                         "were cache hits or never started a graphlet: they trained nothing.")
    skipped = int(_num(summary["skipped"]).sum()) if "skipped" in summary else 0
    if skipped:
        sentences.append(f"{hz.count(skipped)} rows of the stores were inconsistent and skipped at load.")
    return sentences


def lifespan_finding(frames: Frames) -> list[str]:
    life, activity = _frame(frames, "pipeline_lifespan"), _frame(frames, "pipeline_activity")
    if life.empty:
        return ["No pipeline has an execution yet."]
    days = _num(life["lifespan_days"])
    n = len(days)
    sentences = [f"Half of the {hz.count(n)} pipelines lived longer than {hz.days(days.median())} "
                 f"(from first to last execution); the longest lived {hz.days(days.max())}, and "
                 f"{hz.count((days >= 30).sum())} lived a month or more."]
    if not activity.empty:
        per_day = _num(activity["trainings_per_day"])
        daily = int((per_day >= 1).sum())
        sentences.append(f"The median pipeline trained {hz.number(per_day.median())} times per active day; "
                         f"{hz.count(daily)} of {hz.count(len(per_day))} trained at least daily and the busiest "
                         f"{hz.number(per_day.max())} times a day.")
    return sentences


def structure_finding(frames: Frames) -> list[str]:
    freq, shapes = _frame(frames, "operator_frequency"), _frame(frames, "dag_shapes")
    depth, multi, changes = _frame(frames, "depth_width"), _frame(frames, "multi_trainer_pipelines"), _frame(frames, "structure_changes")
    if freq.empty:
        return ["No pipeline has an execution yet."]
    share = _num(freq["pipeline_share"])
    everywhere = freq.loc[share >= 1.0, "operator"].astype(str).tolist()
    rare = freq.loc[share < 0.5, "operator"].astype(str).tolist()
    sentences = []
    pipelines = int(_num(shapes["pipelines"]).sum()) if not shapes.empty else 0
    if everywhere:
        sentences.append(f"Every pipeline runs {_join(everywhere)}; {hz.count(len(freq))} operators in all"
                         + (f", and {_join(rare)} {'is' if len(rare) == 1 else 'are'} in fewer than half the pipelines." if rare else "."))
    else:
        top = freq.iloc[0]
        sentences.append(f"No operator is in every pipeline; the most common, {top['operator']}, is in "
                         f"{hz.percent(float(top['pipeline_share']))} of them.")
    if pipelines:
        biggest = int(_num(shapes["pipelines"]).max())
        sentences.append(f"The {hz.count(pipelines)} pipelines have {hz.count(len(shapes))} distinct DAG shapes; the most "
                         f"common is shared by {hz.count(biggest)} ({hz.percent(biggest / pipelines)}).")
    if not depth.empty:
        d, w = _num(depth["depth"]), _num(depth["width"])
        sentences.append(f"Their operator DAGs are {_range(d)} operators deep and {_range(w)} wide.")
    if not multi.empty:
        sentences.append(f"{hz.plural(len(multi), 'pipeline')} {'trains' if len(multi) == 1 else 'train'} with several Trainer nodes.")
    if not changes.empty:
        sentences.append(f"{hz.plural(changes['pipeline'].nunique(), 'pipeline')} changed their operator set, "
                         f"{hz.plural(len(changes), 'time')} in all.")
    else:
        sentences.append("No pipeline changed its operator set between complete runs.")
    return sentences


def graphlets_finding(frames: Frames) -> list[str]:
    outcomes, size = _frame(frames, "outcome_share"), _frame(frames, "graphlet_size")
    overlap, pushes = _frame(frames, "input_overlap"), _frame(frames, "push_rate_by_change")
    if outcomes.empty:
        return ["No model graphlet has been built: run mlprov graphlets build."]
    total = int(_num(outcomes["graphlets"]).sum())
    share = dict(zip(outcomes["outcome"], _num(outcomes["share"])))
    parts = [f"{hz.percent(share[o])} {OUTCOME_WORDS.get(o, o)}" for o in outcomes["outcome"] if o != "pushed"]
    sentences = [f"{hz.percent(share.get('pushed', 0.0))} of the {hz.count(total)} model graphlets pushed their model to "
                 f"production; {_join(parts)}."]
    if not size.empty:
        sentences.append(f"A graphlet is typically {hz.number(_num(size['n_executions']).median())} executions and "
                         f"{hz.number(_num(size['n_artifacts']).median())} artifacts (median; up to "
                         f"{hz.count(_num(size['n_executions']).max())} executions).")
    if not overlap.empty:
        jaccard = _num(overlap["spans_jaccard"]).dropna()
        if len(jaccard):
            same = float((jaccard >= 1.0).mean())
            sentences.append(f"{hz.percent(same)} of graphlets read exactly the same data spans as the one before them "
                             f"in their chain (median overlap {hz.percent(jaccard.median())}).")
    if not pushes.empty:
        rates = dict(zip(pushes["change"], _num(pushes["push_rate"])))
        counts = dict(zip(pushes["change"], _num(pushes["graphlets"])))
        overall = rates.get("any")
        kinds = {k: v for k, v in rates.items() if k not in ("any", "no_change", "no_new_data") and counts.get(k, 0) >= 5}
        if overall is not None and kinds:
            low = min(kinds, key=kinds.get)
            sentences.append(f"After a change of kind “{CHANGE_WORDS.get(low, low)}” only {hz.percent(kinds[low])} of "
                             f"{hz.count(counts[low])} graphlets pushed, against {hz.percent(overall)} overall.")
    return sentences


def compute_finding(frames: Frames) -> list[str]:
    category, operator = _frame(frames, "cost_by_category"), _frame(frames, "cost_by_operator")
    failures = _frame(frames, "failures_by_operator")
    if category.empty and not failures.empty:
        # The cost tables add up what the graphlet build tallies per pipeline (rules §4).
        return ["The cost shares appear once the model graphlets are built (`mlprov graphlets build`)."]
    if category.empty or _num(category["cost_s"]).sum() <= 0:
        return ["No execution recorded a cost."]
    unit = cost_unit(frames)
    total = _num(category["cost_s"]).sum()
    attributed = category[category["category"] != "unattributed"].sort_values("cost_s", ascending=False)
    top = attributed.iloc[0] if len(attributed) else category.iloc[0]
    sentences = [f"The pipelines spent {hz.cost(total, unit)}; {_words(top['category'])} took "
                 f"{hz.percent(float(top['share']))} of it"
                 + (f", {_words(attributed.iloc[1]['category'])} {hz.percent(float(attributed.iloc[1]['share']))}"
                    if len(attributed) > 1 else "")
                 + "."]
    if not operator.empty:
        ops = operator[operator["operator"] != "unattributed"]
        if len(ops):
            sentences.append(f"The single most expensive operator is {ops.iloc[0]['operator']} "
                             f"({hz.percent(float(ops.iloc[0]['share']))} of all compute).")
    unattributed = category.loc[category["category"] == "unattributed", "share"]
    if len(unattributed) and float(unattributed.iloc[0]) > 0:
        sentences.append(f"{hz.percent(float(unattributed.iloc[0]))} went to executions that no model graphlet holds "
                         "(cached runs, validations nobody read).")
    full = _num(attributed["cost_full_s"])
    if full.sum() > 0:
        full_share = full / full.sum()
        amortized_share = _num(attributed["cost_s"]) / _num(attributed["cost_s"]).sum()
        rise = (full_share - amortized_share).to_numpy()
        i = int(np.argmax(rise))
        name = _words(attributed.iloc[i]["category"])
        if rise[i] >= 0.005:
            sentences.append(f"Charging shared steps in full to every graphlet that used them moves {name} from "
                             f"{hz.percent(float(amortized_share.iloc[i]))} to {hz.percent(float(full_share.iloc[i]))} "
                             "of graphlet compute: its work is shared by many models.")
    if not failures.empty and _num(failures["failed_cost_s"]).sum() > 0:
        sentences.append(f"Failed or canceled runs spent {hz.cost(_num(failures['failed_cost_s']).sum(), unit)}.")
    return sentences


def waste_finding(frames: Frames) -> list[str]:
    total, category, per_pipeline = _frame(frames, "waste_total"), _frame(frames, "waste_by_category"), _frame(frames, "waste_by_pipeline")
    if total.empty or _num(total["closed_cost_s"]).sum() <= 0:
        return ["No closed graphlet has a cost yet, so there is no waste to report."]
    unit = cost_unit(frames)
    rows = {row["mode"]: row for _, row in total.iterrows()}
    amortized = rows.get("amortized", total.iloc[0])
    sentence = (f"{hz.percent(float(amortized['waste_fraction']))} of the compute (amortized) went to "
                f"{hz.count(amortized['wasted_graphlets'])} graphlets whose model was never pushed: "
                f"{hz.cost(float(amortized['waste_s']), unit)}")
    if not category.empty:
        mine = category[category["mode"] == amortized["mode"]].sort_values("waste_s", ascending=False)
        if len(mine) and pd.notna(mine.iloc[0]["waste_share"]):
            sentence += f"; {_words(mine.iloc[0]['category'])} is {hz.percent(float(mine.iloc[0]['waste_share']))} of that waste"
    sentences = [sentence + "."]
    others = [f"{MODE_NAMES.get(m, m)} {hz.percent(float(r['waste_fraction']))}" for m, r in rows.items()
              if m != amortized["mode"] and pd.notna(r["waste_fraction"])]
    if others:
        sentences.append(f"Under the other attribution modes the waste fraction is {_join(others)}.")
    open_graphlets = int(_num(total["open_graphlets"]).max()) if "open_graphlets" in total else 0
    if open_graphlets:
        sentences.append(f"{hz.plural(open_graphlets, 'graphlet')} {'is' if open_graphlets == 1 else 'are'} still open "
                         "(their fate is unknown) and not counted.")
    if not per_pipeline.empty:
        mine = per_pipeline[per_pipeline["mode"] == amortized["mode"]]
        waste = _num(mine["waste_s"]).sort_values(ascending=False)
        if waste.sum() > 0 and len(waste) > 1:
            k = max(1, int(np.ceil(len(waste) / 10)))
            sentences.append(f"The {hz.count(k)} most wasteful {'pipeline holds' if k == 1 else 'pipelines hold'} "
                             f"{hz.percent(waste.head(k).sum() / waste.sum())} of the waste "
                             f"({hz.count(len(waste))} pipelines in all).")
    return sentences


def pruning_baselines(frames: Frames) -> pd.DataFrame:
    """Simple skipping rules judged on the closed graphlets that have a previous one in their chain:
    each rule's skip share, the share of wasted cost (amortized, whole graphlet) it would remove and
    the share of pushes it would lose. Rules: skip when no new data; skip when the previous
    graphlet did not push; the oracle (skip exactly the graphlets that will not push)."""
    graphlets, changes = _frame(frames, "graphlets"), _frame(frames, "graphlet_changes")
    columns = ["policy", "skipped", "waste_removed", "pushes_lost"]
    if graphlets.empty or changes.empty:
        return pd.DataFrame(columns=columns)
    g = graphlets[["source", "trainer_id", "outcome", "cost_amortized_s"]]
    pairs = changes[["source", "trainer_id", "previous_trainer_id", "new_data"]].merge(g, on=["source", "trainer_id"])
    previous = g.rename(columns={"trainer_id": "previous_trainer_id", "outcome": "previous_outcome"})[
        ["source", "previous_trainer_id", "previous_outcome"]]
    pairs = pairs.merge(previous, on=["source", "previous_trainer_id"], how="left")
    pairs = pairs[pairs["outcome"] != "open"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    pushed = pairs["outcome"] == "pushed"
    cost = _num(pairs["cost_amortized_s"]).fillna(0.0)
    waste, pushes = cost[~pushed].sum(), int(pushed.sum())
    rules = {
        "skip when no new data": ~pairs["new_data"].fillna(False).astype(bool),
        "skip when the previous graphlet did not push": pairs["previous_outcome"].fillna("pushed") != "pushed",
        "oracle (knows the outcome)": ~pushed,
    }
    rows = []
    for name, skip in rules.items():
        skip = skip.to_numpy(dtype=bool)
        rows.append({"policy": name, "skipped": float(skip.mean()),
                     "waste_removed": float(cost[skip & ~pushed].sum() / waste) if waste > 0 else np.nan,
                     "pushes_lost": float((skip & pushed).sum() / pushes) if pushes else np.nan})
    return pd.DataFrame(rows, columns=columns)


def pruning_finding(frames: Frames, evaluation_point: Mapping | None = None, trained: bool = False) -> list[str]:
    baselines = pruning_baselines(frames)
    sentences = []
    if evaluation_point:
        p = evaluation_point
        sentences.append(f"Skipping the Trainer when the waste model gives a push probability below "
                         f"{hz.number(float(p['tau']), 2)} removes {hz.percent(float(p['waste_removed']))} of the avoidable "
                         f"waste and saves {hz.percent(float(p['overall_saving']))} of all compute, losing "
                         f"{hz.percent(float(p['pushes_lost']))} of pushes.")
    elif trained:
        sentences.append("The waste model found no threshold that keeps lost pushes and the deployment cadence "
                         "within their limits (rules §5).")
    if not baselines.empty:
        rows = baselines.set_index("policy")
        rule = rows.loc["skip when no new data"]
        sentences.append(f"A simple rule, skipping training when no new data arrived, would skip "
                         f"{hz.percent(rule['skipped'])} of the graphlets and remove {hz.percent(rule['waste_removed'])} "
                         f"of the wasted compute, but lose {hz.percent(rule['pushes_lost'])} of the pushes.")
        rule = rows.loc["skip when the previous graphlet did not push"]
        sentences.append(f"Skipping after a graphlet that did not push removes {hz.percent(rule['waste_removed'])} of "
                         f"the waste and loses {hz.percent(rule['pushes_lost'])} of the pushes.")
    if not sentences:
        sentences.append("No chain has two graphlets yet, so no skipping rule can be judged.")
    return sentences


def top_wasting_pipelines(frames: Frames, n: int = 10) -> pd.DataFrame:
    """The `n` pipelines with the most amortized waste (rules §3 step 11), most first, with their
    graphlets, wasted graphlets, waste and waste fraction. Pipelines without waste are left out."""
    per_pipeline = _frame(frames, "waste_by_pipeline")
    if per_pipeline.empty:
        return pd.DataFrame(columns=["source", "pipeline", "closed_graphlets", "wasted_graphlets", "waste_s", "waste_fraction"])
    mine = per_pipeline[per_pipeline["mode"] == "amortized"]
    mine = mine[_num(mine["waste_s"]) > 0]
    return (mine.sort_values(["waste_s", "source", "pipeline"], ascending=[False, True, True]).head(n)
            [["source", "pipeline", "closed_graphlets", "wasted_graphlets", "waste_s", "waste_fraction"]]
            .reset_index(drop=True))


def pipeline_graphlets(frames: Frames, source: str, pipeline: str) -> pd.DataFrame:
    """One pipeline's graphlets in time order, with what changed before each (the change flags of
    graphlet_changes as words, and the new spans of input_overlap)."""
    graphlets = _frame(frames, "graphlets")
    mine = graphlets[(graphlets["source"] == source) & (graphlets["pipeline"] == pipeline)]
    mine = mine[["source", "trainer_id", "model_id", "outcome", "started_at", "n_executions", "cost_amortized_s"]]
    changes = _frame(frames, "graphlet_changes")
    if not changes.empty:
        flags = [c for c in CHANGE_FLAGS if c in changes]
        mine = mine.merge(changes[["source", "trainer_id", "trainer_node", *flags]], on=["source", "trainer_id"], how="left")
        mine["changed"] = [
            ", ".join(CHANGE_FLAGS[c] for c in flags if row[c] is True or (pd.notna(row[c]) and bool(row[c])))
            if pd.notna(row["trainer_node"]) else "first of its chain"
            for _, row in mine.iterrows()]
        mine = mine.drop(columns=flags)
    overlap = _frame(frames, "input_overlap")
    if not overlap.empty:
        mine = mine.merge(overlap[["source", "trainer_id", "new_spans"]], on=["source", "trainer_id"], how="left")
    return mine.sort_values(["started_at", "trainer_id"]).reset_index(drop=True)


def _words(name) -> str:
    """A category or outcome name as words: model_validation → model validation."""
    return str(name).replace("_", " ")


def _join(items: list[str]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _range(values: pd.Series) -> str:
    low, high = hz.count(values.min()), hz.count(values.max())
    return low if low == high else f"{low} to {high}"
