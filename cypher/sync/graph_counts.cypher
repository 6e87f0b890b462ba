// name: graph_counts
// summary: How many MLMD rows of each table a source holds in the graph (nodes, and relationships counted from the node that owns them).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {Artifact: int, Execution: int, Context: int, Event: int, Attribution: int, Association: int, ParentContext: int}
// internal: true
// A source alone in the database holds every MLMD node and link there is: every Artifact,
// Execution and Context node carries the source it was read from, the five link types join only
// those nodes, and a source's nodes are removed before its Source node (load.source_delete,
// load.source_clear_batch). Its counts are then Neo4j's own counts by label and by type, which
// cost nothing, instead of a walk of every node of the source and its links (at L 3.3 million
// nodes: 3 s of a day's 20 s sync). Beside other sources the walk is the only way.
CALL () {
  MATCH (s:Source)
  RETURN count(s) = 1 AND max(s.name) = $source AS alone
}
CALL (alone) {
  WITH alone
  WHERE alone
  CALL () { MATCH (a:Artifact) RETURN count(a) AS artifacts }
  CALL () { MATCH (e:Execution) RETURN count(e) AS executions }
  CALL () { MATCH (c:Context) RETURN count(c) AS contexts }
  CALL () { MATCH ()-[r:INPUT]->() RETURN count(r) AS inputs }
  CALL () { MATCH ()-[r:OUTPUT]->() RETURN count(r) AS outputs }
  CALL () { MATCH ()-[r:ATTRIBUTED_TO]->() RETURN count(r) AS attributions }
  CALL () { MATCH ()-[r:ASSOCIATED_WITH]->() RETURN count(r) AS associations }
  CALL () { MATCH ()-[r:CHILD_OF]->() RETURN count(r) AS parents }
  RETURN artifacts, executions, contexts, inputs + outputs AS events, attributions, associations, parents
  UNION ALL
  WITH alone
  WHERE NOT alone
  CALL () {
    MATCH (a:Artifact) WHERE a.source = $source
    RETURN count(a) AS artifacts, sum(COUNT { (a)-[:ATTRIBUTED_TO]->() }) AS attributions
  }
  CALL () {
    MATCH (e:Execution) WHERE e.source = $source
    RETURN count(e) AS executions, sum(COUNT { (e)-[:INPUT|OUTPUT]-() }) AS events,
           sum(COUNT { (e)-[:ASSOCIATED_WITH]->() }) AS associations
  }
  CALL () {
    MATCH (c:Context) WHERE c.source = $source
    RETURN count(c) AS contexts, sum(COUNT { (c)-[:CHILD_OF]->() }) AS parents
  }
  RETURN artifacts, executions, contexts, events, attributions, associations, parents
}
RETURN artifacts AS Artifact, executions AS Execution, contexts AS Context, events AS Event,
       attributions AS Attribution, associations AS Association, parents AS ParentContext
