//! The organisation's calendar: statutory holidays shipped as seed data, holidays maintained by
//! the organisation department, and the `Calendar` the domain rules work on.

use chrono::NaiveDate;
use diesel::Connection;

use crate::db::{self, DbConnection};
use crate::domain::calendar::{statutory_holidays, Calendar};
use crate::error::AppResult;

const STATUTORY_SEED: &str = "statutory_holidays_2025_2027";

/// Inserts the statutory holidays of 2025-2027 once. A seeded day the organisation later deletes
/// stays deleted: the seed is recorded as applied.
pub fn seed_statutory_holidays(conn: &mut DbConnection) -> AppResult<usize> {
    conn.transaction(|conn| {
        if db::holidays::seed_applied(conn, STATUTORY_SEED)? {
            return Ok(0);
        }
        let now = db::now_utc();
        let mut added = 0;
        for h in statutory_holidays() {
            if db::holidays::find_by_day(conn, h.date)?.is_none() {
                db::holidays::insert(conn, h.date, h.name_vi, h.name_en, now)?;
                added += 1;
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
