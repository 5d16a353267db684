//! The checks of the API's common parameters: pages, categories, periods, ids.

use super::error::{ApiError, Code};
use crate::papers::{ArxivId, Category, Period};

/// `page` (from 1, default 1) and `limit` (1 to 100, default `default_limit`).
pub fn page(page: Option<&str>, limit: Option<&str>, default_limit: u32) -> Result<(u32, u32), ApiError> {
    let page = match page.filter(|s| !s.is_empty()) {
        None => 1,
        Some(s) => s.parse::<u32>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
            ApiError::new(Code::InvalidPage, format!("page={s:?} must be a whole number from 1 to 10000"))
        })?,
    };
    let limit = match limit.filter(|s| !s.is_empty()) {
        None => default_limit,
        Some(s) => s.parse::<u32>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| {
            ApiError::new(Code::InvalidLimit, format!("limit={s:?} must be a whole number from 1 to 100"))
        })?,
    };
    Ok((page, limit))
}

/// Categories, comma- or space-separated.
pub fn categories(cat: Option<&str>) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for c in cat.unwrap_or("").split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
        match Category::parse(c) {
            Ok(c) => out.push(c.code().to_string()),
            Err(_) => {
                return Err(ApiError::new(
                    Code::InvalidCategory,
                    format!("cat={c:?} is not an arXiv category such as cs.LG"),
                ))
            }
        }
    }
    Ok(out)
}

/// At most one of `date`, `week` and `month`, each in its own format; none: `None`.
pub fn period(date: Option<&str>, week: Option<&str>, month: Option<&str>) -> Result<Option<Period>, ApiError> {
    let given: Vec<(&str, &str)> = [("date", date), ("week", week), ("month", month)]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
    match given.as_slice() {
        [] => Ok(None),
        [(kind, value)] => Period::parse(value)
            .filter(|p| {
                matches!(
                    (kind, p),
                    (&"date", Period::Day(_)) | (&"week", Period::Week { .. }) | (&"month", Period::Month { .. })
                )
            })
            .map(Some)
            .ok_or_else(|| {
                let want = match *kind {
                    "date" => "YYYY-MM-DD",
                    "week" => "YYYY-Www, e.g. 2025-W32",
                    _ => "YYYY-MM",
                };
                ApiError::new(Code::InvalidPeriod, format!("{kind}={value:?} is not valid: use {want}"))
            }),
        _ => Err(ApiError::new(Code::InvalidPeriod, "give at most one of date, week and month")),
    }
}

/// An arXiv id.
pub fn arxiv_id(id: &str) -> Result<ArxivId, ApiError> {
    ArxivId::parse(id).map_err(|e| ApiError::new(Code::InvalidId, format!("{id:?} is not an arXiv id: {e}")))
}

/// A collection's number.
pub fn collection_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::new(Code::InvalidId, format!("{s:?} is not a collection number")))
}

/// A comment's number, as a path gives it.
pub fn comment_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::new(Code::InvalidId, format!("{s:?} is not a comment number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(e: ApiError) -> &'static str {
        match e {
            ApiError::Refused { code, .. } => code.as_str(),
            _ => "other",
        }
    }

    #[test]
    fn pages_limits_and_categories_are_checked() {
        assert_eq!(page(None, None, 50).ok(), Some((1, 50)));
        assert_eq!(page(Some("3"), Some("10"), 50).ok(), Some((3, 10)));
        for (p, l, want) in [
            (Some("0"), None, "invalid_page"),
            (Some("x"), None, "invalid_page"),
            (None, Some("0"), "invalid_limit"),
            (None, Some("101"), "invalid_limit"),
        ] {
            assert_eq!(code(page(p, l, 50).unwrap_err()), want);
        }
        assert_eq!(categories(Some("cs.LG, cs.CL")).ok(), Some(vec!["cs.LG".to_string(), "cs.CL".to_string()]));
        assert_eq!(code(categories(Some("cs.NOPE")).unwrap_err()), "invalid_category");
    }

    #[test]
    fn at_most_one_period_each_in_its_format() {
        assert_eq!(period(Some("2025-08-07"), None, None).unwrap().map(|p| p.to_string()), Some("2025-08-07".into()));
        assert_eq!(period(None, Some("2025-W32"), None).unwrap().map(|p| p.to_string()), Some("2025-W32".into()));
        for (d, w, m) in [
            (Some("2025-13-01"), None, None),
            (Some("2025-W32"), None, None),
            (Some("2025-08-07"), Some("2025-W32"), None),
            (None, None, Some("2025-08-07")),
        ] {
            assert_eq!(code(period(d, w, m).unwrap_err()), "invalid_period");
        }
        assert_eq!(code(collection_id("0").unwrap_err()), "invalid_id");
    }
}
