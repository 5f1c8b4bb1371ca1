//! Rules of a round as seen through the API: discipline, not graded, the KPI view following the
//! round's scores, and the preset chosen for a round.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::diary_setup;
use crate::helpers::{set_contract, PASSWORD};

#[tokio::test]
async fn discipline_and_too_little_work_are_recorded_as_reasons() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    set_contract(&app, &d.org.admin, d.org.s1, "2026-01-01").await;
    // h1 starts on Tuesday 2026-10-20: 9 of October's 22 working days → less than half → not graded.
    set_contract(&app, &d.org.admin, d.org.h1, "2026-10-20").await;
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": "2026-10"}),
        )
        .await;
    let round: Value = res.json().await.expect("json");
    let rid = round["id"].as_i64().expect("id");
    let h1 = round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == d.org.h1)
        .expect("h1")
        .clone();
    assert_eq!(h1["worked_days"], 9);
    assert_eq!(h1["proposed_grade"]["code"], "not_graded");
    assert!(h1["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .any(|r| r["rule"] == "not_graded"));

    // s1 scores full marks on the common criteria but was disciplined: not complete.
    let put = format!(
        "{}/api/v1/grading/rounds/{rid}/assessments/{}",
        app.address, d.org.s1
    );
    let res = app
        .client
        .put(&put)
        .bearer_auth(&tochuc)
        .json(&json!({"common_scores": [10, 10, 10], "disciplined": true}))
        .send()
        .await
        .expect("request");
    let s1: Value = res.json().await.expect("json");
    assert_eq!(s1["disciplined"], true);
    assert_eq!(s1["proposed_grade"]["code"], "not_complete");
    let rules: Vec<&str> = s1["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["rule"].as_str())
        .collect();
    assert_eq!(rules, vec!["threshold", "discipline"]);
    assert!(s1["reasons"][1]["message"]
        .as_str()
        .unwrap_or("")
        .contains("kỷ luật"));

    // The KPI view follows the round: the evaluator's 30 points are in s1's total.
    let kpi: Value = app
        .get(
            &format!("/api/v1/kpi/staff/{}?period=2026-10", d.org.s1),
            &d.s1,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(kpi["common_score"], 30.0);
    assert_eq!(kpi["common_missing"], false);
}

#[tokio::test]
async fn a_round_can_use_another_preset_and_a_preset_limits_its_periods() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let policies: Value = app
        .get("/api/v1/policies", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    let nga_bay = policies["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["code"] == "nga-bay-2021")
        .expect("preset")
        .clone();
    // Ngã Bảy grades quarters only.
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": "2026-10", "policy_id": nga_bay["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": "2026-Q4", "policy_id": nga_bay["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let round: Value = res.json().await.expect("json");
    assert_eq!(round["policy"]["code"], "nga-bay-2021");
    // Labels and reasons follow Accept-Language even though they are built on the database pool.
    let en: Value = app
        .client
        .get(format!(
            "{}/api/v1/grading/rounds/{}",
            app.address, round["id"]
        ))
        .bearer_auth(&d.h1)
        .header("Accept-Language", "en")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let g = &en["grades"][0];
    assert!(
        g["proposed_grade"]["label"]
            .as_str()
            .is_some_and(|l| l.is_ascii()),
        "{g}"
    );
    assert!(
        g["reasons"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Total") || m.starts_with("Worked")),
        "{g}"
    );
    // Its four common groups of 7.5 points and a bonus of up to 3.
    let put = format!(
        "{}/api/v1/grading/rounds/{}/assessments/{}",
        app.address, round["id"], d.org.s1
    );
    let res = app
        .client
        .put(&put)
        .bearer_auth(&d.h1)
        .json(&json!({"common_scores": [7.5, 7.5, 7.5, 7.5], "bonus": 3}))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let s1: Value = res.json().await.expect("json");
    assert_eq!(s1["common_score"], 30.0);
    assert_eq!(s1["bonus"], 3.0);
}
