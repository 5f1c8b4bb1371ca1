//! Maintained daily totals (`day_totals`): one row per (person, work date, unit the lines were
//! logged in) with minutes by state and anomaly counters. Rows are replaced wholesale from the
//! entries of the same days (`services::totals`), with one exception: a new draft line adds its
//! minutes to its row ([`add_draft_minutes`]), since that is all it changes and re-reading the
//! day made the cost of a new line grow with the lines the day already had. `check-totals` and
//! the randomized drift test compare every row with a recomputation.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sum;
use diesel::prelude::*;

use super::schema::{
    day_totals, entries, maintained_totals, month_credits, products, unit_day_anomalies,
};
use super::DbConnection;

/// One row of `day_totals`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = day_totals)]
pub struct DayTotal {
    pub staff_id: i64,
    pub work_date: NaiveDate,
    pub unit_id: i64,
    pub draft_minutes: i32,
    pub submitted_minutes: i32,
    pub approved_minutes: i32,
    pub returned_minutes: i32,
    /// Submitted + approved lines.
    pub logged_entries: i32,
    pub day_over_threshold: i32,
    pub far_above_standard: i32,
    pub duplicate: i32,
    pub late_backfill: i32,
}

/// A live diary line with what the totals need of it.
#[derive(Debug, Clone, Queryable)]
pub struct LineRow {
    pub staff_id: i64,
    pub work_date: NaiveDate,
    pub unit_id: i64,
    pub product_id: i64,
    pub quantity: i32,
    pub minutes: i32,
    pub note: String,
    pub state: String,
    pub created_at: NaiveDateTime,
    pub standard_minutes: i32,
}

/// Filters a boxed query on `column IN (ids)`, or `column = id` for one person (what every
/// diary write asks), which diesel keeps prepared in the connection's cache, unlike an `IN` list.
macro_rules! staff_in {
    ($query:expr, $column:expr, $ids:expr) => {{
        let ids: &[i64] = $ids;
        let query = $query;
        match ids {
            [one] => query.filter($column.eq(*one)),
            many => query.filter($column.eq_any(many.to_vec())),
        }
    }};
}

/// Live lines of some people between two dates, ordered by person, day and id.
pub fn live_lines(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<LineRow>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(900) {
        let mut rows: Vec<LineRow> = staff_in!(
            entries::table.inner_join(products::table).into_boxed(),
            entries::staff_id,
            chunk
        )
        .filter(entries::work_date.between(from, to))
        .filter(entries::deleted_at.is_null())
        .order((entries::staff_id, entries::work_date, entries::id))
        .select((
            entries::staff_id,
            entries::work_date,
            entries::unit_id,
            entries::product_id,
            entries::quantity,
            entries::minutes,
            entries::note,
            entries::state,
            entries::created_at,
            products::standard_minutes,
        ))
        .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// The first and last work date of any entry (deleted ones too), if there is one.
pub fn entry_date_range(conn: &mut DbConnection) -> QueryResult<Option<DateSpan>> {
    use diesel::dsl::{max, min};
    let (a, b): (Option<NaiveDate>, Option<NaiveDate>) = entries::table
        .select((min(entries::work_date), max(entries::work_date)))
        .first(conn)?;
    Ok(a.zip(b))
}

/// A first and last date.
pub type DateSpan = (NaiveDate, NaiveDate);

/// People with live lines of a product, and the dates those lines span.
pub fn people_with_product(
    conn: &mut DbConnection,
    product_id: i64,
) -> QueryResult<(Vec<i64>, Option<DateSpan>)> {
    use diesel::dsl::{max, min};
    let people: Vec<i64> = entries::table
        .filter(entries::product_id.eq(product_id))
        .filter(entries::deleted_at.is_null())
        .select(entries::staff_id)
        .distinct()
        .load(conn)?;
    let (a, b): (Option<NaiveDate>, Option<NaiveDate>) = entries::table
        .filter(entries::product_id.eq(product_id))
        .filter(entries::deleted_at.is_null())
        .select((min(entries::work_date), max(entries::work_date)))
        .first(conn)?;
    Ok((people, a.zip(b)))
}

/// Rows per insert statement: 12 columns × 1,000 rows stays under both engines' bind limits.
const BATCH_ROWS: usize = 1000;

/// Inserts rows into a table, one multi-row statement per [`BATCH_ROWS`] (per backend: diesel's
/// MultiConnection has no multi-row insert for SQLite).
/// (On SQLite diesel inserts a batch row by row inside a savepoint, since rows may hold NULLs
/// for DEFAULT; a single row, the case of every diary write, goes alone: one statement.)
macro_rules! insert_batches {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(BATCH_ROWS) {
            match (&mut *$conn, chunk) {
                (DbConnection::Sqlite(c), [one]) => {
                    diesel::insert_into($table).values(one).execute(c)?
                }
                (DbConnection::Sqlite(c), _) => {
                    diesel::insert_into($table).values(chunk).execute(c)?
                }
                (DbConnection::Pg(c), _) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
        }
    };
}

/// Replaces the rows of some people between two dates by `rows` (which must lie in that range).
pub fn replace(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
    rows: &[DayTotal],
) -> QueryResult<()> {
    for chunk in staff_ids.chunks(900) {
        staff_in!(
            diesel::delete(day_totals::table).into_boxed(),
            day_totals::staff_id,
            chunk
        )
        .filter(day_totals::work_date.between(from, to))
        .execute(conn)?;
    }
    insert_batches!(conn, day_totals::table, rows);
    Ok(())
}

/// Adds a new draft line's minutes to its (person, day, unit) row, creating the row if the day
/// had no line in that unit: one upsert. Exact because a draft changes nothing else of the row
/// (`services::totals::compute`: drafts are neither logged entries nor judged for anomalies).
/// The `people_unit_months` triggers do not fire: a new row has no submitted or approved
/// minutes, and the update touches only `draft_minutes`.
pub fn add_draft_minutes(conn: &mut DbConnection, row: &DayTotal) -> QueryResult<()> {
    use diesel::upsert::excluded;
    let key = (
        day_totals::staff_id,
        day_totals::work_date,
        day_totals::unit_id,
    );
    let add = day_totals::draft_minutes
        .eq(day_totals::draft_minutes + excluded(day_totals::draft_minutes));
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(day_totals::table)
            .values(row)
            .on_conflict(key)
            .do_update()
            .set(add)
            .execute(c)?,
        DbConnection::Pg(c) => diesel::insert_into(day_totals::table)
            .values(row)
            .on_conflict(key)
            .do_update()
            .set(add)
            .execute(c)?,
    };
    Ok(())
}

/// Removes every maintained row (before a full rebuild).
pub fn delete_all(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(day_totals::table).execute(conn)?;
    diesel::delete(month_credits::table).execute(conn)?;
    Ok(())
}

/// Stored rows of some people between two dates, ordered like the computed ones.
pub fn stored(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DayTotal>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(900) {
        let mut rows: Vec<DayTotal> = day_totals::table
            .filter(day_totals::staff_id.eq_any(chunk.to_vec()))
            .filter(day_totals::work_date.between(from, to))
            .select(DayTotal::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    out.sort_by_key(|r| (r.staff_id, r.work_date, r.unit_id));
    Ok(out)
}

/// One row of `month_credits`: a person's approved lines of a month with one rework count and
/// task (`minutes`, Σ quantity × standard minutes, how many, the earliest submission).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = month_credits)]
pub struct MonthCredit {
    pub staff_id: i64,
    pub month_start: NaiveDate,
    pub rework_count: i32,
    pub task_id: Option<i64>,
    pub minutes: i64,
    pub norm_minutes: i64,
    pub entries: i64,
    pub first_submitted_at: Option<NaiveDateTime>,
}

/// Approved live lines grouped by (person, day, rework count, task), with the same sums as a
/// [`MonthCredit`]; the caller folds days into months.
pub fn approved_groups_by_day(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<MonthCredit>> {
    use diesel::dsl::{count_star, min};
    type Row = (
        i64,
        NaiveDate,
        i32,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
        Option<NaiveDateTime>,
    );
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(900) {
        // (GROUP BY does not box in diesel: an IN list even for one person.)
        let rows: Vec<Row> = entries::table
            .inner_join(products::table)
            .filter(entries::staff_id.eq_any(chunk.to_vec()))
            .filter(entries::work_date.between(from, to))
            .filter(entries::deleted_at.is_null())
            .filter(entries::state.eq("approved"))
            .group_by((
                entries::staff_id,
                entries::work_date,
                entries::rework_count,
                entries::task_id,
            ))
            .select((
                entries::staff_id,
                entries::work_date,
                entries::rework_count,
                entries::task_id,
                sum(entries::minutes),
                sum(entries::quantity * products::standard_minutes),
                count_star(),
                min(entries::submitted_at),
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .map(|(s, d, r, t, m, nm, n, f)| MonthCredit {
                    staff_id: s,
                    month_start: d,
                    rework_count: r,
                    task_id: t,
                    minutes: m.unwrap_or(0),
                    norm_minutes: nm.unwrap_or(0),
                    entries: n,
                    first_submitted_at: f,
                }),
        );
    }
    Ok(out)
}

/// Replaces the month rows of some people for the months starting between two dates.
pub fn replace_months(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    first_month: NaiveDate,
    last_month: NaiveDate,
    rows: &[MonthCredit],
) -> QueryResult<()> {
    for chunk in staff_ids.chunks(900) {
        staff_in!(
            diesel::delete(month_credits::table).into_boxed(),
            month_credits::staff_id,
            chunk
        )
        .filter(month_credits::month_start.between(first_month, last_month))
        .execute(conn)?;
    }
    insert_batches!(conn, month_credits::table, rows);
    Ok(())
}

/// Stored month rows of some people for the months starting between two dates.
pub fn stored_months(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    first_month: NaiveDate,
    last_month: NaiveDate,
) -> QueryResult<Vec<MonthCredit>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(900) {
        let mut rows: Vec<MonthCredit> = month_credits::table
            .filter(month_credits::staff_id.eq_any(chunk.to_vec()))
            .filter(month_credits::month_start.between(first_month, last_month))
            .select(MonthCredit::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// Approved work of some people over whole months, grouped by (person, rework count, task):
/// (person, rework, task, minutes, norm minutes, lines, earliest submission).
pub type CreditRow = CreditRowOf<NaiveDateTime>;

/// A [`CreditRow`] whose earliest submission is read as `T`.
pub type CreditRowOf<T> = (
    i64,
    i32,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<T>,
);

/// The grouped select of [`CreditRow`]s over a filtered `month_credits` (GROUP BY does not box
/// in diesel, hence a macro).
macro_rules! credit_groups {
    ($filtered:expr) => {
        credit_groups!(
            $filtered,
            diesel::dsl::min(month_credits::first_submitted_at)
        )
    };
    // `$first`: the earliest submission as another type (the text SQLite stores).
    ($filtered:expr, $first:expr) => {{
        use diesel::dsl::sql;
        use diesel::sql_types::{BigInt, Nullable};
        $filtered
            .group_by((
                month_credits::staff_id,
                month_credits::rework_count,
                month_credits::task_id,
            ))
            .select((
                month_credits::staff_id,
                month_credits::rework_count,
                month_credits::task_id,
                // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back so that both engines
                // return 64-bit integers.
                sql::<Nullable<BigInt>>("CAST(SUM(month_credits.minutes) AS BIGINT)"),
                sql::<Nullable<BigInt>>("CAST(SUM(month_credits.norm_minutes) AS BIGINT)"),
                sql::<BigInt>("CAST(COALESCE(SUM(month_credits.entries), 0) AS BIGINT)"),
                $first,
            ))
    }};
}

pub fn credits_by_person(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    first_month: NaiveDate,
    last_month: NaiveDate,
) -> QueryResult<Vec<CreditRow>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(people_per_query(conn)) {
        let mut rows: Vec<CreditRow> = credit_groups!(month_credits::table
            .filter(month_credits::staff_id.eq_any(chunk.to_vec()))
            .filter(month_credits::month_start.between(first_month, last_month)))
        .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// [`credits_by_person`] for everybody with credits in the months: one range of the covering
/// index `month_credits_month` instead of one IN list per 900 people (a month's KPI build, which
/// asks about every active person: at province scale on SQLite, 23 queries of 900 ids cost
/// 90-110 ms against 28-50 ms for the range, rows decoded).
pub fn credits_of_everyone(
    conn: &mut DbConnection,
    first_month: NaiveDate,
    last_month: NaiveDate,
) -> QueryResult<Vec<CreditRow>> {
    if first_month == last_month {
        if super::is_sqlite(conn) {
            if let Some(rows) = sqlite_credits_of_month(conn, first_month)? {
                return Ok(rows);
            }
        }
        // Equality keeps the index's (person, rework, task) order: no sort for the GROUP BY.
        credit_groups!(month_credits::table.filter(month_credits::month_start.eq(first_month)))
            .load(conn)
    } else {
        credit_groups!(month_credits::table
            .filter(month_credits::month_start.between(first_month, last_month)))
        .load(conn)
    }
}

/// [`credits_of_everyone`] of one month on SQLite, with the first submission read as the text
/// SQLite stores and parsed by [`parse_stored_timestamp`] instead of diesel's decoding (which
/// tries chrono format strings one by one: a visible part of a build's 20,000 rows). `None` when
/// some timestamp is not in the shape the server writes: the caller then reads the month again
/// with diesel's decoding, so the result is the same either way.
fn sqlite_credits_of_month(
    conn: &mut DbConnection,
    month: NaiveDate,
) -> QueryResult<Option<Vec<CreditRow>>> {
    let first = diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(
        "MIN(month_credits.first_submitted_at)",
    );
    let rows: Vec<CreditRowOf<String>> = credit_groups!(
        month_credits::table.filter(month_credits::month_start.eq(month)),
        first
    )
    .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (staff, rework, task, minutes, norm, entries, first) in rows {
        let first = match first {
            None => None,
            Some(text) => match parse_stored_timestamp(&text) {
                Some(t) => Some(t),
                None => return Ok(None),
            },
        };
        out.push((staff, rework, task, minutes, norm, entries, first));
    }
    Ok(Some(out))
}

/// A timestamp as the server stores it on SQLite (`YYYY-MM-DD HH:MM:SS`, then optionally `.`
/// and 1 to 9 digits of fraction: diesel's `%F %T%.f`); `None` for any other text.
pub(crate) fn parse_stored_timestamp(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let n = num(20, b.len())?;
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(num(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?)?;
    let time =
        chrono::NaiveTime::from_hms_nano_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, nanos)?;
    Some(NaiveDateTime::new(date, time))
}

/// How many people one read of the reports names: SQLite binds each id (`IN (?, …)`, kept
/// under its historical 999-variable limit); PostgreSQL takes them in one query up to well under
/// its 65,535 binds. At province scale that is one scan of `month_credits` instead of one per
/// 900 people (the planner rightly reads a table sequentially when a query wants a tenth of it;
/// it should then do so once).
fn people_per_query(conn: &DbConnection) -> usize {
    if super::is_sqlite(conn) {
        900
    } else {
        30_000
    }
}

/// Every stored row's person (people with totals but perhaps no live entries any more).
pub fn people_with_totals(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    let mut people: Vec<i64> = day_totals::table
        .select(day_totals::staff_id)
        .distinct()
        .load(conn)?;
    people.extend(
        month_credits::table
            .select(month_credits::staff_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    Ok(people)
}

/// The fingerprint the named totals were last built with.
pub fn fingerprint(conn: &mut DbConnection, name: &str) -> QueryResult<Option<String>> {
    maintained_totals::table
        .filter(maintained_totals::name.eq(name))
        .select(maintained_totals::fingerprint)
        .first(conn)
        .optional()
}

pub fn set_fingerprint(
    conn: &mut DbConnection,
    name: &str,
    fingerprint: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(maintained_totals::table.filter(maintained_totals::name.eq(name)))
        .execute(conn)?;
    diesel::insert_into(maintained_totals::table)
        .values((
            maintained_totals::name.eq(name),
            maintained_totals::fingerprint.eq(fingerprint),
            maintained_totals::rebuilt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Report aggregates over the maintained rows
// ---------------------------------------------------------------------------------------------

/// Logged and approved minutes of one person on one day in one unit (see `minutes_by_day`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayMinutes {
    pub staff_id: i64,
    pub work_date: NaiveDate,
    /// Submitted + approved.
    pub logged: i64,
    pub approved: i64,
}

/// Logged and approved minutes by person and day, at the stored grain: a day a person logged in
/// two units comes as two rows (callers add them up). No GROUP BY: the rows already are one per
/// person, day and unit, and grouping millions of them at province scale made PostgreSQL's hash
/// aggregate spill to disk with the default `work_mem`; streaming them costs nothing.
pub fn minutes_by_day(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DayMinutes>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(people_per_query(conn)) {
        let rows: Vec<(i64, NaiveDate, i32, i32)> = day_totals::table
            .filter(day_totals::staff_id.eq_any(chunk.to_vec()))
            .filter(day_totals::work_date.between(from, to))
            .select((
                day_totals::staff_id,
                day_totals::work_date,
                day_totals::submitted_minutes,
                day_totals::approved_minutes,
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(s, d, sub, app)| DayMinutes {
            staff_id: s,
            work_date: d,
            logged: i64::from(sub) + i64::from(app),
            approved: i64::from(app),
        }));
    }
    Ok(out)
}

/// Logged and approved minutes by person over a date range: (person, logged, approved).
pub fn minutes_by_person(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(i64, i64, i64)>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(people_per_query(conn)) {
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = day_totals::table
            .filter(day_totals::staff_id.eq_any(chunk.to_vec()))
            .filter(day_totals::work_date.between(from, to))
            .group_by(day_totals::staff_id)
            .select((
                day_totals::staff_id,
                sum(day_totals::submitted_minutes),
                sum(day_totals::approved_minutes),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(s, sub, app)| {
            let approved = app.unwrap_or(0);
            (s, sub.unwrap_or(0) + approved, approved)
        }));
    }
    Ok(out)
}

/// Logged (submitted + approved) and approved minutes between two dates of the active people of
/// each unit (`None`: every unit), by the unit they belong to now: (unit, logged, approved), one
/// grouped statement per 900 units (the staffing figures, without loading the people).
pub fn minutes_by_unit(
    conn: &mut DbConnection,
    unit_ids: Option<&[i64]>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(i64, i64, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        unit_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        logged: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        approved: i64,
    }
    let filters: Vec<String> = match unit_ids {
        None => vec!["s.unit_id IS NOT NULL".to_owned()],
        Some(ids) => ids
            .chunks(900)
            .map(|chunk| {
                let ids: Vec<String> = chunk.iter().map(i64::to_string).collect();
                format!("s.unit_id IN ({})", ids.join(","))
            })
            .collect(),
    };
    let mut out = Vec::new();
    for units in filters {
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT s.unit_id AS unit_id, \
             CAST(COALESCE(SUM(d.submitted_minutes + d.approved_minutes), 0) AS BIGINT) AS logged, \
             CAST(COALESCE(SUM(d.approved_minutes), 0) AS BIGINT) AS approved \
             FROM staff s JOIN day_totals d ON d.staff_id = s.id \
             WHERE s.active AND {units} \
             AND d.work_date BETWEEN '{}' AND '{}' \
             GROUP BY s.unit_id",
            from.format("%Y-%m-%d"),
            to.format("%Y-%m-%d"),
        ))
        .load(conn)?;
        out.extend(rows.into_iter().map(|r| (r.unit_id, r.logged, r.approved)));
    }
    Ok(out)
}

/// Anomaly counters of the units' lines by (unit, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitDayAnomalies {
    pub unit_id: i64,
    pub work_date: NaiveDate,
    pub logged_entries: i64,
    pub day_over_threshold: i64,
    pub far_above_standard: i64,
    pub duplicate: i64,
    pub late_backfill: i64,
}

/// The columns of `unit_day_anomalies` as [`UnitDayAnomalies`] reads them.
type AnomalyColumns = (
    unit_day_anomalies::unit_id,
    unit_day_anomalies::work_date,
    unit_day_anomalies::logged_entries,
    unit_day_anomalies::day_over_threshold,
    unit_day_anomalies::far_above_standard,
    unit_day_anomalies::duplicate,
    unit_day_anomalies::late_backfill,
);
const ANOMALY_COLUMNS: AnomalyColumns = (
    unit_day_anomalies::unit_id,
    unit_day_anomalies::work_date,
    unit_day_anomalies::logged_entries,
    unit_day_anomalies::day_over_threshold,
    unit_day_anomalies::far_above_standard,
    unit_day_anomalies::duplicate,
    unit_day_anomalies::late_backfill,
);
type AnomalyRow = (i64, NaiveDate, i32, i32, i32, i32, i32);

impl From<AnomalyRow> for UnitDayAnomalies {
    fn from((unit_id, work_date, n, over, far, dup, late): AnomalyRow) -> Self {
        UnitDayAnomalies {
            unit_id,
            work_date,
            logged_entries: i64::from(n),
            day_over_threshold: i64::from(over),
            far_above_standard: i64::from(far),
            duplicate: i64::from(dup),
            late_backfill: i64::from(late),
        }
    }
}

/// The anomaly counters of some units' days between two dates, from the maintained sums per
/// unit and day (`unit_day_anomalies`, migration `2026-12-01-000008`): units × days rows, not
/// every person's days. Days with no declared line are left out.
pub fn anomalies_by_unit_day(
    conn: &mut DbConnection,
    unit_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<UnitDayAnomalies>> {
    use super::schema::unit_day_anomalies as a;
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(900) {
        let rows: Vec<AnomalyRow> = a::table
            .filter(a::unit_id.eq_any(chunk.to_vec()))
            .filter(a::work_date.between(from, to))
            .filter(a::logged_entries.ne(0))
            .select(ANOMALY_COLUMNS)
            .load(conn)?;
        out.extend(rows.into_iter().map(UnitDayAnomalies::from));
    }
    Ok(out)
}

/// Every stored row of `unit_day_anomalies` that counts something, by (unit, day).
pub fn unit_day_anomalies_stored(conn: &mut DbConnection) -> QueryResult<Vec<UnitDayAnomalies>> {
    use super::schema::unit_day_anomalies as a;
    let rows: Vec<AnomalyRow> = a::table
        .filter(
            a::logged_entries
                .ne(0)
                .or(a::day_over_threshold.ne(0))
                .or(a::far_above_standard.ne(0))
                .or(a::duplicate.ne(0))
                .or(a::late_backfill.ne(0)),
        )
        .order((a::unit_id, a::work_date))
        .select(ANOMALY_COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(UnitDayAnomalies::from).collect())
}

/// What `unit_day_anomalies` must hold: the sums of the day totals per (unit, day), where any is
/// not zero.
pub fn unit_day_anomalies_expected(conn: &mut DbConnection) -> QueryResult<Vec<UnitDayAnomalies>> {
    type Row = (
        i64,
        NaiveDate,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = day_totals::table
        .group_by((day_totals::unit_id, day_totals::work_date))
        .order((day_totals::unit_id, day_totals::work_date))
        .select((
            day_totals::unit_id,
            day_totals::work_date,
            sum(day_totals::logged_entries),
            sum(day_totals::day_over_threshold),
            sum(day_totals::far_above_standard),
            sum(day_totals::duplicate),
            sum(day_totals::late_backfill),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, d, n, over, far, dup, late)| UnitDayAnomalies {
            unit_id: u,
            work_date: d,
            logged_entries: n.unwrap_or(0),
            day_over_threshold: over.unwrap_or(0),
            far_above_standard: far.unwrap_or(0),
            duplicate: dup.unwrap_or(0),
            late_backfill: late.unwrap_or(0),
        })
        .filter(|r| {
            r.logged_entries != 0
                || r.day_over_threshold != 0
                || r.far_above_standard != 0
                || r.duplicate != 0
                || r.late_backfill != 0
        })
        .collect())
}

/// Rewrites `unit_day_anomalies` from the day totals (`check-totals` after a drift); returns
/// the rows written.
pub fn rebuild_unit_day_anomalies(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM unit_day_anomalies").execute(conn)?;
    diesel::sql_query(
        "INSERT INTO unit_day_anomalies \
             (unit_id, work_date, logged_entries, day_over_threshold, far_above_standard, \
              duplicate, late_backfill) \
         SELECT unit_id, work_date, sum(logged_entries), sum(day_over_threshold), \
                sum(far_above_standard), sum(duplicate), sum(late_backfill) \
         FROM day_totals \
         WHERE logged_entries <> 0 OR day_over_threshold <> 0 OR far_above_standard <> 0 \
            OR duplicate <> 0 OR late_backfill <> 0 \
         GROUP BY unit_id, work_date",
    )
    .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast parse agrees with chrono's `%F %T%.f` (what diesel tries first) wherever it
    /// answers, answers for everything the server writes, and refuses what it cannot read.
    #[test]
    fn stored_timestamps_parse_as_diesel_reads_them() {
        let chrono_parse = |s: &str| NaiveDateTime::parse_from_str(s, "%F %T%.f").ok();
        for s in [
            "2026-10-05 08:30:00",
            "2026-10-05 08:30:00.5",
            "2026-10-05 08:30:00.123",
            "2026-10-05 08:30:00.123456",
            "2026-10-05 08:30:00.000000001",
            "2024-02-29 23:59:59.999999999",
            "0001-01-01 00:00:00",
        ] {
            assert_eq!(parse_stored_timestamp(s), chrono_parse(s), "{s}");
            assert!(parse_stored_timestamp(s).is_some(), "{s}");
        }
        for s in [
            "2026-10-05T08:30:00",
            "2026-10-05 08:30",
            "2026-10-05 08:30:00.",
            "2026-10-05 08:30:00.1234567890",
            "2026-10-05 08:30:00+07:00",
            "2026-13-05 08:30:00",
            "2025-02-29 08:30:00",
            "2026-10-05 24:00:00",
            "2026-10-05 08:30:60",
            "2026-1a-05 08:30:00",
            "2458000.5",
            "",
        ] {
            assert_eq!(parse_stored_timestamp(s), None, "{s}");
        }
        // What the server writes (diesel's `%F %T%.f` of microsecond timestamps) reads back.
        let start = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_micro_opt(0, 0, 0, 1))
            .expect("time");
        for i in 0..2_000i64 {
            let t = start + chrono::Duration::microseconds(i * 7_919_333_357);
            let text = t.format("%F %T%.f").to_string();
            assert_eq!(parse_stored_timestamp(&text), Some(t), "{text}");
        }
    }
}
