// name: scope_graphlets
// summary: Incremental build (rules §11): the graphlets whose members may have changed, each with why: a member (or its Trainer) was changed, a member was deleted, a changed execution reads what its downstream walk reaches, or an artifact it holds or reads got another creator.
// mode: read
// params: {source: {type: string, doc: source name}, trainer_operator: {type: string, doc: operator that anchors graphlets}, artifacts: {type: list, doc: uids of the artifacts whose creator changed or was changed}}
// returns: {graphlet: string, reasons: list}
// internal: true
// New events mark both their ends Changed, so every walk a sync extends or cuts passes through a
// Changed execution that is a member (the walks of rules §3 step 3 and rules §3 step 5, the outputs
// of rules §3 step 7), through a Changed reader of an artifact the downstream walk reaches, or
// through an artifact whose creator changed (the upstream walk, its stop at Trainer-created
// artifacts and the warm-start and baseline links all follow creators, rules §3 step 2).
CYPHER replan=force
CALL () {
  MATCH (x:Execution:Changed)<-[:CONTAINS]-(g:Graphlet)
  WHERE x.source = $source
  RETURN g, 'member changed' AS reason
  UNION
  MATCH (g:Graphlet:Changed)
  WHERE g.source = $source
  RETURN g, 'member deleted' AS reason
  UNION
  MATCH (r:Artifact)-[k:INPUT]->(y:Execution:Changed)
  WHERE y.source = $source AND y.state <> 'CACHED' AND NOT y.operator IN [$trainer_operator, 'Resolver']
    AND k.event_type = 'INPUT' AND NOT coalesce(k.key, '') IN ['baseline_model', 'base_model']
  WITH DISTINCT r
  CALL (r) {
    MATCH (g:Graphlet)-[:CONTAINS {role: 'model'}]->(r)
    RETURN g
    UNION
    MATCH (g:Graphlet)-[:CONTAINS {role: 'downstream'}]->(:Execution)-[o:OUTPUT]->(r)
    WHERE o.event_type = 'OUTPUT'
    RETURN g
  }
  RETURN g, 'new downstream reader' AS reason
  UNION
  UNWIND $artifacts AS uid
  MATCH (a:Artifact {uid: uid})
  CALL (a) {
    MATCH (g:Graphlet)-[:CONTAINS]->(a)
    RETURN g
    UNION
    MATCH (g:Graphlet)-[:CONTAINS]->(:Execution)<-[:INPUT]-(a)
    RETURN g
  }
  RETURN g, 'creator changed' AS reason
}
WITH g, reason
WHERE g.source = $source
WITH g, reason
ORDER BY reason
RETURN g.uid AS graphlet, collect(reason) AS reasons
ORDER BY graphlet
