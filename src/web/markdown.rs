//! Comments are written in a small Markdown subset and rendered sanitised: paragraphs,
//! emphasis, strong, inline code and code blocks, lists, quotes, and links to http(s) URLs.
//! Raw HTML is shown as text, images become links, headings become bold paragraphs, and
//! links to any other scheme (`javascript:`, `data:`…) keep only their text.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

pub fn render(source: &str) -> String {
    let mut link_open: Vec<bool> = Vec::new();
    let events = Parser::new_ext(source, Options::empty()).filter_map(|event| {
        Some(match event {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            Event::Start(Tag::Heading { .. }) => Event::Start(Tag::Strong),
            Event::End(TagEnd::Heading(_)) => {
                // A heading becomes a bold line of its own.
                Event::End(TagEnd::Strong)
            }
            Event::Start(Tag::Link { dest_url, title, .. }) | Event::Start(Tag::Image { dest_url, title, .. }) => {
                let ok = safe_url(&dest_url);
                link_open.push(ok);
                if !ok {
                    return None;
                }
                Event::Start(Tag::Link { link_type: LinkType::Inline, dest_url, title, id: CowStr::Borrowed("") })
            }
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                if link_open.pop() != Some(true) {
                    return None;
                }
                Event::End(TagEnd::Link)
            }
            Event::Code(c) => Event::Code(c),
            other => other,
        })
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    // Links open as user content: not followed by search engines, no referrer, no opener.
    html.replace("<a href=", r#"<a rel="nofollow ugc noopener noreferrer" href="#)
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn the_subset_renders() {
        let html = render("Nice **result**, *really*. See `eq. 3`.\n\n- a\n- b\n\n> quoted");
        assert!(html.contains("<strong>result</strong>"));
        assert!(html.contains("<em>really</em>"));
        assert!(html.contains("<code>eq. 3</code>"));
        assert!(html.contains("<li>a</li>"));
        assert!(html.contains("<blockquote>"));
    }

    #[test]
    fn raw_html_is_text() {
        let html = render("<script>alert(1)</script> and <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn only_http_links_survive() {
        let html = render("[ok](https://arxiv.org/abs/2501.00001) [bad](javascript:alert(1)) ![i](data:x)");
        assert!(html.contains(r#"href="https://arxiv.org/abs/2501.00001""#), "{html}");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("bad"));
        assert!(html.contains("nofollow"));
    }

    #[test]
    fn attribute_breaking_urls_are_escaped() {
        let html = render(r#"[x](https://a.org/"onmouseover="alert(1))"#);
        assert!(!html.contains(r#""onmouseover"#), "{html}");
    }

    #[test]
    fn headings_are_not_headings() {
        let html = render("# Big");
        assert!(!html.contains("<h1"), "{html}");
        assert!(html.contains("<strong>Big</strong>"));
    }
}
