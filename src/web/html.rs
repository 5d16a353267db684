//! HTML escaping. Every string from arXiv or a user goes through `escape` — titles and
//! abstracts contain `<`, `&` and TeX.

use std::fmt::Write;

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

/// Wraps a page body in the site's layout.
pub fn page(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    let _ = write!(
        out,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;max-width:56rem;margin:0 auto;padding:1rem;color:#1d1d1f}}
header{{display:flex;justify-content:space-between;align-items:baseline;border-bottom:1px solid #ddd}}
header a{{color:inherit;text-decoration:none}}
.notice{{background:#fff6d6;border:1px solid #e8d48a;padding:.5rem .75rem;border-radius:6px}}
article{{border-bottom:1px solid #eee;padding:.75rem 0}}
article h2{{font-size:1.1rem;margin:0}}
.meta,.cats{{color:#555;font-size:.9rem}}
.cats span{{background:#eef;border-radius:4px;padding:0 .3rem;margin-right:.25rem}}
nav.days{{display:flex;gap:1rem;margin:1rem 0}}
details summary{{cursor:pointer}}
.paper h1{{font-size:1.5rem;line-height:1.3}} .abstract{{text-align:justify}}
pre.bibtex{{background:#f6f6f6;padding:.75rem;overflow-x:auto;font-size:.85rem}}
@media (prefers-color-scheme: dark){{body{{background:#111;color:#e8e8e8}} a{{color:#8ab4f8}}
 .meta,.cats{{color:#aaa}} .cats span{{background:#223}} pre.bibtex{{background:#1c1c1c}}
 .notice{{background:#3a3320;border-color:#6b5d2a}} article{{border-color:#333}}}}
</style>
<link rel="stylesheet" href="/static/katex/katex.min.css">
<script defer src="/static/katex/katex.min.js"></script>
<script defer src="/static/katex/contrib/auto-render.min.js"></script>
<script defer src="/static/render-math.js"></script>
</head><body>
<header><h1><a href="/">paperboy</a></h1><span>research papers, daily</span></header>
{}
</body></html>"#,
        escape(title),
        body
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<think> & "x" 'y'"#), "&lt;think&gt; &amp; &quot;x&quot; &#39;y&#39;");
        assert_eq!(escape("$\\ell_p$"), "$\\ell_p$");
    }
}
