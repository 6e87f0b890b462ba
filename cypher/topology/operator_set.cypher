// name: operator_set
// summary: Per pipeline: its operators (sorted, space-separated) and how many executions each had.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, operators: string, n_operators: int, executions: int, operator_counts: string}
// browser: ":params {source: null}"
MATCH (p:Pipeline)<-[:IN_PIPELINE]-(e:Execution)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
WITH p, e.operator AS operator, count(*) AS executions
ORDER BY operator
WITH p, collect(operator) AS operators, collect(operator + '=' + toString(executions)) AS counts,
     sum(executions) AS executions
RETURN p.source AS source, p.name AS pipeline, apoc.text.join(operators, ' ') AS operators,
       size(operators) AS n_operators, executions, apoc.text.join(counts, ' ') AS operator_counts
ORDER BY source, pipeline
