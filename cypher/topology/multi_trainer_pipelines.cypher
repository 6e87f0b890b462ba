// name: multi_trainer_pipelines
// summary: Pipelines with several Trainer nodes (pipeline node ids such as Trainer and Trainer_2), with their runs.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, trainer_operator: {type: string, doc: operator that trains models}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: trainer_nodes desc, source, pipeline
// returns: {source: string, pipeline: string, trainer_nodes: int, nodes: string, trainer_executions: int}
// browser: ":params {source: null}"
// From the Trainer executions (the operator index), not from each pipeline's executions: a tenth
// of the executions are Trainers, and the busy pipelines a day's refresh asks for hold half of all.
MATCH (t:Execution {operator: $trainer_operator})-[:IN_PIPELINE]->(p:Pipeline)
USING INDEX t:Execution(operator)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
WITH p, coalesce(t.node, t.type) AS node, count(*) AS runs
ORDER BY node
WITH p, collect(node) AS nodes, sum(runs) AS trainer_executions
WHERE size(nodes) > 1
RETURN p.source AS source, p.name AS pipeline, size(nodes) AS trainer_nodes,
       apoc.text.join(nodes, ' ') AS nodes, trainer_executions
ORDER BY trainer_nodes DESC, source, pipeline
