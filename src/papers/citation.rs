//! Citations: BibTeX in arXiv's style (`@misc` with `eprint`, `archivePrefix`, `primaryClass`;
//! `@article` when the paper has a journal reference or a DOI), RIS, and CSL-JSON.

use super::Paper;

/// Escapes BibTeX's special characters outside math; TeX already in arXiv's text is kept.
fn bib_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_math = false;
    let mut prev = '\0';
    for c in s.chars() {
        if c == '$' && prev != '\\' {
            in_math = !in_math;
        }
        match c {
            '&' | '%' | '#' if !in_math && prev != '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

/// `vaswani2017attention`: first author's family name, year, first title word (ASCII only).
pub fn cite_key(p: &Paper) -> String {
    let ascii = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    let family = p.authors.first().and_then(|a| a.split_whitespace().last()).map(ascii).unwrap_or_default();
    let year = year(p).to_string();
    let word = p
        .title
        .split_whitespace()
        .map(ascii)
        .find(|w| w.len() > 3 && !["with", "from", "that", "this", "towards", "toward"].contains(&w.as_str()))
        .unwrap_or_default();
    let key = format!("{family}{year}{word}");
    if key.is_empty() {
        p.id.as_str().replace('/', ":")
    } else {
        key
    }
}

/// The year a paper appeared: its first version's submission when known, else the year its id says (an announcement
/// day may be a later version's: `2405.05256` announced again in 2025 is still a 2024 paper).
pub fn year(p: &Paper) -> i32 {
    use chrono::Datelike;
    p.submitted_on.map(|d| d.year()).unwrap_or_else(|| p.id.year_month().0)
}

pub fn bibtex(p: &Paper) -> String {
    let kind = if p.journal_ref.is_some() || p.doi.is_some() { "article" } else { "misc" };
    let mut fields: Vec<(&str, String)> = vec![
        ("title", format!("{{{}}}", bib_escape(&p.title))),
        ("author", p.authors.iter().map(|a| bib_escape(a)).collect::<Vec<_>>().join(" and ")),
    ];
    fields.push(("year", year(p).to_string()));
    fields.push(("eprint", p.id.as_str().to_string()));
    fields.push(("archivePrefix", "arXiv".into()));
    // The categories of the feeds a paper was listed in say nothing of its primary class.
    if let Some(c) = p.categories.first().filter(|_| !p.categories_listed) {
        fields.push(("primaryClass", c.code().into()));
    }
    if let Some(j) = &p.journal_ref {
        fields.push(("journal", bib_escape(j)));
    }
    if let Some(d) = doi(p) {
        fields.push(("doi", d.to_string()));
    }
    fields.push(("url", p.id.abs_url()));
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("  {k} = {{{v}}}")).collect();
    format!("@{kind}{{{},\n{}\n}}\n", cite_key(p), body.join(",\n"))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn doi(p: &Paper) -> Option<&str> {
    p.doi.as_deref().and_then(|d| d.split_whitespace().next())
}

/// RIS (one record): `TY` JOUR for published papers, UNPB for preprints.
pub fn ris(p: &Paper) -> String {
    let mut lines: Vec<(&str, String)> =
        vec![("TY", if p.journal_ref.is_some() || p.doi.is_some() { "JOUR" } else { "UNPB" }.into())];
    lines.push(("ID", cite_key(p)));
    lines.push(("TI", one_line(&p.title)));
    for a in &p.authors {
        lines.push(("AU", one_line(a)));
    }
    lines.push(("PY", year(p).to_string()));
    match p.submitted_on {
        Some(d) => lines.push(("DA", d.format("%Y/%m/%d").to_string())),
        None => lines.push(("DA", format!("{}/{:02}", year(p), p.id.year_month().1))),
    }
    lines.push(("AB", one_line(&p.abstract_text)));
    for c in p.categories.iter().filter(|_| !p.categories_listed) {
        lines.push(("KW", c.code().to_string()));
    }
    if let Some(j) = &p.journal_ref {
        lines.push(("JO", one_line(j)));
    }
    if let Some(d) = doi(p) {
        lines.push(("DO", d.to_string()));
    }
    lines.push(("UR", p.id.abs_url()));
    lines.push(("M1", format!("arXiv:{}", p.id.as_str())));
    lines.push(("PB", "arXiv".into()));
    let mut out: String = lines.iter().map(|(k, v)| format!("{k}  - {v}\r\n")).collect();
    out.push_str("ER  - \r\n");
    out
}

/// CSL-JSON (one item), as citation managers and citeproc read it.
pub fn csl_json(p: &Paper) -> serde_json::Value {
    let authors: Vec<serde_json::Value> = p
        .authors
        .iter()
        .map(|a| match one_line(a).rsplit_once(' ') {
            Some((given, family)) => serde_json::json!({"given": given, "family": family}),
            None => serde_json::json!({"literal": one_line(a)}),
        })
        .collect();
    let mut item = serde_json::json!({
        "id": cite_key(p),
        "type": if p.journal_ref.is_some() || p.doi.is_some() { "article-journal" } else { "article" },
        "title": one_line(&p.title),
        "author": authors,
        "abstract": one_line(&p.abstract_text),
        "URL": p.id.abs_url(),
        "number": format!("arXiv:{}", p.id.as_str()),
        "publisher": "arXiv",
    });
    if !p.categories_listed {
        item["keyword"] = p.categories.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ").into();
    }
    if let Some(d) = p.submitted_on {
        use chrono::Datelike;
        item["issued"] = serde_json::json!({"date-parts": [[d.year(), d.month(), d.day()]]});
    } else {
        let (year, month) = p.id.year_month();
        item["issued"] = serde_json::json!({"date-parts": [[year, month]]});
    }
    if let Some(j) = &p.journal_ref {
        item["container-title"] = one_line(j).into();
    } else {
        item["genre"] = "Preprint".into();
    }
    if let Some(d) = doi(p) {
        item["DOI"] = d.into();
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::papers::{PaperDraft, Source};

    fn paper(title: &str, journal: Option<&str>) -> Paper {
        PaperDraft {
            id: Some("2508.03699v2".into()),
            title: Some(title.into()),
            abstract_text: Some("A.".into()),
            authors: vec!["Subin Raj Peter".into(), "A. N. Other".into()],
            categories: "cs.CL cs.LG".into(),
            journal_ref: journal.map(String::from),
            submitted_on: "2025-08-05".parse().ok(),
            ..Default::default()
        }
        .validate(Source::Rss)
        .unwrap()
    }

    #[test]
    fn misc_in_arxiv_style() {
        let b = bibtex(&paper("Text2VR: Automated instruction Generation", None));
        assert_eq!(
            b,
            "@misc{peter2025text2vr,\n  title = {{Text2VR: Automated instruction Generation}},\n  author = {Subin Raj Peter and A. N. Other},\n  year = {2025},\n  eprint = {2508.03699},\n  archivePrefix = {arXiv},\n  primaryClass = {cs.CL},\n  url = {https://arxiv.org/abs/2508.03699}\n}\n"
        );
    }

    #[test]
    fn without_a_first_version_date_the_year_is_the_ids() {
        let p = PaperDraft {
            id: Some("2405.05256v3".into()),
            title: Some("Old paper, announced again".into()),
            abstract_text: Some("A.".into()),
            authors: vec!["Ada Lovelace".into()],
            categories: "cs.CL".into(),
            announced_on: "2025-08-07".parse().ok(),
            ..Default::default()
        }
        .validate(Source::Rss)
        .unwrap();
        let b = bibtex(&p);
        assert!(b.contains("year = {2024}") && b.starts_with("@misc{lovelace2024paper,"), "{b}");
        assert!(ris(&p).contains("PY  - 2024\r\nDA  - 2024/05\r\n"), "{}", ris(&p));
        assert_eq!(csl_json(&p)["issued"]["date-parts"], serde_json::json!([[2024, 5]]));
    }

    #[test]
    fn article_with_escaped_specials_and_math_kept() {
        let b = bibtex(&paper("Q&A on 100% of $\\ell_p$ & $a \\& b$ #1", Some("Phys. Rev. D 76 & more")));
        assert!(b.starts_with("@article{"));
        assert!(b.contains("title = {{Q\\&A on 100\\% of $\\ell_p$ \\& $a \\& b$ \\#1}}"), "{b}");
        assert!(b.contains("journal = {Phys. Rev. D 76 \\& more}"));
        // Braces balance, so a BibTeX parser reads one entry.
        assert_eq!(b.matches('{').count(), b.matches('}').count());
    }
}
