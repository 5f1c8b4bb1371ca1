//! The append-only audit log (triggers in both schemas refuse UPDATE and DELETE).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit<'a> {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub entity: &'a str,
    pub entity_id: i64,
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub detail: Option<String>,
}

pub fn record(conn: &mut DbConnection, row: &NewAudit<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Several audit rows, a few hundred a statement.
pub fn record_many(conn: &mut DbConnection, rows: &[NewAudit<'_>]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        match (&mut *conn, chunk) {
            (DbConnection::Sqlite(c), [one]) => diesel::insert_into(audit_log::table)
                .values(one)
                .execute(c)?,
            (DbConnection::Sqlite(c), _) => diesel::insert_into(audit_log::table)
                .values(chunk)
                .execute(c)?,
            (DbConnection::Pg(c), _) => diesel::insert_into(audit_log::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConnection, f: &AuditFilter) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(entity) = &f.entity {
        q = q.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(id) = f.entity_id {
        q = q.filter(audit_log::entity_id.eq(id));
    }
    if let Some(after) = f.after_id {
        q = q.filter(audit_log::id.gt(after));
    }
    q.order(audit_log::id.asc()).limit(f.limit).load(conn)
}
