// name: input_overlap
// summary: For each pair of consecutive graphlets of a chain, the Jaccard similarity of the Examples their Trainers read and of those Examples' spans, and how many spans are new.
// mode: read
// params: {source: {type: string, default: null, doc: only this source (null for all)}, pipelines: {type: list, default: null, doc: only the pipelines of these names (null for all)}, graphlets: {type: list, default: null, doc: only the graphlets of these uids (null for all)}}
// partition: source, pipeline, trainer_node, chain_index
// graphlet: trainer_id, facts
// returns: {source: string, pipeline: string, trainer_node: string, chain_index: int, trainer_id: int, previous_trainer_id: int, examples: int, examples_jaccard: float, spans: int, new_spans: int, spans_jaccard: float}
// browser: ":params {source: null}"
// Each graphlet's input Examples and spans are stored on it by graphlets.derive.
// Sorted pipeline by pipeline: one sort over every graphlet of an L corpus (440,000, each with its
// input lists) took more than the server's transaction memory.
MATCH (p:Pipeline)
WHERE ($source IS NULL OR p.source = $source) AND ($pipelines IS NULL OR p.name IN $pipelines)
WITH p
ORDER BY p.source, p.name
CALL (p) {
  MATCH (p)-[:HAS_GRAPHLET]->(g:Graphlet)<-[:NEXT]-(previous:Graphlet)
  WHERE $graphlets IS NULL OR g.uid IN $graphlets
  WITH g, g.input_examples AS examples, previous.input_examples AS previous_examples,
       g.input_spans AS spans, previous.input_spans AS previous_spans, previous.trainer_id AS previous_trainer_id
  WITH g, examples, spans, previous_trainer_id,
       size([x IN examples WHERE x IN previous_examples]) AS shared_examples,
       size(examples) + size(previous_examples) AS both_examples,
       size([s IN spans WHERE s IN previous_spans]) AS shared_spans,
       size(spans) + size(previous_spans) AS both_spans
  ORDER BY g.trainer_node, g.chain_index
  RETURN g.trainer_node AS trainer_node, g.chain_index AS chain_index, g.trainer_id AS trainer_id, previous_trainer_id, size(examples) AS examples,
         CASE WHEN both_examples > 0 THEN toFloat(shared_examples) / (both_examples - shared_examples) END AS examples_jaccard,
         size(spans) AS spans,
         CASE WHEN size(spans) > 0 THEN size(spans) - shared_spans END AS new_spans,
         CASE WHEN both_spans > 0 THEN toFloat(shared_spans) / (both_spans - shared_spans) END AS spans_jaccard
}
RETURN p.source AS source, p.name AS pipeline, trainer_node, chain_index, trainer_id, previous_trainer_id, examples,
       examples_jaccard, spans, new_spans, spans_jaccard
