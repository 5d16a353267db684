//! One small SQL interface over both backends, so that the community tables (accounts,
//! votes, comments, collections…) are queried by SQL written once.
//!
//! Statements use PostgreSQL's `$1, $2…` placeholders (rewritten to SQLite's `?1, ?2…`) and
//! only what both databases understand: `ON CONFLICT`, `RETURNING`, `BIGINT`, `TEXT`,
//! `DOUBLE PRECISION`. Timestamps are Unix seconds, days `YYYY-MM-DD` text, flags 0/1.
//! A unit of work is a plain (blocking) function over `&mut dyn Db`; the store runs it on the
//! blocking pool, in a transaction for writes.

use super::{Result, StoreError};
use sqlx::postgres::Postgres;
use sqlx::{Column, Row as _, TypeInfo};

/// A statement parameter. Nulls are typed, because PostgreSQL wants to know.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::Int(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Int(Some(v as i64))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::Real(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_string()))
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(Some(v))
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::Text(v)
    }
}

/// One cell of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A result row, read by column position.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> &Cell {
        self.0.get(i).unwrap_or(&Cell::Null)
    }
    pub fn int(&self, i: usize) -> i64 {
        self.opt_int(i).unwrap_or(0)
    }
    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.cell(i) {
            Cell::Int(v) => Some(*v),
            Cell::Real(v) => Some(*v as i64),
            Cell::Text(s) => s.parse().ok(),
            Cell::Null => None,
        }
    }
    pub fn real(&self, i: usize) -> f64 {
        match self.cell(i) {
            Cell::Int(v) => *v as f64,
            Cell::Real(v) => *v,
            Cell::Text(s) => s.parse().unwrap_or(0.0),
            Cell::Null => 0.0,
        }
    }
    pub fn opt_real(&self, i: usize) -> Option<f64> {
        match self.cell(i) {
            Cell::Null => None,
            _ => Some(self.real(i)),
        }
    }
    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.cell(i) {
            Cell::Text(s) => Some(s.clone()),
            Cell::Int(v) => Some(v.to_string()),
            Cell::Real(v) => Some(v.to_string()),
            Cell::Null => None,
        }
    }
    pub fn flag(&self, i: usize) -> bool {
        self.int(i) != 0
    }
}

pub trait Db {
    /// Runs a statement and returns its rows (`SELECT`, or anything with `RETURNING`).
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>>;
    /// Runs a statement and returns how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64>;

    fn query_one(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// `$1` → `?1`: SQLite numbers parameters the same way under another sigil.
fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

pub struct SqliteDb<'a>(pub &'a rusqlite::Connection);

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(match self {
            Val::Int(Some(v)) => ToSqlOutput::Owned(Value::Integer(*v)),
            Val::Real(Some(v)) => ToSqlOutput::Owned(Value::Real(*v)),
            Val::Text(Some(s)) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes())),
            _ => ToSqlOutput::Owned(Value::Null),
        })
    }
}

impl Db for SqliteDb<'_> {
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                cells.push(match r.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Real(v) => Cell::Real(v),
                    ValueRef::Text(t) | ValueRef::Blob(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }
}

/// A PostgreSQL connection driven from a blocking thread: each statement blocks on the
/// runtime that owns the connection.
pub struct PgDb {
    pub conn: PgConn,
    pub handle: tokio::runtime::Handle,
}

pub enum PgConn {
    Tx(sqlx::Transaction<'static, Postgres>),
    Plain(sqlx::pool::PoolConnection<Postgres>),
}

impl PgConn {
    fn conn(&mut self) -> &mut sqlx::PgConnection {
        match self {
            PgConn::Tx(tx) => tx,
            PgConn::Plain(c) => c,
        }
    }
}

fn pg_query<'q>(sql: &'q str, params: &[Val]) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(sql);
    for p in params {
        q = match p.clone() {
            Val::Int(v) => q.bind(v),
            Val::Real(v) => q.bind(v),
            Val::Text(v) => q.bind(v),
        };
    }
    q
}

fn pg_cell(row: &sqlx::postgres::PgRow, i: usize) -> Result<Cell> {
    let ty = row.columns()[i].type_info().name().to_string();
    let cell = match ty.as_str() {
        "INT8" => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
        "INT4" => row.try_get::<Option<i32>, _>(i)?.map(|v| Cell::Int(v.into())),
        "INT2" => row.try_get::<Option<i16>, _>(i)?.map(|v| Cell::Int(v.into())),
        "BOOL" => row.try_get::<Option<bool>, _>(i)?.map(|v| Cell::Int(v.into())),
        "FLOAT8" => row.try_get::<Option<f64>, _>(i)?.map(Cell::Real),
        "FLOAT4" => row.try_get::<Option<f32>, _>(i)?.map(|v| Cell::Real(v.into())),
        "DATE" => row.try_get::<Option<chrono::NaiveDate>, _>(i)?.map(|d| Cell::Text(d.to_string())),
        "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
        other => {
            return Err(StoreError::CorruptRow {
                id: format!("column {i}"),
                reason: format!("unsupported PostgreSQL type {other}"),
            })
        }
    };
    Ok(cell.unwrap_or(Cell::Null))
}

impl Db for PgDb {
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        let handle = self.handle.clone();
        let rows = handle.block_on(pg_query(sql, params).fetch_all(self.conn.conn()))?;
        rows.iter()
            .map(|r| (0..r.columns().len()).map(|i| pg_cell(r, i)).collect::<Result<Vec<_>>>().map(Row))
            .collect()
    }

    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let handle = self.handle.clone();
        Ok(handle.block_on(pg_query(sql, params).execute(self.conn.conn()))?.rows_affected())
    }
}

/// `$from, $from+1, …`: `n` numbered placeholders.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Text parameters, one per id.
pub(crate) fn texts(ids: &[String]) -> Vec<Val> {
    ids.iter().map(Val::from).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_keep_their_numbers() {
        assert_eq!(super::sqlite_sql("SELECT $2, $1 FROM t WHERE a = '$x'"), "SELECT ?2, ?1 FROM t WHERE a = '$x'");
    }
}
