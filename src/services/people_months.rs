//! Under-logging and logged minutes of every month per unit (issue 14): the dashboard's and the
//! period report's per-unit counts of people expected to work and of people short in at least
//! one ended week, and staffing's logged and approved minutes, read from `people_unit_months`
//! instead of grouping the month's person × week rows and every person's day totals on each call.
//!
//! A month is *built* whole (every unit, from the maintained `week_totals` of its ISO weeks: the
//! weeks whose Thursday lies in it) by the first read that finds it missing or built for another
//! day, in one write transaction. Its marker records the day the ended weeks were counted to
//! ([`as_of`]): today while the month's last week has not ended (so a read on a later day rebuilds
//! it), the day after that week once it has (an ended month is then never rebuilt for the date).
//!
//! Invalidation is exact and done by the database (migration `2026-12-01-000004_people_months`):
//! a `week_totals` row added or removed deletes its week's month marker; an update deletes it
//! only when it changes a stored count: the unit, whether the person is expected, or whether a
//! week that had ended on the marker's day is short on either basis. Everything that changes who
//! is expected or short (entries, leave, holidays, contracts, people moved, joining or leaving)
//! reaches the counts through `week_totals`, which `services::rollups` keeps. Logging in the
//! current week, and drafts, leave the months valid.
//!
//! The minutes are kept rather than rebuilt: while a month is built, triggers on `day_totals`
//! add each row's change in logged and approved minutes to its person's unit (a day of drafts
//! only fires nothing); a person moved, activated, deactivated, added or removed invalidates
//! every month. `check-totals` compares every built month with a recomputation ([`drift`]).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use crate::db::people_months::PeopleMonth;
use crate::db::{self, DbConnection};
use crate::domain::calendar::UnderLogBasis;
use crate::domain::period::Period;
use crate::error::{AppError, AppResult};
use crate::services::{kpi_months, reports, rollups};

/// One unit's month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitPeople {
    /// People expected to work in at least one of the month's weeks.
    pub people: i64,
    /// Of them, short in at least one ended week, on the logged basis.
    pub under_logged: i64,
    /// The same on the approved basis.
    pub under_approved: i64,
    /// Logged (submitted + approved) minutes of the month's days of the unit's active members.
    pub logged: i64,
    /// Approved minutes of the same.
    pub approved: i64,
}

impl UnitPeople {
    /// The people short on the configured basis.
    pub fn under(&self, basis: UnderLogBasis) -> i64 {
        match basis {
            UnderLogBasis::Logged => self.under_logged,
            UnderLogBasis::Approved => self.under_approved,
        }
    }
}

/// The day a month's ended weeks are counted to: today, or the day after the Sunday of the
/// month's last week when that week has ended by then (weeks whose Sunday is before it ended).
pub fn as_of(month: Period, today: NaiveDate) -> NaiveDate {
    match reports::weeks_of(month).last() {
        Some(last) => today.min(last.sunday() + Duration::days(1)),
        None => today,
    }
}

/// The counts of one month for every unit from the stored `week_totals`, and the minutes from
/// the day totals (a recomputation: what a build stores). The month's weeks must be built.
pub fn compute_month(
    conn: &mut DbConnection,
    month: Period,
    as_of: NaiveDate,
) -> AppResult<HashMap<i64, UnitPeople>> {
    let weeks = reports::weeks_of(month);
    let mondays: Vec<NaiveDate> = weeks.iter().map(|w| w.monday()).collect();
    let ended: Vec<NaiveDate> = weeks
        .iter()
        .filter(|w| w.sunday() < as_of)
        .map(|w| w.monday())
        .collect();
    let mut out: HashMap<i64, UnitPeople> = HashMap::new();
    for r in db::rollups::period_people_by_unit(conn, &mondays, &ended, None)? {
        let u = out.entry(r.unit_id).or_default();
        u.people = r.people;
        u.under_logged = r.under_logged;
        u.under_approved = r.under_approved;
    }
    for (unit, logged, approved) in
        db::totals::minutes_by_unit(conn, None, month.first_day(), month.last_day())?
    {
        let u = out.entry(unit).or_default();
        u.logged = logged;
        u.approved = approved;
    }
    // A unit with nothing is no row (the triggers may leave one at zero: the same thing).
    out.retain(|_, u| *u != UnitPeople::default());
    Ok(out)
}

fn rows_of(month: &str, counts: &HashMap<i64, UnitPeople>) -> Vec<PeopleMonth> {
    let mut rows: Vec<PeopleMonth> = counts
        .iter()
        .map(|(unit, c)| PeopleMonth {
            month: month.to_owned(),
            unit_id: *unit,
            people: c.people,
            under_logged: c.under_logged,
            under_approved: c.under_approved,
            logged: c.logged,
            approved: c.approved,
        })
        .collect();
    rows.sort_by_key(|r| r.unit_id);
    rows
}

fn of_rows(rows: Vec<PeopleMonth>) -> HashMap<i64, UnitPeople> {
    rows.into_iter()
        .map(|r| {
            (
                r.unit_id,
                UnitPeople {
                    people: r.people,
                    under_logged: r.under_logged,
                    under_approved: r.under_approved,
                    logged: r.logged,
                    approved: r.approved,
                },
            )
        })
        .filter(|(_, u)| *u != UnitPeople::default())
        .collect()
}

/// The months among `months` whose stored rows are valid today.
fn valid(conn: &mut DbConnection, months: &[Period], today: NaiveDate) -> AppResult<Vec<Period>> {
    let names: Vec<String> = months.iter().map(Period::to_string).collect();
    let built = db::people_months::built(conn, &names)?;
    Ok(kpi_months::valid_months(months, built, |m| as_of(m, today)))
}

/// Builds the months among `months` that are missing or were built for another day. Their
/// weeks are built first (`rollups::ensure_built`, its own transaction: a week build's
/// triggers need the marker table this build locks).
pub fn ensure_built(conn: &mut DbConnection, months: &[Period], today: NaiveDate) -> AppResult<()> {
    let months: Vec<Period> = months
        .iter()
        .copied()
        .filter(|m| matches!(m, Period::Month { .. }))
        .collect();
    let missing = |conn: &mut DbConnection| -> AppResult<Vec<Period>> {
        let ok = valid(conn, &months, today)?;
        Ok(months.iter().copied().filter(|m| !ok.contains(m)).collect())
    };
    let todo = missing(conn)?;
    if todo.is_empty() {
        return Ok(());
    }
    let weeks: Vec<_> = todo.iter().flat_map(|m| reports::weeks_of(*m)).collect();
    rollups::ensure_built(conn, &weeks)?;
    db::write_transaction(conn, |conn| {
        db::people_months::lock_for_build(conn)?;
        let now = db::now_utc();
        for month in missing(conn)? {
            let weeks = reports::weeks_of(month);
            if !rollups::all_built(conn, &weeks)? {
                // A rebuild of the rollups ran in between: the next read builds the month.
                continue;
            }
            let day = as_of(month, today);
            let counts = compute_month(conn, month, day)?;
            let name = month.to_string();
            db::people_months::replace_month(conn, &name, day, &rows_of(&name, &counts), now)?;
        }
        Ok::<_, AppError>(())
    })
}

/// The counts of every unit in a month (built first where needed).
pub fn unit_month(
    conn: &mut DbConnection,
    month: Period,
    today: NaiveDate,
) -> AppResult<HashMap<i64, UnitPeople>> {
    ensure_built(conn, &[month], today)?;
    if valid(conn, &[month], today)?.is_empty() {
        // Not built (see ensure_built): the same counts, computed.
        return compute_month(conn, month, as_of(month, today));
    }
    Ok(of_rows(db::people_months::unit_months(
        conn,
        &[month.to_string()],
    )?))
}

/// A stored month's unit that differs from its recomputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleMonthDrift {
    pub month: String,
    pub unit_id: i64,
    pub stored: Option<UnitPeople>,
    pub computed: Option<UnitPeople>,
}

/// Every built month compared with a recomputation for the day it was built for.
pub fn drift(conn: &mut DbConnection) -> AppResult<Vec<PeopleMonthDrift>> {
    let mut out = Vec::new();
    for (name, built_as_of) in db::people_months::all_built(conn)? {
        let Ok(month) = Period::parse(&name) else {
            continue;
        };
        let stored = of_rows(db::people_months::unit_months(
            conn,
            std::slice::from_ref(&name),
        )?);
        let computed = compute_month(conn, month, built_as_of)?;
        out.extend(
            crate::services::totals::differences(
                stored.into_iter().collect(),
                computed.into_iter().collect(),
                |(unit, _)| *unit,
            )
            .into_iter()
            .map(|(s, c)| PeopleMonthDrift {
                month: name.clone(),
                unit_id: s.or(c).map(|(unit, _)| unit).unwrap_or_default(),
                stored: s.map(|(_, u)| u),
                computed: c.map(|(_, u)| u),
            }),
        );
    }
    Ok(out)
}

/// Forgets every built month (`check-totals` after a drift: the next read rebuilds them).
pub fn forget_all(conn: &mut DbConnection) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        db::people_months::delete_all(conn)?;
        Ok::<_, AppError>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_month_counts_ended_weeks_to_today_until_its_last_week_has_ended() {
        // November 2026: ISO weeks 45..48 (Thursdays 5, 12, 19, 26); the last ends Sunday 29.
        let nov = Period::new_month(2026, 11).expect("month");
        assert_eq!(as_of(nov, day(2026, 11, 18)), day(2026, 11, 18));
        assert_eq!(as_of(nov, day(2026, 11, 29)), day(2026, 11, 29));
        assert_eq!(as_of(nov, day(2026, 11, 30)), day(2026, 11, 30));
        assert_eq!(as_of(nov, day(2027, 2, 1)), day(2026, 11, 30));
        // October 2026's last week (Thursday 29) ends on Sunday 1 November.
        let oct = Period::new_month(2026, 10).expect("month");
        assert_eq!(as_of(oct, day(2026, 11, 1)), day(2026, 11, 1));
        assert_eq!(as_of(oct, day(2026, 12, 1)), day(2026, 11, 2));
    }

    #[test]
    fn the_basis_picks_the_count() {
        let u = UnitPeople {
            people: 5,
            under_logged: 1,
            under_approved: 3,
            logged: 0,
            approved: 0,
        };
        assert_eq!(u.under(UnderLogBasis::Logged), 1);
        assert_eq!(u.under(UnderLogBasis::Approved), 3);
    }
}
