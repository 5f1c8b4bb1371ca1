//! Reports the organisation department pulls (rulebook "Reports the organisation department
//! pulls"), for a unit's subtree and a period: grade distribution of published rounds, under-logged
//! weeks, workload and staffing, anomalies, KPI ranking and trend, rewards, approval backlog.
//! The dashboard (`services::dashboard`) is these reports computed once and put side by side.
//!
//! No rule is re-implemented here: week summaries come from `services::weeks::summaries_for`,
//! KPI from `services::kpi::compute_with_leaders`, grades from the published rounds, rewards from
//! `services::exports::value_rewards`, anomaly flags from `domain::diary::anomalies`. Every input
//! is loaded in a fixed number of grouped queries (by unit, person or day; chunked over ids for
//! bind limits), never one query per person or unit and never the entries of a whole subtree.
//!
//! Decisions where the rulebook is silent:
//! - Scope: the organisation department and administrators read any unit; heads their own
//!   subtrees (another unit is 404); everyone else 403. Without `unit_id`: the whole organisation
//!   (organisation) or every subtree the caller heads.
//! - People are the subtree's *active* members today (the staff table keeps no membership
//!   history); a unit's figures are those of its direct members, subtree figures their sums.
//! - Entries count for hours and anomalies when submitted or approved ("logged"); drafts are not
//!   declared yet and returned entries were refused. Anomalies are counted per flagged entry and
//!   attributed to the entry's unit.
//! - Weeks of a period: the ISO weeks whose Thursday lies in it (the ISO rule for which month a
//!   week belongs to).
//! - Staffing: norm per person = the full-time 40-hour norm of the period's working days (contract
//!   hours, leave and joining dates are deliberately left out: staffing is about posts);
//!   workload = credited ÷ (norm × headcount); FTE needed = credited ÷ norm; surplus = headcount −
//!   FTE needed (positive: over-staffed).
//! - KPI averages: the mean total of the people who can be graded (not `not_graded`); ranks
//!   within a unit share a place on equal totals (1, 2, 2, 4); trends are monthly, the six months
//!   ending with the period's last month, live KPI with each unit's round policy and scores.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::staff::Staff;
use crate::db::units::Unit;
use crate::db::{self, DbConnection};
use crate::domain::calendar::{daily_norm, ContractSpan, Employment, UnderLogBasis};
use crate::domain::diary::{anomalies, Anomaly, DiaryPolicy, EntryFacts};
use crate::domain::grading::Grade;
use crate::domain::kpi::base_salary_on;
use crate::domain::org::in_subtree;
use crate::domain::period::{IsoWeek, Period};
use crate::domain::scope::Viewer;
use crate::domain::text::vietnamese_sort_key;
use crate::error::{AppError, AppResult};
use crate::i18n::GradeView;
use crate::services::calendar;
use crate::services::exports::{
    thousands, value_rewards, Cell, ChartKind, ChartSpec, RewardLine, RewardPolicy, Sheet, Table,
};
use crate::services::kpi::{compute_with_leaders, threshold_grade, CommonInput, KpiRun, PersonKpi};
use crate::services::kpi_months::{self, UnitKpi};

mod anomalies;
mod backlog;
mod grade_distribution;
mod kpi;
mod rewards;
mod staffing;
mod under_logged;

pub use anomalies::*;
pub use backlog::*;
pub use grade_distribution::*;
pub use kpi::*;
pub use rewards::*;
pub use staffing::*;
pub use under_logged::*;

/// Months in a KPI trend.
pub const TREND_MONTHS: usize = 6;
/// Units listed as most over- and under-staffed.
pub const TOP_UNITS: usize = 3;

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 {
        n / d
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

/// A unit as reports show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    /// Unit id.
    pub unit_id: i64,
    /// Unit code.
    #[schema(example = "W1")]
    pub code: String,
    /// Unit name.
    #[schema(example = "Phường Một")]
    pub name: String,
    /// Level in the tree: `province`, `department`, `district`, `ward`, `office`.
    #[schema(example = "ward")]
    pub level: String,
    /// Parent unit (null for a root).
    pub parent_id: Option<i64>,
}

impl UnitRef {
    pub fn of(u: &Unit) -> UnitRef {
        UnitRef {
            unit_id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.clone(),
            parent_id: u.parent_id,
        }
    }
}

/// The part of the organisation a report covers: its units and how many active people each has.
/// What the dashboard of a month reads (its figures come from unit × period rollups); a report
/// that lists or computes people resolves a [`Scope`], which adds them.
#[derive(Debug, Clone)]
pub struct UnitScope {
    /// The subtree's root (None: the whole organisation, or several headed subtrees).
    pub root: Option<Unit>,
    /// Every unit of the subtree, parents before children.
    pub units: Vec<Unit>,
    pub unit_ids: Vec<i64>,
    /// Active direct members of each unit that has any.
    headcount: HashMap<i64, usize>,
}

impl UnitScope {
    /// The unit has active members.
    pub fn has_members(&self, unit_id: i64) -> bool {
        self.headcount.contains_key(&unit_id)
    }

    /// Active direct members of a unit.
    pub fn headcount_of(&self, unit_id: i64) -> usize {
        self.headcount.get(&unit_id).copied().unwrap_or(0)
    }

    /// Active people of the whole scope.
    pub fn headcount(&self) -> usize {
        self.headcount.values().sum()
    }

    fn unit(&self, id: i64) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    fn root_ref(&self) -> Option<UnitRef> {
        self.root.as_ref().map(UnitRef::of)
    }

    fn root_name(&self) -> String {
        self.root
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "Toàn tổ chức".to_owned())
    }

    fn root_code(&self) -> String {
        self.root
            .as_ref()
            .map(|u| u.code.clone())
            .unwrap_or_else(|| "all".to_owned())
    }
}

/// A [`UnitScope`] with its active people.
#[derive(Debug, Clone)]
pub struct Scope {
    base: UnitScope,
    /// Active people of those units, by id.
    pub people: Vec<Staff>,
    /// Positions in `people` of each unit's direct members.
    members: HashMap<i64, Vec<usize>>,
}

impl std::ops::Deref for Scope {
    type Target = UnitScope;
    fn deref(&self) -> &UnitScope {
        &self.base
    }
}

impl Scope {
    /// A unit's direct members.
    fn members(&self, unit_id: i64) -> impl Iterator<Item = &Staff> {
        self.members
            .get(&unit_id)
            .into_iter()
            .flatten()
            .filter_map(|i| self.people.get(*i))
    }
}

fn not_a_head() -> AppError {
    AppError::forbidden(
        "Chỉ thủ trưởng đơn vị và Ban Tổ chức được xem bảng điều khiển và báo cáo.",
        "Only unit heads and the organisation department may read dashboards and reports.",
    )
}

/// Resolves the subtree a caller asks for, with each unit's headcount (from the KPI builds'
/// people cache when it is current, else one grouped count; no people loaded): 403 for plain
/// staff, 404 for a unit that does not exist or lies outside the caller's subtrees.
pub fn resolve_units(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
) -> AppResult<UnitScope> {
    if !viewer.is_org_wide() && viewer.headed_paths.is_empty() {
        return Err(not_a_head());
    }
    let (root, units) = match unit_id {
        Some(id) => {
            let unit = db::units::find(conn, id)?.ok_or(AppError::NotFound)?;
            let visible = viewer.is_org_wide()
                || viewer
                    .headed_paths
                    .iter()
                    .any(|root| in_subtree(&unit.path, root));
            if !visible {
                return Err(AppError::NotFound);
            }
            let units = db::units::in_subtrees(conn, Some(std::slice::from_ref(&unit.path)))?;
            (Some(unit), units)
        }
        None if viewer.is_org_wide() => (None, db::units::in_subtrees(conn, None)?),
        None => {
            let units = db::units::in_subtrees(conn, Some(&viewer.headed_paths))?;
            // One outermost headed unit names the report; several leave it unnamed.
            let outer: Vec<&Unit> = units
                .iter()
                .filter(|u| viewer.headed_paths.contains(&u.path))
                .filter(|u| {
                    !viewer
                        .headed_paths
                        .iter()
                        .any(|p| p != &u.path && in_subtree(&u.path, p))
                })
                .collect();
            let root = match outer.as_slice() {
                [only] => Some((*only).clone()),
                _ => None,
            };
            (root, units)
        }
    };
    let unit_ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let headcount = if unit_ids.is_empty() {
        HashMap::new()
    } else if let Some(all) = crate::services::kpi_months::cached_headcount(conn)? {
        // Kept with the KPI builds' people (exact: any write to `staff` invalidates it); at
        // province scale the grouped count below reads 20,000 staff rows (PostgreSQL: 8-21 ms
        // of a 35-95 ms dashboard).
        unit_ids
            .iter()
            .filter_map(|u| all.get(u).map(|n| (*u, *n)))
            .collect()
    } else {
        db::staff::active_count_by_unit(conn, &unit_ids)?
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(u, n)| (u, usize::try_from(n).unwrap_or(0)))
            .collect()
    };
    Ok(UnitScope {
        root,
        units,
        unit_ids,
        headcount,
    })
}

/// [`resolve_units`] with the scope's active people (the same errors).
pub fn resolve_scope(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
) -> AppResult<Scope> {
    let base = resolve_units(conn, viewer, unit_id)?;
    let people = if base.unit_ids.is_empty() {
        Vec::new()
    } else {
        db::staff::active_in_units(conn, Some(&base.unit_ids))?
    };
    let mut members: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        if let Some(u) = p.unit_id {
            members.entry(u).or_default().push(i);
        }
    }
    Ok(Scope {
        base,
        people,
        members,
    })
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by several reports
// ---------------------------------------------------------------------------------------------

/// Mean total of the people who can be graded, with their number.
pub fn kpi_average<'a>(kpis: impl Iterator<Item = &'a (PersonKpi, Grade)>) -> (Option<f64>, usize) {
    let totals: Vec<f64> = kpis
        .filter(|(k, _)| !k.breakdown.not_graded)
        .map(|(k, _)| k.breakdown.total)
        .collect();
    if totals.is_empty() {
        (None, 0)
    } else {
        // Not rounded: totals are already rounded once; display rounds the mean.
        (
            Some(totals.iter().sum::<f64>() / totals.len() as f64),
            totals.len(),
        )
    }
}

fn grade_counts(grades: &[Grade]) -> GradeCounts {
    let total = grades.len();
    GradeCounts {
        total,
        grades: Grade::ALL
            .into_iter()
            .map(|g| {
                let count = grades.iter().filter(|x| **x == g).count();
                GradeCount {
                    grade: GradeView::of(g),
                    count,
                    share: ratio(count as f64, total as f64),
                }
            })
            .collect(),
    }
}

fn final_grade(g: &db::grading::GradeRow) -> Grade {
    final_grade_of(g.final_grade.as_deref(), &g.proposed_grade)
}

/// A grade's final value: the decided grade, else the proposed one.
fn final_grade_of(decided: Option<&str>, proposed: &str) -> Grade {
    Grade::parse(decided.unwrap_or(proposed)).unwrap_or(Grade::NotGraded)
}

/// Published rounds of the scope's units, in tree order.
fn published_in(
    conn: &mut DbConnection,
    scope: &UnitScope,
    period: Period,
) -> AppResult<Vec<(db::grading::Round, Unit, Vec<db::grading::GradeRow>)>> {
    let ids: HashSet<i64> = scope.unit_ids.iter().copied().collect();
    let mut rounds: Vec<_> = crate::services::grading::published(conn, period)?
        .into_iter()
        .filter(|(r, _, _)| ids.contains(&r.unit_id))
        .collect();
    rounds.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    Ok(rounds)
}

fn level_vi(level: &str) -> &str {
    match level {
        "province" => "Cấp tỉnh",
        "department" => "Sở, ban, ngành",
        "district" => "Cấp huyện",
        "ward" => "Cấp xã",
        "office" => "Phòng, đơn vị trực thuộc",
        other => other,
    }
}

fn hours(minutes: i64) -> Cell {
    Cell::Score(minutes as f64 / 60.0)
}
/// A report with the name and code of the part of the organisation it covers (for titles and
/// file names).
#[derive(Debug, Clone)]
pub struct Labeled<T> {
    pub scope_name: String,
    pub scope_code: String,
    pub report: T,
}

impl<T> Labeled<T> {
    pub fn of(scope: &UnitScope, report: T) -> AppResult<Labeled<T>> {
        Ok(Labeled {
            scope_name: scope.root_name(),
            scope_code: scope.root_code(),
            report,
        })
    }
}

/// Unit lookup for the dashboard.
pub fn unit_ref(scope: &UnitScope, id: i64) -> Option<UnitRef> {
    scope.unit(id).map(UnitRef::of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(s: &str) -> Period {
        Period::parse(s).expect("period")
    }

    #[test]
    fn weeks_of_a_month_are_those_whose_thursday_lies_in_it() {
        let w =
            |p: &str| -> Vec<String> { weeks_of(month(p)).iter().map(|w| w.to_string()).collect() };
        // October 2026: Thursdays 1, 8, 15, 22, 29.
        assert_eq!(
            w("2026-10"),
            ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
        );
        // November 2026: Thursdays 5, 12, 19, 26 (W44's Thursday is 29 October).
        assert_eq!(
            w("2026-11"),
            ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
        );
        // January 2027 starts on a Friday: its first days belong to 2026-W53.
        assert_eq!(w("2027-01").first().map(String::as_str), Some("2027-W01"));
    }

    #[test]
    fn trends_are_the_six_months_ending_with_the_period() {
        let t: Vec<String> = trend_months(month("2026-02"), 6)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            t,
            ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
        );
        // A quarter ends with its last month.
        assert_eq!(
            trend_months(month("2026-Q4"), 6)
                .last()
                .map(|p| p.to_string()),
            Some("2026-12".to_owned())
        );
    }

    #[test]
    fn ratios_of_nothing_are_zero() {
        assert_eq!(ratio(1.0, 0.0), 0.0);
        assert_eq!(ratio(1.0, 4.0), 0.25);
        let counts = grade_counts(&[Grade::Good, Grade::Good, Grade::Excellent, Grade::NotGraded]);
        assert_eq!(counts.total, 4);
        assert_eq!(counts.grades[1].count, 2);
        assert_eq!(counts.grades[1].share, 0.5);
        assert_eq!(grade_counts(&[]).grades[0].share, 0.0);
    }
}

#[cfg(test)]
mod trend_chart_tests {
    use super::*;

    fn averages(values: &[Option<f64>]) -> Vec<UnitKpiAverage> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| UnitKpiAverage {
                unit_id: i as i64 + 100,
                average: *v,
                people: 3,
            })
            .collect()
    }

    #[test]
    fn few_units_are_all_drawn() {
        let a = averages(&[Some(80.0), None, Some(70.0)]);
        assert_eq!(trend_chart_columns(&a), vec![1, 2, 3, 4]);
    }

    #[test]
    fn six_hundred_units_draw_the_average_and_the_five_best_and_worst() {
        // Unit i averages i / 10 points, except every 7th which has nobody gradeable.
        let values: Vec<Option<f64>> = (0..600)
            .map(|i| (i % 7 != 3).then_some(i as f64 / 10.0))
            .collect();
        let cols = trend_chart_columns(&averages(&values));
        assert_eq!(cols.len(), 1 + TREND_CHART_UNITS);
        assert_eq!(cols[0], 1, "the overall average first");
        // Worst: units 0, 1, 2, 4, 5 (3 has no average); best: 599, 597, 596, 595, 594 (598 has
        // none). Columns are unit index + 2.
        assert_eq!(&cols[1..], &[2, 3, 4, 6, 7, 596, 597, 598, 599, 601]);
    }
}
