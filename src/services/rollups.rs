//! Maintained rollups at the grain the dashboard and the under-logged report read (issue 14):
//! person × ISO week (`week_totals`: the whole week's expected minutes, logged and approved
//! minutes) and unit × ISO week (`unit_weeks`: members, people expected to work, under-logged
//! people on either basis, and the sums of minutes).
//!
//! Which weeks exist: a week is *built* for every active person with a unit the first time a
//! report reads it (`ensure_built`, one write transaction); from then on every write that changes
//! one of its figures rewrites exactly what it touches, in the writer's transaction:
//!
//! | write | rewritten |
//! |---|---|
//! | an entry's submitted or approved minutes (submit, withdraw, approve, return, revoke, amend, submit a day) | the person's week (logged, approved; one `UPDATE`) and their unit's week (one delete + one grouped insert) |
//! | a draft or returned line created, edited or deleted | nothing (`totals::Touches::Unsubmitted`: it changes no logged or approved minutes) |
//! | a range of days recomputed (`totals::refresh`: backdate permissions, product standards, demo data) | the people's built weeks in the range and their units' weeks |
//! | a leave approved, refused after approval or cancelled | the person's built weeks of the leave |
//! | a holiday added or removed | every person's row of that week, and every unit's |
//! | a person changed (unit, active, joining/leaving dates, contract) or created | the person's built weeks, their old and new units' weeks |
//!
//! Every rewrite derives the rows with `domain::calendar::week_summaries` (through
//! `weeks::full_weeks`), the same rule the live computation applies; nothing is incremented.
//! The under-logged rule's basis is a setting: both counts are stored, readers pick. The diary
//! and grading policies do not enter these figures. `totals::drift` (the `check-totals`
//! command) compares every built row with a recomputation, and `totals::rebuild_all` rewrites
//! them.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use crate::db::rollups::{UnitWeek, WeekTotal};
use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::domain::period::IsoWeek;
use crate::error::{AppError, AppResult};
use crate::services::weeks;

/// People per derivation pass (their contracts, leave and day totals are loaded at once).
const PEOPLE_PER_PASS: usize = 500;

fn everyday() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// The rows of some people in some weeks, from their contracts, dates, leave, the calendar and
/// their day totals. Only active people with a unit have rows.
pub fn derive(
    conn: &mut DbConnection,
    people: &[Staff],
    weeks: &[NaiveDate],
) -> AppResult<Vec<WeekTotal>> {
    let (Some(first), Some(last)) = (weeks.iter().min(), weeks.iter().max()) else {
        return Ok(Vec::new());
    };
    let wanted: HashSet<NaiveDate> = weeks.iter().copied().collect();
    let mut out = Vec::new();
    let counted: Vec<Staff> = people
        .iter()
        .filter(|p| p.active && p.unit_id.is_some())
        .cloned()
        .collect();
    for chunk in counted.chunks(PEOPLE_PER_PASS) {
        let summaries = weeks::full_weeks(conn, chunk, IsoWeek::of(*first), IsoWeek::of(*last))?;
        for p in chunk {
            let Some(unit_id) = p.unit_id else { continue };
            for s in summaries.get(&p.id).into_iter().flatten() {
                let week_start = s.week.monday();
                if wanted.contains(&week_start) {
                    out.push(WeekTotal {
                        staff_id: p.id,
                        week_start,
                        unit_id,
                        expected: s.expected,
                        logged: s.logged,
                        approved: s.approved,
                    });
                }
            }
        }
    }
    out.sort_by_key(|r| (r.staff_id, r.week_start));
    Ok(out)
}

/// The unit rows the person rows add up to.
pub fn unit_sums(rows: &[WeekTotal]) -> Vec<UnitWeek> {
    let mut units: BTreeMap<(i64, NaiveDate), UnitWeek> = BTreeMap::new();
    for r in rows {
        let u = units
            .entry((r.unit_id, r.week_start))
            .or_insert_with(|| UnitWeek {
                unit_id: r.unit_id,
                week_start: r.week_start,
                ..UnitWeek::default()
            });
        u.members += 1;
        if r.expected > 0 {
            u.people += 1;
            u.under_logged += i64::from(r.logged < r.expected);
            u.under_approved += i64::from(r.approved < r.expected);
        }
        u.expected += r.expected;
        u.logged += r.logged;
        u.approved += r.approved;
    }
    units.into_values().collect()
}

/// Builds the weeks not built yet (for everyone, in one write transaction).
pub fn ensure_built(conn: &mut DbConnection, weeks: &[IsoWeek]) -> AppResult<()> {
    let wanted: Vec<NaiveDate> = weeks.iter().map(|w| w.monday()).collect();
    let missing = |conn: &mut DbConnection| -> AppResult<Vec<NaiveDate>> {
        let (Some(first), Some(last)) = (wanted.iter().min(), wanted.iter().max()) else {
            return Ok(Vec::new());
        };
        let built: HashSet<NaiveDate> = db::rollups::built_between(conn, *first, *last)?
            .into_iter()
            .collect();
        let mut m: Vec<NaiveDate> = wanted
            .iter()
            .filter(|w| !built.contains(w))
            .copied()
            .collect();
        m.sort_unstable();
        m.dedup();
        Ok(m)
    };
    if missing(conn)?.is_empty() {
        return Ok(());
    }
    db::write_transaction(conn, |conn| {
        db::rollups::lock_for_build(conn)?;
        let todo = missing(conn)?;
        if todo.is_empty() {
            return Ok::<_, AppError>(());
        }
        let people = db::staff::active_in_units(conn, None)?;
        let rows = derive(conn, &people, &todo)?;
        db::rollups::insert_rows(conn, &rows)?;
        let now = db::now_utc();
        for week in todo {
            db::rollups::refresh_week_units(conn, week)?;
            db::rollups::mark_built(conn, week, now)?;
        }
        Ok(())
    })
}

/// Whether every one of `weeks` is built.
pub fn all_built(conn: &mut DbConnection, weeks: &[IsoWeek]) -> AppResult<bool> {
    let wanted: Vec<NaiveDate> = weeks.iter().map(|w| w.monday()).collect();
    let (Some(first), Some(last)) = (wanted.iter().min(), wanted.iter().max()) else {
        return Ok(true);
    };
    let built: HashSet<NaiveDate> = db::rollups::built_between(conn, *first, *last)?
        .into_iter()
        .collect();
    Ok(wanted.iter().all(|w| built.contains(w)))
}

/// After an entry write: the person's week and their unit's week (see the module table).
pub fn refresh_person_week(
    conn: &mut DbConnection,
    staff_id: i64,
    day: NaiveDate,
) -> AppResult<()> {
    let week = IsoWeek::of(day);
    db::rollups::refresh_person_minutes(conn, staff_id, week.monday(), week.sunday())?;
    Ok(())
}

/// Re-derives the built weeks of some people between two dates (inclusive; their weeks), and
/// their units' weeks.
pub fn refresh_people(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<()> {
    if staff_ids.is_empty() || from > to {
        return Ok(());
    }
    db::rollups::lock_for_maintenance(conn)?;
    let built =
        db::rollups::built_between(conn, IsoWeek::of(from).monday(), IsoWeek::of(to).monday())?;
    if built.is_empty() {
        return Ok(());
    }
    let people = db::rollups::people(conn, staff_ids)?;
    let rows = derive(conn, &people, &built)?;
    let units = db::rollups::replace_people(conn, staff_ids, &built, &rows)?;
    db::rollups::refresh_units(conn, &units, &built)?;
    Ok(())
}

/// Re-derives every built week of some people (their unit, dates, contract or state changed).
pub fn refresh_people_everywhere(conn: &mut DbConnection, staff_ids: &[i64]) -> AppResult<()> {
    let (from, to) = everyday();
    refresh_people(conn, staff_ids, from, to)
}

/// Re-derives everyone's week of `day` (a holiday was added or removed).
pub fn refresh_week_of(conn: &mut DbConnection, day: NaiveDate) -> AppResult<()> {
    db::rollups::lock_for_maintenance(conn)?;
    let week = IsoWeek::of(day).monday();
    if db::rollups::built_between(conn, week, week)?.is_empty() {
        return Ok(());
    }
    let people = db::staff::active_in_units(conn, None)?;
    let rows = derive(conn, &people, &[week])?;
    db::rollups::replace_week(conn, week, &rows)?;
    db::rollups::refresh_week_units(conn, week)?;
    Ok(())
}

/// Rewrites every built week from scratch (part of a full rebuild of the totals).
pub fn rebuild(conn: &mut DbConnection) -> AppResult<usize> {
    db::rollups::lock_for_build(conn)?;
    let (from, to) = everyday();
    let built = db::rollups::built_between(conn, from, to)?;
    let people = db::staff::active_in_units(conn, None)?;
    let rows = derive(conn, &people, &built)?;
    for week in &built {
        let of_week: Vec<WeekTotal> = rows
            .iter()
            .filter(|r| r.week_start == *week)
            .cloned()
            .collect();
        db::rollups::replace_week(conn, *week, &of_week)?;
        db::rollups::refresh_week_units(conn, *week)?;
    }
    Ok(rows.len())
}

/// Built rows that differ from a recomputation: (stored, expected) person rows and unit rows.
pub type PersonDrift = (Option<WeekTotal>, Option<WeekTotal>);
pub type UnitDrift = (Option<UnitWeek>, Option<UnitWeek>);

pub fn drift(conn: &mut DbConnection) -> AppResult<(Vec<PersonDrift>, Vec<UnitDrift>)> {
    let (from, to) = everyday();
    let built = db::rollups::built_between(conn, from, to)?;
    if built.is_empty() {
        // Rows without a built week are drift too.
        let everyone = db::staff::all_ids(conn)?;
        let stray = db::rollups::weeks_of_people(conn, &everyone, from, to)?;
        return Ok((
            stray.into_iter().map(|r| (Some(r), None)).collect(),
            Vec::new(),
        ));
    }
    let people = db::staff::active_in_units(conn, None)?;
    let expected = derive(conn, &people, &built)?;
    let expected_units = unit_sums(&expected);
    let everyone = db::staff::all_ids(conn)?;
    let stored = db::rollups::weeks_of_people(conn, &everyone, from, to)?;
    let persons = crate::services::totals::differences(stored, expected, |r: &WeekTotal| {
        (r.staff_id, r.week_start)
    });
    // Rows of weeks not built count as drift (nothing is expected for them).
    let units = crate::services::totals::differences(
        db::rollups::stored_unit_weeks(conn, &built)?,
        expected_units,
        |r: &UnitWeek| (r.unit_id, r.week_start),
    );
    Ok((persons, units))
}

/// Per person, the rows of some weeks (for readers).
pub fn rows_by_person(rows: Vec<WeekTotal>) -> HashMap<i64, Vec<WeekTotal>> {
    let mut out: HashMap<i64, Vec<WeekTotal>> = HashMap::new();
    for r in rows {
        out.entry(r.staff_id).or_default().push(r);
    }
    for v in out.values_mut() {
        v.sort_by_key(|r| r.week_start);
    }
    out
}
