//! The domain: papers as arXiv announces them.

mod announcement;
mod arxiv_id;
pub mod authors;
mod category;
pub mod citation;

pub use announcement::{AnnounceType, Period};
pub use arxiv_id::{ArxivId, ArxivIdError};
pub use category::{Category, CategoryError};

use chrono::NaiveDate;

pub mod schedule {
    pub use super::announcement::{
        announcement_day_for_submission, eastern_to_utc, latest_announced_day, next_listing_day,
    };
}

/// Where a paper's record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    ArxivApi,
    OaiPmh,
    Snapshot,
    Rss,
    HuggingFace,
    Sample,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::ArxivApi => "arxiv-api",
            Source::OaiPmh => "oai-pmh",
            Source::Snapshot => "snapshot",
            Source::Rss => "rss",
            Source::HuggingFace => "huggingface",
            Source::Sample => "sample",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::ArxivApi, Self::OaiPmh, Self::Snapshot, Self::Rss, Self::HuggingFace, Self::Sample]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A paper at its latest known version.
///
/// Constructed only through [`PaperDraft::validate`], so a `Paper` always has an id, a version,
/// a title and an abstract.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Paper {
    pub id: ArxivId,
    pub version: u16,
    pub title: String,
    pub abstract_text: String,
    pub authors: Vec<String>,
    /// Primary category first.
    pub categories: Vec<Category>,
    /// True when `categories` are only those of the feeds the paper was listed in (a source
    /// that knows categories per feed, not per paper): shown as "listed in", never as the
    /// paper's own, and no primary category is claimed from them.
    pub categories_listed: bool,
    pub comments: Option<String>,
    pub journal_ref: Option<String>,
    pub doi: Option<String>,
    pub license: Option<String>,
    /// Date of the first version.
    pub submitted_on: Option<NaiveDate>,
    /// Date of the latest version or metadata update.
    pub updated_on: Option<NaiveDate>,
    /// The announcement day on which the paper first appeared in a listing.
    pub announced_on: Option<NaiveDate>,
    /// True when arXiv's announcement gave the day; false when it was estimated from a
    /// submission time with arXiv's calendar.
    pub announced_exact: bool,
    pub announce_type: Option<AnnounceType>,
    pub source: Source,
}

/// A paper as read from a source, before validation.
#[derive(Debug, Clone, Default)]
pub struct PaperDraft {
    pub id: Option<String>,
    pub version: Option<u16>,
    pub title: Option<String>,
    pub abstract_text: Option<String>,
    pub authors: Vec<String>,
    pub categories: String,
    /// The categories are those of the feeds the paper was listed in (see [`Paper`]).
    pub categories_listed: bool,
    pub comments: Option<String>,
    pub journal_ref: Option<String>,
    pub doi: Option<String>,
    pub license: Option<String>,
    pub submitted_on: Option<NaiveDate>,
    pub updated_on: Option<NaiveDate>,
    pub announced_on: Option<NaiveDate>,
    pub announced_exact: bool,
    pub announce_type: Option<AnnounceType>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPaper {
    #[error("missing arXiv id")]
    MissingId,
    #[error(transparent)]
    BadId(#[from] ArxivIdError),
    #[error("paper {0}: missing title")]
    MissingTitle(String),
    #[error("paper {0}: missing abstract")]
    MissingAbstract(String),
}

/// Collapses runs of whitespace (arXiv wraps titles and abstracts at 80 columns).
pub fn normalize_space(s: &str) -> String {
    // Fast path: most records are already single-spaced, single-line ASCII whitespace.
    let b = s.as_bytes();
    let tidy = !b.first().is_some_and(u8::is_ascii_whitespace)
        && !b.last().is_some_and(u8::is_ascii_whitespace)
        && !b.windows(2).any(|w| w[0] == b' ' && w[1] == b' ')
        && !b.iter().any(|&c| matches!(c, b'\n' | b'\r' | b'\t' | 0x0b | 0x0c))
        && (s.is_ascii() || !s.chars().any(|c| c.is_whitespace() && c != ' '));
    if tidy {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| normalize_space(&s)).filter(|s| !s.is_empty())
}

impl PaperDraft {
    pub fn validate(self, source: Source) -> Result<Paper, InvalidPaper> {
        let raw_id = self.id.ok_or(InvalidPaper::MissingId)?;
        let id = ArxivId::parse(&raw_id)?;
        let version = self.version.or(id.version()).unwrap_or(1).max(1);
        let title = clean(self.title).ok_or_else(|| InvalidPaper::MissingTitle(id.as_str().to_string()))?;
        let abstract_text =
            clean(self.abstract_text).ok_or_else(|| InvalidPaper::MissingAbstract(id.as_str().to_string()))?;
        let (categories, _unknown) = Category::parse_list(&self.categories);
        let authors = self.authors.iter().map(|a| normalize_space(a)).filter(|a| !a.is_empty()).collect();
        Ok(Paper {
            id: id.without_version(),
            version,
            title,
            abstract_text,
            authors,
            categories_listed: self.categories_listed && !categories.is_empty(),
            categories,
            comments: clean(self.comments),
            journal_ref: clean(self.journal_ref),
            doi: clean(self.doi),
            license: clean(self.license),
            submitted_on: self.submitted_on,
            updated_on: self.updated_on,
            announced_on: self.announced_on,
            announced_exact: self.announced_exact && self.announced_on.is_some(),
            announce_type: self.announce_type,
            source,
        })
    }
}

/// Splits arXiv's free-text author list ("A. Smith, B. Jones and C. Wu") into names.
pub fn split_authors(list: &str) -> Vec<String> {
    let list = normalize_space(list);
    let mut out = Vec::new();
    for part in list.split(',') {
        for name in part.split(" and ") {
            let name = name.trim().trim_start_matches("and ").trim();
            if !name.is_empty() {
                out.push(name.to_string());
            }
        }
    }
    out
}

impl Paper {
    /// Whether the paper is in any of `categories` (none: every paper is).
    pub fn in_any(&self, categories: &[String]) -> bool {
        categories.is_empty() || self.categories.iter().any(|c| categories.iter().any(|x| x == c.code()))
    }

    /// Merges a record for the same paper into this one, arXiv's way: a newer version replaces
    /// the metadata of an older one, never the reverse. Fields the winning record lacks are kept
    /// from the other, and the first announcement day is the earliest one known.
    pub fn merged_with(&self, incoming: &Paper) -> Paper {
        // At equal versions the newer record wins, unless it comes from a source that does not
        // know versions and only repeats arXiv (Hugging Face), against one from arXiv itself.
        let incoming_wins = incoming.version > self.version
            || (incoming.version == self.version
                && !(incoming.source == Source::HuggingFace && self.source != Source::HuggingFace));
        let (winner, other) = if incoming_wins { (incoming, self) } else { (self, incoming) };
        let mut m = winner.clone();
        fn keep<T: Clone>(field: &mut Option<T>, other: &Option<T>) {
            if field.is_none() {
                field.clone_from(other);
            }
        }
        keep(&mut m.comments, &other.comments);
        keep(&mut m.journal_ref, &other.journal_ref);
        keep(&mut m.doi, &other.doi);
        keep(&mut m.license, &other.license);
        if m.authors.is_empty() {
            m.authors.clone_from(&other.authors);
        }
        // A paper's own categories win over the lists of the feeds it was announced in.
        let other_better = m.categories.is_empty() || (m.categories_listed && !other.categories_listed);
        if other_better && !other.categories.is_empty() {
            m.categories.clone_from(&other.categories);
            m.categories_listed = other.categories_listed;
        }
        m.submitted_on = min_opt(m.submitted_on, other.submitted_on);
        m.updated_on = m.updated_on.max(other.updated_on);
        // The first announcement wins, an exact day over an estimate; its type goes with it.
        let take_incoming = match (self.announced_on, incoming.announced_on) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => match (self.announced_exact, incoming.announced_exact) {
                (false, true) => true,
                (true, false) => false,
                _ => b < a,
            },
        };
        let (day, other_day) = if take_incoming { (incoming, self) } else { (self, incoming) };
        m.announced_on = day.announced_on;
        m.announced_exact = day.announced_exact;
        m.announce_type = day.announce_type.or(other_day.announce_type);
        // The record keeps the source of the first import unless a newer version arrived.
        if incoming.version <= self.version {
            m.source = self.source;
        }
        m
    }
}

fn min_opt(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft(id: &str, version: u16, title: &str) -> PaperDraft {
        PaperDraft {
            id: Some(id.into()),
            version: Some(version),
            title: Some(title.into()),
            abstract_text: Some("An abstract.".into()),
            categories: "cs.LG cs.AI".into(),
            ..Default::default()
        }
    }

    #[test]
    fn validation_reports_what_is_missing() {
        let mut d = draft("2508.03699", 1, "  A   title\n  wrapped ");
        let p = d.clone().validate(Source::Snapshot).unwrap();
        assert_eq!(p.title, "A title wrapped");
        assert_eq!(p.categories[0].code(), "cs.LG");
        d.title = Some("  ".into());
        assert_eq!(d.clone().validate(Source::Snapshot).unwrap_err().to_string(), "paper 2508.03699: missing title");
        d.id = Some("nope".into());
        assert!(matches!(d.validate(Source::Snapshot).unwrap_err(), InvalidPaper::BadId(_)));
    }

    proptest! {
        #[test]
        fn normalize_space_matches_the_plain_definition(s in "[ a-z\t\n\u{a0}\u{2003}é]{0,40}") {
            prop_assert_eq!(normalize_space(&s), s.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }

    #[test]
    fn authors_split_on_commas_and_and() {
        assert_eq!(
            split_authors("D.V. Shetty, S.J. Yennello, and G.A. Souliotis"),
            ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
        );
        assert_eq!(split_authors("N.C. Summers and F.M. Nunes"), ["N.C. Summers", "F.M. Nunes"]);
    }

    #[test]
    fn newer_version_wins_and_keeps_first_announcement() {
        let mut old = draft("2508.03699", 1, "Old").validate(Source::Rss).unwrap();
        old.announced_on = NaiveDate::from_ymd_opt(2025, 8, 7);
        old.announce_type = Some(AnnounceType::New);
        old.doi = Some("10.1/x".into());
        let mut new = draft("2508.03699", 2, "New").validate(Source::ArxivApi).unwrap();
        new.announced_on = NaiveDate::from_ymd_opt(2025, 8, 20);
        new.announce_type = Some(AnnounceType::Replace);
        let m = old.merged_with(&new);
        assert_eq!((m.title.as_str(), m.version), ("New", 2));
        assert_eq!(m.announced_on, NaiveDate::from_ymd_opt(2025, 8, 7));
        assert_eq!(m.announce_type, Some(AnnounceType::New));
        assert_eq!(m.doi.as_deref(), Some("10.1/x"));
        // And the reverse order gives the same paper.
        let r = new.merged_with(&old);
        assert_eq!((r.title.as_str(), r.version, r.announced_on), ("New", 2, m.announced_on));
    }

    #[test]
    fn an_exact_announcement_day_replaces_an_estimate() {
        let mut estimated = draft("2508.03699", 1, "T").validate(Source::ArxivApi).unwrap();
        estimated.announced_on = NaiveDate::from_ymd_opt(2025, 8, 6);
        estimated.announce_type = Some(AnnounceType::New);
        let mut exact = draft("2508.03699", 1, "T").validate(Source::Rss).unwrap();
        exact.announced_on = NaiveDate::from_ymd_opt(2025, 8, 7);
        exact.announced_exact = true;
        exact.announce_type = Some(AnnounceType::Cross);
        for m in [estimated.merged_with(&exact), exact.merged_with(&estimated)] {
            assert_eq!((m.announced_on, m.announced_exact), (NaiveDate::from_ymd_opt(2025, 8, 7), true));
            assert_eq!(m.announce_type, Some(AnnounceType::Cross));
        }
    }

    #[test]
    fn hugging_face_does_not_overwrite_arxiv_at_the_same_version() {
        let arxiv = draft("2508.03699", 1, "arXiv title").validate(Source::Rss).unwrap();
        let mut hf = draft("2508.03699", 1, "HF title").validate(Source::HuggingFace).unwrap();
        hf.doi = Some("10.1/hf".into());
        let m = arxiv.merged_with(&hf);
        assert_eq!((m.title.as_str(), m.source, m.doi.as_deref()), ("arXiv title", Source::Rss, Some("10.1/hf")));
        let m = hf.merged_with(&arxiv);
        assert_eq!((m.title.as_str(), m.source), ("arXiv title", Source::HuggingFace));
    }

    #[test]
    fn a_papers_own_categories_replace_its_feeds_lists_whichever_comes_first() {
        let mut feeds = draft("2508.03699", 2, "T");
        (feeds.categories, feeds.categories_listed) = ("cs.CL cs.CV cs.MM cs.LG cs.SI".into(), true);
        let listed = feeds.validate(Source::Rss).unwrap();
        let mut own = draft("2508.03699", 1, "T");
        own.categories = "math.AP cs.NA".into();
        let own = own.validate(Source::ArxivApi).unwrap();
        for m in [listed.merged_with(&own), own.merged_with(&listed)] {
            assert_eq!((m.categories[0].code(), m.categories_listed, m.version), ("math.AP", false, 2));
        }
    }

    proptest! {
        #[test]
        fn merging_never_goes_back_a_version(a in 1u16..9, b in 1u16..9) {
            let pa = draft("2401.00001", a, "A").validate(Source::Snapshot).unwrap();
            let pb = draft("2401.00001", b, "B").validate(Source::Snapshot).unwrap();
            let m = pa.merged_with(&pb);
            prop_assert_eq!(m.version, a.max(b));
            // Merging is idempotent: merging the same record again changes nothing.
            prop_assert_eq!(m.merged_with(&pb), m.clone());
        }
    }
}
