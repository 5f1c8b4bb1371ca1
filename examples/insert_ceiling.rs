//! Raw single-row insert ceiling for `bench/run.sh`: inserts diary lines into `entries` through
//! the layer the service uses (`db::build_pool` with its pragmas, `db::entries::insert`, one
//! autocommit statement per row) and prints rows per second.
//!
//! The database must exist and be a throw-away one: it is migrated and gets a `BENCH` unit, a
//! person and a product (a fresh SQLite file, or a fresh PostgreSQL database).
//!
//!   INSERT_CEILING_URL=sqlite:///tmp/x/ceiling.db \
//!   INSERT_CEILING_ROWS=5000 INSERT_CEILING_SECONDS=10 INSERT_CEILING_THREADS=1 \
//!     cargo run --release --example insert_ceiling
//!
//! Bounded: stops after ROWS measured rows or SECONDS, whichever comes first (plus a short
//! unmeasured warm-up of ROWS / 10, at most 200 rows). The last line is machine-readable:
//! `insert_ceiling backend=sqlite threads=1 rows=5000 seconds=0.812 rows_per_s=6158 p50_ms=0.15 p99_ms=0.40`.

#[allow(dead_code)]
#[path = "../benches/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use worklog_kpi::db::Backend;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v}: not a number")),
        Err(_) => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    let url = std::env::var("INSERT_CEILING_URL")
        .context("set INSERT_CEILING_URL to a throw-away SQLite file or PostgreSQL database")?;
    let rows: u64 = env_or("INSERT_CEILING_ROWS", 5_000)?;
    let seconds: f64 = env_or("INSERT_CEILING_SECONDS", 10.0)?;
    let threads: u32 = env_or::<u32>("INSERT_CEILING_THREADS", 1)?.clamp(1, 64);
    let backend = match Backend::of_url(&url) {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    let fixture = support::prepare(&url, threads)?;

    // Warm-up (not measured): connections opened, statements prepared, pages cached.
    let warm_up = (rows / 10).min(200);
    {
        let mut conn = fixture.pool.get()?;
        for n in 0..warm_up {
            fixture.insert(&mut conn, "warm-up", n)?;
        }
    }

    let next = AtomicU64::new(0);
    let latencies = Mutex::new(Vec::with_capacity(rows as usize));
    let limit = Duration::from_secs_f64(seconds.max(0.1));
    let started = Instant::now();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    let mut conn = fixture.pool.get()?;
                    let mut mine = Vec::new();
                    while started.elapsed() < limit {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= rows {
                            break;
                        }
                        let t0 = Instant::now();
                        fixture.insert(&mut conn, "ceiling", n)?;
                        mine.push(t0.elapsed());
                    }
                    latencies.lock().expect("latencies").extend(mine);
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            w.join()
                .map_err(|_| anyhow::anyhow!("insert thread panicked"))??;
        }
        Ok(())
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat = latencies.into_inner().expect("latencies");
    lat.sort_unstable();
    let pct = |p: usize| {
        lat.get((lat.len() * p / 100).min(lat.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    let done = lat.len();
    println!(
        "insert_ceiling backend={backend} threads={threads} rows={done} seconds={elapsed:.3} \
         rows_per_s={:.0} p50_ms={:.3} p99_ms={:.3}",
        done as f64 / elapsed,
        pct(50),
        pct(99),
    );
    Ok(())
}
