//! Queries of people and their contracts.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{staff, staff_contracts};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct Staff {
    pub id: i64,
    pub unit_id: Option<i64>,
    pub supervisor_id: Option<i64>,
    pub username: String,
    pub password_hash: Option<String>,
    pub full_name: String,
    pub email: Option<String>,
    pub position: Option<String>,
    pub roles: String,
    pub is_leader: bool,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Carried in access tokens; bumping it ends every access token issued before.
    pub session_version: i64,
    /// Set by an administrator's password reset: the person must choose a new password first.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = staff)]
pub struct NewStaff {
    pub unit_id: Option<i64>,
    pub supervisor_id: Option<i64>,
    pub username: String,
    pub password_hash: Option<String>,
    pub full_name: String,
    pub email: Option<String>,
    pub position: Option<String>,
    pub roles: String,
    pub is_leader: bool,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_contracts)]
pub struct Contract {
    pub staff_id: i64,
    pub effective_from: NaiveDate,
    pub weekly_minutes: i32,
}

pub fn insert(conn: &mut DbConnection, new: &NewStaff) -> QueryResult<i64> {
    diesel::insert_into(staff::table)
        .values(new)
        .returning(staff::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Staff>> {
    staff::table
        .find(id)
        .select(Staff::as_select())
        .first(conn)
        .optional()
}

/// Several people by id (one query).
pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Staff>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    staff::table
        .filter(staff::id.eq_any(ids.to_vec()))
        .select(Staff::as_select())
        .load(conn)
}

/// A person and the path of their unit, in one statement (the caller of every request).
pub fn find_with_unit_path(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<(Staff, Option<String>)>> {
    staff::table
        .left_join(crate::db::schema::units::table)
        .filter(staff::id.eq(id))
        .select((
            Staff::as_select(),
            crate::db::schema::units::path.nullable(),
        ))
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<Staff>> {
    staff::table
        .filter(staff::username.eq(username))
        .select(Staff::as_select())
        .first(conn)
        .optional()
}

pub fn any_admin(conn: &mut DbConnection) -> QueryResult<bool> {
    let n: i64 = staff::table
        .filter(staff::roles.like("%admin%"))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub struct StaffListFilter {
    /// None: everybody; Some: only people of these units.
    pub unit_ids: Option<Vec<i64>>,
    /// Restrict to one person (plain staff see only themselves).
    pub only_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub active: Option<bool>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConnection, f: &StaffListFilter) -> QueryResult<Vec<Staff>> {
    let mut q = staff::table.select(Staff::as_select()).into_boxed();
    if let Some(ids) = &f.unit_ids {
        q = q.filter(staff::unit_id.eq_any(ids.clone()));
    }
    if let Some(id) = f.only_id {
        q = q.filter(staff::id.eq(id));
    }
    if let Some(unit) = f.unit_id {
        q = q.filter(staff::unit_id.eq(unit));
    }
    if let Some(active) = f.active {
        q = q.filter(staff::active.eq(active));
    }
    if let Some(after) = f.after_id {
        q = q.filter(staff::id.gt(after));
    }
    q.order(staff::id.asc()).limit(f.limit).load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = staff)]
pub struct StaffChanges {
    pub unit_id: Option<Option<i64>>,
    pub supervisor_id: Option<Option<i64>>,
    pub password_hash: Option<Option<String>>,
    pub full_name: Option<String>,
    pub email: Option<Option<String>>,
    pub position: Option<Option<String>>,
    pub roles: Option<String>,
    pub is_leader: Option<bool>,
    pub joined_on: Option<Option<NaiveDate>>,
    pub left_on: Option<Option<NaiveDate>>,
    pub active: Option<bool>,
}

impl StaffChanges {
    pub fn is_empty(&self) -> bool {
        self.unit_id.is_none()
            && self.supervisor_id.is_none()
            && self.password_hash.is_none()
            && self.full_name.is_none()
            && self.email.is_none()
            && self.position.is_none()
            && self.roles.is_none()
            && self.is_leader.is_none()
            && self.joined_on.is_none()
            && self.left_on.is_none()
            && self.active.is_none()
    }
}

/// Applies changes when the stored version matches (`None`: no check, for imports).
pub fn update_versioned(
    conn: &mut DbConnection,
    id: i64,
    expected_version: Option<i64>,
    changes: &StaffChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let mut target = staff::table.filter(staff::id.eq(id)).into_boxed();
    if let Some(v) = expected_version {
        target = target.filter(staff::version.eq(v));
    }
    // diesel cannot update a boxed query: resolve the row first, then update by id + version.
    let current: Option<i64> = target.select(staff::version).first(conn).optional()?;
    let Some(version) = current else {
        return Ok(false);
    };
    if changes.is_empty() {
        diesel::update(
            staff::table
                .filter(staff::id.eq(id))
                .filter(staff::version.eq(version)),
        )
        .set((staff::version.eq(version + 1), staff::updated_at.eq(now)))
        .execute(conn)?;
        return Ok(true);
    }
    let n = diesel::update(
        staff::table
            .filter(staff::id.eq(id))
            .filter(staff::version.eq(version)),
    )
    .set((
        changes,
        staff::version.eq(version + 1),
        staff::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends every access token of a person (they carry the old session version); returns the new one.
pub fn bump_session(conn: &mut DbConnection, id: i64) -> QueryResult<i64> {
    diesel::update(staff::table.filter(staff::id.eq(id)))
        .set(staff::session_version.eq(staff::session_version + 1))
        .execute(conn)?;
    staff::table
        .find(id)
        .select(staff::session_version)
        .first(conn)
}

/// Stores a new password hash and whether the person must change it at next login.
pub fn set_password(
    conn: &mut DbConnection,
    id: i64,
    password_hash: &str,
    must_change: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(staff::table.filter(staff::id.eq(id)))
        .set((
            staff::password_hash.eq(password_hash),
            staff::must_change_password.eq(must_change),
            staff::version.eq(staff::version + 1),
            staff::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets or clears the must-change-password flag.
pub fn set_must_change_password(
    conn: &mut DbConnection,
    id: i64,
    must_change: bool,
) -> QueryResult<()> {
    diesel::update(staff::table.filter(staff::id.eq(id)))
        .set(staff::must_change_password.eq(must_change))
        .execute(conn)?;
    Ok(())
}

/// Adds or replaces the contract that takes effect on `effective_from`.
pub fn upsert_contract(
    conn: &mut DbConnection,
    staff_id: i64,
    effective_from: NaiveDate,
    weekly_minutes: i32,
) -> QueryResult<()> {
    let updated = diesel::update(
        staff_contracts::table
            .filter(staff_contracts::staff_id.eq(staff_id))
            .filter(staff_contracts::effective_from.eq(effective_from)),
    )
    .set(staff_contracts::weekly_minutes.eq(weekly_minutes))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(staff_contracts::table)
            .values((
                staff_contracts::staff_id.eq(staff_id),
                staff_contracts::effective_from.eq(effective_from),
                staff_contracts::weekly_minutes.eq(weekly_minutes),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Contracts of several people at once (one query), ordered by person then date.
pub fn contracts_of(conn: &mut DbConnection, staff_ids: &[i64]) -> QueryResult<Vec<Contract>> {
    staff_contracts::table
        .filter(staff_contracts::staff_id.eq_any(staff_ids.to_vec()))
        .order((staff_contracts::staff_id, staff_contracts::effective_from))
        .select(Contract::as_select())
        .load(conn)
}

/// The supervisor chain of a person, nearest first, stopping at `max` links.
pub fn supervisor_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    staff::table
        .find(id)
        .select(staff::supervisor_id)
        .first::<Option<i64>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Takes the write lock on a person's row first thing in a transaction: concurrent writes for the
/// same person (two devices logging the same day) are serialised, so day totals cannot race past
/// the 24-hour cap. Call it inside `db::write_transaction`: on SQLite that transaction holds the
/// database's only write lock from its BEGIN, which serialises every writer already, so there is
/// nothing more to lock (and no statement to run).
pub fn lock_person(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    if crate::db::is_sqlite(conn) {
        // The write transaction already holds SQLite's only write lock (db::write_transaction).
        return Ok(());
    }
    diesel::update(staff::table.find(id))
        .set(staff::version.eq(staff::version))
        .execute(conn)?;
    Ok(())
}

/// [`lock_person`] for several people at once (a chunk of a background rebuild).
pub fn lock_people(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    if crate::db::is_sqlite(conn) || ids.is_empty() {
        return Ok(());
    }
    diesel::update(staff::table.filter(staff::id.eq_any(ids.to_vec())))
        .set(staff::version.eq(staff::version))
        .execute(conn)?;
    Ok(())
}

/// Names of several people (one query).
pub fn names_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    staff::table
        .filter(staff::id.eq_any(ids.to_vec()))
        .select((staff::id, staff::full_name))
        .load(conn)
}

/// Active people who belong to a unit: of the given units (None: of every unit), in one query
/// per 900 units (bind limits), ordered by id. Reports load a whole subtree with this.
pub fn active_in_units(
    conn: &mut DbConnection,
    unit_ids: Option<&[i64]>,
) -> QueryResult<Vec<Staff>> {
    let Some(unit_ids) = unit_ids else {
        return staff::table
            .filter(staff::active.eq(true))
            .filter(staff::unit_id.is_not_null())
            .order(staff::id.asc())
            .select(Staff::as_select())
            .load(conn);
    };
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(900) {
        let mut rows = staff::table
            .filter(staff::active.eq(true))
            .filter(staff::unit_id.eq_any(chunk.to_vec()))
            .order(staff::id.asc())
            .select(Staff::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    out.sort_by_key(|s| s.id);
    Ok(out)
}

/// Of `unit_ids`, those with at least one active member (one query per 900 units).
pub fn units_with_active_members(
    conn: &mut DbConnection,
    unit_ids: &[i64],
) -> QueryResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(900) {
        let mut rows: Vec<Option<i64>> = staff::table
            .filter(staff::active.eq(true))
            .filter(staff::unit_id.eq_any(chunk.to_vec()))
            .select(staff::unit_id)
            .distinct()
            .load(conn)?;
        out.extend(rows.drain(..).flatten());
    }
    Ok(out)
}

/// Active people of each of `unit_ids` that has any (one grouped count per 900 units).
pub fn active_count_by_unit(
    conn: &mut DbConnection,
    unit_ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(900) {
        let rows: Vec<(Option<i64>, i64)> = staff::table
            .filter(staff::active.eq(true))
            .filter(staff::unit_id.eq_any(chunk.to_vec()))
            .group_by(staff::unit_id)
            .select((staff::unit_id, diesel::dsl::count_star()))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(u, n)| Some((u?, n))));
    }
    Ok(out)
}

/// Active direct subordinates of some supervisors (one query).
pub fn subordinates_of(conn: &mut DbConnection, supervisor_ids: &[i64]) -> QueryResult<Vec<Staff>> {
    staff::table
        .filter(staff::supervisor_id.eq_any(supervisor_ids.to_vec()))
        .filter(staff::active.eq(true))
        .select(Staff::as_select())
        .load(conn)
}

/// Active people of exactly one unit (not its subtree).
pub fn members_of(conn: &mut DbConnection, unit_id: i64) -> QueryResult<Vec<Staff>> {
    staff::table
        .filter(staff::unit_id.eq(unit_id))
        .filter(staff::active.eq(true))
        .order(staff::id.asc())
        .select(Staff::as_select())
        .load(conn)
}

/// A contract row for bulk inserts (`seed-demo`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = staff_contracts)]
pub struct NewContract {
    pub staff_id: i64,
    pub effective_from: NaiveDate,
    pub weekly_minutes: i32,
}

/// Inserts many people in one statement per 500 rows (bind limits); returns the rows written.
pub fn insert_batch(conn: &mut DbConnection, rows: &[NewStaff]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(500) {
        // Per backend: diesel's MultiConnection has no multi-row insert for SQLite.
        n += match conn {
            DbConnection::Sqlite(c) => {
                diesel::insert_into(staff::table).values(chunk).execute(c)?
            }
            DbConnection::Pg(c) => diesel::insert_into(staff::table).values(chunk).execute(c)?,
        };
    }
    Ok(n)
}

/// Inserts many contracts in one statement per 1,000 rows.
pub fn insert_contracts(conn: &mut DbConnection, rows: &[NewContract]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(1000) {
        // Per backend: diesel's MultiConnection has no multi-row insert for SQLite.
        n += match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(staff_contracts::table)
                .values(chunk)
                .execute(c)?,
            DbConnection::Pg(c) => diesel::insert_into(staff_contracts::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}

/// Ids of people by username, one query per 500 names.
pub fn ids_by_usernames(
    conn: &mut DbConnection,
    usernames: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    let mut out = Vec::with_capacity(usernames.len());
    for chunk in usernames.chunks(500) {
        let mut rows: Vec<(String, i64)> = staff::table
            .filter(staff::username.eq_any(chunk.to_vec()))
            .select((staff::username, staff::id))
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// How many accounts exist that are not administrators.
pub fn count_non_admin(conn: &mut DbConnection) -> QueryResult<i64> {
    staff::table
        .filter(staff::roles.not_like("%admin%"))
        .count()
        .get_result(conn)
}

/// Every account's id, ascending.
pub fn all_ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    staff::table.select(staff::id).order(staff::id).load(conn)
}
