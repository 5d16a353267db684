//! Collections: named lists of papers a member keeps, public or private.

use super::error::{PageError, PageResult};
use super::listings::{rows as rows_of, RowContext};
use super::pages::{self, Layout};
use super::session::{safe_next, Member};
use super::viewer::Viewer;
use crate::app::AppState;
use crate::community::collections::{self, Fields, MAX_DESCRIPTION, MAX_NAME};
use crate::papers::ArxivId;
use crate::store::collections::Collection;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use minijinja::{context, Value};
use serde::Deserialize;

/// A refusal on the collections pages, with the way back.
fn problem(status: StatusCode, text: &str) -> PageError {
    PageError::message(status, "Collections", text).with_back("/collections", "Back to your collections")
}

/// A community refusal, the same way.
fn refused(e: crate::community::Error) -> PageError {
    match PageError::community("Collections")(e) {
        e @ PageError::Message { .. } => e.with_back("/collections", "Back to your collections"),
        e => e,
    }
}

/// The values of `macros.html`'s `collection_form`.
fn edit_form(_viewer: &Viewer, action: &str, name: &str, description: &str, public: bool, button: &str) -> Value {
    context! { action, name, description, public, button, max_name => MAX_NAME, max_description => MAX_DESCRIPTION }
}

/// `GET /collections`: the viewer's collections and a form for a new one.
pub async fn index(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Member(user): Member,
) -> PageResult {
    let mine = collections::of(&state.store, user.id, true).await?;
    Ok(Html(render_index(&viewer, &mine)).into_response())
}

/// `/collections`: the viewer's collections, and a form for a new one.
pub fn render_index(viewer: &Viewer, mine: &[Collection]) -> String {
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CollectionForm {
    name: String,
    description: String,
    public: Option<String>,
    /// The form's nonce: "Create" sent twice makes one collection.
    nonce: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Member(user): Member,
    Form(form): Form<CollectionForm>,
) -> PageResult {
    let fields = Fields::parse(&form.name, &form.description, form.public.is_some()).map_err(refused)?;
    let c = collections::create(&state.store, &user, fields, form.nonce.as_deref()).await.map_err(refused)?;
    Ok(Redirect::to(&format!("/collections/{}", c.id)).into_response())
}

/// `GET /collections/{id}`: public ones for anyone, private ones for their owner only.
pub async fn show(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> PageResult {
    let (c, ids) = collections::visible(&state.store, viewer.user.as_ref(), id).await.map_err(refused)?;
    let own = viewer.user.as_ref().is_some_and(|u| u.id == c.owner_id);
    let papers = state.store.papers_by_ids(ids).await?;
    let ctx = RowContext::load(&state, &viewer, &papers).await?;
    Ok(Html(render_collection(&viewer, &c, &papers, &ctx, own)).into_response())
}

/// A collection's page; `own` adds the owner's controls.
pub fn render_collection(
    viewer: &Viewer,
    c: &Collection,
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
        // Markdown, rendered and sanitised as comments are (math left for KaTeX).
        description => (!c.description.trim().is_empty())
            .then(|| minijinja::Value::from_safe_string(super::markdown::render(&c.description))),
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
    Member(user): Member,
    Path(id): Path<i64>,
    Form(form): Form<CollectionForm>,
) -> PageResult {
    let fields = Fields::parse(&form.name, &form.description, form.public.is_some()).map_err(refused)?;
    collections::update(&state.store, &user, id, fields).await.map_err(refused)?;
    Ok(Redirect::to(&format!("/collections/{id}")).into_response())
}

pub async fn delete(State(state): State<AppState>, Member(user): Member, Path(id): Path<i64>) -> PageResult {
    collections::delete(&state.store, &user, id).await.map_err(refused)?;
    Ok(Redirect::to("/collections").into_response())
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
    Member(user): Member,
    Path(id): Path<i64>,
    Form(form): Form<PaperForm>,
) -> PageResult {
    let Ok(paper_id) = ArxivId::parse(&form.paper_id) else {
        return Err(problem(StatusCode::BAD_REQUEST, "That is not an arXiv id."));
    };
    let present = match form.action.as_str() {
        "add" => true,
        "remove" => false,
        _ => return Err(problem(StatusCode::BAD_REQUEST, "Unknown action.")),
    };
    collections::set_paper(&state.store, &user, id, &paper_id, present).await.map_err(refused)?;
    Ok(Redirect::to(&safe_next(form.next.as_deref().or(Some(&format!("/collections/{id}"))))).into_response())
}

/// `GET /collections/{id}/cite.bib|.ris|.json`: every paper's citation, for whoever may see
/// the collection.
pub async fn cite(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, file)): Path<(i64, String)>,
) -> PageResult {
    let Some(format) = super::export::CiteFormat::from_file(&file) else {
        return Err(problem(StatusCode::NOT_FOUND, "Citations are at cite.bib, cite.ris and cite.json."));
    };
    let (_, ids) = collections::visible(&state.store, viewer.user.as_ref(), id).await.map_err(refused)?;
    let papers = state.store.papers_by_ids(ids).await?;
    Ok(super::export::citations(&papers, format, &format!("collection-{id}")))
}
