//! Prometheus metrics through the `metrics` facade and `metrics-exporter-prometheus`:
//!
//! - `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}`
//!   (route = the matched pattern, e.g. `/api/v1/entries/{id}`; unmatched paths share `unmatched`);
//! - `db_pool_connections`, `db_pool_connections_idle`, `db_pool_connections_in_use`,
//!   `db_pool_max_size` (gauges, at scrape), `db_pool_wait_seconds` (waiting for a pooled
//!   connection) and `db_work_duration_seconds` (a request's database work on the blocking pool);
//! - process metrics (`process_resident_memory_bytes`, `process_cpu_seconds_total`,
//!   `process_open_fds`, ...) from `metrics-process`, at scrape;
//! - business gauges `worklog_entries_awaiting_approval` and
//!   `worklog_people_under_logged_last_week`, recomputed at most once a minute on scrape.
//!
//! The recorder is process-wide (the `metrics` facade has one global recorder); every server in
//! the process renders the same registry.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::{DbConnection, DbPool};

/// Latency buckets (seconds): fine below 100 ms where most answers are, coarse up to 30 s for
/// exports and grading of large units.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Business gauges are recomputed at most this often.
pub const BUSINESS_REFRESH: Duration = Duration::from_secs(60);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once and returns its handle. When another recorder was
/// installed first (an embedding program), a detached one still renders this crate's
/// description-less page rather than failing.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = || {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_string()), LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new())
        };
        match builder().install_recorder() {
            Ok(handle) => {
                describe();
                handle
            }
            Err(e) => {
                tracing::warn!(error = %e, "a metrics recorder was already installed");
                builder().build_recorder().handle()
            }
        }
    })
}

fn describe() {
    metrics::describe_counter!(
        "http_requests_total",
        "HTTP requests by method, route pattern and status."
    );
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by method and route pattern."
    );
    metrics::describe_histogram!(
        "db_pool_wait_seconds",
        metrics::Unit::Seconds,
        "Time spent waiting for a pooled database connection."
    );
    metrics::describe_histogram!(
        "db_work_duration_seconds",
        metrics::Unit::Seconds,
        "Time a request's database work held its connection."
    );
    metrics::describe_counter!(
        "db_pool_timeouts_total",
        "Requests that found no free database connection in time (answered 503)."
    );
    metrics::describe_gauge!("db_pool_connections", "Open database connections.");
    metrics::describe_gauge!("db_pool_connections_idle", "Idle database connections.");
    metrics::describe_gauge!("db_pool_connections_in_use", "Database connections in use.");
    metrics::describe_gauge!("db_pool_max_size", "Configured database pool size.");
    metrics::describe_gauge!(
        "worklog_entries_awaiting_approval",
        "Diary lines submitted and not yet decided."
    );
    metrics::describe_gauge!(
        "worklog_people_under_logged_last_week",
        "Active people whose last ISO week was under-logged."
    );
    metrics::describe_gauge!(
        "worklog_business_metrics_age_seconds",
        "Age of the business gauges (recomputed at most once a minute)."
    );
}

/// Records one answered request (called by the access-log middleware).
pub fn observe_request(method: &str, route: &str, status: u16, seconds: f64) {
    if HANDLE.get().is_none() {
        return;
    }
    let labels = [("method", method.to_string()), ("route", route.to_string())];
    metrics::counter!(
        "http_requests_total",
        &[
            ("method", method.to_string()),
            ("route", route.to_string()),
            ("status", status.to_string()),
        ]
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(seconds);
}

/// Records the wait for a pooled connection, and whether it timed out.
pub fn observe_pool_wait(seconds: f64, timed_out: bool) {
    metrics::histogram!("db_pool_wait_seconds").record(seconds);
    if timed_out {
        metrics::counter!("db_pool_timeouts_total").increment(1);
    }
}

/// Records how long a request's database work held its connection.
pub fn observe_db_work(seconds: f64) {
    metrics::histogram!("db_work_duration_seconds").record(seconds);
}

/// What the business gauges were last computed as.
#[derive(Debug, Clone, Copy)]
struct Business {
    at: Instant,
    awaiting: i64,
    under_logged: usize,
}

/// Per-server state of the scrape: the process collector and the cached business gauges.
pub struct Metrics {
    process: metrics_process::Collector,
    business: Mutex<Option<Business>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let process = metrics_process::Collector::default();
        if HANDLE.get().is_some() {
            process.describe();
        }
        Metrics {
            process,
            business: Mutex::new(None),
        }
    }
}

impl Metrics {
    /// Renders the exposition page: refreshes the gauges read at scrape time first.
    pub fn render(
        &self,
        pool: &DbPool,
        pool_max: u32,
        business: impl FnOnce(&mut DbConnection) -> anyhow::Result<(i64, usize)>,
    ) -> String {
        let handle = handle();
        let state = pool.state();
        metrics::gauge!("db_pool_connections").set(f64::from(state.connections));
        metrics::gauge!("db_pool_connections_idle").set(f64::from(state.idle_connections));
        metrics::gauge!("db_pool_connections_in_use").set(f64::from(
            state.connections.saturating_sub(state.idle_connections),
        ));
        metrics::gauge!("db_pool_max_size").set(f64::from(pool_max));
        self.process.collect();
        self.refresh_business(pool, business);
        handle.run_upkeep();
        handle.render()
    }

    fn refresh_business(
        &self,
        pool: &DbPool,
        compute: impl FnOnce(&mut DbConnection) -> anyhow::Result<(i64, usize)>,
    ) {
        let Ok(mut cached) = self.business.lock() else {
            return;
        };
        let fresh = cached.is_some_and(|b| b.at.elapsed() < BUSINESS_REFRESH);
        if !fresh {
            let computed = pool
                .get()
                .map_err(anyhow::Error::from)
                .and_then(|mut conn| compute(&mut conn));
            match computed {
                Ok((awaiting, under_logged)) => {
                    *cached = Some(Business {
                        at: Instant::now(),
                        awaiting,
                        under_logged,
                    })
                }
                // Keep the last values (their age tells a stale page); log why.
                Err(e) => tracing::warn!(error = %e, "business metrics not refreshed"),
            }
        }
        if let Some(b) = *cached {
            metrics::gauge!("worklog_entries_awaiting_approval").set(b.awaiting as f64);
            metrics::gauge!("worklog_people_under_logged_last_week").set(b.under_logged as f64);
            metrics::gauge!("worklog_business_metrics_age_seconds")
                .set(b.at.elapsed().as_secs_f64());
        }
    }
}
