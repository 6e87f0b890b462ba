// name: downstream
// summary: Everything derived from an artifact or execution, up to a number of hops, nearest first.
// mode: read
// params: {uid: {type: string, doc: "uid of an Artifact or Execution, e.g. mysource:a:3"}, hops: {type: int, default: 6, doc: maximum number of events to walk forward}}
// returns: {uid: string, kind: string, mlmd_id: int, type: string, operator: string, state: string, hops: int}
// browser: ":params {uid: 'penguin:a:3', hops: 6}"
CALL () {
  MATCH (a:Artifact {uid: $uid}) RETURN a AS start
  UNION
  MATCH (e:Execution {uid: $uid}) RETURN e AS start
}
CALL apoc.path.spanningTree(start, {relationshipFilter: 'INPUT>|OUTPUT>', maxLevel: $hops}) YIELD path
WITH last(nodes(path)) AS n, length(path) AS hops
WHERE hops > 0
RETURN n.uid AS uid, CASE WHEN n:Artifact THEN 'Artifact' ELSE 'Execution' END AS kind,
       n.mlmd_id AS mlmd_id, n.type AS type, n.operator AS operator, n.state AS state, hops
ORDER BY hops, uid
