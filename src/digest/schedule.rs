//! When digests are queued: daily ones for the latest announcement day once the local send
//! time has passed (weekdays only by default), weekly ones on the configured day for the ISO
//! week before. One node at a time decides (lease `digest-schedule`); queuing is idempotent
//! anyway (unique keys), so a node that dies half-way is simply followed by another.

use super::compose::{queue_period, Links};
use super::Frequency;
use crate::papers::Period;
use crate::settings::DigestSettings;
use crate::store::Store;
use chrono::{Datelike, NaiveTime, Weekday};

pub const SCHEDULE_LEASE: &str = "digest-schedule";

fn weekday(s: &str) -> Weekday {
    s.parse().unwrap_or(Weekday::Mon)
}

/// What is due at `now` (UTC): the daily digest's day (if any) and the weekly digest's week.
pub fn due(
    settings: &DigestSettings,
    now: chrono::DateTime<chrono::Utc>,
    latest_day: Option<chrono::NaiveDate>,
) -> (Option<Period>, Option<Period>) {
    let tz: chrono_tz::Tz = settings.timezone.parse().unwrap_or(chrono_tz::UTC);
    let local = now.with_timezone(&tz);
    let send_at = NaiveTime::parse_from_str(&settings.send_time, "%H:%M").unwrap_or(NaiveTime::MIN);
    if local.time() < send_at {
        return (None, None);
    }
    let is_weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    let daily = match latest_day {
        Some(day) if !(settings.weekdays_only && is_weekend) => Some(Period::Day(day)),
        _ => None,
    };
    let weekly = (local.weekday() == weekday(&settings.weekly_day))
        .then(|| Period::week_of(local.date_naive()).prev())
        .flatten();
    (daily, weekly)
}

/// Queues whatever is due and not queued yet (remembered in the store's meta table).
pub async fn run_once(
    store: &Store,
    settings: &DigestSettings,
    links: &Links,
    recommending: &crate::recommend::Recommending,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let latest = store.latest_day(None).await?;
    let (daily, weekly) = due(settings, now, latest);
    for (kind, period) in [(Frequency::Daily, daily), (Frequency::Weekly, weekly)] {
        let Some(period) = period else { continue };
        let marker = format!("digest_queued_{}", kind.as_str());
        if store.meta(&marker).await?.as_deref() == Some(period.to_string().as_str()) {
            continue;
        }
        let report = queue_period(store, links, recommending, kind, period, now.timestamp()).await?;
        tracing::info!(kind = kind.as_str(), %period, queued = report.queued, subscribers = report.subscribers, "digests queued");
        store.set_meta(&marker, &period.to_string()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tz: &str, time: &str) -> DigestSettings {
        DigestSettings {
            schedule: true,
            send_time: time.into(),
            timezone: tz.into(),
            weekdays_only: true,
            weekly_day: "mon".into(),
            confirm_hours: 48,
        }
    }

    #[test]
    fn daily_after_the_local_send_time_on_weekdays_and_weekly_on_its_day() {
        let day = "2025-08-07".parse().ok();
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        // 06:30 UTC is 08:30 in Berlin (summer time): past 08:00 there, not yet 07:00 in New York.
        let berlin = settings("Europe/Berlin", "08:00");
        assert_eq!(due(&berlin, at("2025-08-07T06:30:00Z"), day).0, day.map(Period::Day));
        assert_eq!(due(&berlin, at("2025-08-07T05:30:00Z"), day).0, None);
        let ny = settings("America/New_York", "07:00");
        assert_eq!(due(&ny, at("2025-08-07T06:30:00Z"), day).0, None);
        // Saturday: no daily digest; Monday: last week's.
        assert_eq!(due(&ny, at("2025-08-09T15:00:00Z"), day).0, None);
        let (_, weekly) = due(&ny, at("2025-08-11T15:00:00Z"), day);
        assert_eq!(weekly.map(|p| p.to_string()), Some("2025-W32".to_string()));
        assert_eq!(due(&ny, at("2025-08-12T15:00:00Z"), day).1, None);
    }
}
