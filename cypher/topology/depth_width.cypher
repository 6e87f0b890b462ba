// name: depth_width
// summary: Per pipeline, on its operator-level DAG (edges as in dag_shape): depth (operators on the longest path) and width (most operators on one level).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}}
// partition: source, pipeline
// returns: {source: string, pipeline: string, n_operators: int, n_edges: int, depth: int, width: int}
// browser: ":params {source: null}"
// An operator's level is its longest distance from an operator nothing feeds. Levels are relaxed
// once per operator: exact on a DAG, and bounded (at most one level per operator) on a cycle.
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
CALL (p) {
  MATCH (p)<-[:IN_PIPELINE]-(x:Execution)
  WITH DISTINCT x.operator AS operator
  ORDER BY operator
  RETURN collect(operator) AS operators
}
CALL (p) {
  // graphlets.derive stores each pipeline's edges; a pipeline whose graphlets were never built gets them here.
  OPTIONAL MATCH (p)<-[:IN_PIPELINE]-(a:Execution)-[o:OUTPUT]->(:Artifact)-[i:INPUT]->(b:Execution)-[:IN_PIPELINE]->(p)
  WHERE p.dag_edges IS NULL AND o.event_type = 'OUTPUT' AND i.event_type = 'INPUT' AND a.operator <> b.operator
  WITH DISTINCT a.operator + '->' + b.operator AS edge
  ORDER BY edge
  RETURN collect(edge) AS derived_edges
}
WITH p, operators,
     [edge IN coalesce(p.dag_edges, derived_edges) | [operator IN split(edge, '->') | apoc.coll.indexOf(operators, operator)]] AS edges
WITH p, operators, edges, range(0, size(operators) - 1) AS ids
WHERE size(operators) > 0
WITH p, operators, edges,
     reduce(level = [i IN ids | 0], round IN ids |
       [i IN ids | reduce(best = level[i], e IN edges |
          CASE WHEN e[1] = i AND level[e[0]] + 1 > best THEN level[e[0]] + 1 ELSE best END)]) AS levels
UNWIND levels AS level
WITH p, size(operators) AS n_operators, size(edges) AS n_edges, level, count(*) AS on_level
RETURN p.source AS source, p.name AS pipeline, n_operators, n_edges, max(level) + 1 AS depth, max(on_level) AS width
ORDER BY source, pipeline
