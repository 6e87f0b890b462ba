// name: warm_start_chains
// summary: Length distribution of warm-start chains: graphlets linked by WARM_STARTS_FROM, counted from each chain's newest graphlet (length 1 = trained from scratch, never warm-started from).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {chain_length: int, chains: int, pipelines: int}
// browser: ":params {source: null}"
MATCH (newest:Graphlet)
WHERE ($source IS NULL OR newest.source = $source) AND NOT EXISTS { ()-[:WARM_STARTS_FROM]->(newest) }
MATCH chain = (newest)-[:WARM_STARTS_FROM]->{0,}(oldest:Graphlet)
WHERE NOT EXISTS { (oldest)-[:WARM_STARTS_FROM]->() }
WITH newest, max(length(chain)) + 1 AS chain_length
RETURN chain_length, count(*) AS chains, count(DISTINCT [newest.source, newest.pipeline]) AS pipelines
ORDER BY chain_length
