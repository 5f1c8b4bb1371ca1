//! Clients find the grading round of a unit and period (to resume a round someone else opened)
//! and open the explanation of a published grade.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::diary_setup;
use crate::helpers::{assert_problem, spawn_app, PASSWORD};

#[tokio::test]
async fn a_round_is_found_by_unit_and_period_within_the_callers_scope() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let find = |token: &str, unit: i64, period: &str| {
        app.client
            .get(format!(
                "{}/api/v1/grading/rounds?unit_id={unit}&period={period}",
                app.address
            ))
            .bearer_auth(token.to_string())
            .send()
    };
    let items = |v: Value| v["items"].as_array().expect("items").clone();

    // Nothing yet.
    let res = find(&d.h1, d.org.w1, "2026-10").await.expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(items(res.json().await.expect("json")).is_empty());

    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": "2026-10"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let round: Value = res.json().await.expect("json");
    let rid = round["id"].as_i64().expect("id");

    // The head finds the open round; a member does not see it before it is published; another
    // unit's staff cannot see the unit at all.
    let found = items(
        find(&d.h1, d.org.w1, "2026-10")
            .await
            .expect("request")
            .json()
            .await
            .expect("json"),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], rid);
    assert_eq!(found[0]["state"], "open");
    assert_eq!(found[0]["period"], "2026-10");
    assert!(items(
        find(&d.s1, d.org.w1, "2026-10")
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    )
    .is_empty());
    assert_problem(
        find(&d.s2, d.org.w1, "2026-10").await.expect("request"),
        StatusCode::NOT_FOUND,
    )
    .await;
    let bad = assert_problem(
        find(&d.h1, d.org.w1, "2026-13").await.expect("request"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "period");

    // Decided and published: the member finds it, and the published list names each grade so
    // that its explanation can be opened.
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/decide"),
            &d.h1,
            json!({"overrides": []}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/publish"),
            &tochuc,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let found = items(
        find(&d.s1, d.org.w1, "2026-10")
            .await
            .expect("request")
            .json()
            .await
            .expect("json"),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["state"], "published");

    let published: Value = app
        .get("/api/v1/published?period=2026-10", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    let mine = published["units"][0]["people"]
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["staff_id"] == d.org.s1)
        .expect("s1 published")
        .clone();
    let grade_id = mine["grade_id"].as_i64().expect("grade_id");
    let res = app
        .get(&format!("/api/v1/grades/{grade_id}/explain"), &d.s1)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let explain: Value = res.json().await.expect("json");
    assert_eq!(explain["grade"]["staff_id"], d.org.s1);
}
