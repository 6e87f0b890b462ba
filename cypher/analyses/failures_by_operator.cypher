// name: failures_by_operator
// summary: Per operator, executions, how many FAILED or were CANCELED, the failure rate and the cost those failed runs spent.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, executions: int, failed: int, canceled: int, failure_rate: float, failed_cost_s: float}
// browser: ":params {source: null}"
// Float sums add their terms in a fixed order (rules §12 step 2): a sum depends on its order, and
// the order a query plan meets rows in is not the data's. Reading the executions from the uid index
// gives them in that order, so the server does not sort them (at L, 2 million: 2 s of 8).
MATCH (e:Execution)
USING INDEX e:Execution(uid)
WHERE e.uid IS NOT NULL AND ($source IS NULL OR e.source = $source)
WITH e
ORDER BY e.uid
WITH e.operator AS operator, e.category AS category, count(*) AS executions,
     count(CASE WHEN e.state = 'FAILED' THEN 1 END) AS failed,
     count(CASE WHEN e.state = 'CANCELED' THEN 1 END) AS canceled,
     collect(CASE WHEN e.state IN ['FAILED', 'CANCELED'] THEN e.cost_s ELSE 0.0 END) AS failed_costs
RETURN operator, category, executions, failed, canceled,
       toFloat(failed + canceled) / executions AS failure_rate,
       reduce(total = 0.0, c IN failed_costs | total + c) AS failed_cost_s
ORDER BY failure_rate DESC, operator
