//! Writing a planned batch of papers to PostgreSQL: the papers as column arrays through one
//! `UNNEST`, then their categories.

use crate::papers::Paper;
use crate::store::{Result, Write};
use chrono::NaiveDate;
use sqlx::{Postgres, Transaction};

/// A batch of papers as column arrays, for `UNNEST`.
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    version: Vec<i32>,
    title: Vec<String>,
    abstract_text: Vec<String>,
    authors: Vec<String>,
    categories: Vec<String>,
    comments: Vec<Option<String>>,
    journal_ref: Vec<Option<String>>,
    doi: Vec<Option<String>>,
    license: Vec<Option<String>>,
    submitted_on: Vec<Option<NaiveDate>>,
    updated_on: Vec<Option<NaiveDate>>,
    announced_on: Vec<Option<NaiveDate>>,
    announce_type: Vec<Option<String>>,
    source: Vec<String>,
    announced_exact: Vec<bool>,
    categories_listed: Vec<bool>,
}

impl Columns {
    fn push(&mut self, p: &Paper) {
        self.id.push(p.id.as_str().to_string());
        self.version.push(p.version as i32);
        self.title.push(p.title.clone());
        self.abstract_text.push(p.abstract_text.clone());
        self.authors.push(serde_json::to_string(&p.authors).expect("strings serialise"));
        self.categories.push(p.categories.iter().map(|c| c.code()).collect::<Vec<_>>().join(" "));
        self.comments.push(p.comments.clone());
        self.journal_ref.push(p.journal_ref.clone());
        self.doi.push(p.doi.clone());
        self.license.push(p.license.clone());
        self.submitted_on.push(p.submitted_on);
        self.updated_on.push(p.updated_on);
        self.announced_on.push(p.announced_on);
        self.announce_type.push(p.announce_type.map(|t| t.as_str().to_string()));
        self.source.push(p.source.as_str().to_string());
        self.announced_exact.push(p.announced_exact);
        self.categories_listed.push(p.categories_listed);
    }
}

/// Writes a planned batch with one statement for the papers and two for their categories.
pub(super) async fn write_papers(tx: &mut Transaction<'_, Postgres>, writes: &[Write]) -> Result<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let mut c = Columns::default();
    let (mut cat_codes, mut cat_days, mut cat_ids) = (Vec::new(), Vec::new(), Vec::new());
    let mut replaced = Vec::new();
    for Write { paper: p, previous } in writes {
        c.push(p);
        for cat in &p.categories {
            cat_codes.push(cat.code().to_string());
            cat_days.push(p.announced_on);
            cat_ids.push(p.id.as_str().to_string());
        }
        if previous.is_some() {
            replaced.push(p.id.as_str().to_string());
        }
    }
    sqlx::query(
        "INSERT INTO papers (id, version, title, abstract, authors, categories, comments, journal_ref, doi, license,
                             submitted_on, updated_on, announced_on, announce_type, source, change_seq, announced_exact,
                             categories_listed)
         SELECT u.id, u.version, u.title, u.abstract, u.authors, u.categories, u.comments, u.journal_ref, u.doi,
                u.license, u.submitted_on, u.updated_on, u.announced_on, u.announce_type, u.source,
                nextval('paper_changes'), u.announced_exact, u.categories_listed
         FROM UNNEST($1::text[], $2::int[], $3::text[], $4::text[], $5::text[],
              $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[], $12::date[], $13::date[],
              $14::text[], $15::text[], $16::bool[], $17::bool[]) WITH ORDINALITY AS u(id, version, title, abstract,
              authors, categories, comments, journal_ref, doi, license, submitted_on, updated_on, announced_on,
              announce_type, source, announced_exact, categories_listed, n)
         ORDER BY u.n
         ON CONFLICT (id) DO UPDATE SET
            version = excluded.version, title = excluded.title, abstract = excluded.abstract,
            authors = excluded.authors, categories = excluded.categories, comments = excluded.comments,
            journal_ref = excluded.journal_ref, doi = excluded.doi, license = excluded.license,
            submitted_on = excluded.submitted_on, updated_on = excluded.updated_on,
            announced_on = excluded.announced_on, announce_type = excluded.announce_type,
            source = excluded.source, change_seq = excluded.change_seq, announced_exact = excluded.announced_exact,
            categories_listed = excluded.categories_listed",
    )
    .bind(&c.id)
    .bind(&c.version)
    .bind(&c.title)
    .bind(&c.abstract_text)
    .bind(&c.authors)
    .bind(&c.categories)
    .bind(&c.comments)
    .bind(&c.journal_ref)
    .bind(&c.doi)
    .bind(&c.license)
    .bind(&c.submitted_on)
    .bind(&c.updated_on)
    .bind(&c.announced_on)
    .bind(&c.announce_type)
    .bind(&c.source)
    .bind(&c.announced_exact)
    .bind(&c.categories_listed)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM paper_categories WHERE paper_id = ANY($1)").bind(&replaced).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO paper_categories (category, announced_on, paper_id)
         SELECT * FROM UNNEST($1::text[], $2::date[], $3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(&cat_codes)
    .bind(&cat_days)
    .bind(&cat_ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
