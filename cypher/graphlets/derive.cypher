// name: derive
// summary: Store the facts several analyses share: per graphlet (every one, or the listed ones), its Trainer's input Examples and spans and what changed since the previous graphlet of its chain (from those and the member facts `members` stored); per pipeline (every one, or the listed ones), its operator-level DAG edges.
// mode: write
// params: {source: {type: string, doc: source name}, graphlets: {type: list, default: null, doc: uids of the graphlets to derive again (null for every graphlet of the source)}, pipelines: {type: list, default: null, doc: uids of the pipelines whose DAG edges to derive again from their executions that a sync changed (null for every pipeline of the source from all its executions)}}
// One batch at a time: concurrent batches once stored wrong facts (ARCHITECTURE.md, graphlet build).
// Each batch writes only its own chains' graphlets, then its own pipelines.
// Per chain (pipeline, Trainer node), each graphlet is compared with the one before it (NEXT);
// every fingerprint is put together once, also when it serves as the one before: the Trainer's
// input Examples and spans read here, the member facts from the lists `members` stored. The first
// graphlet of a chain has no change flags. Input Examples and spans are sorted, so they do not
// depend on the order the Trainer's events were stored in.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $graphlets IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (g:Graphlet)
  WHERE g.source = whole
  RETURN g
  UNION ALL
  UNWIND coalesce($graphlets, []) AS uid
  MATCH (g:Graphlet {uid: uid})
  WHERE g.source = $source
  RETURN g
}
WITH g.pipeline AS pipeline, g.trainer_node AS trainer_node, collect(g) AS targets
CALL (targets) {
  UNWIND targets AS g
  OPTIONAL MATCH (before:Graphlet)-[:NEXT]->(g)
  WITH collect([g, before]) AS pairs
  UNWIND [pair IN pairs | pair[0]] + [pair IN pairs WHERE pair[1] IS NOT NULL | pair[1]] AS n
  WITH pairs, collect(DISTINCT n) AS needed
  UNWIND needed AS n
  // The lists that depend on the members alone were stored by `members`; the Trainer's inputs are
  // read here, since a sync can change an input's span without rebuilding the graphlet.
  MATCH (n)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
  WITH pairs, n, t,
       COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples'
                 RETURN [x.mlmd_id, x.span] AS example } AS examples
  WITH pairs, n, {
    examples: COLLECT { UNWIND examples AS x RETURN DISTINCT x[0] AS example_id ORDER BY example_id },
    spans: COLLECT { UNWIND examples AS x WITH x WHERE x[1] IS NOT NULL RETURN DISTINCT x[1] AS span ORDER BY span },
    trainer_code: coalesce(t.module_path, t.module_file),
    schemas: n.schema_ids,
    hyperparameters: n.hyperparameters_ids,
    transform_code: n.transform_code,
    operators: n.upstream_operators
  } AS fingerprint
  WITH pairs, apoc.map.fromPairs(collect([n.uid, fingerprint])) AS fingerprints
  UNWIND pairs AS pair
  WITH pair[0] AS g, fingerprints[pair[0].uid] AS after,
       CASE WHEN pair[1] IS NULL THEN null ELSE fingerprints[pair[1].uid] END AS before
  SET g.input_examples = after.examples, g.input_spans = after.spans,
      g.new_data = CASE WHEN before IS NULL THEN null
                        WHEN size(after.spans) > 0 AND size(before.spans) > 0 THEN any(s IN after.spans WHERE NOT s IN before.spans)
                        ELSE any(x IN after.examples WHERE NOT x IN before.examples) END,
      g.schema_changed = CASE WHEN before IS NULL THEN null ELSE after.schemas <> before.schemas END,
      g.transform_code_changed = CASE WHEN before IS NULL THEN null
                                      ELSE size(after.transform_code) > 0 AND size(before.transform_code) > 0 AND after.transform_code <> before.transform_code END,
      g.trainer_code_changed = CASE WHEN before IS NULL THEN null ELSE coalesce(after.trainer_code <> before.trainer_code, false) END,
      g.hyperparameters_changed = CASE WHEN before IS NULL THEN null ELSE size(after.hyperparameters) > 0 AND after.hyperparameters <> before.hyperparameters END,
      g.operators_changed = CASE WHEN before IS NULL THEN null ELSE after.operators <> before.operators END
} IN TRANSACTIONS OF 20 ROWS;

// Edges as in topology.dag_shape: only OUTPUT and INPUT events count (a Resolver's INTERNAL_OUTPUT
// re-emission is not data flow); an operator feeding itself links runs, not steps. For every
// pipeline (null list), from all its executions. For listed pipelines, the edges a sync can have
// added are those through an execution it changed (the ends of every new event are marked
// Changed, rules §10 step 4), read from both ends; an edge the pipeline had and that those do not show
// stays while one execution pair still witnesses it (a sync may have deleted the only one). A
// listed pipeline without edges yet (new, or rewritten by the sync) is derived from all its executions.
// An execution's `pipeline` names the one Pipeline it is IN_PIPELINE of (a load and a sync write
// both from one row), so the other end of an edge is in the pipeline when its `pipeline` is the
// same as that of the end found through IN_PIPELINE: a property read instead of an expand.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $pipelines IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (p:Pipeline)
  WHERE p.source = whole
  RETURN p
  UNION ALL
  UNWIND coalesce($pipelines, []) AS uid
  MATCH (p:Pipeline {uid: uid})
  WHERE p.source = $source
  RETURN p
}
CALL (p) {
  WITH p, $pipelines IS NULL OR p.dag_edges IS NULL AS whole
  WITH p, COLLECT {
    // the whole pipeline: every execution's outputs and their readers in the pipeline
    UNWIND CASE WHEN whole THEN [p] ELSE [] END AS q
    MATCH (q)<-[:IN_PIPELINE]-(a:Execution)-[o:OUTPUT]->(:Artifact)-[i:INPUT]->(b:Execution)
    WHERE o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator <> b.operator
      AND b.pipeline = a.pipeline
    RETURN a.operator + '->' + b.operator AS edge
    UNION
    // after a sync: edges through its Changed executions, as the feeding end ...
    UNWIND CASE WHEN whole THEN [] ELSE [p] END AS q
    MATCH (q)<-[:IN_PIPELINE]-(a:Execution:Changed)-[o:OUTPUT]->(:Artifact)-[i:INPUT]->(b:Execution)
    WHERE o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator <> b.operator
      AND b.pipeline = a.pipeline
    RETURN a.operator + '->' + b.operator AS edge
    UNION
    // ... and as the fed end
    UNWIND CASE WHEN whole THEN [] ELSE [p] END AS q
    MATCH (q)<-[:IN_PIPELINE]-(b:Execution:Changed)<-[i:INPUT]-(:Artifact)<-[o:OUTPUT]-(a:Execution)
    WHERE o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator <> b.operator
      AND a.pipeline = b.pipeline
    RETURN a.operator + '->' + b.operator AS edge
  } AS found, whole
  // ... and the other edges it had, while one pair of its executions still witnesses each
  WITH p, found + COLLECT {
    UNWIND CASE WHEN whole THEN [] ELSE [edge IN p.dag_edges WHERE NOT edge IN found] END AS edge
    WITH edge
    WHERE EXISTS {
      MATCH (p)<-[:IN_PIPELINE]-(a:Execution)
      WHERE edge STARTS WITH a.operator + '->'
      MATCH (a)-[o:OUTPUT]->(:Artifact)-[i:INPUT]->(b:Execution)
      WHERE o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator + '->' + b.operator = edge
        AND b.pipeline = a.pipeline
    }
    RETURN edge
  } AS found
  WITH p, COLLECT { UNWIND found AS edge RETURN DISTINCT edge ORDER BY edge } AS edges
  SET p.dag_edges = edges
} IN TRANSACTIONS OF 10 ROWS
