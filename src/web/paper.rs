//! A paper's page: everything paperboy knows about it, with its math rendered and a citation.

use super::html::{escape, page_for};
use super::listings::vote_button;
use super::markdown;
use super::session::Viewer;
use crate::app::AppState;
use crate::papers::citation::bibtex;
use crate::papers::ArxivId;
use crate::server::request::RequestId;
use crate::store::comments::{self, Comment};
use crate::store::{collections, votes};
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write;

pub async fn show(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Response {
    // `/papers/{id}/cite.bib|.ris|.json`: the citation alone.
    let cite =
        id.rsplit_once('/').and_then(|(id, file)| Some((id.to_string(), super::export::CiteFormat::from_file(file)?)));
    let (id, cite) = match cite {
        Some((id, format)) => (id, Some(format)),
        None => (id, None),
    };
    let id = match ArxivId::parse(&id) {
        Ok(id) => id,
        Err(e) => {
            let body = format!("<p>{}</p>", escape(&e.to_string()));
            return (StatusCode::BAD_REQUEST, Html(page_for(&viewer, "Not an arXiv id", &body))).into_response();
        }
    };
    let (paper, hf) = match tokio::try_join!(state.store.paper(&id), state.store.hf_listing(&id)) {
        Ok(x) => x,
        Err(e) => return super::listings::internal(&rid, e),
    };
    let Some(p) = paper else {
        let body = format!(
            "<p>paperboy does not know arXiv:{} yet. <a href=\"{}\">Open it on arXiv</a>.</p>",
            escape(id.as_str()),
            escape(&id.abs_url())
        );
        return (StatusCode::NOT_FOUND, Html(page_for(&viewer, "Unknown paper", &body))).into_response();
    };
    if let Some(format) = cite {
        return super::export::citations(std::slice::from_ref(&p), format, &crate::papers::citation::cite_key(&p));
    }
    let key = p.id.as_str().to_string();
    let user_id = viewer.user.as_ref().map(|u| u.id);
    let k = key.clone();
    let community = state
        .store
        .read(move |db| {
            let ids = vec![k.clone()];
            let activity = votes::activity(db, &ids)?.remove(&k).unwrap_or_default();
            let comments = comments::comments_on(db, &k)?;
            let (voted, collections, holding) = match user_id {
                Some(uid) => (
                    votes::voted_by(db, uid, &ids)?.contains(&k),
                    collections::collections_of(db, uid, true)?,
                    collections::collections_holding(db, uid, &k)?,
                ),
                None => (false, Vec::new(), Default::default()),
            };
            Ok((activity, comments, voted, collections, holding))
        })
        .await;
    let (activity, comments, voted, collections, holding) = match community {
        Ok(x) => x,
        Err(e) => return super::listings::internal(&rid, e),
    };
    let v = p.id.with_version(p.version);
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<article class="paper" data-id="{}"><h1 class="math">{}</h1>"#,
        escape(&v.to_string()),
        escape(&p.title)
    );
    let csrf = viewer.user.as_ref().map(|_| viewer.csrf_field());
    let _ = write!(b, r#"<div class="actions">{}</div>"#, vote_button(&key, activity.upvotes, voted, csrf.as_deref()));
    let _ = write!(b, r#"<p class="authors">{}</p>"#, escape(&p.authors.join(", ")));
    if let (Some(by), Some(day)) = (&activity.submitted_by, &activity.submitted_on) {
        let _ = write!(
            b,
            r#"<p class="meta">Submitted by <a href="/u/{0}">{0}</a> to the list of <a href="/papers/date/{1}">{1}</a></p>"#,
            escape(by),
            escape(day)
        );
    }
    b.push_str(r#"<p class="meta">"#);
    if let Some(day) = p.announced_on {
        let kind = p.announce_type.map(|t| t.as_str()).unwrap_or("listed");
        let _ = write!(b, r#"Announced <a href="/papers/date/{day}">{day}</a> ({kind}) · "#);
    }
    let _ = write!(b, "arXiv:{}", escape(&v.to_string()));
    if let Some(s) = p.submitted_on {
        let _ = write!(b, " · submitted {s}");
    }
    if let (Some(u), true) = (p.updated_on, p.version > 1) {
        let _ = write!(b, " · updated {u}");
    }
    b.push_str("</p>");
    let _ = write!(
        b,
        r#"<p class="links"><a href="{abs}">arXiv</a> · <a href="{pdf}">PDF</a>"#,
        abs = escape(&v.abs_url()),
        pdf = escape(&v.pdf_url())
    );
    if let Some(doi) = p.doi.as_deref().and_then(|d| d.split_whitespace().next()) {
        let _ = write!(b, r#" · <a href="https://doi.org/{0}">DOI {0}</a>"#, escape(doi));
    }
    if let Some(h) = &hf {
        for (label, url) in [("Code", &h.github_repo), ("Project page", &h.project_page)] {
            if let Some(u) = url.as_deref().filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                let _ = write!(b, r#" · <a href="{}" rel="nofollow">{label}</a>"#, escape(u));
            }
        }
    }
    b.push_str("</p>");
    if let Some(h) = &hf {
        let _ = write!(
            b,
            r#"<p class="meta">▲ {} upvotes and {} comments on Hugging Face Daily Papers ({})</p>"#,
            h.upvotes, h.num_comments, h.listed_on
        );
    }
    let _ =
        write!(b, r#"<section><h2>Abstract</h2><p class="abstract math">{}</p></section>"#, escape(&p.abstract_text));
    let cats: String = p
        .categories
        .iter()
        .map(|c| {
            format!(
                r#"<li><a href="/papers/date/{}?cat={1}">{1}</a> {2}</li>"#,
                p.announced_on.map(|d| d.to_string()).unwrap_or_default(),
                escape(c.code()),
                escape(c.name())
            )
        })
        .collect();
    if !cats.is_empty() {
        let _ = write!(b, r#"<section><h2>Categories</h2><ul class="cats-list">{cats}</ul></section>"#);
    }
    let mut details = String::new();
    for (label, value) in [("Comments", &p.comments), ("Journal reference", &p.journal_ref), ("Licence", &p.license)] {
        if let Some(v) = value {
            let _ = write!(details, "<dt>{label}</dt><dd>{}</dd>", escape(v));
        }
    }
    if !details.is_empty() {
        let _ = write!(b, "<dl>{details}</dl>");
    }
    let _ = write!(
        b,
        r#"<section id="cite"><h2>Cite</h2><details><summary>BibTeX</summary><pre class="bibtex">{}</pre></details><p class="meta">Download: <a href="/papers/{key}/cite.bib">BibTeX</a> · <a href="/papers/{key}/cite.ris">RIS</a> · <a href="/papers/{key}/cite.json">CSL-JSON</a></p></section>"#,
        escape(&bibtex(&p)),
        key = escape(&key),
    );
    if viewer.user.is_some() {
        b.push_str(r#"<section id="collect"><h2>Collections</h2>"#);
        if collections.is_empty() {
            b.push_str(r#"<p class="meta"><a href="/collections">Make a collection</a> to keep papers together.</p>"#);
        }
        for c in &collections {
            let has = holding.contains(&c.id);
            let _ = write!(
                b,
                r#"<form method="post" action="/collections/{cid}/papers" class="inline">{csrf}<input type="hidden" name="paper_id" value="{pid}"><input type="hidden" name="action" value="{action}"><input type="hidden" name="next" value="/papers/{pid}#collect"><button type="submit">{label} “{name}”</button></form> "#,
                cid = c.id,
                csrf = viewer.csrf_field(),
                pid = escape(&key),
                action = if has { "remove" } else { "add" },
                label = if has { "Remove from" } else { "Add to" },
                name = escape(&c.name),
            );
        }
        b.push_str("</section>");
    }
    b.push_str(&super::search::similar_section(&state, &key).await);
    render_comments(&mut b, &viewer, &key, &comments);
    b.push_str("</article>");
    Html(page_for(&viewer, &format!("{} · paperboy", p.title), &b)).into_response()
}

/// The comment thread: replies nest under what they answer; hidden comments keep their place
/// (so replies stay readable) without their text.
fn render_comments(b: &mut String, viewer: &Viewer, paper_id: &str, comments: &[Comment]) {
    let visible = comments.iter().filter(|c| !c.hidden).count();
    let _ = write!(b, r#"<section id="comments" class="comments"><h2>Comments ({visible})</h2>"#);
    let mut children: std::collections::HashMap<Option<i64>, Vec<&Comment>> = Default::default();
    for c in comments {
        // A reply to a comment that is not there is shown at the top level.
        let parent = c.parent_id.filter(|p| comments.iter().any(|x| x.id == *p));
        children.entry(parent).or_default().push(c);
    }
    fn thread(
        b: &mut String,
        viewer: &Viewer,
        paper_id: &str,
        parent: Option<i64>,
        children: &std::collections::HashMap<Option<i64>, Vec<&Comment>>,
        depth: usize,
    ) {
        let Some(list) = children.get(&parent) else { return };
        b.push_str("<ul>");
        for c in list {
            let when = chrono::DateTime::from_timestamp(c.created_at, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            let _ = write!(
                b,
                r##"<li class="comment" id="c{id}"><p class="meta"><a href="/u/{user}">{user}</a> · <a href="#c{id}">{when}</a></p>"##,
                id = c.id,
                user = escape(&c.username),
            );
            if c.hidden {
                b.push_str(r#"<p class="hidden-comment">[hidden by a moderator]</p>"#);
            } else {
                let _ = write!(b, r#"<div class="text math">{}</div>"#, markdown::render(&c.body));
                if viewer.user.is_some() && depth < 12 {
                    let _ = write!(
                        b,
                        r#"<details class="reply"><summary>Reply</summary><form method="post" action="/papers/{pid}/comments">{csrf}<input type="hidden" name="parent_id" value="{id}"><label for="reply-{id}">Your reply</label><textarea id="reply-{id}" name="body" rows="3" required maxlength="{max}"></textarea><button class="primary" type="submit">Reply</button></form></details>"#,
                        pid = escape(paper_id),
                        csrf = viewer.csrf_field(),
                        id = c.id,
                        max = crate::community::comments::MAX_CHARS,
                    );
                }
            }
            thread(b, viewer, paper_id, Some(c.id), children, depth + 1);
            b.push_str("</li>");
        }
        b.push_str("</ul>");
    }
    thread(b, viewer, paper_id, None, &children, 0);
    if comments.is_empty() {
        b.push_str(r#"<p class="meta">No comments yet.</p>"#);
    }
    match &viewer.user {
        Some(_) => {
            let _ = write!(
                b,
                r#"<form method="post" action="/papers/{pid}/comments" id="comment-form">{csrf}<label for="comment-body">Add a comment (Markdown: *emphasis*, **bold**, `code`, [links](https://…), lists, quotes; $TeX$ renders)</label><textarea id="comment-body" name="body" rows="4" required maxlength="{max}"></textarea><button class="primary" type="submit">Comment</button></form>"#,
                pid = escape(paper_id),
                csrf = viewer.csrf_field(),
                max = crate::community::comments::MAX_CHARS,
            );
        }
        None => {
            let _ = write!(b, r#"<p><a href="/login?next=/papers/{}">Log in</a> to comment.</p>"#, escape(paper_id));
        }
    }
    b.push_str("</section>");
}
