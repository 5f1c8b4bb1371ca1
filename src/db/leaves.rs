//! Queries of leave (absences): requests, decisions, and the approved leave of many people over
//! a date range for the norm computation. Keyed by staff (`leaves_staff_dates`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::leaves;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = leaves)]
pub struct Leave {
    pub id: i64,
    pub staff_id: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub kind: String,
    pub portion: String,
    pub reason: String,
    pub state: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = leaves)]
pub struct NewLeave<'a> {
    pub staff_id: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub kind: &'a str,
    pub portion: &'a str,
    pub reason: &'a str,
    pub state: &'a str,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewLeave<'_>) -> QueryResult<i64> {
    diesel::insert_into(leaves::table)
        .values(new)
        .returning(leaves::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Leave>> {
    leaves::table
        .find(id)
        .select(Leave::as_select())
        .first(conn)
        .optional()
}

pub struct LeaveListFilter {
    pub staff_id: i64,
    /// Only leave ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Only leave starting on or before this day.
    pub to: Option<NaiveDate>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// One person's leave overlapping an optional date range, by id (keyset pagination).
pub fn list(conn: &mut DbConnection, f: &LeaveListFilter) -> QueryResult<Vec<Leave>> {
    let mut q = leaves::table
        .filter(leaves::staff_id.eq(f.staff_id))
        .select(Leave::as_select())
        .into_boxed();
    if let Some(from) = f.from {
        q = q.filter(leaves::end_date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(leaves::start_date.le(to));
    }
    if let Some(after) = f.after_id {
        q = q.filter(leaves::id.gt(after));
    }
    q.order(leaves::id.asc()).limit(f.limit).load(conn)
}

/// Leave of one person in some states overlapping `[from, to]` (overlap checks of a request).
pub fn overlapping(
    conn: &mut DbConnection,
    staff_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    states: &[&str],
) -> QueryResult<Vec<Leave>> {
    leaves::table
        .filter(leaves::staff_id.eq(staff_id))
        .filter(leaves::start_date.le(to))
        .filter(leaves::end_date.ge(from))
        .filter(leaves::state.eq_any(states.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        .select(Leave::as_select())
        .load(conn)
}

/// Approved leave of several people overlapping `[from, to]`: one query per 900 people (bind
/// limits), never one per person.
pub fn approved_overlapping(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<Leave>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(900) {
        let mut rows = leaves::table
            .filter(leaves::staff_id.eq_any(chunk.to_vec()))
            .filter(leaves::state.eq("approved"))
            .filter(leaves::start_date.le(to))
            .filter(leaves::end_date.ge(from))
            .order((leaves::staff_id.asc(), leaves::start_date.asc()))
            .select(Leave::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// Records a decision if the leave is still at `expected_version`; false when someone else
/// decided (or changed) it first.
pub fn decide_versioned(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i64,
    state: &str,
    decided_by: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        leaves::table
            .filter(leaves::id.eq(id))
            .filter(leaves::version.eq(expected_version)),
    )
    .set((
        leaves::state.eq(state),
        leaves::decided_by.eq(Some(decided_by)),
        leaves::decided_at.eq(Some(now)),
        leaves::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
