//! The organisation's calendar: statutory holidays shipped as seed data, holidays maintained by
//! the organisation department, and the `Calendar` the domain rules work on.

use chrono::NaiveDate;

use crate::db::holidays::Holiday;
use crate::db::{self, DbConnection};
use crate::domain::calendar::{statutory_holidays, Calendar};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::audit;

const STATUTORY_SEED: &str = "statutory_holidays_2025_2027";

/// Inserts the statutory holidays of 2025-2027 once. A seeded day the organisation later deletes
/// stays deleted: the seed is recorded as applied.
pub fn seed_statutory_holidays(conn: &mut DbConnection) -> AppResult<usize> {
    db::write_transaction(conn, |conn| {
        if db::holidays::seed_applied(conn, STATUTORY_SEED)? {
            return Ok(0);
        }
        let now = db::now_utc();
        let mut added = 0;
        for h in statutory_holidays() {
            if db::holidays::find_by_day(conn, h.date)?.is_none() {
                db::holidays::insert(conn, h.date, h.name_vi, h.name_en, now)?;
                added += 1;
                crate::services::rollups::refresh_week_of(conn, h.date)?;
            }
        }
        db::holidays::mark_seed_applied(conn, STATUTORY_SEED, now)?;
        Ok(added)
    })
}

/// The calendar for a date range (one query).
pub fn load_calendar(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Calendar> {
    let days = db::holidays::between(conn, from, to)?;
    Ok(Calendar::new(days.into_iter().map(|h| h.day)))
}

fn require_calendar_manager(viewer: &Viewer) -> AppResult<()> {
    if viewer.can_manage_organisation() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Chỉ Ban Tổ chức hoặc quản trị viên được thay đổi lịch nghỉ lễ.",
            "Only the organisation department or an administrator may change the holiday calendar.",
        ))
    }
}

/// The holidays of one calendar year, in date order (any authenticated user).
pub fn holidays_of_year(conn: &mut DbConnection, year: i32) -> AppResult<Vec<Holiday>> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    Ok(db::holidays::between(conn, first, last)?)
}

/// Adds a public holiday (organisation department, administrators). A date that already is a
/// holiday is 409.
pub fn create_holiday(
    conn: &mut DbConnection,
    viewer: &Viewer,
    day: NaiveDate,
    name_vi: &str,
    name_en: &str,
) -> AppResult<Holiday> {
    require_calendar_manager(viewer)?;
    db::write_transaction(conn, |conn| {
        if db::holidays::find_by_day(conn, day)?.is_some() {
            return Err(AppError::conflict(
                "Ngày này đã là ngày nghỉ lễ.",
                "This date already is a holiday.",
            ));
        }
        let id = db::holidays::insert(conn, day, name_vi, name_en, db::now_utc())?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "holiday",
            id,
            "create",
            None,
            None,
            None,
            Some(serde_json::json!({"date": day, "name_vi": name_vi, "name_en": name_en})),
        )?;
        crate::services::rollups::refresh_week_of(conn, day)?;
        db::holidays::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// Removes a public holiday (organisation department, administrators); unknown ids are 404.
/// Expected minutes of the week grow back at once (the maintained weekly rollups of that week
/// are re-derived in the same transaction).
pub fn delete_holiday(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<()> {
    require_calendar_manager(viewer)?;
    db::write_transaction(conn, |conn| {
        let holiday = db::holidays::find(conn, id)?.ok_or(AppError::NotFound)?;
        db::holidays::delete(conn, id)?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "holiday",
            id,
            "delete",
            None,
            None,
            None,
            Some(serde_json::json!({
                "date": holiday.day,
                "name_vi": holiday.name_vi,
                "name_en": holiday.name_en,
            })),
        )?;
        crate::services::rollups::refresh_week_of(conn, holiday.day)?;
        Ok(())
    })
}
