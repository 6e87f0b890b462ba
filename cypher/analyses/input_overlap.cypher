// name: input_overlap
// summary: For each pair of consecutive graphlets of a chain, the Jaccard similarity of the Examples their Trainers read and of those Examples' spans, and how many spans are new.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}}
// returns: {source: string, pipeline: string, trainer_node: string, trainer_id: int, previous_trainer_id: int, examples: int, examples_jaccard: float, spans: int, new_spans: int, spans_jaccard: float}
// browser: ":params {source: null}"
MATCH (p:Pipeline)
WHERE $source IS NULL OR p.source = $source
WITH p
ORDER BY p.source, p.name
CALL (p) {
  // One pipeline at a time, in chain order, so memory holds one pipeline's inputs and nothing is sorted at the end.
  MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)-[:CONTAINS {role: 'trainer'}]->(t:Execution)
  WITH g, {
    trainer_id: g.trainer_id,
    examples: COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples' RETURN DISTINCT x.mlmd_id },
    spans: COLLECT { MATCH (t)<-[i:INPUT]-(x:Artifact) WHERE i.event_type = 'INPUT' AND x.type = 'Examples' AND x.span IS NOT NULL RETURN DISTINCT x.span }
  } AS inputs
  ORDER BY g.trainer_node, g.chain_index
  WITH g.trainer_node AS trainer_node, collect(inputs) AS chain
  UNWIND range(1, size(chain) - 1) AS i
  WITH trainer_node, chain[i - 1] AS before, chain[i] AS after
  WITH trainer_node, before, after,
       size([x IN after.examples WHERE x IN before.examples]) AS shared_examples,
       size(after.examples) + size(before.examples) AS both_examples,
       size([s IN after.spans WHERE s IN before.spans]) AS shared_spans,
       size(after.spans) + size(before.spans) AS both_spans
  RETURN trainer_node, after.trainer_id AS trainer_id, before.trainer_id AS previous_trainer_id,
         size(after.examples) AS examples,
         CASE WHEN both_examples > 0 THEN toFloat(shared_examples) / (both_examples - shared_examples) END AS examples_jaccard,
         size(after.spans) AS spans,
         CASE WHEN size(after.spans) > 0 THEN size(after.spans) - shared_spans END AS new_spans,
         CASE WHEN both_spans > 0 THEN toFloat(shared_spans) / (both_spans - shared_spans) END AS spans_jaccard
}
RETURN p.source AS source, p.name AS pipeline, trainer_node, trainer_id, previous_trainer_id, examples, examples_jaccard,
       spans, new_spans, spans_jaccard
