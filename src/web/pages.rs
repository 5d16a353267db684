//! The site's HTML pages, from the templates in `templates/pages/` (compiled in). Every page
//! extends `base.html`, the one layout; `macros.html` holds the pieces pages share (paper rows,
//! the vote button, the CSRF field).
//!
//! Auto-escaping is on for every template, with [`write_escaped`]'s rules (the pages' markup is what
//! it was when they were written by hand). Only HTML made safe elsewhere — Markdown rendered
//! by `web/markdown.rs`, search highlights built from escaped text — is handed over with
//! [`Value::from_safe_string`].
//!
//! Handlers load data; the `render_*` functions (here and beside their handlers) turn plain
//! data into a page, with no store and no clock, so that they can be tested on fixed data.

use super::viewer::Viewer;
use minijinja::value::{Value, ValueKind};
use minijinja::{context, AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior};
use serde::Serialize;
use std::sync::OnceLock;

// Every page template, by name (`TEMPLATES`, made by build.rs from templates/pages/).
include!(concat!(env!("OUT_DIR"), "/page_templates.rs"));

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_formatter(format_value);
        env.add_function("nonce", form_nonce);
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "a page template does not parse");
            }
        }
        env
    })
}

/// A new form nonce (see `store::nonces`): 128 random bits in hex; fixed in unit tests, so that
/// page snapshots stay the same.
fn form_nonce() -> String {
    if cfg!(test) {
        return "0".repeat(32);
    }
    format!("{:032x}", rand::random::<u128>())
}

/// Prints a value: escaped as [`write_escaped`] does (minijinja's own escaping also turns `/` into
/// `&#x2f;`, which would change every URL in the pages), unless it is safe; `none` prints
/// nothing, booleans print `true` and `false`.
fn format_value(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    if state.auto_escape() == AutoEscape::None || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    let written = match (value.as_str(), value.kind()) {
        (Some(s), _) => write_escaped(out, s),
        // `true`/`false` as Rust writes them (`aria-pressed`), not Python's `True`.
        (None, ValueKind::Bool) => out.write_str(if value.is_true() { "true" } else { "false" }),
        (None, ValueKind::Number) => write!(out, "{value}"),
        (None, _) => write_escaped(out, &value.to_string()),
    };
    written.map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write the page"))
}

/// `s`, escaped as [`write_escaped`] does, written straight into the page (no copy of `s`).
fn write_escaped(out: &mut Output, s: &str) -> std::fmt::Result {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&s[from..i])?;
        out.write_str(entity)?;
        from = i + 1;
    }
    out.write_str(&s[from..])
}

/// What a page shows when its template fails (the cause goes to the log).
const FAILED: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title></head><body><p>Something went wrong on our side.</p></body></html>";

/// Renders template `name` with `ctx`; on an error, logs it and returns a plain error page.
pub fn render(name: &str, ctx: Value) -> String {
    match env().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(template = name, error = %e, "a page template failed");
            FAILED.to_string()
        }
    }
}

/// The feeds a page offers in its `<head>` (`<link rel="alternate">`, one per format).
#[derive(Debug, Clone, Serialize)]
pub struct Feed {
    /// After `/feeds/`, before the extension: `date/2025-08-05`, `trending`, `search`.
    pub path: String,
    pub title: String,
    /// The query after the extension, `?…` or empty.
    pub query: String,
}

impl Feed {
    /// The feeds of a listing: `/feeds/{path}.{ext}`, filtered by `categories` when there are some.
    pub fn new(path: &str, title: &str, categories: &[String]) -> Self {
        let q = if categories.is_empty() { String::new() } else { format!("?cat={}", categories.join(",")) };
        Self::with_query(path, title, &q)
    }

    /// The same, for feeds whose address has a query (`?q=…&mode=…` for a search).
    pub fn with_query(path: &str, title: &str, query: &str) -> Self {
        Self { path: path.to_string(), title: title.to_string(), query: query.to_string() }
    }
}

/// The signed-in viewer, as the navigation shows them.
#[derive(Debug, Clone, Serialize)]
struct Nav {
    username: String,
    is_admin: bool,
    csrf: String,
    /// New versions of papers they keep, not seen yet.
    updates: i64,
}

/// The layout's part of a page: its title, whose navigation, the CSRF token its forms send
/// back, and its feeds.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    nav: Option<Nav>,
    csrf: String,
    pub feed: Option<Feed>,
}

impl Layout {
    /// For anyone: a guest's navigation, nothing personal (cacheable).
    pub fn guest(title: impl Into<String>) -> Self {
        Self { title: title.into(), nav: None, csrf: String::new(), feed: None }
    }

    /// With the viewer's navigation (a guest's when nobody is logged in).
    pub fn for_viewer(viewer: &Viewer, title: impl Into<String>) -> Self {
        let nav = viewer.user.as_ref().map(|u| Nav {
            username: u.username.clone(),
            is_admin: u.is_admin(),
            csrf: viewer.csrf.clone(),
            updates: viewer.updates,
        });
        Self { title: title.into(), nav, csrf: viewer.csrf.clone(), feed: None }
    }

    pub fn with_feed(mut self, feed: Feed) -> Self {
        self.feed = Some(feed);
        self
    }
}

/// Renders page template `name`: the layout's values (`title`, `viewer`, `csrf`, `feed`) and
/// the page's own.
pub fn render_page(name: &str, layout: &Layout, page: Value) -> String {
    let ctx = context! {
        title => layout.title,
        viewer => layout.nav,
        csrf => layout.csrf,
        feed => layout.feed,
        ..page
    };
    render(name, ctx)
}

/// A short page: an optional heading and one paragraph of text (`class` and `role` on it when
/// given), and an optional link back.
pub struct Message<'a> {
    pub heading: Option<&'a str>,
    pub text: &'a str,
    pub class: Option<&'static str>,
    pub role: Option<&'static str>,
    pub back: Option<(&'a str, &'a str)>,
}

impl<'a> Message<'a> {
    /// Just `<p>text</p>`.
    pub fn plain(text: &'a str) -> Self {
        Self { heading: None, text, class: None, role: None, back: None }
    }

    /// `<h2>heading</h2><p class="error" role="alert">text</p>`.
    pub fn error(heading: &'a str, text: &'a str) -> Self {
        Self { heading: Some(heading), text, class: Some("error"), role: Some("alert"), back: None }
    }
}

pub fn render_message(layout: &Layout, m: &Message) -> String {
    render_page(
        "message.html",
        layout,
        context! {
            heading => m.heading,
            text => m.text,
            class => m.class,
            role => m.role,
            back => m.back.map(|(href, label)| context! { href, label }),
        },
    )
}

#[cfg(test)]
mod tests;
