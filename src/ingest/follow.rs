//! Staying current: `paperboy serve` fetches each new announcement day for the configured
//! categories on arXiv's schedule, and fills the days missed while it was down.
//!
//! The latest day comes from arXiv's RSS feed (which defines the day's list). Older missing days
//! are fetched from the query API by their submission window: a listing day holds the papers
//! submitted between the 14:00 ET deadlines of the two weekdays before it.

use super::arxiv_api::{ArxivApi, Query};
use super::http::{HttpError, PoliteClient};
use super::rss::ArxivRss;
use super::{IngestError, Report};
use crate::papers::schedule::{eastern_to_utc, latest_announced_day};
use crate::store::Store;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

pub struct Follower<'a> {
    pub store: &'a Store,
    pub http: &'a PoliteClient,
    pub api_base_url: String,
    pub rss_base_url: String,
    pub categories: Vec<String>,
    /// How many listing days back to look for gaps.
    pub lookback_days: u32,
}

fn previous_weekday(d: NaiveDate) -> NaiveDate {
    let mut p = d - Duration::days(1);
    while matches!(p.weekday(), Weekday::Sat | Weekday::Sun) {
        p -= Duration::days(1);
    }
    p
}

/// 14:00 US Eastern on `d`, in UTC.
fn deadline(d: NaiveDate) -> DateTime<Utc> {
    eastern_to_utc(d, NaiveTime::from_hms_opt(14, 0, 0).expect("valid"))
}

/// The submission window `[from, to)` of a listing day.
pub fn submission_window(listing_day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let cutoff_day = previous_weekday(listing_day);
    (deadline(previous_weekday(cutoff_day)), deadline(cutoff_day))
}

impl Follower<'_> {
    /// Listing days in the look-back window up to the latest announced one that have not been
    /// fetched yet, oldest first.
    pub async fn missing_days(&self, now: DateTime<Utc>) -> Result<Vec<NaiveDate>, IngestError> {
        let latest = latest_announced_day(now);
        let mut days = vec![latest];
        while days.len() < self.lookback_days.max(1) as usize {
            let prev = previous_weekday(*days.last().expect("non-empty"));
            days.push(prev);
        }
        let earliest = *days.last().expect("non-empty");
        let fetched = self.store.fetched_days(earliest, latest).await?;
        days.retain(|d| !fetched.contains(d));
        days.reverse();
        Ok(days)
    }

    /// Fetches every missing day. Errors on one day are logged and retried at the next run.
    pub async fn catch_up(&self, now: DateTime<Utc>) -> Result<Report, IngestError> {
        let latest = latest_announced_day(now);
        let mut total = Report::default();
        for day in self.missing_days(now).await? {
            let result = if day == latest { self.fetch_latest(day).await } else { self.fetch_past(day).await };
            match result {
                Ok(report) => {
                    tracing::info!(%day, inserted = report.counts.inserted, "fetched announcement day");
                    total.merge(report);
                }
                Err(e @ IngestError::Http(HttpError::GaveUp { .. })) => {
                    // arXiv is unreachable (offline, or down): the other days would fail the same
                    // way, so end this round with one message.
                    tracing::warn!(%day, error = %e, "arXiv unreachable; serving stored papers, will try again next round");
                    total.interrupted = Some(format!("{day}: {e}"));
                    break;
                }
                Err(e) => {
                    tracing::warn!(%day, error = %e, "could not fetch announcement day; will retry");
                    total.interrupted.get_or_insert_with(|| format!("{day}: {e}"));
                }
            }
        }
        Ok(total)
    }

    async fn fetch_latest(&self, day: NaiveDate) -> Result<Report, IngestError> {
        let rss = ArxivRss { http: self.http, base_url: self.rss_base_url.clone() };
        let (feed_day, report) = rss.ingest(self.store, &self.categories).await?;
        if let Some(why) = &report.interrupted {
            return Err(IngestError::Malformed(why.clone()));
        }
        // On holidays the feed still shows the previous announcement: record the day it is for.
        let got = feed_day.unwrap_or(day);
        self.store.record_fetched_day(got, report.processed(), "rss").await?;
        if got != day {
            // arXiv announced nothing for `day` (a holiday) or the feed lags; check again later
            // unless the day is long past.
            tracing::info!(%day, feed_day = %got, "RSS feed is for another day");
        }
        Ok(report)
    }

    async fn fetch_past(&self, day: NaiveDate) -> Result<Report, IngestError> {
        let (from, to) = submission_window(day);
        let api = ArxivApi { http: self.http, base_url: self.api_base_url.clone() };
        let query =
            Query::CategoriesSubmitted { categories: self.categories.clone(), from, to: to - Duration::minutes(1) };
        let report = api.ingest(self.store, &query, 200, None).await?;
        if let Some(why) = &report.interrupted {
            // Not recorded as fetched: the next round resumes it.
            return Err(IngestError::Malformed(why.clone()));
        }
        self.store.record_fetched_day(day, report.processed(), "arxiv-api").await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_the_deadlines() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Thursday 7 Aug 2025 holds Tuesday 14:00 EDT to Wednesday 14:00 EDT.
        let (from, to) = submission_window(d("2025-08-07"));
        assert_eq!(from.to_rfc3339(), "2025-08-05T18:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2025-08-06T18:00:00+00:00");
        // Monday holds Thursday to Friday.
        let (from, to) = submission_window(d("2025-08-11"));
        assert_eq!((from.date_naive(), to.date_naive()), (d("2025-08-07"), d("2025-08-08")));
        // Winter: 14:00 EST is 19:00 UTC.
        assert_eq!(submission_window(d("2025-12-04")).1.to_rfc3339(), "2025-12-03T19:00:00+00:00");
    }
}
