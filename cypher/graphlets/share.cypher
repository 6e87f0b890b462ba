// name: share
// summary: The graphlets of one source and of the whole graph: a build refreshes the planner's statistics after a step only once the steps since the last refresh may have changed a twentieth of the graph's graphlets (ARCHITECTURE.md, graphlet build).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {graphlets: int, all_graphlets: int}
// internal: true
MATCH (g:Graphlet)
WHERE g.source = $source
WITH count(g) AS graphlets
CALL () {
  MATCH (every:Graphlet)
  RETURN count(every) AS all_graphlets
}
RETURN graphlets, all_graphlets
