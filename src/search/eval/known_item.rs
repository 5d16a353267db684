//! Known-item search on arXiv (`paperboy eval known-item FILE`): each query names the one paper a
//! reader half-remembers (a paraphrase, a garbled title, a question it answers); the measure is
//! where that paper ranks. MRR@10 and recall@10 overall and per kind of query, for each mode,
//! with the ranks of the misses.

use super::{rank_of, reciprocal_rank, QueryRun};
use crate::ingest::snapshot::line_to_draft;
use crate::papers::{ArxivId, Paper, Source};
use crate::search::fusion::Fusion;
use crate::search::SearchError;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Read};
use std::path::Path;

/// How deep MRR and recall look.
pub const CUTOFF: usize = 10;
/// The modes, in the order of every `[_; 3]` here.
pub const MODES: [&str; 3] = ["keyword", "semantic", "hybrid"];

/// One query and the paper it is after.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownItem {
    /// The paper's versionless arXiv id.
    pub target: String,
    pub query: String,
    /// The kind of query (`paraphrase`, `hard`, …); `all` when the file has no `kind` column.
    pub kind: String,
}

fn bad(what: impl std::fmt::Display) -> SearchError {
    SearchError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string()))
}

/// Reads a tab-separated file with the header `arxiv_id<TAB>query[<TAB>kind]` (columns in any
/// order). A row without an id or a query, or with an id that is not one, is an error that names
/// its line.
pub fn load(path: &Path) -> Result<Vec<KnownItem>, SearchError> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| bad(format!("{} is empty", path.display())))?;
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    let column = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(id_col), Some(query_col)) = (column("arxiv_id"), column("query")) else {
        return Err(bad(format!(
            "{}: the first line must name the columns, tab-separated: arxiv_id, query and (optionally) kind",
            path.display()
        )));
    };
    let kind_col = column("kind");
    let mut items = Vec::new();
    for (n, line) in lines {
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        let cell = |i: usize| cells.get(i).copied().filter(|c| !c.is_empty());
        let at = || format!("{} line {}", path.display(), n + 1);
        let (Some(id), Some(query)) = (cell(id_col), cell(query_col)) else {
            return Err(bad(format!("{}: a row needs an arxiv_id and a query", at())));
        };
        let target = ArxivId::from_input(id).map_err(|e| bad(format!("{}: {e}", at())))?;
        items.push(KnownItem {
            target: target.as_str().to_string(),
            query: query.to_string(),
            kind: kind_col.and_then(cell).unwrap_or("all").to_string(),
        });
    }
    if items.is_empty() {
        return Err(bad(format!("{} holds no queries", path.display())));
    }
    Ok(items)
}

/// Papers from a corpus file (JSON lines, plain or gzip, as `paperboy import` reads them), and how
/// many lines could not be read as a paper.
pub fn read_corpus(path: &Path) -> Result<(Vec<Paper>, usize), SearchError> {
    let mut file = std::fs::File::open(path)?;
    let mut magic = [0u8; 2];
    let gz = file.read(&mut magic)? == 2 && magic == [0x1f, 0x8b];
    let file = std::fs::File::open(path)?;
    let reader: Box<dyn BufRead> = if gz {
        Box::new(std::io::BufReader::new(flate2::read::GzDecoder::new(file)))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    let (mut papers, mut unreadable) = (Vec::new(), 0);
    for line in reader.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match line_to_draft(&line).ok().and_then(|d| d.validate(Source::Snapshot).ok()) {
            Some(p) => papers.push(p),
            None => unreadable += 1,
        }
    }
    Ok((papers, unreadable))
}

/// MRR@10 and recall@10 of each mode over one kind of query (or all).
#[derive(Debug, Clone, PartialEq)]
pub struct KindScore {
    pub kind: String,
    pub queries: usize,
    pub mrr: [f64; 3],
    pub recall: [f64; 3],
}

/// A query whose paper the chosen mode (hybrid, or keyword without vectors) did not rank in the
/// first ten, with where each mode ranked it (`None`: not among its candidates).
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub item: KnownItem,
    pub ranks: [Option<usize>; 3],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `all` first, then each kind in the order the file first names it.
    pub kinds: Vec<KindScore>,
    pub misses: Vec<Miss>,
    /// Queries left out because their paper is not among the papers searched.
    pub absent: Vec<KnownItem>,
}

/// Scores `runs` (one per item of `items`, in order). `present` holds the ids searched; items
/// whose paper is not there are reported apart, not scored. With `semantic` false only the
/// keyword column means anything, and misses are keyword misses.
pub fn evaluate(
    items: &[KnownItem],
    runs: &[QueryRun],
    fusion: &Fusion,
    present: &HashSet<String>,
    semantic: bool,
) -> Report {
    let mut order: Vec<String> = vec!["all".into()];
    let mut sums: BTreeMap<String, (usize, [f64; 3], [f64; 3])> = BTreeMap::new();
    let (mut misses, mut absent) = (Vec::new(), Vec::new());
    for (item, run) in items.iter().zip(runs) {
        if !present.contains(&item.target) {
            absent.push(item.clone());
            continue;
        }
        let ranks = super::rankings(run, fusion).map(|r| rank_of(&r, &item.target));
        if !order.contains(&item.kind) {
            order.push(item.kind.clone());
        }
        for key in ["all", item.kind.as_str()] {
            let entry = sums.entry(key.to_string()).or_default();
            entry.0 += 1;
            for (m, rank) in ranks.iter().enumerate() {
                entry.1[m] += reciprocal_rank(*rank, CUTOFF);
                entry.2[m] += f64::from(u8::from(rank.is_some_and(|r| r <= CUTOFF)));
            }
            if item.kind == "all" {
                break;
            }
        }
        let chosen = if semantic { 2 } else { 0 };
        if ranks[chosen].is_none_or(|r| r > CUTOFF) {
            misses.push(Miss { item: item.clone(), ranks });
        }
    }
    let kinds = order
        .into_iter()
        .filter_map(|kind| {
            let (n, rr, hit) = sums.get(&kind).copied()?;
            let n_f = n.max(1) as f64;
            Some(KindScore { kind, queries: n, mrr: rr.map(|x| x / n_f), recall: hit.map(|x| x / n_f) })
        })
        .collect();
    Report { kinds, misses, absent }
}

/// The judgements of each query, as the candidates file writes them.
pub fn judgements(items: &[KnownItem]) -> Vec<(String, String, serde_json::Value)> {
    items.iter().map(|i| (i.query.clone(), i.kind.clone(), serde_json::json!({ i.target.clone(): 1 }))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fusion::Candidates;

    fn item(target: &str, kind: &str) -> KnownItem {
        KnownItem { target: target.into(), query: format!("about {target}"), kind: kind.into() }
    }

    fn run(keyword: &[&str], dense: &[&str]) -> QueryRun {
        let list = |ids: &[&str]| ids.iter().enumerate().map(|(i, id)| (id.to_string(), 10.0 - i as f32)).collect();
        QueryRun {
            candidates: Candidates { keyword: list(keyword), dense: list(dense), ..Default::default() },
            query_vector: None,
        }
    }

    #[test]
    fn a_file_is_read_by_its_header_and_a_bad_row_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.tsv");
        std::fs::write(&path, "kind\tquery\tarxiv_id\nhard\tsome words\tarXiv:2502.02406v2\n\n").unwrap();
        assert_eq!(
            load(&path).unwrap(),
            [KnownItem { target: "2502.02406".into(), query: "some words".into(), kind: "hard".into() }]
        );
        std::fs::write(&path, "arxiv_id\tquery\n2502.02406\tfine\nnot-an-id\twords\n").unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("not-an-id"), "{e}");
        std::fs::write(&path, "id\ttext\n2502.02406\twords\n").unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("arxiv_id, query"));
        std::fs::write(&path, "arxiv_id\tquery\n2502.02406\t\n").unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("line 2"));
    }

    #[test]
    fn scores_per_kind_count_only_the_first_ten_and_misses_carry_every_rank() {
        let items = [item("a", "title"), item("b", "title"), item("c", "hard"), item("gone", "hard")];
        let far: Vec<String> = (0..20).map(|i| format!("x{i}")).collect();
        let mut far_c: Vec<&str> = far.iter().map(String::as_str).collect();
        far_c.insert(11, "c"); // rank 12: past the cut-off
        let runs = [run(&["a"], &["x", "a"]), run(&["x", "b"], &["b"]), run(&far_c, &["c"]), run(&[], &[])];
        let present: HashSet<String> = ["a", "b", "c"].map(String::from).into();
        let report = evaluate(&items, &runs, &Fusion { keyword_weight: 0.0, confidence: 0.1 }, &present, true);
        let all = &report.kinds[0];
        assert_eq!((all.kind.as_str(), all.queries), ("all", 3));
        // keyword: a at 1, b at 2, c at 12 → (1 + 1/2 + 0) / 3.
        assert!((all.mrr[0] - 0.5).abs() < 1e-12, "{all:?}");
        assert!((all.recall[0] - 2.0 / 3.0).abs() < 1e-12);
        // semantic: a at 2, b at 1, c at 1.
        assert!((all.mrr[1] - (0.5 + 1.0 + 1.0) / 3.0).abs() < 1e-12);
        let hard = report.kinds.iter().find(|k| k.kind == "hard").unwrap();
        assert_eq!((hard.queries, hard.mrr[0], hard.mrr[1]), (1, 0.0, 1.0));
        assert_eq!(report.kinds.iter().map(|k| k.kind.as_str()).collect::<Vec<_>>(), ["all", "title", "hard"]);
        assert_eq!(report.absent, [items[3].clone()]);
        // Weight 0 is the dense order: nothing is missed by hybrid.
        assert!(report.misses.is_empty(), "{:?}", report.misses);
        // Keyword alone misses c, and says where each mode put it.
        let report = evaluate(&items, &runs, &Fusion { keyword_weight: 1.0, confidence: 0.1 }, &present, false);
        assert_eq!(report.misses.len(), 1);
        assert_eq!(report.misses[0].ranks[..2], [Some(12), Some(1)]);
    }
}
