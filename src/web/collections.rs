//! Collections: named lists of papers a member keeps, public or private.

use super::account::{require_login, safe_next};
use super::listings::{internal, rows as rows_of, RowContext};
use super::pages::{self, Layout, Message};
use super::session::{now, Viewer};
use super::RequestId;
use crate::app::AppState;
use crate::papers::ArxivId;
use crate::store::community;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use serde::Deserialize;

const MAX_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 2_000;

fn problem(viewer: &Viewer, status: StatusCode, text: &str) -> Response {
    let message =
        Message { back: Some(("/collections", "Back to your collections")), ..Message::error("Collections", text) };
    (status, Html(pages::render_message(&Layout::for_viewer(viewer, "Collections · paperboy"), &message)))
        .into_response()
}

/// A collection's name and description, checked.
pub(crate) fn fields(name: &str, description: &str) -> Result<(String, String), String> {
    let name = name.trim();
    let description = description.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(format!("A collection's name has 1 to {MAX_NAME} characters."));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(format!("A description has at most {MAX_DESCRIPTION} characters."));
    }
    Ok((name.to_string(), description.to_string()))
}

/// The values of `macros.html`'s `collection_form`.
fn edit_form(_viewer: &Viewer, action: &str, name: &str, description: &str, public: bool, button: &str) -> Value {
    context! { action, name, description, public, button, max_name => MAX_NAME, max_description => MAX_DESCRIPTION }
}

/// `GET /collections`: the viewer's collections and a form for a new one.
pub async fn index(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let user = match require_login(&viewer, "/collections") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mine = match state.store.read(move |db| community::collections_of(db, user.id, true)).await {
        Ok(c) => c,
        Err(e) => return internal(&rid, e),
    };
    Html(render_index(&viewer, &mine)).into_response()
}

/// `/collections`: the viewer's collections, and a form for a new one.
pub fn render_index(viewer: &Viewer, mine: &[community::Collection]) -> String {
    let ctx = context! {
        collections => mine.iter().map(|c| context! {
            id => c.id,
            name => c.name,
            papers => c.papers,
            public => c.public,
        }).collect::<Vec<_>>(),
        form => edit_form(viewer, "/collections", "", "", false, "Create"),
    };
    pages::render_page("collections.html", &Layout::for_viewer(viewer, "Collections · paperboy"), ctx)
}

#[derive(Deserialize)]
pub struct CollectionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    public: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<CollectionForm>,
) -> Response {
    let user = match require_login(&viewer, "/collections") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (name, description) = match fields(&form.name, &form.description) {
        Ok(f) => f,
        Err(e) => return problem(&viewer, StatusCode::UNPROCESSABLE_ENTITY, &e),
    };
    let public = form.public.is_some();
    match state
        .store
        .transaction(move |db| community::create_collection(db, user.id, &name, &description, public, now()))
        .await
    {
        Ok(id) => Redirect::to(&format!("/collections/{id}")).into_response(),
        Err(e) => internal(&rid, e),
    }
}

/// `GET /collections/{id}`: public ones for anyone, private ones for their owner only.
pub async fn show(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Response {
    let found = state
        .store
        .read(move |db| {
            let Some(c) = community::collection(db, id)? else { return Ok(None) };
            let papers = community::collection_papers(db, id)?;
            Ok(Some((c, papers)))
        })
        .await;
    let (c, ids) = match found {
        Ok(Some(x)) => x,
        Ok(None) => return problem(&viewer, StatusCode::NOT_FOUND, "There is no such collection."),
        Err(e) => return internal(&rid, e),
    };
    let own = viewer.user.as_ref().is_some_and(|u| u.id == c.owner_id);
    if !c.public && !own {
        // The same answer as for a collection that does not exist: private means private.
        return problem(&viewer, StatusCode::NOT_FOUND, "There is no such collection.");
    }
    let papers = match state.store.papers_by_ids(ids).await {
        Ok(p) => p,
        Err(e) => return internal(&rid, e),
    };
    let ctx = match RowContext::load(&state, &viewer, &papers).await {
        Ok(c) => c,
        Err(e) => return internal(&rid, e),
    };
    Html(render_collection(&viewer, &c, &papers, &ctx, own)).into_response()
}

/// A collection's page; `own` adds the owner's controls.
pub fn render_collection(
    viewer: &Viewer,
    c: &community::Collection,
    papers: &[crate::papers::Paper],
    rows: &RowContext,
    own: bool,
) -> String {
    let ctx = context! {
        id => c.id,
        name => c.name,
        public => c.public,
        owner => c.owner,
        count => c.papers,
        description => c.description,
        rows => rows_of(papers, rows),
        own,
        paper_ids => papers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        form => edit_form(viewer, &format!("/collections/{}", c.id), &c.name, &c.description, c.public, "Save"),
    };
    let mut layout = Layout::for_viewer(viewer, format!("{} · paperboy", c.name));
    if c.public {
        layout = layout.with_feed(pages::Feed::new(&format!("collections/{}", c.id), &c.name, &[]));
    }
    pages::render_page("collection.html", &layout, ctx)
}

pub async fn update(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<CollectionForm>,
) -> Response {
    let user = match require_login(&viewer, &format!("/collections/{id}")) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let (name, description) = match fields(&form.name, &form.description) {
        Ok(f) => f,
        Err(e) => return problem(&viewer, StatusCode::UNPROCESSABLE_ENTITY, &e),
    };
    let public = form.public.is_some();
    let uid = user.id;
    match state
        .store
        .transaction(move |db| community::update_collection(db, id, uid, &name, &description, public, now()))
        .await
    {
        Ok(true) => Redirect::to(&format!("/collections/{id}")).into_response(),
        Ok(false) => problem(&viewer, StatusCode::NOT_FOUND, "There is no such collection of yours."),
        Err(e) => internal(&rid, e),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Response {
    let user = match require_login(&viewer, "/collections") {
        Ok(u) => u,
        Err(r) => return r,
    };
    match state.store.transaction(move |db| community::delete_collection(db, id, user.id)).await {
        Ok(true) => Redirect::to("/collections").into_response(),
        Ok(false) => problem(&viewer, StatusCode::NOT_FOUND, "There is no such collection of yours."),
        Err(e) => internal(&rid, e),
    }
}

#[derive(Deserialize)]
pub struct PaperForm {
    paper_id: String,
    action: String,
    #[serde(default)]
    next: Option<String>,
}

/// Adds a paper to, or removes it from, one of the viewer's collections.
pub async fn set_paper(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<PaperForm>,
) -> Response {
    let user = match require_login(&viewer, "/collections") {
        Ok(u) => u,
        Err(r) => return r,
    };
    let Ok(paper_id) = ArxivId::parse(&form.paper_id) else {
        return problem(&viewer, StatusCode::BAD_REQUEST, "That is not an arXiv id.");
    };
    let present = match form.action.as_str() {
        "add" => true,
        "remove" => false,
        _ => return problem(&viewer, StatusCode::BAD_REQUEST, "Unknown action."),
    };
    if present {
        match state.store.paper(&paper_id).await {
            Ok(Some(_)) => {}
            Ok(None) => return problem(&viewer, StatusCode::NOT_FOUND, "paperboy does not know this paper."),
            Err(e) => return internal(&rid, e),
        }
    }
    let pid = paper_id.as_str().to_string();
    match state.store.transaction(move |db| community::set_in_collection(db, id, user.id, &pid, present, now())).await {
        Ok(true) => {
            Redirect::to(&safe_next(form.next.as_deref().or(Some(&format!("/collections/{id}"))))).into_response()
        }
        Ok(false) => problem(&viewer, StatusCode::NOT_FOUND, "There is no such collection of yours."),
        Err(e) => internal(&rid, e),
    }
}

/// `GET /collections/{id}/cite.bib|.ris|.json`: every paper's citation, for whoever may see
/// the collection.
pub async fn cite(
    State(state): State<AppState>,
    Extension(rid): Extension<RequestId>,
    Extension(viewer): Extension<Viewer>,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let Some(format) = super::export::CiteFormat::from_file(&file) else {
        return problem(&viewer, StatusCode::NOT_FOUND, "Citations are at cite.bib, cite.ris and cite.json.");
    };
    let found = state
        .store
        .read(move |db| {
            let Some(c) = community::collection(db, id)? else { return Ok(None) };
            let papers = community::collection_papers(db, id)?;
            Ok(Some((c, papers)))
        })
        .await;
    let (c, ids) = match found {
        Ok(Some(x)) => x,
        Ok(None) => return problem(&viewer, StatusCode::NOT_FOUND, "There is no such collection."),
        Err(e) => return internal(&rid, e),
    };
    if !c.public && viewer.user.as_ref().is_none_or(|u| u.id != c.owner_id) {
        return problem(&viewer, StatusCode::NOT_FOUND, "There is no such collection.");
    }
    match state.store.papers_by_ids(ids).await {
        Ok(papers) => super::export::citations(&papers, format, &format!("collection-{id}")),
        Err(e) => internal(&rid, e),
    }
}
