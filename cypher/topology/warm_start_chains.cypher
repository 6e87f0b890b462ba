// name: warm_start_chains
// summary: Length distribution of warm-start chains: graphlets linked by WARM_STARTS_FROM, counted from each chain's newest graphlet (length 1 = trained from scratch, never warm-started from).
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {chain_length: int, chains: int, pipelines: int}
// browser: ":params {source: null}"
// A chain is counted from its newest graphlet (nothing warm-starts from it): its length is the
// number of graphlets on its longest path down to an oldest graphlet (one that warm-starts from
// nothing). The newest graphlets fall into three kinds, each found without walking a chain once
// per newest graphlet (newer graphlets warm-starting from the same model share the older part,
// so walking down from each of them visited that part again and again):
// 1. Alone (no WARM_STARTS_FROM either way): a chain of one, read off the graphlet.
// 2. Its walk down never forks (every graphlet on it warm-starts from exactly one): one path. These
//    are found from the other end: from each oldest graphlet that something warm-starts from, walk
//    up only through graphlets that warm-start from exactly one, so every graphlet is reached once
//    and by one path; grouping by start and end with min(length(...)) lets the server walk
//    breadth-first keeping only the depth, instead of holding each path (as long as the chain).
// 3. Its walk down passes a graphlet that warm-starts from two or more (a fork): found by walking
//    up from each fork, and measured by enumerating its paths to the oldest graphlets, as before
//    (a fork can make the graphlets reached more than the longest path).
// A newest graphlet whose walk never forks but never ends (a cycle) or ends in a node that is no
// graphlet has no oldest graphlet below it, and no row, in 2 as in 3.
CALL () {
  MATCH (alone:Graphlet)
  WHERE ($source IS NULL OR alone.source = $source) AND NOT EXISTS { (alone)-[:WARM_STARTS_FROM]-() }
  RETURN alone AS newest, 1 AS chain_length
  UNION ALL
  MATCH ()-[:WARM_STARTS_FROM]->(oldest)
  WITH DISTINCT oldest
  WHERE oldest:Graphlet AND NOT EXISTS { (oldest)-[:WARM_STARTS_FROM]->() }
  MATCH chain = (oldest) (()<-[:WARM_STARTS_FROM]-(n) WHERE COUNT { (n)-[:WARM_STARTS_FROM]->() } = 1)+ (newest)
  WITH oldest, newest, min(length(chain)) AS hops
  WHERE newest:Graphlet AND ($source IS NULL OR newest.source = $source)
    AND NOT EXISTS { ()-[:WARM_STARTS_FROM]->(newest) }
  RETURN newest, hops + 1 AS chain_length
  UNION ALL
  MATCH (fork)-[:WARM_STARTS_FROM]->()
  WITH fork, count(*) AS out
  WHERE out > 1
  MATCH (fork)<-[:WARM_STARTS_FROM*0..]-(newest:Graphlet)
  WHERE ($source IS NULL OR newest.source = $source) AND NOT EXISTS { ()-[:WARM_STARTS_FROM]->(newest) }
  WITH DISTINCT newest
  MATCH chain = (newest)-[:WARM_STARTS_FROM]->{0,}(oldest:Graphlet)
  WHERE NOT EXISTS { (oldest)-[:WARM_STARTS_FROM]->() }
  RETURN newest, max(length(chain)) + 1 AS chain_length
}
RETURN chain_length, count(*) AS chains, count(DISTINCT [newest.source, newest.pipeline]) AS pipelines
ORDER BY chain_length
