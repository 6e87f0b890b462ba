"""The graphlet oracle: a plain-Python reading of the graphlet rules (docs/rules.md), for checking.

It reads an MLMD SQLite store with its own SQL and its own copy of MLMD's vocabulary, and shares
no code with the loader or the stored Cypher, so that it can catch their mistakes. The corpus
generator uses it to write its ground truth; the tests use it as the reference the Cypher build
must equal row for row. Nothing in mlprov's product paths imports it.
"""
