//! Operations: liveness, readiness, docs, spec sync, and a database that is down.

use reqwest::StatusCode;
use serde_json::Value;
use worklog_kpi::config::Settings;

use crate::helpers::{assert_problem, spawn_app, spawn_with};

#[tokio::test]
async fn health_ready_docs_and_spec_are_served() {
    let app = spawn_app().await;
    for path in ["/health", "/ready", "/docs/", "/api-docs/openapi.json"] {
        let res = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    let ready: Value = app
        .client
        .get(format!("{}/ready", app.address))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["status"], "ready");
    let docs = app
        .client
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .expect("request");
    assert!(
        docs.text().await.expect("text").contains("swagger"),
        "Swagger UI page"
    );
}

#[tokio::test]
async fn committed_openapi_document_matches_the_served_one() {
    let app = spawn_app().await;
    let served: Value = app
        .client
        .get(format!("{}/api-docs/openapi.json", app.address))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let committed_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json is committed");
    let committed: Value = serde_json::from_str(&committed_text).expect("valid JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    assert_eq!(
        committed_text,
        worklog_kpi::openapi::spec_json(),
        "openapi/openapi.json is not the exact output of `worklog-kpi openapi`"
    );
}

#[tokio::test]
async fn unknown_paths_are_problem_404() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(format!("{}/api/v1/nothing-here", app.address))
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_database_that_is_down_answers_503_with_retry_after() {
    // Nothing listens on port 1: every connection attempt is refused.
    let settings = Settings::for_database("postgres://nobody@127.0.0.1:1/none");
    let app = spawn_with(settings, None, false).await;
    let res = app
        .client
        .get(format!("{}/ready", app.address))
        .send()
        .await
        .expect("request");
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    let res = app.login_full("admin", "whatever-password").await;
    assert_problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    // The process itself is still alive.
    let res = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
}
