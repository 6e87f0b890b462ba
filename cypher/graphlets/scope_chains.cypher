// name: scope_chains
// summary: Incremental build (rules §11): the part of each listed chain that the chain step numbers again (the graphlet before `since` and every one from `since` on), with each graphlet's place and the graphlet before it.
// mode: read
// params: {source: {type: string, doc: source name}, chains: {type: list, doc: "maps {pipeline, trainer_node, since}, as graphlets.chain takes them"}}
// returns: {graphlet: string, chain_index: int, chain_last: bool, previous: string}
// internal: true
CYPHER replan=force
UNWIND $chains AS chain
CALL (chain) {
  OPTIONAL MATCH (p:Graphlet)
  WHERE p.source = $source AND p.pipeline = chain.pipeline AND p.trainer_node = chain.trainer_node AND p.started_at < chain.since
  WITH p
  ORDER BY p.started_at DESC, p.trainer_id DESC
  LIMIT 1
  RETURN p AS g
  UNION
  MATCH (g:Graphlet)
  WHERE g.source = $source AND g.pipeline = chain.pipeline AND g.trainer_node = chain.trainer_node
    AND (chain.since IS NULL OR g.started_at IS NULL OR g.started_at >= chain.since)
  RETURN g
}
WITH DISTINCT g
WHERE g IS NOT NULL
OPTIONAL MATCH (previous:Graphlet)-[:NEXT]->(g)
RETURN g.uid AS graphlet, g.chain_index AS chain_index, g.chain_last AS chain_last, previous.uid AS previous
ORDER BY graphlet
