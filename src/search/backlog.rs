//! The newest-first walk over an embedding backlog (see `SearchIndex::sync_vectors`): the papers changed up to a
//! cursor, announcement day by announcement day from the latest back.

use super::SearchError;
use crate::store::Store;

/// A newest-first walk over the papers changed in `(cursor, upto]`, a day at a time, and where changes after `upto`
/// have been followed to (`fresh`).
pub(super) struct Walk {
    pub upto: i64,
    pub fresh: i64,
    /// The day whose papers are in `queue` (`None` before the first).
    day: Option<chrono::NaiveDate>,
    pub queue: Vec<crate::papers::Paper>,
    /// Papers another node was embedding when the walk came to them: their vectors are fetched later.
    pub waiting: Vec<crate::papers::Paper>,
    /// Papers with no known day come last.
    undated_done: bool,
    pub done: bool,
}

impl Walk {
    pub fn new(upto: i64) -> Self {
        Self { upto, fresh: upto, day: None, queue: Vec::new(), waiting: Vec::new(), undated_done: false, done: false }
    }

    /// Loads the papers of the next day back (or, after the oldest day, those with no day).
    pub async fn next_day(&mut self, store: &Store, cursor: i64) -> Result<(), SearchError> {
        if let Some(day) = store.day_before(self.day, cursor, self.upto).await? {
            self.day = Some(day);
            self.queue = store.changed_on_day(Some(day), cursor, self.upto).await?;
        } else if !self.undated_done {
            self.undated_done = true;
            self.queue = store.changed_on_day(None, cursor, self.upto).await?;
        } else {
            self.done = true;
        }
        Ok(())
    }
}
