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
                    .set_tokenizer("default")
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
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer_with_num_threads(1, 64_000_000)?;
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(4);
        let executor =
            if threads > 1 { Executor::multi_thread(threads, "keyword-search-")? } else { Executor::single_thread() };
        Ok(Self { index, executor, threads, reader, writer: Mutex::new(writer), fields, title_boost: TITLE_BOOST })
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
        match parser.parse_query(&rewritten) {
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

/// A hit ordered by score, then by address reversed: of two equal scores, the later document
/// is the worse.
#[derive(PartialEq)]
struct Hit(Score, std::cmp::Reverse<DocAddress>);

impl Eq for Hit {}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Hit {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// The best `k` matches of `weight`'s query, best first (ties: earlier documents first).
///
/// tantivy's `TopDocs` starts every segment with no score to beat. Here the segments, largest
/// first, are dealt to one group per thread of `executor`; each segment starts from the best
/// k-th score any group has found so far (a lower bound of the final k-th score, so nothing
/// that belongs in the top k is skipped), as Lucene shares its minimum competitive score, and
/// block-max WAND skips from the first block of every segment but the first few.
fn top_k(
    searcher: &Searcher,
    weight: &dyn Weight,
    k: usize,
    (executor, threads): (&Executor, usize),
) -> Result<Vec<(Score, DocAddress)>, SearchError> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use std::sync::atomic::{AtomicU32, Ordering};
    let readers = searcher.segment_readers();
    let mut largest_first: Vec<usize> = (0..readers.len()).collect();
    largest_first.sort_by_key(|&i| Reverse(readers[i].max_doc()));
    let mut groups: Vec<(u64, Vec<usize>)> = vec![(0, Vec::new()); threads.clamp(1, readers.len().max(1))];
    for i in largest_first {
        let lightest = groups.iter_mut().min_by_key(|g| g.0).expect("one group at least");
        lightest.0 += u64::from(readers[i].max_doc());
        lightest.1.push(i);
    }
    // The best k-th score found by any group, as f32 bits.
    let shared = AtomicU32::new(Score::MIN.to_bits());
    let raise = |score: Score| {
        let _ = shared.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
            (score > f32::from_bits(bits)).then_some(score.to_bits())
        });
    };
    let run = |segments: &[usize]| -> tantivy::Result<Vec<Hit>> {
        let mut heap: BinaryHeap<Reverse<Hit>> = BinaryHeap::with_capacity(k + 1);
        let floor = |heap: &BinaryHeap<Reverse<Hit>>| {
            let own = match heap.peek() {
                Some(Reverse(worst)) if heap.len() >= k => worst.0,
                _ => Score::MIN,
            };
            // Just under the k-th best score: a document that ties with it still comes here,
            // and the tie goes to the lower address, whichever thread saw which first (tantivy
            // passes on only scores above the threshold).
            own.max(f32::from_bits(shared.load(Ordering::Relaxed))).next_down()
        };
        for &ord in segments {
            let reader = &readers[ord];
            let alive = reader.alive_bitset();
            weight.for_each_pruning(floor(&heap), reader, &mut |doc, score| {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    heap.push(Reverse(Hit(score, Reverse(DocAddress::new(ord as u32, doc)))));
                    if heap.len() > k {
                        heap.pop();
                    }
                    if heap.len() == k {
                        raise(heap.peek().expect("k hits").0 .0);
                    }
                }
                floor(&heap)
            })?;
        }
        Ok(heap.into_iter().map(|Reverse(hit)| hit).collect())
    };
    let mut hits: Vec<Hit> = if groups.len() == 1 {
        run(&groups[0].1)?
    } else {
        let found = executor.map(|(_, segments)| run(&segments), groups.into_iter())?;
        found.into_iter().flatten().collect()
    };
    hits.sort_unstable_by(|a, b| b.cmp(a));
    hits.truncate(k);
    Ok(hits.into_iter().map(|Hit(score, Reverse(addr))| (score, addr)).collect())
}

/// Keyword matches are counted up to this many (as Elasticsearch's `track_total_hits`):
/// counting every match of a common word means visiting most of the index, while the best
/// matches alone skip most of it.
pub const COUNT_LIMIT: usize = 10_000;

/// How many documents match: exactly, or at least `count` when there are more than
/// [`COUNT_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub count: usize,
    pub exact: bool,
}

/// Counts the live matches of `weight`, stopping once `limit` are found.
fn count_up_to(searcher: &Searcher, weight: &dyn Weight, limit: usize) -> Result<Total, SearchError> {
    let mut count = 0;
    for reader in searcher.segment_readers() {
        let alive = reader.alive_bitset();
        let mut docs = weight.scorer(reader, 1.0)?;
        let mut doc = docs.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                count += 1;
                if count > limit {
                    return Ok(Total { count: limit, exact: false });
                }
            }
            doc = docs.advance();
        }
    }
    Ok(Total { count, exact: true })
}

/// A plain `OR` of words runs as a [`TermUnion`], so that block-max WAND applies in every
/// segment even where some (word, field) pairs are missing, and without English stop words in
/// the title and abstract (as Lucene's English analyzer and Anserini's BM25 drop them; author
/// names such as "An" are kept, and so is a query of stop words alone). Every stop word of a
/// query is in most abstracts, so it made every block competitive for little score: SciFact
/// claims were searched 2.3 times faster without them, at the same nDCG@10. Phrases, required
/// or excluded words run as parsed.
fn with_skipping(query: Box<dyn Query>, authors: Field) -> Box<dyn Query> {
    match TermUnion::of(&*query) {
        Some(union) => {
            let droppable = |term: &Term| term.field() != authors && is_stop_word(term);
            if union.terms().any(|t| t.field() != authors && !is_stop_word(t)) {
                union.without(droppable).into_query()
            } else {
                Box::new(union)
            }
        }
        None => query,
    }
}

/// Lucene's English stop words (tantivy's `StopWordFilter` list for English).
const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

fn is_stop_word(term: &Term) -> bool {
    term.value().as_str().is_some_and(|w| STOP_WORDS.contains(&w))
}

/// The English (Porter 2) stemmer with a per-thread memory of the stems it made.
#[derive(Clone, Copy, Default)]
struct MemoStemmer;

/// Words remembered per thread before the memory is emptied.
const MAX_STEMS: usize = 200_000;

thread_local! {
    static STEMS: std::cell::RefCell<(rust_stemmers::Stemmer, HashMap<String, String>)> =
        std::cell::RefCell::new((rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English), HashMap::new()));
}

/// The stem of a lower-case word, as tantivy's `Stemmer` makes it.
fn stem(word: &str, out: &mut String) {
    STEMS.with(|cell| {
        let (stemmer, memo) = &mut *cell.borrow_mut();
        out.clear();
        if let Some(s) = memo.get(word) {
            out.push_str(s);
            return;
        }
        let s = stemmer.stem(word).into_owned();
        if memo.len() >= MAX_STEMS {
            memo.clear();
        }
        memo.insert(word.to_string(), s.clone());
        out.push_str(&s);
    })
}

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> MemoStemmerFilter<T> {
        MemoStemmerFilter { inner }
    }
}

#[derive(Clone)]
struct MemoStemmerFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for MemoStemmerFilter<T> {
    type TokenStream<'a> = MemoStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoStemmerStream { tail: self.inner.token_stream(text), buffer: String::new() }
    }
}

struct MemoStemmerStream<T> {
    tail: T,
    buffer: String,
}

impl<T: TokenStream> TokenStream for MemoStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        stem(&token.text, &mut self.buffer);
        std::mem::swap(&mut token.text, &mut self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Highlighted fragments; `None` where the query matched nothing in that field.
#[derive(Debug, Clone, Default)]
pub struct Snippet {
    pub title_html: Option<String>,
    pub abstract_html: Option<String>,
}

/// `title:x` → `ti:x`, `author:x` → `au:x`… at the start of a word; other text unchanged.
pub fn rewrite_prefixes(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut rest = q;
    let mut at_word_start = true;
    while let Some(c) = rest.chars().next() {
        if at_word_start {
            if let Some((long, short)) = PREFIXES.iter().find(|(long, _)| {
                rest.len() > long.len()
                    && rest.as_bytes()[long.len()] == b':'
                    && rest[..long.len()].eq_ignore_ascii_case(long)
            }) {
                out.push_str(short);
                out.push(':');
                rest = &rest[long.len() + 1..];
                // `cat:` and `id:` values are matched whole and lower-cased.
                if matches!(*short, "cat" | "id") {
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    out.push_str(&rest[..end].to_lowercase());
                    rest = &rest[end..];
                }
                at_word_start = false;
                continue;
            }
        }
        at_word_start = c.is_whitespace() || matches!(c, '(' | '+' | '-');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Words joined by a hyphen, dot, slash, apostrophe or underscore (`self-supervised`, `GPT-4o`,
/// `3.5`) outside quotes and field prefixes, as separate words. The tokenizer splits them
/// anyway, and the query parser would make each such word a phrase query; one phrase among the
/// `OR` clauses stops tantivy from skipping the documents that cannot reach the top (block-max
/// WAND), so that every document holding any of the words gets scored. A quoted `"…"` phrase
/// stays a phrase.
pub fn split_joined_words(q: &str) -> String {
    let chars: Vec<char> = q.chars().collect();
    let mut out = String::with_capacity(q.len());
    let (mut quoted, mut fielded) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '"' => quoted = !quoted,
            ':' => fielded = true,
            c if c.is_whitespace() => fielded = false,
            _ => {}
        }
        let joins = matches!(c, '-' | '.' | '/' | '\'' | '\u{2019}' | '_')
            && !quoted
            && !fielded
            && i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        out.push(if joins { ' ' } else { c });
    }
    out
}

/// The query's words, with every character the query language gives meaning to removed.
pub fn plain_words(q: &str) -> String {
    q.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of `n` documents over three commits (three segments), some deleted again.
    fn segmented(n: usize) -> KeywordIndex {
        let index = KeywordIndex::in_memory().unwrap();
        let docs: Vec<(String, String, String)> = (0..n)
            .map(|i| {
                let title =
                    if i % 5 == 0 { format!("sparse graph networks {i}") } else { format!("dense networks {i}") };
                (format!("d{i}"), title, format!("we study the networks of paper {} in the lab", i % 11))
            })
            .collect();
        for part in docs.chunks(n.div_ceil(3)) {
            index.upsert_plain(part).unwrap();
        }
        // Replaced documents leave deleted copies behind in the earlier segments.
        index.upsert_plain(&docs[..n / 10]).unwrap();
        index
    }

    #[test]
    fn top_matches_across_segments_are_tantivys_and_totals_stop_at_the_limit() {
        let index = segmented(600);
        assert!(index.segment_count().unwrap() >= 3);
        let searcher = index.reader.searcher();
        let window = Window::default();
        for q in ["sparse graph networks", "dense lab", "networks of the paper 3", "\"graph networks\" sparse"] {
            let parsed = index.parse(q);
            let query = index.filtered(&parsed, &window);
            let expected = searcher.search(&*query, &(TopDocs::with_limit(25), Count)).unwrap();
            let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher)).unwrap();
            let got = top_k(&searcher, &*weight, 25, (&index.executor, 3)).unwrap();
            // One thread or several: the same hits (of equal scores, the earlier documents).
            let alone = top_k(&searcher, &*weight, 25, (&Executor::single_thread(), 1)).unwrap();
            assert_eq!(alone, got, "{q}");
            assert_eq!(got.len(), expected.0.len(), "{q}");
            for ((s1, _), (s2, _)) in got.iter().zip(&expected.0) {
                assert!((s1 - s2).abs() < 1e-5, "{q}: {s1} vs {s2}");
            }
            let (_, total) = index.search(&parsed, &window, 0, 10).unwrap();
            assert_eq!(total, Total { count: expected.1, exact: true }, "{q}");
            assert_eq!(count_up_to(&searcher, &*weight, 100).unwrap(), Total { count: 100, exact: false });
        }
        // Paging walks the same order without repeats.
        let parsed = index.parse("sparse graph networks");
        let all: Vec<String> = index.search_top(&parsed, &window, 0, 40).unwrap().into_iter().map(|h| h.id).collect();
        let paged: Vec<String> = (0..4)
            .flat_map(|p| index.search_top(&parsed, &window, p * 10, 10).unwrap().into_iter().map(|h| h.id))
            .collect();
        assert_eq!(paged, all);
    }

    #[test]
    fn stop_words_are_dropped_from_plain_words_only() {
        let index = KeywordIndex::in_memory().unwrap();
        let shown = |q: &str| format!("{:?}", index.parse(q));
        let q = shown("the state of the art in graphs");
        assert!(q.contains("field=1, type=Str, \"state\"") && q.contains("field=2, type=Str, \"graph\""), "{q}");
        for stop in ["the", "of", "in"] {
            for field in [1, 2] {
                assert!(!q.contains(&format!("field={field}, type=Str, \"{stop}\"")), "{q}");
            }
        }
        // A name in the authors field is kept ("An" is a surname), stemmed fields drop it.
        let q = shown("An Graphs");
        assert!(q.contains("field=3, type=Str, \"an\"") && !q.contains("field=1, type=Str, \"an\""), "{q}");
        // Stop words alone, and phrases, are searched as written.
        assert!(shown("to be or not to be").contains("field=2, type=Str, \"be\""));
        assert!(shown("\"state of the art\"").contains("\"the\""));
    }

    #[test]
    fn joined_words_are_searched_as_words_and_quoted_phrases_stay() {
        for (q, want) in [
            ("self-supervised vision-language", "self supervised vision language"),
            ("GPT-4o on COVID-19 and 3.5 don't", "GPT 4o on COVID 19 and 3 5 don t"),
            ("\"self-supervised learning\" -transformer", "\"self-supervised learning\" -transformer"),
            ("id:hep-th/9901001 ti:self-supervised x-y", "id:hep-th/9901001 ti:self-supervised x y"),
            ("a - b", "a - b"),
        ] {
            assert_eq!(split_joined_words(q), want, "{q}");
        }
        // No phrase query left in an unquoted query: one flat OR of term queries, which runs
        // as a union that skips blocks.
        let index = KeywordIndex::in_memory().unwrap();
        let parsed = index.parse("Self-Supervised Vision-Language Learning");
        let union = parsed.query.downcast_ref::<TermUnion>().expect("a union of terms");
        assert_eq!(union.terms().count(), 5 * 3);
        let quoted = index.parse("\"self-supervised\"");
        let b = quoted.query.downcast_ref::<BooleanQuery>().expect("a boolean query");
        assert!(b.clauses().iter().all(|(_, q)| q.downcast_ref::<tantivy::query::PhraseQuery>().is_some()));
    }

    #[test]
    fn remembered_stems_are_tantivys_stems() {
        use tantivy::tokenizer::Stemmer;
        let text = "Graph neural networks generalize; generalization of generalizing networks, \
            running runners ran. Supercalifragilisticexpialidociousnesslesslynessful words";
        let tokens = |mut a: TextAnalyzer| {
            let mut out = Vec::new();
            // Twice: the second time from the memory.
            for _ in 0..2 {
                let mut stream = a.token_stream(text);
                while stream.advance() {
                    out.push((stream.token().text.clone(), stream.token().position));
                }
            }
            out
        };
        let original = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(Stemmer::default())
            .build();
        let ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(MemoStemmer)
            .build();
        let want = tokens(original);
        assert!(want.iter().any(|(t, _)| t == "general"), "{want:?}");
        assert_eq!(tokens(ours), want);
    }
}
