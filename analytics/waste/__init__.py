"""Waste pruning (rules §5): predict at the decision point which graphlets will not push, and
measure what skipping them saves. Modules: `features` (stored queries → frame), `model` (train,
save, load), `policy` (savings and cadence of a skip mask), `evaluate` (τ sweep, baselines,
importances, operating point), `advise` (one decision with reasons), `figures` (PNG and HTML for
the report), `jobs` (what the commands and the report call). Imports `mlprov` core,
`mlprov.cypher` and `mlprov.server.locate` only.
"""
