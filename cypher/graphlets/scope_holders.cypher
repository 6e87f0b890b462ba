// name: scope_holders
// summary: Incremental build (rules §11): the graphlets holding any of the listed executions (their cost shares changed, rules §3 step 10).
// mode: read
// params: {executions: {type: list, doc: execution uids}}
// returns: {graphlet: string}
// internal: true
CYPHER replan=force
UNWIND $executions AS uid
MATCH (:Execution {uid: uid})<-[:CONTAINS]-(g:Graphlet)
RETURN DISTINCT g.uid AS graphlet
ORDER BY graphlet
