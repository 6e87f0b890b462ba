// name: warm_start_chains
// summary: Length distribution of warm-start chains: graphlets linked by WARM_STARTS_FROM, counted from each chain's newest graphlet (length 1 = trained from scratch, never warm-started from).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {chain_length: int, chains: int, pipelines: int}
// browser: ":params {source: null}"
// A graphlet warm-starts from one model, so a chain is a single path: its length is the number of
// graphlets reachable from its newest, each visited once. Only a chain that forks (a graphlet that
// warm-starts from two) has its paths enumerated to find the longest; enumerating every path of
// every chain made this quadratic in the chain's length (a 1,000-graphlet chain has 1,000 paths).
MATCH (newest:Graphlet)
WHERE ($source IS NULL OR newest.source = $source) AND NOT EXISTS { ()-[:WARM_STARTS_FROM]->(newest) }
WITH newest, [newest] + COLLECT { MATCH (newest)-[:WARM_STARTS_FROM]->+(older) RETURN DISTINCT older } AS reached
WITH newest, reached,
     all(x IN reached WHERE COUNT { (x)-[:WARM_STARTS_FROM]->() } <= 1)
     AND any(x IN reached WHERE x:Graphlet AND NOT EXISTS { (x)-[:WARM_STARTS_FROM]->() }) AS single_path
CALL (newest, reached, single_path) {
  WITH reached
  WHERE single_path
  RETURN size(reached) AS chain_length
  UNION ALL
  WITH newest
  WHERE NOT single_path
  MATCH chain = (newest)-[:WARM_STARTS_FROM]->{0,}(oldest:Graphlet)
  WHERE NOT EXISTS { (oldest)-[:WARM_STARTS_FROM]->() }
  WITH max(length(chain)) + 1 AS chain_length
  WHERE chain_length IS NOT NULL
  RETURN chain_length
}
RETURN chain_length, count(*) AS chains, count(DISTINCT [newest.source, newest.pipeline]) AS pipelines
ORDER BY chain_length
