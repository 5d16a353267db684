//! The API's extractors: query, path and JSON body with JSON 400s when they cannot be read,
//! the caller (who the token belongs to), and the arXiv id in a path.
//!
//! arXiv's old ids hold a slash (`hep-th/9901001`): every route with a paper id also exists
//! with the id's two parts (`{id}/{number}`), left out of the OpenAPI document; [`PaperId`]
//! joins them.

use super::error::{ApiError, Code};
use crate::accounts::User;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// Wraps one of axum's extractors so that a request it cannot read gets a JSON 400 with `code`.
macro_rules! with_json_rejection {
    ($(#[$doc:meta])* $name:ident wraps $inner:ident, $code:expr) => {
        $(#[$doc])*
        pub struct $name<T>(pub T);

        impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for $name<T> {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                match $inner::<T>::from_request_parts(parts, state).await {
                    Ok($inner(v)) => Ok($name(v)),
                    Err(e) => Err(ApiError::new($code, e.body_text())),
                }
            }
        }
    };
}

with_json_rejection!(
    /// `Query`, with a JSON 400 when the query string cannot be read (a repeated parameter, say).
    ApiQuery wraps Query, Code::InvalidQuery
);
with_json_rejection!(
    /// `Path`, with a JSON 400 when the path cannot be read (bad percent-encoding, say).
    ApiPath wraps Path, Code::InvalidPath
);

/// `Json`, with a JSON 400 when the body cannot be read.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError::new(Code::InvalidBody, e.body_text())),
        }
    }
}

/// The arXiv id a path names: its `paper` parameter (or `id`), joined with `number` for an old
/// id's second part. Checked by the handler, which says what is wrong with it.
pub struct PaperId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PaperId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ApiPath(mut params) = ApiPath::<HashMap<String, String>>::from_request_parts(parts, state).await?;
        let first = params.remove("paper").or_else(|| params.remove("id")).unwrap_or_default();
        Ok(PaperId(match params.remove("number") {
            Some(number) => format!("{first}/{number}"),
            None => first,
        }))
    }
}

/// Who calls the API: a member, when a valid token came with the request (set by the guard).
#[derive(Clone, Debug, Default)]
pub struct Caller {
    pub user: Option<User>,
    pub token_id: Option<i64>,
}

impl Caller {
    /// The member, for what needs a token.
    pub fn member(&self) -> Result<User, ApiError> {
        self.user.clone().ok_or_else(ApiError::token_required)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Caller>().cloned().unwrap_or_default())
    }
}
