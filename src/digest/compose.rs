//! Which papers go to whom, and the messages that carry them (templates in `templates/`,
//! embedded at build time; HTML auto-escaped).

use super::{Frequency, Mode, Preferences, Subscriber};
use crate::community::ranking::hot_score;
use crate::papers::{Paper, Period};
use crate::recommend::{Recommending, Taste};
use crate::store::digests::{self as dstore, NewMessage};
use crate::store::{votes, Listing, Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

fn templates() -> &'static minijinja::Environment<'static> {
    static ENV: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        for (name, source) in [
            ("digest.txt", include_str!("../../templates/digest.txt")),
            ("digest.html", include_str!("../../templates/digest.html")),
            ("confirm.txt", include_str!("../../templates/confirm.txt")),
            ("already.txt", include_str!("../../templates/already.txt")),
            ("reset.txt", include_str!("../../templates/reset.txt")),
            ("verify.txt", include_str!("../../templates/verify.txt")),
        ] {
            env.add_template(name, source).expect("templates parse");
        }
        env
    })
}

pub(crate) fn render(name: &str, ctx: minijinja::Value) -> String {
    templates().get_template(name).and_then(|t| t.render(ctx)).unwrap_or_else(|e| {
        tracing::error!(template = name, error = %e, "a mail template failed");
        String::new()
    })
}

/// Where links in mail point, and the key that signs them.
#[derive(Clone)]
pub struct Links {
    pub public_url: String,
    pub secret: std::sync::Arc<[u8]>,
}

impl Links {
    pub fn base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
    pub fn unsubscribe(&self, id: i64) -> String {
        super::unsubscribe_url(&self.public_url, &self.secret, id)
    }
    pub fn preferences(&self, id: i64) -> String {
        super::preferences_url(&self.public_url, &self.secret, id)
    }
}

/// A paper that may go into a digest, with its counters and trending score.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub paper: Paper,
    pub upvotes: i64,
    pub score: f64,
    /// Lower-cased title and abstract, for keyword and muted-word tests.
    text: String,
}

/// The period's papers, best trending score first.
pub async fn candidates(store: &Store, period: Period, now: i64) -> Result<Vec<Candidate>, StoreError> {
    let papers = store.list_papers(Listing { period, categories: vec![], limit: 50_000, offset: 0 }).await?;
    let ids: Vec<String> = papers.iter().map(|p| p.id.as_str().to_string()).collect();
    let activity = store.read(move |db| votes::activity(db, &ids)).await?;
    let mut out: Vec<Candidate> = papers
        .into_iter()
        .map(|paper| {
            let a = activity.get(paper.id.as_str()).cloned().unwrap_or_default();
            let listed =
                paper.announced_on.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc().timestamp()).unwrap_or(now);
            let score = hot_score(a.upvotes.max(0) as u64, a.comments.max(0) as u64, (now - listed) as f64 / 3600.0);
            let text = format!("{} {}", paper.title, paper.abstract_text).to_lowercase();
            Candidate { paper, upvotes: a.upvotes, score, text }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| b.paper.id.as_str().cmp(a.paper.id.as_str())));
    Ok(out)
}

/// The papers a subscriber gets, in order: filtered by their categories, keywords and muted
/// words, ranked by the trending score (or, "for me", by their recommendations' scores first,
/// leaving out what they liked or dismissed).
pub fn select<'a>(candidates: &'a [Candidate], prefs: &Preferences, taste: Option<&Taste>) -> Vec<&'a Candidate> {
    let mut chosen: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| {
            prefs.categories.is_empty()
                || c.paper.categories.iter().any(|cat| prefs.categories.iter().any(|x| x == cat.code()))
        })
        .filter(|c| prefs.keywords.is_empty() || prefs.keywords.iter().any(|k| c.text.contains(k.as_str())))
        .filter(|c| !prefs.muted_words.iter().any(|m| c.text.contains(m.as_str())))
        .collect();
    if let (Mode::ForMe, Some(taste)) = (prefs.mode, taste.filter(|t| !t.is_empty())) {
        chosen.retain(|c| !taste.liked(c.paper.id.as_str()));
        // Stable: papers the recommender did not rank keep the trending order, after those it did.
        let score = |c: &Candidate| taste.score(c.paper.id.as_str()).unwrap_or(f32::NEG_INFINITY);
        chosen.sort_by(|a, b| score(b).total_cmp(&score(a)));
    }
    chosen.truncate(prefs.max_papers as usize);
    chosen
}

#[derive(Serialize)]
struct PaperView {
    title: String,
    url: String,
    abs_url: String,
    pdf_url: String,
    authors: String,
    teaser: String,
    categories: String,
    upvotes: i64,
}

/// A new version of a paper the subscriber's account keeps.
#[derive(Debug, Serialize)]
pub struct UpdateView {
    title: String,
    url: String,
    seen: i64,
    version: u16,
    updated_on: Option<String>,
    comments: Option<String>,
}

/// The new versions, dated within `period`, of the papers `user_id` keeps and has not seen: each
/// digest tells of a version once, in the period it came out.
pub async fn updates_in(
    store: &Store,
    links: &Links,
    user_id: i64,
    period: Period,
) -> Result<Vec<UpdateView>, StoreError> {
    let (start, end) = period.range();
    let found = crate::community::updates::of(store, user_id, 200).await?;
    Ok(found
        .into_iter()
        .filter(|(p, _)| p.updated_on.is_some_and(|d| d >= start && d < end))
        .map(|(p, seen)| UpdateView {
            title: one_line(&p.title),
            url: format!("{}/papers/{}", links.base(), p.id.as_str()),
            seen,
            version: p.version,
            updated_on: p.updated_on.map(|d| d.to_string()),
            comments: p.comments.as_deref().map(one_line),
        })
        .collect())
}

/// One line: titles and abstracts from arXiv keep line breaks and runs of spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn teaser(s: &str, chars: usize) -> String {
    let s = one_line(s);
    if s.chars().count() <= chars {
        return s;
    }
    let cut: String = s.chars().take(chars).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a.to_string()).unwrap_or(cut);
    format!("{cut} …")
}

fn authors(a: &[String]) -> String {
    match a.len() {
        0..=3 => a.join(", "),
        n => format!("{}, {} et al. ({n} authors)", a[0], a[1]),
    }
}

/// The digest's name for its period: "2025-08-07" or "week 2025-W32".
pub fn period_label(kind: Frequency, period: Period) -> String {
    match kind {
        Frequency::Daily => period.to_string(),
        Frequency::Weekly => format!("week {period}"),
    }
}

/// Composes one subscriber's digest; `None` when nothing matches their preferences (nothing
/// is sent rather than an empty mail).
pub fn compose(
    links: &Links,
    subscriber: &Subscriber,
    kind: Frequency,
    period: Period,
    papers: &[&Candidate],
) -> Option<NewMessage> {
    compose_with_updates(links, subscriber, kind, period, papers, &[])
}

/// The same, with a section on new versions of papers the subscriber's account keeps.
pub fn compose_with_updates(
    links: &Links,
    subscriber: &Subscriber,
    kind: Frequency,
    period: Period,
    papers: &[&Candidate],
    updates: &[UpdateView],
) -> Option<NewMessage> {
    let first = papers.first()?;
    let label = period_label(kind, period);
    let subject = one_line(&format!(
        "paperboy {} digest, {label}: {} paper{} — {}",
        kind.as_str(),
        papers.len(),
        if papers.len() == 1 { "" } else { "s" },
        teaser(&first.paper.title, 70)
    ));
    let heading = format!(
        "{} papers of {label}{}",
        match subscriber.prefs.mode {
            Mode::Trending => "Top",
            Mode::ForMe => "Your",
        },
        if subscriber.prefs.categories.is_empty() {
            String::new()
        } else {
            format!(" in {}", subscriber.prefs.categories.join(", "))
        }
    );
    let views: Vec<PaperView> = papers
        .iter()
        .map(|c| {
            let p = &c.paper;
            let v = p.id.with_version(p.version);
            PaperView {
                title: one_line(&p.title),
                url: format!("{}/papers/{}", links.base(), p.id.as_str()),
                abs_url: v.abs_url(),
                pdf_url: v.pdf_url(),
                authors: authors(&p.authors),
                teaser: teaser(&p.abstract_text, 300),
                categories: p.categories.iter().map(|c| c.code()).collect::<Vec<_>>().join(" "),
                upvotes: c.upvotes,
            }
        })
        .collect();
    let unsubscribe_url = links.unsubscribe(subscriber.id);
    let ctx = minijinja::context! {
        subject => &subject,
        heading => &heading,
        papers => &views,
        updates => updates,
        frequency => kind.as_str(),
        email => &subscriber.email,
        public_url => links.base(),
        preferences_url => links.preferences(subscriber.id),
        unsubscribe_url => &unsubscribe_url,
    };
    Some(NewMessage {
        key: format!("digest:{}:{}:{period}", subscriber.id, kind.as_str()),
        subscriber_id: Some(subscriber.id),
        to: subscriber.email.clone(),
        subject,
        text: render("digest.txt", ctx.clone()),
        html: Some(render("digest.html", ctx)),
        unsubscribe_url: Some(unsubscribe_url),
    })
}

/// The confirmation mail of a subscription request.
pub fn confirmation(
    links: &Links,
    subscriber_id: i64,
    email: &str,
    frequency: Frequency,
    token: &str,
    hours: i64,
) -> NewMessage {
    let confirm_url = format!("{}/digest/confirm?token={token}", links.base());
    let ctx = minijinja::context! {
        public_url => links.base(), email => email, frequency => frequency.as_str(), hours => hours, confirm_url => confirm_url,
    };
    NewMessage {
        // One message per token: a re-sent confirmation gets its own row.
        key: format!("confirm:{subscriber_id}:{}", &crate::accounts::token_hash(token)[..16]),
        subscriber_id: Some(subscriber_id),
        to: email.to_string(),
        subject: "Confirm your paperboy digest subscription".into(),
        text: render("confirm.txt", ctx),
        html: None,
        unsubscribe_url: None,
    }
}

/// The reminder an already-subscribed address gets instead of a second confirmation (at most
/// one an hour).
pub fn already_subscribed(links: &Links, subscriber_id: i64, email: &str, now: i64) -> NewMessage {
    let ctx = minijinja::context! {
        public_url => links.base(), email => email,
        preferences_url => links.preferences(subscriber_id), unsubscribe_url => links.unsubscribe(subscriber_id),
    };
    NewMessage {
        key: format!("already:{subscriber_id}:{}", now / 3600),
        subscriber_id: Some(subscriber_id),
        to: email.to_string(),
        subject: "You are already subscribed to paperboy digests".into(),
        text: render("already.txt", ctx),
        html: None,
        unsubscribe_url: Some(links.unsubscribe(subscriber_id)),
    }
}

/// What queuing a period's digests did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueReport {
    pub subscribers: u64,
    pub queued: u64,
    /// Already queued for this period before (a re-run queues nothing twice).
    pub already_queued: u64,
    /// Nothing matched their preferences.
    pub empty: u64,
}

/// Queues the `kind` digest of `period` for every active subscriber of that frequency, in
/// batches. Idempotent: each message's key is unique, so running it again queues nothing twice.
pub async fn queue_period(
    store: &Store,
    links: &Links,
    recommending: &Recommending,
    kind: Frequency,
    period: Period,
    now: i64,
) -> Result<QueueReport, StoreError> {
    let candidates = candidates(store, period, now).await?;
    let mut report = QueueReport::default();
    let mut after = 0;
    let mut tastes: HashMap<i64, Taste> = HashMap::new();
    loop {
        let page = store.read(move |db| dstore::active_subscribers(db, kind, after, 1_000)).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let mut messages = Vec::with_capacity(page.len());
        for s in &page {
            report.subscribers += 1;
            let taste = match (s.prefs.mode, s.user_id) {
                (Mode::ForMe, Some(uid)) => {
                    if let std::collections::hash_map::Entry::Vacant(e) = tastes.entry(uid) {
                        e.insert(recommending.taste(store, uid).await?);
                    }
                    tastes.get(&uid)
                }
                _ => None,
            };
            let chosen = select(&candidates, &s.prefs, taste);
            let updates = match s.user_id {
                Some(uid) => updates_in(store, links, uid, period).await?,
                None => Vec::new(),
            };
            match compose_with_updates(links, s, kind, period, &chosen, &updates) {
                Some(m) => messages.push(m),
                None => report.empty += 1,
            }
        }
        let n = messages.len() as u64;
        let added = store.transaction(move |db| dstore::enqueue(db, &messages, now)).await?;
        report.queued += added;
        report.already_queued += n - added;
    }
    Ok(report)
}
