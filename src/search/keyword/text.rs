//! Words as the index sees them: stop words, stems remembered per thread, and the rewriting
//! of query text (field prefixes, joined words, plain words).

use super::*;

/// Lucene's English stop words (tantivy's `StopWordFilter` list for English).
pub(super) const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

pub(super) fn is_stop_word(term: &Term) -> bool {
    term.value().as_str().is_some_and(|w| STOP_WORDS.contains(&w))
}

/// The English (Porter 2) stemmer with a per-thread memory of the stems it made.
#[derive(Clone, Copy, Default)]
pub(super) struct MemoStemmer;

/// Words remembered per thread before the memory is emptied.
pub(super) const MAX_STEMS: usize = 200_000;

thread_local! {
    static STEMS: std::cell::RefCell<(rust_stemmers::Stemmer, HashMap<String, String>)> =
        std::cell::RefCell::new((rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English), HashMap::new()));
}

/// The stem of a lower-case word, as tantivy's `Stemmer` makes it.
pub(super) fn stem(word: &str, out: &mut String) {
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
pub(super) struct MemoStemmerFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for MemoStemmerFilter<T> {
    type TokenStream<'a> = MemoStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoStemmerStream { tail: self.inner.token_stream(text), buffer: String::new() }
    }
}

pub(super) struct MemoStemmerStream<T> {
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
