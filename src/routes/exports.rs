//! `/grading/rounds/{id}/export` (the unit's grading sheet as XLSX or CSV) and
//! `/grading/rounds/{id}/rewards` (the reward report as JSON, CSV or XLSX).

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{AppError, Problem};
use crate::routes::kpi::GradeView;
use crate::services::access::load_viewer;
use crate::services::exports::{self, ExportFormat, RewardReport};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_round).service(round_rewards);
}

/// `?format=xlsx|csv|pdf`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` (default), `csv` or `pdf` (without it, `Accept: text/csv` or `application/pdf`
    /// chooses). The printable XLSX and the PDF carry the national heading and signature blocks.
    #[param(example = "csv")]
    pub format: Option<String>,
}

/// `?format=pdf`, or `Accept: application/pdf` without `?format=`: the grading sheet as a PDF.
fn wants_pdf(req: &actix_web::HttpRequest, format: Option<&str>) -> bool {
    match format {
        Some(f) => f.trim().eq_ignore_ascii_case("pdf"),
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| {
                a.split(',').any(|m| {
                    let mut p = m.split(';');
                    p.next()
                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/pdf"))
                        && !p.any(|q| q.trim() == "q=0")
                })
            }),
    }
}

/// `?format=pdf` in the query string, or `Accept: application/pdf` (routes whose default is JSON).
pub fn wants_pdf_explicitly(req: &actix_web::HttpRequest) -> bool {
    let format =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("format").cloned());
    wants_pdf(req, format.as_deref())
}

/// `?format=csv|xlsx` for a file; JSON without it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RewardsQuery {
    /// `csv` or `xlsx` for a file of the same table; omitted (or `json`): JSON.
    #[param(example = "xlsx")]
    pub format: Option<String>,
}

/// An XLSX workbook (binary).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct XlsxFile(pub Vec<u8>);

/// A CSV file: UTF-8 with a byte order mark, RFC 4180 quoting, title lines first.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, example = "\u{feff}BẢNG TỔNG HỢP ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG\r\nĐơn vị,Phường Một\r\n...")]
pub struct CsvFile(pub String);

fn file_response(bytes: Vec<u8>, format: ExportFormat, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(bytes)
}

/// The unit's grading sheet of a round: one row per person in Vietnamese name order, with the
/// common criteria, task results, bonus, total, quantity, quality, progress, proposed and
/// decided grades, the reasons and the override reason (heads of the unit's subtree, the
/// organisation). XLSX by default (printable: A4 landscape, national heading, signatures); CSV
/// is UTF-8 with a byte order mark; PDF embeds its font.
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Round id"), ExportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The grading sheet, as an attachment", content(
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
            (XlsxFile = "application/pdf"),
        )),
        (status = 404, description = "Not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grading/rounds/{id}/export")]
pub async fn export_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    q: web::Query<ExportQuery>,
    accept: crate::routes::AcceptFormat,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = crate::routes::local_today(&state);
    if wants_pdf(&req, q.format.as_deref()) {
        let (bytes, name) = state
            .db(move |conn, _| {
                let viewer = load_viewer(conn, user)?;
                let sheet = exports::grading_sheet(conn, &viewer, id)?;
                let bytes =
                    crate::services::pdf::grading_sheet_pdf(&sheet, crate::i18n::current(), today)?;
                let name = exports::file_name(
                    "xep-loai",
                    &sheet.unit.code,
                    &sheet.round.period,
                    ExportFormat::Csv,
                )
                .replace(".csv", ".pdf");
                Ok((bytes, name))
            })
            .await?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/pdf"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .body(bytes));
    }
    let format = match q.format.as_deref() {
        None => accept.0.unwrap_or(ExportFormat::Xlsx),
        Some(f) => ExportFormat::parse(f)?,
    };
    let (bytes, name) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let sheet = exports::grading_sheet(conn, &viewer, id)?;
            let lang = crate::i18n::current();
            let bytes = match format {
                ExportFormat::Xlsx => {
                    crate::services::sheets::grading_sheet_xlsx(&sheet, lang, today)?
                }
                ExportFormat::Csv => {
                    let mut table = exports::grading_table(&sheet);
                    if lang == crate::i18n::Lang::En {
                        table.headers = crate::services::sheets::HEADERS_EN
                            .iter()
                            .map(|h| (*h).to_owned())
                            .collect();
                    }
                    exports::render(&table, format)?
                }
            };
            let name =
                exports::file_name("xep-loai", &sheet.unit.code, &sheet.round.period, format);
            Ok((bytes, name))
        })
        .await?;
    Ok(file_response(bytes, format, &name))
}

/// One person's reward.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardPersonView {
    /// The person.
    pub staff_id: i64,
    /// Full name.
    pub full_name: String,
    /// The final grade.
    pub grade: GradeView,
    /// VND for the grade.
    #[schema(example = 1_265_000)]
    pub grade_amount: i64,
    /// VND for initiatives (a bonus above 0 in the round).
    #[schema(example = 0)]
    pub initiative_amount: i64,
    /// grade_amount + initiative_amount (VND).
    #[schema(example = 1_265_000)]
    pub total: i64,
}

/// The reward report of a decided or published round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardsView {
    /// The round.
    pub round_id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The period.
    #[schema(example = "2026-10")]
    pub period: String,
    /// The period's last day: the base salary in force that day values the rewards.
    pub valued_on: NaiveDate,
    /// Base salary (mức lương cơ sở) in force on `valued_on`, VND (null before 2024-07-01).
    #[schema(example = 2_530_000)]
    pub base_salary: Option<i64>,
    /// The rules applied: `excellent`, `good`, `initiative`, each `{"multiple_of_base": x}`,
    /// `{"fixed": vnd}` or null (from the policy's `rewards`, else 0.5 × base for excellent and
    /// 1 × base for an initiative).
    pub rules: exports::RewardPolicy,
    /// People in Vietnamese name order.
    pub people: Vec<RewardPersonView>,
    /// Sum of the grade amounts (VND).
    pub grade_total: i64,
    /// Sum of the initiative amounts (VND).
    pub initiative_total: i64,
    /// The unit's total (VND).
    #[schema(example = 1_265_000)]
    pub total: i64,
}

impl RewardsView {
    /// Built in the request's task, so that grade labels follow `Accept-Language`.
    fn new(r: RewardReport) -> RewardsView {
        RewardsView {
            round_id: r.sheet.round.id,
            unit_id: r.sheet.unit.id,
            unit_name: r.sheet.unit.name,
            period: r.sheet.round.period,
            valued_on: r.valued_on,
            base_salary: r.base_salary,
            rules: r.rules,
            people: r
                .people
                .into_iter()
                .map(|p| RewardPersonView {
                    staff_id: p.staff_id,
                    full_name: p.full_name,
                    grade: GradeView::of(p.grade),
                    grade_amount: p.grade_amount,
                    initiative_amount: p.initiative_amount,
                    total: p.total,
                })
                .collect(),
            grade_total: r.grade_total,
            initiative_total: r.initiative_total,
            total: r.total,
        }
    }
}

/// Rewards of a decided or published round: per person the final grade, the amount for the
/// grade and for initiatives, and the unit's totals (heads of the unit's subtree, the
/// organisation). Amounts are a multiple of the base salary in force on the period's last day
/// or fixed, by the policy's `rewards` (default: excellent 0.5 × base, an initiative 1 × base).
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Round id"), RewardsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The reward report (JSON, or the same table as an attachment with `format`)", content(
            (RewardsView = "application/json"),
            (XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (CsvFile = "text/csv"),
        )),
        (status = 404, description = "Not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round is still open, or a reward cannot be valued", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grading/rounds/{id}/rewards")]
pub async fn round_rewards(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    q: web::Query<RewardsQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let format = match q.format.as_deref() {
        None => accept.0,
        Some(f) if f.trim().eq_ignore_ascii_case("json") => None,
        Some(f) => Some(ExportFormat::parse(f)?),
    };
    let id = id.into_inner();
    let (report, file) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let report = exports::rewards(conn, &viewer, id)?;
            let file = match format {
                None => None,
                Some(f) => {
                    let bytes = exports::render(&exports::rewards_table(&report), f)?;
                    let name = exports::file_name(
                        "khen-thuong",
                        &report.sheet.unit.code,
                        &report.sheet.round.period,
                        f,
                    );
                    Some((bytes, name, f))
                }
            };
            Ok((report, file))
        })
        .await?;
    Ok(match file {
        Some((bytes, name, f)) => file_response(bytes, f, &name),
        None => HttpResponse::Ok().json(RewardsView::new(report)),
    })
}
