// name: cost_by_operator
// summary: Cost share per operator of the executions that belong to a graphlet (amortized: each execution counted once, split over its graphlets), plus one 'unattributed' row for executions in no graphlet (rules §3 step 7); cost_full_s charges a shared execution to every graphlet holding it.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, executions: int, cost_s: float, share: float, cost_full_s: float, bases: string}
// browser: ":params {source: null}"
MATCH (e:Execution)
WHERE $source IS NULL OR e.source = $source
WITH e, COUNT { (e)<-[:CONTAINS]-() } AS holders
WITH CASE WHEN holders = 0 THEN 'unattributed' ELSE e.operator END AS operator,
     CASE WHEN holders = 0 THEN 'unattributed' ELSE e.category END AS category,
     count(*) AS executions, sum(e.cost_s) AS cost_s, sum(e.cost_s * holders) AS cost_full_s,
     apoc.coll.sort(collect(DISTINCT e.cost_basis)) AS bases
WITH collect({operator: operator, category: category, executions: executions, cost_s: cost_s,
              cost_full_s: cost_full_s, bases: bases}) AS rows, sum(cost_s) AS total
UNWIND rows AS row
RETURN row.operator AS operator, row.category AS category, row.executions AS executions, row.cost_s AS cost_s,
       CASE WHEN total > 0 THEN row.cost_s / total END AS share, row.cost_full_s AS cost_full_s,
       apoc.text.join(row.bases, ' ') AS bases
ORDER BY cost_s DESC, operator
