//! The API's one error type. Every error answers `{"code", "message", "status"}` with a stable
//! machine `code` ([`Code`]), a `message` that says what to fix, and the HTTP `status` again.
//! Internal errors are logged once, with their cause and the request id, and reach the client
//! as an opaque message carrying that id.

use crate::community::{self, Reason};
use crate::server::request::{log_failure, log_unavailable, retry_after};
use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every API error: a stable machine `code`, a `message` that says what to fix, and the HTTP
/// `status` again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = ApiError)]
pub struct ErrorBody {
    #[schema(example = "invalid_limit")]
    pub code: String,
    #[schema(example = "limit=\"500\": use 1 to 100")]
    pub message: String,
    #[schema(example = 400)]
    pub status: u16,
}

/// The API's error codes, each with its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    InvalidToken,
    ReadOnlyToken,
    TokenRequired,
    RateLimited,
    NotFound,
    MethodNotAllowed,
    InvalidQuery,
    InvalidPath,
    InvalidBody,
    InvalidId,
    InvalidPage,
    InvalidLimit,
    InvalidCategory,
    InvalidPeriod,
    InvalidSort,
    InvalidSubmitter,
    InvalidParent,
    InvalidMode,
    InvalidDate,
    MissingQuery,
    QueryTooLong,
    UnknownPaper,
    AlreadySubmitted,
    TooOld,
    DailyCap,
    ArxivUnreachable,
    SearchUnavailable,
    Unavailable,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidToken => "invalid_token",
            Code::ReadOnlyToken => "read_only_token",
            Code::TokenRequired => "token_required",
            Code::RateLimited => "rate_limited",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::InvalidQuery => "invalid_query",
            Code::InvalidPath => "invalid_path",
            Code::InvalidBody => "invalid_body",
            Code::InvalidId => "invalid_id",
            Code::InvalidPage => "invalid_page",
            Code::InvalidLimit => "invalid_limit",
            Code::InvalidCategory => "invalid_category",
            Code::InvalidPeriod => "invalid_period",
            Code::InvalidSort => "invalid_sort",
            Code::InvalidSubmitter => "invalid_submitter",
            Code::InvalidParent => "invalid_parent",
            Code::InvalidMode => "invalid_mode",
            Code::InvalidDate => "invalid_date",
            Code::MissingQuery => "missing_query",
            Code::QueryTooLong => "query_too_long",
            Code::UnknownPaper => "unknown_paper",
            Code::AlreadySubmitted => "already_submitted",
            Code::TooOld => "too_old",
            Code::DailyCap => "daily_cap",
            Code::ArxivUnreachable => "arxiv_unreachable",
            Code::SearchUnavailable => "search_unavailable",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::InvalidToken | Code::TokenRequired => StatusCode::UNAUTHORIZED,
            Code::ReadOnlyToken => StatusCode::FORBIDDEN,
            Code::RateLimited | Code::DailyCap => StatusCode::TOO_MANY_REQUESTS,
            Code::NotFound | Code::UnknownPaper => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::AlreadySubmitted => StatusCode::CONFLICT,
            Code::TooOld => StatusCode::UNPROCESSABLE_ENTITY,
            Code::ArxivUnreachable => StatusCode::BAD_GATEWAY,
            Code::SearchUnavailable | Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// A code whose text is not known at compile time (the search parameters' own).
    pub fn parse(code: &str) -> Option<Code> {
        const ALL: &[Code] = &[
            Code::InvalidLimit,
            Code::InvalidPage,
            Code::InvalidCategory,
            Code::InvalidMode,
            Code::InvalidDate,
            Code::QueryTooLong,
            Code::InvalidPeriod,
            Code::InvalidSort,
            Code::InvalidSubmitter,
        ];
        ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

/// An API error: a refusal with its code and message, or an internal failure.
#[derive(Debug)]
pub enum ApiError {
    Refused {
        code: Code,
        message: String,
        retry_after: Option<i64>,
    },
    /// The store cannot be reached: 503 with `Retry-After`.
    Unavailable(StoreError),
    /// Anything else: logged, and answered with an opaque 500.
    Internal(anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError::Refused { code, message: message.into(), retry_after: None }
    }

    /// A parameter's own code (from the search parameters, say), read from its text.
    pub fn invalid(code: &str, message: impl Into<String>) -> Self {
        ApiError::new(Code::parse(code).unwrap_or(Code::InvalidQuery), message)
    }

    pub fn limited(message: impl Into<String>, retry_after: i64) -> Self {
        ApiError::Refused { code: Code::RateLimited, message: message.into(), retry_after: Some(retry_after) }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(Code::NotFound, message)
    }

    pub fn token_required() -> Self {
        ApiError::new(
            Code::TokenRequired,
            "this needs a personal API token: make one at /settings/tokens and send Authorization: Bearer <token>",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            ApiError::Unavailable(e)
        } else {
            ApiError::Internal(e.into())
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<StoreError>() {
            Ok(store) => store.into(),
            Err(e) => ApiError::Internal(e),
        }
    }
}

impl From<community::Error> for ApiError {
    fn from(e: community::Error) -> Self {
        match e {
            community::Error::Store(e) => e.into(),
            community::Error::Limited { what, retry_after } => {
                ApiError::limited(format!("too many {what}; try again in {retry_after} s"), retry_after)
            }
            community::Error::Refused(r) => {
                let code = match r.reason {
                    Reason::Invalid => Code::InvalidBody,
                    Reason::InvalidId => Code::InvalidId,
                    Reason::NotOnArxiv => Code::UnknownPaper,
                    Reason::UnknownPaper | Reason::NoSuchCollection | Reason::NoSuchTarget => Code::NotFound,
                    Reason::NoSuchParent => Code::InvalidParent,
                    Reason::AlreadySubmitted => Code::AlreadySubmitted,
                    Reason::TooOld => Code::TooOld,
                    Reason::DailyCap => Code::DailyCap,
                    Reason::ArxivUnreachable => Code::ArxivUnreachable,
                };
                ApiError::new(code, r.message)
            }
        }
    }
}

/// The JSON body of an error with `code`.
pub fn body(code: Code, message: impl Into<String>) -> Response {
    let status = code.status();
    (status, Json(ErrorBody { code: code.as_str().into(), message: message.into(), status: status.as_u16() }))
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Refused { code, message, retry_after: None } => body(code, message),
            ApiError::Refused { code, message, retry_after: Some(secs) } => retry_after(body(code, message), secs),
            ApiError::Unavailable(e) => {
                log_unavailable(&e);
                retry_after(body(Code::Unavailable, "the database cannot be reached; try again shortly"), 5)
            }
            ApiError::Internal(e) => {
                let rid = log_failure(&e);
                body(Code::Internal, format!("something went wrong on our side (request id {})", rid.0))
            }
        }
    }
}

/// What every operation can answer besides its own (for the OpenAPI document): too many
/// requests, or no database.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Busy {
    /// Too many requests (or, for a write, past the member's limit of votes, comments or submissions); see Retry-After
    #[response(status = 429)]
    Limited(ErrorBody),
    /// The database cannot be reached
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// A read's 401 (for the OpenAPI document).
#[derive(utoipa::IntoResponses)]
#[response(status = 401, description = "The bearer token is unknown or revoked")]
#[allow(dead_code)]
pub struct BadToken(ErrorBody);

/// A write's 401 (for the OpenAPI document).
#[derive(utoipa::IntoResponses)]
#[response(status = 401, description = "No valid token")]
#[allow(dead_code)]
pub struct NoToken(ErrorBody);

/// What an operation on one paper can answer besides its own (for the OpenAPI document).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum PaperErrors {
    /// Not an arXiv id
    #[response(status = 400)]
    NotAnId(ErrorBody),
    /// Unknown paper
    #[response(status = 404)]
    Unknown(ErrorBody),
}
