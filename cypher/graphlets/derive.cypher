// name: derive
// summary: Store the facts several analyses share: per graphlet, its Trainer's input Examples and spans, its upstream and downstream sizes and what changed since the previous graphlet of its chain; per pipeline, its operator-level DAG edges.
// mode: write
// params: {source: {type: string, doc: source name}}
// Two batches at a time (the project's machines have 2 cores): each batch writes only its own
// chains' graphlets, then its own pipelines, so concurrent batches never wait on each other's locks.
// Lists are sorted, so a graphlet's facts do not depend on the order the store keeps links in.
// One chain (pipeline, Trainer node) at a time, in chain order, so each graphlet is compared with
// the one before it. The first graphlet of a chain has no change flags.
MATCH (g:Graphlet)
WHERE g.source = $source
WITH DISTINCT g.pipeline AS pipeline, g.trainer_node AS trainer_node
CALL (pipeline, trainer_node) {
  MATCH (g:Graphlet)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
  WHERE g.source = $source AND g.pipeline = pipeline AND g.trainer_node = trainer_node
  WITH g, {
    examples: COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples' RETURN DISTINCT x.mlmd_id AS id ORDER BY id },
    spans: COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples' AND x.span IS NOT NULL RETURN DISTINCT x.span AS span ORDER BY span },
    trainer_code: coalesce(t.module_path, t.module_file),
    schemas: COLLECT { MATCH (g)-[:CONTAINS]->(x:Artifact) WHERE x.type = 'Schema' RETURN x.mlmd_id AS id ORDER BY id },
    hyperparameters: COLLECT { MATCH (g)-[:CONTAINS]->(x:Artifact) WHERE x.type = 'HyperParameters' RETURN x.mlmd_id AS id ORDER BY id },
    transform_code: COLLECT { MATCH (g)-[:CONTAINS]->(x:Execution) WHERE x.operator = 'Transform' AND coalesce(x.module_path, x.module_file) IS NOT NULL
                              RETURN DISTINCT coalesce(x.module_path, x.module_file) AS code ORDER BY code },
    operators: COLLECT { MATCH (g)-[c:CONTAINS]->(x:Execution) WHERE c.role IN ['upstream', 'trainer'] RETURN DISTINCT x.operator AS op ORDER BY op }
  } AS fingerprint
  ORDER BY g.chain_index
  WITH collect(g) AS graphlets, collect(fingerprint) AS chain
  UNWIND range(0, size(chain) - 1) AS i
  WITH graphlets[i] AS g, chain, i
  SET g.input_examples = chain[i].examples, g.input_spans = chain[i].spans,
      g.upstream_executions = COUNT { (g)-[:CONTAINS {role: 'upstream'}]->() },
      g.downstream_executions = COUNT { (g)-[:CONTAINS {role: 'downstream'}]->() }
  WITH g, chain, i
  WHERE i > 0
  WITH g, chain[i - 1] AS before, chain[i] AS after
  SET g.new_data = CASE WHEN size(after.spans) > 0 AND size(before.spans) > 0 THEN any(s IN after.spans WHERE NOT s IN before.spans)
                        ELSE any(x IN after.examples WHERE NOT x IN before.examples) END,
      g.schema_changed = after.schemas <> before.schemas,
      g.transform_code_changed = size(after.transform_code) > 0 AND size(before.transform_code) > 0 AND after.transform_code <> before.transform_code,
      g.trainer_code_changed = coalesce(after.trainer_code <> before.trainer_code, false),
      g.hyperparameters_changed = size(after.hyperparameters) > 0 AND after.hyperparameters <> before.hyperparameters,
      g.operators_changed = after.operators <> before.operators
} IN 2 CONCURRENT TRANSACTIONS OF 20 ROWS;

// Edges as in topology.dag_shape: only OUTPUT and INPUT events count (a Resolver's INTERNAL_OUTPUT
// re-emission is not data flow); an operator feeding itself links runs, not steps.
MATCH (p:Pipeline)
WHERE p.source = $source
CALL (p) {
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(a:Execution)-[o:OUTPUT]->(:Artifact)-[i:INPUT]->(b:Execution)-[:IN_PIPELINE]->(p)
  WHERE o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator <> b.operator
  WITH DISTINCT a.operator AS feeding, b.operator AS fed
  WITH feeding + '->' + fed AS edge
  ORDER BY edge
  WITH collect(edge) AS edges
  SET p.dag_edges = edges
} IN 2 CONCURRENT TRANSACTIONS OF 10 ROWS
