//! The dashboard of a subtree and period: the reports of `services::reports` computed once each
//! (the period's KPI is computed once and shared by staffing and the KPI figures) and put side by
//! side. Scope as the reports: organisation and administrators anything, heads their own
//! subtrees (another unit is 404), plain staff 403.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::domain::calendar::UnderLogBasis;
use crate::domain::diary::DiaryPolicy;
use crate::domain::period::Period;
use crate::domain::scope::Viewer;
use crate::error::AppResult;
use crate::services::reports::{
    self, AnomalyReport, BacklogReport, GradeDistribution, Hours, KpiTrendPoint, UnderLoggedPeriod,
    UnitKpiAverage, UnitRef, UnitStaffing,
};

/// Workload and staffing of the subtree and its units.
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
    /// Every unit, in tree order.
    pub units: Vec<UnitStaffing>,
    /// The most over-staffed units (largest surplus first; at most 3).
    pub most_over_staffed: Vec<UnitStaffing>,
    /// The most under-staffed units (most negative surplus first; at most 3).
    pub most_under_staffed: Vec<UnitStaffing>,
}

/// Under-logging in the period, with the longest streaks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnderLoggingSummary {
    /// The details (every under-logged person, per unit shares).
    #[serde(flatten)]
    pub detail: UnderLoggedPeriod,
    /// The five people with the longest streaks.
    pub longest_streaks: Vec<reports::UnderLoggedPersonSummary>,
}

/// KPI averages of the period and their trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiSummary {
    /// Mean total of the subtree's people who can be graded (null: nobody).
    pub average: Option<f64>,
    /// How many people that mean covers.
    pub people: usize,
    /// Per unit with members, in tree order.
    pub units: Vec<UnitKpiAverage>,
    /// The six months ending with the period, oldest first.
    pub trend: Vec<KpiTrendPoint>,
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
    /// Grade distribution of the period's published rounds, overall, by level and by unit.
    pub grades: GradeDistribution,
    /// Expected, logged, approved and credited minutes of the subtree.
    pub hours: Hours,
    /// Under-logged weeks of the period.
    pub under_logging: UnderLoggingSummary,
    /// Workload and staffing.
    pub staffing: StaffingSummary,
    /// Anomalies per kind and per unit.
    pub anomalies: AnomalyReport,
    /// KPI averages and trend.
    pub kpi: KpiSummary,
    /// Approval backlog (as of today).
    pub backlog: BacklogReport,
}

/// Settings the dashboard needs from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct DashboardSettings {
    pub basis: UnderLogBasis,
    pub diary: DiaryPolicy,
    pub utc_offset_minutes: i32,
    pub today: NaiveDate,
}

/// The dashboard of a subtree (see the module documentation for scope).
pub fn dashboard(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
    settings: &DashboardSettings,
) -> AppResult<Dashboard> {
    let scope = reports::resolve_scope(conn, viewer, unit_id)?;
    let kpis = reports::kpi_of_period(conn, &scope.people, period, settings.today)?;
    let grades = reports::grade_distribution_in(conn, &scope, period)?;
    let under = reports::under_logged_in(conn, &scope, period, settings.basis, settings.today)?;
    let staffing = reports::staffing_in(conn, &scope, period, &kpis)?;
    let anomalies = reports::anomalies_in(conn, &scope, period, &settings.diary)?;
    let kpi = reports::kpi_report_in(conn, &scope, period, &kpis, settings.today)?;
    let backlog = reports::backlog_in(conn, &scope, settings.today, settings.utc_offset_minutes)?;

    let pick = |ids: &[i64]| -> Vec<UnitStaffing> {
        ids.iter()
            .filter_map(|id| staffing.units.iter().find(|u| u.unit.unit_id == *id))
            .cloned()
            .collect()
    };
    let (average, people) = kpi
        .trend
        .iter()
        .find(|t| t.period == period.to_string())
        .map(|t| (t.average, t.people))
        .unwrap_or((None, 0));
    Ok(Dashboard {
        period: period.to_string(),
        root: grades.root.clone(),
        headcount: staffing.headcount,
        hours: staffing.hours.clone(),
        under_logging: UnderLoggingSummary {
            longest_streaks: under
                .people
                .iter()
                .take(reports::TOP_STREAKS)
                .cloned()
                .collect(),
            detail: under,
        },
        staffing: StaffingSummary {
            working_days: staffing.working_days,
            norm_per_person: staffing.norm_per_person,
            workload: staffing.workload,
            fte_needed: staffing.fte_needed,
            surplus: staffing.surplus,
            most_over_staffed: pick(&staffing.most_over_staffed),
            most_under_staffed: pick(&staffing.most_under_staffed),
            units: staffing.units.clone(),
        },
        grades,
        anomalies,
        kpi: KpiSummary {
            average,
            people,
            units: kpi.averages,
            trend: kpi.trend,
        },
        backlog,
    })
}
