// name: sources
// summary: Sources whose graphlets are built, the ones waste pruning can learn from.
// mode: read
// returns: {source: string}
// internal: true
MATCH (s:Source)
WHERE s.graphlets_sha256 IS NOT NULL
RETURN s.name AS source
ORDER BY source
