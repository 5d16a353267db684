//! What a search asks, as text from a URL, checked: the query of `/search`, `/api/v1/search`
//! and (narrower) Hugging Face's `/api/papers/search`, turned into a [`SearchRequest`].

use super::{Mode, SearchRequest, Window};
use serde::Deserialize;
use utoipa::IntoParams;

/// The longest query accepted (as Hugging Face's API).
pub const MAX_QUERY: usize = 250;

/// The query of `/search` and `/api/v1/search`. Values are read as text and checked by
/// [`parse_params`], so that a bad one gets an answer that says what to fix.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to search for (at most 250 characters): `"phrases"`, `-word`, `AND`/`OR`, and
    /// the fields `ti:`, `au:`, `abs:`, `cat:`, `id:`.
    #[param(example = "diffusion language models", max_length = 250)]
    pub q: Option<String>,
    /// `hybrid` (the default), `keyword` or `semantic`.
    #[param(value_type = Option<String>, pattern = "^(hybrid|keyword|semantic)$")]
    pub mode: Option<String>,
    /// Categories, comma-separated: papers in any of them.
    #[param(example = "cs.LG")]
    pub cat: Option<String>,
    /// Announced on or after, `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Announced on or before, `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// From 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub page: Option<String>,
    /// 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// The query of Hugging Face's `/api/papers/search`.
#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HfSearchParams {
    /// The words to search for (at most 250 characters).
    #[param(example = "diffusion language models", max_length = 250)]
    pub q: Option<String>,
    /// 1 to 120 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 120)]
    pub limit: Option<String>,
}

/// A parameter that cannot be used: its machine code and what to fix.
pub type Invalid = (&'static str, String);

fn date(name: &str, v: &Option<String>) -> Result<Option<chrono::NaiveDate>, Invalid> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ("invalid_date", format!("{name}={s:?} is not a date: use YYYY-MM-DD"))),
    }
}

/// Checks the parameters; `max_limit` bounds `limit` (its default is `default_limit`).
pub fn parse_params(p: &SearchParams, default_limit: usize, max_limit: usize) -> Result<SearchRequest, Invalid> {
    let text = p.q.as_deref().unwrap_or("").trim().to_string();
    if text.chars().count() > MAX_QUERY {
        return Err(("query_too_long", format!("q is {} characters; at most {MAX_QUERY}", text.chars().count())));
    }
    let mode = match p.mode.as_deref().filter(|m| !m.is_empty()) {
        None => Mode::default(),
        Some(m) => Mode::parse(m)
            .ok_or_else(|| ("invalid_mode", format!("mode={m:?} is not one of keyword, semantic, hybrid")))?,
    };
    let mut categories = Vec::new();
    for c in p.cat.as_deref().unwrap_or("").split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
        if c.len() > 32 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_')) {
            return Err(("invalid_category", format!("cat={c:?} is not an arXiv category such as cs.LG")));
        }
        categories.push(c.to_string());
    }
    let (from, to) = (date("from", &p.from)?, date("to", &p.to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(("invalid_date", format!("from={f} is after to={t}")));
        }
    }
    let limit = match p.limit.as_deref() {
        None | Some("") => default_limit,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=max_limit).contains(&n) => n,
            _ => return Err(("invalid_limit", format!("limit={l:?} must be a whole number from 1 to {max_limit}"))),
        },
    };
    let page = match p.page.as_deref() {
        None | Some("") => 1,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(("invalid_page", format!("page={s:?} must be a whole number from 1 to 1000"))),
        },
    };
    Ok(SearchRequest { text, mode, window: Window { categories, from, to }, offset: (page - 1) * limit, limit })
}
