// name: executions_of_contexts
// summary: The MLMD ids of the executions associated with the given contexts (a sync re-reads them when those contexts leave the store: an execution's pipeline and node come from its contexts, rules §2).
// mode: read
// params: {uids: {type: list, doc: context uids}}
// returns: {id: int}
// internal: true
UNWIND $uids AS wanted
MATCH (e:Execution)-[:ASSOCIATED_WITH]->(:Context {uid: wanted})
RETURN DISTINCT e.mlmd_id AS id
