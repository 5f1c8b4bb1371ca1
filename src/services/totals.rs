//! Maintained daily totals per person (`day_totals`), the grain dashboards and week reports read
//! instead of raw diary lines: minutes by state and, for the declared (submitted + approved)
//! lines, how many carry each anomaly of `domain::diary::anomalies`.
//!
//! Consistency: every service that writes an entry calls [`refresh_day`] for the days it touched,
//! inside its own transaction, and a refresh recomputes those days from their live entries (no
//! increments that could drift). The counters depend on the diary policy and the organisation's
//! UTC offset; their fingerprint is stored, and [`ensure_current`] rebuilds everything at start-up
//! when the configuration changed. Whether a day is a working day is not stored: holidays are
//! data the organisation edits, so reports ask the calendar.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};

use crate::db::rollups::{UnitWeek, WeekTotal};
use crate::db::totals::{DateSpan, DayTotal, LineRow, MonthCredit};
use crate::db::{self, DbConnection};
use crate::domain::diary::{
    anomalies, backdate_covered, day_facts, Anomaly, BackdateCover, DayLine, DiaryPolicy,
    EntryState,
};
use crate::error::{AppError, AppResult};

/// Dates beyond any work date (NaiveDate::MIN/MAX do not compare as text in SQLite).
fn all_dates() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Name of the totals in `maintained_totals`.
const DAY_TOTALS: &str = "day_totals";
/// People per chunk of a rebuild (their lines of the whole range are loaded at once).
const REBUILD_PEOPLE: usize = 200;

/// What the anomaly counters are computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotalsPolicy {
    pub diary: DiaryPolicy,
    pub utc_offset_minutes: i32,
}

impl TotalsPolicy {
    /// Changes whenever a setting the stored counters depend on changes. `v2`: late backfills
    /// honour backdate permissions (lines a permission covers are not flagged), so databases
    /// built before are rebuilt once at start.
    pub fn fingerprint(&self) -> String {
        let d = &self.diary;
        format!(
            "v2 day>{} far>{}x late>{}d(backdate-permits) utc{:+}m",
            d.anomaly_day_minutes,
            d.far_above_factor,
            d.late_backfill_days,
            self.utc_offset_minutes
        )
    }
}

fn empty_row(staff_id: i64, work_date: NaiveDate, unit_id: i64) -> DayTotal {
    DayTotal {
        staff_id,
        work_date,
        unit_id,
        draft_minutes: 0,
        submitted_minutes: 0,
        approved_minutes: 0,
        returned_minutes: 0,
        logged_entries: 0,
        day_over_threshold: 0,
        far_above_standard: 0,
        duplicate: 0,
        late_backfill: 0,
    }
}

/// The totals of the given lines (ordered by person and day, as `db::totals::live_lines` returns
/// them): one row per (person, day, unit) with any live line.
/// `permits` are the live backdate permissions: lines they cover are not late backfills.
pub fn compute(
    lines: &[LineRow],
    policy: &TotalsPolicy,
    permits: &[BackdateCover],
) -> Vec<DayTotal> {
    let offset = Duration::minutes(i64::from(policy.utc_offset_minutes));
    let mut out = Vec::new();
    for day in lines.chunk_by(|a, b| (a.staff_id, a.work_date) == (b.staff_id, b.work_date)) {
        let (staff_id, work_date) = (day[0].staff_id, day[0].work_date);
        let mut rows: BTreeMap<i64, DayTotal> = BTreeMap::new();
        let mut declared: Vec<&LineRow> = Vec::new();
        for l in day {
            let r = rows
                .entry(l.unit_id)
                .or_insert_with(|| empty_row(staff_id, work_date, l.unit_id));
            match EntryState::parse(&l.state) {
                Some(EntryState::Draft) => r.draft_minutes += l.minutes,
                Some(EntryState::Submitted) => {
                    r.submitted_minutes += l.minutes;
                    declared.push(l);
                }
                Some(EntryState::Approved) => {
                    r.approved_minutes += l.minutes;
                    declared.push(l);
                }
                Some(EntryState::Returned) => r.returned_minutes += l.minutes,
                None => {}
            }
        }
        // Anomalies of the declared lines, judged among the declared lines of the day (what the
        // person has put forward); the working-day rule is applied by reports.
        let view: Vec<DayLine<'_>> = declared
            .iter()
            .map(|l| DayLine {
                product_id: l.product_id,
                quantity: l.quantity,
                minutes: l.minutes,
                note: &l.note,
                standard_minutes: l.standard_minutes,
                created_on: (l.created_at + offset).date(),
                backdate_permitted: backdate_covered(
                    permits,
                    l.staff_id,
                    Some(l.unit_id),
                    l.work_date,
                ),
            })
            .collect();
        for (l, facts) in declared.iter().zip(day_facts(work_date, true, &view)) {
            let Some(r) = rows.get_mut(&l.unit_id) else {
                continue;
            };
            r.logged_entries += 1;
            for a in anomalies(&facts, &policy.diary) {
                match a {
                    Anomaly::DayOverThreshold => r.day_over_threshold += 1,
                    Anomaly::FarAboveStandard => r.far_above_standard += 1,
                    Anomaly::Duplicate => r.duplicate += 1,
                    Anomaly::LateBackfill => r.late_backfill += 1,
                    Anomaly::NonWorkingDay => {}
                }
            }
        }
        out.extend(rows.into_values());
    }
    out
}

/// The first day of the month of `d`.
pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The last day of the month of `d`.
fn month_end(d: NaiveDate) -> NaiveDate {
    month_start(d)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

/// Folds approved groups by day into months.
pub fn fold_months(by_day: Vec<MonthCredit>) -> Vec<MonthCredit> {
    let mut months: BTreeMap<(i64, NaiveDate, i32, Option<i64>), MonthCredit> = BTreeMap::new();
    for g in by_day {
        let month = month_start(g.month_start);
        let key = (g.staff_id, month, g.rework_count, g.task_id);
        match months.get_mut(&key) {
            Some(m) => {
                m.minutes += g.minutes;
                m.norm_minutes += g.norm_minutes;
                m.entries += g.entries;
                m.first_submitted_at = match (m.first_submitted_at, g.first_submitted_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => {
                months.insert(
                    key,
                    MonthCredit {
                        month_start: month,
                        ..g
                    },
                );
            }
        }
    }
    months.into_values().collect()
}

/// The month rows of some people for the whole months around `from..=to`, from their entries.
fn compute_months(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<MonthCredit>> {
    let by_day =
        db::totals::approved_groups_by_day(conn, staff_ids, month_start(from), month_end(to))?;
    Ok(fold_months(by_day))
}

/// Rewrites the daily rows of some people between two dates; returns how many were written.
fn refresh_days(
    conn: &mut DbConnection,
    policy: &TotalsPolicy,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<usize> {
    let permits = db::backdate::live_between(conn, from, to)?;
    let rows = compute(
        &db::totals::live_lines(conn, staff_ids, from, to)?,
        policy,
        &permits,
    );
    db::totals::replace(conn, staff_ids, from, to, &rows)?;
    Ok(rows.len())
}

/// Rewrites the month rows of some people for the whole months `from..=to` touches.
fn refresh_months(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<()> {
    let months = compute_months(conn, staff_ids, from, to)?;
    db::totals::replace_months(conn, staff_ids, month_start(from), month_start(to), &months)?;
    Ok(())
}

/// Recomputes the totals of some people between two dates from their live entries: their days
/// in the range, and the whole months the range touches. Returns the daily rows written.
pub fn refresh(
    conn: &mut DbConnection,
    policy: &TotalsPolicy,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<usize> {
    let n = refresh_days_and_months(conn, policy, staff_ids, from, to)?;
    crate::services::rollups::refresh_people(conn, staff_ids, from, to)?;
    Ok(n)
}

/// [`refresh`] without the weekly rollups (a full rebuild rewrites those once at the end).
fn refresh_days_and_months(
    conn: &mut DbConnection,
    policy: &TotalsPolicy,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<usize> {
    if staff_ids.is_empty() || from > to {
        return Ok(0);
    }
    let n = refresh_days(conn, policy, staff_ids, from, to)?;
    refresh_months(conn, staff_ids, from, to)?;
    Ok(n)
}

/// Which maintained rows an entry write can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touches {
    /// Lines that are neither submitted nor approved (drafts, returned lines) were created,
    /// edited or deleted: the day's totals change, not the logged or approved minutes that the
    /// weekly rollup and the month hold.
    Unsubmitted,
    /// The day and its week: submissions, withdrawals and returns of lines that were not
    /// approved.
    Day,
    /// The day and the month's approved work: a line became or stopped being approved, or an
    /// approved line changed.
    DayAndMonth,
}

/// A new draft line of `minutes` in `unit_id` on a person's day: adds them to the day's row
/// (what [`compute`] makes of a draft: draft minutes of its unit's row, nothing else; the unit
/// test `a_new_draft_changes_only_its_rows_draft_minutes` holds the two together). One upsert
/// instead of re-reading the day's lines: the cost of a new line no longer grows with the lines
/// the day already has. No week or month changes (a draft is not logged work).
pub fn add_draft(
    conn: &mut DbConnection,
    staff_id: i64,
    day: NaiveDate,
    unit_id: i64,
    minutes: i32,
) -> AppResult<()> {
    let row = DayTotal {
        draft_minutes: minutes,
        ..empty_row(staff_id, day, unit_id)
    };
    db::totals::add_draft_minutes(conn, &row)?;
    Ok(())
}

/// Recomputes one person's day, their week in the weekly rollup unless only unsubmitted lines
/// changed, and their month if the write touched approved work: what every entry write calls,
/// in its transaction.
pub fn refresh_day(
    conn: &mut DbConnection,
    policy: &TotalsPolicy,
    staff_id: i64,
    day: NaiveDate,
    touches: Touches,
) -> AppResult<()> {
    refresh_days(conn, policy, &[staff_id], day, day)?;
    if touches == Touches::DayAndMonth {
        refresh_months(conn, &[staff_id], day, day)?;
    }
    if touches != Touches::Unsubmitted {
        crate::services::rollups::refresh_person_week(conn, staff_id, day)?;
    }
    Ok(())
}

/// Recomputes the days of every person with live lines of a product (its standard time changed).
pub fn refresh_product(
    conn: &mut DbConnection,
    policy: &TotalsPolicy,
    product_id: i64,
) -> AppResult<()> {
    let (people, range) = db::totals::people_with_product(conn, product_id)?;
    if let Some((from, to)) = range {
        for chunk in people.chunks(REBUILD_PEOPLE) {
            refresh(conn, policy, chunk, from, to)?;
        }
    }
    Ok(())
}

/// Every person who has entries or stored totals, and the dates any entry spans.
fn everything(conn: &mut DbConnection) -> AppResult<(Vec<i64>, Option<DateSpan>)> {
    let mut people: Vec<i64> = db::staff::all_ids(conn)?;
    people.extend(db::totals::people_with_totals(conn)?);
    people.sort_unstable();
    people.dedup();
    Ok((people, db::totals::entry_date_range(conn)?))
}

/// Rebuilds every row from the entries and records the policy's fingerprint; returns the
/// daily rows written.
pub fn rebuild_all(conn: &mut DbConnection, policy: &TotalsPolicy) -> AppResult<usize> {
    db::write_transaction(conn, |conn| {
        db::totals::delete_all(conn)?;
        let (people, range) = everything(conn)?;
        let mut n = 0;
        if let Some((from, to)) = range {
            for chunk in people.chunks(REBUILD_PEOPLE) {
                n += refresh_days_and_months(conn, policy, chunk, from, to)?;
            }
        }
        crate::services::rollups::rebuild(conn)?;
        // The triggers kept the anomaly sums through the rewrite; rewriting them too makes a
        // full rebuild also mend them.
        db::totals::rebuild_unit_day_anomalies(conn)?;
        db::totals::set_fingerprint(conn, DAY_TOTALS, &policy.fingerprint(), db::now_utc())?;
        Ok::<_, AppError>(n)
    })
}

/// The stored totals against the configured policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Built with this policy.
    Current,
    /// Never built (a database from before the maintained totals): reports would read nothing.
    Never,
    /// Built with another policy: only the anomaly counters differ (minutes by state, entries
    /// and the month rows do not depend on the policy).
    OtherPolicy,
}

pub fn freshness(conn: &mut DbConnection, policy: &TotalsPolicy) -> AppResult<Freshness> {
    Ok(match db::totals::fingerprint(conn, DAY_TOTALS)? {
        None => Freshness::Never,
        Some(f) if f == policy.fingerprint() => Freshness::Current,
        Some(_) => Freshness::OtherPolicy,
    })
}

/// People per transaction of a background rebuild: a chunk holds SQLite's write lock for a few
/// tens of milliseconds at province scale, so diary writes queue behind it only that long.
const BACKGROUND_PEOPLE: usize = 16;

/// Recomputes every daily row under `policy` while the server serves, a few people per
/// transaction, then records the policy's fingerprint; returns the daily rows written.
///
/// What readers see meanwhile: each chunk commits whole, so a person's rows are all under the
/// old policy or all under the new one. The minutes by state, the entry counts and the month
/// rows (what KPI, weeks, under-logged and grading read) do not depend on the policy and are
/// exact throughout; only the anomaly counters of people not yet reached follow the old
/// thresholds until their chunk commits. Each chunk locks its people first (PostgreSQL; SQLite
/// has its single write lock), like every diary write does, so a write between the chunk's read
/// of the lines and its rewrite cannot be lost. Writes made during the rebuild refresh their day
/// under the new policy themselves. If the process stops half-way, the fingerprint is still the
/// old one and the next start begins again (every step is idempotent).
pub fn rebuild_in_chunks(conn: &mut DbConnection, policy: &TotalsPolicy) -> AppResult<usize> {
    let (people, range) = everything(conn)?;
    let mut n = 0;
    if let Some((from, to)) = range {
        for chunk in people.chunks(BACKGROUND_PEOPLE) {
            n += db::write_transaction(conn, |conn| {
                db::staff::lock_people(conn, chunk)?;
                refresh_days(conn, policy, chunk, from, to)
            })?;
        }
    }
    db::write_transaction(conn, |conn| {
        db::totals::set_fingerprint(conn, DAY_TOTALS, &policy.fingerprint(), db::now_utc())
    })?;
    Ok(n)
}

/// Rebuilds the totals when they were built with another policy (or never); true if it did.
pub fn ensure_current(conn: &mut DbConnection, policy: &TotalsPolicy) -> AppResult<bool> {
    if db::totals::fingerprint(conn, DAY_TOTALS)?.as_deref() == Some(policy.fingerprint().as_str())
    {
        return Ok(false);
    }
    rebuild_all(conn, policy)?;
    Ok(true)
}

/// A stored row that differs from what the entries give (None: missing on that side).
#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    Day {
        stored: Option<DayTotal>,
        expected: Option<DayTotal>,
    },
    Month {
        stored: Option<MonthCredit>,
        expected: Option<MonthCredit>,
    },
    /// A person's ISO week (`week_totals`).
    PersonWeek {
        stored: Option<WeekTotal>,
        expected: Option<WeekTotal>,
    },
    /// A unit's ISO week (`unit_weeks`).
    UnitWeek {
        stored: Option<UnitWeek>,
        expected: Option<UnitWeek>,
    },
    /// A unit's month of KPI (`kpi_unit_months`).
    KpiMonth(crate::services::kpi_months::MonthDrift),
    /// A unit's month of under-logging (`people_unit_months`).
    PeopleMonth(crate::services::people_months::PeopleMonthDrift),
    /// Waiting entries of a unit and approver (`backlog_waiting`): (unit, approver or 0, waiting,
    /// oldest submission, oldest work date).
    Backlog {
        stored: Option<db::entries::BacklogCounter>,
        expected: Option<db::entries::BacklogCounter>,
    },
    /// A unit's day of anomaly counters (`unit_day_anomalies`) against the sums of its day
    /// totals.
    UnitDayAnomalies {
        stored: Option<db::totals::UnitDayAnomalies>,
        expected: Option<db::totals::UnitDayAnomalies>,
    },
}

/// Rows present on either side that are not equal on both.
pub(crate) fn differences<T: PartialEq, K: Ord>(
    stored: Vec<T>,
    expected: Vec<T>,
    key: impl Fn(&T) -> K,
) -> Vec<(Option<T>, Option<T>)> {
    let mut e: BTreeMap<K, T> = expected.into_iter().map(|r| (key(&r), r)).collect();
    let mut out = Vec::new();
    for s in stored {
        match e.remove(&key(&s)) {
            Some(x) if x == s => {}
            other => out.push((Some(s), other)),
        }
    }
    out.extend(e.into_values().map(|x| (None, Some(x))));
    out
}

/// Compares every stored row with a recomputation from the entries (operations check and tests);
/// empty when the totals are exact.
pub fn drift(conn: &mut DbConnection, policy: &TotalsPolicy) -> AppResult<Vec<Drift>> {
    let (people, range) = everything(conn)?;
    // With no entries at all, any stored row is drift.
    let (from, to) = range.unwrap_or_else(all_dates);
    let (first, last) = all_dates();
    let mut out = Vec::new();
    let permits = db::backdate::live_between(conn, from, to)?;
    for chunk in people.chunks(REBUILD_PEOPLE) {
        let expected = compute(
            &db::totals::live_lines(conn, chunk, from, to)?,
            policy,
            &permits,
        );
        let stored = db::totals::stored(conn, chunk, first, last)?;
        out.extend(
            differences(stored, expected, |r| (r.staff_id, r.work_date, r.unit_id))
                .into_iter()
                .map(|(stored, expected)| Drift::Day { stored, expected }),
        );
        let expected = compute_months(conn, chunk, from, to)?;
        let stored = db::totals::stored_months(conn, chunk, first, last)?;
        out.extend(
            differences(stored, expected, |r| {
                (r.staff_id, r.month_start, r.rework_count, r.task_id)
            })
            .into_iter()
            .map(|(stored, expected)| Drift::Month { stored, expected }),
        );
    }
    let (people, units) = crate::services::rollups::drift(conn)?;
    out.extend(
        people
            .into_iter()
            .map(|(stored, expected)| Drift::PersonWeek { stored, expected }),
    );
    out.extend(
        units
            .into_iter()
            .map(|(stored, expected)| Drift::UnitWeek { stored, expected }),
    );
    out.extend(
        crate::services::kpi_months::drift(conn)?
            .into_iter()
            .map(Drift::KpiMonth),
    );
    out.extend(
        crate::services::people_months::drift(conn)?
            .into_iter()
            .map(Drift::PeopleMonth),
    );
    out.extend(
        differences(
            db::entries::backlog_counters_stored(conn)?,
            db::entries::backlog_counters_expected(conn)?,
            |r| (r.0, r.1),
        )
        .into_iter()
        .map(|(stored, expected)| Drift::Backlog { stored, expected }),
    );
    out.extend(
        differences(
            db::totals::unit_day_anomalies_stored(conn)?,
            db::totals::unit_day_anomalies_expected(conn)?,
            |r| (r.unit_id, r.work_date),
        )
        .into_iter()
        .map(|(stored, expected)| Drift::UnitDayAnomalies { stored, expected }),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn line(
        staff_id: i64,
        day: u32,
        unit_id: i64,
        minutes: i32,
        state: &str,
        note: &str,
    ) -> LineRow {
        let work_date = NaiveDate::from_ymd_opt(2026, 10, day).unwrap();
        LineRow {
            staff_id,
            work_date,
            unit_id,
            product_id: 1,
            quantity: 1,
            minutes,
            note: note.to_string(),
            state: state.to_string(),
            created_at: NaiveDateTime::new(work_date, chrono::NaiveTime::MIN),
            standard_minutes: 100,
        }
    }

    fn policy() -> TotalsPolicy {
        TotalsPolicy {
            diary: DiaryPolicy::default(),
            utc_offset_minutes: 420,
        }
    }

    #[test]
    fn minutes_go_by_state_and_only_declared_lines_carry_anomalies() {
        let lines = vec![
            line(1, 5, 10, 300, "approved", "a"),
            line(1, 5, 10, 300, "submitted", "a"), // identical to the first: both duplicates
            line(1, 5, 10, 60, "draft", "x"),
            line(1, 5, 10, 30, "returned", "y"),
            line(1, 6, 10, 250, "approved", "b"), // far above 2 × 100
        ];
        let rows = compute(&lines, &policy(), &[]);
        assert_eq!(rows.len(), 2);
        let d5 = &rows[0];
        assert_eq!(
            (
                d5.draft_minutes,
                d5.submitted_minutes,
                d5.approved_minutes,
                d5.returned_minutes
            ),
            (60, 300, 300, 30)
        );
        assert_eq!(d5.logged_entries, 2);
        // 600 declared minutes is not above the 600-minute threshold; the draft does not count.
        assert_eq!(d5.day_over_threshold, 0);
        assert_eq!(d5.duplicate, 2);
        assert_eq!(d5.far_above_standard, 2); // 300 > 2 × 1 × 100
        let d6 = &rows[1];
        assert_eq!((d6.logged_entries, d6.far_above_standard), (1, 1));
        assert_eq!(d6.duplicate, 0);
    }

    #[test]
    fn a_day_split_over_two_units_keeps_one_row_each_and_judges_the_whole_day() {
        let lines = vec![
            line(1, 5, 10, 400, "approved", "a"),
            line(1, 5, 11, 201, "approved", "b"),
        ];
        let rows = compute(&lines, &policy(), &[]);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.day_over_threshold == 1)); // 601 > 600
        assert_eq!((rows[0].unit_id, rows[1].unit_id), (10, 11));
    }

    #[test]
    fn days_fold_into_months_by_rework_and_task_with_the_earliest_submission() {
        let at = |d: u32| {
            NaiveDate::from_ymd_opt(2026, 10, d)
                .unwrap()
                .and_hms_opt(9, 0, 0)
        };
        let g = |month: u32, day: u32, rework: i32, task: Option<i64>, minutes: i64| MonthCredit {
            staff_id: 1,
            month_start: NaiveDate::from_ymd_opt(2026, month, day).unwrap(),
            rework_count: rework,
            task_id: task,
            minutes,
            norm_minutes: 2 * minutes,
            entries: 1,
            first_submitted_at: if month == 10 { at(day) } else { None },
        };
        let months = fold_months(vec![
            g(10, 9, 0, None, 100),
            g(10, 2, 0, None, 50),
            g(10, 3, 1, None, 30),
            g(10, 3, 0, Some(7), 20),
            g(11, 1, 0, None, 10),
        ]);
        let oct = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let view: Vec<_> = months
            .iter()
            .map(|m| {
                (
                    m.month_start,
                    m.rework_count,
                    m.task_id,
                    m.minutes,
                    m.norm_minutes,
                    m.entries,
                )
            })
            .collect();
        assert_eq!(
            view,
            vec![
                (oct, 0, None, 150, 300, 2),
                (oct, 0, Some(7), 20, 40, 1),
                (oct, 1, None, 30, 60, 1),
                (
                    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                    0,
                    None,
                    10,
                    20,
                    1
                ),
            ]
        );
        assert_eq!(months[0].first_submitted_at, at(2));
    }

    /// What `add_draft` stores (`db::totals::add_draft_minutes`: an upsert adding to the draft
    /// minutes of the line's row) must be what recomputing the day gives, whatever the day held.
    #[test]
    fn a_new_draft_changes_only_its_rows_draft_minutes() {
        let states = ["draft", "submitted", "approved", "returned"];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..500 {
            let mut lines: Vec<LineRow> = (0..next(12))
                .map(|_| {
                    let state = states[next(4) as usize];
                    let note = ["a", "b", "c"][next(3) as usize];
                    line(1, 5, 10 + next(2) as i64, 1 + next(400) as i32, state, note)
                })
                .collect();
            let before = compute(&lines, &policy(), &[]);
            let unit = 10 + next(3) as i64;
            let minutes = 1 + next(500) as i32;
            let note = ["a", "b", "c"][next(3) as usize];
            lines.push(line(1, 5, unit, minutes, "draft", note));
            let after = compute(&lines, &policy(), &[]);
            let mut expected = before.clone();
            match expected.iter_mut().find(|r| r.unit_id == unit) {
                Some(r) => r.draft_minutes += minutes,
                None => {
                    expected.push(DayTotal {
                        draft_minutes: minutes,
                        ..empty_row(1, lines[0].work_date, unit)
                    });
                    expected.sort_by_key(|r| r.unit_id);
                }
            }
            assert_eq!(after, expected, "lines {lines:?}");
        }
    }

    #[test]
    fn the_fingerprint_follows_every_setting_the_counters_use() {
        let base = policy();
        let mut other = base;
        other.utc_offset_minutes = 0;
        assert_ne!(base.fingerprint(), other.fingerprint());
        let mut other = base;
        other.diary.late_backfill_days += 1;
        assert_ne!(base.fingerprint(), other.fingerprint());
        let mut other = base;
        other.diary.far_above_factor += 1;
        assert_ne!(base.fingerprint(), other.fingerprint());
        let mut other = base;
        other.diary.anomaly_day_minutes += 1;
        assert_ne!(base.fingerprint(), other.fingerprint());
        let mut other = base;
        other.diary.backdate_days += 1; // not used by the counters
        assert_eq!(base.fingerprint(), other.fingerprint());
    }
}
