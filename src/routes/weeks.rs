//! `/staff/{id}/weeks` (a person's expected, logged and approved minutes per ISO week) and
//! `/reports/under-logged` (who logged less than expected in a week, with gap and streak).

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::calendar::{UnderLogBasis, WeekSummary};
use crate::domain::period::IsoWeek;
use crate::error::{AppError, Problem};
use crate::i18n::Text;
use crate::routes::local_today;
use crate::services::weeks::UnderLoggedReport;
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(staff_weeks)
        .service(under_logged_report)
        .service(team_weeks);
}

/// Which minutes are compared with the expectation (policy `diary.under_log_basis`).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BasisView {
    /// Submitted plus approved minutes.
    Logged,
    /// Approved minutes only.
    Approved,
}

impl From<UnderLogBasis> for BasisView {
    fn from(b: UnderLogBasis) -> Self {
        match b {
            UnderLogBasis::Logged => BasisView::Logged,
            UnderLogBasis::Approved => BasisView::Approved,
        }
    }
}

/// One ISO week of one person; all amounts are integer minutes.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekView {
    /// ISO week.
    #[schema(example = "2026-W47")]
    pub week: String,
    /// Its Monday.
    #[schema(example = "2026-11-16")]
    pub monday: NaiveDate,
    /// Its Sunday.
    #[schema(example = "2026-11-22")]
    pub sunday: NaiveDate,
    /// Norm minutes: contract hours ÷ 5 per working day of employment, minus holidays and
    /// approved leave (half days remove half; business trips remove nothing).
    #[schema(example = 2400)]
    pub expected: i64,
    /// Minutes of submitted and approved entries.
    #[schema(example = 1980)]
    pub logged: i64,
    /// Minutes of approved entries.
    #[schema(example = 1500)]
    pub approved: i64,
    /// The week has not ended (organisation time): `expected` counts the days up to today and
    /// the week is never under-logged (a week is judged when it ends).
    pub in_progress: bool,
    /// The basis minutes are below `expected` in an ended week (never when `expected` is 0).
    pub under_logged: bool,
    /// `expected` minus the basis minutes, never negative.
    #[schema(example = 420)]
    pub gap: i64,
    /// Consecutive under-logged ended weeks ending at this one (0 when not under-logged),
    /// counted back to the person's joining date whatever range was asked. Weeks with nothing
    /// expected are skipped without breaking a run.
    #[schema(example = 2)]
    pub streak: u32,
}

impl From<WeekSummary> for WeekView {
    fn from(w: WeekSummary) -> Self {
        WeekView {
            week: w.week.to_string(),
            monday: w.week.monday(),
            sunday: w.week.sunday(),
            expected: w.expected,
            logged: w.logged,
            approved: w.approved,
            in_progress: w.in_progress,
            under_logged: w.under_logged,
            gap: w.gap,
            streak: w.streak,
        }
    }
}

/// A person's weeks.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffWeeksView {
    /// The person.
    pub staff_id: i64,
    /// Which minutes decide `under_logged` and `gap`.
    pub basis: BasisView,
    /// One item per ISO week from `from` to `to`, in order.
    pub weeks: Vec<WeekView>,
}

/// The range of weeks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeekRange {
    /// First ISO week, or a date (its week): `2026-W40` or `2026-09-28` (default: 7 weeks
    /// before `to`).
    #[param(example = "2026-W40")]
    pub from: Option<String>,
    /// Last ISO week, or a date (its week): `2026-W47` or `2026-11-20` (default: the current
    /// week in the organisation's time zone).
    #[param(example = "2026-W47")]
    pub to: Option<String>,
}

/// An ISO week (`2026-W47`) or a date (`2026-11-20`, the week containing it).
fn parse_week_or_date(field: &str, text: &str) -> Result<IsoWeek, AppError> {
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(day) => Ok(IsoWeek::of(day)),
        Err(_) => parse_week(field, text).map_err(|_| {
            AppError::validation(
                field,
                "format",
                "Cần một tuần ISO (dạng 2026-W47) hoặc một ngày (dạng 2026-11-20).",
                "Expected an ISO week (like 2026-W47) or a date (like 2026-11-20).",
            )
        }),
    }
}

/// The weeks asked for: `to` defaults to the current week, `from` to 7 weeks before `to`.
fn range_of(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<(IsoWeek, IsoWeek), AppError> {
    let (default_from, default_to) = services::weeks::default_range(today);
    let last = match to {
        Some(t) => parse_week_or_date("to", t)?,
        None => default_to,
    };
    let first = match from {
        Some(f) => parse_week_or_date("from", f)?,
        // Without `from`, the 8 weeks ending with `to`.
        None if to.is_some() => services::weeks::default_range(last.monday()).0,
        None => default_from,
    };
    Ok((first, last))
}

fn parse_week(field: &str, text: &str) -> Result<IsoWeek, AppError> {
    IsoWeek::parse(text).map_err(|e| {
        AppError::Validation(vec![crate::error::FieldIssue::new(
            field,
            "format",
            Text::new(
                format!("Tuần ISO không hợp lệ (dạng 2026-W47): {e}"),
                format!("Not a valid ISO week (like 2026-W47): {e}"),
            ),
        )])
    })
}

/// A person's expected, logged and approved minutes per ISO week, with the under-logged flag,
/// gap and streak. Visible to the person, heads of their subtree and the organisation
/// department (404 for anyone else). Default range: the 8 weeks ending with the current week;
/// at most 106 weeks.
///
/// The current week is `in_progress` (minutes expected so far, never under-logged). Streaks
/// count ended under-logged weeks back to the person's joining date, the same number in every
/// report whatever range was asked; only the requested weeks are returned.
#[utoipa::path(
    tag = "reports",
    params(("id" = i64, Path, description = "Staff id"), WeekRange),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One summary per week", body = StaffWeeksView),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person, or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid week, `from` after `to`, or more than 106 weeks", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/{id}/weeks")]
pub async fn staff_weeks(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    range: web::Query<WeekRange>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    let (from, to) = range_of(range.from.as_deref(), range.to.as_deref(), today)?;
    let basis = state.settings.diary.basis();
    let weeks = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::weeks::weeks_of_person(conn, &viewer, id, from, to, basis, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffWeeksView {
        staff_id: id,
        basis: basis.into(),
        weeks: weeks.into_iter().map(WeekView::from).collect(),
    }))
}

/// Which week and which part of the organisation.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// ISO week (default: the previous week in the organisation's time zone).
    #[param(example = "2026-W47")]
    pub week: Option<String>,
    /// Root of the subtree (default: the units the caller heads; for the organisation
    /// department, the whole organisation).
    pub unit_id: Option<i64>,
    /// `csv` or `xlsx` for a file of the same table; omitted (or `json`): JSON.
    #[param(example = "xlsx")]
    pub format: Option<String>,
    /// JSON only: people per page (1-500, default 100). Files hold everyone.
    #[param(example = 100)]
    pub limit: Option<i64>,
    /// JSON only: position of the first person of the page (default 0; see `next_offset`).
    #[param(example = 0)]
    pub offset: Option<i64>,
}

/// People per page of the under-logged report when the caller does not say.
pub const DEFAULT_PAGE: usize = 100;
/// Most people per page.
pub const MAX_PAGE: usize = 500;

fn page_of(q: &ReportQuery) -> Result<services::weeks::Page, AppError> {
    page_from(q.limit, q.offset)
}

fn page_from(limit: Option<i64>, offset: Option<i64>) -> Result<services::weeks::Page, AppError> {
    let limit = match limit {
        None => DEFAULT_PAGE,
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => n as usize,
        Some(_) => {
            return Err(AppError::validation(
                "limit",
                "range",
                "Số người mỗi trang (limit) phải từ 1 đến 500.",
                "`limit` must be between 1 and 500.",
            ))
        }
    };
    let offset = match offset {
        None => 0,
        Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
        Some(_) => {
            return Err(AppError::validation(
                "offset",
                "range",
                "Vị trí bắt đầu (offset) không được âm.",
                "`offset` may not be negative.",
            ))
        }
    };
    Ok(services::weeks::Page { offset, limit })
}

/// One under-logged person.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnderLoggedPersonView {
    /// The person.
    pub staff_id: i64,
    /// Full name.
    #[schema(example = "Nguyễn Thị Ánh")]
    pub full_name: String,
    /// Their unit.
    pub unit_id: Option<i64>,
    /// Their unit's name.
    #[schema(example = "Phường Một")]
    pub unit_name: Option<String>,
    /// Expected minutes of the week.
    #[schema(example = 2400)]
    pub expected: i64,
    /// Submitted plus approved minutes.
    #[schema(example = 1200)]
    pub logged: i64,
    /// Approved minutes.
    #[schema(example = 960)]
    pub approved: i64,
    /// Minutes short of the expectation (on the report's basis).
    #[schema(example = 1200)]
    pub gap: i64,
    /// Consecutive under-logged weeks ending with this one (looks back 12 weeks).
    #[schema(example = 3)]
    pub streak: u32,
}

/// Under-logged people of a subtree in one week.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnderLoggedReportView {
    /// The ISO week.
    #[schema(example = "2026-W47")]
    pub week: String,
    /// Root unit of the report (null: the whole organisation, or several headed subtrees).
    pub unit_id: Option<i64>,
    /// Which minutes decide under-logging.
    pub basis: BasisView,
    /// Active people of the subtree expected to work that week (expected > 0).
    #[schema(example = 25)]
    pub people_count: usize,
    /// How many of them are under-logged.
    #[schema(example = 4)]
    pub under_logged_count: usize,
    /// `under_logged_count / people_count` in [0, 1] (0 when nobody was expected to work).
    #[schema(example = 0.16)]
    pub under_logged_share: f64,
    /// Position of the first person of `people` among all the under-logged people.
    #[schema(example = 0)]
    pub offset: usize,
    /// `offset` of the next page (null: this is the last one).
    pub next_offset: Option<usize>,
    /// One page of the under-logged people (`limit`, default 100): by gap (largest first), then
    /// streak (longest first), then full name in Vietnamese alphabetical order.
    pub people: Vec<UnderLoggedPersonView>,
}

impl UnderLoggedReportView {
    fn new(r: UnderLoggedReport, basis: UnderLogBasis) -> Self {
        let share = r.share();
        UnderLoggedReportView {
            week: r.week.to_string(),
            unit_id: r.unit_id,
            basis: basis.into(),
            people_count: r.people_count,
            under_logged_count: r.under_logged_count,
            under_logged_share: share,
            offset: r.offset,
            next_offset: r.next_offset,
            people: r
                .people
                .into_iter()
                .map(|p| UnderLoggedPersonView {
                    staff_id: p.staff_id,
                    full_name: p.full_name,
                    unit_id: p.unit_id,
                    unit_name: p.unit_name,
                    expected: p.summary.expected,
                    logged: p.summary.logged,
                    approved: p.summary.approved,
                    gap: p.summary.gap,
                    streak: p.summary.streak,
                })
                .collect(),
        }
    }
}

/// Under-logged people of one ISO week: heads for their own subtree (another unit is 404),
/// the organisation department and administrators for any unit or the whole organisation;
/// plain staff are refused (403). Streaks look back 12 weeks before the week. With
/// `format=csv|xlsx` the same people as a file (hours with two decimals).
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report (JSON, or the same table as an attachment with `format`)", content(
            (UnderLoggedReportView = "application/json"),
            (crate::routes::exports::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (crate::routes::exports::CsvFile = "text/csv"),
        )),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid week or format", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/under-logged")]
pub async fn under_logged_report(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ReportQuery>,
    accept: crate::routes::AcceptFormat,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let week = match &q.week {
        Some(w) => parse_week("week", w)?,
        None => IsoWeek::of(local_today(&state)).prev(),
    };
    let format = crate::routes::reports::parse_format(q.format.as_deref())?
        .or(accept.0.filter(|_| q.format.is_none()));
    let basis = state.settings.diary.basis();
    let today = local_today(&state);
    let page = match format {
        Some(_) => services::weeks::Page::ALL,
        None => page_of(&q)?,
    };
    let out = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let report = services::weeks::under_logged_report(
                conn, &viewer, week, q.unit_id, basis, today, page,
            )?;
            let code = match report.unit_id {
                Some(id) => crate::db::units::find(conn, id)?
                    .map(|u| u.code)
                    .unwrap_or_else(|| "all".to_owned()),
                None => "all".to_owned(),
            };
            let sheets = services::reports::under_logged_week_sheets(&report, basis);
            crate::routes::reports::Rendered::of(
                &UnderLoggedReportView::new(report, basis),
                format,
                "ghi-thieu-gio",
                &code,
                &week.to_string(),
                || sheets,
            )
        })
        .await?;
    Ok(out.into_response())
}

/// Which subtree, weeks and page of people.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamWeeksQuery {
    /// Root of the subtree (default: the units the caller heads; for the organisation
    /// department, the whole organisation).
    pub unit_id: Option<i64>,
    /// First ISO week, or a date (its week): `2026-W40` or `2026-09-28` (default: 7 weeks
    /// before `to`).
    #[param(example = "2026-W40")]
    pub from: Option<String>,
    /// Last ISO week, or a date (its week): `2026-W47` or `2026-11-20` (default: the current
    /// week in the organisation's time zone).
    #[param(example = "2026-W47")]
    pub to: Option<String>,
    /// People per page (1-500, default 100).
    #[param(example = 100)]
    pub limit: Option<i64>,
    /// Position of the first person of the page (default 0; see `next_offset`).
    #[param(example = 0)]
    pub offset: Option<i64>,
}

/// One person's weeks in the subtree's grid.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonWeeksView {
    /// The person.
    pub staff_id: i64,
    /// Full name.
    #[schema(example = "Nguyễn Thị Ánh")]
    pub full_name: String,
    /// Their unit.
    pub unit_id: Option<i64>,
    /// One item per ISO week from `from` to `to`, in order: the items of
    /// `GET /staff/{id}/weeks` for the same range.
    pub weeks: Vec<WeekView>,
}

/// The weeks of a subtree's active people.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamWeeksView {
    /// Root unit (null: the whole organisation, or several headed subtrees).
    pub unit_id: Option<i64>,
    /// Which minutes decide `under_logged` and `gap`.
    pub basis: BasisView,
    /// First ISO week.
    #[schema(example = "2026-W40")]
    pub from: String,
    /// Last ISO week.
    #[schema(example = "2026-W47")]
    pub to: String,
    /// Active people of the subtree (all pages).
    #[schema(example = 25)]
    pub people_count: usize,
    /// Position of the first person of `people` among all of them.
    #[schema(example = 0)]
    pub offset: usize,
    /// `offset` of the next page (null: this is the last one).
    pub next_offset: Option<usize>,
    /// One page of people (`limit`, default 100), in Vietnamese alphabetical order of the
    /// full name.
    pub people: Vec<PersonWeeksView>,
}

/// The weeks of every active person of a subtree (the team's multi-week grid in one request):
/// for each person, the items `GET /staff/{id}/weeks` gives for the same range (expected,
/// logged, approved, `in_progress`, under-logged, gap, streak). Ended weeks come from the
/// maintained person × week rollup. Heads for their own subtree (another unit is 404), the
/// organisation department and administrators for any unit or the whole organisation; plain
/// staff are refused (403). Default range: the 8 weeks ending with the current week; at most
/// 106 weeks.
#[utoipa::path(
    tag = "reports",
    params(TeamWeeksQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of people with their weeks", body = TeamWeeksView),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid week, `from` after `to`, more than 106 weeks, or `limit`/`offset` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/weeks")]
pub async fn team_weeks(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<TeamWeeksQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let today = local_today(&state);
    let (from, to) = range_of(q.from.as_deref(), q.to.as_deref(), today)?;
    let page = page_from(q.limit, q.offset)?;
    let basis = state.settings.diary.basis();
    let team = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::weeks::team_weeks(conn, &viewer, q.unit_id, from, to, basis, today, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(TeamWeeksView {
        unit_id: team.unit_id,
        basis: basis.into(),
        from: from.to_string(),
        to: to.to_string(),
        people_count: team.people_count,
        offset: team.offset,
        next_offset: team.next_offset,
        people: team
            .people
            .into_iter()
            .map(|p| PersonWeeksView {
                staff_id: p.staff_id,
                full_name: p.full_name,
                unit_id: p.unit_id,
                weeks: p.weeks.into_iter().map(WeekView::from).collect(),
            })
            .collect(),
    }))
}
