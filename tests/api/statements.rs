//! The number of statements the hot writes run (each one a round trip on PostgreSQL, a step on
//! SQLite), pinned so that it cannot grow back unnoticed. Counted by the pool's diesel
//! instrumentation (`db::stats`) around one request, nothing else running on the server.
//!
//! When a change adds a statement on purpose, change the figure here and say why in the commit.
//! `RUST_LOG=worklog_kpi::db::statements=trace` prints every statement a server runs.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, line, log, today};
use crate::helpers::{spawn_app, TestApp};

/// The statements the server ran for one request.
async fn counted(
    app: &TestApp,
    send: impl std::future::Future<Output = reqwest::Response>,
) -> (reqwest::Response, u64) {
    let before = app.statements.read();
    let res = send.await;
    let used = app.statements.read() - before;
    (res, used.statements)
}

/// Per backend: (SQLite, PostgreSQL). They differ by the connection check on checkout, the
/// person's row lock and the re-read under it, which PostgreSQL needs and SQLite does not (its
/// write transaction begins holding the database's only write lock).
fn expected(sqlite: u64, postgres: u64) -> u64 {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        postgres
    } else {
        sqlite
    }
}

#[tokio::test]
async fn the_hot_writes_run_a_pinned_number_of_statements() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let day = today() - Duration::days(1);

    // One line through the whole loop first (statement caches, approver chain warm).
    let warm = log(&app, &d.s1, line(&d, day - Duration::days(1), 60)).await;
    let warm_id = warm["id"].as_i64().expect("id");
    assert_eq!(
        act(&app, &d.s1, warm_id, "submit").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        act(&app, &d.h1, warm_id, "approve").await.status(),
        StatusCode::OK
    );

    // POST /entries: the caller with their unit's path (1), BEGIN, the line's facts (product,
    // period lock and the day's minutes so far in one statement, from the day's totals),
    // INSERT … RETURNING the row, the day's total (one upsert adding the draft's minutes),
    // audit, COMMIT. Issue 14 took it from 13 (15 on PostgreSQL): the viewer and the line's
    // facts were 2 + 3; a new draft changes no logged or approved minutes, so the weekly rollup
    // is not touched; then from 10 (12) to 7 (9): the day's backdate permissions and lines were
    // read and its total deleted and re-inserted, a read that grew with the day's lines.
    let (res, create) = counted(&app, app.post("/api/v1/entries", &d.s1, line(&d, day, 90))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.expect("json");
    assert_eq!(created["state"], "draft");
    assert_eq!(created["minutes"], 90);
    assert_eq!(create, expected(7, 9), "statements of POST /entries");

    // With a client reference: one more to look for an earlier line with it.
    let mut with_ref = line(&d, day, 30);
    with_ref["client_ref"] = json!("phone-1");
    let (res, create_with_ref) = counted(&app, app.post("/api/v1/entries", &d.s1, with_ref)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        create_with_ref,
        create + 1,
        "statements of POST /entries with client_ref"
    );

    let id = created["id"].as_i64().expect("id");
    let (res, submit) = counted(&app, act(&app, &d.s1, id, "submit")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.expect("json")["state"],
        "submitted"
    );
    // Submit resolves the approver; a unit's head counts only while they hold the head role
    // (issue 9: roles and headship agree). The chain reads the owner's unit (and its parent) and
    // the people in it (supervisor, heads) in one query: one fewer than reading each person.
    // Issue 14: the caller and their unit's path in one statement (one less), the person's week
    // rollup one UPDATE more.
    assert_eq!(submit, expected(16, 19), "statements of submit");

    // Approval also rewrites the month's approved work (its lines, DELETE + INSERT).
    let (res, approve) = counted(&app, act(&app, &d.h1, id, "approve")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let approved: Value = res.json().await.expect("json");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["version"], 3);
    // One more than when first pinned, after the rules of issues 9 and 10 (heads act only with
    // the head role; backdate permissions cover ranges and units) joined the write path. Issue
    // 14: one less (the caller and their unit's path in one statement), one more (the weekly
    // rollup).
    assert_eq!(approve, expected(18, 21), "statements of approve");
    app.assert_no_totals_drift().await;

    // Once a report has read the week, every write of submitted or approved minutes also
    // rewrites the unit's week from its members' rows: two statements more (DELETE + grouped
    // INSERT), whatever the unit's size. A new draft still touches no week.
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let week = worklog_kpi::domain::period::IsoWeek::of(day);
        worklog_kpi::services::rollups::ensure_built(&mut conn, &[week]).expect("build");
    })
    .await
    .expect("join");
    let (res, create_built) =
        counted(&app, app.post("/api/v1/entries", &d.s1, line(&d, day, 45))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        create_built, create,
        "statements of POST /entries in a built week"
    );
    let built_id = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let (res, submit_built) = counted(&app, act(&app, &d.s1, built_id, "submit")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        submit_built,
        submit + 2,
        "statements of submit in a built week"
    );
    app.assert_no_totals_drift().await;
}
