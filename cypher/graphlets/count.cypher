// name: count
// summary: Number of graphlets of one source.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {graphlets: int}
// internal: true
MATCH (g:Graphlet)
WHERE g.source = $source
RETURN count(g) AS graphlets
