//! The pages' one error type. A refusal is a page that says what was wrong and how to go on;
//! a member not logged in is sent to log in; internal errors are logged once, with their cause
//! and the request id, and the person sees an opaque page with that id.

use super::pages::{self, Layout, Message};
use crate::community::{self, Reason};
use crate::server::request::{log_failure, log_unavailable, retry_after};
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Debug)]
pub enum PageError {
    /// A page with a heading and a sentence (escaped), and a link back when given.
    Message { status: StatusCode, title: String, text: String, back: Option<(String, String)> },
    /// Log in first, then come back to `back_to`.
    Login { back_to: String },
    /// Past a rate limit: try again in `retry_after` seconds.
    Limited { retry_after: i64 },
    /// The store cannot be reached: 503 with `Retry-After`.
    Unavailable(StoreError),
    /// Anything else: logged, and an opaque 500.
    Internal(anyhow::Error),
    /// A page drawn by the handler (a form shown again with its error).
    Page(Box<Response>),
}

pub type PageResult<T = Response> = Result<T, PageError>;

/// An error page, kept on the response so that the session guard can draw it again with the
/// viewer's navigation (the error is turned into a response without the viewer at hand).
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title: String,
    kind: Drawn,
}

#[derive(Debug, Clone)]
enum Drawn {
    Message { heading: Option<String>, text: String, back: Option<(String, String)> },
    Opaque { request_id: String, unavailable: bool },
}

impl ErrorPage {
    /// The page, in `layout`.
    pub fn draw(&self, layout: &Layout) -> String {
        match &self.kind {
            Drawn::Message { heading, text, back } => {
                let mut m = match heading {
                    Some(h) => Message::error(h, text),
                    None => Message::plain(text),
                };
                m.back = back.as_ref().map(|(href, label)| (href.as_str(), label.as_str()));
                pages::render_message(layout, &m)
            }
            Drawn::Opaque { request_id, unavailable } => {
                pages::render_page("error.html", layout, minijinja::context! { request_id, unavailable })
            }
        }
    }

    fn respond(self, status: StatusCode) -> Response {
        let html = self.draw(&Layout::guest(self.title.clone()));
        let mut r = (status, Html(html)).into_response();
        r.extensions_mut().insert(self);
        r
    }
}

impl PageError {
    /// A page drawn by the handler, answered as it is.
    pub fn page(response: Response) -> Self {
        PageError::Page(Box::new(response))
    }

    pub fn message(status: StatusCode, title: &str, text: impl Into<String>) -> Self {
        PageError::Message { status, title: title.into(), text: text.into(), back: None }
    }

    /// The same, with a link back (`href`, label).
    pub fn with_back(self, href: &str, label: &str) -> Self {
        match self {
            PageError::Message { status, title, text, .. } => {
                PageError::Message { status, title, text, back: Some((href.into(), label.into())) }
            }
            other => other,
        }
    }

    /// A community refusal under `title` ("Comment not posted"); other errors as they are.
    pub fn community(title: &str) -> impl Fn(community::Error) -> PageError + '_ {
        move |e| match e {
            community::Error::Refused(r) => PageError::message(status_of(r.reason), title, r.message),
            community::Error::Limited { retry_after, .. } => PageError::Limited { retry_after },
            community::Error::Store(e) => e.into(),
        }
    }
}

/// The status a refusal is answered with on the site.
pub fn status_of(reason: Reason) -> StatusCode {
    match reason {
        Reason::Invalid | Reason::InvalidId | Reason::TooOld => StatusCode::UNPROCESSABLE_ENTITY,
        Reason::UnknownPaper | Reason::NotOnArxiv | Reason::NoSuchCollection | Reason::NoSuchTarget => {
            StatusCode::NOT_FOUND
        }
        Reason::NoSuchParent => StatusCode::BAD_REQUEST,
        Reason::AlreadySubmitted => StatusCode::CONFLICT,
        Reason::DailyCap => StatusCode::TOO_MANY_REQUESTS,
        Reason::ArxivUnreachable => StatusCode::BAD_GATEWAY,
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            PageError::Unavailable(e)
        } else {
            PageError::Internal(e.into())
        }
    }
}

impl From<tokio::task::JoinError> for PageError {
    fn from(e: tokio::task::JoinError) -> Self {
        PageError::Internal(e.into())
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<StoreError>() {
            Ok(store) => store.into(),
            Err(e) => PageError::Internal(e),
        }
    }
}

impl From<community::Error> for PageError {
    fn from(e: community::Error) -> Self {
        PageError::community("Not done")(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Page(r) => *r,
            PageError::Message { status, title, text, back } => ErrorPage {
                title: format!("{title} · paperboy"),
                kind: Drawn::Message { heading: Some(title), text, back },
            }
            .respond(status),
            PageError::Login { back_to } => {
                let next: String = form_urlencoded::byte_serialize(back_to.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
            PageError::Limited { retry_after: secs } => {
                let text = format!("Too many attempts. Try again in {secs} seconds.");
                let page =
                    ErrorPage { title: "Slow down".into(), kind: Drawn::Message { heading: None, text, back: None } };
                retry_after(page.respond(StatusCode::TOO_MANY_REQUESTS), secs)
            }
            PageError::Unavailable(e) => {
                let request_id = log_unavailable(&e).0.to_string();
                let page =
                    ErrorPage { title: "Unavailable".into(), kind: Drawn::Opaque { request_id, unavailable: true } };
                retry_after(page.respond(StatusCode::SERVICE_UNAVAILABLE), 5)
            }
            PageError::Internal(e) => {
                let request_id = log_failure(&e).0.to_string();
                let page = ErrorPage { title: "Error".into(), kind: Drawn::Opaque { request_id, unavailable: false } };
                page.respond(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

/// Answers the site did not draw itself — an extractor's rejection (`/collections/abc`), a wrong method (`GET
/// /logout`), an unknown path — come as plain text or nothing. They are drawn again as the site's own error page,
/// the text escaped (it can hold what was typed in the address), with a way back; a plain 500 is logged and answered
/// with the opaque page and its request id.
pub async fn own_error_pages(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::header::{ALLOW, CONTENT_TYPE};
    let response = next.run(req).await;
    let status = response.status();
    let plain = response.headers().get(CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error())
        || !plain
        || response.extensions().get::<ErrorPage>().is_some()
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let detail: String = String::from_utf8_lossy(&bytes).trim().chars().take(300).collect();
    let (title, generic) = match status {
        StatusCode::NOT_FOUND => ("Not found", "There is no page at this address."),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("Not a link", "This address takes a form, not a link: go back and use the button on the page.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("Too large", "What was sent is larger than paperboy accepts."),
        _ if status.is_server_error() => {
            return PageError::Internal(anyhow::anyhow!("{status} without a page: {detail}")).into_response();
        }
        _ => ("Bad request", "paperboy could not read this address or form."),
    };
    let text = match detail.as_str() {
        "" | "not found" => generic.to_string(),
        detail => format!("{generic} {detail}"),
    };
    let mut out = PageError::message(status, title, text).with_back("/", "Go to the front page").into_response();
    if let Some(allow) = parts.headers.get(ALLOW) {
        out.headers_mut().insert(ALLOW, allow.clone());
    }
    out
}
