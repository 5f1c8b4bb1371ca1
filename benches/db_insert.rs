//! Ceiling of raw single-row inserts into `entries` through the layer the service uses:
//! `db::build_pool` (with its SQLite pragmas: WAL, synchronous=NORMAL, foreign keys) and
//! `db::entries::insert`, one autocommit `INSERT … RETURNING id` per row, one connection.
//!
//! SQLite always runs, on a fresh migrated file in a temporary directory. PostgreSQL runs when
//! `BENCH_DATABASE_URL` is a `postgres://` URL: a throw-away database `worklog_bench_insert_<pid>`
//! is created on that server and dropped at the end.
//!
//! `write_transaction`: the same insert inside `db::write_transaction` from 8 threads at once
//! (each with its own pooled connection): on SQLite every one goes to the pool's writer, and
//! queued writers share a COMMIT (group commit, `db::writer`). Per transaction, all threads
//! together.
//!
//!   CARGO_TARGET_DIR=/work/target-bench cargo bench --bench db_insert
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432 cargo bench --bench db_insert

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use worklog_kpi::db::Backend;

use support::ScratchPg;

fn bench_backend(c: &mut Criterion, name: &str, url: &str) {
    let fixture = match support::prepare(url, 1) {
        Ok(f) => f,
        Err(e) => panic!("preparing {name} at {url}: {e:#}"),
    };
    let mut conn = fixture.pool.get().expect("pooled connection");
    let mut group = c.benchmark_group("entries_insert");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    let mut n = 0u64;
    group.bench_function(format!("{name}/one_row_autocommit"), |b| {
        b.iter(|| {
            n += 1;
            fixture
                .insert(&mut conn, "criterion", n)
                .expect("insert entry")
        })
    });
    group.finish();
    println!("{name}: {n} rows inserted in total (warm-up included)");
}

/// One-row write transactions from `THREADS` threads at once.
fn bench_write_transactions(c: &mut Criterion, name: &str, url: &str) {
    const THREADS: u64 = 8;
    let fixture = match support::prepare(url, THREADS as u32) {
        Ok(f) => f,
        Err(e) => panic!("preparing {name} at {url}: {e:#}"),
    };
    let counter = AtomicU64::new(0);
    let mut group = c.benchmark_group("write_transaction");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    group.bench_function(format!("{name}/{THREADS}_threads_one_row_each"), |b| {
        b.iter_custom(|iters| {
            let per_thread = iters.div_ceil(THREADS);
            let started = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..THREADS {
                    s.spawn(|| {
                        let mut conn = fixture.pool.get().expect("pooled connection");
                        for _ in 0..per_thread {
                            let n = counter.fetch_add(1, Ordering::Relaxed);
                            worklog_kpi::db::write_transaction(&mut conn, |c| {
                                fixture.insert(c, "group", n)
                            })
                            .expect("write transaction");
                        }
                    });
                }
            });
            // Per transaction: scaled to the `iters` criterion asked for.
            started
                .elapsed()
                .mul_f64(iters as f64 / (per_thread * THREADS) as f64)
        })
    });
    group.finish();
    let mut conn = fixture.pool.get().expect("pooled connection");
    if let Some(s) = worklog_kpi::db::writer_stats(&mut conn) {
        println!(
            "{name}: {} write transactions in {} commits ({:.1} a commit)",
            s.members,
            s.commits,
            s.members as f64 / s.commits.max(1) as f64
        );
    }
}

fn db_insert(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("insert-bench.db");
    bench_backend(c, "sqlite", &format!("sqlite://{}", path.display()));
    let path = dir.path().join("write-transaction-bench.db");
    bench_write_transactions(c, "sqlite", &format!("sqlite://{}", path.display()));

    match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if Backend::of_url(&url) == Backend::Postgres => {
            let name = format!("worklog_bench_insert_{}", std::process::id());
            let mut scratch = ScratchPg::create(&url, &name).expect("create scratch database");
            bench_backend(c, "postgres", &scratch.url);
            // bench_backend dropped its pool: nothing holds the database any more.
            scratch.drop_now().expect("drop scratch database");
        }
        Ok(url) => {
            eprintln!("BENCH_DATABASE_URL={url} is not a postgres:// URL: PostgreSQL skipped")
        }
        Err(_) => eprintln!("BENCH_DATABASE_URL not set: PostgreSQL skipped"),
    }
}

criterion_group!(benches, db_insert);
criterion_main!(benches);
