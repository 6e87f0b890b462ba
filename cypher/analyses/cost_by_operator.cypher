// name: cost_by_operator
// summary: Cost share per operator of the executions that belong to a graphlet (amortized: each execution counted once, split over its graphlets), plus one 'unattributed' row for executions in no graphlet (rules §3 step 7); cost_full_s charges a shared execution to every graphlet holding it.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, executions: int, cost_s: float, share: float, cost_full_s: float, bases: string}
// browser: ":params {source: null}"
// Per pipeline, the build tallies the executions by operator, category, state and whether a
// graphlet holds them (graphlets.tallies); those no graphlet holds are put here in one
// 'unattributed' group. So this reads about 2,500 Pipeline nodes at L instead of 2 million
// executions. Float sums add their terms in a fixed order (rules §12 step 2): each part in
// execution uid order, the parts in pipeline uid order and a pipeline's in the order of its lists.
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
WITH p
ORDER BY p.uid
UNWIND range(0, coalesce(size(p.tally_operators), 0) - 1) AS i
WITH CASE WHEN p.tally_attributed[i] THEN p.tally_operators[i] ELSE 'unattributed' END AS operator,
     CASE WHEN p.tally_attributed[i] THEN p.tally_categories[i] ELSE 'unattributed' END AS category,
     sum(p.tally_executions[i]) AS executions,
     collect(p.tally_cost_s[i]) AS costs, collect(p.tally_cost_full_s[i]) AS full_costs,
     collect(p.tally_bases[i]) AS bases
WITH operator, category, executions, reduce(total = 0.0, c IN costs | total + c) AS cost_s,
     reduce(total = 0.0, c IN full_costs | total + c) AS cost_full_s,
     apoc.coll.sort(apoc.coll.toSet(apoc.coll.flatten([b IN bases | [x IN split(b, ' ') WHERE x <> '']]))) AS bases
ORDER BY operator, category
WITH collect({operator: operator, category: category, executions: executions, cost_s: cost_s,
              cost_full_s: cost_full_s, bases: bases}) AS rows, collect(cost_s) AS costs
WITH rows, reduce(total = 0.0, c IN costs | total + c) AS total
UNWIND rows AS row
RETURN row.operator AS operator, row.category AS category, row.executions AS executions, row.cost_s AS cost_s,
       CASE WHEN total > 0 THEN row.cost_s / total END AS share, row.cost_full_s AS cost_full_s,
       apoc.text.join(row.bases, ' ') AS bases
ORDER BY cost_s DESC, operator
