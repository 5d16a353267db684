//! Comments and replies on papers: Markdown, 1 to [`MAX_CHARS`] characters, counted against
//! the comment limit. A moderator's hidden comment keeps its place in the thread, and so does
//! one its author deleted ("[deleted]"); authors edit their comments (marked "edited").

use super::limits::{self, Limit};
use super::{day_of, now, refuse, Error, Reason};
use crate::accounts::User;
use crate::papers::Paper;
use crate::settings::CommunitySettings;
use crate::store::comments::{self, Comment, CommentOutcome};
use crate::store::{nonces, Store};

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

/// Posts `user`'s comment on `paper`, or their reply to comment `parent` on it. A form sent
/// again with the same `nonce` and text posts nothing and answers with the first comment.
pub async fn post(
    store: &Store,
    settings: &CommunitySettings,
    user: &User,
    paper: &Paper,
    parent: Option<i64>,
    body: &str,
    nonce: Option<&str>,
) -> Result<Posted, Error> {
    let body = text(body)?;
    // A form sent again answers with its comment before anything is counted against the limit.
    if let Some(nonce) = nonce.filter(|n| !n.is_empty()).map(str::to_string) {
        let (uid, again) = (user.id, body.clone());
        let first = store
            .read(move |db| {
                let id = nonces::seen(db, uid, &nonce)?.and_then(|r| r.parse().ok());
                Ok(id.map(|id| comments::comment(db, id)).transpose()?.flatten())
            })
            .await?;
        if let Some(c) = first.filter(|c| c.body == again && c.user_id == user.id && !c.deleted) {
            return Ok(Posted { id: c.id, body: c.body, created_at: c.created_at });
        }
    }
    let limit = Limit::new("comment", settings.limits.comment).counting("comments");
    limits::check(store, limit, &limits::member(user.id)).await?;
    let (pid, day, uid, at) = (paper.id.as_str().to_string(), day_of(paper), user.id, now());
    let (stored, nonce) = (body.clone(), nonce.filter(|n| !n.is_empty()).map(str::to_string));
    let outcome = store
        .transaction(move |db| {
            if let Some(nonce) = &nonce {
                if let Some(first) = nonces::claim(db, uid, nonce, at)? {
                    // The same form again: the same comment, unless the text changed (a page
                    // shown again from the history, then written anew).
                    let first = first.parse().ok().map(|id| comments::comment(db, id)).transpose()?.flatten();
                    if let Some(c) = first.filter(|c| c.body == stored && c.user_id == uid) {
                        return Ok(CommentOutcome::Added(c.id));
                    }
                }
            }
            let outcome = comments::add_comment(db, &pid, &day, uid, parent, &stored, at)?;
            if let (Some(nonce), CommentOutcome::Added(id)) = (&nonce, outcome) {
                nonces::settle(db, uid, nonce, &id.to_string())?;
            }
            Ok(outcome)
        })
        .await?;
    match outcome {
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

/// `user`'s own comment `comment_id`, or a refusal a member can act on.
async fn own(store: &Store, user: &User, comment_id: i64) -> Result<Comment, Error> {
    match store.read(move |db| comments::comment(db, comment_id)).await? {
        Some(c) if c.user_id == user.id && !c.deleted => Ok(c),
        Some(c) if c.user_id == user.id => refuse(Reason::NoSuchTarget, "That comment was deleted."),
        _ => refuse(Reason::NoSuchTarget, "That is not a comment of yours."),
    }
}

/// The comment `user` may edit: their own, not deleted, not hidden by a moderator.
pub async fn editable(store: &Store, user: &User, comment_id: i64) -> Result<Comment, Error> {
    let c = own(store, user, comment_id).await?;
    if c.hidden {
        return refuse(Reason::Invalid, "A moderator hid this comment, so it cannot be edited.");
    }
    Ok(c)
}

/// Replaces the text of `user`'s comment `comment_id` (marked as edited); edits count against
/// the comment limit. The comment as it now stands.
pub async fn edit(
    store: &Store,
    settings: &CommunitySettings,
    user: &User,
    comment_id: i64,
    body: &str,
) -> Result<Comment, Error> {
    let body = text(body)?;
    editable(store, user, comment_id).await?;
    let limit = Limit::new("comment", settings.limits.comment).counting("comments");
    limits::check(store, limit, &limits::member(user.id)).await?;
    let (uid, at) = (user.id, now());
    if !store.transaction(move |db| comments::edit_comment(db, comment_id, uid, &body, at)).await? {
        return refuse(Reason::NoSuchTarget, "That comment was deleted.");
    }
    own(store, user, comment_id).await
}

/// Deletes `user`'s comment `comment_id`: its text goes, and "[deleted]" keeps its place so that
/// replies stay. The paper it was on.
pub async fn delete(store: &Store, user: &User, comment_id: i64) -> Result<String, Error> {
    let c = own(store, user, comment_id).await?;
    let uid = user.id;
    store.transaction(move |db| comments::delete_comment(db, comment_id, uid)).await?;
    Ok(c.paper_id)
}
