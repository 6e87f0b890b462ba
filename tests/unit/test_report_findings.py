"""The report's numbers for people and its finding sentences, on small frames whose answers are
known: each sentence says what its frames imply, in human units, never in scientific notation."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from mlprov.analytics import findings as fd
from mlprov.analytics import humanize as hz

SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


@pytest.mark.parametrize("value, text", [
    (8266135.512, "8,266,136"), (1234.0, "1,234"), (12.345, "12.3"), (4.666, "4.7"), (0.5, "0.5"),
    (0.000123, "0.00012"), (0.0, "0"), (3e12, "3,000,000,000,000"), (float("nan"), "n/a")])
def test_number_has_separators_and_never_an_exponent(value, text):
    assert hz.number(value) == text


@pytest.mark.parametrize("share, text", [
    (0.310075, "31%"), (0.0482, "4.8%"), (0.00042, "0.04%"), (1.0, "100%"), (0.0, "0%"), (0.0999, "10%")])
def test_percent(share, text):
    assert hz.percent(share) == text


@pytest.mark.parametrize("seconds, text", [
    (8266135.512, "2,296 CPU-hours (95.7 CPU-days)"), (7200, "2 CPU-hours"), (5400, "90 CPU-minutes"),
    (30, "30 CPU-seconds"), (36 * 3600, "36 CPU-hours")])
def test_cost_in_hours_and_days(seconds, text):
    assert hz.cost(seconds) == text


@pytest.mark.parametrize("bases, unit", [
    ("cpu", "CPU"), ("cached cpu", "CPU"), ("wall", "wall-clock"), ("cached wall unknown", "wall-clock"),
    ("cpu wall", "CPU or wall-clock"), ("", "CPU")])
def test_cost_unit_follows_the_bases_summed(bases, unit):
    assert hz.cost_unit(bases) == unit


@pytest.mark.parametrize("value, text", [(123.43, "123 days"), (8.86, "8.9 days"), (1.0, "1 day"),
                                         (0.5, "12 hours"), (0.028, "40 minutes"), (0.0007, "1 minute")])
def test_days_in_the_unit_a_reader_expects(value, text):
    assert hz.days(value) == text


def test_cells_format_ints_floats_and_booleans():
    assert hz.cell(123456789) == "123,456,789"
    assert hz.cell(2.5e-7) == "0.00000025"
    assert hz.cell(True) == "yes"
    assert hz.cell(None) == ""


def frames_for_waste(fraction: float = 0.25) -> dict[str, pd.DataFrame]:
    closed = 4 * 3600 * 10.0
    return {
        "waste_total": pd.DataFrame({
            "mode": ["amortized", "first_use", "full"], "closed_graphlets": [8, 8, 8], "wasted_graphlets": [3, 3, 3],
            "closed_cost_s": [closed, closed, 2 * closed], "waste_s": [fraction * closed, 0.5 * closed, 0.2 * 2 * closed],
            "waste_fraction": [fraction, 0.5, 0.2], "open_graphlets": [1, 1, 1], "open_cost_s": [10.0, 10.0, 10.0]}),
        "waste_by_category": pd.DataFrame({
            "category": ["training", "ingestion"], "mode": ["amortized", "amortized"],
            "closed_cost_s": [1.0, 1.0], "waste_s": [6.0, 4.0], "waste_fraction": [0.3, 0.2], "waste_share": [0.6, 0.4]}),
        "cost_by_category": pd.DataFrame({"category": ["training"], "executions": [1], "cost_s": [1.0],
                                          "share": [1.0], "cost_full_s": [1.0], "bases": ["cpu"]}),
    }


def test_waste_finding_states_fraction_count_cost_and_top_category():
    first, *rest = fd.waste_finding(frames_for_waste())
    assert first == ("25% of the compute (amortized) went to 3 graphlets whose model was never pushed: "
                     "10 CPU-hours; training is 60% of that waste.")
    assert "first use 50% and full 20%" in " ".join(rest)
    assert "1 graphlet is still open" in " ".join(rest)


def test_waste_finding_follows_the_data():
    assert fd.waste_finding(frames_for_waste(0.75))[0].startswith("75% of the compute")


def test_costs_are_wall_clock_when_the_store_recorded_no_cpu_time():
    frames = frames_for_waste()
    frames["cost_by_category"]["bases"] = ["cached wall"]
    assert "10 wall-clock-hours" in fd.waste_finding(frames)[0]
    assert "wall-clock" in fd.basis_note(frames)


def test_graphlets_finding_outcome_shares_and_push_rate_by_change():
    frames = {
        "outcome_share": pd.DataFrame({"outcome": ["pushed", "not_blessed"], "graphlets": [3, 1],
                                       "share": [0.75, 0.25], "cost_amortized_s": [1.0, 1.0]}),
        "push_rate_by_change": pd.DataFrame({"change": ["any", "schema", "new_data"], "graphlets": [40, 10, 3],
                                             "pushed": [30, 2, 3], "push_rate": [0.75, 0.2, 1.0]}),
    }
    sentences = fd.graphlets_finding(frames)
    assert sentences[0] == "75% of the 4 model graphlets pushed their model to production; 25% not blessed by validation."
    # new_data has too few graphlets (3 < 5) to be the finding
    assert sentences[-1] == "After a change of kind “schema changed” only 20% of 10 graphlets pushed, against 75% overall."


def test_lifespan_finding_medians():
    frames = {"pipeline_lifespan": pd.DataFrame({"lifespan_days": [1.0, 10.0, 40.0]}),
              "pipeline_activity": pd.DataFrame({"trainings_per_day": [0.5, 2.0, 6.0]})}
    first, second = fd.lifespan_finding(frames)
    assert first.startswith("Half of the 3 pipelines lived longer than 10 days")
    assert "the longest lived 40 days, and 1 lived a month or more" in first
    assert second == "The median pipeline trained 2 times per active day; 2 of 3 trained at least daily and the busiest 6 times a day."


def test_compute_finding_total_top_category_and_attribution_shift():
    frames = {"cost_by_category": pd.DataFrame({
        "category": ["training", "ingestion", "unattributed"], "executions": [1, 1, 1],
        "cost_s": [3 * 86400.0, 86400.0, 0.0], "share": [0.75, 0.25, 0.0],
        "cost_full_s": [3 * 86400.0, 3 * 86400.0, 0.0], "bases": ["cpu", "cpu", "cached"]})}
    sentences = fd.compute_finding(frames)
    assert sentences[0] == "The pipelines spent 96 CPU-hours (4 CPU-days); training took 75% of it, ingestion 25%."
    assert "moves ingestion from 25% to 50%" in sentences[-1]


def test_compute_finding_before_the_graphlets_are_built_says_so():
    # Executions are there (failures_by_operator reads them), but the cost tables add up the
    # tallies a graphlet build writes: without one they have no rows.
    frames = {"cost_by_category": pd.DataFrame(columns=["category", "executions", "cost_s", "share", "cost_full_s", "bases"]),
              "failures_by_operator": pd.DataFrame({"operator": ["Trainer"], "category": ["training"], "executions": [3],
                                                    "failed": [1], "canceled": [0], "failure_rate": [1 / 3],
                                                    "failed_cost_s": [5.0]})}
    assert fd.compute_finding(frames) == [
        "The cost shares appear once the model graphlets are built (`mlprov graphlets build`)."]


def chain_frames() -> dict[str, pd.DataFrame]:
    """One chain of four graphlets: 1 pushed, 2 (no new data) not blessed, 3 (new data) pushed,
    4 (no new data) failed."""
    graphlets = pd.DataFrame({
        "source": ["s"] * 4, "pipeline": ["p"] * 4, "trainer_id": [1, 2, 3, 4], "model_id": [1, 2, 3, None],
        "outcome": ["pushed", "not_blessed", "pushed", "failed"], "started_at": [0, 1000, 2000, 3000],
        "n_executions": [3, 3, 3, 3], "cost_amortized_s": [10.0, 30.0, 20.0, 10.0]})
    changes = pd.DataFrame({
        "source": ["s"] * 3, "pipeline": ["p"] * 3, "trainer_node": ["Trainer"] * 3, "trainer_id": [2, 3, 4],
        "previous_trainer_id": [1, 2, 3], "outcome": ["not_blessed", "pushed", "failed"],
        "new_data": [False, True, False], "schema_changed": [True, False, False],
        "transform_code_changed": [False] * 3, "trainer_code_changed": [False] * 3,
        "hyperparameters_changed": [False] * 3, "operators_changed": [False] * 3})
    return {"graphlets": graphlets, "graphlet_changes": changes}


def test_pruning_baselines_on_a_known_chain():
    rules = fd.pruning_baselines(chain_frames()).set_index("policy")
    # graphlets 2, 3, 4: waste is 2 (30) and 4 (10); one push (3)
    no_new_data = rules.loc["skip when no new data"]
    assert no_new_data["skipped"] == pytest.approx(2 / 3)
    assert no_new_data["waste_removed"] == pytest.approx(1.0)
    assert no_new_data["pushes_lost"] == pytest.approx(0.0)
    after_no_push = rules.loc["skip when the previous graphlet did not push"]  # skips graphlet 3 only
    assert after_no_push["waste_removed"] == pytest.approx(0.0)
    assert after_no_push["pushes_lost"] == pytest.approx(1.0)
    assert rules.loc["oracle (knows the outcome)", "waste_removed"] == pytest.approx(1.0)


def test_pipeline_graphlets_say_what_changed_before_each():
    rows = fd.pipeline_graphlets(chain_frames(), "s", "p")
    assert rows["changed"].tolist() == ["first of its chain", "schema", "new data", ""]


def test_top_wasting_pipelines_orders_by_amortized_waste_and_drops_the_waste_free():
    per_pipeline = pd.DataFrame({
        "source": ["s"] * 6, "pipeline": ["a", "a", "b", "b", "c", "c"],
        "mode": ["amortized", "full"] * 3, "closed_graphlets": [1] * 6, "wasted_graphlets": [1] * 6,
        "closed_cost_s": [10.0] * 6, "waste_s": [2.0, 9.0, 5.0, 1.0, 0.0, 7.0], "waste_fraction": [0.1] * 6})
    top = fd.top_wasting_pipelines({"waste_by_pipeline": per_pipeline}, n=10)
    assert top["pipeline"].tolist() == ["b", "a"]


@pytest.mark.parametrize("finding", [fd.analysed_finding, fd.lifespan_finding, fd.structure_finding,
                                     fd.graphlets_finding, fd.compute_finding, fd.waste_finding, fd.pruning_finding])
def test_every_finding_has_a_sentence_without_data(finding):
    sentences = finding({})
    assert sentences and all(s.strip() for s in sentences)


def test_huge_and_tiny_costs_never_read_in_scientific_notation():
    frames = frames_for_waste(3.2e-7)
    frames["waste_total"]["waste_s"] = [4.1e11, 3.3e-5, 2.0e9]
    frames["waste_total"]["closed_cost_s"] = [8.2e13, 1.0, 4.0e10]
    text = " ".join(fd.waste_finding(frames))
    assert not SCIENTIFIC.search(text), text
    assert "113,888,889 CPU-hours" in text


def test_browser_cypher_keeps_a_pipeline_name_inside_its_literal_and_its_comment():
    # Pipeline names come from the store: a quote, a backslash or a line break in one must not
    # end the string literal or the // comment and turn the rest into Cypher the user pastes.
    from mlprov.analytics.report import browser_queries, cypher_string

    hostile = "evil'\\\nMATCH (n) DETACH DELETE n //"
    for tame, wild in zip(browser_queries("src", "p"), browser_queries("src", hostile)):
        assert len(wild.splitlines()) == len(tame.splitlines())
        assert cypher_string(f"src:p:{hostile}") in wild
        assert "\n" not in cypher_string(hostile) and cypher_string(hostile).count("'") == 3
