// name: clear
// summary: Remove one source's graphlets before they are built again: every one, or only those an incremental build rebuilds or drops (rules §11).
// mode: write
// params: {source: {type: string, doc: source name}, graphlets: {type: list, default: null, doc: uids of the graphlets to remove (null for every graphlet of the source)}}
// Each scoped step selects its rows the same way: the whole source when the scope is null (the
// first branch; its UNWIND yields no row otherwise, so no index is scanned), else the listed uids.
// A graphlet holds tens of CONTAINS links: 500 per transaction keeps a rebuild of an L corpus
// (440,000 graphlets) within the server's transaction memory. The creator links go with the
// creators step, which decides each artifact's creator again.
CYPHER replan=force
CALL () {
  UNWIND CASE WHEN $graphlets IS NULL THEN [$source] ELSE [] END AS whole
  MATCH (g:Graphlet)
  WHERE g.source = whole
  RETURN g
  UNION ALL
  UNWIND coalesce($graphlets, []) AS uid
  MATCH (g:Graphlet {uid: uid})
  WHERE g.source = $source
  RETURN g
}
CALL (g) { DETACH DELETE g } IN TRANSACTIONS OF 500 ROWS
