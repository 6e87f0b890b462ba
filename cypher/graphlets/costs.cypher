// name: costs
// summary: Each graphlet's cost under the three attribution modes: full, amortized (split over holders) and first-use (rules §3 step 10); for listed executions and graphlets only when given.
// mode: write
// params: {source: {type: string, doc: source name}, executions: {type: list, default: null, doc: uids of the member executions whose shares to compute again (null for every execution of the source)}, graphlets: {type: list, default: null, doc: uids of the graphlets whose costs to sum again (null for every graphlet of the source)}}
// Per member execution, once: its share when split over every graphlet that holds it, and
// which holder used it first (by Trainer start, then id). Both are kept on the CONTAINS link.
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
  MATCH (e)<-[r:CONTAINS]-(h:Graphlet)
  WITH r, h
  ORDER BY h.started_at IS NULL, h.started_at, h.trainer_id
  WITH collect(r) AS links
  UNWIND range(0, size(links) - 1) AS i
  WITH links, i, links[i] AS link
  SET link.amortized_s = e.cost_s / size(links), link.first_use = (i = 0)
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
  MATCH (g)-[r:CONTAINS]->(e:Execution)
  WITH e, r
  ORDER BY e.mlmd_id
  WITH collect({category: coalesce(e.category, 'other'), full: e.cost_s, share: r.amortized_s,
                first: CASE WHEN r.first_use THEN e.cost_s ELSE 0.0 END}) AS members
  WITH members, apoc.coll.sort(apoc.coll.toSet([m IN members | m.category])) AS categories
  SET g.cost_full_s = reduce(total = 0.0, m IN members | total + m.full),
      g.cost_amortized_s = reduce(total = 0.0, m IN members | total + m.share),
      g.cost_first_use_s = reduce(total = 0.0, m IN members | total + m.first),
      g.category_names = categories,
      g.category_full_s = [c IN categories | reduce(total = 0.0, m IN members | total + CASE WHEN m.category = c THEN m.full ELSE 0.0 END)],
      g.category_amortized_s = [c IN categories | reduce(total = 0.0, m IN members | total + CASE WHEN m.category = c THEN m.share ELSE 0.0 END)],
      g.category_first_use_s = [c IN categories | reduce(total = 0.0, m IN members | total + CASE WHEN m.category = c THEN m.first ELSE 0.0 END)]
} IN TRANSACTIONS OF 5000 ROWS
