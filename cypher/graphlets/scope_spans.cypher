// name: scope_spans
// summary: Incremental build (rules §11): the graphlets whose Trainer reads Examples that a sync changed and whose input spans now differ from those derived, with the graphlet after each.
// mode: read
// params: {source: {type: string, doc: source name}}
// returns: {graphlet: string, next: string}
// internal: true
// The spans are those of graphlets.derive, written the same way (a unit test holds them equal).
CYPHER replan=force
MATCH (x:Artifact:Changed)
WHERE x.source = $source AND x.type = 'Examples'
MATCH (x)-[r:INPUT]->(t:Execution)<-[:CONTAINS {role: 'trainer'}]-(g:Graphlet)
WHERE r.event_type = 'INPUT'
WITH DISTINCT g, t
WITH g, COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples'
                 RETURN [x.mlmd_id, x.span] AS example } AS examples
WITH g, COLLECT { UNWIND examples AS x WITH x WHERE x[1] IS NOT NULL RETURN DISTINCT x[1] AS span ORDER BY span } AS spans
WHERE spans <> coalesce(g.input_spans, [])
OPTIONAL MATCH (g)-[:NEXT]->(next:Graphlet)
RETURN g.uid AS graphlet, next.uid AS next
ORDER BY graphlet
