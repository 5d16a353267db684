//! Collections: named lists of papers a member keeps, public or private.

use super::account::{require_login, safe_next};
use super::html::{escape, page_for};
use super::listings::{internal, render_rows, RowContext};
use super::session::{now, Viewer};
use super::RequestId;
use crate::app::AppState;
use crate::papers::ArxivId;
use crate::store::community;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::fmt::Write;

const MAX_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 2_000;

fn problem(viewer: &Viewer, status: StatusCode, text: &str) -> Response {
    let body = format!(
        r#"<h2>Collections</h2><p class="error" role="alert">{}</p><p><a href="/collections">Back to your collections</a></p>"#,
        escape(text)
    );
    (status, Html(page_for(viewer, "Collections · paperboy", &body))).into_response()
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
    Html(page_for(&viewer, "Collections · paperboy", &b)).into_response()
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
    Html(super::html::page_with_head(&viewer, &format!("{} · paperboy", c.name), &head, &b)).into_response()
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
