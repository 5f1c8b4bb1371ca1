//! KPI of a period, checked against numbers computed by hand (October 2026: 22 working days,
//! no public holiday, so a full-time person is expected 22 × 480 = 10,560 minutes).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, log, Diary};
use crate::helpers::{assert_problem, fields, set_contract, TestApp};

/// s1 logs three October days (backdated with h1's permission) and h1 approves them; the line
/// of the 6th is first sent back for quality, so it carries one rework.
async fn october(app: &TestApp, d: &Diary) {
    set_contract(app, &d.org.admin, d.org.s1, "2026-01-01").await;
    set_contract(app, &d.org.admin, d.org.h1, "2026-01-01").await;
    for (day, minutes, quantity) in [
        ("2026-10-05", 480, 10),
        ("2026-10-06", 480, 16),
        ("2026-10-07", 240, 4),
    ] {
        let res = app
            .post(
                &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
                &d.h1,
                json!({"work_date": day, "reason": "Nhập bù nhật ký tháng 10"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let id = log(app, &d.s1, json!({"work_date": day, "product_id": d.product, "quantity": quantity, "minutes": minutes}))
            .await["id"]
            .as_i64()
            .expect("id");
        act(app, &d.s1, id, "submit").await;
        if day == "2026-10-06" {
            let res = app
                .post(
                    &format!("/api/v1/entries/{id}/return"),
                    &d.h1,
                    json!({"reason": "Sai số lượng", "reason_kind": "quality"}),
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            act(app, &d.s1, id, "submit").await;
        }
        assert_eq!(
            act(app, &d.h1, id, "approve").await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_persons_kpi_matches_the_hand_computation() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    october(&app, &d).await;
    let kpi: Value = app
        .get(
            &format!("/api/v1/kpi/staff/{}?period=2026-10", d.org.s1),
            &d.s1,
        )
        .await
        .json()
        .await
        .expect("json");
    // expected = 22 working days × 480 = 10,560; credited = 480 + 480 + 240 = 1,200
    assert_eq!(kpi["expected"], 10560);
    assert_eq!(kpi["credited"], 1200);
    assert_eq!(kpi["period_working_days"], 22);
    assert_eq!(kpi["worked_days"], 22);
    assert_eq!(kpi["approved_entries"], 3);
    assert_eq!(kpi["rework"], 1);
    // quantity = 1200 / 10560 = 0.113636…
    assert!((kpi["quantity"].as_f64().expect("q") - 1200.0 / 10560.0).abs() < 1e-12);
    // quality = (480 × 1 + 480 × 0.75 + 240 × 1) / 1200 = 0.9; progress = 1 (no task)
    assert!((kpi["quality"].as_f64().expect("q") - 0.9).abs() < 1e-12);
    assert_eq!(kpi["progress"], 1.0);
    // combine = product (the default policy version): own = Σ credited × qf × pf / expected
    // = (480 × 1 + 480 × 0.75 + 240 × 1) / 10560 = 1080 / 10560 = 0.102272…
    // task = 70 × 0.102272… = 7.159… → 7.16; no common score yet
    // (the first preset version gave 70 × (0.113636… + 0.9 + 1) / 3 = 46.98)
    assert_eq!(kpi["task_score"], 7.16);
    assert_eq!(kpi["common_score"], Value::Null);
    assert_eq!(kpi["common_missing"], true);
    assert_eq!(kpi["total"], 7.16);
    assert_eq!(kpi["threshold_grade"]["code"], "not_complete");
    assert_eq!(kpi["threshold_grade"]["label"], "Không hoàn thành nhiệm vụ");

    // h1 is a leader with one direct subordinate (s1, not complete): unit factor 0.5.
    // h1 logged nothing: own = 0, quality = progress = 0 (nothing to judge);
    // task = 70 × (0.5 × 0 + 0.5 × 0.5) = 17.5
    let lead: Value = app
        .get(
            &format!("/api/v1/kpi/staff/{}?period=2026-10", d.org.h1),
            &d.h1,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(lead["unit_factor"], 0.5);
    assert_eq!(lead["task_score"], 17.5);
    assert_eq!(lead["quality"], 0.0);
    assert_eq!(lead["progress"], 0.0);

    // The unit view ranks them and averages: (7.159… + 17.5) / 2 = 12.329… → 12.33
    let unit: Value = app
        .get(
            &format!("/api/v1/kpi/units/{}?period=2026-10", d.org.w1),
            &d.h1,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unit["headcount"], 2);
    assert_eq!(unit["credited"], 1200);
    // Ranked by total: h1 (17.5) before s1 (7.16).
    assert_eq!(unit["people"][0]["staff_id"], d.org.h1);
    assert_eq!(unit["people"][1]["staff_id"], d.org.s1);
    assert_eq!(unit["average_total"], 12.33);

    // A quarter is computed over its three months: Q4 2026 expects Oct 22 + Nov 21 + Dec 23 days.
    let q4: Value = app
        .get(
            &format!("/api/v1/kpi/staff/{}?period=2026-Q4", d.org.s1),
            &d.s1,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(q4["period"], "2026-Q4");
    assert_eq!(q4["credited"], 1200);
    assert!(q4["expected"].as_i64().expect("expected") > 10560);
}

#[tokio::test]
async fn kpi_is_private_and_periods_are_checked() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    assert_problem(
        app.get(
            &format!("/api/v1/kpi/staff/{}?period=2026-10", d.org.s1),
            &d.s2,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/kpi/units/{}?period=2026-10", d.org.w1),
            &d.s1,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/kpi/units/{}?period=2026-10", d.org.w2),
            &d.h1,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = app
        .get(
            &format!("/api/v1/kpi/staff/{}?period=2026-13", d.org.s1),
            &d.s1,
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["period"]
    );
    // English labels on request (s1's contract starts this month: October is not graded).
    let res = app
        .client
        .get(format!(
            "{}/api/v1/kpi/staff/{}?period=2026-10",
            app.address, d.org.s1
        ))
        .bearer_auth(&d.s1)
        .header("Accept-Language", "en")
        .send()
        .await
        .expect("request");
    let kpi: Value = res.json().await.expect("json");
    assert_eq!(kpi["threshold_grade"]["code"], "not_graded");
    assert_eq!(
        kpi["threshold_grade"]["label"],
        "Not graded (worked too little of the period)"
    );
}
