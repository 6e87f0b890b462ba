// name: scope_outcomes
// summary: Incremental build (rules §11): the graphlets holding a PushedModel or a blessing that a sync changed (its `pushed` or `blessed` decides the outcome, rules §3 step 9).
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {graphlet: string}
// internal: true
CYPHER replan=force
MATCH (a:Artifact:Changed)
WHERE a.source = $source AND a.type IN ['PushedModel', 'ModelBlessing', 'InfraBlessing']
MATCH (g:Graphlet)-[:CONTAINS]->(a)
RETURN DISTINCT g.uid AS graphlet
ORDER BY graphlet
