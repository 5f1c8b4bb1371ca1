//! Storage of the KPI of every month per unit (`kpi_unit_months`, `kpi_months_built`); what
//! they hold and what invalidates them is `services::kpi_months` and the migration
//! `2026-12-01-000002_kpi_months` (database triggers).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{kpi_inputs_version, kpi_months_built, kpi_unit_months};
use super::DbConnection;

/// One unit's month: the sums of its active members' KPI.
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = kpi_unit_months)]
pub struct UnitMonth {
    pub month: String,
    pub unit_id: i64,
    /// Active members computed.
    pub members: i64,
    /// Of them, those who can be graded.
    pub people: i64,
    /// Sum of the totals of those who can be graded.
    pub total_sum: f64,
    /// Expected minutes of all members.
    pub expected: i64,
    /// Credited minutes of all members.
    pub credited: i64,
}

/// The built months among `months` with the day each was computed for.
pub fn built(conn: &mut DbConnection, months: &[String]) -> QueryResult<Vec<(String, NaiveDate)>> {
    kpi_months_built::table
        .filter(kpi_months_built::month.eq_any(months.to_vec()))
        .select((kpi_months_built::month, kpi_months_built::as_of))
        .load(conn)
}

/// On PostgreSQL, a build holds the marker table against every writer of a KPI input (their
/// triggers delete markers, which needs ROW EXCLUSIVE): a writer that changed an input before
/// the build commits first, one that changes it after waits and then deletes the new marker.
/// Builds exclude each other. SQLite serialises every write transaction already.
pub fn lock_for_build(conn: &mut DbConnection) -> QueryResult<()> {
    if super::is_sqlite(conn) {
        return Ok(());
    }
    diesel::sql_query("LOCK TABLE kpi_months_built IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
    Ok(())
}

/// The database's draw and the version of the people, contracts and leave a build reads
/// (migration `2026-12-01-000006_kpi_inputs_version`: every write to `staff`, `staff_contracts`
/// or `leaves` bumps it in its own statement). Read inside a build, after [`lock_for_build`].
pub fn inputs_version(conn: &mut DbConnection) -> QueryResult<(String, i64)> {
    kpi_inputs_version::table
        .filter(kpi_inputs_version::id.eq(1))
        .select((kpi_inputs_version::instance, kpi_inputs_version::version))
        .first(conn)
}

/// The day a *pending* marker records (see [`mark_pending`]): no month's `as_of`, so a reader
/// never takes a pending month as built.
pub fn pending_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Marks a month as being built on a read snapshot: its marker becomes (`month`, the pending
/// day, `nonce`). The invalidation triggers delete it like any marker, so [`still_pending`]
/// tells, after the build, whether an input of the month changed since this call committed.
pub fn mark_pending(conn: &mut DbConnection, month: &str, nonce: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(kpi_months_built::table.filter(kpi_months_built::month.eq(month)))
        .execute(conn)?;
    diesel::insert_into(kpi_months_built::table)
        .values((
            kpi_months_built::month.eq(month),
            kpi_months_built::as_of.eq(pending_day()),
            kpi_months_built::built_at.eq(nonce),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the pending marker [`mark_pending`] wrote with `nonce` is still there: no write to an
/// input of the month (nor another build) has touched it since.
pub fn still_pending(
    conn: &mut DbConnection,
    month: &str,
    nonce: NaiveDateTime,
) -> QueryResult<bool> {
    let n: i64 = kpi_months_built::table
        .filter(kpi_months_built::month.eq(month))
        .filter(kpi_months_built::as_of.eq(pending_day()))
        .filter(kpi_months_built::built_at.eq(nonce))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Replaces a month's unit rows and marks it built for `as_of`.
pub fn replace_month(
    conn: &mut DbConnection,
    month: &str,
    as_of: NaiveDate,
    rows: &[UnitMonth],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(kpi_unit_months::table.filter(kpi_unit_months::month.eq(month)))
        .execute(conn)?;
    for chunk in rows.chunks(500) {
        match (&mut *conn, chunk) {
            (DbConnection::Sqlite(c), [one]) => diesel::insert_into(kpi_unit_months::table)
                .values(one)
                .execute(c)?,
            (DbConnection::Sqlite(c), _) => diesel::insert_into(kpi_unit_months::table)
                .values(chunk)
                .execute(c)?,
            (DbConnection::Pg(c), _) => diesel::insert_into(kpi_unit_months::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    diesel::delete(kpi_months_built::table.filter(kpi_months_built::month.eq(month)))
        .execute(conn)?;
    diesel::insert_into(kpi_months_built::table)
        .values((
            kpi_months_built::month.eq(month),
            kpi_months_built::as_of.eq(as_of),
            kpi_months_built::built_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The unit rows of some months (every unit: a province has a few hundred).
pub fn unit_months(conn: &mut DbConnection, months: &[String]) -> QueryResult<Vec<UnitMonth>> {
    kpi_unit_months::table
        .filter(kpi_unit_months::month.eq_any(months.to_vec()))
        .select(UnitMonth::as_select())
        .load(conn)
}

/// Every built month (for `check-totals`; not the months being built).
pub fn all_built(conn: &mut DbConnection) -> QueryResult<Vec<(String, NaiveDate)>> {
    kpi_months_built::table
        .filter(kpi_months_built::as_of.ne(pending_day()))
        .order(kpi_months_built::month.asc())
        .select((kpi_months_built::month, kpi_months_built::as_of))
        .load(conn)
}

/// Forgets every month (a full rebuild of the totals).
pub fn delete_all(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(kpi_months_built::table).execute(conn)?;
    diesel::delete(kpi_unit_months::table).execute(conn)?;
    Ok(())
}
