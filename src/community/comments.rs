//! Comments and replies on papers: Markdown, 1 to [`MAX_CHARS`] characters, counted against
//! the comment limit. A moderator's hidden comment keeps its place in the thread.

use super::limits::{self, Limit};
use super::{day_of, now, refuse, Error, Reason};
use crate::accounts::User;
use crate::papers::Paper;
use crate::settings::CommunitySettings;
use crate::store::comments::{self, Comment, CommentOutcome};
use crate::store::Store;

/// Longest comment, in characters.
pub const MAX_CHARS: usize = 10_000;

/// A comment's text, trimmed and checked.
pub fn text(body: &str) -> Result<String, Error> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_CHARS {
        return refuse(Reason::Invalid, format!("A comment has 1 to {MAX_CHARS} characters."));
    }
    Ok(body.to_string())
}

/// A new comment, as stored.
#[derive(Debug, Clone)]
pub struct Posted {
    pub id: i64,
    pub body: String,
    pub created_at: i64,
}

/// Posts `user`'s comment on `paper`, or their reply to comment `parent` on it.
pub async fn post(
    store: &Store,
    settings: &CommunitySettings,
    user: &User,
    paper: &Paper,
    parent: Option<i64>,
    body: &str,
) -> Result<Posted, Error> {
    let body = text(body)?;
    let limit = Limit::new("comment", settings.limits.comment).counting("comments");
    limits::check(store, limit, &limits::member(user.id)).await?;
    let (pid, day, uid, at) = (paper.id.as_str().to_string(), day_of(paper), user.id, now());
    let stored = body.clone();
    match store.transaction(move |db| comments::add_comment(db, &pid, &day, uid, parent, &stored, at)).await? {
        CommentOutcome::Added(id) => Ok(Posted { id, body, created_at: at }),
        CommentOutcome::NoSuchParent => {
            refuse(Reason::NoSuchParent, "The comment you replied to is not on this paper.")
        }
    }
}

/// A paper's comments, oldest first.
pub async fn on(store: &Store, paper: &Paper) -> Result<Vec<Comment>, Error> {
    let key = paper.id.as_str().to_string();
    Ok(store.read(move |db| comments::comments_on(db, &key)).await?)
}
