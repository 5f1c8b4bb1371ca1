//! `/kpi`: KPI breakdowns of a person and of a unit for a month, quarter or year.

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::staff::Staff;
use crate::domain::grading::Grade;
use crate::domain::period::Period;
use crate::error::{AppError, Problem};

use crate::routes::local_today;
use crate::services::kpi::PersonKpi;
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(staff_kpi).service(unit_kpi);
}

/// `?period=2026-11` (month), `2026-Q4` (quarter) or `2026` (year).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Month `2026-11`, quarter `2026-Q4` or year `2026` (default: the current month).
    pub period: Option<String>,
}

pub fn parse_period(raw: Option<&str>, today: chrono::NaiveDate) -> Result<Period, AppError> {
    use chrono::Datelike;
    match raw {
        None => Ok(Period::Month {
            year: today.year(),
            month: today.month(),
        }),
        Some(p) => Period::parse(p).map_err(|e| {
            AppError::Validation(vec![crate::error::FieldIssue::new(
                "period",
                "format",
                crate::i18n::Text::new(
                    format!("Kỳ '{p}' không hợp lệ (ví dụ 2026-11, 2026-Q4, 2026)."),
                    format!("Invalid period '{p}': {e}"),
                ),
            )])
        }),
    }
}

pub use crate::i18n::GradeView;

/// The KPI breakdown of a person for a period (rulebook "KPI of a period").
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiView {
    /// The person.
    pub staff_id: i64,
    /// Full name.
    pub full_name: String,
    /// The period.
    #[schema(example = "2026-11")]
    pub period: String,
    /// Norm minutes of the working days of the period.
    pub expected: i64,
    /// Credited minutes of approved entries (minutes, or quantity × standard minutes in `norm` mode).
    pub credited: i64,
    /// min(1, credited / expected), unrounded.
    pub quantity: f64,
    /// Quality factor (each send-back for quality takes 25 % of that product), unrounded.
    pub quality: f64,
    /// Progress factor (each missed due date of the entry's task takes 25 %), unrounded.
    pub progress: f64,
    /// Own task result in [0, 1] under the policy's `combine` (`product`: Σ credited × quality ×
    /// progress factors / expected).
    pub own_score: f64,
    /// For leaders: 1 when every direct subordinate is complete or better, else 0.5.
    pub unit_factor: Option<f64>,
    /// Task results (≤ 70), rounded to 2 decimals.
    pub task_score: f64,
    /// Common criteria (≤ 30) from the evaluator, rounded; null until the evaluator scores them.
    pub common_score: Option<f64>,
    /// True when the evaluator has not scored the common criteria yet (counted as 0 in the total).
    pub common_missing: bool,
    /// Bonus for initiatives, rounded.
    pub bonus: f64,
    /// Total (≤ 100), rounded once from unrounded parts.
    pub total: f64,
    /// Nothing was expected (no working days in the period): not graded.
    pub not_graded: bool,
    /// The grade the thresholds of the default policy give (before the rules of a grading round).
    pub threshold_grade: GradeView,
    /// Days the person was expected to work.
    pub worked_days: i64,
    /// Working days of the period.
    pub period_working_days: i64,
    /// Approved entries counted.
    pub approved_entries: i64,
    /// Sum of rework counts of those entries.
    pub rework: i64,
    /// Leadership post.
    pub is_leader: bool,
}

impl KpiView {
    pub fn new(person: &Staff, period: Period, k: &PersonKpi, grade: Grade) -> KpiView {
        let b = &k.breakdown;
        KpiView {
            staff_id: person.id,
            full_name: person.full_name.clone(),
            period: period.to_string(),
            expected: b.expected,
            credited: b.credited,
            quantity: b.quantity,
            quality: b.quality,
            progress: b.progress,
            own_score: b.own_score,
            unit_factor: b.unit_factor,
            task_score: b.task_score,
            common_score: (!b.common_missing).then_some(b.common_score),
            common_missing: b.common_missing,
            bonus: b.bonus,
            total: b.total,
            not_graded: b.not_graded,
            threshold_grade: GradeView::of(grade),
            worked_days: k.worked_days,
            period_working_days: k.period_working_days,
            approved_entries: k.approved_entries,
            rework: k.rework,
            is_leader: person.is_leader,
        }
    }
}

/// KPI of a unit's members and its totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitKpiView {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The period.
    pub period: String,
    /// Active members.
    pub headcount: usize,
    /// Sum of expected minutes.
    pub expected: i64,
    /// Sum of credited minutes.
    pub credited: i64,
    /// Average quantity of members who were expected to work.
    pub average_quantity: f64,
    /// Average total of members who were expected to work, rounded.
    pub average_total: f64,
    /// One row per member, ranked by total (highest first), ties by name.
    pub people: Vec<KpiView>,
}

/// The KPI breakdown of a person (the person, heads of their subtree, the organisation).
#[utoipa::path(
    tag = "kpi",
    params(("id" = i64, Path, description = "Staff id"), PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "KPI breakdown", body = KpiView),
        (status = 404, description = "Not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/kpi/staff/{id}")]
pub async fn staff_kpi(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let id = id.into_inner();
    let (person, kpi, grade) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::kpi::staff_kpi(conn, &viewer, id, period, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(KpiView::new(&person, period, &kpi, grade)))
}

/// KPI of every member of a unit, ranked, with unit totals (heads of the unit's subtree, the
/// organisation).
#[utoipa::path(
    tag = "kpi",
    params(("id" = i64, Path, description = "Unit id"), PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Unit KPI", body = UnitKpiView),
        (status = 403, description = "Staff of the unit who are not its head", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/kpi/units/{id}")]
pub async fn unit_kpi(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let id = id.into_inner();
    let (unit, rows) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::kpi::unit_kpi(conn, &viewer, id, period, today)
        })
        .await?;
    let mut people: Vec<KpiView> = rows
        .iter()
        .map(|(s, k, g)| KpiView::new(s, period, k, *g))
        .collect();
    people.sort_by(|a, b| {
        b.total
            .partial_cmp(&a.total)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| {
                crate::domain::text::vietnamese_sort_key(&a.full_name)
                    .cmp(&crate::domain::text::vietnamese_sort_key(&b.full_name))
            })
    });
    let graded: Vec<&KpiView> = people.iter().filter(|p| !p.not_graded).collect();
    let n = graded.len().max(1) as f64;
    Ok(HttpResponse::Ok().json(UnitKpiView {
        unit_id: unit.id,
        unit_name: unit.name,
        period: period.to_string(),
        headcount: people.len(),
        expected: people.iter().map(|p| p.expected).sum(),
        credited: people.iter().map(|p| p.credited).sum(),
        average_quantity: graded.iter().map(|p| p.quantity).sum::<f64>() / n,
        average_total: crate::domain::kpi::round2(graded.iter().map(|p| p.total).sum::<f64>() / n),
        people,
    }))
}
