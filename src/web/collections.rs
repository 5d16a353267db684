//! Collections: named lists of papers a member keeps, public or private.

use super::account::{require_login, safe_next};
use super::error::{PageError, PageResult};
use super::html::{escape, page_for};
use super::listings::{render_rows, RowContext};
use super::session::Viewer;
use crate::app::AppState;
use crate::community::collections::{self, Fields, MAX_DESCRIPTION, MAX_NAME};
use crate::papers::ArxivId;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use serde::Deserialize;
use std::fmt::Write;

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

fn edit_form(viewer: &Viewer, action: &str, name: &str, description: &str, public: bool, button: &str) -> String {
    format!(
        r#"<form method="post" action="{action}">{csrf}
<label for="name">Name</label><input type="text" id="name" name="name" value="{name}" required maxlength="{MAX_NAME}">
<label for="description">Description</label><textarea id="description" name="description" rows="2" maxlength="{MAX_DESCRIPTION}">{description}</textarea>
<label><input type="checkbox" name="public" value="1"{checked}> Public: anyone with the link can see it</label>
<button class="primary" type="submit">{button}</button></form>"#,
        csrf = viewer.csrf_field(),
        name = escape(name),
        description = escape(description),
        checked = if public { " checked" } else { "" },
    )
}

/// `GET /collections`: the viewer's collections and a form for a new one.
pub async fn index(State(state): State<AppState>, Extension(viewer): Extension<Viewer>) -> PageResult {
    let user = require_login(&viewer, "/collections")?;
    let mine = collections::of(&state.store, user.id, true).await?;
    let mut b = String::from("<h2>Your collections</h2>");
    if mine.is_empty() {
        b.push_str(r#"<p class="meta">No collections yet. Make one below, then add papers from their pages.</p>"#);
    } else {
        b.push_str("<ul>");
        for c in &mine {
            let _ = write!(
                b,
                r#"<li><a href="/collections/{}">{}</a> <span class="meta">{} papers · {}</span></li>"#,
                c.id,
                escape(&c.name),
                c.papers,
                if c.public { "public" } else { "private" }
            );
        }
        b.push_str("</ul>");
    }
    b.push_str("<h3>New collection</h3>");
    b.push_str(&edit_form(&viewer, "/collections", "", "", false, "Create"));
    Ok(Html(page_for(&viewer, "Collections · paperboy", &b)).into_response())
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
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<CollectionForm>,
) -> PageResult {
    let user = require_login(&viewer, "/collections")?;
    let fields = Fields::parse(&form.name, &form.description, form.public.is_some()).map_err(refused)?;
    let c = collections::create(&state.store, &user, fields).await.map_err(refused)?;
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
    let mut b = format!(
        r#"<h2>{}</h2><p class="meta">A {} collection by <a href="/u/{owner}">{owner}</a> · {} papers</p>"#,
        escape(&c.name),
        if c.public { "public" } else { "private" },
        c.papers,
        owner = escape(&c.owner),
    );
    if !c.description.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&c.description));
    }
    if papers.is_empty() {
        b.push_str(r#"<p class="meta">No papers yet: add them with “Add to collection” on a paper's page.</p>"#);
    }
    render_rows(&mut b, &papers, &ctx);
    if own {
        for p in &papers {
            let _ = write!(
                b,
                r#"<form method="post" action="/collections/{cid}/papers" class="inline remove">{csrf}<input type="hidden" name="paper_id" value="{pid}"><input type="hidden" name="action" value="remove"><button class="link" type="submit">Remove {pid}</button></form> "#,
                cid = c.id,
                csrf = viewer.csrf_field(),
                pid = escape(p.id.as_str()),
            );
        }
        b.push_str("<h3>Edit</h3>");
        b.push_str(&edit_form(&viewer, &format!("/collections/{}", c.id), &c.name, &c.description, c.public, "Save"));
        let _ = write!(
            b,
            r#"<p class="meta">Cite them all: <a href="/collections/{0}/cite.bib">BibTeX</a> · <a href="/collections/{0}/cite.ris">RIS</a> · <a href="/collections/{0}/cite.json">CSL-JSON</a></p>"#,
            c.id
        );
        let _ = write!(
            b,
            r#"<form method="post" action="/collections/{}/delete">{}<button class="link" type="submit">Delete this collection</button></form>"#,
            c.id,
            viewer.csrf_field()
        );
    }
    let head =
        if c.public { super::feeds::alternates(&format!("collections/{}", c.id), &c.name, &[]) } else { String::new() };
    Ok(Html(super::html::page_with_head(&viewer, &format!("{} · paperboy", c.name), &head, &b)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<CollectionForm>,
) -> PageResult {
    let user = require_login(&viewer, &format!("/collections/{id}"))?;
    let fields = Fields::parse(&form.name, &form.description, form.public.is_some()).map_err(refused)?;
    collections::update(&state.store, &user, id, fields).await.map_err(refused)?;
    Ok(Redirect::to(&format!("/collections/{id}")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> PageResult {
    let user = require_login(&viewer, "/collections")?;
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
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<PaperForm>,
) -> PageResult {
    let user = require_login(&viewer, "/collections")?;
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
