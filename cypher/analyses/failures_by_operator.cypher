// name: failures_by_operator
// summary: Per operator, executions, how many FAILED or were CANCELED, the failure rate and the cost those failed runs spent.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, executions: int, failed: int, canceled: int, failure_rate: float, failed_cost_s: float}
// browser: ":params {source: null}"
MATCH (e:Execution)
WHERE $source IS NULL OR e.source = $source
WITH e.operator AS operator, e.category AS category, count(*) AS executions,
     count(CASE WHEN e.state = 'FAILED' THEN 1 END) AS failed,
     count(CASE WHEN e.state = 'CANCELED' THEN 1 END) AS canceled,
     sum(CASE WHEN e.state IN ['FAILED', 'CANCELED'] THEN e.cost_s ELSE 0.0 END) AS failed_cost_s
RETURN operator, category, executions, failed, canceled,
       toFloat(failed + canceled) / executions AS failure_rate, failed_cost_s
ORDER BY failure_rate DESC, operator
