//! Year grades: built from the year's decided month rounds when there are some (weighted by days
//! worked), otherwise from the year's KPI; and the flag for two years `not_complete` in a row.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::diary_setup;
use crate::helpers::{assert_problem, set_contract, TestApp, PASSWORD};

async fn open_and_decide(app: &TestApp, token: &str, unit_id: i64, period: &str) -> Value {
    let res = app
        .post(
            "/api/v1/grading/rounds",
            token,
            json!({"unit_id": unit_id, "period": period}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "open {period}");
    let round: Value = res.json().await.expect("json");
    let id = round["id"].as_i64().expect("id");
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{id}/decide"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "decide {period}");
    res.json().await.expect("json")
}

fn total_of(round: &Value, staff_id: i64) -> f64 {
    round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == staff_id)
        .and_then(|g| g["total"].as_f64())
        .expect("total")
}

#[tokio::test]
async fn a_year_is_the_days_worked_weighted_average_of_its_months() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    set_contract(&app, &d.org.admin, d.org.s2, "2025-01-01").await;
    // Past periods only (a period is decided once it has ended, whatever day the test runs).
    // W2 has only s2 and no entries: no products, no task points (combine = product): 0 each
    // month. October 2025: 23 working days; November 2025: 20 (no holiday), both fully worked.
    let oct = open_and_decide(&app, &tochuc, d.org.w2, "2025-10").await;
    let nov = open_and_decide(&app, &tochuc, d.org.w2, "2025-11").await;
    assert_eq!(total_of(&oct, d.org.s2), 0.0);
    assert_eq!(total_of(&nov, d.org.s2), 0.0);
    let year = open_and_decide(&app, &tochuc, d.org.w2, "2025").await;
    // (0 × 23 + 0 × 20) / 43 = 0 (never -0.00)
    assert_eq!(total_of(&year, d.org.s2), 0.0);
    assert_eq!(
        year["grades"][0]["total"].to_string(),
        "0.0",
        "no negative zero"
    );
    let grade = &year["grades"][0];
    let explain: Value = app
        .get(&format!("/api/v1/grades/{}/explain", grade["id"]), &tochuc)
        .await
        .json()
        .await
        .expect("json");
    let periods = explain["inputs"]["year_from_periods"]["periods"]
        .as_array()
        .expect("periods")
        .clone();
    assert_eq!(periods.len(), 2);
    assert_eq!(periods[0][0], "2025-10");
    assert_eq!(periods[0][2], 23);
    assert_eq!(periods[1][2], 20);
}

#[tokio::test]
async fn two_years_not_complete_in_a_row_are_flagged_for_the_organisation() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    set_contract(&app, &d.org.admin, d.org.s2, "2024-01-01").await;
    // No month rounds: each year is graded on the year's KPI; s2 logged nothing → 0 → not_complete.
    // Past years only: a year is decided once it has ended.
    let y2024 = open_and_decide(&app, &tochuc, d.org.w2, "2024").await;
    assert_eq!(y2024["grades"][0]["final_grade"]["code"], "not_complete");
    let y2025 = open_and_decide(&app, &tochuc, d.org.w2, "2025").await;
    assert_eq!(y2025["grades"][0]["final_grade"]["code"], "not_complete");
    let report: Value = app
        .get("/api/v1/reports/two-years-not-complete?year=2025", &tochuc)
        .await
        .json()
        .await
        .expect("json");
    let people = report["people"].as_array().expect("people");
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["staff_id"], d.org.s2);
    assert_eq!(people[0]["full_name"], "Trần Văn Bình");
    // Only once in a row is not flagged.
    let report: Value = app
        .get("/api/v1/reports/two-years-not-complete?year=2024", &tochuc)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(report["people"].as_array().expect("people").len(), 0);
    assert_problem(
        app.get("/api/v1/reports/two-years-not-complete?year=2025", &d.h1)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}
