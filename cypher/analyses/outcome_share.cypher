// name: outcome_share
// summary: Graphlets per outcome (failed, pushed, open, not_blessed, blessed_not_pushed or not_pushed: the first rule of rules §3 step 9 that applies) with their share of all graphlets and their amortized cost.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {outcome: string, graphlets: int, share: float, cost_amortized_s: float}
// browser: ":params {source: null}"
// Per pipeline, the build tallies its graphlets per outcome with their amortized cost
// (graphlets.tallies), so this reads about 2,500 Pipeline nodes at L instead of 330,000 graphlets.
// Float sums add their terms in a fixed order (rules §12 step 2): each pipeline's part in graphlet
// uid order, the parts in pipeline uid order.
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
WITH p
ORDER BY p.uid
UNWIND range(0, coalesce(size(p.tally_outcomes), 0) - 1) AS i
WITH p.tally_outcomes[i] AS outcome, sum(p.tally_outcome_graphlets[i]) AS graphlets,
     collect(p.tally_outcome_amortized_s[i]) AS costs
WITH outcome, graphlets, reduce(total = 0.0, c IN costs | total + c) AS cost_amortized_s
WITH collect({outcome: outcome, graphlets: graphlets, cost: cost_amortized_s}) AS rows, sum(graphlets) AS total
UNWIND rows AS row
RETURN row.outcome AS outcome, row.graphlets AS graphlets, toFloat(row.graphlets) / total AS share,
       row.cost AS cost_amortized_s
ORDER BY graphlets DESC, outcome
