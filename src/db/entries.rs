//! Queries of the work diary. Every hot query is keyed by staff or approver and uses an index
//! (`entries_staff_date`, `entries_approver_state`, `entries_unit_date`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sum;
use diesel::prelude::*;

use super::schema::{entries, products};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = entries)]
pub struct Entry {
    pub id: i64,
    pub staff_id: i64,
    pub unit_id: i64,
    pub work_date: NaiveDate,
    pub product_id: i64,
    pub quantity: i32,
    pub minutes: i32,
    pub note: String,
    pub evidence: Option<String>,
    pub client_ref: Option<String>,
    pub state: String,
    pub approver_id: Option<i64>,
    pub rework_count: i32,
    pub last_return_kind: Option<String>,
    pub last_return_reason: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub task_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = entries)]
pub struct NewEntry {
    pub staff_id: i64,
    pub unit_id: i64,
    pub work_date: NaiveDate,
    pub product_id: i64,
    pub quantity: i32,
    pub minutes: i32,
    pub note: String,
    pub evidence: Option<String>,
    pub client_ref: Option<String>,
    pub state: String,
    pub rework_count: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub task_id: Option<i64>,
}

pub fn insert(conn: &mut DbConnection, new: &NewEntry) -> QueryResult<i64> {
    diesel::insert_into(entries::table)
        .values(new)
        .returning(entries::id)
        .get_result(conn)
}

/// Inserts a line and returns it as stored (one statement: no re-read).
pub fn insert_returning(conn: &mut DbConnection, new: &NewEntry) -> QueryResult<Entry> {
    // RETURNING a Selectable goes through each backend (diesel's MultiConnection does not
    // forward it).
    let query = diesel::insert_into(entries::table).values(new);
    match conn {
        DbConnection::Sqlite(c) => query.returning(Entry::as_returning()).get_result(c),
        DbConnection::Pg(c) => query.returning(Entry::as_returning()).get_result(c),
    }
}

/// A live (not deleted) entry.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Entry>> {
    entries::table
        .find(id)
        .filter(entries::deleted_at.is_null())
        .select(Entry::as_select())
        .first(conn)
        .optional()
}

/// Several live entries at once.
pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Entry>> {
    entries::table
        .filter(entries::id.eq_any(ids.to_vec()))
        .filter(entries::deleted_at.is_null())
        .select(Entry::as_select())
        .load(conn)
}

pub fn find_by_client_ref(
    conn: &mut DbConnection,
    staff_id: i64,
    client_ref: &str,
) -> QueryResult<Option<Entry>> {
    entries::table
        .filter(entries::staff_id.eq(staff_id))
        .filter(entries::client_ref.eq(client_ref))
        .select(Entry::as_select())
        .first(conn)
        .optional()
}

/// Minutes a person has on one day in live entries, optionally leaving one entry out (the one
/// being edited).
pub fn day_minutes(
    conn: &mut DbConnection,
    staff_id: i64,
    day: NaiveDate,
    except: Option<i64>,
) -> QueryResult<i64> {
    let mut q = entries::table
        .filter(entries::staff_id.eq(staff_id))
        .filter(entries::work_date.eq(day))
        .filter(entries::deleted_at.is_null())
        .select(sum(entries::minutes))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(entries::id.ne(id));
    }
    Ok(q.first::<Option<i64>>(conn)?.unwrap_or(0))
}

/// One statement of what the rules of a diary line read: whether the product is in the
/// catalogue and active (None: unknown product), whether the unit's period is locked, and the
/// day's minutes (`$minutes`, a subselect of one nullable sum).
macro_rules! line_facts_statement {
    ($conn:expr, $product_id:expr, $unit_id:expr, $period:expr, $minutes:expr) => {{
        use super::schema::period_locks;
        let (active, locked, minutes): (Option<bool>, bool, Option<i64>) = diesel::select((
            products::table
                .filter(products::id.eq($product_id))
                .select(products::active)
                .single_value(),
            diesel::dsl::exists(
                period_locks::table
                    .filter(period_locks::unit_id.eq($unit_id))
                    .filter(period_locks::period.eq($period)),
            ),
            $minutes,
        ))
        .get_result($conn)?;
        Ok((active, locked, minutes.unwrap_or(0)))
    }};
}

/// What the rules of an edited diary line read, in one statement: the product, the period lock
/// and the minutes of the person's other live lines of the day (`except`: the line being
/// edited).
#[allow(clippy::too_many_arguments)]
pub fn line_facts(
    conn: &mut DbConnection,
    product_id: i64,
    unit_id: i64,
    period: &str,
    staff_id: i64,
    day: NaiveDate,
    except: i64,
) -> QueryResult<(Option<bool>, bool, i64)> {
    line_facts_statement!(
        conn,
        product_id,
        unit_id,
        period,
        entries::table
            .filter(entries::staff_id.eq(staff_id))
            .filter(entries::work_date.eq(day))
            .filter(entries::deleted_at.is_null())
            .filter(entries::id.ne(except))
            .select(sum(entries::minutes))
            .single_value()
    )
}

/// [`line_facts`] for a new line (nothing excluded), with the day's minutes from its
/// maintained rows (`day_totals`: draft, submitted, approved and returned minutes of the
/// person's day, one row per unit; kept exact in every write transaction, which has locked the
/// person first) instead of summing the day's lines: the same number, at a cost that does not
/// grow with the lines the day already has.
pub fn new_line_facts(
    conn: &mut DbConnection,
    product_id: i64,
    unit_id: i64,
    period: &str,
    staff_id: i64,
    day: NaiveDate,
) -> QueryResult<(Option<bool>, bool, i64)> {
    use super::schema::day_totals;
    line_facts_statement!(
        conn,
        product_id,
        unit_id,
        period,
        day_totals::table
            .filter(day_totals::staff_id.eq(staff_id))
            .filter(day_totals::work_date.eq(day))
            .select(sum(day_totals::draft_minutes
                + day_totals::submitted_minutes
                + day_totals::approved_minutes
                + day_totals::returned_minutes))
            .single_value()
    )
}

pub struct EntryListFilter {
    pub staff_id: i64,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub state: Option<String>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConnection, f: &EntryListFilter) -> QueryResult<Vec<Entry>> {
    let mut q = entries::table
        .filter(entries::staff_id.eq(f.staff_id))
        .filter(entries::deleted_at.is_null())
        .select(Entry::as_select())
        .into_boxed();
    if let Some(from) = f.from {
        q = q.filter(entries::work_date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(entries::work_date.le(to));
    }
    if let Some(state) = &f.state {
        q = q.filter(entries::state.eq(state.clone()));
    }
    if let Some(after) = f.after_id {
        q = q.filter(entries::id.gt(after));
    }
    q.order(entries::id.asc()).limit(f.limit).load(conn)
}

/// Live drafts of one person on one day (for "submit the day").
pub fn drafts_of_day(
    conn: &mut DbConnection,
    staff_id: i64,
    day: NaiveDate,
) -> QueryResult<Vec<Entry>> {
    entries::table
        .filter(entries::staff_id.eq(staff_id))
        .filter(entries::work_date.eq(day))
        .filter(entries::deleted_at.is_null())
        .filter(entries::state.eq("draft"))
        .order(entries::id.asc())
        .select(Entry::as_select())
        .load(conn)
}

/// Changes of one person since a time, deleted entries included (offline sync feed).
pub fn changes_since(
    conn: &mut DbConnection,
    staff_id: i64,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    entries::table
        .filter(entries::staff_id.eq(staff_id))
        .filter(entries::updated_at.gt(since))
        .order((entries::updated_at.asc(), entries::id.asc()))
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)
}

/// Submitted entries waiting for any of `approver_ids`, optionally limited to some units,
/// oldest work date first (keyset on id within that order is not needed: the queue is bounded).
pub fn queue(
    conn: &mut DbConnection,
    approver_ids: &[i64],
    unit_ids: Option<&[i64]>,
    after: Option<(NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    let mut q = entries::table
        .filter(entries::state.eq("submitted"))
        .filter(entries::deleted_at.is_null())
        .select(Entry::as_select())
        .into_boxed();
    // Keyset on the queue's order (work date, id).
    if let Some((day, id)) = after {
        q = q.filter(
            entries::work_date
                .gt(day)
                .or(entries::work_date.eq(day).and(entries::id.gt(id))),
        );
    }
    match unit_ids {
        Some(units) => q = q.filter(entries::unit_id.eq_any(units.to_vec())),
        None => q = q.filter(entries::approver_id.eq_any(approver_ids.to_vec())),
    }
    q.order((entries::work_date.asc(), entries::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Submitted entries waiting for one approver (id, owner, task), for re-pointing them when that
/// person stops being an approver.
pub fn submitted_for_approver(
    conn: &mut DbConnection,
    approver_id: i64,
) -> QueryResult<Vec<(i64, i64, Option<i64>)>> {
    entries::table
        .filter(entries::state.eq("submitted"))
        .filter(entries::deleted_at.is_null())
        .filter(entries::approver_id.eq(approver_id))
        .select((entries::id, entries::staff_id, entries::task_id))
        .load(conn)
}

/// Points a submitted entry at another approver (not a change of its content: no new version).
pub fn set_approver(conn: &mut DbConnection, id: i64, approver_id: Option<i64>) -> QueryResult<()> {
    diesel::update(entries::table.find(id))
        .set(entries::approver_id.eq(approver_id))
        .execute(conn)?;
    Ok(())
}

/// Points several submitted entries at one other approver (one statement; no new versions).
pub fn set_approver_many(
    conn: &mut DbConnection,
    ids: &[i64],
    approver_id: Option<i64>,
) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(entries::table.filter(entries::id.eq_any(ids.to_vec())))
        .set(entries::approver_id.eq(approver_id))
        .execute(conn)
}

/// Standard minutes of the products of some entries.
pub fn standard_minutes(
    conn: &mut DbConnection,
    product_ids: &[i64],
) -> QueryResult<Vec<(i64, i32)>> {
    products::table
        .filter(products::id.eq_any(product_ids.to_vec()))
        .select((products::id, products::standard_minutes))
        .load(conn)
}

/// Live entries of some people on some days (anomaly checks of a queue page).
pub fn of_people_between(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<Entry>> {
    entries::table
        .filter(entries::staff_id.eq_any(staff_ids.to_vec()))
        .filter(entries::work_date.between(from, to))
        .filter(entries::deleted_at.is_null())
        .select(Entry::as_select())
        .load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = entries)]
pub struct EntryChanges {
    pub work_date: Option<NaiveDate>,
    pub product_id: Option<i64>,
    pub quantity: Option<i32>,
    pub minutes: Option<i32>,
    pub note: Option<String>,
    pub evidence: Option<Option<String>>,
    pub state: Option<String>,
    pub approver_id: Option<Option<i64>>,
    pub rework_count: Option<i32>,
    pub last_return_kind: Option<Option<String>>,
    pub last_return_reason: Option<Option<String>>,
    pub submitted_at: Option<Option<NaiveDateTime>>,
    pub decided_at: Option<Option<NaiveDateTime>>,
    pub decided_by: Option<Option<i64>>,
    pub deleted_at: Option<Option<NaiveDateTime>>,
    pub client_ref: Option<Option<String>>,
    pub task_id: Option<Option<i64>>,
}

/// Applies changes if the entry is still at `expected_version` and returns the row as it is now,
/// in one statement; None when someone else changed it first (the caller answers 409/412 and
/// nothing is written).
pub fn update_versioned(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i64,
    changes: &EntryChanges,
    now: NaiveDateTime,
) -> QueryResult<Option<Entry>> {
    let query = diesel::update(
        entries::table
            .filter(entries::id.eq(id))
            .filter(entries::version.eq(expected_version)),
    )
    .set((
        changes,
        entries::version.eq(expected_version + 1),
        entries::updated_at.eq(now),
    ));
    match conn {
        DbConnection::Sqlite(c) => query.returning(Entry::as_returning()).get_result(c),
        DbConnection::Pg(c) => query.returning(Entry::as_returning()).get_result(c),
    }
    .optional()
}

// ---------------------------------------------------------------------------------------------
// Aggregates for dashboards and reports: every query groups in SQL (by unit, person or day) and
// is chunked over unit ids (bind limits); none returns one row per entry.
// ---------------------------------------------------------------------------------------------

/// Submitted entries waiting, by approver: (approver, count, earliest submission, earliest work
/// date). An approver may appear once per chunk of units: callers merge. Read from the counters
/// the database keeps (`backlog_waiting`, one row per unit and approver), not from the entries.
pub type BacklogRow = (Option<i64>, i64, Option<NaiveDateTime>, Option<NaiveDate>);

/// (approver or 0, waiting, oldest submission, oldest work date) of a group of units.
type KeyedBacklogRow = (i64, Option<i64>, Option<NaiveDateTime>, Option<NaiveDate>);

/// `backlog_waiting.approver_key` of waiting entries with no approver.
const NO_APPROVER: i64 = 0;

fn approver_of_key(key: i64) -> Option<i64> {
    (key != NO_APPROVER).then_some(key)
}

pub fn backlog_by_approver(
    conn: &mut DbConnection,
    unit_ids: &[i64],
) -> QueryResult<Vec<BacklogRow>> {
    use crate::db::schema::backlog_waiting as b;
    use diesel::dsl::{min, sum};
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(900) {
        let rows: Vec<KeyedBacklogRow> = b::table
            .filter(b::unit_id.eq_any(chunk.to_vec()))
            .group_by(b::approver_key)
            .select((
                b::approver_key,
                sum(b::waiting),
                min(b::oldest_submitted_at),
                min(b::oldest_work_date),
            ))
            .load(conn)?;
        out.extend(rows.into_iter().map(|(key, n, first_sub, first_day)| {
            (approver_of_key(key), n.unwrap_or(0), first_sub, first_day)
        }));
    }
    Ok(out)
}

/// The counters as the entries give them, one row per unit and approver, in key order
/// (`check-totals` compares them with `backlog_waiting`).
pub type BacklogCounter = BacklogGroup<i64, i64>;

/// (unit, approver, waiting, oldest submission, oldest work date).
pub type BacklogGroup<A, N> = (i64, A, N, Option<NaiveDateTime>, Option<NaiveDate>);

pub fn backlog_counters_expected(conn: &mut DbConnection) -> QueryResult<Vec<BacklogCounter>> {
    use diesel::dsl::{count_star, min};
    let rows: Vec<BacklogGroup<Option<i64>, i64>> = entries::table
        .filter(entries::deleted_at.is_null())
        .filter(entries::state.eq("submitted"))
        .group_by((entries::unit_id, entries::approver_id))
        .select((
            entries::unit_id,
            entries::approver_id,
            count_star(),
            min(entries::submitted_at),
            min(entries::work_date),
        ))
        .load(conn)?;
    let mut out: Vec<BacklogCounter> = rows
        .into_iter()
        .map(|(unit, approver, n, s, d)| (unit, approver.unwrap_or(NO_APPROVER), n, s, d))
        .collect();
    out.sort_by_key(|r| (r.0, r.1));
    Ok(out)
}

/// Rewrites the counters from the entries (`check-totals` after a drift); returns the rows.
pub fn rebuild_backlog_counters(conn: &mut DbConnection) -> QueryResult<usize> {
    use diesel::RunQueryDsl;
    diesel::sql_query("DELETE FROM backlog_waiting").execute(conn)?;
    diesel::sql_query(
        "INSERT INTO backlog_waiting \
         (unit_id, approver_key, waiting, oldest_submitted_at, oldest_work_date) \
         SELECT unit_id, COALESCE(approver_id, 0), count(*), min(submitted_at), min(work_date) \
         FROM entries WHERE state = 'submitted' AND deleted_at IS NULL \
         GROUP BY unit_id, COALESCE(approver_id, 0)",
    )
    .execute(conn)
}

/// The stored counters (`backlog_waiting`), in key order.
pub fn backlog_counters_stored(conn: &mut DbConnection) -> QueryResult<Vec<BacklogCounter>> {
    use crate::db::schema::backlog_waiting as b;
    let rows: Vec<BacklogGroup<i64, i32>> = b::table
        .order((b::unit_id, b::approver_key))
        .select((
            b::unit_id,
            b::approver_key,
            b::waiting,
            b::oldest_submitted_at,
            b::oldest_work_date,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, k, n, s, d)| (u, k, i64::from(n), s, d))
        .collect())
}

/// A diary line with its decision already made, for bulk inserts (`seed-demo`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = entries, treat_none_as_default_value = false)]
pub struct SeedEntry {
    pub staff_id: i64,
    pub unit_id: i64,
    pub work_date: NaiveDate,
    pub product_id: i64,
    pub quantity: i32,
    pub minutes: i32,
    pub note: String,
    pub state: String,
    pub approver_id: Option<i64>,
    pub rework_count: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Rows per statement of [`insert_batch`]: 16 columns × 1,000 rows stays under SQLite's 32,766
/// and PostgreSQL's 65,535 bind parameters.
pub const BATCH_ROWS: usize = 1000;

/// Inserts many lines, one multi-row statement per [`BATCH_ROWS`]; returns the rows written.
pub fn insert_batch(conn: &mut DbConnection, rows: &[SeedEntry]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(BATCH_ROWS) {
        // Per backend: diesel's MultiConnection has no multi-row insert for SQLite.
        n += match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(entries::table)
                .values(chunk)
                .execute(c)?,
            DbConnection::Pg(c) => diesel::insert_into(entries::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(n)
}
