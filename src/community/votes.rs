//! Upvotes: one per member and paper, public (as on Hugging Face), counted against the vote
//! limit.
//!
//! Every surface says what it wants: [`Vote::Up`] and [`Vote::Down`] are idempotent (the API,
//! and the site's forms, which carry the state they were drawn in, so a form sent twice does
//! not undo itself); [`Vote::Toggle`] flips the vote (a form without a state, from a page
//! cached before forms carried one).

use super::limits::{self, Limit};
use super::{day_of, now, Error};
use crate::accounts::User;
use crate::papers::Paper;
use crate::settings::CommunitySettings;
use crate::store::{votes, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    Up,
    Down,
    Toggle,
}

impl Vote {
    /// From a form's `vote` field: `up`, `down`, or nothing (toggle).
    pub fn from_form(value: Option<&str>) -> Option<Self> {
        match value.map(str::trim) {
            None | Some("") => Some(Vote::Toggle),
            Some("up") => Some(Vote::Up),
            Some("down") => Some(Vote::Down),
            Some(_) => None,
        }
    }
}

/// A paper's votes after a member's vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Whether the member now upvotes it.
    pub voted: bool,
    pub upvotes: i64,
}

/// Records `user`'s vote on `paper`.
pub async fn vote(
    store: &Store,
    settings: &CommunitySettings,
    user: &User,
    paper: &Paper,
    vote: Vote,
) -> Result<Tally, Error> {
    limits::check(store, Limit::new("vote", settings.limits.vote).counting("votes"), &limits::member(user.id)).await?;
    let (pid, day, uid) = (paper.id.as_str().to_string(), day_of(paper), user.id);
    let (voted, upvotes) = store
        .transaction(move |db| {
            let has = votes::voted_by(db, uid, std::slice::from_ref(&pid))?.contains(&pid);
            let want = match vote {
                Vote::Up => true,
                Vote::Down => false,
                Vote::Toggle => !has,
            };
            if has != want {
                return votes::toggle_vote(db, uid, &pid, &day, now());
            }
            let upvotes = votes::activity(db, std::slice::from_ref(&pid))?.get(&pid).map_or(0, |a| a.upvotes);
            Ok((has, upvotes))
        })
        .await?;
    Ok(Tally { voted, upvotes })
}
