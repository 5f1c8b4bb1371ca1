//! The organisation department opens a month's grading for a whole subtree in one request:
//! scoped like one round, idempotent, and grading every unit exactly as its own round would.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::diary_setup;
use crate::grading::october_diary;
use crate::helpers::{assert_problem, TestApp, PASSWORD};

async fn batch(app: &TestApp, token: &str, unit_id: i64, period: &str) -> reqwest::Response {
    app.post(
        "/api/v1/grading/rounds/batch",
        token,
        json!({"unit_id": unit_id, "period": period}),
    )
    .await
}

fn unit_ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|r| r["unit_id"].as_i64().expect("unit_id"))
        .collect()
}

async fn round(app: &TestApp, token: &str, id: i64) -> Value {
    let res = app
        .get(&format!("/api/v1/grading/rounds/{id}"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

#[tokio::test]
async fn a_subtree_is_opened_in_one_request_once_and_graded_as_unit_by_unit() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    october_diary(&app, &d).await;
    let org = app.login_as("tochuc", PASSWORD).await;
    let o = &d.org;

    // Scoped like one round: a member is refused, a head sees nothing above their unit.
    assert_problem(
        batch(&app, &d.s1, o.w1, "2026-10").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        batch(&app, &d.h1, o.province, "2026-10").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        batch(&app, &org, o.province, "2026-13").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // The organisation opens the province's month: every unit with members (the province
    // itself has none), computed together.
    let res = batch(&app, &org, o.province, "2026-10").await;
    assert_eq!(res.status(), StatusCode::OK);
    let first: Value = res.json().await.expect("json");
    assert_eq!(first["period"], "2026-10");
    assert_eq!(unit_ids(&first["opened"]), vec![o.w1, o.w2]);
    assert_eq!(unit_ids(&first["existing"]), Vec::<i64>::new());
    let opened = first["opened"].as_array().expect("opened");
    assert_eq!(opened[0]["graded"], 2, "h1 and s1");
    assert_eq!(opened[1]["graded"], 1, "s2");
    assert!(opened.iter().all(|r| r["state"] == "open"));

    // Each unit graded as its own round grades it: recomputing one round alone changes nothing.
    for r in opened {
        let id = r["id"].as_i64().expect("id");
        let batched = round(&app, &org, id).await;
        assert_eq!(
            batched["grades"].as_array().map(Vec::len),
            r["graded"].as_u64().map(|n| n as usize)
        );
        let res = app
            .post(
                &format!("/api/v1/grading/rounds/{id}/recompute"),
                &org,
                json!({}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let alone = round(&app, &org, id).await;
        assert_eq!(batched["grades"], alone["grades"], "round {id}");
    }
    // s1's October is the one `grading.rs` works out by hand: 7.16, not complete.
    let w1_round = round(&app, &org, opened[0]["id"].as_i64().expect("id")).await;
    let s1 = w1_round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == o.s1)
        .expect("s1 graded");
    assert_eq!(s1["total"], 7.16);
    assert_eq!(s1["proposed_grade"]["code"], "not_complete");

    // Idempotent: a retry opens nothing and returns the rounds as they are.
    let res = batch(&app, &org, o.province, "2026-10").await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.expect("json");
    assert_eq!(unit_ids(&again["opened"]), Vec::<i64>::new());
    assert_eq!(unit_ids(&again["existing"]), vec![o.w1, o.w2]);
    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect()
    };
    assert_eq!(ids(&again["existing"]), ids(&first["opened"]));
    // The per-unit route sees the same rounds.
    assert_problem(
        app.post(
            "/api/v1/grading/rounds",
            &org,
            json!({"unit_id": o.w2, "period": "2026-10"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // A head opens their own subtree; rounds opened one at a time count as existing.
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": o.w1, "period": "2026-09"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let single: Value = res.json().await.expect("json");
    let res = batch(&app, &d.h1, o.w1, "2026-09").await;
    assert_eq!(res.status(), StatusCode::OK);
    let head: Value = res.json().await.expect("json");
    assert_eq!(unit_ids(&head["opened"]), Vec::<i64>::new());
    assert_eq!(
        ids(&head["existing"]),
        vec![single["id"].as_i64().expect("id")]
    );
    let res = batch(&app, &d.h1, o.w1, "2026-08").await;
    assert_eq!(res.status(), StatusCode::OK);
    let head: Value = res.json().await.expect("json");
    assert_eq!(unit_ids(&head["opened"]), vec![o.w1]);

    // One audit row per round opened (then the recompute above).
    let res = app
        .get(
            &format!("/api/v1/audit?entity=grading_round&id={}", opened[1]["id"]),
            &o.admin,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let audit: Value = res.json().await.expect("json");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert_eq!(actions, vec!["open", "recompute"]);
}
