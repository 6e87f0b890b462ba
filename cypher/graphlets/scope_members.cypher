// name: scope_members
// summary: Incremental build (rules §11): per listed graphlet, its chain, start, Trainer, member executions (and those of them a sync changed) and the graphlets that link to it (WARM_STARTS_FROM, BASELINE).
// mode: read
// params: {graphlets: {type: list, doc: graphlet uids}}
// returns: {graphlet: string, pipeline: string, trainer_node: string, started_at: int, trainer_id: int, trainer: string, executions: list, changed: list, linked_from: list}
// internal: true
CYPHER replan=force
UNWIND $graphlets AS uid
MATCH (g:Graphlet {uid: uid})
OPTIONAL MATCH (g)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
RETURN g.uid AS graphlet, g.pipeline AS pipeline, g.trainer_node AS trainer_node, g.started_at AS started_at,
       g.trainer_id AS trainer_id, t.uid AS trainer,
       COLLECT { MATCH (g)-[:CONTAINS]->(e:Execution) RETURN e.uid AS e ORDER BY e } AS executions,
       COLLECT { MATCH (g)-[:CONTAINS]->(e:Execution:Changed) RETURN e.uid AS e ORDER BY e } AS changed,
       COLLECT { MATCH (f:Graphlet)-[:WARM_STARTS_FROM|BASELINE]->(g) RETURN DISTINCT f.uid AS f ORDER BY f } AS linked_from
ORDER BY graphlet
