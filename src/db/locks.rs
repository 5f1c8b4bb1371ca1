//! Locked periods: a unit's month becomes read-only when its grading is published.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::period_locks;
use super::DbConnection;

pub fn is_locked(conn: &mut DbConnection, unit_id: i64, period: &str) -> QueryResult<bool> {
    let n: i64 = period_locks::table
        .filter(period_locks::unit_id.eq(unit_id))
        .filter(period_locks::period.eq(period))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn lock(
    conn: &mut DbConnection,
    unit_id: i64,
    period: &str,
    by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if !is_locked(conn, unit_id, period)? {
        diesel::insert_into(period_locks::table)
            .values((
                period_locks::unit_id.eq(unit_id),
                period_locks::period.eq(period),
                period_locks::locked_by.eq(by),
                period_locks::locked_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
