//! Storage of the under-logging and logged minutes of every month per unit (`people_unit_months`,
//! `people_months_built`); what they hold and what invalidates them is `services::people_months`
//! and the migration `2026-12-01-000004_people_months` (database triggers on `week_totals`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{people_months_built, people_unit_months};
use super::DbConnection;

/// One unit's month: its people expected to work, of them those short in an ended week, and the
/// minutes its active members logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = people_unit_months)]
pub struct PeopleMonth {
    pub month: String,
    pub unit_id: i64,
    /// People expected to work in at least one of the month's weeks.
    pub people: i64,
    /// Of them, short of the expectation in at least one ended week on the logged basis.
    pub under_logged: i64,
    /// The same on the approved basis.
    pub under_approved: i64,
    /// Logged (submitted + approved) minutes of the month's days of the unit's active members.
    pub logged: i64,
    /// Approved minutes of the same.
    pub approved: i64,
}

/// The built months among `months` with the day their ended weeks were counted to.
pub fn built(conn: &mut DbConnection, months: &[String]) -> QueryResult<Vec<(String, NaiveDate)>> {
    people_months_built::table
        .filter(people_months_built::month.eq_any(months.to_vec()))
        .select((people_months_built::month, people_months_built::as_of))
        .load(conn)
}

/// As `kpi_months::lock_for_build`: on PostgreSQL a build holds the marker table against the
/// writers whose triggers delete markers, so none of their changes falls between the build's
/// read and its marker. SQLite serialises every write transaction already.
pub fn lock_for_build(conn: &mut DbConnection) -> QueryResult<()> {
    if super::is_sqlite(conn) {
        return Ok(());
    }
    diesel::sql_query("LOCK TABLE people_months_built IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)?;
    Ok(())
}

/// Replaces a month's unit rows and marks it built for `as_of`.
pub fn replace_month(
    conn: &mut DbConnection,
    month: &str,
    as_of: NaiveDate,
    rows: &[PeopleMonth],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(people_unit_months::table.filter(people_unit_months::month.eq(month)))
        .execute(conn)?;
    for chunk in rows.chunks(500) {
        match (&mut *conn, chunk) {
            (DbConnection::Sqlite(c), [one]) => diesel::insert_into(people_unit_months::table)
                .values(one)
                .execute(c)?,
            (DbConnection::Sqlite(c), _) => diesel::insert_into(people_unit_months::table)
                .values(chunk)
                .execute(c)?,
            (DbConnection::Pg(c), _) => diesel::insert_into(people_unit_months::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    diesel::delete(people_months_built::table.filter(people_months_built::month.eq(month)))
        .execute(conn)?;
    diesel::insert_into(people_months_built::table)
        .values((
            people_months_built::month.eq(month),
            people_months_built::as_of.eq(as_of),
            people_months_built::built_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The unit rows of some months (every unit: a province has a few hundred).
pub fn unit_months(conn: &mut DbConnection, months: &[String]) -> QueryResult<Vec<PeopleMonth>> {
    people_unit_months::table
        .filter(people_unit_months::month.eq_any(months.to_vec()))
        .select(PeopleMonth::as_select())
        .load(conn)
}

/// Every built month (for `check-totals`).
pub fn all_built(conn: &mut DbConnection) -> QueryResult<Vec<(String, NaiveDate)>> {
    people_months_built::table
        .order(people_months_built::month.asc())
        .select((people_months_built::month, people_months_built::as_of))
        .load(conn)
}

/// Forgets every month (a full rebuild of the totals, or a drift found).
pub fn delete_all(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(people_months_built::table).execute(conn)?;
    diesel::delete(people_unit_months::table).execute(conn)?;
    Ok(())
}
