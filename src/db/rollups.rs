//! Storage of the maintained rollups (`week_totals`, `unit_weeks`, `rollup_weeks`); what they
//! hold and when they change is `services::rollups`.
//!
//! Ids and dates are written into the few set-based statements below as literals (integers and
//! `YYYY-MM-DD` dates formatted here, never text from a request), so that one statement text
//! serves both engines.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{rollup_weeks, unit_weeks, week_totals};
use super::DbConnection;
use crate::domain::calendar::{shortfall, UnderLogBasis};

/// One person's ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = week_totals)]
pub struct WeekTotal {
    pub staff_id: i64,
    pub week_start: NaiveDate,
    pub unit_id: i64,
    pub expected: i64,
    pub logged: i64,
    pub approved: i64,
}

impl WeekTotal {
    /// The week's gap on a basis (`domain::calendar::shortfall`).
    pub fn short_by(&self, basis: UnderLogBasis) -> i64 {
        shortfall(self.expected, self.logged, self.approved, basis)
    }
}

/// One unit's ISO week: the sums of its members' [`WeekTotal`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = unit_weeks)]
pub struct UnitWeek {
    pub unit_id: i64,
    pub week_start: NaiveDate,
    /// Members with a row.
    pub members: i64,
    /// Members expected to work (expected > 0).
    pub people: i64,
    /// Of them, logged < expected.
    pub under_logged: i64,
    /// Of them, approved < expected.
    pub under_approved: i64,
    pub expected: i64,
    pub logged: i64,
    pub approved: i64,
}

fn ids_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn dates_list(days: &[NaiveDate]) -> String {
    days.iter()
        .map(|d| format!("'{}'", d.format("%Y-%m-%d")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Ids per statement (literal lists; SQLite's default expression depth is the limit to respect).
const IDS_PER_STATEMENT: usize = 900;

/// The built weeks (Mondays) between two dates.
pub fn built_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<NaiveDate>> {
    rollup_weeks::table
        .filter(rollup_weeks::week_start.between(from, to))
        .order(rollup_weeks::week_start.asc())
        .select(rollup_weeks::week_start)
        .load(conn)
}

pub fn mark_built(conn: &mut DbConnection, week: NaiveDate, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(rollup_weeks::table)
        .values((
            rollup_weeks::week_start.eq(week),
            rollup_weeks::built_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// On PostgreSQL, building a week reads every person's day totals and staff rows: it holds the
/// rollups exclusively and keeps day totals from changing until it commits (entry writes wait a
/// moment once per week and season). Maintenance of existing rows takes the shared lock, so a
/// week is never built from a snapshot a concurrent maintenance missed. SQLite serialises every
/// write transaction already.
pub fn lock_for_build(conn: &mut DbConnection) -> QueryResult<()> {
    if super::is_sqlite(conn) {
        return Ok(());
    }
    // Day totals first: a writer that already changed day totals and goes on to maintain the
    // rollups (a range refresh) finishes before the build starts, instead of waiting for it.
    diesel::sql_query("LOCK TABLE day_totals IN SHARE MODE").execute(conn)?;
    diesel::sql_query("LOCK TABLE rollup_weeks IN EXCLUSIVE MODE").execute(conn)?;
    Ok(())
}

pub fn lock_for_maintenance(conn: &mut DbConnection) -> QueryResult<()> {
    if super::is_sqlite(conn) {
        return Ok(());
    }
    diesel::sql_query("LOCK TABLE rollup_weeks IN SHARE MODE").execute(conn)?;
    Ok(())
}

/// Replaces the rows of some people in some weeks by `rows`; returns the units whose weeks
/// changed (those of the removed and of the new rows).
pub fn replace_people(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    weeks: &[NaiveDate],
    rows: &[WeekTotal],
) -> QueryResult<Vec<i64>> {
    let mut units: Vec<i64> = rows.iter().map(|r| r.unit_id).collect();
    if weeks.is_empty() || staff_ids.is_empty() {
        return Ok(units);
    }
    for chunk in staff_ids.chunks(IDS_PER_STATEMENT) {
        let old: Vec<i64> = week_totals::table
            .filter(week_totals::staff_id.eq_any(chunk.to_vec()))
            .filter(week_totals::week_start.eq_any(weeks.to_vec()))
            .select(week_totals::unit_id)
            .distinct()
            .load(conn)?;
        units.extend(old);
        diesel::delete(
            week_totals::table
                .filter(week_totals::staff_id.eq_any(chunk.to_vec()))
                .filter(week_totals::week_start.eq_any(weeks.to_vec())),
        )
        .execute(conn)?;
    }
    insert_rows(conn, rows)?;
    units.sort_unstable();
    units.dedup();
    Ok(units)
}

/// Replaces every row of one week.
pub fn replace_week(
    conn: &mut DbConnection,
    week: NaiveDate,
    rows: &[WeekTotal],
) -> QueryResult<()> {
    diesel::delete(week_totals::table.filter(week_totals::week_start.eq(week))).execute(conn)?;
    insert_rows(conn, rows)
}

pub fn insert_rows(conn: &mut DbConnection, rows: &[WeekTotal]) -> QueryResult<()> {
    for chunk in rows.chunks(1000) {
        match (&mut *conn, chunk) {
            (DbConnection::Sqlite(c), [one]) => diesel::insert_into(week_totals::table)
                .values(one)
                .execute(c)?,
            (DbConnection::Sqlite(c), _) => diesel::insert_into(week_totals::table)
                .values(chunk)
                .execute(c)?,
            (DbConnection::Pg(c), _) => diesel::insert_into(week_totals::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

const UNIT_WEEK_SUMS: &str = "SELECT unit_id, week_start, COUNT(*), \
     CAST(SUM(CASE WHEN expected > 0 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(CASE WHEN expected > 0 AND logged < expected THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(CASE WHEN expected > 0 AND approved < expected THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(expected) AS BIGINT), CAST(SUM(logged) AS BIGINT), CAST(SUM(approved) AS BIGINT) \
     FROM week_totals";

const UNIT_WEEK_COLUMNS: &str = "INSERT INTO unit_weeks (unit_id, week_start, members, people, \
     under_logged, under_approved, expected, logged, approved) ";

/// Recomputes the unit rows of some units in some weeks from the person rows (two statements
/// per chunk of units: one delete, one insert of the grouped sums).
pub fn refresh_units(
    conn: &mut DbConnection,
    unit_ids: &[i64],
    weeks: &[NaiveDate],
) -> QueryResult<()> {
    if weeks.is_empty() {
        return Ok(());
    }
    let weeks = dates_list(weeks);
    for chunk in unit_ids.chunks(IDS_PER_STATEMENT) {
        let units = ids_list(chunk);
        diesel::sql_query(format!(
            "DELETE FROM unit_weeks WHERE unit_id IN ({units}) AND week_start IN ({weeks})"
        ))
        .execute(conn)?;
        diesel::sql_query(format!(
            "{UNIT_WEEK_COLUMNS}{UNIT_WEEK_SUMS} WHERE unit_id IN ({units}) AND week_start IN \
             ({weeks}) GROUP BY unit_id, week_start"
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Recomputes every unit row of one week.
pub fn refresh_week_units(conn: &mut DbConnection, week: NaiveDate) -> QueryResult<()> {
    let w = dates_list(&[week]);
    diesel::sql_query(format!("DELETE FROM unit_weeks WHERE week_start = {w}")).execute(conn)?;
    diesel::sql_query(format!(
        "{UNIT_WEEK_COLUMNS}{UNIT_WEEK_SUMS} WHERE week_start = {w} GROUP BY unit_id, week_start"
    ))
    .execute(conn)?;
    Ok(())
}

/// What every write of submitted or approved minutes runs for its person and week (three
/// statements, one when the week is not built): the person's logged and approved minutes of
/// the week from their day totals, then the row of the unit the person belongs to.
pub fn refresh_person_minutes(
    conn: &mut DbConnection,
    staff_id: i64,
    monday: NaiveDate,
    sunday: NaiveDate,
) -> QueryResult<()> {
    let (m, s) = (dates_list(&[monday]), dates_list(&[sunday]));
    let days = format!(
        "FROM day_totals d WHERE d.staff_id = {staff_id} AND d.work_date BETWEEN {m} AND {s}"
    );
    let updated = diesel::sql_query(format!(
        "UPDATE week_totals SET \
         logged = COALESCE((SELECT CAST(SUM(d.submitted_minutes + d.approved_minutes) AS BIGINT) {days}), 0), \
         approved = COALESCE((SELECT CAST(SUM(d.approved_minutes) AS BIGINT) {days}), 0) \
         WHERE staff_id = {staff_id} AND week_start = {m}"
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(());
    }
    let unit = format!(
        "(SELECT w.unit_id FROM week_totals w WHERE w.staff_id = {staff_id} AND w.week_start = {m})"
    );
    diesel::sql_query(format!(
        "DELETE FROM unit_weeks WHERE week_start = {m} AND unit_id = {unit}"
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "{UNIT_WEEK_COLUMNS}{UNIT_WEEK_SUMS} WHERE week_start = {m} AND unit_id = {unit} \
         GROUP BY unit_id, week_start"
    ))
    .execute(conn)?;
    Ok(())
}

/// Removes every rollup (a full rebuild of the totals builds the weeks again as they are read).
pub fn delete_all(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(unit_weeks::table).execute(conn)?;
    diesel::delete(week_totals::table).execute(conn)?;
    diesel::delete(rollup_weeks::table).execute(conn)?;
    Ok(())
}

/// Stored person rows of some weeks (all people), ordered by person and week.
pub fn stored_weeks(conn: &mut DbConnection, weeks: &[NaiveDate]) -> QueryResult<Vec<WeekTotal>> {
    let mut out = Vec::new();
    for chunk in weeks.chunks(IDS_PER_STATEMENT) {
        let mut rows = week_totals::table
            .filter(week_totals::week_start.eq_any(chunk.to_vec()))
            .select(WeekTotal::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    out.sort_by_key(|r| (r.staff_id, r.week_start));
    Ok(out)
}

/// Stored person rows of some people in some weeks.
pub fn weeks_of_people(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<WeekTotal>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(IDS_PER_STATEMENT) {
        let mut rows = week_totals::table
            .filter(week_totals::staff_id.eq_any(chunk.to_vec()))
            .filter(week_totals::week_start.between(from, to))
            .select(WeekTotal::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// Person rows of one week in some units (None: every unit).
pub fn week_in_units(
    conn: &mut DbConnection,
    week: NaiveDate,
    unit_ids: Option<&[i64]>,
) -> QueryResult<Vec<WeekTotal>> {
    let Some(unit_ids) = unit_ids else {
        return week_totals::table
            .filter(week_totals::week_start.eq(week))
            .select(WeekTotal::as_select())
            .load(conn);
    };
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(IDS_PER_STATEMENT) {
        let mut rows = week_totals::table
            .filter(week_totals::week_start.eq(week))
            .filter(week_totals::unit_id.eq_any(chunk.to_vec()))
            .select(WeekTotal::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// The column a week is held against its expectation with: the two bases of the under-logged
/// rule.
fn compared_column(basis: UnderLogBasis) -> &'static str {
    match basis {
        UnderLogBasis::Logged => "logged",
        UnderLogBasis::Approved => "approved",
    }
}

/// `AND unit_id IN (...)` per chunk of units, or one empty filter for every unit.
fn unit_filters(unit_ids: Option<&[i64]>) -> Vec<String> {
    match unit_ids {
        None => vec![String::new()],
        Some(ids) => ids
            .chunks(IDS_PER_STATEMENT)
            .map(|chunk| format!(" AND unit_id IN ({})", ids_list(chunk)))
            .collect(),
    }
}

/// Of a built week, the people expected to work and, of them, those short of the expectation on
/// a basis, in some units or every unit (`None`): sums of the unit rows (a few hundred), not a
/// count of the person rows.
pub fn under_counts(
    conn: &mut DbConnection,
    week: NaiveDate,
    unit_ids: Option<&[i64]>,
    basis: UnderLogBasis,
) -> QueryResult<(i64, i64)> {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        people: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        under: i64,
    }
    let under = match basis {
        UnderLogBasis::Logged => "under_logged",
        UnderLogBasis::Approved => "under_approved",
    };
    let w = dates_list(&[week]);
    let (mut people, mut short) = (0, 0);
    for units in unit_filters(unit_ids) {
        let c: Counts = diesel::sql_query(format!(
            "SELECT CAST(COALESCE(SUM(people), 0) AS BIGINT) AS people, \
             CAST(COALESCE(SUM({under}), 0) AS BIGINT) AS under \
             FROM unit_weeks WHERE week_start = {w}{units}"
        ))
        .get_result(conn)?;
        people += c.people;
        short += c.under;
    }
    Ok((people, short))
}

/// The person rows of a built week short of the expectation on a basis (in some units, or every
/// unit), the largest shortfall first; with `gap`, only the rows short by exactly that much.
/// The predicates are those of the partial indexes `week_totals_logged_gap` and
/// `week_totals_approved_gap` (migration `2026-12-01-000005_week_gaps`, literal so that both
/// engines match them), which hold the short rows of each week in the order of their gap: the
/// `limit` largest are read without visiting the others.
pub fn short_rows(
    conn: &mut DbConnection,
    week: NaiveDate,
    unit_ids: Option<&[i64]>,
    basis: UnderLogBasis,
    gap: Option<i64>,
    limit: usize,
) -> QueryResult<Vec<WeekTotal>> {
    let col = compared_column(basis);
    let w = dates_list(&[week]);
    let exactly = gap
        .map(|g| format!(" AND expected - {col} = {g}"))
        .unwrap_or_default();
    let mut out: Vec<WeekTotal> = Vec::new();
    for units in unit_filters(unit_ids) {
        let mut rows: Vec<WeekTotal> = diesel::sql_query(format!(
            "SELECT staff_id, week_start, unit_id, expected, logged, approved FROM week_totals \
             WHERE week_start = {w} AND expected > 0 AND {col} < expected{exactly}{units} \
             ORDER BY expected - {col} DESC LIMIT {limit}"
        ))
        .load(conn)?;
        out.append(&mut rows);
    }
    // Chunks of units each gave their largest: merged, the largest of all.
    out.sort_by_key(|r| std::cmp::Reverse(r.short_by(basis)));
    out.truncate(limit);
    Ok(out)
}

/// Stored unit rows of some weeks (all units).
pub fn stored_unit_weeks(
    conn: &mut DbConnection,
    weeks: &[NaiveDate],
) -> QueryResult<Vec<UnitWeek>> {
    let mut out = Vec::new();
    for chunk in weeks.chunks(IDS_PER_STATEMENT) {
        let mut rows = unit_weeks::table
            .filter(unit_weeks::week_start.eq_any(chunk.to_vec()))
            .select(UnitWeek::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    out.sort_by_key(|r| (r.unit_id, r.week_start));
    Ok(out)
}

/// Unit rows of some weeks in some units (None: every unit).
pub fn unit_weeks_in(
    conn: &mut DbConnection,
    weeks: &[NaiveDate],
    unit_ids: Option<&[i64]>,
) -> QueryResult<Vec<UnitWeek>> {
    let Some(unit_ids) = unit_ids else {
        return stored_unit_weeks(conn, weeks);
    };
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(IDS_PER_STATEMENT) {
        let mut rows = unit_weeks::table
            .filter(unit_weeks::week_start.eq_any(weeks.to_vec()))
            .filter(unit_weeks::unit_id.eq_any(chunk.to_vec()))
            .select(UnitWeek::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// Some people by id (any state; callers keep the active ones with a unit).
pub fn people(conn: &mut DbConnection, staff_ids: &[i64]) -> QueryResult<Vec<super::staff::Staff>> {
    use super::schema::staff;
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(IDS_PER_STATEMENT) {
        let mut rows = staff::table
            .filter(staff::id.eq_any(chunk.to_vec()))
            .select(super::staff::Staff::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    out.sort_by_key(|s| s.id);
    Ok(out)
}

/// People of a unit over several weeks: expected to work in at least one (`people`), and, among
/// the weeks in `ended`, short of the expectation in at least one on either basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct UnitPeriodPeople {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub unit_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub people: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub under_logged: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub under_approved: i64,
}

/// [`UnitPeriodPeople`] of some units, or of every unit (`None`): one grouped statement per
/// chunk of units; a person belongs to one unit, so the counts of different units add up.
pub fn period_people_by_unit(
    conn: &mut DbConnection,
    weeks: &[NaiveDate],
    ended: &[NaiveDate],
    unit_ids: Option<&[i64]>,
) -> QueryResult<Vec<UnitPeriodPeople>> {
    if weeks.is_empty() {
        return Ok(Vec::new());
    }
    let weeks = dates_list(weeks);
    let ended = if ended.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("week_start IN ({})", dates_list(ended))
    };
    let mut out = Vec::new();
    for units in unit_filters(unit_ids) {
        let mut rows: Vec<UnitPeriodPeople> = diesel::sql_query(format!(
            "SELECT unit_id, CAST(SUM(e) AS BIGINT) AS people, \
             CAST(SUM(ul) AS BIGINT) AS under_logged, CAST(SUM(ua) AS BIGINT) AS under_approved \
             FROM (SELECT unit_id, staff_id, \
               MAX(CASE WHEN expected > 0 THEN 1 ELSE 0 END) AS e, \
               MAX(CASE WHEN expected > 0 AND logged < expected AND {ended} THEN 1 ELSE 0 END) AS ul, \
               MAX(CASE WHEN expected > 0 AND approved < expected AND {ended} THEN 1 ELSE 0 END) AS ua \
               FROM week_totals WHERE week_start IN ({weeks}){units} \
               GROUP BY unit_id, staff_id) t \
             GROUP BY unit_id"
        ))
        .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}
