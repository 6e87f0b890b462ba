// name: waste_by_category
// summary: Waste per operator category of the member executions under each attribution mode (full, amortized: split over the graphlets holding it, first_use: charged to the earliest), over the cost of closed graphlets in that category, and each category's share of all waste.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {category: string, mode: string, closed_cost_s: float, waste_s: float, waste_fraction: float, waste_share: float}
// browser: ":params {source: null}"
// Per pipeline, the build tallies its closed graphlets' cost per category, all of it and the part
// that did not push, under each mode (graphlets.tallies, from the per-category costs
// graphlets.costs keeps on each graphlet), so this reads about 2,500 Pipeline nodes at L instead of
// 330,000 graphlets. Float sums add their terms in a fixed order (rules §12 step 2): each
// pipeline's part in graphlet uid order, the parts in pipeline uid order.
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
WITH p
ORDER BY p.uid
UNWIND range(0, coalesce(size(p.tally_waste_categories), 0) - 1) AS i
WITH p.tally_waste_categories[i] AS category,
     collect([p.tally_closed_full_s[i], p.tally_closed_amortized_s[i], p.tally_closed_first_use_s[i],
              p.tally_waste_full_s[i], p.tally_waste_amortized_s[i], p.tally_waste_first_use_s[i]]) AS rows
UNWIND [['full', 0], ['amortized', 1], ['first_use', 2]] AS attribution
WITH category, attribution[0] AS mode, attribution[1] AS j, rows
WITH category, mode, reduce(total = 0.0, r IN rows | total + r[j]) AS closed_cost_s,
     reduce(total = 0.0, r IN rows | total + r[j + 3]) AS waste_s
ORDER BY mode, category
WITH mode, collect({category: category, closed_cost_s: closed_cost_s, waste_s: waste_s}) AS rows
WITH mode, rows, reduce(total = 0.0, row IN rows | total + row.waste_s) AS total
UNWIND rows AS row
RETURN row.category AS category, mode, row.closed_cost_s AS closed_cost_s, row.waste_s AS waste_s,
       CASE WHEN row.closed_cost_s > 0 THEN row.waste_s / row.closed_cost_s END AS waste_fraction,
       CASE WHEN total > 0 THEN row.waste_s / total END AS waste_share
ORDER BY mode, waste_s DESC, category
