//! `paperboy digest …`: subscribers, the queue, sending.

use super::*;

pub(super) async fn digest_command(settings: Settings, cmd: DigestCommand) -> anyhow::Result<ExitCode> {
    use crate::digest::compose::{self, Links};
    use crate::digest::{mailer, Frequency, Preferences, Subscriber};
    use crate::store::digests as dstore;
    let state = AppState::build(settings).await?;
    let links = Links { public_url: state.settings.public_url.clone(), secret: state.secret.clone() };
    let period_of = |date: chrono::NaiveDate, weekly: bool| {
        if weekly {
            (Frequency::Weekly, crate::papers::Period::week_of(date))
        } else {
            (Frequency::Daily, crate::papers::Period::Day(date))
        }
    };
    let deliver = |state: AppState| async move {
        let mailer = mailer::Mailer::new(&state.settings.mail)?;
        let r = mailer::drain(&state.store, &mailer, &state.settings.mail, &state.node_id).await?;
        println!("delivered {}, deferred {}, failed {}", r.sent, r.retried, r.failed);
        anyhow::Ok(())
    };
    match cmd {
        DigestCommand::Preview { to, date, weekly, html } => {
            let email = crate::accounts::Email::parse(&to)?;
            let (kind, period) = period_of(date, weekly);
            let address = email.as_str().to_string();
            let found = state.store.read(move |db| dstore::subscriber_by_email(db, &address)).await?;
            let subscriber = found.unwrap_or(Subscriber {
                id: 0,
                email: email.as_str().to_string(),
                user_id: None,
                confirmed_at: None,
                unsubscribed_at: None,
                prefs: Preferences { frequency: kind, ..Default::default() },
                hard_failures: 0,
                paused_at: None,
            });
            let candidates = compose::candidates(&state.store, period, chrono::Utc::now().timestamp()).await?;
            let liked = match subscriber.user_id {
                Some(uid) => Some(state.recommending().taste(&state.store, uid).await?),
                None => None,
            };
            let chosen = compose::select(&candidates, &subscriber.prefs, liked.as_ref());
            match compose::compose(&links, &subscriber, kind, period, &chosen) {
                Some(m) => {
                    println!("To: {}\nSubject: {}\n", m.to, m.subject);
                    println!("{}", if html { m.html.unwrap_or_default() } else { m.text });
                }
                None => println!("nothing in {period} matches the preferences of {}", subscriber.email),
            }
            Ok(ExitCode::SUCCESS)
        }
        DigestCommand::Send { date, weekly, queue_only } => {
            let (kind, period) = period_of(date, weekly);
            let started = std::time::Instant::now();
            let r = compose::queue_period(
                &state.store,
                &links,
                &state.recommending(),
                kind,
                period,
                chrono::Utc::now().timestamp(),
            )
            .await?;
            println!(
                "{} subscribers: queued {}, already queued before {}, nothing matching {} ({:.1} s)",
                r.subscribers,
                r.queued,
                r.already_queued,
                r.empty,
                started.elapsed().as_secs_f64()
            );
            if !queue_only {
                deliver(state.clone()).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DigestCommand::Deliver => {
            deliver(state.clone()).await?;
            Ok(ExitCode::SUCCESS)
        }
        DigestCommand::Queue => {
            let q = state.store.read(dstore::queue_summary).await?;
            for (status, n) in &q.by_status {
                println!("{status}: {n}");
            }
            println!("paused addresses: {}", q.paused_addresses);
            for (key, to, error) in &q.recent_failures {
                println!("  {key} to {to}: {error}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
