// name: executions_by_operator
// summary: Executions and their cost per operator, category and state (optionally for one source).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {operator: string, category: string, state: string, executions: int, cost_s: float}
// browser: ":params {source: null}"
MATCH (e:Execution)
WHERE $source IS NULL OR e.source = $source
RETURN e.operator AS operator, e.category AS category, e.state AS state,
       count(*) AS executions, sum(e.cost_s) AS cost_s
ORDER BY operator, state
