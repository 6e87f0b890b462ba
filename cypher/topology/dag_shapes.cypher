// name: dag_shapes
// summary: The distribution of DAG shapes: each distinct operator-level edge set (as in dag_shape), how many pipelines have it, and one of them.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {shape_hash: string, edges: string, n_edges: int, pipelines: int, example_source: string, example_pipeline: string}
// browser: ":params {source: null}"
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND EXISTS { (p)<-[:IN_PIPELINE]-(:Execution) }
CALL (p) {
  // graphlets.derive stores each pipeline's edges; a pipeline whose graphlets were never built gets them here.
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(a:Execution)-[o:OUTPUT]->(:Artifact)-[i:INPUT]->(b:Execution)-[:IN_PIPELINE]->(p)
  WHERE p.dag_edges IS NULL AND o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator <> b.operator
  WITH DISTINCT a.operator + '->' + b.operator AS edge
  ORDER BY edge
  RETURN collect(edge) AS derived_edges
}
WITH p, coalesce(p.dag_edges, derived_edges) AS edges
WITH p, edges, apoc.text.join(edges, ', ') AS shape
ORDER BY p.source, p.name
WITH shape, size(edges) AS n_edges, collect(p) AS having
RETURN left(apoc.util.sha1([shape]), 12) AS shape_hash, shape AS edges, n_edges, size(having) AS pipelines,
       having[0].source AS example_source, having[0].name AS example_pipeline
ORDER BY pipelines DESC, n_edges DESC, edges
