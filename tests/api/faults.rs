//! Faults of the storage: a full SQLite disk, a PostgreSQL statement past its timeout, a
//! PostgreSQL server that stops answering. Each is 503 problem+json with `Retry-After` quickly,
//! `/ready` says so while it lasts, and nothing half-written remains.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::ResponseError;
use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::{json, Value};
use worklog_kpi::config::Settings;

use crate::diary::{diary_setup, line, today};
use crate::helpers::{assert_problem, on_postgres, spawn_app_with, spawn_with, TestApp};

async fn ready(app: &TestApp) -> reqwest::Response {
    app.client
        .get(format!("{}/ready", app.address))
        .send()
        .await
        .expect("request")
}

/// Sets `PRAGMA max_page_count` on every connection of the pool and on its writer (it is per
/// connection): 1 caps
/// the file at its current size, so the next write that needs a new page fails with SQLITE_FULL.
async fn cap_sqlite_pages(app: &TestApp, pages: u64) {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let size = pool.max_size() as usize;
        let mut held = Vec::with_capacity(size);
        for _ in 0..size {
            let mut conn = pool.get().expect("connection");
            diesel::sql_query(format!("PRAGMA max_page_count = {pages}"))
                .execute(&mut conn)
                .expect("pragma");
            held.push(conn);
        }
        // And on the pool's SQLite writer, the connection every write transaction runs on.
        worklog_kpi::db::write_transaction(&mut held[0], |c| {
            diesel::sql_query(format!("PRAGMA max_page_count = {pages}")).execute(c)
        })
        .expect("pragma on the writer");
    })
    .await
    .expect("join");
}

#[tokio::test]
async fn a_full_sqlite_disk_is_503_with_retry_after_and_leaves_nothing_half_written() {
    if on_postgres() {
        // SQLITE_FULL is SQLite's; PostgreSQL's faults are the tests below.
        return;
    }
    let app = spawn_app_with(|s| s.database.storage_error_window_secs = 2).await;
    let d = diary_setup(&app).await;
    let note = "Thẩm định hồ sơ đất đai, ".repeat(40);
    let mut created = 0;
    cap_sqlite_pages(&app, 1).await;
    let mut full = None;
    for i in 0..400 {
        let mut body = line(&d, today(), 1);
        body["note"] = json!(format!("{note} {i}"));
        let res = app.post("/api/v1/entries", &d.s1, body).await;
        match res.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                full = Some(res);
                break;
            }
            other => panic!(
                "unexpected {other}: {}",
                res.text().await.unwrap_or_default()
            ),
        }
    }
    let res = full.expect("the capped database fills up");
    assert_eq!(
        res.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"5"[..])
    );
    assert_problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    // /ready reports it while it lasts.
    assert_problem(ready(&app).await, StatusCode::SERVICE_UNAVAILABLE).await;
    // Nothing half-written: the entries are exactly the acknowledged ones, totals agree.
    let res = app
        .get(
            &format!("/api/v1/entries?from={0}&to={0}&limit=500", today()),
            &d.s1,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let listed = res.json::<Value>().await.expect("json")["items"]
        .as_array()
        .expect("items")
        .len();
    assert_eq!(listed, created);
    app.assert_no_totals_drift().await;
    // Space again: writes and readiness come back.
    cap_sqlite_pages(&app, 1_000_000).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(ready(&app).await.status(), StatusCode::OK);
    let res = app
        .post("/api/v1/entries", &d.s1, line(&d, today(), 1))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.assert_no_totals_drift().await;
}

#[tokio::test]
async fn a_postgres_statement_past_its_timeout_is_503_quickly() {
    let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        // statement_timeout is PostgreSQL's (SQLite runs in the process).
        return;
    };
    let mut settings = Settings::for_database(&base);
    settings.database.statement_timeout_secs = 1;
    let pool =
        worklog_kpi::db::build_pool_with(&base, &worklog_kpi::db::PoolOptions::serving(&settings))
            .expect("pool");
    let state = Arc::new(worklog_kpi::AppState::new(pool, settings));
    let started = Instant::now();
    let result = state
        .db(|conn, _| {
            diesel::sql_query("SELECT pg_sleep(10)").execute(conn)?;
            Ok(())
        })
        .await;
    let elapsed = started.elapsed();
    let err = result.expect_err("cancelled by statement_timeout");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let res = err.error_response();
    assert_eq!(res.status().as_u16(), 503, "{err:?}");
    assert!(res.headers().contains_key("retry-after"));
}

/// A TCP proxy to PostgreSQL that can be frozen: while frozen it forwards nothing, like a server
/// stopped with SIGSTOP (the kernel still holds the connections open).
struct FreezingProxy {
    port: u16,
    frozen: Arc<AtomicBool>,
}

impl FreezingProxy {
    fn start(target: String) -> FreezingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let frozen = Arc::new(AtomicBool::new(false));
        let f = Arc::clone(&frozen);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (
                        client.try_clone().expect("clone"),
                        server.try_clone().expect("clone"),
                    ),
                    (server, client),
                ] {
                    let f = Arc::clone(&f);
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        loop {
                            while f.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            let n = match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            while f.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        FreezingProxy { port, frozen }
    }
}

#[tokio::test]
async fn a_frozen_postgres_is_503_within_seconds_and_ready_answers_within_2_s() {
    let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        return;
    };
    // postgres://user@host:port/db → the same through the proxy.
    let (head, rest) = base
        .split_once('@')
        .expect("user@host in TEST_DATABASE_URL");
    let (hostport, _) = rest.split_once('/').expect("/db");
    let proxy = FreezingProxy::start(hostport.to_string());
    let (url, _) = crate::helpers::fresh_database();
    let via_proxy = url.replacen(
        &format!("{head}@{hostport}/"),
        &format!("{head}@127.0.0.1:{}/", proxy.port),
        1,
    );
    assert!(via_proxy.contains(&proxy.port.to_string()), "{via_proxy}");
    let mut settings = Settings::for_database(&via_proxy);
    settings.database.statement_timeout_secs = 1;
    settings.database.request_timeout_secs = 2;
    settings.database.connect_timeout_secs = 2;
    let app = spawn_with(settings, None, true).await;
    let token = app.admin().await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::OK);

    proxy.frozen.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let res = app.get("/api/v1/me", &token).await;
    let took = started.elapsed();
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(took < Duration::from_secs(4), "GET /me took {took:?}");
    let started = Instant::now();
    let res = ready(&app).await;
    let took = started.elapsed();
    assert_problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(took < Duration::from_secs(2), "/ready took {took:?}");

    proxy.frozen.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.get("/api/v1/me", &token).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "still {status} after the thaw");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ready(&app).await.status(), StatusCode::OK);
}
