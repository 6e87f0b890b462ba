// name: waste_by_category
// summary: Waste per operator category of the member executions under each attribution mode (full, amortized: split over the graphlets holding it, first_use: charged to the earliest), over the cost of closed graphlets in that category, and each category's share of all waste.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {category: string, mode: string, closed_cost_s: float, waste_s: float, waste_fraction: float, waste_share: float}
// browser: ":params {source: null}"
// Each CONTAINS link carries the execution's amortized share and whether this holder used it
// first (graphlets.costs), so no execution's holders are gathered again here.
MATCH (g:Graphlet)-[r:CONTAINS]->(e:Execution)
WHERE ($source IS NULL OR g.source = $source) AND g.outcome <> 'open'
// Float sums add their terms in a fixed order (rules §12 step 2): a sum depends on its order, and
// the order a query plan meets rows in is not the data's.
WITH g, r, e
ORDER BY g.uid, e.uid
UNWIND [['full', e.cost_s], ['amortized', r.amortized_s], ['first_use', CASE WHEN r.first_use THEN e.cost_s ELSE 0.0 END]] AS attribution
WITH e.category AS category, attribution[0] AS mode, attribution[1] AS cost_s, g.outcome = 'pushed' AS pushed
WITH category, mode, collect(cost_s) AS costs, collect(CASE WHEN pushed THEN 0.0 ELSE cost_s END) AS wastes
WITH category, mode, reduce(total = 0.0, c IN costs | total + c) AS closed_cost_s,
     reduce(total = 0.0, c IN wastes | total + c) AS waste_s
ORDER BY mode, category
WITH mode, collect({category: category, closed_cost_s: closed_cost_s, waste_s: waste_s}) AS rows, collect(waste_s) AS wastes
WITH mode, rows, reduce(total = 0.0, c IN wastes | total + c) AS total
UNWIND rows AS row
RETURN row.category AS category, mode, row.closed_cost_s AS closed_cost_s, row.waste_s AS waste_s,
       CASE WHEN row.closed_cost_s > 0 THEN row.waste_s / row.closed_cost_s END AS waste_fraction,
       CASE WHEN total > 0 THEN row.waste_s / total END AS waste_share
ORDER BY mode, waste_s DESC, category
