// name: waste_by_pipeline
// summary: Waste per pipeline under each attribution mode: cost of its closed graphlets that did not push, over the cost of all its closed graphlets (rules §3 step 11).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, mode: string, closed_graphlets: int, wasted_graphlets: int, closed_cost_s: float, waste_s: float, waste_fraction: float}
// browser: ":params {source: null}"
MATCH (p:Pipeline)-[:HAS_GRAPHLET]->(g:Graphlet)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
      AND g.outcome <> 'open'
// Summed in Trainer id order: a float sum depends on its order, and the plan's order is not the data's.
WITH p, g
ORDER BY p.uid, g.trainer_id
UNWIND [['full', g.cost_full_s], ['amortized', g.cost_amortized_s], ['first_use', g.cost_first_use_s]] AS attribution
WITH p, attribution[0] AS mode, coalesce(attribution[1], 0.0) AS cost, g.outcome = 'pushed' AS pushed
WITH p, mode, count(*) AS closed_graphlets, count(CASE WHEN NOT pushed THEN 1 END) AS wasted_graphlets,
     collect(cost) AS costs, collect(CASE WHEN NOT pushed THEN cost ELSE 0.0 END) AS wastes
WITH p, mode, closed_graphlets, wasted_graphlets,
     reduce(total = 0.0, c IN costs | total + c) AS closed_cost_s, reduce(total = 0.0, c IN wastes | total + c) AS waste_s
RETURN p.source AS source, p.name AS pipeline, mode, closed_graphlets, wasted_graphlets, closed_cost_s, waste_s,
       CASE WHEN closed_cost_s > 0 THEN waste_s / closed_cost_s END AS waste_fraction
ORDER BY source, pipeline, mode
