//! Acting approvers for a date range.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::delegations;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = delegations)]
pub struct DelegationRow {
    pub id: i64,
    pub approver_id: i64,
    pub acting_id: i64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConnection,
    approver_id: i64,
    acting_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(delegations::table)
        .values((
            delegations::approver_id.eq(approver_id),
            delegations::acting_id.eq(acting_id),
            delegations::from_date.eq(from),
            delegations::to_date.eq(to),
            delegations::created_at.eq(now),
        ))
        .returning(delegations::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<DelegationRow>> {
    delegations::table
        .find(id)
        .select(DelegationRow::as_select())
        .first(conn)
        .optional()
}

/// Unrevoked delegations given by some approvers that cover `on`.
pub fn active_from(
    conn: &mut DbConnection,
    approver_ids: &[i64],
    on: NaiveDate,
) -> QueryResult<Vec<DelegationRow>> {
    delegations::table
        .filter(delegations::approver_id.eq_any(approver_ids.to_vec()))
        .filter(delegations::revoked_at.is_null())
        .filter(delegations::from_date.le(on))
        .filter(delegations::to_date.ge(on))
        .select(DelegationRow::as_select())
        .load(conn)
}

/// Unrevoked delegations to `acting_id` that cover `on` (whose queues this person also sees).
pub fn active_to(
    conn: &mut DbConnection,
    acting_id: i64,
    on: NaiveDate,
) -> QueryResult<Vec<DelegationRow>> {
    delegations::table
        .filter(delegations::acting_id.eq(acting_id))
        .filter(delegations::revoked_at.is_null())
        .filter(delegations::from_date.le(on))
        .filter(delegations::to_date.ge(on))
        .select(DelegationRow::as_select())
        .load(conn)
}

/// Delegations given or received by a person, newest first.
pub fn involving(conn: &mut DbConnection, staff_id: i64) -> QueryResult<Vec<DelegationRow>> {
    delegations::table
        .filter(
            delegations::approver_id
                .eq(staff_id)
                .or(delegations::acting_id.eq(staff_id)),
        )
        .order(delegations::id.desc())
        .limit(200)
        .select(DelegationRow::as_select())
        .load(conn)
}

pub fn revoke(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        delegations::table
            .find(id)
            .filter(delegations::revoked_at.is_null()),
    )
    .set(delegations::revoked_at.eq(now))
    .execute(conn)
}
