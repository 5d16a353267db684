//! Moderation: an admin hides or shows a comment, removes a submission from a day's list,
//! suspends or reinstates a member. Every action is logged with its reason.

use super::{now, refuse, Error, Reason};
use crate::accounts::User;
use crate::store::{self, Store};

/// What an admin can do, parsed from `kind/target/action` (`comments/12/hide`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    HideComment(i64),
    ShowComment(i64),
    RemoveSubmission(String),
    Suspend(i64),
    Reinstate(i64),
}

impl Action {
    pub fn parse(kind: &str, target: &str, action: &str) -> Option<Self> {
        let id = target.parse::<i64>().ok();
        Some(match (kind, action, id) {
            ("comments", "hide", Some(id)) => Action::HideComment(id),
            ("comments", "show", Some(id)) => Action::ShowComment(id),
            ("submissions", "remove", _) => Action::RemoveSubmission(target.to_string()),
            ("users", "suspend", Some(id)) => Action::Suspend(id),
            ("users", "reinstate", Some(id)) => Action::Reinstate(id),
            _ => return None,
        })
    }
}

/// Longest reason kept in the log, in characters.
pub const MAX_REASON: usize = 500;

/// Does `action` as `admin` (the caller checked the role), logging it under `label`.
pub async fn act(store: &Store, admin: &User, action: Action, label: String, reason: &str) -> Result<(), Error> {
    let reason: String = reason.trim().chars().take(MAX_REASON).collect();
    let admin_id = admin.id;
    let done = store
        .transaction(move |db| {
            let (ok, target) = match &action {
                Action::HideComment(id) => (store::comments::set_comment_hidden(db, *id, true)?, id.to_string()),
                Action::ShowComment(id) => (store::comments::set_comment_hidden(db, *id, false)?, id.to_string()),
                Action::RemoveSubmission(p) => (store::submissions::remove_submission(db, p)?, p.clone()),
                Action::Suspend(id) => (store::accounts::set_suspended(db, *id, true)?, id.to_string()),
                Action::Reinstate(id) => (store::accounts::set_suspended(db, *id, false)?, id.to_string()),
            };
            if ok {
                store::moderation::log_moderation(db, admin_id, &label, &target, &reason, now())?;
            }
            Ok(ok)
        })
        .await?;
    if done {
        Ok(())
    } else {
        refuse(Reason::NoSuchTarget, "Nothing to do that to.")
    }
}
