//! Operations as a province's IT team meets them: request ids, metrics and who may read them,
//! CORS, database connection errors that name their cause, and backups under write load.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use worklog_kpi::config::Settings;
use worklog_kpi::db::Backend;

use crate::diary::{act, diary_setup, line, log, today};
use crate::helpers::{assert_problem, set_contract, spawn_app, spawn_app_with, TestApp};

fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .expect("X-Request-Id")
        .to_str()
        .expect("ascii")
        .to_string()
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_problems_repeat_it() {
    let app = spawn_app().await;
    let url = format!("{}/health", app.address);
    let generated = request_id(&app.client.get(&url).send().await.expect("request"));
    assert_eq!(generated.len(), 32);
    assert!(generated.chars().all(|c| c.is_ascii_hexdigit()));
    let other = request_id(&app.client.get(&url).send().await.expect("request"));
    assert_ne!(generated, other, "a new id per request");

    // A sane incoming id is kept (a proxy's or a client's), an unsafe one replaced.
    let res = app
        .client
        .get(&url)
        .header("X-Request-Id", "proxy-7f3a.01:ab_c")
        .send()
        .await
        .expect("request");
    assert_eq!(request_id(&res), "proxy-7f3a.01:ab_c");
    for bad in ["has spaces in it", &"x".repeat(200), "tiếng-việt"] {
        let res = app
            .client
            .get(&url)
            .header("X-Request-Id", bad.as_bytes())
            .send()
            .await
            .expect("request");
        let id = request_id(&res);
        assert_ne!(id, bad);
        assert_eq!(id.len(), 32, "{bad:?} replaced by a generated id");
    }

    // Problems (401, 404, 422 rendered by extractors) carry the same id in their body.
    let res = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .header("X-Request-Id", "support-ticket-42")
        .send()
        .await
        .expect("request");
    let body = assert_problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["request_id"], "support-ticket-42");
    let res = app
        .client
        .get(format!("{}/api/v1/nothing", app.address))
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::NOT_FOUND).await;
    let admin = app.admin().await;
    let res = app
        .request(
            Method::POST,
            "/api/v1/units",
            Some(&admin),
            Some(json!({"code": "", "name": "", "level": "ward"})),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

async fn metrics_page(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}/metrics", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("request")
}

#[tokio::test]
async fn metrics_are_not_public_on_the_main_listener() {
    // Default: no token configured, nothing served there.
    let app = spawn_app().await;
    assert_problem(metrics_page(&app, None).await, StatusCode::NOT_FOUND).await;
    let admin = app.admin().await;
    assert_problem(
        metrics_page(&app, Some(&admin)).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // With a token: 401 without it or with another one (an administrator's JWT included).
    let token = "metrics-token-0123456789abcdef";
    let app = spawn_app_with(|s| s.server.metrics_token = Some(token.into())).await;
    assert_problem(metrics_page(&app, None).await, StatusCode::UNAUTHORIZED).await;
    let admin = app.admin().await;
    assert_problem(
        metrics_page(&app, Some(&admin)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        metrics_page(&app, Some("metrics-token-0123456789abcdeX")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        metrics_page(&app, Some(token)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_name_routes_statuses_pool_process_and_business_figures() {
    let token = "metrics-token-0123456789abcdef";
    let app = spawn_app_with(|s| s.server.metrics_token = Some(token.into())).await;
    let admin = app.admin().await;
    assert_eq!(app.get("/api/v1/me", &admin).await.status(), StatusCode::OK);
    let staff_id = app
        .create_staff(
            &admin,
            json!({"username": "metric.person", "password": crate::helpers::PASSWORD, "full_name": "Đỗ Số Liệu", "roles": ["organisation"]}),
        )
        .await;
    let res = app.get(&format!("/api/v1/staff/{staff_id}"), &admin).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get("/api/v1/staff/999999", &admin).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let res = metrics_page(&app, Some(token)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("text");
    for needle in [
        "http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"}",
        "http_requests_total{method=\"GET\",route=\"/api/v1/staff/{id}\",status=\"404\"}",
        "http_requests_total{method=\"POST\",route=\"/api/v1/staff\",status=\"201\"}",
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/me\",le=\"0.005\"}",
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/me\",le=\"0.25\"}",
        "db_pool_wait_seconds_bucket",
        "db_work_duration_seconds_bucket",
        "db_pool_connections_in_use ",
        "db_pool_connections_idle ",
        "db_pool_max_size 4",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
        "process_open_fds ",
        "worklog_entries_awaiting_approval ",
        "worklog_people_under_logged_last_week ",
    ] {
        assert!(page.contains(needle), "missing {needle} in:\n{page}");
    }
    // Ids never become labels: the pattern does.
    assert!(
        !page.contains(&format!("/api/v1/staff/{staff_id}\"")),
        "raw paths in labels"
    );
    assert!(!page.contains("/api/v1/staff/999999"));
}

#[tokio::test]
async fn business_gauges_count_waiting_entries_and_under_logged_people() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let t = today();
    let a = log(&app, &d.s1, line(&d, t, 60)).await;
    let b = log(&app, &d.s1, line(&d, t, 30)).await;
    log(&app, &d.s2, line(&d, t, 45)).await; // a draft: not waiting
    for e in [&a, &b] {
        let id = e["id"].as_i64().expect("id");
        assert_eq!(
            act(&app, &d.s1, id, "submit").await.status(),
            StatusCode::OK
        );
    }
    // s1 is expected to work 40 hours a week since 2020 and logged nothing last week.
    set_contract(&app, &d.org.admin, d.org.s1, "2020-01-06").await;
    let pool = app.pool.clone();
    let (awaiting, under) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        worklog_kpi::services::ops::business_gauges(
            &mut conn,
            t,
            worklog_kpi::domain::calendar::UnderLogBasis::Logged,
        )
        .expect("gauges")
    })
    .await
    .expect("join");
    assert_eq!(awaiting, 2);
    assert_eq!(under, 1, "s1 alone has a contract covering last week");
}

#[tokio::test]
async fn the_admin_listener_serves_metrics_without_a_token_and_nothing_else() {
    let app = spawn_app().await;
    let state =
        worklog_kpi::prepare_state(Settings::for_database(&app.database_url)).expect("state");
    let main = TcpListener::bind("127.0.0.1:0").expect("bind");
    let admin = TcpListener::bind("127.0.0.1:0").expect("bind");
    let main_addr = format!("http://{}", main.local_addr().expect("addr"));
    let admin_addr = format!("http://{}", admin.local_addr().expect("addr"));
    let (server, admin_server) =
        worklog_kpi::run_servers(main, Some(admin), state).expect("servers");
    tokio::spawn(server);
    tokio::spawn(admin_server.expect("admin server"));
    let get = |url: String| {
        let client = app.client.clone();
        async move { client.get(url).send().await.expect("request") }
    };
    let res = get(format!("{admin_addr}/metrics")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("text").contains("db_pool_max_size"));
    assert_eq!(
        get(format!("{admin_addr}/ready")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(format!("{admin_addr}/api/v1/me")).await.status(),
        StatusCode::NOT_FOUND,
        "the API is not on the admin listener"
    );
    assert_eq!(
        get(format!("{main_addr}/metrics")).await.status(),
        StatusCode::NOT_FOUND,
        "not public on the main listener"
    );
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let origin = "https://kpi.example.gov.vn";
    let app = spawn_app_with(|s| s.server.cors_allowed_origins = vec![origin.into()]).await;
    let admin = app.admin().await;
    let preflight = app
        .client
        .request(Method::OPTIONS, format!("{}/api/v1/units", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization,if-match,content-type",
        )
        .send()
        .await
        .expect("request");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        origin,
        "preflight allowed"
    );
    let res = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&admin)
        .header("Origin", origin)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], origin);
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    for h in ["etag", "location", "idempotency-replayed", "x-request-id"] {
        assert!(exposed.contains(h), "{h} exposed: {exposed}");
    }
    // Another origin gets no CORS grant (the browser withholds the answer).
    let res = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&admin)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert!(!res.headers().contains_key("access-control-allow-origin"));

    // Default: no origin configured, no CORS header at all.
    let app = spawn_app().await;
    let res = app
        .client
        .get(format!("{}/health", app.address))
        .header("Origin", origin)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn postgres_connection_errors_name_the_cause_and_the_binary_exits_non_zero() {
    let timeout = std::time::Duration::from_secs(3);
    let err = worklog_kpi::db::check_connection("postgres://postgres@127.0.0.1:1/worklog", timeout)
        .expect_err("nothing listens on port 1");
    let msg = err.to_string();
    assert!(msg.contains("connection refused by 127.0.0.1:1"), "{msg}");
    assert!(!msg.contains("multiconnection"), "{msg}");

    if let Ok(base) = std::env::var("TEST_DATABASE_URL") {
        if Backend::of_url(&base) == Backend::Postgres {
            let server = base
                .rsplit_once('/')
                .map(|(s, _)| s)
                .expect("a URL with a database");
            let missing = format!("{server}/worklog_no_such_database_12");
            let err =
                worklog_kpi::db::check_connection(&missing, timeout).expect_err("no such database");
            assert!(
                err.to_string()
                    .contains("database \"worklog_no_such_database_12\" does not exist"),
                "{err}"
            );
            // Start-up fails the same way.
            let err = worklog_kpi::prepare_state(Settings::for_database(&missing))
                .err()
                .expect("start-up refused");
            assert!(err.to_string().contains("does not exist"), "{err}");
        }
    }

    // The binary says it and exits non-zero.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_worklog-kpi"))
        .arg("migrate")
        .env(
            "APP_CONFIG_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
        )
        .env("APP__DATABASE__URL", "postgres://kpi@127.0.0.1:1/worklog")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the binary");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("connection refused by 127.0.0.1:1"),
        "{stderr}"
    );
}

fn entry_ids(url: &str) -> HashSet<i64> {
    use worklog_kpi::db::schema::entries;
    let pool =
        worklog_kpi::db::build_pool(url, 1, std::time::Duration::from_secs(5)).expect("pool");
    let mut conn = pool.get().expect("connection");
    entries::table
        .select(entries::id)
        .load::<i64>(&mut conn)
        .expect("ids")
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_backup_taken_under_write_load_restores_every_acknowledged_entry() {
    let app = spawn_app().await;
    if Backend::of_url(&app.database_url) == Backend::Postgres {
        // PostgreSQL is backed up with pg_dump; the command says so instead of copying nothing.
        let dir = tempfile::tempdir().expect("dir");
        let err =
            worklog_kpi::services::ops::backup_sqlite(&app.database_url, &dir.path().join("b.db"))
                .expect_err("refused");
        assert!(err.to_string().contains("pg_dump"), "{err}");
        return;
    }
    let d = Arc::new(diary_setup(&app).await);
    let app = Arc::new(app);
    let acked: Arc<Mutex<Vec<i64>>> = Arc::default();
    let t = today();
    // Four writers, two per person: log a line, submit every other one.
    let mut writers = Vec::new();
    for w in 0..4 {
        let (app, d, acked) = (app.clone(), d.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            let token = if w % 2 == 0 {
                d.s1.clone()
            } else {
                d.s2.clone()
            };
            for i in 0..40 {
                let date = t - chrono::Duration::days(i64::from(i % 5));
                let e = log(&app, &token, line(&d, date, 5)).await;
                let id = e["id"].as_i64().expect("id");
                if i % 2 == 0 {
                    let res = act(&app, &token, id, "submit").await;
                    assert_eq!(res.status(), StatusCode::OK);
                }
                acked.lock().expect("lock").push(id);
            }
        }));
    }
    // Let the writers get going, then back up while they write.
    while acked.lock().expect("lock").len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<i64> = acked.lock().expect("lock").clone();
    let dir = tempfile::tempdir().expect("dir");
    let backup_path = dir.path().join("backup.db");
    let (url, path) = (app.database_url.clone(), backup_path.clone());
    let report =
        tokio::task::spawn_blocking(move || worklog_kpi::services::ops::backup_sqlite(&url, &path))
            .await
            .expect("join")
            .expect("backup");
    let during = acked.lock().expect("lock").len();
    for w in writers {
        w.await.expect("writer");
    }
    let all: HashSet<i64> = acked.lock().expect("lock").iter().copied().collect();
    assert_eq!(all.len(), 160);

    // A backup file that exists is never overwritten.
    let (url, path) = (app.database_url.clone(), backup_path.clone());
    let again =
        tokio::task::spawn_blocking(move || worklog_kpi::services::ops::backup_sqlite(&url, &path))
            .await
            .expect("join");
    assert!(again
        .expect_err("exists")
        .to_string()
        .contains("already exists"));

    // Restore into a new place, as after losing the server.
    let restored_url = format!("sqlite://{}", dir.path().join("restored.db").display());
    let (url, path) = (restored_url.clone(), backup_path.clone());
    let restored = tokio::task::spawn_blocking(move || {
        worklog_kpi::services::ops::restore_sqlite(&url, &path)
    })
    .await
    .expect("join")
    .expect("restore");
    assert!(restored.previous.is_none());
    let url = restored_url.clone();
    let ids = tokio::task::spawn_blocking(move || entry_ids(&url))
        .await
        .expect("join");
    eprintln!(
        "backup under load: {} entries acknowledged before the backup, {} in the backup, {} \
         acknowledged when it finished, {} in all; {} bytes in {:.3}s",
        before.len(),
        ids.len(),
        during,
        all.len(),
        report.bytes,
        report.seconds
    );
    for id in &before {
        assert!(
            ids.contains(id),
            "entry {id} acknowledged before the backup is missing"
        );
    }
    for id in &ids {
        assert!(
            all.contains(id),
            "entry {id} in the backup was never acknowledged"
        );
    }
    assert_eq!(report.entries as usize, ids.len());

    // The restored database serves, and its maintained totals match its entries.
    let restored_app =
        crate::helpers::spawn_with(Settings::for_database(&restored_url), None, false).await;
    let drift = {
        let pool = restored_app.pool.clone();
        let policy = app.totals_policy;
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("connection");
            worklog_kpi::services::totals::drift(&mut conn, &policy).expect("drift")
        })
        .await
        .expect("join")
    };
    assert!(
        drift.is_empty(),
        "restored totals drifted: {:?}",
        &drift[..drift.len().min(3)]
    );
    let token = restored_app.login_as("s1", crate::helpers::PASSWORD).await;
    assert_eq!(
        restored_app.get("/api/v1/me", &token).await.status(),
        StatusCode::OK
    );
    app.assert_no_totals_drift().await;
}

#[tokio::test]
async fn restore_refuses_a_database_in_use_and_keeps_the_replaced_one() {
    let app = spawn_app().await;
    if Backend::of_url(&app.database_url) == Backend::Postgres {
        let err = worklog_kpi::services::ops::restore_sqlite(
            &app.database_url,
            std::path::Path::new("/nonexistent.db"),
        )
        .expect_err("refused");
        assert!(err.to_string().contains("pg_restore"), "{err}");
        return;
    }
    let d = diary_setup(&app).await;
    log(&app, &d.s1, line(&d, today(), 30)).await;
    let dir = tempfile::tempdir().expect("dir");
    let backup = dir.path().join("b.db");
    let url = app.database_url.clone();
    let (u, b) = (url.clone(), backup.clone());
    tokio::task::spawn_blocking(move || {
        worklog_kpi::services::ops::backup_sqlite(&u, &b).expect("backup");
        // Something that is not a backup is refused before anything is touched.
        let junk = b.with_extension("txt");
        std::fs::write(&junk, "not a database").expect("write");
        assert!(worklog_kpi::services::ops::restore_sqlite(&u, &junk).is_err());
        // A server holds the lock: refused.
        let lock = worklog_kpi::services::ops::lock_sqlite(&u).expect("lock");
        let err = worklog_kpi::services::ops::restore_sqlite(&u, &b).expect_err("in use");
        assert!(
            err.to_string()
                .contains("in use by a running worklog-kpi server"),
            "{err}"
        );
        drop(lock);
    })
    .await
    .expect("join");
    // A later line, then the restore (the test server holds no lock; `serve` does): the line is
    // gone, the old file kept.
    log(&app, &d.s1, line(&d, today(), 45)).await;
    let (u, b) = (url.clone(), backup.clone());
    let report = tokio::task::spawn_blocking(move || {
        worklog_kpi::services::ops::restore_sqlite(&u, &b).expect("restore")
    })
    .await
    .expect("join");
    assert_eq!(report.entries, 1);
    let kept = report.previous.expect("the replaced database is kept");
    let kept_url = format!("sqlite://{}", kept.display());
    let (u1, u2) = (url.clone(), kept_url);
    let (now, before) = tokio::task::spawn_blocking(move || (entry_ids(&u1), entry_ids(&u2)))
        .await
        .expect("join");
    assert_eq!(now.len(), 1);
    assert_eq!(
        before.len(),
        2,
        "the replaced database still has both lines"
    );
}

#[tokio::test]
async fn docs_without_a_slash_redirects_to_the_swagger_ui() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()["location"], "/docs/");
    let res = app
        .client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("text").contains("swagger"));
}

#[tokio::test]
async fn if_match_takes_lists_and_star_and_if_none_match_answers_304() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let unit = app
        .create_unit(&admin, "HG", "Tỉnh Hậu Giang", "province", None)
        .await;
    let path = format!("/api/v1/units/{unit}");
    let etag = crate::helpers::etag_of(&app.get(&path, &admin).await);
    assert_eq!(etag, "\"1\"");
    let rename = |name: &str| json!({"name": name});
    // A list that contains the current tag matches.
    let res = app
        .patch(
            &path,
            &admin,
            Some("\"7\", \"1\""),
            rename("Tỉnh Hậu Giang 1"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(crate::helpers::etag_of(&res), "\"2\"");
    // `*` matches any current version.
    let res = app
        .patch(&path, &admin, Some("*"), rename("Tỉnh Hậu Giang 2"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(crate::helpers::etag_of(&res), "\"3\"");
    // Stale lists, weak tags (strong comparison) and garbage are 412; nothing changes.
    for stale in ["\"1\", \"2\"", "W/\"3\"", "3", "garbage"] {
        let res = app
            .patch(&path, &admin, Some(stale), rename("Không được"))
            .await;
        assert_problem(res, StatusCode::PRECONDITION_FAILED).await;
    }
    let res = app.patch(&path, &admin, None, rename("Không được")).await;
    assert_problem(res, StatusCode::PRECONDITION_REQUIRED).await;
    // `*` on a unit that does not exist is 404, not a match.
    let res = app
        .patch("/api/v1/units/999999", &admin, Some("*"), rename("x"))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND).await;

    // If-None-Match: the current tag (in a list, or weak) or `*` → 304 without a body.
    for condition in ["\"3\"", "\"1\", \"3\"", "W/\"3\"", "*"] {
        let res = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&admin)
            .header("If-None-Match", condition)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{condition}");
        assert_eq!(crate::helpers::etag_of(&res), "\"3\"");
        assert!(res.bytes().await.expect("body").is_empty());
    }
    let res = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(&admin)
        .header("If-None-Match", "\"2\"")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["name"], "Tỉnh Hậu Giang 2");
    // Scoping still comes first: no 304 for what the caller may not see.
    let res = app
        .client
        .get(format!("{}/api/v1/units/999999", app.address))
        .bearer_auth(&admin)
        .header("If-None-Match", "*")
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn downloads_follow_the_accept_header_unless_format_is_given() {
    let app = spawn_app().await;
    let org = crate::helpers::small_org(&app).await;
    let _ = org.org_user;
    let tochuc = app.login_as("tochuc", crate::helpers::PASSWORD).await;
    let get = |accept: &'static str, query: &'static str| {
        let (client, address, token) = (app.client.clone(), app.address.clone(), tochuc.clone());
        async move {
            let res = client
                .get(format!("{address}/api/v1/reports/under-logged{query}"))
                .bearer_auth(token)
                .header("Accept", accept)
                .send()
                .await
                .expect("request");
            assert_eq!(res.status(), StatusCode::OK, "{accept} {query}");
            res.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .to_string()
        }
    };
    assert!(get("text/csv", "").await.starts_with("text/csv"));
    assert!(get(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ""
    )
    .await
    .starts_with("application/vnd.openxmlformats"));
    assert!(get("application/json, text/csv;q=0.5", "")
        .await
        .starts_with("application/json"));
    assert!(get("*/*", "").await.starts_with("application/json"));
    // ?format= wins over Accept.
    assert!(get("text/csv", "?format=json")
        .await
        .starts_with("application/json"));
    assert!(get("text/csv", "?format=xlsx")
        .await
        .starts_with("application/vnd.openxmlformats"));
}
