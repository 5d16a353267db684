//! `/authors/{name}`: an author's papers here (newest first), their co-authors, names that may be
//! the same person written another way, and a follow button; `POST /authors/{name}` follows or
//! unfollows. Names are matched by their key (`papers::authors`), found through the keyword index.

use super::error::{PageError, PageResult};
use super::listings::{rows, RowContext};
use super::pages::{self, Layout};
use super::session::safe_next;
use super::viewer::Viewer;
use crate::app::AppState;
use crate::papers::{authors, Paper};
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const PAGE_SIZE: usize = 50;
/// Most papers looked at for one name (the newest).
const MAX_PAPERS: usize = 2_000;

#[derive(Deserialize, Default)]
pub struct AuthorQuery {
    page: Option<u32>,
}

/// Another name on this instance's papers, with a link and how many papers carry it.
#[derive(Debug, Serialize)]
struct Name {
    name: String,
    url: String,
    papers: usize,
}

/// Names counted over `papers` (each paper once per name) that `keep` keeps, most frequent first.
fn names(papers: &[Paper], keep: impl Fn(&str) -> bool, limit: usize) -> Vec<Name> {
    let mut count: HashMap<String, (String, usize)> = HashMap::new();
    for p in papers {
        let mut seen = std::collections::HashSet::new();
        for a in &p.authors {
            let k = authors::key(a);
            if !k.is_empty() && keep(&k) && seen.insert(k.clone()) {
                count.entry(k).or_insert_with(|| (a.trim().to_string(), 0)).1 += 1;
            }
        }
    }
    let mut all: Vec<Name> =
        count.into_values().map(|(name, papers)| Name { url: authors::url(&name), name, papers }).collect();
    all.sort_by(|a, b| b.papers.cmp(&a.papers).then(a.name.cmp(&b.name)));
    all.truncate(limit);
    all
}

pub async fn show(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
    Query(q): Query<AuthorQuery>,
) -> PageResult {
    let name = name.trim().to_string();
    let key = authors::key(&name);
    if key.is_empty() || name.chars().count() > crate::community::follows::MAX_NAME {
        return Err(PageError::message(
            StatusCode::BAD_REQUEST,
            "Not an author's name",
            "That is not an author's name.",
        ));
    }
    let found = crate::search::found::by_author(state.search.as_deref(), &state.store, &name, MAX_PAPERS).await;
    let papers = found.map_err(PageError::Internal)?.unwrap_or_default();
    let coauthors = names(&papers, |k| k != key, 20);
    // Names that may be the same person written another way ("J. García" beside "José García"): shown, never merged.
    let spellings = match authors::initial_and_surname(&key) {
        Some((initial, surname)) => {
            let found =
                crate::search::found::by_author_words(state.search.as_deref(), &state.store, surname, MAX_PAPERS);
            let same_surname = found.await.map_err(PageError::Internal)?.unwrap_or_default();
            let alike = |k: &str| {
                k != key && authors::initial_and_surname(k).is_some_and(|(i, s)| i == initial && s == surname)
            };
            names(&same_surname, alike, 10)
        }
        None => Vec::new(),
    };
    let following = match &viewer.user {
        Some(u) => crate::community::follows::followed(&state.store, u.id).await?.iter().any(|(k, _)| *k == key),
        None => false,
    };
    let total = papers.len();
    let last_page = total.div_ceil(PAGE_SIZE).max(1) as u32;
    let page_no = q.page.unwrap_or(1).clamp(1, last_page);
    let offset = (page_no as usize - 1) * PAGE_SIZE;
    let shown: Vec<Paper> = papers.into_iter().skip(offset).take(PAGE_SIZE).collect();
    let ctx = RowContext::load(&state, &viewer, &shown).await?;
    let url = authors::url(&name);
    let html = pages::render_page(
        "author.html",
        &Layout::for_viewer(&viewer, format!("{name} · paperboy")).with_feed(pages::Feed::new(
            url.trim_start_matches('/'),
            &format!("Papers by {name}"),
            &[],
        )),
        context! {
            name => &name,
            url => &url,
            author_feed => format!("/feeds{url}.atom"),
            rows => rows(&shown, &ctx),
            total,
            capped => total >= MAX_PAPERS,
            first => offset + 1,
            last => offset + shown.len(),
            coauthors,
            spellings,
            following,
            token => viewer.user.as_ref().map(|_| viewer.csrf.clone()),
            searchable => state.search.is_some(),
            prev_page => (page_no > 1).then(|| format!("{url}?page={}", page_no - 1)),
            next_page => (offset + PAGE_SIZE < total).then(|| format!("{url}?page={}", page_no + 1)),
        },
    );
    Ok(Html(html).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowForm {
    /// `0` unfollows.
    follow: Option<String>,
    next: Option<String>,
}

/// `POST /authors/{name}`: follow (or, with `follow=0`, unfollow); back to the author page.
pub async fn follow(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
    form: Result<Form<FollowForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let form = form.map(|f| f.0).unwrap_or_default();
    let back = authors::url(&name);
    let Some(user) = viewer.user.clone() else { return Err(PageError::Login { back_to: back }) };
    let follow = form.follow.as_deref() != Some("0");
    crate::community::follows::set(&state.store, &state.settings.community, &user, &name, follow).await?;
    state.recommending().refresh_in_background(state.store.clone(), user.id);
    Ok(Redirect::to(&safe_next(form.next.as_deref().or(Some(&back)))).into_response())
}
