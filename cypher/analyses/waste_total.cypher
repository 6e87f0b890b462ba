// name: waste_total
// summary: Waste under each attribution mode (rules §3 step 11): cost of closed graphlets (every outcome but open) that did not push, over the cost of all closed graphlets; open graphlets counted apart.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {mode: string, closed_graphlets: int, wasted_graphlets: int, closed_cost_s: float, waste_s: float, waste_fraction: float, open_graphlets: int, open_cost_s: float}
// browser: ":params {source: null}"
// Per pipeline, the build tallies its closed, wasted and open graphlets and their costs under each
// mode (graphlets.tallies), so this reads about 2,500 Pipeline nodes at L instead of 330,000
// graphlets. Float sums add their terms in a fixed order (rules §12 step 2): each pipeline's part in
// graphlet uid order, the parts in pipeline uid order.
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND p.tally_closed_graphlets + p.tally_open_graphlets > 0
WITH p
ORDER BY p.uid
UNWIND [['full', 0], ['amortized', 1], ['first_use', 2]] AS attribution
WITH attribution[0] AS mode, attribution[1] AS j, p
WITH mode, sum(p.tally_closed_graphlets) AS closed_graphlets, sum(p.tally_wasted_graphlets) AS wasted_graphlets,
     sum(p.tally_open_graphlets) AS open_graphlets, collect(p.tally_closed_cost_s[j]) AS closed_costs,
     collect(p.tally_waste_s[j]) AS wastes, collect(p.tally_open_cost_s[j]) AS open_costs
WITH mode, closed_graphlets, wasted_graphlets, open_graphlets,
     reduce(total = 0.0, c IN closed_costs | total + c) AS closed_cost_s,
     reduce(total = 0.0, c IN wastes | total + c) AS waste_s,
     reduce(total = 0.0, c IN open_costs | total + c) AS open_cost_s
RETURN mode, closed_graphlets, wasted_graphlets, closed_cost_s, waste_s,
       CASE WHEN closed_cost_s > 0 THEN waste_s / closed_cost_s END AS waste_fraction, open_graphlets, open_cost_s
ORDER BY mode
