// name: waste_by_category
// summary: Waste per operator category of the member executions under each attribution mode (full, amortized: split over the graphlets holding it, first_use: charged to the earliest), over the cost of closed graphlets in that category, and each category's share of all waste.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {category: string, mode: string, closed_cost_s: float, waste_s: float, waste_fraction: float, waste_share: float}
// browser: ":params {source: null}"
MATCH (e:Execution)
WHERE ($source IS NULL OR e.source = $source) AND EXISTS { (e)<-[:CONTAINS]-(:Graphlet) }
CALL (e) {
  // The same order as graphlets.costs: the first holder is the earliest by Trainer start, then id.
  MATCH (e)<-[:CONTAINS]-(h:Graphlet)
  WITH h
  ORDER BY h.started_at IS NULL, h.started_at, h.trainer_id
  WITH collect(h.outcome) AS outcomes
  UNWIND range(0, size(outcomes) - 1) AS i
  WITH outcomes[i] AS outcome, i = 0 AS first, size(outcomes) AS holders
  WHERE outcome <> 'open'
  UNWIND [['full', 1.0], ['amortized', 1.0 / holders], ['first_use', CASE WHEN first THEN 1.0 ELSE 0.0 END]] AS attribution
  RETURN attribution[0] AS mode, attribution[1] AS weight, outcome = 'pushed' AS pushed
}
WITH e.category AS category, mode, sum(e.cost_s * weight) AS closed_cost_s,
     sum(CASE WHEN pushed THEN 0.0 ELSE e.cost_s * weight END) AS waste_s
WITH mode, collect({category: category, closed_cost_s: closed_cost_s, waste_s: waste_s}) AS rows, sum(waste_s) AS total
UNWIND rows AS row
RETURN row.category AS category, mode, row.closed_cost_s AS closed_cost_s, row.waste_s AS waste_s,
       CASE WHEN row.closed_cost_s > 0 THEN row.waste_s / row.closed_cost_s END AS waste_fraction,
       CASE WHEN total > 0 THEN row.waste_s / total END AS waste_share
ORDER BY mode, waste_s DESC, category
