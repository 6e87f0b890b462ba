// name: chain
// summary: Order the graphlets of each (pipeline, Trainer node) by Trainer start, then id, and link them with NEXT (rules §3 step 8); for listed chains only from a given start on (rules §11).
// mode: write
// params: {source: {type: string, doc: source name}, chains: {type: list, default: null, doc: "maps {pipeline, trainer_node, since}: renumber and relink that chain from the graphlet before the first that started at or after `since` (null since: the whole chain); null for every chain of the source, whole"}}
// A chain keeps its order up to the graphlet just before `since` (`before`, whose index stays);
// from there on its graphlets are numbered again and their NEXT links made again. An incremental
// build passes the earliest start of a graphlet it added, rebuilt or removed in that chain.
// One batch at a time: concurrent batches once stored wrong facts (ARCHITECTURE.md, graphlet build).
// Each batch writes only its own chains (their graphlets and the NEXT links between them).
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $chains IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (g:Graphlet)
  WHERE g.source = whole
  RETURN DISTINCT g.pipeline AS pipeline, g.trainer_node AS trainer_node, null AS since
  UNION ALL
  UNWIND coalesce($chains, []) AS chain
  RETURN chain.pipeline AS pipeline, chain.trainer_node AS trainer_node, chain.since AS since
}
CALL (pipeline, trainer_node, since) {
  CALL (pipeline, trainer_node, since) {
    OPTIONAL MATCH (p:Graphlet)
    WHERE p.source = $source AND p.pipeline = pipeline AND p.trainer_node = trainer_node AND p.started_at < since
    WITH p
    ORDER BY p.started_at DESC, p.trainer_id DESC
    LIMIT 1
    RETURN p AS before
  }
  OPTIONAL MATCH (g:Graphlet)
  WHERE g.source = $source AND g.pipeline = pipeline AND g.trainer_node = trainer_node
    AND (since IS NULL OR g.started_at IS NULL OR g.started_at >= since)
  WITH before, g
  ORDER BY g.started_at IS NULL, g.started_at, g.trainer_id
  WITH before, collect(g) AS part
  WITH CASE WHEN before IS NULL THEN part ELSE [before] + part END AS chain,
       CASE WHEN before IS NULL THEN 0 ELSE before.chain_index END AS first_index
  CALL (chain) {
    UNWIND chain AS g
    MATCH (g)-[old:NEXT]->()
    DELETE old
  }
  UNWIND range(0, size(chain) - 1) AS i
  WITH chain, i, chain[i] AS current, first_index
  SET current.chain_index = first_index + i, current.chain_last = (i = size(chain) - 1)
  WITH chain, i, current
  WHERE i < size(chain) - 1
  WITH current, chain[i + 1] AS following
  MERGE (current)-[:NEXT]->(following)
} IN TRANSACTIONS OF 20 ROWS
