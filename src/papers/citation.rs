//! Citations: BibTeX in arXiv's style (`@misc` with `eprint`, `archivePrefix`, `primaryClass`;
//! `@article` when the paper has a journal reference or a DOI).

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
    let year = p.submitted_on.or(p.announced_on).map(|d| d.format("%Y").to_string()).unwrap_or_default();
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

pub fn bibtex(p: &Paper) -> String {
    let kind = if p.journal_ref.is_some() || p.doi.is_some() { "article" } else { "misc" };
    let mut fields: Vec<(&str, String)> = vec![
        ("title", format!("{{{}}}", bib_escape(&p.title))),
        ("author", p.authors.iter().map(|a| bib_escape(a)).collect::<Vec<_>>().join(" and ")),
    ];
    if let Some(year) = p.submitted_on.or(p.announced_on) {
        fields.push(("year", year.format("%Y").to_string()));
    }
    fields.push(("eprint", p.id.as_str().to_string()));
    fields.push(("archivePrefix", "arXiv".into()));
    if let Some(c) = p.categories.first() {
        fields.push(("primaryClass", c.code().into()));
    }
    if let Some(j) = &p.journal_ref {
        fields.push(("journal", bib_escape(j)));
    }
    if let Some(doi) = &p.doi {
        fields.push(("doi", doi.split_whitespace().next().unwrap_or(doi).to_string()));
    }
    fields.push(("url", p.id.abs_url()));
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("  {k} = {{{v}}}")).collect();
    format!("@{kind}{{{},\n{}\n}}\n", cite_key(p), body.join(",\n"))
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
    fn article_with_escaped_specials_and_math_kept() {
        let b = bibtex(&paper("Q&A on 100% of $\\ell_p$ & $a \\& b$ #1", Some("Phys. Rev. D 76 & more")));
        assert!(b.starts_with("@article{"));
        assert!(b.contains("title = {{Q\\&A on 100\\% of $\\ell_p$ \\& $a \\& b$ \\#1}}"), "{b}");
        assert!(b.contains("journal = {Phys. Rev. D 76 \\& more}"));
        // Braces balance, so a BibTeX parser reads one entry.
        assert_eq!(b.matches('{').count(), b.matches('}').count());
    }
}
