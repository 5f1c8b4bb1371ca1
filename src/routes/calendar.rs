//! `/calendar/holidays`: the organisation's public holidays (read: everyone; write: the
//! organisation department and administrators).

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::holidays::Holiday;
use crate::domain::period::SUPPORTED_YEARS;
use crate::error::{AppError, Problem};
use crate::routes::{local_today, rule_error, Page, ValidJson};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_holidays)
        .service(create_holiday)
        .service(delete_holiday);
}

/// A public holiday: a weekday on which nobody is expected to work.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayView {
    /// Id.
    pub id: i64,
    /// The day off.
    #[schema(example = "2026-02-17")]
    pub date: NaiveDate,
    /// Name (Vietnamese).
    #[schema(example = "Tết Nguyên đán")]
    pub name_vi: String,
    /// Name (English).
    #[schema(example = "Lunar New Year (Tết)")]
    pub name_en: String,
}

impl From<Holiday> for HolidayView {
    fn from(h: Holiday) -> Self {
        HolidayView {
            id: h.id,
            date: h.day,
            name_vi: h.name_vi,
            name_en: h.name_en,
        }
    }
}

fn supported_year(date: &NaiveDate) -> Result<(), validator::ValidationError> {
    if SUPPORTED_YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(rule_error(
            "range",
            "Năm phải từ 2000 đến 2100.",
            "The year must be between 2000 and 2100.",
        ))
    }
}

fn not_blank(s: &str) -> Result<(), validator::ValidationError> {
    if s.trim().is_empty() {
        Err(rule_error(
            "required",
            "Không được để trống.",
            "May not be blank.",
        ))
    } else {
        Ok(())
    }
}

/// A new public holiday.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-09-03", "name_vi": "Nghỉ lễ Quốc khánh (bổ sung)", "name_en": "National Day (extra day)"}))]
pub struct CreateHoliday {
    /// The day off (`YYYY-MM-DD`); one holiday per date.
    #[validate(custom(function = "supported_year"))]
    pub date: NaiveDate,
    /// Name (Vietnamese).
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    pub name_vi: String,
    /// Name (English).
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    pub name_en: String,
}

/// Which year of the calendar.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolidayQuery {
    /// Calendar year, 2000 to 2100 (default: the current year in the organisation's time zone).
    #[param(example = 2026)]
    pub year: Option<i32>,
}

/// The public holidays of one year, in date order (any authenticated user). A year holds a
/// dozen days at most, so the list is always one page (`next_cursor` is null).
#[utoipa::path(
    tag = "calendar",
    params(HolidayQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The year's holidays in date order", body = Page<HolidayView>),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Year out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar/holidays")]
pub async fn list_holidays(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<HolidayQuery>,
) -> Result<HttpResponse, AppError> {
    let year = query.year.unwrap_or_else(|| local_today(&state).year());
    if !SUPPORTED_YEARS.contains(&year) {
        return Err(AppError::validation(
            "year",
            "range",
            "Năm phải từ 2000 đến 2100.",
            "The year must be between 2000 and 2100.",
        ));
    }
    let holidays = state
        .db(move |conn, _| {
            load_viewer(conn, user)?;
            services::calendar::holidays_of_year(conn, year)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: holidays.into_iter().map(HolidayView::from).collect(),
        next_cursor: None,
    }))
}

/// Add a public holiday (organisation department, administrators). Expected minutes of every
/// person change at once for that day.
#[utoipa::path(
    tag = "calendar",
    request_body = CreateHoliday,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = HolidayView, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The date already is a holiday", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calendar/holidays")]
pub async fn create_holiday(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CreateHoliday>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let holiday = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::calendar::create_holiday(
                conn,
                &viewer,
                b.date,
                b.name_vi.trim(),
                b.name_en.trim(),
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/calendar/holidays/{}", holiday.id),
        ))
        .json(HolidayView::from(holiday)))
}

/// Remove a public holiday (organisation department, administrators).
#[utoipa::path(
    tag = "calendar",
    params(("id" = i64, Path, description = "Holiday id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such holiday", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/calendar/holidays/{id}")]
pub async fn delete_holiday(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::calendar::delete_holiday(conn, &viewer, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
