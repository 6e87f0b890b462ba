// name: pipeline_operators
// summary: Per pipeline, its operator set (sorted, space-separated), how many operators and Trainer nodes it has, and its executions.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {source: string, pipeline: string, operators: string, n_operators: int, trainer_nodes: int, executions: int}
// browser: ":params {source: null}"
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
CALL (p) {
  MATCH (e:Execution)-[:IN_PIPELINE]->(p)
  RETURN apoc.coll.sort(collect(DISTINCT e.operator)) AS operators,
         count(DISTINCT CASE WHEN e.operator = 'Trainer' THEN coalesce(e.node, e.operator) END) AS trainer_nodes,
         count(e) AS executions
}
RETURN p.source AS source, p.name AS pipeline, apoc.text.join(operators, ' ') AS operators,
       size(operators) AS n_operators, trainer_nodes, executions
ORDER BY source, pipeline
