"""The graphlet oracle: a plain-Python reading of the graphlet rules (docs/rules.md), for checking.

It reads an MLMD SQLite store with its own SQL and its own copy of MLMD's vocabulary, and shares
none of the loader's or the stored Cypher's logic, so that it can catch their mistakes. From the
loader it takes only configuration: the operator map (loader/operators.toml), which names the
operators for the Cypher build too. The corpus generator uses it to write its ground truth; the
tests use it as the reference the Cypher build must equal row for row. Nothing in mlprov's product
paths imports it.
"""
