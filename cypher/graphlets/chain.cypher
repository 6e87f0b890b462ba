// name: chain
// summary: Order the graphlets of each (pipeline, Trainer node) by Trainer start, then id, and link them with NEXT (rules §3 step 8).
// mode: write
// params: {source: {type: string, doc: source name}}
// Two batches at a time (the project's machines have 2 cores): each batch writes only its own
// chains (their graphlets and the NEXT links between them), so concurrent batches never wait on each other's locks.
MATCH (g:Graphlet)
WHERE g.source = $source
WITH DISTINCT g.pipeline AS pipeline, g.trainer_node AS trainer_node
CALL (pipeline, trainer_node) {
  MATCH (g:Graphlet)
  WHERE g.source = $source AND g.pipeline = pipeline AND g.trainer_node = trainer_node
  WITH g
  ORDER BY g.started_at IS NULL, g.started_at, g.trainer_id
  WITH collect(g) AS chain
  UNWIND range(0, size(chain) - 1) AS i
  WITH chain, i, chain[i] AS current
  SET current.chain_index = i, current.chain_last = (i = size(chain) - 1)
  WITH chain, i, current
  WHERE i < size(chain) - 1
  WITH current, chain[i + 1] AS following
  MERGE (current)-[:NEXT]->(following)
} IN 2 CONCURRENT TRANSACTIONS OF 20 ROWS
