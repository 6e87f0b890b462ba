// name: waste_by_category
// summary: Waste per operator category of the member executions under each attribution mode (full, amortized: split over the graphlets holding it, first_use: charged to the earliest), over the cost of closed graphlets in that category, and each category's share of all waste.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {category: string, mode: string, closed_cost_s: float, waste_s: float, waste_fraction: float, waste_share: float}
// browser: ":params {source: null}"
// The costs step keeps each graphlet's cost per category under each mode (graphlets.costs), so this
// reads each closed graphlet once instead of each of its member links. Graphlets are taken in uid
// order: float sums add their terms in a fixed order (rules §12 step 2), and the plan's order is not the data's.
// One row per graphlet and category carries all three modes (a row per mode tripled the rows to
// group); a missing cost adds nothing.
MATCH (g:Graphlet)
WHERE ($source IS NULL OR g.source = $source) AND g.outcome <> 'open'
WITH g
ORDER BY g.uid
UNWIND range(0, size(g.category_names) - 1) AS i
WITH g.category_names[i] AS category,
     collect([g.category_full_s[i], g.category_amortized_s[i], g.category_first_use_s[i], g.outcome = 'pushed']) AS rows
UNWIND [['full', 0], ['amortized', 1], ['first_use', 2]] AS attribution
WITH category, attribution[0] AS mode, attribution[1] AS j, rows
WITH category, mode, reduce(total = 0.0, r IN rows | total + coalesce(r[j], 0.0)) AS closed_cost_s,
     reduce(total = 0.0, r IN rows | total + CASE WHEN r[3] THEN 0.0 ELSE coalesce(r[j], 0.0) END) AS waste_s
ORDER BY mode, category
WITH mode, collect({category: category, closed_cost_s: closed_cost_s, waste_s: waste_s}) AS rows
WITH mode, rows, reduce(total = 0.0, row IN rows | total + row.waste_s) AS total
UNWIND rows AS row
RETURN row.category AS category, mode, row.closed_cost_s AS closed_cost_s, row.waste_s AS waste_s,
       CASE WHEN row.closed_cost_s > 0 THEN row.waste_s / row.closed_cost_s END AS waste_fraction,
       CASE WHEN total > 0 THEN row.waste_s / total END AS waste_share
ORDER BY mode, waste_s DESC, category
