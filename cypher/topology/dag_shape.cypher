// name: dag_shape
// summary: Per pipeline, its DAG shape at operator level: the sorted edges A->B (an execution of A outputs an artifact that one of B reads) and a hash of them.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, n_operators: int, n_edges: int, edges: string, shape_hash: string}
// browser: ":params {source: null}"
// Only OUTPUT and INPUT events count (a Resolver's INTERNAL_OUTPUT re-emission is not data flow);
// an operator feeding itself (a Trainer warm-started from its last model) links runs, not steps.
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
      AND EXISTS { (p)<-[:IN_PIPELINE]-(:Execution) }
CALL (p) {
  // graphlets.derive stores each pipeline's edges; a pipeline whose graphlets were never built gets them here.
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(a:Execution)-[o:OUTPUT]->(:Artifact)-[i:INPUT]->(b:Execution)-[:IN_PIPELINE]->(p)
  WHERE p.dag_edges IS NULL AND o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator <> b.operator
  WITH DISTINCT a.operator + '->' + b.operator AS edge
  ORDER BY edge
  RETURN collect(edge) AS derived_edges
}
WITH p, coalesce(p.dag_edges, derived_edges) AS edges
WITH p, edges, apoc.text.join(edges, ', ') AS shape,
     COUNT { MATCH (p)<-[:IN_PIPELINE]-(x:Execution) RETURN DISTINCT x.operator } AS n_operators
RETURN p.source AS source, p.name AS pipeline, n_operators, size(edges) AS n_edges, shape AS edges,
       left(apoc.util.sha1([shape]), 12) AS shape_hash
ORDER BY source, pipeline
