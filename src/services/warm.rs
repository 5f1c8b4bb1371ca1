//! The rollup warmer (issue 14): builds in the background what a reader would otherwise build on
//! its first read: the weekly rollups of this month and the last (`services::rollups`) and the
//! monthly KPI of the dashboard's six months (`services::kpi_months`), and the monthly
//! under-logging counts of this month and the last (`services::people_months`). Readers still check and
//! build what they find missing, so the warmer changes when the work is done, never what is read:
//! a month an approval invalidated is rebuilt by the next pass (or by a reader that comes first).

use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};

use crate::db::DbConnection;
use crate::domain::period::{weeks_between, IsoWeek, Period};
use crate::error::{AppError, AppResult};
use crate::services::weeks::STREAK_LOOKBACK_WEEKS;
use crate::services::{kpi_months, people_months, reports, rollups};

/// What one pass makes sure of, for the organisation's date `today`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmPlan {
    /// ISO weeks of this month and the last (the dashboard's and the under-logged report's
    /// default periods and the month before them), with the streak look-back before them.
    pub weeks: Vec<IsoWeek>,
    /// The six months of the dashboard's KPI trend, ending with this month.
    pub months: Vec<Period>,
    /// Last month and this one (the dashboard's under-logging counts).
    pub under_months: Vec<Period>,
}

/// The plan of a pass on `today`.
pub fn plan(today: NaiveDate) -> AppResult<WarmPlan> {
    // A date's own month always exists; a year out of the period's range plans nothing.
    let Ok(this) = Period::new_month(today.year(), today.month()) else {
        return Ok(WarmPlan {
            weeks: Vec::new(),
            months: Vec::new(),
            under_months: Vec::new(),
        });
    };
    let months = reports::trend_months(this, reports::TREND_MONTHS);
    // The ISO weeks of last month and this one, and the streak look-back before them (the
    // under-logged figures count a streak back over STREAK_LOOKBACK_WEEKS ended weeks).
    let last_month = months
        .len()
        .checked_sub(2)
        .map(|i| months[i])
        .unwrap_or(this);
    let mut under_months = vec![last_month, this];
    under_months.dedup();
    let (Some(first), Some(last)) = (
        reports::weeks_of(last_month).first().copied(),
        reports::weeks_of(this).last().copied(),
    ) else {
        return Ok(WarmPlan {
            weeks: Vec::new(),
            months,
            under_months,
        });
    };
    let start = (0..STREAK_LOOKBACK_WEEKS).fold(first, |w, _| w.prev());
    Ok(WarmPlan {
        weeks: weeks_between(start, last),
        months,
        under_months,
    })
}

/// One pass: builds what is missing (nothing when everything is built).
pub fn warm(conn: &mut DbConnection, today: NaiveDate) -> AppResult<()> {
    let plan = plan(today)?;
    let started = std::time::Instant::now();
    rollups::ensure_built(conn, &plan.weeks)?;
    let weeks = started.elapsed();
    kpi_months::ensure_built(conn, &plan.months, today)?;
    let kpi = started.elapsed() - weeks;
    people_months::ensure_built(conn, &plan.under_months, today)?;
    let people = started.elapsed() - weeks - kpi;
    tracing::debug!(
        weeks_ms = weeks.as_millis() as u64,
        kpi_months_ms = kpi.as_millis() as u64,
        people_months_ms = people.as_millis() as u64,
        "warm parts"
    );
    Ok(())
}

/// Runs [`warm`] every `every`, first at once.
pub fn spawn_warmer(state: Arc<crate::AppState>, every: Duration) {
    let job = |state: &crate::AppState| {
        let started = std::time::Instant::now();
        let today = crate::routes::local_today(state);
        let mut conn = state.pool.get().map_err(AppError::from)?;
        warm(&mut conn, today)?;
        drop(conn);
        let elapsed = started.elapsed();
        if elapsed > Duration::from_millis(200) {
            // A build of a province's months frees what it computed.
            crate::auth::hashing::release_free_memory();
        }
        Ok(elapsed)
    };
    super::spawn_every(state, every, job, |outcome| match outcome {
        Ok(Ok(elapsed)) if elapsed > Duration::from_millis(50) => {
            tracing::info!(elapsed_ms = elapsed.as_millis() as u64, "rollups warmed")
        }
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "warming the rollups failed"),
        Err(e) => tracing::warn!(error = %e, "warming the rollups panicked"),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_covers_this_month_and_the_last_and_the_six_trend_months() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let p = plan(today).unwrap();
        let months: Vec<String> = p.months.iter().map(Period::to_string).collect();
        assert_eq!(
            months,
            ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
        );
        // November 2026's ISO weeks (Thursday in the month: W45..W48) and December's
        // (W49..W53), each once, after the 12 weeks of the streak look-back (W33..W44).
        let names: Vec<String> = p.weeks.iter().map(|w| w.to_string()).collect();
        assert_eq!(names.first().map(String::as_str), Some("2026-W33"));
        assert_eq!(names.last().map(String::as_str), Some("2026-W53"));
        assert_eq!(names.len(), 12 + 9);
        let under: Vec<String> = p.under_months.iter().map(Period::to_string).collect();
        assert_eq!(under, ["2026-11", "2026-12"]);
    }
}
