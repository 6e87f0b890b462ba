// name: any_node
// summary: Whether the database holds any node (a bulk import needs an empty database).
// mode: read
// returns: {found: bool}
MATCH (n)
RETURN true AS found
LIMIT 1
