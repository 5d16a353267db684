//! HTML escaping. Every string from arXiv or a user goes through `escape` — titles and
//! abstracts contain `<`, `&` and TeX; the page templates (`web::pages`) escape with it.

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Wraps a body assembled by hand (everything in it escaped) in the site's layout, for anyone
/// (cacheable: nothing personal in it). Pages are templates now (`web::pages`); this stays for
/// code written before them.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<think> & "x" 'y'"#), "&lt;think&gt; &amp; &quot;x&quot; &#39;y&#39;");
        assert_eq!(escape("$\\ell_p$"), "$\\ell_p$");
    }
}
