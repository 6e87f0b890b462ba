// name: cost_by_category
// summary: Cost share per operator category of the executions that belong to a graphlet (amortized: each execution counted once), plus one 'unattributed' row for executions in no graphlet (rules §3 step 7); cost_full_s charges a shared execution to every graphlet holding it.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {category: string, executions: int, cost_s: float, share: float, cost_full_s: float, bases: string}
// browser: ":params {source: null}"
// Float sums add their terms in a fixed order (rules §12 step 2): a sum depends on its order, and
// the order a query plan meets rows in is not the data's. Reading the executions from the uid index
// gives them in that order, so the server does not sort them (at L, 2 million: 2 s of 8).
MATCH (e:Execution)
USING INDEX e:Execution(uid)
WHERE e.uid IS NOT NULL AND ($source IS NULL OR e.source = $source)
// How many graphlets hold each execution is kept on it by the build (graphlets.costs; absent when
// none does), so no CONTAINS link is read here.
WITH e, coalesce(e.holders, 0) AS holders
ORDER BY e.uid
WITH CASE WHEN holders = 0 THEN 'unattributed' ELSE e.category END AS category,
     count(*) AS executions, collect(e.cost_s) AS costs, collect(e.cost_s * holders) AS full_costs,
     apoc.coll.sort(collect(DISTINCT e.cost_basis)) AS bases
WITH category, executions, reduce(total = 0.0, c IN costs | total + c) AS cost_s,
     reduce(total = 0.0, c IN full_costs | total + c) AS cost_full_s, bases
ORDER BY category
WITH collect({category: category, executions: executions, cost_s: cost_s, cost_full_s: cost_full_s,
              bases: bases}) AS rows, collect(cost_s) AS costs
WITH rows, reduce(total = 0.0, c IN costs | total + c) AS total
UNWIND rows AS row
RETURN row.category AS category, row.executions AS executions, row.cost_s AS cost_s,
       CASE WHEN total > 0 THEN row.cost_s / total END AS share, row.cost_full_s AS cost_full_s,
       apoc.text.join(row.bases, ' ') AS bases
ORDER BY cost_s DESC, category
