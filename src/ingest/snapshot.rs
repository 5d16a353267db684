//! JSON-lines imports, streamed: the Kaggle "arXiv metadata OAI snapshot" (2.84 M records,
//! 4.5 GiB) and paperboy's announcement corpus (records with `arxiv_id` and `announcements`),
//! plain or gzip. Memory stays flat: a reader thread parses fixed-size batches into a bounded
//! channel while the store writes the previous batch.
//!
//! Every batch is stored in one transaction together with the number of lines consumed, so a
//! killed import resumes after the last stored batch and ends with the same database.

use super::{store_parsed, validate, IngestError, Parsed, Report};
use crate::papers::schedule::announcement_day_for_submission;
use crate::papers::{split_authors, AnnounceType, PaperDraft, Source};
use crate::store::{ResumePoint, Store};
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

pub const BATCH: usize = 2_000;
/// Longest line accepted; a real record is a few kB.
const MAX_LINE: usize = 16 << 20;

#[derive(Deserialize)]
struct KaggleVersion {
    version: String,
    created: String,
}

/// One line of either format. Unknown fields are ignored.
#[derive(Deserialize)]
struct Line {
    // Kaggle snapshot
    id: Option<String>,
    authors: Option<Authors>,
    title: Option<String>,
    #[serde(rename = "abstract")]
    abstract_text: Option<String>,
    categories: Option<String>,
    comments: Option<String>,
    #[serde(rename = "journal-ref")]
    journal_ref: Option<String>,
    doi: Option<String>,
    license: Option<String>,
    #[serde(default)]
    versions: Vec<KaggleVersion>,
    update_date: Option<String>,
    // announcement corpus
    arxiv_id: Option<String>,
    latest_version: Option<u16>,
    announce_type: Option<String>,
    first_announced: Option<String>,
    last_announced: Option<String>,
    #[serde(default)]
    feeds: Vec<String>,
    #[serde(default)]
    announcements: Vec<Announcement>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Authors {
    Text(String),
    List(Vec<String>),
}

#[derive(Deserialize)]
struct Announcement {
    date: String,
    #[serde(rename = "type")]
    kind: String,
}

fn ymd(s: &str) -> Option<NaiveDate> {
    s.get(..10)?.parse().ok()
}

/// Parses one JSON line of either format into a draft.
pub fn line_to_draft(line: &str) -> Result<PaperDraft, String> {
    let l: Line = serde_json::from_str(line).map_err(|e| format!("bad JSON: {e}"))?;
    let authors = match l.authors {
        Some(Authors::Text(t)) => split_authors(&t),
        Some(Authors::List(v)) => v,
        None => Vec::new(),
    };
    if let Some(arxiv_id) = l.arxiv_id {
        // Announcement corpus: the day and type are explicit. Categories are known per feed.
        let first = l.announcements.first();
        let categories = l.feeds.iter().flat_map(|f| f.split('+')).collect::<Vec<_>>().join(" ");
        return Ok(PaperDraft {
            categories_listed: true,
            id: Some(arxiv_id),
            version: l.latest_version,
            title: l.title,
            abstract_text: l.abstract_text,
            authors,
            categories,
            comments: l.comments,
            journal_ref: l.journal_ref,
            doi: l.doi,
            license: l.license,
            submitted_on: None,
            updated_on: l.last_announced.as_deref().and_then(ymd),
            announced_on: l.first_announced.as_deref().and_then(ymd).or_else(|| first.and_then(|a| ymd(&a.date))),
            announced_exact: true,
            announce_type: first.map(|a| a.kind.as_str()).or(l.announce_type.as_deref()).and_then(AnnounceType::parse),
        });
    }
    let versions: Vec<(u16, Option<DateTime<Utc>>)> = l
        .versions
        .iter()
        .filter_map(|v| {
            let n = v.version.trim_start_matches('v').parse().ok()?;
            Some((n, DateTime::parse_from_rfc2822(&v.created).ok().map(|d| d.with_timezone(&Utc))))
        })
        .collect();
    let first = versions.iter().min_by_key(|v| v.0);
    let first_time = first.and_then(|v| v.1);
    // The Kaggle snapshot gives submission times. Snapshots stamped with announcement days
    // instead (midnight GMT, like paperboy's 2025 corpus) are taken as the day itself.
    let stamped = first_time.is_some_and(|t| t.hour() == 0 && t.minute() == 0 && t.second() == 0);
    let announced_on = first_time.map(|t| if stamped { t.date_naive() } else { announcement_day_for_submission(t) });
    Ok(PaperDraft {
        categories_listed: false,
        id: l.id,
        version: versions.iter().map(|v| v.0).max(),
        title: l.title,
        abstract_text: l.abstract_text,
        authors,
        categories: l.categories.unwrap_or_default(),
        comments: l.comments,
        journal_ref: l.journal_ref,
        doi: l.doi,
        license: l.license,
        submitted_on: first_time.map(|t| t.date_naive()),
        updated_on: l.update_date.as_deref().and_then(ymd),
        announced_on,
        announced_exact: stamped,
        announce_type: first.map(|v| if v.0 == 1 { AnnounceType::New } else { AnnounceType::Replace }),
    })
}

/// Counts bytes read from the underlying file, for progress.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

enum Msg {
    Batch { parsed: Parsed, lines: u64 },
    Failed(String),
}

/// Imports a JSON-lines file (gzip is detected by its magic bytes).
pub async fn import_file(store: &Store, path: &Path, source: Source, progress: bool) -> Result<Report, IngestError> {
    let io_err = |source| IngestError::Io { path: path.display().to_string(), source };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    let canonical = std::fs::canonicalize(path).map_err(io_err)?;
    let key = format!("import {} {}", canonical.display(), meta.len());
    let bar = if progress { ProgressBar::new(meta.len()) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
        )
        .expect("valid template"),
    );
    let mut file = File::open(path).map_err(io_err)?;
    let mut magic = [0u8; 2];
    let gz = file.read(&mut magic).map_err(io_err)? == 2 && magic == [0x1f, 0x8b];
    let file = File::open(path).map_err(io_err)?;
    let counted = Counting { inner: file, bar: bar.clone() };
    let reader: Box<dyn BufRead + Send> = if gz {
        Box::new(BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(counted)))
    } else {
        Box::new(BufReader::with_capacity(1 << 20, counted))
    };
    let mut report = import_lines(store, reader, &key, source, &bar).await?;
    if let Some(why) = report.interrupted.as_mut() {
        *why = format!("{}: {why}", path.display());
    }
    Ok(report)
}

/// Imports JSON lines from any reader, resuming after the position stored under `key`.
pub async fn import_lines(
    store: &Store,
    reader: Box<dyn BufRead + Send>,
    key: &str,
    source: Source,
    bar: &ProgressBar,
) -> Result<Report, IngestError> {
    let mut report = Report::default();
    let skip = store.resume_point(key).await?.map(|r| r.position).unwrap_or(0);
    if skip > 0 {
        report.resumed_from = Some(skip);
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(4);
    let reader_thread = std::thread::spawn(move || read_batches(reader, skip, source, tx));
    let mut lines_done = skip;
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Batch { parsed, lines } => {
                lines_done += lines;
                let resume = ResumePoint { key: key.to_string(), position: lines_done, token: None };
                store_parsed(store, parsed, Some(resume), &mut report).await?;
                bar.set_message(format!("{} papers", report.processed()));
            }
            Msg::Failed(why) => {
                report.interrupted = Some(format!("{why} after line {lines_done}"));
            }
        }
    }
    if reader_thread.join().is_err() && report.interrupted.is_none() {
        report.interrupted = Some(format!("the reader stopped unexpectedly after line {lines_done}"));
    }
    bar.finish_and_clear();
    if report.interrupted.is_none() {
        store.clear_resume_point(key).await?;
    }
    Ok(report)
}

/// Runs on its own thread: reads, parses and validates lines, sending batches to the writer.
fn read_batches(mut reader: Box<dyn BufRead + Send>, skip: u64, source: Source, tx: tokio::sync::mpsc::Sender<Msg>) {
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut lines_in_batch = 0u64;
    loop {
        buf.clear();
        // Lines are capped so that a file without newlines cannot exhaust memory.
        match (&mut reader).take(MAX_LINE as u64).read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {
                line_no += 1;
                if line_no <= skip {
                    continue;
                }
                lines_in_batch += 1;
                let position = format!("line {line_no}");
                if buf.len() >= MAX_LINE && buf.last() != Some(&b'\n') {
                    // Skip the rest of the over-long line.
                    let mut rest = Vec::new();
                    loop {
                        rest.clear();
                        match (&mut reader).take(MAX_LINE as u64).read_until(b'\n', &mut rest) {
                            Ok(n) if n > 0 && rest.last() != Some(&b'\n') => continue,
                            _ => break,
                        }
                    }
                    batch.push((position, Err(format!("line longer than {} MiB", MAX_LINE >> 20))));
                    continue;
                }
                match std::str::from_utf8(&buf) {
                    Ok(text) if text.trim().is_empty() => {}
                    Ok(text) => batch.push((position, line_to_draft(text.trim()))),
                    Err(e) => batch.push((position, Err(format!("not UTF-8: {e}")))),
                }
                if batch.len() >= BATCH {
                    let mut drafts = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    mark_feed_lists(&mut drafts);
                    let parsed = validate(drafts, source);
                    if tx.blocking_send(Msg::Batch { parsed, lines: lines_in_batch }).is_err() {
                        return;
                    }
                    lines_in_batch = 0;
                }
            }
            Err(e) => {
                // A truncated gzip or an unreadable line: store what was read, then report.
                // A partial last line is never stored: read_line fails before returning it.
                mark_feed_lists(&mut batch);
                let parsed = validate(std::mem::take(&mut batch), source);
                let _ = tx.blocking_send(Msg::Batch { parsed, lines: lines_in_batch });
                let _ = tx.blocking_send(Msg::Failed(e.to_string()));
                return;
            }
        }
    }
    if !batch.is_empty() || lines_in_batch > 0 {
        mark_feed_lists(&mut batch);
        let _ = tx.blocking_send(Msg::Batch { parsed: validate(batch, source), lines: lines_in_batch });
    }
}

/// Marks the categories of a batch that are a feed's list rather than each paper's own: a
/// list of four or more categories shared by at least one paper in twenty, and by ten at least
/// (no paper's own list
/// is that common; a file made from daily feeds gives every paper its feed's list), and any list
/// that holds such a list (a paper announced in several feeds). Migration 0013 applies the same
/// rule to papers stored before.
fn mark_feed_lists(batch: &mut [(String, Result<PaperDraft, String>)]) {
    use std::collections::{BTreeSet, HashMap};
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for d in batch.iter().filter_map(|(_, d)| d.as_ref().ok()) {
        *counts.entry(d.categories.as_str()).or_default() += 1;
    }
    let set = |list: &str| list.split_whitespace().map(str::to_string).collect::<BTreeSet<_>>();
    let feeds: Vec<BTreeSet<String>> = counts
        .iter()
        .filter(|&(list, &n)| list.split_whitespace().count() >= 4 && n >= 10 && n * 20 >= batch.len())
        .map(|(list, _)| set(list))
        .collect();
    if feeds.is_empty() {
        return;
    }
    for d in batch.iter_mut().filter_map(|(_, d)| d.as_mut().ok()) {
        let own = set(&d.categories);
        if feeds.iter().any(|f| f.is_subset(&own)) {
            d.categories_listed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaggle_lines_become_drafts() {
        let line = r#"{"id":"0704.0001","authors":"C. Bal\\'azs, E. L. Berger and C.-P. Yuan","title":"Calculation of\n  prompt diphoton","comments":"37 pages","journal-ref":"Phys.Rev.D76:013009,2007","doi":"10.1103/PhysRevD.76.013009","categories":"hep-ph","license":null,"abstract":"  A fully differential calculation.\n","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},{"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}],"update_date":"2008-11-13"}"#;
        let p = line_to_draft(line).unwrap().validate(Source::Snapshot).unwrap();
        assert_eq!(p.id.as_str(), "0704.0001");
        assert_eq!(p.version, 2);
        assert_eq!(p.title, "Calculation of prompt diphoton");
        assert_eq!(p.authors, ["C. Bal\\'azs", "E. L. Berger", "C.-P. Yuan"]);
        assert_eq!(p.submitted_on, NaiveDate::from_ymd_opt(2007, 4, 2));
        // Monday 15:18 EDT, after the deadline: Wednesday's listing.
        assert_eq!(p.announced_on, NaiveDate::from_ymd_opt(2007, 4, 4));
        assert_eq!(p.announce_type, Some(AnnounceType::New));
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(line_to_draft("{not json").unwrap_err().starts_with("bad JSON"));
        let no_title = r#"{"id":"2501.00001","abstract":"x"}"#;
        let e = line_to_draft(no_title).unwrap().validate(Source::Snapshot).unwrap_err();
        assert_eq!(e.to_string(), "paper 2501.00001: missing title");
    }

    #[test]
    fn a_feeds_list_is_told_from_a_papers_own() {
        let line = |id: usize, cats: &str| {
            let l = format!(r#"{{"id":"2501.{:05}","title":"t","abstract":"a","categories":"{cats}"}}"#, id + 1);
            (format!("line {id}"), line_to_draft(&l))
        };
        let feed = "cs.CL cs.CV cs.MM cs.LG cs.SI";
        let mut batch: Vec<_> = (0..30).map(|i| line(i, feed)).collect();
        batch.push(line(30, "cs.CL cs.CV cs.MM cs.LG cs.SI cs.SD eess.AS")); // two feeds
        batch.push(line(31, "cs.SD eess.AS")); // a paper's own
        batch.push(line(32, "math.AP cs.LG cs.NA math.NA")); // four codes, but its own
        mark_feed_lists(&mut batch);
        let listed: Vec<bool> = batch.iter().map(|(_, d)| d.as_ref().unwrap().categories_listed).collect();
        assert!(listed[..31].iter().all(|&l| l), "the feed's list and a list holding it");
        assert_eq!(&listed[31..], [false, false]);
        let p = batch.swap_remove(0).1.unwrap().validate(Source::Snapshot).unwrap();
        assert!(p.categories_listed && crate::papers::citation::bibtex(&p).find("primaryClass").is_none());
        // A few papers alike are not a feed.
        let mut few: Vec<_> = (0..5).map(|i| line(i, feed)).collect();
        mark_feed_lists(&mut few);
        assert!(few.iter().all(|(_, d)| !d.as_ref().unwrap().categories_listed));
        // The announcement corpus names its feeds.
        let rss = r#"{"arxiv_id":"2501.00001","title":"t","abstract":"a","feeds":["cs.LG"],"announcements":[]}"#;
        assert!(line_to_draft(rss).unwrap().categories_listed);
    }
}
