//! Papers by an author: every word of the name in the authors field (folded as names are indexed),
//! newest first. Callers keep the papers whose author list holds the name's key exactly.

use super::{KeywordIndex, NAMES};
use crate::search::SearchError;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::{Order, Term};

impl KeywordIndex {
    /// Ids of the (at most `limit`) newest papers whose authors hold every word of `name`.
    pub fn by_author_words(&self, name: &str, limit: usize) -> Result<Vec<String>, SearchError> {
        let mut analyzer = self.index.tokenizers().get(NAMES).expect("registered when the index opened");
        let mut stream = analyzer.token_stream(name);
        let mut words: Vec<Box<dyn Query>> = Vec::new();
        while let Some(token) = stream.next() {
            let term = Term::from_field_text(self.fields.authors, &token.text);
            words.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
        }
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new(words.into_iter().map(|q| (Occur::Must, q)).collect());
        let searcher = self.reader.searcher();
        let newest = TopDocs::with_limit(limit).order_by_fast_field::<i64>("day", Order::Desc);
        let mut ids = Vec::new();
        for (_, addr) in searcher.search(&query, &newest)? {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) {
                ids.push(id.to_string());
            }
        }
        Ok(ids)
    }
}
