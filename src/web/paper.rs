//! A paper's page: everything paperboy knows about it, with its math rendered and a citation.

use super::error::{PageError, PageResult};
use super::markdown;
use super::pages::{self, Layout, Message};
use super::viewer::Viewer;
use crate::app::AppState;
use crate::papers::citation::bibtex;
use crate::papers::ArxivId;
use crate::server::cache::{cached, CachedPage};
use crate::server::site::Site;
use crate::store::comments::{self, Comment};
use crate::store::{collections, dismissals, votes};
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse};
use minijinja::{context, Value};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

pub async fn show(
    State(site): State<Site>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let state = &site.app;
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
            let text = e.to_string();
            let html = pages::render_message(&Layout::for_viewer(&viewer, "Not an arXiv id"), &Message::plain(&text));
            return Ok((StatusCode::BAD_REQUEST, Html(html)).into_response());
        }
    };
    if let Some(format) = cite {
        let Some(p) = state.store.paper(&id).await? else { return Err(unknown(&viewer, &id)) };
        return Ok(super::export::citations(std::slice::from_ref(&p), format, &crate::papers::citation::cite_key(&p)));
    }
    if viewer.user.is_some() {
        return Ok(Html(paper_html(state, &viewer, &id).await?).into_response());
    }
    // A guest's page depends on the paper, the community counters and which papers have vectors (similar papers):
    // kept while the store's freshness pair and this node's vector index stand still.
    let vectors = state.search.as_ref().map(|s| s.vector_generation());
    let key = format!("paper|{}|{vectors:?}", id.as_str());
    let build = || async {
        let html = paper_html(state, &viewer, &id).await?;
        Ok::<_, PageError>(CachedPage::new(axum::body::Bytes::from(html)))
    };
    Ok(cached(&site.pages, state, key, None, build).await?.respond(&headers))
}

fn unknown(viewer: &Viewer, id: &ArxivId) -> PageError {
    let ctx = context! { unknown => id.as_str(), abs_url => id.abs_url() };
    let html = pages::render_page("unknown_paper.html", &Layout::for_viewer(viewer, "Unknown paper"), ctx);
    PageError::page((StatusCode::NOT_FOUND, Html(html)).into_response())
}

/// The page of paper `id`, for `viewer`.
async fn paper_html(state: &AppState, viewer: &Viewer, id: &ArxivId) -> PageResult<String> {
    let (paper, hf) = tokio::try_join!(state.store.paper(id), state.store.hf_listing(id))?;
    let Some(p) = paper else { return Err(unknown(viewer, id)) };
    let key = p.id.as_str().to_string();
    let user_id = viewer.user.as_ref().map(|u| u.id);
    let k = key.clone();
    let community = state
        .store
        .read(move |db| {
            let ids = vec![k.clone()];
            let activity = votes::activity(db, &ids)?.remove(&k).unwrap_or_default();
            let comments = comments::comments_on(db, &k)?;
            let (voted, dismissed, collections, holding) = match user_id {
                Some(uid) => (
                    votes::voted_by(db, uid, &ids)?.contains(&k),
                    dismissals::dismissed_among(db, uid, &ids)?.contains(&k),
                    collections::collections_of(db, uid, true)?,
                    collections::collections_holding(db, uid, &k)?,
                ),
                None => (false, false, Vec::new(), Default::default()),
            };
            Ok((activity, comments, voted, dismissed, collections, holding))
        })
        .await?;
    let (activity, comments, voted, dismissed, collections, holding) = community;
    let similar = super::search::similar_section(state, &key).await;
    let page = PaperPage { paper: p, hf, voted, dismissed, activity, collections, holding, similar, comments };
    Ok(render_paper_page(viewer, &page))
}

/// What a paper's page shows, loaded.
pub struct PaperPage {
    pub paper: crate::papers::Paper,
    /// Its entry in Hugging Face's Daily Papers, if any.
    pub hf: Option<crate::store::HfListing>,
    /// Whether the viewer upvoted it.
    pub voted: bool,
    /// Whether the viewer marked it "not interested".
    pub dismissed: bool,
    pub activity: crate::store::votes::PaperActivity,
    /// The viewer's collections (none for guests), and those that hold the paper.
    pub collections: Vec<crate::store::collections::Collection>,
    pub holding: HashSet<i64>,
    pub similar: super::search::Similar,
    pub comments: Vec<Comment>,
}

/// One comment with its replies, as `paper.html` shows it.
#[derive(Serialize)]
struct Thread {
    id: i64,
    username: String,
    when: String,
    hidden: bool,
    /// Its author deleted it.
    deleted: bool,
    /// Its author edited it.
    edited: bool,
    /// The viewer wrote it (and may edit or delete it).
    own: bool,
    /// The comment's Markdown, rendered and sanitised.
    html: Value,
    can_reply: bool,
    replies: Vec<Thread>,
}

/// The comment thread: replies nest under what they answer; a reply to a comment that is not
/// there is shown at the top level.
fn threads(comments: &[Comment], viewer: Option<i64>) -> Vec<Thread> {
    let mut children: HashMap<Option<i64>, Vec<&Comment>> = HashMap::new();
    for c in comments {
        let parent = c.parent_id.filter(|p| comments.iter().any(|x| x.id == *p));
        children.entry(parent).or_default().push(c);
    }
    fn level(
        children: &HashMap<Option<i64>, Vec<&Comment>>,
        parent: Option<i64>,
        depth: usize,
        viewer: Option<i64>,
    ) -> Vec<Thread> {
        let member = viewer.is_some();
        let Some(list) = children.get(&parent) else { return Vec::new() };
        list.iter()
            .map(|c| Thread {
                id: c.id,
                // A deleted comment does not say whose it was.
                username: if c.deleted { String::new() } else { c.username.clone() },
                when: chrono::DateTime::from_timestamp(c.created_at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default(),
                hidden: c.hidden,
                deleted: c.deleted,
                edited: c.edited_at.is_some(),
                own: viewer == Some(c.user_id) && !c.deleted,
                html: if c.hidden || c.deleted {
                    Value::from(())
                } else {
                    Value::from_safe_string(markdown::render(&c.body))
                },
                can_reply: member && depth < 12 && !c.deleted,
                replies: level(children, Some(c.id), depth + 1, viewer),
            })
            .collect()
    }
    level(&children, None, 0, viewer)
}

pub fn render_paper_page(viewer: &Viewer, page: &PaperPage) -> String {
    let p = &page.paper;
    let key = p.id.as_str();
    let v = p.id.with_version(p.version);
    let member = viewer.user.is_some();
    let a = &page.activity;
    let submitted = match (&a.submitted_by, &a.submitted_on) {
        (Some(by), Some(day)) => Some(context! { by, day }),
        _ => None,
    };
    let announced = p.announced_on.map(|day| {
        context! { day => day.to_string(), kind => p.announce_type.map(|t| t.as_str()).unwrap_or("listed") }
    });
    let mut links = Vec::new();
    if let Some(h) = &page.hf {
        for (label, url) in [("Code", &h.github_repo), ("Project page", &h.project_page)] {
            if let Some(url) = url.as_deref().filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
                links.push(context! { label, url });
            }
        }
    }
    let details: Vec<Value> =
        [("Comments", &p.comments), ("Journal reference", &p.journal_ref), ("Licence", &p.license)]
            .into_iter()
            .filter_map(|(label, value)| value.as_ref().map(|value| context! { label, value }))
            .collect();
    let similar = match &page.similar {
        super::search::Similar::Found(found) => context! {
            state => "found",
            papers => found.iter().map(|(s, score)| context! {
                key => s.id.as_str(),
                title => s.title,
                authors => super::listings::short_authors(&s.authors),
                score => format!("{score:.2}"),
            }).collect::<Vec<_>>(),
        },
        super::search::Similar::NotEmbedded => context! { state => "not-embedded" },
        super::search::Similar::Failed => context! { state => "failed" },
    };
    let ctx = context! {
        id => v.to_string(),
        key,
        paper_title => p.title,
        upvotes => page.activity.upvotes,
        voted => page.voted,
        dismissed => page.dismissed,
        token => member.then(|| viewer.csrf.clone()),
        authors => p.authors.iter().map(|a| context! { name => a, url => crate::papers::authors::url(a) }).collect::<Vec<_>>(),
        submitted,
        announced,
        submitted_on => p.submitted_on.map(|d| d.to_string()),
        updated_on => p.updated_on.filter(|_| p.version > 1).map(|d| d.to_string()),
        abs_url => v.abs_url(),
        pdf_url => v.pdf_url(),
        doi => p.doi.as_deref().and_then(|d| d.split_whitespace().next()),
        links,
        hf => page.hf.as_ref().map(|h| context! {
            upvotes => h.upvotes,
            comments => h.num_comments,
            listed_on => h.listed_on.to_string(),
        }),
        abstract_text => p.abstract_text,
        announced_on => p.announced_on.map(|d| d.to_string()).unwrap_or_default(),
        categories => p.categories.iter().map(|c| context! { code => c.code(), name => c.name() }).collect::<Vec<_>>(),
        categories_listed => p.categories_listed,
        details,
        bibtex => bibtex(p),
        collections => member.then(|| page.collections.iter().map(|c| context! {
            id => c.id,
            name => c.name,
            has => page.holding.contains(&c.id),
        }).collect::<Vec<_>>()),
        similar,
        visible => page.comments.iter().filter(|c| !c.hidden && !c.deleted).count(),
        comments => threads(&page.comments, viewer.user.as_ref().map(|u| u.id)),
        member,
        max_comment => crate::community::comments::MAX_CHARS,
    };
    pages::render_page("paper.html", &Layout::for_viewer(viewer, format!("{} · paperboy", p.title)), ctx)
}
