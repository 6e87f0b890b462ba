// name: graph_counts
// summary: How many MLMD rows of each table a source holds in the graph (nodes, and relationships counted from the node that owns them).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {Artifact: int, Execution: int, Context: int, Event: int, Attribution: int, Association: int, ParentContext: int}
// internal: true
CALL (){
  MATCH (a:Artifact) WHERE a.source = $source
  RETURN count(a) AS artifacts, sum(COUNT { (a)-[:ATTRIBUTED_TO]->() }) AS attributions
}
CALL (){
  MATCH (e:Execution) WHERE e.source = $source
  RETURN count(e) AS executions, sum(COUNT { (e)-[:INPUT|OUTPUT]-() }) AS events,
         sum(COUNT { (e)-[:ASSOCIATED_WITH]->() }) AS associations
}
CALL (){
  MATCH (c:Context) WHERE c.source = $source
  RETURN count(c) AS contexts, sum(COUNT { (c)-[:CHILD_OF]->() }) AS parents
}
RETURN artifacts AS Artifact, executions AS Execution, contexts AS Context, events AS Event,
       attributions AS Attribution, associations AS Association, parents AS ParentContext
