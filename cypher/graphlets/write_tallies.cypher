// name: write_tallies
// summary: Keep the tallies graphlets.tallies read on their Pipeline nodes (the `tally_*` properties), one row per pipeline.
// mode: write
// params: {source: {type: string, doc: source name}, rows: {type: list, doc: "graphlets.tallies' rows, as maps of its columns"}}
// internal: true
// One batch at a time, as every build step (ARCHITECTURE.md, graphlet build).
CYPHER replan=force
UNWIND $rows AS row
CALL (row) {
  MATCH (p:Pipeline {uid: row.pipeline})
  WHERE p.source = $source
  SET p.tally_operators = row.operators, p.tally_categories = row.categories,
      p.tally_states = row.states, p.tally_attributed = row.attributed,
      p.tally_executions = row.executions, p.tally_cost_s = row.cost_s,
      p.tally_cost_full_s = row.cost_full_s, p.tally_bases = row.bases,
      p.tally_closed_graphlets = row.closed_graphlets, p.tally_wasted_graphlets = row.wasted_graphlets,
      p.tally_open_graphlets = row.open_graphlets, p.tally_closed_cost_s = row.closed_cost_s,
      p.tally_waste_s = row.waste_s, p.tally_open_cost_s = row.open_cost_s,
      p.tally_waste_categories = row.waste_categories, p.tally_closed_full_s = row.closed_full_s,
      p.tally_closed_amortized_s = row.closed_amortized_s, p.tally_closed_first_use_s = row.closed_first_use_s,
      p.tally_waste_full_s = row.waste_full_s, p.tally_waste_amortized_s = row.waste_amortized_s,
      p.tally_waste_first_use_s = row.waste_first_use_s, p.tally_outcomes = row.outcomes,
      p.tally_outcome_graphlets = row.outcome_graphlets, p.tally_outcome_amortized_s = row.outcome_amortized_s,
      p.tally_changes = row.changes, p.tally_change_graphlets = row.change_graphlets,
      p.tally_change_pushed = row.change_pushed
} IN TRANSACTIONS OF 1000 ROWS
