//! `/reports/...`: the organisation department's reports of a subtree and period, each as JSON
//! (default) or, with `?format=csv|xlsx`, the same figures as a file (CSV: UTF-8 with a byte
//! order mark; XLSX: Vietnamese headers, frozen header row, number formats, charts where they
//! help). Heads read their own subtrees (another unit is 404); plain staff get 403.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{AppError, Problem};
use crate::routes::exports::{CsvFile, XlsxFile};
use crate::routes::kpi::parse_period;
use crate::routes::local_today;
use crate::services::access::load_viewer;
use crate::services::exports::{self, ExportFormat, Sheet};
use crate::services::reports::{
    self, AnomalyReport, BacklogReport, GradeDistribution, KpiReport, Labeled, RewardsReport,
    StaffingReport,
};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(staffing_report)
        .service(anomaly_report)
        .service(kpi_report)
        .service(rewards_report)
        .service(grade_report)
        .service(backlog_report);
}

/// Period, subtree and format of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodReportQuery {
    /// Month `2026-10` (also `2026-Q4` or `2026`; default: the current month).
    #[param(example = "2026-10")]
    pub period: Option<String>,
    /// Root of the subtree (default: the units the caller heads; for the organisation
    /// department, the whole organisation).
    pub unit_id: Option<i64>,
    /// `csv` or `xlsx` for a file; omitted (or `json`): JSON.
    #[param(example = "xlsx")]
    pub format: Option<String>,
}

/// Subtree and format of the approval backlog.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BacklogQuery {
    /// Root of the subtree (default: the units the caller heads; for the organisation
    /// department, the whole organisation).
    pub unit_id: Option<i64>,
    /// `csv` or `xlsx` for a file; omitted (or `json`): JSON.
    #[param(example = "csv")]
    pub format: Option<String>,
}

/// `?format=`: None for JSON (omitted or `json`), else a file format (anything else is 422).
pub fn parse_format(raw: Option<&str>) -> Result<Option<ExportFormat>, AppError> {
    match raw {
        None => Ok(None),
        Some(f) if f.trim().eq_ignore_ascii_case("json") => Ok(None),
        Some(f) => ExportFormat::parse(f).map(Some),
    }
}

/// A report rendered in the database task (so that labels follow the request's language).
pub enum Rendered {
    Json(serde_json::Value),
    File {
        bytes: Vec<u8>,
        name: String,
        format: ExportFormat,
    },
}

impl Rendered {
    /// JSON, or the sheets written as a file named `<prefix>-<scope code>-<period>.<ext>`.
    pub fn of<T: Serialize>(
        report: &T,
        format: Option<ExportFormat>,
        prefix: &str,
        scope_code: &str,
        period: &str,
        sheets: impl FnOnce() -> Vec<Sheet>,
    ) -> Result<Rendered, AppError> {
        match format {
            None => Ok(Rendered::Json(serde_json::to_value(report).map_err(
                |e| AppError::Internal(anyhow::anyhow!("report serialisation: {e}")),
            )?)),
            Some(format) => Ok(Rendered::File {
                bytes: exports::render_book(&sheets(), format)?,
                name: exports::file_name(prefix, scope_code, period, format),
                format,
            }),
        }
    }

    fn labeled<T: Serialize>(
        r: &Labeled<T>,
        format: Option<ExportFormat>,
        prefix: &str,
        period: &str,
        sheets: impl FnOnce(&T, &str) -> Vec<Sheet>,
    ) -> Result<Rendered, AppError> {
        Rendered::of(&r.report, format, prefix, &r.scope_code, period, || {
            sheets(&r.report, &r.scope_name)
        })
    }

    pub fn into_response(self) -> HttpResponse {
        match self {
            Rendered::Json(v) => HttpResponse::Ok().json(v),
            Rendered::File {
                bytes,
                name,
                format,
            } => HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, format.content_type()))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ))
                .body(bytes),
        }
    }
}

/// Workload and staffing per unit: members, expected / logged / approved / credited minutes,
/// workload = credited ÷ (full-time norm × headcount), full-time equivalents needed = credited ÷
/// norm, surplus = headcount − FTE needed, KPI average; the most over- and under-staffed units.
/// XLSX adds a column chart of headcount against FTE needed.
#[utoipa::path(
    tag = "reports",
    params(PeriodReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON, or the same table as an attachment with `format`)", content(
            (StaffingReport = "application/json"),
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
        )),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/staffing")]
pub async fn staffing_report(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PeriodReportQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let format = parse_format(q.format.as_deref())?.or(accept.0.filter(|_| q.format.is_none()));
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let out = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let r = reports::staffing(conn, &viewer, period, q.unit_id, today)?;
            Rendered::labeled(
                &r,
                format,
                "dinh-bien",
                &period.to_string(),
                reports::staffing_sheets,
            )
        })
        .await?;
    Ok(out.into_response())
}

/// Anomalies of the period's submitted and approved entries, counted per kind (day over the
/// threshold, far above the product's standard, non-working day, duplicate, late backfill) and
/// per unit. XLSX adds a column chart per unit.
#[utoipa::path(
    tag = "reports",
    params(PeriodReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON, or the same table as an attachment with `format`)", content(
            (AnomalyReport = "application/json"),
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
        )),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/anomalies")]
pub async fn anomaly_report(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PeriodReportQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let format = parse_format(q.format.as_deref())?.or(accept.0.filter(|_| q.format.is_none()));
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let policy = state.settings.diary.policy();
    let out = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let r = reports::anomaly_report(conn, &viewer, period, q.unit_id, &policy)?;
            Rendered::labeled(
                &r,
                format,
                "bat-thuong",
                &period.to_string(),
                reports::anomaly_sheets,
            )
        })
        .await?;
    Ok(out.into_response())
}

/// KPI ranking within each unit of the subtree (equal totals share a place; people who cannot
/// be graded are listed without a place), unit averages, and the trend of the six months ending
/// with the period. XLSX has a ranking sheet and a trend sheet with a line chart.
#[utoipa::path(
    tag = "reports",
    params(PeriodReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON, or the same tables as an attachment with `format`)", content(
            (KpiReport = "application/json"),
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
        )),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/kpi")]
pub async fn kpi_report(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PeriodReportQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let format = parse_format(q.format.as_deref())?.or(accept.0.filter(|_| q.format.is_none()));
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let out = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let r = reports::kpi_report(conn, &viewer, period, q.unit_id, today)?;
            Rendered::labeled(&r, format, "kpi", &period.to_string(), reports::kpi_sheets)
        })
        .await?;
    Ok(out.into_response())
}

/// Rewards of the period's published rounds across the subtree: per person the final grade and
/// amounts (valued as `/grading/rounds/{id}/rewards`), totals per unit and overall.
#[utoipa::path(
    tag = "reports",
    params(PeriodReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON, or the same table as an attachment with `format`)", content(
            (RewardsReport = "application/json"),
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
        )),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A reward cannot be valued (no base salary known)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/rewards")]
pub async fn rewards_report(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PeriodReportQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let format = parse_format(q.format.as_deref())?.or(accept.0.filter(|_| q.format.is_none()));
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let out = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let r = reports::rewards_report(conn, &viewer, period, q.unit_id)?;
            Rendered::labeled(
                &r,
                format,
                "khen-thuong",
                &period.to_string(),
                reports::rewards_sheets,
            )
        })
        .await?;
    Ok(out.into_response())
}

/// Grade distribution of the period's published rounds: counts and shares of each grade for the
/// subtree, by level of the tree and by unit. XLSX adds a column and a pie chart.
#[utoipa::path(
    tag = "reports",
    params(PeriodReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON, or the same tables as an attachment with `format`)", content(
            (GradeDistribution = "application/json"),
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
        )),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/grades")]
pub async fn grade_report(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PeriodReportQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let format = parse_format(q.format.as_deref())?.or(accept.0.filter(|_| q.format.is_none()));
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let out = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let r = reports::grade_distribution(conn, &viewer, period, q.unit_id)?;
            Rendered::labeled(
                &r,
                format,
                "xep-loai",
                &period.to_string(),
                reports::grade_distribution_sheets,
            )
        })
        .await?;
    Ok(out.into_response())
}

/// Submitted entries of the subtree waiting for a decision, per approver: how many, the
/// earliest work date, and the age in days of the oldest submission (organisation's local date).
#[utoipa::path(
    tag = "reports",
    params(BacklogQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON, or the same table as an attachment with `format`)", content(
            (BacklogReport = "application/json"),
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
        )),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/approval-backlog")]
pub async fn backlog_report(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<BacklogQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let format = parse_format(q.format.as_deref())?.or(accept.0.filter(|_| q.format.is_none()));
    let today = local_today(&state);
    let offset = state.settings.organisation.utc_offset_minutes;
    let out = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let r = reports::backlog_report(conn, &viewer, q.unit_id, today, offset)?;
            Rendered::labeled(
                &r,
                format,
                "ton-dong-phe-duyet",
                &today.to_string(),
                reports::backlog_sheets,
            )
        })
        .await?;
    Ok(out.into_response())
}
