//! A disjunction of words (`w1 OR w2 OR …`, over several fields) that keeps tantivy's
//! block-max WAND in every segment.
//!
//! tantivy skips the blocks of documents that cannot reach the top k only when every clause of
//! an `OR` reads term frequencies. A word that a segment lacks is given an empty posting list
//! that does not, so a single missing (word, field) pair — a title word searched in the
//! authors field, a rare word absent from one segment — turns skipping off and every document
//! holding any query word is scored. [`TermUnion`] runs, in each segment, the same `OR` over
//! the words that segment holds: the same documents and the same scores (the words' BM25
//! weights still come from the whole index), and skipping applies.

use std::sync::Arc;
use tantivy::query::{
    BooleanQuery, BooleanWeight, EmptyScorer, EnableScoring, Explanation, Occur, Query, Scorer, SumCombiner, TermQuery,
    Weight,
};
use tantivy::{DocId, Score, SegmentReader, Term};

/// `OR` of term queries; see the module documentation.
#[derive(Clone, Debug)]
pub struct TermUnion {
    terms: Vec<TermQuery>,
}

impl TermUnion {
    /// The union of `query`'s clauses when it is a plain `OR` of term queries (what the query
    /// parser makes of unquoted words without operators); `None` for any other query.
    pub fn of(query: &dyn Query) -> Option<Self> {
        let boolean = query.downcast_ref::<BooleanQuery>()?;
        let terms = boolean
            .clauses()
            .iter()
            .map(|(occur, q)| match occur {
                Occur::Should => q.downcast_ref::<TermQuery>().cloned(),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        (terms.len() > 1).then_some(Self { terms })
    }

    /// The (field, word) terms of the union.
    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().map(TermQuery::term)
    }

    /// The union without the terms `drop` names.
    pub fn without(mut self, drop: impl Fn(&Term) -> bool) -> Self {
        self.terms.retain(|q| !drop(q.term()));
        self
    }

    /// The query to run: the term itself when only one remains.
    pub fn into_query(mut self) -> Box<dyn Query> {
        match self.terms.len() {
            0 => Box::new(tantivy::query::EmptyQuery),
            1 => Box::new(self.terms.pop().expect("one term")),
            _ => Box::new(self),
        }
    }
}

impl Query for TermUnion {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let terms = self
            .terms
            .iter()
            .map(|q| Ok((q.term().clone(), Arc::from(q.weight(scoring)?))))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(TermUnionWeight { terms, scoring: scoring.is_scoring_enabled() }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for q in &self.terms {
            q.query_terms(visitor);
        }
    }
}

struct TermUnionWeight {
    terms: Vec<(Term, Arc<dyn Weight>)>,
    scoring: bool,
}

impl TermUnionWeight {
    /// The `OR` over the words `reader`'s segment holds; `None` when it holds none.
    fn in_segment(&self, reader: &SegmentReader) -> tantivy::Result<Option<BooleanWeight<SumCombiner>>> {
        let mut present: Vec<(Occur, Box<dyn Weight>)> = Vec::with_capacity(self.terms.len());
        for (term, weight) in &self.terms {
            if reader.inverted_index(term.field())?.get_term_info(term)?.is_some() {
                present.push((Occur::Should, Box::new(Shared(weight.clone()))));
            }
        }
        Ok((!present.is_empty()).then(|| BooleanWeight::new(present, self.scoring, Box::new(SumCombiner::default))))
    }
}

impl Weight for TermUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        match self.in_segment(reader)? {
            Some(w) => w.scorer(reader, boost),
            None => Ok(Box::new(EmptyScorer)),
        }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        match self.in_segment(reader)? {
            Some(w) => w.explain(reader, doc),
            None => Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} does not match"))),
        }
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        match self.in_segment(reader)? {
            Some(w) => w.count(reader),
            None => Ok(0),
        }
    }

    fn for_each(&self, reader: &SegmentReader, callback: &mut dyn FnMut(DocId, Score)) -> tantivy::Result<()> {
        match self.in_segment(reader)? {
            Some(w) => w.for_each(reader, callback),
            None => Ok(()),
        }
    }

    fn for_each_no_score(&self, reader: &SegmentReader, callback: &mut dyn FnMut(&[DocId])) -> tantivy::Result<()> {
        match self.in_segment(reader)? {
            Some(w) => w.for_each_no_score(reader, callback),
            None => Ok(()),
        }
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        match self.in_segment(reader)? {
            Some(w) => w.for_each_pruning(threshold, reader, callback),
            None => Ok(()),
        }
    }
}

/// One term's weight, shared by the per-segment unions. Its scorer is the term's own
/// `TermScorer`, which is what lets the union recognise it and skip blocks.
struct Shared(Arc<dyn Weight>);

impl Weight for Shared {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.0.scorer(reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index};

    /// Two segments, the second lacking a word, and a field that lacks every word: the union
    /// finds the same documents with the same scores as the plain `OR`.
    #[test]
    fn same_hits_and_scores_as_the_plain_or() {
        let mut schema = Schema::builder();
        let (title, body, authors) =
            (schema.add_text_field("t", TEXT), schema.add_text_field("b", TEXT), schema.add_text_field("a", TEXT));
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..300 {
            let word = if i % 7 == 0 { "rare" } else { "common" };
            writer
                .add_document(doc!(title => format!("graph {word} networks {i}"), body => "learning on graphs"))
                .unwrap();
        }
        writer.commit().unwrap();
        for i in 0..300 {
            writer.add_document(doc!(title => format!("graph networks {i}"), body => "learning networks")).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let parsed =
            QueryParser::for_index(&index, vec![title, body, authors]).parse_query("rare graph networks").unwrap();
        let union = TermUnion::of(&*parsed).expect("a plain OR of words");
        let top = |q: &dyn Query| -> (Vec<(Score, tantivy::DocAddress)>, usize) {
            searcher.search(q, &(TopDocs::with_limit(20), Count)).unwrap()
        };
        let (plain, united) = (top(&*parsed), top(&union));
        assert_eq!(plain.1, 600);
        assert_eq!(united.1, plain.1);
        assert_eq!(united.0.len(), 20);
        for ((s1, a1), (s2, a2)) in plain.0.iter().zip(&united.0) {
            assert_eq!(a1, a2);
            assert!((s1 - s2).abs() < 1e-6, "{s1} vs {s2}");
        }
        // Top k alone (block-max WAND) gives the same best scores (which of several equal
        // scores makes the cut may differ).
        let pruned = searcher.search(&union, &TopDocs::with_limit(20)).unwrap();
        assert_eq!(pruned.len(), 20);
        for ((s1, _), (s2, _)) in plain.0.iter().zip(&pruned) {
            assert!((s1 - s2).abs() < 1e-6, "{s1} vs {s2}");
        }
        // Phrases, required words and single words are left to tantivy.
        let parser = QueryParser::for_index(&index, vec![title]);
        for q in ["\"graph networks\" rare", "+graph networks", "graph"] {
            assert!(TermUnion::of(&*parser.parse_query(q).unwrap()).is_none(), "{q}");
        }
    }
}
