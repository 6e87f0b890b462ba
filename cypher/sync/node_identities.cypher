// name: node_identities
// summary: For the given uids of one MLMD table's nodes, what names the row for good: its type and its create time (artifacts, executions) or name (contexts); the sync checks that a changed row's id still names the same row.
// mode: read
// params: {uids: {type: list, doc: node uids}}
// returns: {uid: string, type: string, created_at: int, name: string}
// internal: true
UNWIND $uids AS wanted
CALL (wanted) {
  MATCH (a:Artifact {uid: wanted}) RETURN a AS n
  UNION
  MATCH (e:Execution {uid: wanted}) RETURN e AS n
  UNION
  MATCH (c:Context {uid: wanted}) RETURN c AS n
}
RETURN n.uid AS uid, n.type AS type, n.created_at AS created_at, n.name AS name
