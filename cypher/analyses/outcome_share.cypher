// name: outcome_share
// summary: Graphlets per outcome (failed, pushed, open, not_blessed, blessed_not_pushed or not_pushed: the first rule of rules §3 step 9 that applies) with their share of all graphlets and their amortized cost.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {outcome: string, graphlets: int, share: float, cost_amortized_s: float}
// browser: ":params {source: null}"
MATCH (g:Graphlet)
WHERE $source IS NULL OR g.source = $source
// Float sums add their terms in a fixed order (rules §12 step 2): a sum depends on its order, and
// the order a query plan meets rows in is not the data's.
WITH g
ORDER BY g.uid
WITH g.outcome AS outcome, count(*) AS graphlets, collect(g.cost_amortized_s) AS costs
WITH outcome, graphlets, reduce(total = 0.0, c IN costs | total + c) AS cost_amortized_s
WITH collect({outcome: outcome, graphlets: graphlets, cost: cost_amortized_s}) AS rows, sum(graphlets) AS total
UNWIND rows AS row
RETURN row.outcome AS outcome, row.graphlets AS graphlets, toFloat(row.graphlets) / total AS share,
       row.cost AS cost_amortized_s
ORDER BY graphlets DESC, outcome
