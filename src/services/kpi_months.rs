//! The KPI of every month per unit (issue 14): the dashboard, the staffing report and the KPI
//! trend read the sums of the members' KPI per unit and month instead of computing the KPI of
//! every person of six months on each call.
//!
//! A month is *built* whole (every active person with a unit, `reports::kpi_of_period`: the KPI
//! of a person does not depend on who else is asked about, so a subtree reads the units it
//! covers) by the first read that finds it missing, on a read snapshot that does not hold the
//! writers up ([`ensure_built_observed`] says how), and stays valid until an input of its KPI
//! changes. Invalidation is exact and done by the database: triggers
//! (migration `2026-12-01-000002_kpi_months`) delete the month's marker in the statement that
//! writes the input, whoever writes it:
//!
//! | write | months invalidated |
//! |---|---|
//! | `month_credits` (approved work: approve, revoke, amend, edit or delete of approved lines, range refreshes, rebuilds) | the row's month |
//! | `grading_rounds` (round opened, its unit, period or policy version), `grades` (evaluator scores, bonus, discipline; rows added or removed) | the round's period |
//! | `tasks` (due date, state, completion), `leaves`, `holidays`, `staff` (unit, supervisor, leader, joining and leaving dates, active), `staff_contracts`, `units` (head, parent, active), `policies` | every month |
//!
//! Drafts and submissions do not change a KPI (they change day totals, not `month_credits`): a
//! diary under load keeps the months valid. A month not yet ended also depends on the day
//! (delays of unfinished tasks are counted up to today): its marker records that day, and a
//! read on a later day rebuilds it. `check-totals` compares every valid month with a
//! recomputation ([`drift`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::db::kpi_months::UnitMonth;
use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::domain::grading::Grade;
use crate::domain::period::Period;
use crate::error::{AppError, AppResult};
use crate::services::kpi::{ContractsByPerson, LeaveByPerson, PersonKpi};
use crate::services::reports;

/// The KPI sums of one unit's active members in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UnitKpi {
    /// Members computed.
    pub members: i64,
    /// Of them, those who can be graded (something expected).
    pub people: i64,
    /// Sum of their totals.
    pub total_sum: f64,
    /// Expected minutes of all members.
    pub expected: i64,
    /// Credited minutes of all members.
    pub credited: i64,
}

impl UnitKpi {
    /// The sums a stored row holds.
    pub fn of_row(r: &UnitMonth) -> UnitKpi {
        UnitKpi {
            members: r.members,
            people: r.people,
            total_sum: r.total_sum,
            expected: r.expected,
            credited: r.credited,
        }
    }

    /// Adds another unit's sums (a row of several units).
    pub fn add(&mut self, other: &UnitKpi) {
        self.members += other.members;
        self.people += other.people;
        self.total_sum += other.total_sum;
        self.expected += other.expected;
        self.credited += other.credited;
    }

    /// Mean total of those who can be graded (None: nobody) and how many they are.
    pub fn average(&self) -> (Option<f64>, usize) {
        let n = usize::try_from(self.people).unwrap_or(0);
        if n == 0 {
            (None, 0)
        } else {
            (Some(self.total_sum / n as f64), n)
        }
    }
}

/// Per unit, the sums of the KPI of `people` (in their order, so that a unit's sum is the one
/// `reports::kpi_average` makes of the same members).
pub fn unit_sums(
    people: &[Staff],
    kpis: &HashMap<i64, (PersonKpi, Grade)>,
) -> HashMap<i64, UnitKpi> {
    let mut out: HashMap<i64, UnitKpi> = HashMap::new();
    for p in people {
        let (Some(unit), Some((k, _))) = (p.unit_id, kpis.get(&p.id)) else {
            continue;
        };
        let u = out.entry(unit).or_default();
        u.members += 1;
        u.expected += k.breakdown.expected;
        u.credited += k.breakdown.credited;
        if !k.breakdown.not_graded {
            u.people += 1;
            u.total_sum += k.breakdown.total;
        }
    }
    out
}

/// The day a month's KPI is computed for: delays of unfinished tasks count up to the earlier
/// of today and the month's last day.
pub fn as_of(month: Period, today: NaiveDate) -> NaiveDate {
    today.min(month.last_day())
}

/// The KPI of one month for everyone, per unit (a recomputation from the database alone: what
/// [`drift`] compares the stored rows with).
pub fn compute_month(
    conn: &mut DbConnection,
    month: Period,
    today: NaiveDate,
) -> AppResult<HashMap<i64, UnitKpi>> {
    let people = db::staff::active_in_units(conn, None)?;
    let kpis = reports::kpi_of_period(conn, &people, month, today)?;
    Ok(unit_sums(&people, &kpis))
}

/// What a build reads of the people themselves, kept in memory between builds: the active
/// people with a unit, their contracts, and their approved leave per month. An approval, the
/// common reason to rebuild a month, changes none of it. Valid while the database's
/// `kpi_inputs_version` is the one it was read under: every write to `staff`,
/// `staff_contracts` or `leaves` bumps it in its own statement (database triggers, migration
/// `2026-12-01-000006_kpi_inputs_version`), and a build reads it inside its transaction (a read
/// snapshot, or a write transaction after [`db::kpi_months::lock_for_build`]), so the version
/// and the rows read under it come from one state of the database. `instance` tells databases
/// apart within one process (the tests run many).
struct PeopleCache {
    key: (String, i64),
    people: Arc<Vec<Staff>>,
    /// Of `people`, how many per unit (the active headcount the reports' scopes read).
    headcount: Arc<HashMap<i64, usize>>,
    covered: Arc<HashSet<i64>>,
    contracts: Arc<ContractsByPerson>,
    leave_days: HashMap<Period, Arc<LeaveByPerson>>,
}

/// The months of approved leave one cache keeps at most (a dashboard reads six).
const CACHED_LEAVE_MONTHS: usize = 24;

static PEOPLE_CACHE: Mutex<Option<PeopleCache>> = Mutex::new(None);

/// The people, contracts and leave of `month` for a build: from [`PEOPLE_CACHE`] when it was
/// read under the database's current inputs version, else from the database (and kept).
type BuildPeople = (
    Arc<Vec<Staff>>,
    Arc<HashSet<i64>>,
    Arc<ContractsByPerson>,
    Arc<LeaveByPerson>,
);

fn build_people(conn: &mut DbConnection, month: Period) -> AppResult<BuildPeople> {
    let key = db::kpi_months::inputs_version(conn)?;
    let mut cache = PEOPLE_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if cache.as_ref().is_none_or(|c| c.key != key) {
        let people: Vec<Staff> = db::staff::active_in_units(conn, None)?
            .into_iter()
            .map(kpi_copy)
            .collect();
        let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
        let contracts = crate::services::kpi::contracts_by_person(conn, &ids)?;
        let mut headcount: HashMap<i64, usize> = HashMap::new();
        for unit in people.iter().filter_map(|p| p.unit_id) {
            *headcount.entry(unit).or_default() += 1;
        }
        *cache = Some(PeopleCache {
            key,
            headcount: Arc::new(headcount),
            covered: Arc::new(ids.into_iter().collect()),
            people: Arc::new(people),
            contracts: Arc::new(contracts),
            leave_days: HashMap::new(),
        });
    }
    let Some(c) = cache.as_mut() else {
        return Err(AppError::Internal(anyhow::anyhow!("people cache missing")));
    };
    let leave = match c.leave_days.get(&month) {
        Some(l) => Arc::clone(l),
        None => {
            let ids: Vec<i64> = c.people.iter().map(|p| p.id).collect();
            let l = Arc::new(crate::services::leaves::approved_leave_days(
                conn,
                &ids,
                month.first_day(),
                month.last_day(),
            )?);
            if c.leave_days.len() >= CACHED_LEAVE_MONTHS {
                c.leave_days.clear();
            }
            c.leave_days.insert(month, Arc::clone(&l));
            l
        }
    };
    Ok((
        Arc::clone(&c.people),
        Arc::clone(&c.covered),
        Arc::clone(&c.contracts),
        leave,
    ))
}

/// The active headcount of every unit that has active members, from the people cache when it
/// was read under the database's current inputs version (every write to `staff` bumps it, see
/// [`PeopleCache`]); `None` when it was not (or nothing was built yet): the caller counts in the
/// database. The same people `db::staff::active_count_by_unit` counts: active, with a unit.
pub fn cached_headcount(conn: &mut DbConnection) -> AppResult<Option<Arc<HashMap<i64, usize>>>> {
    let key = db::kpi_months::inputs_version(conn)?;
    let cache = PEOPLE_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    Ok(cache
        .as_ref()
        .filter(|c| c.key == key)
        .map(|c| Arc::clone(&c.headcount)))
}

/// A person as the cache keeps them: what the KPI reads (id, unit, supervisor, leader, joining
/// and leaving dates) with the strings it never reads (login, password hash, name, e-mail,
/// position, roles) left empty, a third of the row in memory for as long as the cache lives.
/// Only [`compute_month_for_build`] sees these copies, and it returns unit sums.
fn kpi_copy(s: Staff) -> Staff {
    Staff {
        username: String::new(),
        password_hash: None,
        full_name: String::new(),
        email: None,
        position: None,
        roles: String::new(),
        ..s
    }
}

/// [`compute_month`] for a build, with the people, contracts and leave of [`build_people`].
/// Call inside a build's transaction: the read snapshot of [`build_on_snapshot`], or the write
/// transaction of [`build_in_write_transaction`] after [`db::kpi_months::lock_for_build`].
fn compute_month_for_build(
    conn: &mut DbConnection,
    month: Period,
    today: NaiveDate,
) -> AppResult<HashMap<i64, UnitKpi>> {
    let (people, covered, contracts, leave_days) = build_people(conn, month)?;
    let preloaded = crate::services::kpi::Preloaded {
        covered: &covered,
        contracts: &contracts,
        leave_days: &leave_days,
    };
    let kpis = reports::kpi_of_period_with(conn, &people, month, today, Some(preloaded))?;
    Ok(unit_sums(&people, &kpis))
}

fn rows_of(month: &str, sums: &HashMap<i64, UnitKpi>) -> Vec<UnitMonth> {
    let mut rows: Vec<UnitMonth> = sums
        .iter()
        .map(|(unit, s)| UnitMonth {
            month: month.to_owned(),
            unit_id: *unit,
            members: s.members,
            people: s.people,
            total_sum: s.total_sum,
            expected: s.expected,
            credited: s.credited,
        })
        .collect();
    rows.sort_by_key(|r| r.unit_id);
    rows
}

/// Of `months`, those whose marker (`built`: month name and the day it was built for) names the
/// day `as_of` gives today: the month rollups' validity rule (this module and
/// `services::people_months`).
pub(crate) fn valid_months(
    months: &[Period],
    built: Vec<(String, NaiveDate)>,
    as_of: impl Fn(Period) -> NaiveDate,
) -> Vec<Period> {
    let built: HashMap<String, NaiveDate> = built.into_iter().collect();
    months
        .iter()
        .copied()
        .filter(|m| built.get(&m.to_string()) == Some(&as_of(*m)))
        .collect()
}

/// The months among `months` whose stored rows are valid today.
fn valid(conn: &mut DbConnection, months: &[Period], today: NaiveDate) -> AppResult<Vec<Period>> {
    let names: Vec<String> = months.iter().map(Period::to_string).collect();
    let built = db::kpi_months::built(conn, &names)?;
    Ok(valid_months(months, built, |m| as_of(m, today)))
}

/// The months among `months` that are missing, being built, or were computed for another day.
fn missing(conn: &mut DbConnection, months: &[Period], today: NaiveDate) -> AppResult<Vec<Period>> {
    let ok = valid(conn, months, today)?;
    Ok(months.iter().copied().filter(|m| !ok.contains(m)).collect())
}

/// How the months of one [`ensure_built_observed`] call were built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Builds {
    /// Computed on a read snapshot, stored in a short write transaction.
    pub on_snapshot: Vec<Period>,
    /// Computed inside a write transaction: an input changed while the snapshot build ran, or
    /// the caller was already inside a transaction.
    pub in_write_transaction: Vec<Period>,
}

/// One build at a time in this process: readers that find the same month missing wait for
/// the first one's build and then find it built, instead of computing it again (and each
/// overwriting the other's pending marker).
static BUILDING: Mutex<()> = Mutex::new(());

/// Builds the months among `months` that are missing or were computed for another day.
pub fn ensure_built(conn: &mut DbConnection, months: &[Period], today: NaiveDate) -> AppResult<()> {
    ensure_built_observed(conn, months, today, &mut || {}).map(|_| ())
}

/// [`ensure_built`], calling `between` after a snapshot build has computed its months and
/// before it stores them (the tests write an input there), and saying how each month was built.
///
/// A build no longer holds the database's writers for its whole length (on SQLite a build of
/// 20,000 people took the only write lock for 100-160 ms, and every write queued behind it):
///
/// 1. a short write transaction marks the stale months *pending* (their marker gets the pending
///    day and a nonce, [`db::kpi_months::mark_pending`]);
/// 2. the months are computed on a read snapshot taken after that commit ([`db::read_snapshot`]),
///    while writers go on;
/// 3. a short write transaction stores each month whose pending marker is still there. A write
///    to one of its inputs committed after step 1 has deleted the marker (the same triggers
///    that invalidate a built month), so a month whose snapshot may miss a write is never
///    stored: it is built again inside a write transaction, as before, which always finishes.
///
/// On PostgreSQL steps 1 and 3 take [`db::kpi_months::lock_for_build`], so a writer whose
/// trigger ran before step 1 has committed (and is in the snapshot) and one that runs later
/// deletes the pending marker. Called inside a transaction, the build runs in it.
#[doc(hidden)]
pub fn ensure_built_observed(
    conn: &mut DbConnection,
    months: &[Period],
    today: NaiveDate,
    between: &mut dyn FnMut(),
) -> AppResult<Builds> {
    let months: Vec<Period> = months
        .iter()
        .copied()
        .filter(|m| matches!(m, Period::Month { .. }))
        .collect();
    let stale = missing(conn, &months, today)?;
    if stale.is_empty() {
        return Ok(Builds::default());
    }
    let started = std::time::Instant::now();
    let mut builds = Builds::default();
    if db::in_transaction(conn) {
        builds.in_write_transaction = build_in_write_transaction(conn, &months, today)?;
    } else {
        let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
        let (done, left) = build_on_snapshot(conn, &months, today, between)?;
        builds.on_snapshot = done;
        if !left.is_empty() {
            builds.in_write_transaction = build_in_write_transaction(conn, &left, today)?;
        }
    }
    tracing::debug!(
        // The months found stale before the build (the build checks again).
        months = ?stale,
        on_snapshot = ?builds.on_snapshot,
        in_write_transaction = ?builds.in_write_transaction,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "KPI months built"
    );
    Ok(builds)
}

/// Steps 1-3 of [`ensure_built_observed`]: the months built, and those an input changed under.
fn build_on_snapshot(
    conn: &mut DbConnection,
    months: &[Period],
    today: NaiveDate,
    between: &mut dyn FnMut(),
) -> AppResult<(Vec<Period>, Vec<Period>)> {
    let nonce = db::now_utc();
    let claimed = db::write_transaction(conn, |conn| {
        db::kpi_months::lock_for_build(conn)?;
        let todo = missing(conn, months, today)?;
        for m in &todo {
            db::kpi_months::mark_pending(conn, &m.to_string(), nonce)?;
        }
        Ok::<_, AppError>(todo)
    })?;
    if claimed.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let computed = db::read_snapshot(conn, |conn| {
        let mut out = Vec::with_capacity(claimed.len());
        for m in &claimed {
            out.push((*m, compute_month_for_build(conn, *m, today)?));
        }
        between();
        Ok::<_, AppError>(out)
    })?;
    let now = db::now_utc();
    db::write_transaction(conn, move |conn| {
        db::kpi_months::lock_for_build(conn)?;
        let (mut done, mut left) = (Vec::new(), Vec::new());
        for (month, sums) in &computed {
            if db::kpi_months::still_pending(conn, &month.to_string(), nonce)? {
                store(conn, *month, today, sums, now)?;
                done.push(*month);
            } else {
                left.push(*month);
            }
        }
        Ok::<_, AppError>((done, left))
    })
}

/// Builds the months among `months` still missing inside one write transaction (the months
/// built).
fn build_in_write_transaction(
    conn: &mut DbConnection,
    months: &[Period],
    today: NaiveDate,
) -> AppResult<Vec<Period>> {
    db::write_transaction(conn, |conn| {
        db::kpi_months::lock_for_build(conn)?;
        let now = db::now_utc();
        let todo = missing(conn, months, today)?;
        for month in &todo {
            let sums = compute_month_for_build(conn, *month, today)?;
            store(conn, *month, today, &sums, now)?;
        }
        Ok::<_, AppError>(todo)
    })
}

/// Stores a month's unit sums and marks it built for today's `as_of` (inside a build's write
/// transaction).
fn store(
    conn: &mut DbConnection,
    month: Period,
    today: NaiveDate,
    sums: &HashMap<i64, UnitKpi>,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    let name = month.to_string();
    let rows = rows_of(&name, sums);
    db::kpi_months::replace_month(conn, &name, as_of(month, today), &rows, now)?;
    Ok(())
}

/// Per month, the KPI sums of every unit (built first where needed). Months only.
pub fn unit_months(
    conn: &mut DbConnection,
    months: &[Period],
    today: NaiveDate,
) -> AppResult<HashMap<Period, HashMap<i64, UnitKpi>>> {
    ensure_built(conn, months, today)?;
    let by_name: HashMap<String, Period> = months.iter().map(|m| (m.to_string(), *m)).collect();
    let names: Vec<String> = by_name.keys().cloned().collect();
    let mut out: HashMap<Period, HashMap<i64, UnitKpi>> =
        months.iter().map(|m| (*m, HashMap::new())).collect();
    for r in db::kpi_months::unit_months(conn, &names)? {
        if let Some(m) = by_name.get(&r.month) {
            out.entry(*m)
                .or_default()
                .insert(r.unit_id, UnitKpi::of_row(&r));
        }
    }
    Ok(out)
}

/// The KPI sums per unit of a period: the stored months for a month, a live computation of
/// `people` for a quarter or a year (their KPI is not a sum of months').
pub fn of_period(
    conn: &mut DbConnection,
    people: &[Staff],
    period: Period,
    today: NaiveDate,
) -> AppResult<HashMap<i64, UnitKpi>> {
    if matches!(period, Period::Month { .. }) {
        Ok(unit_months(conn, &[period], today)?
            .remove(&period)
            .unwrap_or_default())
    } else {
        let kpis = reports::kpi_of_period(conn, people, period, today)?;
        Ok(unit_sums(people, &kpis))
    }
}

/// A stored month that differs from its recomputation.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthDrift {
    pub month: String,
    pub unit_id: i64,
    pub stored: Option<UnitKpi>,
    pub computed: Option<UnitKpi>,
}

/// Every built month compared with a recomputation for the day it was built for (totals within
/// 1e-9); whether that day is still today is the reader's concern.
pub fn drift(conn: &mut DbConnection) -> AppResult<Vec<MonthDrift>> {
    let mut out = Vec::new();
    for (name, built_as_of) in db::kpi_months::all_built(conn)? {
        let Ok(month) = Period::parse(&name) else {
            continue;
        };
        let stored = unit_months_stored(conn, &name)?;
        let computed = compute_month(conn, month, built_as_of)?;
        let mut units: Vec<i64> = stored.keys().chain(computed.keys()).copied().collect();
        units.sort_unstable();
        units.dedup();
        for unit in units {
            let (s, c) = (stored.get(&unit).copied(), computed.get(&unit).copied());
            if !same(s.as_ref(), c.as_ref()) {
                out.push(MonthDrift {
                    month: name.clone(),
                    unit_id: unit,
                    stored: s,
                    computed: c,
                });
            }
        }
    }
    Ok(out)
}

/// Forgets every built month (`check-totals` after a drift: the next read rebuilds them).
pub fn forget_all(conn: &mut DbConnection) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        db::kpi_months::delete_all(conn)?;
        Ok::<_, AppError>(())
    })
}

fn unit_months_stored(conn: &mut DbConnection, name: &str) -> AppResult<HashMap<i64, UnitKpi>> {
    Ok(db::kpi_months::unit_months(conn, &[name.to_owned()])?
        .into_iter()
        .map(|r| (r.unit_id, UnitKpi::of_row(&r)))
        .collect())
}

fn same(a: Option<&UnitKpi>, b: Option<&UnitKpi>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.members == b.members
                && a.people == b.people
                && a.expected == b.expected
                && a.credited == b.credited
                && (a.total_sum - b.total_sum).abs() < 1e-9
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_not_ended_is_computed_for_today_and_an_ended_one_for_its_last_day() {
        let oct = Period::new_month(2026, 10).expect("month");
        let mid = NaiveDate::from_ymd_opt(2026, 10, 15).expect("day");
        let later = NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        assert_eq!(as_of(oct, mid), mid);
        assert_eq!(
            as_of(oct, later),
            NaiveDate::from_ymd_opt(2026, 10, 31).expect("day")
        );
    }

    #[test]
    fn rows_add_up_and_average_only_who_can_be_graded() {
        let mut a = UnitKpi {
            members: 2,
            people: 1,
            total_sum: 40.0,
            expected: 100,
            credited: 50,
        };
        let b = UnitKpi {
            members: 3,
            people: 2,
            total_sum: 50.0,
            expected: 10,
            credited: 5,
        };
        a.add(&b);
        assert_eq!(a.members, 5);
        assert_eq!(a.expected, 110);
        assert_eq!(a.credited, 55);
        assert_eq!(a.average(), (Some(30.0), 3));
        assert_eq!(UnitKpi::default().average(), (None, 0));
    }
}
