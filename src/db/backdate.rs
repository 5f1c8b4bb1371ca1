//! Permissions to log work older than the backdating window (audited exceptions).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::backdate_permissions;
use super::DbConnection;

pub fn exists(conn: &mut DbConnection, staff_id: i64, work_date: NaiveDate) -> QueryResult<bool> {
    let n: i64 = backdate_permissions::table
        .filter(backdate_permissions::staff_id.eq(staff_id))
        .filter(backdate_permissions::work_date.eq(work_date))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn grant(
    conn: &mut DbConnection,
    staff_id: i64,
    work_date: NaiveDate,
    granted_by: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(backdate_permissions::table)
        .values((
            backdate_permissions::staff_id.eq(staff_id),
            backdate_permissions::work_date.eq(work_date),
            backdate_permissions::granted_by.eq(granted_by),
            backdate_permissions::reason.eq(reason),
            backdate_permissions::created_at.eq(now),
        ))
        .returning(backdate_permissions::id)
        .get_result(conn)
}
