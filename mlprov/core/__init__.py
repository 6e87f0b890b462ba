"""mlprov.core: the floor everything else stands on, importing nothing of mlprov above it.

Errors with their exit codes (`errors`), the graphlet settings (`settings`), the stored-query
registry and runner (`queries`), how to reach one Neo4j database once its address is known
(`connection`), the output formats and atomic file writes (`output`), and progress lines
(`progress`).
Where Neo4j is (the NEO4J_* variables or the local server) is decided one floor up, in
`mlprov.server.locate`.
"""
