// name: costs
// summary: Each graphlet's cost under the three attribution modes: full, amortized (split over holders) and first-use (rules §3 step 10); for listed executions and graphlets only when given.
// mode: write
// params: {source: {type: string, doc: source name}, executions: {type: list, default: null, doc: uids of the member executions whose shares to compute again (null for every execution of the source)}, graphlets: {type: list, default: null, doc: uids of the graphlets whose costs to sum again (null for every graphlet of the source)}}
// Per execution, once: how many graphlets hold it (`holders`) and which of them used it first
// (`first_holder`, by Trainer start, then Trainer id). Both are kept on the execution, not on each
// of its CONTAINS links: an execution upstream of many graphlets has one write, not one per
// holder (at L 2 million executions against 15 million links). An execution no graphlet holds
// keeps neither (SET to null removes a property). The sums below read them from there.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $executions IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (e:Execution)
  WHERE e.source = whole
  RETURN e
  UNION ALL
  UNWIND coalesce($executions, []) AS uid
  MATCH (e:Execution {uid: uid})
  WHERE e.source = $source
  RETURN e
}
CALL (e) {
  OPTIONAL MATCH (e)<-[:CONTAINS]-(h:Graphlet)
  WITH h
  ORDER BY h.started_at IS NULL, h.started_at, h.trainer_id
  WITH collect(h.uid) AS holders
  SET e.holders = CASE WHEN size(holders) > 0 THEN size(holders) END, e.first_holder = holders[0]
} IN TRANSACTIONS OF 5000 ROWS;

// One batch at a time: concurrent batches once stored wrong facts (ARCHITECTURE.md, graphlet build).
// Each batch writes only its own graphlets.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $graphlets IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (g:Graphlet)
  WHERE g.source = whole
  RETURN g
  UNION ALL
  UNWIND coalesce($graphlets, []) AS uid
  MATCH (g:Graphlet {uid: uid})
  WHERE g.source = $source
  RETURN g
}
CALL (g) {
  // Summed in MLMD id order: floating-point sums depend on their order, and the order the store
  // keeps links in is not the data's (two loads of one store, or a full and an incremental
  // build, must give the same costs to the last bit).
  // The same sums per operator category too (categories sorted by name, the three lists aligned
  // with them), so the waste by category reads each graphlet once instead of each of its links.
  MATCH (g)-[:CONTAINS]->(e:Execution)
  WITH g, e
  ORDER BY e.mlmd_id
  WITH collect({category: coalesce(e.category, 'other'), full: e.cost_s, share: e.cost_s / e.holders,
                first: CASE WHEN e.first_holder = g.uid THEN e.cost_s ELSE 0.0 END}) AS members
  // Grouped by category in one pass (in the same order), each category's members are summed
  // alone: the same sums as over all members with the others counted as 0.0, but each member is
  // added once per mode instead of once per category and mode.
  WITH members, apoc.map.groupByMulti(members, 'category') AS by_category
  WITH members, by_category, apoc.coll.sort(keys(by_category)) AS categories
  SET g.cost_full_s = reduce(total = 0.0, m IN members | total + m.full),
      g.cost_amortized_s = reduce(total = 0.0, m IN members | total + m.share),
      g.cost_first_use_s = reduce(total = 0.0, m IN members | total + m.first),
      g.category_names = categories,
      g.category_full_s = [c IN categories | reduce(total = 0.0, m IN by_category[c] | total + m.full)],
      g.category_amortized_s = [c IN categories | reduce(total = 0.0, m IN by_category[c] | total + m.share)],
      g.category_first_use_s = [c IN categories | reduce(total = 0.0, m IN by_category[c] | total + m.first)]
} IN TRANSACTIONS OF 5000 ROWS
