//! Keyword search with tantivy: BM25 over title (boosted), abstract and authors, with
//! phrases, field prefixes (`ti:`, `au:`, `abs:`, `cat:`, `id:`), category and date filters,
//! highlighted snippets and paging.
//!
//! The index lives in its own folder and records, in each commit's payload, the position of
//! the store's change cursor it has caught up to: the index and its cursor move together.

use super::term_union::TermUnion;
use super::{SearchError, Window};
use crate::papers::Paper;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, QueryParser, RangeQuery, TermQuery, Weight};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TantivyDocument, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};
use tantivy::{
    DocAddress, DocSet, Executor, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, Term, TERMINATED,
};

/// How much a title match outweighs an abstract match, by default (`search.title_boost`).
pub const TITLE_BOOST: f32 = 1.0;
const LOWER_RAW: &str = "lower_raw";
const TEXT: &str = "en_stem";
/// Author names: words in lower case with accents folded ("García" is found as "garcia").
const NAMES: &str = "names_folded";
/// tantivy's BM25 `k1`.
const BM25_K1: f32 = 1.2;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    abstract_text: Field,
    authors: Field,
    category: Field,
    day: Field,
}

/// The field prefixes users type, and the schema field each one means.
const PREFIXES: &[(&str, &str)] = &[
    ("title", "ti"),
    ("ti", "ti"),
    ("author", "au"),
    ("authors", "au"),
    ("au", "au"),
    ("abstract", "abs"),
    ("abs", "abs"),
    ("category", "cat"),
    ("cat", "cat"),
    ("id", "id"),
];

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let raw = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(LOWER_RAW).set_index_option(IndexRecordOption::Basic),
    );
    let text = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(TEXT).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let fields = Fields {
        id: b.add_text_field("id", raw.clone().set_stored()),
        title: b.add_text_field("ti", text(true)),
        abstract_text: b.add_text_field("abs", text(true)),
        authors: b.add_text_field(
            "au",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(NAMES)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        ),
        category: b.add_text_field("cat", raw),
        day: b.add_i64_field("day", INDEXED | FAST | STORED),
    };
    (b.build(), fields)
}

/// Days since 1970-01-01, the `day` field's unit.
pub fn day_number(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
}

/// What a keyword query found.
#[derive(Debug, Clone)]
pub struct KeywordHit {
    pub id: String,
    pub score: f32,
}

/// A parsed query, ready to run, and what the parser had to say.
#[derive(Debug)]
pub struct Parsed {
    query: Box<dyn Query>,
    /// Set when the query's syntax could not be read and its words were searched instead.
    pub fallback: Option<String>,
}

pub struct KeywordIndex {
    index: Index,
    /// Threads that search the segments of one query side by side, and their pool.
    executor: Executor,
    threads: usize,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    title_boost: f32,
}

impl KeywordIndex {
    /// Opens the index in `dir`, creating it when the folder is empty.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let dir_handle = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(dir_handle, schema)?;
        Self::from_index(index, fields)
    }

    /// An index in memory (tests and evaluation).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        index
            .tokenizers()
            .register(LOWER_RAW, TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build());
        // tantivy's own `en_stem` (simple tokenizer, tokens over 40 bytes dropped, lower case,
        // English stemmer), with the stems remembered: the same tokens, so indexes made with
        // the original read the same, but stemming (40 % of a search with 20 snippets, which
        // stem every result's title and abstract again) is done once per word.
        index.tokenizers().register(
            TEXT,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(MemoStemmer)
                .build(),
        );
        index.tokenizers().register(
            NAMES,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(tantivy::tokenizer::AsciiFoldingFilter)
                .build(),
        );
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer_with_num_threads(1, 64_000_000)?;
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(4);
        let executor =
            if threads > 1 { Executor::multi_thread(threads, "keyword-search-")? } else { Executor::single_thread() };
        Ok(Self { index, executor, threads, reader, writer: Mutex::new(writer), fields, title_boost: TITLE_BOOST })
    }

    /// The documents and change-cursor position of the index in `dir`, read without opening it for writing: works
    /// while a serving node holds the index (`paperboy index status`).
    pub fn peek(dir: &Path) -> Result<(u64, i64), SearchError> {
        let index = Index::open_in_dir(dir)?;
        let cursor = index.load_metas()?.payload.as_deref().and_then(|p| p.parse().ok()).unwrap_or(0);
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok((reader.searcher().num_docs(), cursor))
    }

    /// Sets how much a title match outweighs an abstract match.
    pub fn with_title_boost(mut self, boost: f32) -> Self {
        self.title_boost = boost;
        self
    }

    /// The change-cursor position of the last commit (0 for a new index).
    pub fn cursor(&self) -> Result<i64, SearchError> {
        let meta = self.index.load_metas()?;
        Ok(meta.payload.as_deref().and_then(|p| p.parse().ok()).unwrap_or(0))
    }

    /// How many segments searches go through, after picking up merges finished since the last
    /// commit.
    pub fn segment_count(&self) -> Result<usize, SearchError> {
        self.reader.reload()?;
        Ok(self.reader.searcher().segment_readers().len())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn document(&self, paper: &Paper) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, paper.id.as_str());
        doc.add_text(f.title, &paper.title);
        doc.add_text(f.abstract_text, &paper.abstract_text);
        for a in &paper.authors {
            doc.add_text(f.authors, a);
        }
        for c in &paper.categories {
            doc.add_text(f.category, c.code());
        }
        if let Some(d) = paper.announced_on.or(paper.submitted_on) {
            doc.add_i64(f.day, day_number(d));
        }
        doc
    }

    /// Adds or replaces plain documents (id, title, text) and commits: for evaluation on
    /// collections that are not arXiv papers.
    pub fn upsert_plain(&self, docs: &[(String, String, String)]) -> Result<(), SearchError> {
        let f = self.fields;
        let mut writer = self.writer.lock().expect("index writer");
        for (id, title, text) in docs {
            writer.delete_term(Term::from_field_text(f.id, id));
            let mut doc = TantivyDocument::default();
            doc.add_text(f.id, id);
            doc.add_text(f.title, title);
            doc.add_text(f.abstract_text, text);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Adds or replaces `papers` and commits, recording `cursor`. Readers see the change when
    /// this returns.
    pub fn upsert(&self, papers: &[Paper], cursor: Option<i64>) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().expect("index writer");
        for p in papers {
            writer.delete_term(Term::from_field_text(self.fields.id, p.id.as_str()));
            writer.add_document(self.document(p))?;
        }
        let mut commit = writer.prepare_commit()?;
        if let Some(c) = cursor {
            commit.set_payload(&c.to_string());
        }
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Empties the index (a rebuild starts here).
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().expect("index writer");
        writer.delete_all_documents()?;
        let mut commit = writer.prepare_commit()?;
        commit.set_payload("0");
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    fn parser(&self) -> QueryParser {
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.abstract_text, f.authors]);
        parser.set_field_boost(f.title, self.title_boost);
        parser
    }

    /// Reads a user's query. Field prefixes are accepted in long and short forms; a query
    /// whose syntax cannot be read is searched as plain words, and `fallback` says so.
    pub fn parse(&self, q: &str) -> Parsed {
        let parser = self.parser();
        let rewritten = split_joined_words(&rewrite_prefixes(q));
        // tantivy's grammar takes exponential time on unclosed groups (`a((((((((((…` ran for 20 minutes when
        // fuzzed): such a query, or one nested deeper than anyone writes, is read as plain words at once.
        let parsed = if groups_are_readable(&rewritten) {
            parser.parse_query(&rewritten)
        } else {
            Err(tantivy::query::QueryParserError::SyntaxError("unbalanced or too deeply nested parentheses".into()))
        };
        match parsed {
            Ok(query) => Parsed { query: with_skipping(query, self.fields.authors), fallback: None },
            Err(e) => {
                // Lower-cased, so that no word reads as an operator (`AND`, `OR`, `NOT`).
                let words = plain_words(q).to_lowercase();
                let query = parser.parse_query(&words).unwrap_or_else(|_| Box::new(tantivy::query::EmptyQuery));
                Parsed {
                    query: with_skipping(query, self.fields.authors),
                    fallback: Some(format!(
                        "The query's syntax could not be read ({e}); searched for its words instead."
                    )),
                }
            }
        }
    }

    fn filtered(&self, parsed: &Parsed, window: &Window) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, parsed.query.box_clone())];
        if !window.categories.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = window
                .categories
                .iter()
                .map(|c| {
                    let term = Term::from_field_text(self.fields.category, &c.to_lowercase());
                    (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if window.from.is_some() || window.to.is_some() {
            let bound = |d: Option<NaiveDate>| match d {
                Some(d) => Bound::Included(Term::from_field_i64(self.fields.day, day_number(d))),
                None => Bound::Unbounded,
            };
            clauses.push((Occur::Must, Box::new(RangeQuery::new(bound(window.from), bound(window.to)))));
        }
        if clauses.len() == 1 {
            clauses.pop().expect("one clause").1
        } else {
            Box::new(BooleanQuery::new(clauses))
        }
    }

    /// The most a document could score for `parsed`: every term's BM25 weight at its highest term
    /// frequency (`idf · (k1 + 1)`, times the field's boost), summed. A query's BM25 scores divided by it
    /// compare across queries: a weak match of a long query is weak, even when it is the best there is.
    pub fn query_strength(&self, parsed: &Parsed) -> f32 {
        let searcher = self.reader.searcher();
        let docs = searcher.num_docs() as f32;
        let mut terms = std::collections::BTreeSet::new();
        parsed.query.query_terms(&mut |term, _| {
            terms.insert(term.clone());
        });
        terms
            .iter()
            .map(|term| {
                let df = searcher.doc_freq(term).unwrap_or(0) as f32;
                if df == 0.0 {
                    return 0.0;
                }
                let idf = (1.0 + (docs - df + 0.5) / (df + 0.5)).ln();
                let boost = if term.field() == self.fields.title { self.title_boost } else { 1.0 };
                idf * (BM25_K1 + 1.0) * boost
            })
            .sum()
    }

    /// The best `limit` matches after `offset`, and how many match in all, counted up to
    /// [`COUNT_LIMIT`].
    pub fn search(
        &self,
        parsed: &Parsed,
        window: &Window,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<KeywordHit>, Total), SearchError> {
        let query = self.filtered(parsed, window);
        let searcher = self.reader.searcher();
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher))?;
        let hits = self.hits(&searcher, &*weight, offset, limit)?;
        Ok((hits, count_up_to(&searcher, &*weight, COUNT_LIMIT)?))
    }

    /// The best `limit` matches after `offset`, without counting every match (for hybrid
    /// candidates and the evaluation).
    pub fn search_top(
        &self,
        parsed: &Parsed,
        window: &Window,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<KeywordHit>, SearchError> {
        let query = self.filtered(parsed, window);
        let searcher = self.reader.searcher();
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher))?;
        self.hits(&searcher, &*weight, offset, limit)
    }

    fn hits(
        &self,
        searcher: &Searcher,
        weight: &dyn Weight,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<KeywordHit>, SearchError> {
        let top = top_k(searcher, weight, offset + limit.max(1), (&self.executor, self.threads))?;
        let mut hits = Vec::with_capacity(limit);
        for (score, addr) in top.into_iter().skip(offset) {
            let doc: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_str()) {
                hits.push(KeywordHit { id: id.to_string(), score });
            }
        }
        Ok(hits)
    }

    /// The ids among `ids` that pass the window's filters (for dense results).
    pub fn filter_ids(&self, ids: &[String], window: &Window) -> Result<Vec<String>, SearchError> {
        if window.is_open() {
            return Ok(ids.to_vec());
        }
        let searcher = self.reader.searcher();
        let all = Parsed { query: Box::new(tantivy::query::AllQuery), fallback: None };
        let filter = self.filtered(&all, window);
        let mut keep = Vec::new();
        for id in ids {
            let by_id = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
            let q = BooleanQuery::new(vec![
                (Occur::Must, Box::new(by_id) as Box<dyn Query>),
                (Occur::Must, filter.box_clone()),
            ]);
            if searcher.search(&q, &Count)? > 0 {
                keep.push(id.clone());
            }
        }
        Ok(keep)
    }

    /// Highlighted title and abstract snippets (HTML, escaped) of `ids` for a query.
    pub fn snippets(&self, parsed: &Parsed, ids: &[String]) -> Result<HashMap<String, Snippet>, SearchError> {
        let searcher = self.reader.searcher();
        let mut title = SnippetGenerator::create(&searcher, &*parsed.query, self.fields.title)?;
        title.set_max_num_chars(400);
        let mut abs = SnippetGenerator::create(&searcher, &*parsed.query, self.fields.abstract_text)?;
        abs.set_max_num_chars(280);
        let mut out = HashMap::new();
        for id in ids {
            let by_id = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
            let Some((_, addr)) = searcher.search(&by_id, &TopDocs::with_limit(1))?.into_iter().next() else {
                continue;
            };
            let doc: TantivyDocument = searcher.doc(addr)?;
            let t = title.snippet_from_doc(&doc);
            let a = abs.snippet_from_doc(&doc);
            out.insert(
                id.clone(),
                Snippet {
                    title_html: (!t.is_empty()).then(|| t.to_html()),
                    abstract_html: (!a.is_empty()).then(|| a.to_html()),
                },
            );
        }
        Ok(out)
    }
}

mod authors;
mod text;
mod top;

use text::*;
pub use text::{plain_words, rewrite_prefixes, split_joined_words, Snippet};
use top::*;
pub use top::{Total, COUNT_LIMIT};

#[cfg(test)]
mod tests;

/// Groups nested this deep at most are given to the query parser.
const MAX_GROUP_DEPTH: usize = 6;

/// Whether a query's parentheses are balanced and nested at most [`MAX_GROUP_DEPTH`] deep.
fn groups_are_readable(q: &str) -> bool {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in q.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => {}
        }
    }
    depth == 0 && deepest <= MAX_GROUP_DEPTH
}
