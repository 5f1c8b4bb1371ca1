//! Use cases: each public function loads what it needs, applies the domain rules, writes back in
//! one transaction, and returns plain data. Services take `&mut DbConnection` so that
//! transactions compose and tests can call them directly.

pub mod access;
pub mod appeals;
pub mod approvals;
pub mod approvers;
pub mod audit;
pub mod auth;
pub mod backdate;
pub mod ballots;
pub mod calendar;
pub mod dashboard;
pub mod delegations;
pub mod demo;
pub mod entries;
pub mod exports;
pub mod grading;
pub mod import;
pub mod kpi;
pub mod kpi_months;
pub mod leaves;
pub mod ops;
pub mod pdf;
pub mod people_months;
pub mod print;
pub mod products;
pub mod reminders;
pub mod reports;
pub mod rollups;
pub mod sheets;
pub mod staff;
pub mod tasks;
pub mod totals;
pub mod units;
pub mod warm;
pub mod weeks;

/// A page of a keyset-paginated list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<i64>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says whether more exist.
    pub fn from_overfetch(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> i64) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(&id_of) } else { None };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Paging parameters already checked by the route.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: i64,
    pub after_id: Option<i64>,
}

/// Runs `job` on the blocking pool at once and then every `every` (a missed tick waits for the
/// next), handing its outcome to `report`: the shape of the service's background jobs (the
/// reminder scheduler, the rollup warmer). A job that panics is reported, not fatal.
pub fn spawn_every<T, J, R>(
    state: std::sync::Arc<crate::AppState>,
    every: std::time::Duration,
    job: J,
    report: R,
) where
    T: Send + 'static,
    J: Fn(&crate::AppState) -> crate::error::AppResult<T> + Send + Sync + 'static,
    R: Fn(Result<crate::error::AppResult<T>, tokio::task::JoinError>) + Send + 'static,
{
    let job = std::sync::Arc::new(job);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let state = std::sync::Arc::clone(&state);
            let job = std::sync::Arc::clone(&job);
            let outcome = tokio::task::spawn_blocking(move || job(&state)).await;
            report(outcome);
        }
    });
}
