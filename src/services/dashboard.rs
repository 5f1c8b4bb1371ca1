//! The dashboard of a subtree and period: summaries of the reports of `services::reports`, per
//! *row* and for the whole subtree. Scope as the reports: organisation and administrators
//! anything, heads their own subtrees (another unit is 404), plain staff 403.
//!
//! Rows (issue 14: a few hundred at most, whatever the headcount): the root unit's own members,
//! then each unit directly under the root with its whole subtree (without a root: the same
//! under the scope's outermost unit when there is one, e.g. the province; else each outermost
//! unit with its subtree). A row with units under it opens as the
//! dashboard of that unit (drill-down province → unit); the people themselves are in the paged
//! drill-down reports (`/reports/under-logged`, `/reports/kpi`, `/reports/staffing`).
//!
//! Under-logging comes from the maintained person × week rollup; the period's KPI is computed
//! once and shared by staffing and the KPI figures.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::units::Unit;
use crate::db::DbConnection;
use crate::domain::calendar::UnderLogBasis;
use crate::domain::diary::DiaryPolicy;
use crate::domain::grading::Grade;
use crate::domain::period::Period;
use crate::domain::scope::Viewer;
use crate::error::AppResult;
use crate::i18n::GradeView;
use crate::services::kpi_months::{self, UnitKpi};
use crate::services::reports::{
    self, AnomalyCounts, ApproverBacklog, GradeCount, GradeCounts, Hours, LevelGrades, UnitRef,
    UnitScope, UnitStaffing, UnitUnderLogging, WeekUnderLogging,
};

/// Approvers listed in the dashboard's backlog (most waiting first); the full list is
/// `/reports/approval-backlog`.
pub const TOP_APPROVERS: usize = 10;

/// One row of the dashboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DashboardRow {
    /// The unit.
    pub unit: UnitRef,
    /// `own`: the root unit's direct members only; `subtree`: the unit and every unit under it.
    #[schema(example = "subtree")]
    pub covers: String,
    /// Units the row covers (1 for `own`).
    #[schema(example = 12)]
    pub units: usize,
    /// The row has units under it: its own dashboard (`unit_id`) splits it further.
    pub has_children: bool,
}

/// Grades of one row's published rounds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowGrades {
    /// The row's unit.
    pub unit: UnitRef,
    /// Published rounds in the row.
    #[schema(example = 1)]
    pub rounds: usize,
    /// Grades of their people.
    pub counts: GradeCounts,
}

/// Grade distribution of the period's published rounds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradesSummary {
    /// The whole subtree.
    pub overall: GradeCounts,
    /// By level of the tree (levels with a published round only).
    pub by_level: Vec<LevelGrades>,
    /// By row with a published round, in row order.
    pub by_unit: Vec<RowGrades>,
}

/// Workload and staffing of the subtree and its rows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffingSummary {
    /// Working days of the period.
    #[schema(example = 22)]
    pub working_days: usize,
    /// Full-time norm of one person for the period (minutes): 480 per working day.
    #[schema(example = 10560)]
    pub norm_per_person: i64,
    /// `credited / (norm_per_person × headcount)` of the subtree.
    pub workload: f64,
    /// Full-time equivalents the subtree's credited work needs.
    pub fte_needed: f64,
    /// `headcount − fte_needed` of the subtree (positive: more people than the work needs).
    pub surplus: f64,
    /// Every row.
    pub units: Vec<UnitStaffing>,
    /// The most over-staffed rows (largest surplus first; at most 3).
    pub most_over_staffed: Vec<UnitStaffing>,
    /// The most under-staffed rows (most negative surplus first; at most 3).
    pub most_under_staffed: Vec<UnitStaffing>,
}

/// Under-logging in the period (people counted once however many weeks).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnderLoggingSummary {
    /// The ISO weeks of the period (those whose Thursday lies in it).
    pub weeks: Vec<String>,
    /// People expected to work in at least one of them.
    pub people_count: usize,
    /// People with at least one under-logged week.
    pub under_logged_count: usize,
    /// `under_logged_count / people_count` in [0, 1].
    pub share: f64,
    /// One item per week (who is short that week: `/reports/under-logged?week=…`, paged).
    pub by_week: Vec<WeekUnderLogging>,
    /// Per row with people expected to work.
    pub units: Vec<UnitUnderLogging>,
}

/// Anomalies of the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnomaliesSummary {
    /// Counts of the whole subtree.
    pub totals: AnomalyCounts,
    /// Per row.
    pub units: Vec<RowAnomalies>,
}

/// Anomalies of one row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowAnomalies {
    /// The row's unit.
    pub unit: UnitRef,
    /// Its counts.
    pub counts: AnomalyCounts,
}

/// KPI average of a row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowKpi {
    /// The row's unit.
    pub unit_id: i64,
    /// Mean total of the row's people who can be graded (null: nobody).
    pub average: Option<f64>,
    /// How many people that mean covers.
    pub people: usize,
}

/// The subtree's KPI in one month of the trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    /// The month.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Mean total of the subtree's people who can be graded (null: nobody).
    pub average: Option<f64>,
    /// How many people that mean covers.
    pub people: usize,
    /// Per row with members.
    pub units: Vec<RowKpi>,
}

/// KPI averages of the period and their trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiSummary {
    /// Mean total of the subtree's people who can be graded (null: nobody).
    pub average: Option<f64>,
    /// How many people that mean covers.
    pub people: usize,
    /// Per row with members.
    pub units: Vec<RowKpi>,
    /// The six months ending with the period, oldest first.
    pub trend: Vec<TrendPoint>,
}

/// Submitted entries of the subtree waiting for a decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogSummary {
    /// The organisation's local date the ages are counted to.
    pub as_of: NaiveDate,
    /// Entries waiting.
    #[schema(example = 4)]
    pub waiting: i64,
    /// Age in days of the oldest waiting submission (0 when nothing waits).
    #[schema(example = 3)]
    pub oldest_age_days: i64,
    /// Approvers with something waiting.
    #[schema(example = 12)]
    pub approvers_count: usize,
    /// The first ten of them: most waiting first, then oldest first.
    pub approvers: Vec<ApproverBacklog>,
}

/// Everything the organisation department looks at for a subtree and period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// The period.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Root unit (null: the whole organisation or several headed subtrees).
    pub root: Option<UnitRef>,
    /// Active people of the subtree.
    #[schema(example = 3)]
    pub headcount: usize,
    /// The rows every per-unit list below uses, in tree order.
    pub rows: Vec<DashboardRow>,
    /// Grade distribution of the period's published rounds, overall, by level and by row.
    pub grades: GradesSummary,
    /// Expected, logged, approved and credited minutes of the subtree.
    pub hours: Hours,
    /// Under-logged weeks of the period.
    pub under_logging: UnderLoggingSummary,
    /// Workload and staffing.
    pub staffing: StaffingSummary,
    /// Anomalies per kind and per row.
    pub anomalies: AnomaliesSummary,
    /// KPI averages and trend.
    pub kpi: KpiSummary,
    /// Approval backlog (as of today).
    pub backlog: BacklogSummary,
}

/// Settings the dashboard needs from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct DashboardSettings {
    pub basis: UnderLogBasis,
    pub diary: DiaryPolicy,
    pub utc_offset_minutes: i32,
    pub today: NaiveDate,
}

/// The rows of a scope and, for every unit of the scope, the row it counts in.
struct Rows {
    rows: Vec<(Unit, bool)>,
    row_of: HashMap<i64, i64>,
}

impl Rows {
    fn of(scope: &UnitScope) -> Rows {
        // Without a root (the whole organisation), a single outermost unit (the province) is
        // split like a root, so that the rows compare its departments and districts.
        let root = scope.root.as_ref().map(|r| r.id).or_else(|| {
            let ids: std::collections::HashSet<i64> = scope.units.iter().map(|u| u.id).collect();
            let mut tops = scope
                .units
                .iter()
                .filter(|u| u.parent_id.is_none_or(|p| !ids.contains(&p)));
            match (tops.next(), tops.next()) {
                (Some(only), None) => Some(only.id),
                _ => None,
            }
        });
        let mut row_of: HashMap<i64, i64> = HashMap::new();
        let mut rows: Vec<(Unit, bool)> = Vec::new();
        // Parents come before children in the scope.
        for u in &scope.units {
            let row = if Some(u.id) == root {
                rows.push((u.clone(), true));
                u.id
            } else {
                match u.parent_id {
                    Some(p) if Some(p) != root && row_of.contains_key(&p) => row_of[&p],
                    _ => {
                        rows.push((u.clone(), false));
                        u.id
                    }
                }
            };
            row_of.insert(u.id, row);
        }
        Rows { rows, row_of }
    }

    fn row(&self, unit_id: Option<i64>) -> Option<i64> {
        unit_id.and_then(|u| self.row_of.get(&u).copied())
    }

    fn views(&self) -> Vec<DashboardRow> {
        let mut covered: HashMap<i64, usize> = HashMap::new();
        for row in self.row_of.values() {
            *covered.entry(*row).or_default() += 1;
        }
        self.rows
            .iter()
            .map(|(u, own)| {
                let units = if *own {
                    1
                } else {
                    covered.get(&u.id).copied().unwrap_or(1)
                };
                DashboardRow {
                    unit: reports::UnitRef::of(u),
                    covers: if *own { "own" } else { "subtree" }.to_owned(),
                    units,
                    has_children: !*own && units > 1,
                }
            })
            .collect()
    }
}

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 {
        n / d
    } else {
        0.0
    }
}

fn add_counts(into: &mut [usize], c: &GradeCounts) {
    for (i, g) in c.grades.iter().enumerate() {
        if let Some(slot) = into.get_mut(i) {
            *slot += g.count;
        }
    }
}

fn counts_of(counts: &[usize]) -> GradeCounts {
    let total: usize = counts.iter().sum();
    GradeCounts {
        total,
        grades: Grade::ALL
            .into_iter()
            .zip(counts.iter())
            .map(|(g, n)| GradeCount {
                grade: GradeView::of(g),
                count: *n,
                share: ratio(*n as f64, total as f64),
            })
            .collect(),
    }
}

fn add_anomalies(a: &mut AnomalyCounts, b: &AnomalyCounts) {
    a.day_over_threshold += b.day_over_threshold;
    a.far_above_standard += b.far_above_standard;
    a.non_working_day += b.non_working_day;
    a.duplicate += b.duplicate;
    a.late_backfill += b.late_backfill;
    a.total += b.total;
}

/// Mean KPI of each row's people and of everyone, from the units' sums.
fn row_kpis(
    rows: &Rows,
    scope: &UnitScope,
    sums: &HashMap<i64, UnitKpi>,
) -> (Vec<RowKpi>, Option<f64>, usize) {
    let mut by_row: HashMap<i64, UnitKpi> = HashMap::new();
    let mut overall = UnitKpi::default();
    for u in &scope.units {
        if !scope.has_members(u.id) {
            continue;
        }
        let Some(row) = rows.row(Some(u.id)) else {
            continue;
        };
        let e = by_row.entry(row).or_default();
        if let Some(k) = sums.get(&u.id) {
            e.add(k);
            overall.add(k);
        }
    }
    let units = rows
        .rows
        .iter()
        .filter_map(|(u, _)| {
            let (average, people) = by_row.get(&u.id)?.average();
            Some(RowKpi {
                unit_id: u.id,
                average,
                people,
            })
        })
        .collect();
    let (average, n) = overall.average();
    (units, average, n)
}

/// Wall-clock time of each part of a dashboard, logged at debug level when it is done.
struct PartClock {
    began: std::time::Instant,
    last: std::time::Instant,
    parts: Vec<(&'static str, f64)>,
}

impl PartClock {
    fn start() -> Self {
        let now = std::time::Instant::now();
        Self {
            began: now,
            last: now,
            parts: Vec::new(),
        }
    }

    fn lap(&mut self, part: &'static str) {
        let now = std::time::Instant::now();
        self.parts
            .push((part, (now - self.last).as_secs_f64() * 1000.0));
        self.last = now;
    }

    fn done(&self, people: usize) {
        if tracing::enabled!(tracing::Level::DEBUG) {
            let parts: Vec<String> = self
                .parts
                .iter()
                .map(|(p, ms)| format!("{p}={ms:.1}"))
                .collect();
            tracing::debug!(
                people,
                total_ms = self.began.elapsed().as_secs_f64() * 1000.0,
                parts = %parts.join(" "),
                "dashboard parts (ms)"
            );
        }
    }
}

/// The dashboard of a subtree (see the module documentation for scope and rows).
pub fn dashboard(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
    settings: &DashboardSettings,
) -> AppResult<Dashboard> {
    // Per-part timings (`RUST_LOG=worklog_kpi::services::dashboard=debug`): the profile
    // docs/scaling.md reports.
    let mut clock = PartClock::start();
    // Units and their headcounts only: every figure of a month comes from unit × period rollups.
    let scope = reports::resolve_units(conn, viewer, unit_id)?;
    let rows = Rows::of(&scope);
    clock.lap("scope");
    // The KPI sums per unit of the trend's six months (the last is the period's when it is a
    // month), then of the period.
    let months = reports::trend_months(period, reports::TREND_MONTHS);
    let by_month = kpi_months::unit_months(conn, &months, settings.today)?;
    let unit_kpis = match by_month.get(&period) {
        Some(sums) => sums.clone(),
        None => {
            // A quarter or a year: its KPI is not a sum of months', so its people are computed.
            let people = reports::resolve_scope(conn, viewer, unit_id)?.people;
            kpi_months::of_period(conn, &people, period, settings.today)?
        }
    };
    clock.lap("kpi_months");
    let grades = reports::grade_distribution_in(conn, &scope, period)?;
    clock.lap("grades");
    let under = reports::under_logged_in(conn, &scope, period, settings.basis, settings.today)?;
    clock.lap("under_logged");
    let staffing = reports::staffing_in(conn, &scope, period, &unit_kpis, settings.today)?;
    clock.lap("staffing");
    let anomalies = reports::anomalies_in(conn, &scope, period, &settings.diary)?;
    clock.lap("anomalies");
    let backlog = reports::backlog_in(conn, &scope, settings.today, settings.utc_offset_minutes)?;
    clock.lap("backlog");

    let row_ref = |id: i64| -> Option<UnitRef> {
        rows.rows
            .iter()
            .find(|(u, _)| u.id == id)
            .map(|(u, _)| reports::UnitRef::of(u))
    };
    let in_row_order = |ids: Vec<i64>| -> Vec<i64> {
        rows.rows
            .iter()
            .map(|(u, _)| u.id)
            .filter(|id| ids.contains(id))
            .collect()
    };

    // Grades by row.
    let mut grade_rows: BTreeMap<i64, (usize, Vec<usize>)> = BTreeMap::new();
    for g in &grades.by_unit {
        if let Some(row) = rows.row(Some(g.unit.unit_id)) {
            let e = grade_rows
                .entry(row)
                .or_insert_with(|| (0, vec![0; Grade::ALL.len()]));
            e.0 += 1;
            add_counts(&mut e.1, &g.counts);
        }
    }
    let by_unit = in_row_order(grade_rows.keys().copied().collect())
        .into_iter()
        .filter_map(|id| {
            let (rounds, counts) = grade_rows.get(&id)?;
            Some(RowGrades {
                unit: row_ref(id)?,
                rounds: *rounds,
                counts: counts_of(counts),
            })
        })
        .collect();

    // Staffing by row.
    let mut staff_rows: HashMap<i64, (usize, Hours)> = HashMap::new();
    for u in &staffing.units {
        if let Some(row) = rows.row(Some(u.unit.unit_id)) {
            let e = staff_rows.entry(row).or_default();
            e.0 += u.headcount;
            e.1.expected += u.hours.expected;
            e.1.logged += u.hours.logged;
            e.1.approved += u.hours.approved;
            e.1.credited += u.hours.credited;
        }
    }
    let (kpi_rows, average, kpi_people) = row_kpis(&rows, &scope, &unit_kpis);
    let staffing_rows: Vec<UnitStaffing> = rows
        .rows
        .iter()
        .map(|(u, _)| {
            let (headcount, hours) = staff_rows.get(&u.id).cloned().unwrap_or_default();
            let s = crate::domain::staffing::staffing(
                hours.credited,
                staffing.norm_per_person,
                headcount,
            );
            let kpi = kpi_rows.iter().find(|k| k.unit_id == u.id);
            UnitStaffing {
                unit: reports::UnitRef::of(u),
                headcount,
                hours,
                workload: s.workload,
                fte_needed: s.fte_needed,
                surplus: s.surplus,
                kpi_average: kpi.and_then(|k| k.average),
                kpi_people: kpi.map(|k| k.people).unwrap_or(0),
            }
        })
        .collect();
    let (over, under_staffed) = reports::most_over_and_under_staffed(&staffing_rows);
    let most_over_staffed = over.into_iter().cloned().collect();
    let most_under_staffed = under_staffed.into_iter().cloned().collect();

    // Under-logging by row.
    let mut under_rows: HashMap<i64, (usize, usize)> = HashMap::new();
    for u in &under.units {
        if let Some(row) = rows.row(Some(u.unit_id)) {
            let e = under_rows.entry(row).or_default();
            e.0 += u.people_count;
            e.1 += u.under_logged_count;
        }
    }
    let under_units = rows
        .rows
        .iter()
        .filter_map(|(u, _)| {
            let (n, short) = under_rows.get(&u.id)?;
            Some(UnitUnderLogging {
                unit_id: u.id,
                people_count: *n,
                under_logged_count: *short,
                share: ratio(*short as f64, *n as f64),
            })
        })
        .collect();

    // Anomalies by row.
    let mut anomaly_rows: HashMap<i64, AnomalyCounts> = HashMap::new();
    for u in &anomalies.units {
        if let Some(row) = rows.row(Some(u.unit.unit_id)) {
            add_anomalies(anomaly_rows.entry(row).or_default(), &u.counts);
        }
    }
    let anomaly_units = rows
        .rows
        .iter()
        .map(|(u, _)| RowAnomalies {
            unit: reports::UnitRef::of(u),
            counts: anomaly_rows.get(&u.id).copied().unwrap_or_default(),
        })
        .collect();

    clock.lap("rows");

    // KPI trend by row.
    let empty = HashMap::new();
    let trend = months
        .iter()
        .map(|month| {
            let (units, average, people) =
                row_kpis(&rows, &scope, by_month.get(month).unwrap_or(&empty));
            TrendPoint {
                period: month.to_string(),
                average,
                people,
                units,
            }
        })
        .collect();
    clock.lap("trend");
    clock.done(scope.headcount());

    Ok(Dashboard {
        period: period.to_string(),
        root: scope.root.as_ref().map(reports::UnitRef::of),
        headcount: staffing.headcount,
        rows: rows.views(),
        grades: GradesSummary {
            overall: grades.overall,
            by_level: grades.by_level,
            by_unit,
        },
        hours: staffing.hours.clone(),
        under_logging: UnderLoggingSummary {
            weeks: under.weeks,
            people_count: under.people_count,
            under_logged_count: under.under_logged_count,
            share: under.share,
            by_week: under.by_week,
            units: under_units,
        },
        staffing: StaffingSummary {
            working_days: staffing.working_days,
            norm_per_person: staffing.norm_per_person,
            workload: staffing.workload,
            fte_needed: staffing.fte_needed,
            surplus: staffing.surplus,
            units: staffing_rows,
            most_over_staffed,
            most_under_staffed,
        },
        anomalies: AnomaliesSummary {
            totals: anomalies.totals,
            units: anomaly_units,
        },
        kpi: KpiSummary {
            average,
            people: kpi_people,
            units: kpi_rows,
            trend,
        },
        backlog: BacklogSummary {
            as_of: backlog.as_of,
            waiting: backlog.waiting,
            oldest_age_days: backlog.oldest_age_days,
            approvers_count: backlog.approvers.len(),
            approvers: backlog.approvers.into_iter().take(TOP_APPROVERS).collect(),
        },
    })
}
