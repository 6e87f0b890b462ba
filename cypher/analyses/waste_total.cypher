// name: waste_total
// summary: Waste under each attribution mode (rules §3 step 11): cost of closed graphlets (every outcome but open) that did not push, over the cost of all closed graphlets; open graphlets counted apart.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {mode: string, closed_graphlets: int, wasted_graphlets: int, closed_cost_s: float, waste_s: float, waste_fraction: float, open_graphlets: int, open_cost_s: float}
// browser: ":params {source: null}"
MATCH (g:Graphlet)
WHERE $source IS NULL OR g.source = $source
// Float sums add their terms in a fixed order (rules §12 step 2): a sum depends on its order, and
// the order a query plan meets rows in is not the data's.
WITH g
ORDER BY g.uid
UNWIND [['full', g.cost_full_s], ['amortized', g.cost_amortized_s], ['first_use', g.cost_first_use_s]] AS attribution
WITH attribution[0] AS mode, coalesce(attribution[1], 0.0) AS cost, g.outcome AS outcome
WITH mode,
     count(CASE WHEN outcome <> 'open' THEN 1 END) AS closed_graphlets,
     count(CASE WHEN outcome <> 'open' AND outcome <> 'pushed' THEN 1 END) AS wasted_graphlets,
     collect(CASE WHEN outcome <> 'open' THEN cost ELSE 0.0 END) AS closed_costs,
     collect(CASE WHEN outcome <> 'open' AND outcome <> 'pushed' THEN cost ELSE 0.0 END) AS wastes,
     count(CASE WHEN outcome = 'open' THEN 1 END) AS open_graphlets,
     collect(CASE WHEN outcome = 'open' THEN cost ELSE 0.0 END) AS open_costs
WITH mode, closed_graphlets, wasted_graphlets, open_graphlets,
     reduce(total = 0.0, c IN closed_costs | total + c) AS closed_cost_s,
     reduce(total = 0.0, c IN wastes | total + c) AS waste_s,
     reduce(total = 0.0, c IN open_costs | total + c) AS open_cost_s
RETURN mode, closed_graphlets, wasted_graphlets, closed_cost_s, waste_s,
       CASE WHEN closed_cost_s > 0 THEN waste_s / closed_cost_s END AS waste_fraction, open_graphlets, open_cost_s
ORDER BY mode
