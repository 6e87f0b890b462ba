"""The stored Cypher queries, shipped as package data (see mlprov.core.queries)."""
