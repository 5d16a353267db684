//! The person behind a request, put in the request's extensions by the session guard
//! (`web::session::guard`).

use crate::accounts::User;

#[derive(Clone, Debug, Default)]
pub struct Viewer {
    pub user: Option<User>,
    /// SHA-256 of the session token, when logged in.
    pub session: Option<String>,
    /// The token forms must send back.
    pub csrf: String,
    /// Papers the member keeps that have a new arXiv version they have not seen (the header's count).
    pub updates: i64,
}
