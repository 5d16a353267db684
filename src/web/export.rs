//! Citation export: BibTeX, RIS and CSL-JSON for one paper (`/papers/{id}/cite.bib|.ris|.json`)
//! or a whole collection (`/collections/{id}/cite.bib|.ris|.json`).

use crate::papers::citation::{bibtex, csl_json, ris};
use crate::papers::Paper;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiteFormat {
    Bibtex,
    Ris,
    CslJson,
}

impl CiteFormat {
    /// The format a `cite.EXT` file name asks for.
    pub fn from_file(name: &str) -> Option<Self> {
        match name {
            "cite.bib" => Some(CiteFormat::Bibtex),
            "cite.ris" => Some(CiteFormat::Ris),
            "cite.json" => Some(CiteFormat::CslJson),
            _ => None,
        }
    }
}

/// The citations of `papers` as a download named `stem.EXT`.
pub fn citations(papers: &[Paper], format: CiteFormat, stem: &str) -> Response {
    let (body, content_type, ext) = match format {
        CiteFormat::Bibtex => {
            (papers.iter().map(bibtex).collect::<Vec<_>>().join("\n"), "application/x-bibtex; charset=utf-8", "bib")
        }
        CiteFormat::Ris => {
            (papers.iter().map(ris).collect::<String>(), "application/x-research-info-systems; charset=utf-8", "ris")
        }
        CiteFormat::CslJson => (
            serde_json::to_string_pretty(&papers.iter().map(csl_json).collect::<Vec<_>>()).unwrap_or_default(),
            "application/vnd.citationstyles.csl+json; charset=utf-8",
            "json",
        ),
    };
    let stem: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{stem}.{ext}\"")),
        ],
        body,
    )
        .into_response()
}
