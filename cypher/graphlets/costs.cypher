// name: costs
// summary: Each graphlet's cost under the three attribution modes: full, amortized (split over holders) and first-use (SPEC §3 step 10).
// mode: write
// params: {source: {type: string, doc: source name}}
MATCH (g:Graphlet)
WHERE g.source = $source
CALL (g) {
  MATCH (g)-[:CONTAINS]->(e:Execution)
  CALL (e) {
    MATCH (e)<-[:CONTAINS]-(h:Graphlet)
    WITH h
    ORDER BY h.started_at IS NULL, h.started_at, h.trainer_id
    RETURN count(h) AS holders, head(collect(h.uid)) AS first_holder
  }
  WITH g,
       sum(e.cost_s) AS full_cost,
       sum(e.cost_s / holders) AS amortized_cost,
       sum(CASE WHEN first_holder = g.uid THEN e.cost_s ELSE 0.0 END) AS first_use_cost
  SET g.cost_full_s = full_cost, g.cost_amortized_s = amortized_cost, g.cost_first_use_s = first_use_cost
} IN TRANSACTIONS OF 2000 ROWS
