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

/// The navigation for someone not logged in.
const GUEST_NAV: &str = r#"<a href="/search">Search</a> <a href="/papers/trending">Trending</a> <a href="/login">Log in</a> <a href="/signup">Sign up</a>"#;

/// Wraps a page body in the site's layout, for anyone (cacheable: nothing personal in it).
pub fn page(title: &str, body: &str) -> String {
    layout(GUEST_NAV, title, "", body)
}

/// Wraps a page body in the site's layout, with the viewer's navigation.
pub fn page_for(viewer: &super::session::Viewer, title: &str, body: &str) -> String {
    page_with_head(viewer, title, "", body)
}

/// Like [`page_for`], with extra `<head>` elements (feed autodiscovery links).
pub fn page_with_head(viewer: &super::session::Viewer, title: &str, head: &str, body: &str) -> String {
    match &viewer.user {
        None => layout(GUEST_NAV, title, head, body),
        Some(u) => {
            let nav = format!(
                r#"<a href="/search">Search</a> <a href="/papers/trending">Trending</a> <a href="/submit">Submit</a> <a href="/collections">Collections</a> {admin}<a href="/u/{name}">{name}</a> <a href="/settings">Settings</a> <form method="post" action="/logout" class="inline">{csrf}<button class="link">Log out</button></form>"#,
                name = escape(&u.username),
                csrf = viewer.csrf_field(),
                admin = if u.is_admin() { r#"<a href="/admin">Admin</a> "# } else { "" },
            );
            layout(&nav, title, head, body)
        }
    }
}

fn layout(nav: &str, title: &str, head: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 3072);
    let _ = write!(
        out,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<style>
:root{{--fg:#1d1d1f;--muted:#555;--line:#e4e4e4;--chip:#eef;--bg:#fff;--accent:#0b57d0;--card:#f6f6f6}}
@media (prefers-color-scheme: dark){{:root{{--fg:#e8e8e8;--muted:#aaa;--line:#333;--chip:#223;--bg:#111;--accent:#8ab4f8;--card:#1c1c1c}}}}
body{{font:16px/1.5 system-ui,sans-serif;max-width:56rem;margin:0 auto;padding:1rem;color:var(--fg);background:var(--bg)}}
a{{color:var(--accent)}} a:focus,button:focus,input:focus,textarea:focus,select:focus,summary:focus{{outline:2px solid var(--accent);outline-offset:2px}}
header{{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:.5rem;border-bottom:1px solid var(--line)}}
header h1 a{{color:inherit;text-decoration:none}} header nav{{display:flex;flex-wrap:wrap;gap:.75rem;align-items:baseline}}
.notice{{background:#fff6d6;border:1px solid #e8d48a;padding:.5rem .75rem;border-radius:6px;color:#1d1d1f}}
.error{{background:#fde7e7;border:1px solid #e8a0a0;padding:.5rem .75rem;border-radius:6px;color:#1d1d1f}}
article{{border-bottom:1px solid var(--line);padding:.75rem 0;display:flex;gap:.75rem}}
article .body{{flex:1;min-width:0}} article h2{{font-size:1.1rem;margin:0}}
.meta,.cats{{color:var(--muted);font-size:.9rem}} .meta{{margin:.2rem 0}}
.cats span{{background:var(--chip);border-radius:4px;padding:0 .3rem;margin-right:.25rem}}
nav.days{{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0;align-items:center}}
details summary{{cursor:pointer}}
.paper{{display:block}} .paper h1{{font-size:1.5rem;line-height:1.3}} .abstract{{text-align:justify}}
pre.bibtex{{background:var(--card);padding:.75rem;overflow-x:auto;font-size:.85rem}}
form.inline{{display:inline}} button.link{{background:none;border:0;color:var(--accent);cursor:pointer;font:inherit;padding:0}}
form.vote button,a.vote{{display:inline-flex;flex-direction:column;align-items:center;min-width:3rem;padding:.3rem;border:1px solid var(--line);border-radius:8px;background:var(--card);color:var(--fg);font:inherit;cursor:pointer;text-decoration:none}}
form.vote button[aria-pressed=true]{{border-color:var(--accent);color:var(--accent)}}
label{{display:block;margin:.5rem 0 .2rem}} input[type=text],input[type=password],input[type=email],input[type=search],textarea,select{{font:inherit;padding:.35rem;width:100%;max-width:32rem;box-sizing:border-box;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:6px}}
form:not(.inline):not(.vote) button.primary{{display:block}} button.primary{{margin-top:.5rem;font:inherit;padding:.35rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--bg);cursor:pointer}}
.comments ul{{list-style:none;padding-left:1.25rem;border-left:2px solid var(--line)}} .comments>ul{{padding-left:0;border:0}}
.comment{{margin:.5rem 0}} .comment .text p{{margin:.25rem 0}} .hidden-comment{{color:var(--muted);font-style:italic}}
table{{border-collapse:collapse}} td,th{{padding:.25rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}}
footer{{margin-top:2rem;padding-top:1rem;border-top:1px solid var(--line);color:var(--muted)}} footer input{{max-width:16rem}}
.sr-only{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)}}
@media (max-width:40rem){{body{{padding:.5rem}} article{{gap:.5rem}}}}
</style>
<link rel="stylesheet" href="/static/katex/katex.min.css">
<script defer src="/static/katex/katex.min.js"></script>
<script defer src="/static/katex/contrib/auto-render.min.js"></script>
<script defer src="/static/render-math.js"></script>
<script defer src="/static/site.js"></script>
{}
</head><body>
<header><h1><a href="/">paperboy</a></h1><nav aria-label="site">{}</nav></header>
<main>
{}
</main>
<footer><form method="get" action="/subscribe" class="subscribe"><label for="footer-email">Get trending papers in your email inbox</label> <input type="email" id="footer-email" name="email" placeholder="you@example.org" autocomplete="email"> <button type="submit">Subscribe</button></form></footer>
</body></html>"#,
        escape(title),
        head,
        nav,
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
