//! Permissions to log work older than the backdating window (audited exceptions): a date range,
//! for one person or a whole unit, revocable.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::backdate_permissions;
use super::DbConnection;
use crate::domain::diary::BackdateCover;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = backdate_permissions)]
pub struct Permission {
    pub id: i64,
    pub staff_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub granted_by: i64,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub revoked_by: Option<i64>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl Permission {
    pub fn cover(&self) -> BackdateCover {
        BackdateCover {
            staff_id: self.staff_id,
            unit_id: self.unit_id,
            from: self.from_date,
            to: self.to_date,
        }
    }
}

/// A live permission of the person (or of `unit_id`, the unit the line is logged in) covers
/// `work_date`.
pub fn covers(
    conn: &mut DbConnection,
    staff_id: i64,
    unit_id: Option<i64>,
    work_date: NaiveDate,
) -> QueryResult<bool> {
    let mut q = backdate_permissions::table
        .filter(backdate_permissions::revoked_at.is_null())
        .filter(backdate_permissions::from_date.le(work_date))
        .filter(backdate_permissions::to_date.ge(work_date))
        .into_boxed();
    q = match unit_id {
        Some(u) => q.filter(
            backdate_permissions::staff_id
                .eq(staff_id)
                .or(backdate_permissions::unit_id.eq(u)),
        ),
        None => q.filter(backdate_permissions::staff_id.eq(staff_id)),
    };
    let n: i64 = q.count().get_result(conn)?;
    Ok(n > 0)
}

/// Live permissions overlapping `from..=to` (what the anomaly rules are given).
pub fn live_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<BackdateCover>> {
    Ok(backdate_permissions::table
        .filter(backdate_permissions::revoked_at.is_null())
        .filter(backdate_permissions::from_date.le(to))
        .filter(backdate_permissions::to_date.ge(from))
        .select(Permission::as_select())
        .load(conn)?
        .iter()
        .map(Permission::cover)
        .collect())
}

/// A live permission for exactly this person or unit already covers the whole range.
pub fn already_covered(
    conn: &mut DbConnection,
    staff_id: Option<i64>,
    unit_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<bool> {
    let mut q = backdate_permissions::table
        .filter(backdate_permissions::revoked_at.is_null())
        .filter(backdate_permissions::from_date.le(from))
        .filter(backdate_permissions::to_date.ge(to))
        .into_boxed();
    q = match (staff_id, unit_id) {
        (Some(s), _) => q.filter(backdate_permissions::staff_id.eq(s)),
        (None, Some(u)) => q.filter(backdate_permissions::unit_id.eq(u)),
        (None, None) => return Ok(false),
    };
    let n: i64 = q.count().get_result(conn)?;
    Ok(n > 0)
}

#[allow(clippy::too_many_arguments)]
pub fn grant(
    conn: &mut DbConnection,
    staff_id: Option<i64>,
    unit_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    granted_by: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(backdate_permissions::table)
        .values((
            backdate_permissions::staff_id.eq(staff_id),
            backdate_permissions::unit_id.eq(unit_id),
            backdate_permissions::from_date.eq(from),
            backdate_permissions::to_date.eq(to),
            backdate_permissions::granted_by.eq(granted_by),
            backdate_permissions::reason.eq(reason),
            backdate_permissions::created_at.eq(now),
        ))
        .returning(backdate_permissions::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Permission>> {
    backdate_permissions::table
        .find(id)
        .select(Permission::as_select())
        .first(conn)
        .optional()
}

/// Marks a live permission revoked; false when it was already revoked.
pub fn revoke(conn: &mut DbConnection, id: i64, by: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        backdate_permissions::table
            .find(id)
            .filter(backdate_permissions::revoked_at.is_null()),
    )
    .set((
        backdate_permissions::revoked_by.eq(Some(by)),
        backdate_permissions::revoked_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// What a caller who is not the organisation department may list.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Permissions of people whose unit is one of these (the subtrees the caller heads).
    pub people_of_units: Vec<i64>,
    /// Unit-wide permissions of these units (headed subtrees and the caller's own unit).
    pub units: Vec<i64>,
    /// The caller's own permissions.
    pub me: i64,
}

/// Permissions within `scope` (all when None), optionally of one person or unit, newest first,
/// in keyset pages (`after`: the last id of the previous page).
pub fn list(
    conn: &mut DbConnection,
    scope: Option<&Scope>,
    staff_id: Option<i64>,
    unit_id: Option<i64>,
    include_revoked: bool,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Permission>> {
    use super::schema::staff;
    let mut q = backdate_permissions::table
        .left_join(staff::table.on(staff::id.nullable().eq(backdate_permissions::staff_id)))
        .select(Permission::as_select())
        .into_boxed();
    if let Some(scope) = scope {
        q = q.filter(
            staff::unit_id
                .eq_any(scope.people_of_units.clone())
                .or(backdate_permissions::unit_id.eq_any(scope.units.clone()))
                .or(backdate_permissions::staff_id.eq(scope.me)),
        );
    }
    if let Some(s) = staff_id {
        q = q.filter(backdate_permissions::staff_id.eq(s));
    }
    if let Some(u) = unit_id {
        q = q.filter(backdate_permissions::unit_id.eq(u));
    }
    if !include_revoked {
        q = q.filter(backdate_permissions::revoked_at.is_null());
    }
    if let Some(a) = after {
        q = q.filter(backdate_permissions::id.lt(a));
    }
    q.order(backdate_permissions::id.desc())
        .limit(limit)
        .load(conn)
}

/// People with live lines logged in `unit_id` between two dates (whose totals a unit-wide
/// permission changes).
pub fn people_with_lines_in_unit(
    conn: &mut DbConnection,
    unit_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<i64>> {
    use super::schema::entries;
    entries::table
        .filter(entries::unit_id.eq(unit_id))
        .filter(entries::work_date.between(from, to))
        .filter(entries::deleted_at.is_null())
        .select(entries::staff_id)
        .distinct()
        .load(conn)
}
