// name: write_tallies
// summary: Keep the tallies graphlets.tallies read on their Pipeline nodes (the `tally_*` properties), one row per pipeline.
// mode: write
// params: {source: {type: string, doc: source name}, rows: {type: list, doc: "graphlets.tallies' rows, as maps of its columns"}}
// internal: true
// Each column of graphlets.tallies but `pipeline` is kept as `tally_<column>`, so a column added
// there is kept without a change here. One batch at a time, as every build step (ARCHITECTURE.md,
// graphlet build).
CYPHER replan=force
UNWIND $rows AS row
CALL (row) {
  MATCH (p:Pipeline {uid: row.pipeline})
  WHERE p.source = $source
  SET p += apoc.map.fromPairs([column IN keys(row) WHERE column <> 'pipeline' | ['tally_' + column, row[column]]])
} IN TRANSACTIONS OF 1000 ROWS
