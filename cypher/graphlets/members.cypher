// name: members
// summary: Create one Graphlet per live (not CACHED) Trainer execution of a source, or of the listed ones (rules §3 step 1), with CONTAINS links to its upstream (rules §3 step 3) and downstream (rules §3 step 5) member executions and to its member artifacts (rules §3 step 7); each Graphlet keeps its upstream and downstream sizes and the member facts `derive` compares along its chain (Schema and HyperParameters ids, Transform code, upstream operators).
// mode: write
// params: {source: {type: string, doc: source name}, trainer_operator: {type: string, doc: operator that anchors graphlets}, model_types: {type: list, doc: artifact types that are trained models}, trainers: {type: list, default: null, doc: uids of the Trainer executions to build graphlets for (null for every one of the source); their old graphlets must be gone}}
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $trainers IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (t:Execution)
  WHERE t.source = whole AND t.operator = $trainer_operator
  RETURN t
  UNION ALL
  UNWIND coalesce($trainers, []) AS uid
  MATCH (t:Execution {uid: uid})
  WHERE t.source = $source AND t.operator = $trainer_operator
  RETURN t
}
WITH t
WHERE t.state <> 'CACHED'
CALL (t) {
  // Step 3, upstream: the Trainer's inputs (never base_model), then on through each artifact's
  // creator and that creator's inputs. Trainer-created artifacts belong to their own graphlet:
  // neither members nor walked. Resolvers are never members.
  CALL (t) {
    OPTIONAL MATCH path = (t)<-[i:INPUT]-(first:Artifact)
          ((a:Artifact)-[:CREATED_BY]->(x:Execution)<-[j:INPUT]-(b:Artifact)
             WHERE NOT x.operator IN [$trainer_operator, 'Resolver']
               AND j.event_type = 'INPUT' AND coalesce(j.key, '') <> 'base_model'){0,}
          (last:Artifact)
    WHERE i.event_type = 'INPUT' AND coalesce(i.key, '') <> 'base_model'
    UNWIND CASE WHEN path IS NULL THEN [] ELSE nodes(path)[1..] END AS n
    WITH DISTINCT n
    WHERE n:Artifact
    // Each artifact's creator is read once: it drops the artifact when a Trainer made it, and is an
    // upstream execution unless it is a Resolver (an artifact has at most one creator, step 2).
    OPTIONAL MATCH (n)-[:CREATED_BY]->(c:Execution)
    WITH n, c
    WHERE NOT coalesce(c.operator = $trainer_operator, false)
    RETURN collect(n) AS upstream_artifacts,
           collect(DISTINCT CASE WHEN c.operator <> 'Resolver' THEN c END) AS upstream_executions
  }
  // Steps 1 and 5, downstream: from the Models, every live non-Trainer, non-Resolver reader
  // (never through baseline_model or base_model) and on through what it outputs.
  CALL (t) {
    OPTIONAL MATCH (t)-[o:OUTPUT]->(m:Artifact)
    WHERE o.event_type = 'OUTPUT' AND m.type IN $model_types
    WITH DISTINCT m
    RETURN collect(m) AS models
  }
  CALL (models) {
    UNWIND models AS m
    MATCH path = (m)
          ((r:Artifact)-[k:INPUT]->(y:Execution)-[p:OUTPUT]->(s:Artifact)
             WHERE k.event_type = 'INPUT' AND NOT coalesce(k.key, '') IN ['baseline_model', 'base_model']
               AND y.state <> 'CACHED' AND NOT y.operator IN [$trainer_operator, 'Resolver']
               AND p.event_type = 'OUTPUT'){0,}
          (reached:Artifact)
    UNWIND nodes(path) AS n
    WITH DISTINCT n
    WHERE n:Artifact
    MATCH (n)-[k:INPUT]->(y:Execution)
    WHERE k.event_type = 'INPUT' AND NOT coalesce(k.key, '') IN ['baseline_model', 'base_model']
      AND y.state <> 'CACHED' AND NOT y.operator IN [$trainer_operator, 'Resolver']
    WITH DISTINCT y
    RETURN collect(y) AS downstream_executions
  }
  // Step 7: artifact members are the walked inputs, the Models and every output of a member.
  WITH t, models, upstream_artifacts, upstream_executions, downstream_executions,
       [t] + upstream_executions + downstream_executions AS executions
  CALL (executions) {
    UNWIND executions AS x
    MATCH (x)-[o:OUTPUT]->(a:Artifact)
    WHERE o.event_type = 'OUTPUT'
    WITH DISTINCT a
    RETURN collect(a) AS outputs
  }
  WITH t, models, upstream_executions, downstream_executions, executions,
       apoc.coll.toSet(upstream_artifacts + models + outputs) AS artifacts
  // What `derive` compares along a chain that depends on the members alone: kept here, where the
  // members are at hand, so that `derive` need not walk every CONTAINS link again. The members
  // change only when this step runs again (a graphlet with a changed member is rebuilt, rules §11).
  // Each list is sorted, so it does not depend on the order the walks found the members in.
  WITH t, models, upstream_executions, downstream_executions, executions, artifacts,
       COLLECT { UNWIND artifacts AS a WITH a WHERE a.type = 'Schema' RETURN a.mlmd_id AS id ORDER BY id } AS schema_ids,
       COLLECT { UNWIND artifacts AS a WITH a WHERE a.type = 'HyperParameters' RETURN a.mlmd_id AS id ORDER BY id } AS hyperparameters_ids,
       COLLECT { UNWIND executions AS x WITH x WHERE x.operator = 'Transform'
                 WITH coalesce(x.module_path, x.module_file) AS code WHERE code IS NOT NULL
                 RETURN DISTINCT code ORDER BY code } AS transform_code,
       COLLECT { UNWIND [t] + upstream_executions AS x RETURN DISTINCT x.operator AS op ORDER BY op } AS upstream_operators
  CREATE (g:Graphlet {
    uid: t.source + ':g:' + toString(t.mlmd_id),
    source: t.source,
    pipeline: t.pipeline,
    trainer_node: t.node,
    trainer_id: t.mlmd_id,
    trainer_state: t.state,
    started_at: t.created_at,
    model_id: apoc.coll.min([m IN models | m.mlmd_id]),
    n_executions: size(executions),
    n_artifacts: size(artifacts),
    upstream_executions: size(upstream_executions),
    downstream_executions: size(downstream_executions),
    schema_ids: schema_ids,
    hyperparameters_ids: hyperparameters_ids,
    transform_code: transform_code,
    upstream_operators: upstream_operators,
    member_execution_ids: apoc.text.join([id IN apoc.coll.sort([x IN executions | x.mlmd_id]) | toString(id)], ' '),
    member_artifact_ids: apoc.text.join([id IN apoc.coll.sort([a IN artifacts | a.mlmd_id]) | toString(id)], ' '),
    ended_at: apoc.coll.max([x IN executions | coalesce(x.ended_at, x.created_at)])
  })
  CREATE (g)-[:CONTAINS {role: 'trainer'}]->(t)
  FOREACH (x IN upstream_executions | CREATE (g)-[:CONTAINS {role: 'upstream'}]->(x))
  FOREACH (y IN downstream_executions | CREATE (g)-[:CONTAINS {role: 'downstream'}]->(y))
  FOREACH (a IN artifacts | CREATE (g)-[:CONTAINS {role: CASE WHEN a IN models THEN 'model' ELSE 'artifact' END}]->(a))
  WITH g, t
  MATCH (p:Pipeline {uid: t.source + ':p:' + t.pipeline})
  CREATE (p)-[:HAS_GRAPHLET]->(g)
// 100 Trainers a transaction: at M, measured alternately, 0.87-0.94x the time of 500 a transaction
// and 0.78-0.85x that of 2000 (each walk reads nodes the same transaction has already linked).
} IN TRANSACTIONS OF 100 ROWS
