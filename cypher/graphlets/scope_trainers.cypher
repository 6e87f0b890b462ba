// name: scope_trainers
// summary: Incremental build (rules §11): the listed Trainer executions and every live Trainer execution a sync changed, with whether each anchors a graphlet now (live, rules §3 step 1) and where it sorts in its chain.
// mode: read
// params: {source: {type: string, doc: source name}, trainer_operator: {type: string, doc: operator that anchors graphlets}, trainers: {type: list, doc: uids of the Trainers of the graphlets being rebuilt}}
// returns: {trainer: string, live: bool, pipeline: string, trainer_node: string, started_at: int, trainer_id: int}
// internal: true
CYPHER replan=force
CALL () {
  UNWIND $trainers AS uid
  MATCH (t:Execution {uid: uid})
  RETURN t
  UNION
  MATCH (t:Execution:Changed)
  WHERE t.source = $source AND t.operator = $trainer_operator
  RETURN t
}
RETURN t.uid AS trainer, (t.source = $source AND t.operator = $trainer_operator AND t.state <> 'CACHED') AS live,
       t.pipeline AS pipeline, t.node AS trainer_node, t.created_at AS started_at, t.mlmd_id AS trainer_id
ORDER BY trainer
