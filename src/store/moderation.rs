//! The moderation log. Written once for both backends over
//! [`Db`](super::db::Db); run them with `Store::transaction` or `Store::read`.

use super::db::Db;
use super::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationEntry {
    pub admin: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub at: i64,
}

pub fn log_moderation(
    db: &mut dyn Db,
    admin_id: i64,
    action: &str,
    target: &str,
    reason: &str,
    now: i64,
) -> Result<()> {
    db.execute(
        "INSERT INTO moderation_log (admin_id, action, target, reason, at) VALUES ($1, $2, $3, $4, $5)",
        &[admin_id.into(), action.into(), target.into(), reason.into(), now.into()],
    )?;
    Ok(())
}

pub fn moderation_log(db: &mut dyn Db, limit: i64) -> Result<Vec<ModerationEntry>> {
    let rows = db.query(
        "SELECT COALESCE(u.username, ''), m.action, m.target, m.reason, m.at FROM moderation_log m
         LEFT JOIN users u ON u.id = m.admin_id ORDER BY m.id DESC LIMIT $1",
        &[limit.into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| ModerationEntry {
            admin: r.text(0),
            action: r.text(1),
            target: r.text(2),
            reason: r.text(3),
            at: r.int(4),
        })
        .collect())
}
