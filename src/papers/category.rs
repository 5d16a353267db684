//! arXiv subject categories (`cs.LG`, `hep-th`, `math.GT`) with their names from arXiv's taxonomy.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

const TAXONOMY: &str = include_str!("taxonomy.tsv");

fn taxonomy() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        TAXONOMY.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).filter_map(|l| l.split_once('\t')).collect()
    })
}

/// A category code known to arXiv's taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Category(&'static str);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown arXiv category {0:?}")]
pub struct CategoryError(pub String);

impl Category {
    pub fn parse(code: &str) -> Result<Self, CategoryError> {
        let code = code.trim();
        taxonomy().get_key_value(code).map(|(k, _)| Category(k)).ok_or_else(|| CategoryError(code.to_string()))
    }

    pub fn code(&self) -> &'static str {
        self.0
    }

    pub fn name(&self) -> &'static str {
        taxonomy()[self.0]
    }

    /// The archive a category belongs to (`cs` for `cs.LG`, `hep-th` for `hep-th`).
    pub fn archive(&self) -> &'static str {
        self.0.split('.').next().unwrap_or(self.0)
    }

    pub fn all() -> impl Iterator<Item = Category> {
        let mut codes: Vec<_> = taxonomy().keys().copied().collect();
        codes.sort_unstable();
        codes.into_iter().map(Category)
    }

    /// Parses a whitespace-separated list (arXiv's `categories` field), primary first.
    /// Unknown codes are returned separately so that a caller can report them.
    pub fn parse_list(list: &str) -> (Vec<Category>, Vec<String>) {
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for code in list.split_whitespace() {
            match Category::parse(code) {
                Ok(c) if !known.contains(&c) => known.push(c),
                Ok(_) => {}
                Err(e) => unknown.push(e.0),
            }
        }
        (known, unknown)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_names() {
        let c = Category::parse("cs.LG").unwrap();
        assert_eq!(c.name(), "Machine Learning");
        assert_eq!(c.archive(), "cs");
        assert_eq!(Category::parse("hep-th").unwrap().name(), "High Energy Physics - Theory");
        assert!(Category::all().count() >= 170);
    }

    #[test]
    fn unknown_codes_are_rejected() {
        assert_eq!(Category::parse("cs.XX").unwrap_err().to_string(), "unknown arXiv category \"cs.XX\"");
        assert!(Category::parse("").is_err());
    }

    #[test]
    fn lists_keep_primary_first_and_drop_duplicates() {
        let (known, unknown) = Category::parse_list("cs.CV cs.LG cs.CV bogus.X");
        assert_eq!(known.iter().map(|c| c.code()).collect::<Vec<_>>(), ["cs.CV", "cs.LG"]);
        assert_eq!(unknown, ["bogus.X"]);
    }

    #[test]
    fn every_taxonomy_line_parses() {
        for line in TAXONOMY.lines().filter(|l| !l.starts_with('#')) {
            let (code, name) = line.split_once('\t').expect("tab-separated");
            assert_eq!(Category::parse(code).unwrap().name(), name);
        }
    }
}
