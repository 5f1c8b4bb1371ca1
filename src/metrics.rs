//! Minimal Prometheus metrics kept in atomics: request counts by status class and latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{body::MessageBody, middleware::Next, web, Error};

use crate::AppState;

#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    latency_micros_sum: AtomicU64,
    /// Buckets: ≤5ms, ≤25ms, ≤100ms, ≤500ms, ≤2.5s, +Inf.
    buckets: [AtomicU64; 6],
}

const BUCKET_BOUNDS: [f64; 5] = [0.005, 0.025, 0.1, 0.5, 2.5];

impl Metrics {
    pub fn observe(&self, status: u16, seconds: f64) {
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.latency_micros_sum
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        let idx = BUCKET_BOUNDS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKET_BOUNDS.len());
        self.buckets[idx].fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, pool_connections: u32, pool_idle: u32) -> String {
        let mut out = String::new();
        out.push_str("# HELP http_requests_total HTTP requests by status class.\n# TYPE http_requests_total counter\n");
        let mut total = 0;
        for (i, c) in self.by_class.iter().enumerate() {
            let n = c.load(Ordering::Relaxed);
            total += n;
            out.push_str(&format!(
                "http_requests_total{{status=\"{}xx\"}} {n}\n",
                i + 1
            ));
        }
        out.push_str("# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            cumulative += b.load(Ordering::Relaxed);
            let le = BUCKET_BOUNDS
                .get(i)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "+Inf".into());
            out.push_str(&format!(
                "http_request_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}\n"
            ));
        }
        let sum = self.latency_micros_sum.load(Ordering::Relaxed) as f64 / 1e6;
        out.push_str(&format!("http_request_duration_seconds_sum {sum}\nhttp_request_duration_seconds_count {total}\n"));
        out.push_str(&format!(
            "# TYPE db_pool_connections gauge\ndb_pool_connections {pool_connections}\n# TYPE db_pool_idle_connections gauge\ndb_pool_idle_connections {pool_idle}\n"
        ));
        out
    }
}

/// Middleware recording every response.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = Instant::now();
    let res = next.call(req).await?;
    if let Some(state) = state {
        state
            .metrics
            .observe(res.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(res)
}
