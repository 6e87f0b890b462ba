// name: executions_by_operator
// summary: Executions and their cost per operator, category and state (optionally for one source).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, state: string, executions: int, cost_s: float}
// browser: ":params {source: null}"
// Float sums add their terms in a fixed order (rules §12 step 2): a sum depends on its order, and
// the order a query plan meets rows in is not the data's. Reading the executions from the uid index
// gives them in that order, so the server does not sort them (at L, 2 million: 2 s of 8).
MATCH (e:Execution)
USING INDEX e:Execution(uid)
WHERE e.uid IS NOT NULL AND ($source IS NULL OR e.source = $source)
WITH e
ORDER BY e.uid
WITH e.operator AS operator, e.category AS category, e.state AS state,
     count(*) AS executions, collect(e.cost_s) AS costs
RETURN operator, category, state, executions, reduce(total = 0.0, c IN costs | total + c) AS cost_s
ORDER BY operator, state
