//! arXiv identifiers, parsed once at the edge.
//!
//! Two schemes exist: the new style `YYMM.NNNN` (2007–2014) / `YYMM.NNNNN` (2015–), and the
//! old style `archive[.SUBJ]/YYMMNNN` (1991–2007). Either may carry a version suffix `vN`.
//! The canonical form drops the version and, for old ids, the subject class
//! (`math.GT/0309136` is the same paper as `math/0309136`).

use std::fmt;

/// Archives that issued old-style identifiers.
const OLD_ARCHIVES: &[&str] = &[
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn", "chem-ph", "cmp-lg",
    "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math",
    "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio",
    "quant-ph", "solv-int", "supr-con",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArxivId {
    /// Canonical, versionless form.
    canonical: String,
    version: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid arXiv id {input:?}: {reason}")]
pub struct ArxivIdError {
    pub input: String,
    pub reason: &'static str,
}

impl ArxivId {
    /// Parses an id, optionally wrapped in an `arXiv:` prefix, an `oai:arXiv.org:` prefix or an
    /// arxiv.org abs/pdf URL.
    pub fn parse(input: &str) -> Result<Self, ArxivIdError> {
        let err = |reason| ArxivIdError { input: input.to_string(), reason };
        let s = strip_wrappers(input.trim());
        if s.is_empty() {
            return Err(err("empty"));
        }
        let (body, version) = split_version(s).map_err(err)?;
        let canonical = if let Some((archive, number)) = body.split_once('/') {
            parse_old(archive, number).map_err(err)?
        } else {
            parse_new(body).map_err(err)?
        };
        Ok(Self { canonical, version })
    }

    /// An id from what people paste: `2508.01234`, `arXiv:2508.01234v2`,
    /// `https://arxiv.org/abs/2508.01234`, `https://arxiv.org/pdf/2508.01234v1.pdf`,
    /// `http://export.arxiv.org/abs/hep-th/9901001`, with or without a query or fragment.
    /// The version is dropped: a paper is submitted, collected or voted on as a whole.
    pub fn from_input(input: &str) -> Result<Self, ArxivIdError> {
        let mut s = input.trim();
        for prefix in ["https://", "http://"] {
            s = s.strip_prefix(prefix).unwrap_or(s);
        }
        for prefix in ["www.", "export."] {
            s = s.strip_prefix(prefix).unwrap_or(s);
        }
        for prefix in ["arxiv.org/abs/", "arxiv.org/pdf/", "arxiv.org/html/", "arXiv:", "arxiv:"] {
            s = s.strip_prefix(prefix).unwrap_or(s);
        }
        let s = s.strip_suffix(".pdf").unwrap_or(s).trim_end_matches('/');
        let s = s.split(['?', '#']).next().unwrap_or(s);
        Self::parse(s).map(|id| id.without_version()).map_err(|e| ArxivIdError { input: input.to_string(), ..e })
    }

    /// The canonical, versionless id (`2508.03699`, `hep-th/9901001`).
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    pub fn version(&self) -> Option<u16> {
        self.version
    }

    pub fn with_version(&self, version: u16) -> Self {
        Self { canonical: self.canonical.clone(), version: Some(version) }
    }

    pub fn without_version(&self) -> Self {
        Self { canonical: self.canonical.clone(), version: None }
    }

    /// `2508.03699v2`, or the canonical id when no version is known.
    pub fn versioned(&self) -> String {
        match self.version {
            Some(v) => format!("{}v{v}", self.canonical),
            None => self.canonical.clone(),
        }
    }

    /// The year and month the id was issued in, which the id itself says: `2405.05256` is May 2024,
    /// `hep-th/9901001` January 1999. A paper's first version was submitted then.
    pub fn year_month(&self) -> (i32, u32) {
        let digits = self.canonical.rsplit('/').next().unwrap_or(&self.canonical);
        let (yy, mm): (i32, u32) = (digits[..2].parse().unwrap_or(0), digits[2..4].parse().unwrap_or(1));
        (if yy >= 91 { 1900 + yy } else { 2000 + yy }, mm)
    }

    pub fn abs_url(&self) -> String {
        format!("https://arxiv.org/abs/{}", self.versioned())
    }

    pub fn pdf_url(&self) -> String {
        format!("https://arxiv.org/pdf/{}", self.versioned())
    }
}

impl fmt::Display for ArxivId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.versioned())
    }
}

impl std::str::FromStr for ArxivId {
    type Err = ArxivIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn strip_wrappers(s: &str) -> &str {
    let lower = s.to_ascii_lowercase();
    for prefix in [
        "https://arxiv.org/abs/",
        "http://arxiv.org/abs/",
        "https://arxiv.org/pdf/",
        "http://arxiv.org/pdf/",
        "https://export.arxiv.org/abs/",
        "http://export.arxiv.org/abs/",
        "oai:arxiv.org:",
        "arxiv:",
    ] {
        if lower.starts_with(prefix) {
            let rest = &s[prefix.len()..];
            return rest.strip_suffix(".pdf").unwrap_or(rest);
        }
    }
    s
}

fn split_version(s: &str) -> Result<(&str, Option<u16>), &'static str> {
    match s.rfind('v') {
        Some(i) if i + 1 < s.len() && s[i + 1..].bytes().all(|b| b.is_ascii_digit()) && !s[..i].is_empty() => {
            let digits = &s[i + 1..];
            if digits.starts_with('0') {
                return Err("a version starts at v1");
            }
            let v: u16 = digits.parse().map_err(|_| "version number too large")?;
            Ok((&s[..i], Some(v)))
        }
        Some(i) if i + 1 == s.len() && s.as_bytes().get(i.wrapping_sub(1)).is_some_and(u8::is_ascii_digit) => {
            Err("a version suffix needs a number (v1, v2, …)")
        }
        _ => Ok((s, None)),
    }
}

fn check_yymm(yy: u32, mm: u32, new_style: bool) -> Result<(), &'static str> {
    if !(1..=12).contains(&mm) {
        return Err("month must be 01–12");
    }
    if new_style {
        // New-style ids began in April 2007 (0704).
        if yy < 7 || (yy == 7 && mm < 4) {
            return Err("new-style ids start at 0704 (April 2007)");
        }
    } else if !(91..=99).contains(&yy) && yy > 7 {
        return Err("old-style ids run from 91 (1991) to 07 (2007)");
    }
    Ok(())
}

fn parse_new(body: &str) -> Result<String, &'static str> {
    let Some((yymm, number)) = body.split_once('.') else {
        return Err("expected YYMM.NNNNN or archive/YYMMNNN");
    };
    if yymm.len() != 4 || !yymm.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected four digits YYMM before the dot");
    }
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected only digits after the dot");
    }
    let yy: u32 = yymm[..2].parse().unwrap_or(0);
    let mm: u32 = yymm[2..].parse().unwrap_or(0);
    check_yymm(yy, mm, true)?;
    let expected = if yy >= 15 { 5 } else { 4 };
    if number.len() != expected {
        return Err(if expected == 5 {
            "ids from 2015 on have five digits after the dot"
        } else {
            "ids from 2007 to 2014 have four digits after the dot"
        });
    }
    if number.bytes().all(|b| b == b'0') {
        return Err("sequence number 0 does not exist");
    }
    Ok(format!("{yymm}.{number}"))
}

fn parse_old(archive: &str, number: &str) -> Result<String, &'static str> {
    let archive_only = match archive.split_once('.') {
        Some((a, subj)) => {
            if subj.is_empty() || !subj.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
                return Err("malformed subject class after the archive");
            }
            a
        }
        None => archive,
    };
    if !OLD_ARCHIVES.contains(&archive_only) {
        return Err("unknown archive in old-style id");
    }
    if number.len() != 7 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err("old-style ids have seven digits after the slash (YYMMNNN)");
    }
    let yy: u32 = number[..2].parse().unwrap_or(0);
    let mm: u32 = number[2..4].parse().unwrap_or(0);
    check_yymm(yy, mm, false)?;
    if &number[4..] == "000" {
        return Err("sequence number 000 does not exist");
    }
    Ok(format!("{archive_only}/{number}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_come_from_what_people_paste() {
        for (input, want) in [
            ("2508.01234", "2508.01234"),
            (" arXiv:2508.01234v2 ", "2508.01234"),
            ("https://arxiv.org/abs/2508.01234", "2508.01234"),
            ("https://arxiv.org/pdf/2508.01234v1.pdf", "2508.01234"),
            ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
            ("https://arxiv.org/abs/2508.01234?context=cs", "2508.01234"),
        ] {
            assert_eq!(ArxivId::from_input(input).map(|i| i.versioned()).ok(), Some(want.to_string()), "{input}");
        }
        assert!(ArxivId::from_input("https://example.org/x").is_err());
        assert!(ArxivId::from_input("").is_err());
    }

    #[test]
    fn an_id_says_when_it_was_issued() {
        assert_eq!(ArxivId::parse("2405.05256v2").unwrap().year_month(), (2024, 5));
        assert_eq!(ArxivId::parse("0704.0001").unwrap().year_month(), (2007, 4));
        assert_eq!(ArxivId::parse("hep-th/9901001").unwrap().year_month(), (1999, 1));
        assert_eq!(ArxivId::parse("math.GT/0309136").unwrap().year_month(), (2003, 9));
    }

    #[test]
    fn new_style_ids() {
        let id = ArxivId::parse("2508.03699").unwrap();
        assert_eq!(id.as_str(), "2508.03699");
        assert_eq!(id.version(), None);
        let id = ArxivId::parse("2508.03699v2").unwrap();
        assert_eq!(id.as_str(), "2508.03699");
        assert_eq!(id.version(), Some(2));
        assert_eq!(id.to_string(), "2508.03699v2");
        assert_eq!(id.abs_url(), "https://arxiv.org/abs/2508.03699v2");
        assert_eq!(id.pdf_url(), "https://arxiv.org/pdf/2508.03699v2");
        assert_eq!(ArxivId::parse("0704.0001").unwrap().as_str(), "0704.0001");
    }

    #[test]
    fn old_style_ids() {
        let id = ArxivId::parse("hep-th/9901001").unwrap();
        assert_eq!(id.as_str(), "hep-th/9901001");
        let id = ArxivId::parse("math.GT/0309136v1").unwrap();
        assert_eq!(id.as_str(), "math/0309136");
        assert_eq!(id.version(), Some(1));
        assert_eq!(id.abs_url(), "https://arxiv.org/abs/math/0309136v1");
    }

    #[test]
    fn wrappers_are_stripped() {
        for s in [
            "arXiv:2508.03699",
            "https://arxiv.org/abs/2508.03699",
            "http://arxiv.org/pdf/2508.03699.pdf",
            "oai:arXiv.org:2508.03699",
            "  2508.03699 ",
        ] {
            assert_eq!(ArxivId::parse(s).unwrap().as_str(), "2508.03699", "{s}");
        }
    }

    #[test]
    fn rejections_say_why() {
        let cases = [
            ("", "empty"),
            ("abc", "expected YYMM.NNNNN or archive/YYMMNNN"),
            ("2508.0369", "ids from 2015 on have five digits after the dot"),
            ("1401.12345", "ids from 2007 to 2014 have four digits after the dot"),
            ("2513.03699", "month must be 01–12"),
            ("0612.0001", "new-style ids start at 0704 (April 2007)"),
            ("2508.03699v0", "a version starts at v1"),
            ("2508.03699v", "a version suffix needs a number (v1, v2, …)"),
            ("foo-bar/9901001", "unknown archive in old-style id"),
            ("hep-th/990100", "old-style ids have seven digits after the slash (YYMMNNN)"),
            ("hep-th/1201001", "old-style ids run from 91 (1991) to 07 (2007)"),
            ("2508.00000", "sequence number 0 does not exist"),
            ("25O8.03699", "expected four digits YYMM before the dot"),
        ];
        for (input, reason) in cases {
            let e = ArxivId::parse(input).unwrap_err();
            assert_eq!(e.reason, reason, "{input}");
            assert!(e.to_string().contains(reason));
        }
    }

    proptest! {
        #[test]
        fn new_ids_round_trip(yy in 15u32..=99, mm in 1u32..=12, n in 1u32..=99999, v in proptest::option::of(1u16..50)) {
            let s = match v { Some(v) => format!("{yy:02}{mm:02}.{n:05}v{v}"), None => format!("{yy:02}{mm:02}.{n:05}") };
            let id = ArxivId::parse(&s).unwrap();
            prop_assert_eq!(id.to_string(), s.clone());
            prop_assert_eq!(ArxivId::parse(&id.abs_url()).unwrap(), id);
        }

        #[test]
        fn old_ids_round_trip(archive in proptest::sample::select(OLD_ARCHIVES), yy in 91u32..=99, mm in 1u32..=12, n in 1u32..=999) {
            let s = format!("{archive}/{yy:02}{mm:02}{n:03}");
            let id = ArxivId::parse(&s).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
        }

        #[test]
        fn parse_never_panics_and_canonical_is_stable(s in "\\PC{0,24}") {
            if let Ok(id) = ArxivId::parse(&s) {
                prop_assert_eq!(ArxivId::parse(&id.to_string()).unwrap(), id);
            }
        }
    }
}
