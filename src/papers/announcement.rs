//! arXiv's announcement calendar and listing periods.
//!
//! arXiv announces new submissions at 20:00 US Eastern time, Sunday to Thursday. Submissions
//! received before the 14:00 ET deadline of a weekday appear in the listing dated the next
//! weekday: the Monday listing holds Thursday 14:00 – Friday 14:00, and so on. Holidays are not
//! modelled; a missed day simply finds nothing to fetch.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnnounceType {
    New,
    Cross,
    Replace,
    ReplaceCross,
}

impl AnnounceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Cross => "cross",
            Self::Replace => "replace",
            Self::ReplaceCross => "replace-cross",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "new" => Some(Self::New),
            "cross" => Some(Self::Cross),
            "replace" => Some(Self::Replace),
            "replace-cross" => Some(Self::ReplaceCross),
            _ => None,
        }
    }
}

impl fmt::Display for AnnounceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A listing period: one announcement day, an ISO week or a calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day(NaiveDate),
    Week { year: i32, week: u32 },
    Month { year: i32, month: u32 },
}

impl Period {
    /// Parses `2025-08-07`, `2025-W32` or `2025-08`, years 1000–9999.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        // Four-digit years only: chrono would accept `+262142-12-31`, whose next day overflows.
        if s.len() < 7 || !s.as_bytes()[..4].iter().all(u8::is_ascii_digit) || s.as_bytes()[4] != b'-' {
            return None;
        }
        // Digits only, no sign (`2025-+9` is not a month), and the years the doc promises (`0025-W09` would be written
        // back as `25-W09`): found by fuzzing.
        if s[..4].parse::<i32>().ok()? < 1000 {
            return None;
        }
        let digits =
            |part: &str, max: usize| !part.is_empty() && part.len() <= max && part.bytes().all(|b| b.is_ascii_digit());
        if let Some((y, w)) = s.split_once("-W") {
            if !digits(w, 2) {
                return None;
            }
            let (year, week) = (y.parse().ok()?, w.parse().ok()?);
            NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
            return Some(Period::Week { year, week });
        }
        if !s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return None;
        }
        if s.len() == 7 {
            let (y, m) = s.split_once('-')?;
            let (year, month) = (y.parse().ok()?, m.parse().ok()?);
            NaiveDate::from_ymd_opt(year, month, 1)?;
            return Some(Period::Month { year, month });
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Period::Day)
    }

    /// The week and the month a day falls in.
    pub fn week_of(d: NaiveDate) -> Self {
        let w = d.iso_week();
        Period::Week { year: w.year(), week: w.week() }
    }

    pub fn month_of(d: NaiveDate) -> Self {
        Period::Month { year: d.year(), month: d.month() }
    }

    /// The period before this one (for a day: the day before).
    pub fn prev(&self) -> Option<Self> {
        let (start, _) = self.range();
        let before = start.pred_opt()?;
        Some(match self {
            Period::Day(_) => Period::Day(before),
            Period::Week { .. } => Period::week_of(before),
            Period::Month { .. } => Period::month_of(before),
        })
    }

    /// The period after this one.
    pub fn next(&self) -> Option<Self> {
        let (_, end) = self.range();
        Some(end).filter(|d| d.year() <= 9999).map(|d| match self {
            Period::Day(_) => Period::Day(d),
            Period::Week { .. } => Period::week_of(d),
            Period::Month { .. } => Period::month_of(d),
        })
    }

    /// The half-open day range `[start, end)` the period covers.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        match *self {
            Period::Day(d) => (d, d + Duration::days(1)),
            Period::Week { year, week } => {
                let start = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).expect("validated week");
                (start, start + Duration::days(7))
            }
            Period::Month { year, month } => {
                let start = NaiveDate::from_ymd_opt(year, month, 1).expect("validated month");
                let end = if month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1)
                };
                (start, end.expect("valid date"))
            }
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Day(d) => write!(f, "{d}"),
            Period::Week { year, week } => write!(f, "{year}-W{week:02}"),
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
        }
    }
}

/// US Eastern offset in hours for a UTC instant (DST from the second Sunday of March, 07:00 UTC,
/// to the first Sunday of November, 06:00 UTC).
fn eastern_offset_hours(t: DateTime<Utc>) -> i64 {
    let year = t.year();
    let nth_sunday = |month, n: u32| {
        let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid");
        let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
        first + Duration::days((to_sunday + 7 * (n - 1)) as i64)
    };
    let dst_start = nth_sunday(3, 2).and_hms_opt(7, 0, 0).expect("valid").and_utc();
    let dst_end = nth_sunday(11, 1).and_hms_opt(6, 0, 0).expect("valid").and_utc();
    if t >= dst_start && t < dst_end {
        -4
    } else {
        -5
    }
}

/// A US Eastern wall-clock time on `d`, as a UTC instant.
pub fn eastern_to_utc(d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    let guess = d.and_time(t).and_utc() + Duration::hours(5);
    d.and_time(t).and_utc() - Duration::hours(eastern_offset_hours(guess))
}

fn to_eastern(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::hours(eastern_offset_hours(t))
}

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The next weekday after `d`.
pub fn next_listing_day(d: NaiveDate) -> NaiveDate {
    let mut n = d + Duration::days(1);
    while !is_weekday(n) {
        n += Duration::days(1);
    }
    n
}

/// The listing day on which a submission made at `t` is announced.
pub fn announcement_day_for_submission(t: DateTime<Utc>) -> NaiveDate {
    let et = to_eastern(t);
    let deadline = NaiveTime::from_hms_opt(14, 0, 0).expect("valid");
    let mut day = et.date();
    if !is_weekday(day) || et.time() >= deadline {
        day = next_listing_day(day);
        while !is_weekday(day) {
            day = next_listing_day(day);
        }
    }
    // `day` is the weekday whose 14:00 deadline the submission made.
    next_listing_day(day)
}

/// The most recent listing day that arXiv has announced by `now` (announcements go out at
/// 20:00 ET on the evening before the listing's date).
pub fn latest_announced_day(now: DateTime<Utc>) -> NaiveDate {
    let et = to_eastern(now);
    let announce = NaiveTime::from_hms_opt(20, 0, 0).expect("valid");
    // The listing dated `et.date() + 1` is out once today's 20:00 ET has passed.
    let mut candidate = if et.time() >= announce { et.date() + Duration::days(1) } else { et.date() };
    while !is_weekday(candidate) {
        candidate -= Duration::days(1);
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_parse_and_cover_their_days() {
        assert_eq!(Period::parse("2025-08-07").unwrap().range(), (day("2025-08-07"), day("2025-08-08")));
        assert_eq!(Period::parse("2025-W32").unwrap().range(), (day("2025-08-04"), day("2025-08-11")));
        assert_eq!(Period::parse("2025-12").unwrap().range(), (day("2025-12-01"), day("2026-01-01")));
        assert_eq!(Period::parse("2025-W32").unwrap().to_string(), "2025-W32");
        assert!(Period::parse("2025-W54").is_none());
        assert!(Period::parse("2025-13").is_none());
        assert!(Period::parse("yesterday").is_none());
        assert!(Period::parse("+262142-12-31").is_none());
        // Found by fuzzing: a sign, a year before 1000, or a week written back differently.
        for bad in ["2025-+9", "0025-+9", "0000-W1", "0149-W20", "0025-09", "2025-W+3", "2025-08-+7"] {
            assert!(Period::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Period::parse("2025-W5").unwrap().to_string(), "2025-W05");
        let w = Period::parse("2025-W01").unwrap();
        assert_eq!(w.prev().unwrap().to_string(), "2024-W52");
        assert_eq!(w.next().unwrap().to_string(), "2025-W02");
        assert_eq!(Period::parse("2025-12").unwrap().next().unwrap().to_string(), "2026-01");
        assert_eq!(Period::parse("2025-01").unwrap().prev().unwrap().to_string(), "2024-12");
        assert_eq!(Period::week_of(day("2025-08-07")).to_string(), "2025-W32");
        assert!(Period::parse("9999-12-31").unwrap().range().1 > Period::parse("9999-12-30").unwrap().range().1);
    }

    #[test]
    fn submissions_land_on_the_right_listing() {
        // Wednesday 6 Aug 2025, 10:00 EDT: before the deadline, in Thursday's listing.
        assert_eq!(announcement_day_for_submission(utc("2025-08-06T14:00:00Z")), day("2025-08-07"));
        // Wednesday 15:00 EDT: after the deadline, in Friday's listing.
        assert_eq!(announcement_day_for_submission(utc("2025-08-06T19:00:00Z")), day("2025-08-08"));
        // Friday after the deadline and the weekend go to Tuesday.
        assert_eq!(announcement_day_for_submission(utc("2025-08-08T19:00:00Z")), day("2025-08-12"));
        assert_eq!(announcement_day_for_submission(utc("2025-08-09T12:00:00Z")), day("2025-08-12"));
        // Friday before the deadline goes to Monday.
        assert_eq!(announcement_day_for_submission(utc("2025-08-08T12:00:00Z")), day("2025-08-11"));
        // Winter time: 18:30 UTC is 13:30 EST, before the deadline.
        assert_eq!(announcement_day_for_submission(utc("2025-12-03T18:30:00Z")), day("2025-12-04"));
    }

    #[test]
    fn latest_announced_day_follows_the_evening_announcement() {
        // Wednesday 19:00 EDT: Thursday's listing is not out yet.
        assert_eq!(latest_announced_day(utc("2025-08-06T23:00:00Z")), day("2025-08-06"));
        // Wednesday 20:30 EDT: it is.
        assert_eq!(latest_announced_day(utc("2025-08-07T00:30:00Z")), day("2025-08-07"));
        // Saturday: Friday's listing is the latest.
        assert_eq!(latest_announced_day(utc("2025-08-09T12:00:00Z")), day("2025-08-08"));
        // Sunday 21:00 EDT: Monday's listing is out.
        assert_eq!(latest_announced_day(utc("2025-08-11T01:00:00Z")), day("2025-08-11"));
    }

    proptest! {
        #[test]
        fn listings_are_weekdays_after_submission(secs in 1_600_000_000i64..1_900_000_000) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            let d = announcement_day_for_submission(t);
            prop_assert!(is_weekday(d));
            prop_assert!(d > to_eastern(t).date());
            prop_assert!(d - to_eastern(t).date() <= Duration::days(4));
            let l = latest_announced_day(t);
            prop_assert!(is_weekday(l));
        }
    }
}
