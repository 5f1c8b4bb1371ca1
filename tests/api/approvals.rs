//! The approver's side: who approves whom, delegations, the queue with anomaly flags, batches.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, line, log, recent_weekend_day, today};
use crate::helpers::{assert_problem, PASSWORD};

#[tokio::test]
async fn the_approver_follows_the_chain_and_nobody_approves_their_own_entry() {
    let app = spawn_app_ready().await;
    let (app, d) = app;
    // s1 has supervisor h1 → h1 approves.
    let e = log(&app, &d.s1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let sub: Value = act(&app, &d.s1, e, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sub["approver_id"], d.org.h1);

    // s2 has no supervisor and W2 no head; give W2 a head: the unit head approves.
    let h2 = app
        .create_staff(&d.org.admin, json!({"unit_id": d.org.w2, "username": "h2", "password": PASSWORD, "full_name": "Võ Thị Hạnh", "roles": ["staff", "head"]}))
        .await;
    app.set_head(&d.org.admin, d.org.w2, h2).await;
    let e2 = log(&app, &d.s2, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let sub2: Value = act(&app, &d.s2, e2, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sub2["approver_id"], h2);

    // h2 heads W2 and has no supervisor: the head of the parent unit (the province) approves.
    let governor = app
        .create_staff(&d.org.admin, json!({"unit_id": d.org.province, "username": "ct.tinh", "password": PASSWORD, "full_name": "Chủ tịch tỉnh", "roles": ["staff", "head"]}))
        .await;
    app.set_head(&d.org.admin, d.org.province, governor).await;
    let h2_token = app.login_as("h2", PASSWORD).await;
    let e3 = log(&app, &h2_token, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let sub3: Value = act(&app, &h2_token, e3, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sub3["approver_id"], governor);
    // h2 cannot approve their own entry, even though they head the unit.
    assert_problem(
        act(&app, &h2_token, e3, "approve").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // h1 (not the approver) cannot approve s2's entry: not even visible.
    assert_problem(act(&app, &d.h1, e2, "approve").await, StatusCode::NOT_FOUND).await;
    // The governor can.
    let gov = app.login_as("ct.tinh", PASSWORD).await;
    assert_eq!(
        act(&app, &gov, e3, "approve").await.status(),
        StatusCode::OK
    );

    // h1 heads W1, the province head now exists: h1's own entry goes to the governor too.
    let e4 = log(&app, &d.h1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let sub4: Value = act(&app, &d.h1, e4, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(sub4["approver_id"], governor);
    assert_problem(act(&app, &d.h1, e4, "approve").await, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn the_organisation_acts_on_any_unit_but_not_on_its_own_entries() {
    let (app, d) = spawn_app_ready().await;
    let e = log(&app, &d.s2, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let sub: Value = act(&app, &d.s2, e, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        sub["approver_id"].is_null(),
        "nobody in the chain: only the organisation decides"
    );
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    assert_eq!(
        act(&app, &tochuc, e, "approve").await.status(),
        StatusCode::OK
    );

    // An organisation officer who also logs work cannot approve their own entry.
    let officer = app
        .create_staff(&d.org.admin, json!({"unit_id": d.org.province, "username": "cv.tochuc", "password": PASSWORD, "full_name": "Chuyên viên Tổ chức", "roles": ["staff", "organisation"]}))
        .await;
    let token = app.login_as("cv.tochuc", PASSWORD).await;
    let own = log(&app, &token, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &token, own, "submit").await;
    assert_problem(
        act(&app, &token, own, "approve").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let _ = officer;
}

#[tokio::test]
async fn an_acting_approver_takes_over_for_the_dates_given() {
    let (app, d) = spawn_app_ready().await;
    let deputy = app
        .create_staff(&d.org.admin, json!({"unit_id": d.org.w1, "username": "pho.w1", "password": PASSWORD, "full_name": "Phó phường Một"}))
        .await;
    let deputy_token = app.login_as("pho.w1", PASSWORD).await;
    let e = log(&app, &d.s1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &d.s1, e, "submit").await;
    // Before any delegation the deputy can do nothing.
    assert_problem(
        act(&app, &deputy_token, e, "approve").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // A delegation that starts tomorrow is not active yet.
    let later = json!({"acting_id": deputy, "from": today() + Duration::days(1), "to": today() + Duration::days(5)});
    assert_eq!(
        app.post("/api/v1/delegations", &d.h1, later).await.status(),
        StatusCode::CREATED
    );
    assert_problem(
        act(&app, &deputy_token, e, "approve").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let now = json!({"acting_id": deputy, "from": today(), "to": today() + Duration::days(3)});
    let res = app.post("/api/v1/delegations", &d.h1, now).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let delegation: Value = res.json().await.expect("json");
    let queue: Value = app
        .get("/api/v1/approvals/queue", &deputy_token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(queue["items"][0]["entry"]["id"], e);
    assert_eq!(
        act(&app, &deputy_token, e, "approve").await.status(),
        StatusCode::OK
    );

    // Delegating to the owner does not let them approve their own entry.
    let e2 = log(&app, &d.s1, line(&d, today(), 30)).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &d.s1, e2, "submit").await;
    let to_owner = json!({"acting_id": d.org.s1, "from": today(), "to": today()});
    assert_eq!(
        app.post("/api/v1/delegations", &d.h1, to_owner)
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_problem(act(&app, &d.s1, e2, "approve").await, StatusCode::FORBIDDEN).await;

    // Revoked: the deputy is out again.
    let res = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/delegations/{}", delegation["id"]),
            Some(&d.h1),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        act(&app, &deputy_token, e2, "approve").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Bad delegations.
    let res = app
        .post(
            "/api/v1/delegations",
            &d.h1,
            json!({"acting_id": d.org.h1, "from": today(), "to": today()}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .post(
            "/api/v1/delegations",
            &d.h1,
            json!({"acting_id": deputy, "from": today(), "to": today() - Duration::days(1)}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn the_queue_shows_day_totals_and_anomalies() {
    let (app, d) = spawn_app_ready().await;
    let day = today();
    // 700 minutes in one day: over the 10-hour threshold (flagged, not refused).
    let long = log(
        &app,
        &d.s1,
        json!({"work_date": day, "product_id": d.product, "quantity": 20, "minutes": 700}),
    )
    .await;
    // 100 minutes for one dossier of 30 standard minutes: far above the standard (> 2 × 30).
    let slow = log(&app, &d.s1, json!({"work_date": day - Duration::days(1), "product_id": d.product, "quantity": 1, "minutes": 100})).await;
    // Two identical lines: duplicates.
    let dup_body = json!({"work_date": day - Duration::days(2), "product_id": d.product, "quantity": 2, "minutes": 60, "note": "Họp giao ban"});
    let dup1 = log(&app, &d.s1, dup_body.clone()).await;
    let dup2 = log(&app, &d.s1, dup_body).await;
    // A weekend day; and a line logged 5 days after the work: late backfill.
    let weekend = log(&app, &d.s1, json!({"work_date": recent_weekend_day(), "product_id": d.product, "quantity": 2, "minutes": 45})).await;
    let late = log(&app, &d.s1, json!({"work_date": day - Duration::days(5), "product_id": d.product, "quantity": 2, "minutes": 50})).await;
    for e in [&long, &slow, &dup1, &dup2, &weekend, &late] {
        act(&app, &d.s1, e["id"].as_i64().expect("id"), "submit").await;
    }
    let queue: Value = app
        .get("/api/v1/approvals/queue", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    let items = queue["items"].as_array().expect("items");
    assert_eq!(items.len(), 6);
    let flags = |id: &Value| -> Vec<String> {
        let item = items
            .iter()
            .find(|i| i["entry"]["id"] == *id)
            .expect("in queue");
        item["anomalies"]
            .as_array()
            .expect("flags")
            .iter()
            .filter_map(|f| f.as_str())
            .map(str::to_string)
            .collect()
    };
    assert!(flags(&long["id"]).contains(&"day_over_threshold".to_string()));
    let long_item = items
        .iter()
        .find(|i| i["entry"]["id"] == long["id"])
        .expect("long");
    assert!(long_item["day_total"].as_i64().expect("total") >= 700);
    assert_eq!(long_item["staff_name"], "Nguyễn Thị Ánh");
    assert!(flags(&slow["id"]).contains(&"far_above_standard".to_string()));
    assert!(
        !flags(&long["id"]).contains(&"far_above_standard".to_string()),
        "700 ≤ 2 × 20 × 30"
    );
    assert!(flags(&dup1["id"]).contains(&"duplicate".to_string()));
    assert!(flags(&dup2["id"]).contains(&"duplicate".to_string()));
    assert!(flags(&weekend["id"]).contains(&"non_working_day".to_string()));
    assert!(flags(&late["id"]).contains(&"late_backfill".to_string()));
    assert!(!flags(&slow["id"]).contains(&"late_backfill".to_string()));
    // s2 has nothing waiting for them; h1's queue is not theirs.
    let empty: Value = app
        .get("/api/v1/approvals/queue", &d.s2)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(empty["items"].as_array().expect("items").len(), 0);
    // Heads may look at a unit of their subtree, not at others.
    assert_eq!(
        app.get(
            &format!("/api/v1/approvals/queue?unit_id={}", d.org.w1),
            &d.h1
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(
            &format!("/api/v1/approvals/queue?unit_id={}", d.org.w2),
            &d.h1,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_batch_reports_each_entry() {
    let (app, d) = spawn_app_ready().await;
    let a = log(&app, &d.s1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let b = log(&app, &d.s1, line(&d, today(), 30)).await["id"]
        .as_i64()
        .expect("id");
    let draft = log(&app, &d.s1, line(&d, today(), 15)).await["id"]
        .as_i64()
        .expect("id");
    let other = log(&app, &d.s2, line(&d, today(), 15)).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &d.s1, a, "submit").await;
    act(&app, &d.s1, b, "submit").await;
    act(&app, &d.s2, other, "submit").await;

    let res = app
        .post(
            "/api/v1/approvals",
            &d.h1,
            json!({"entry_ids": [a, b, draft, other], "action": "approve"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    let statuses: Vec<u64> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["status"].as_u64())
        .collect();
    assert_eq!(statuses, vec![200, 200, 409, 404]);
    assert_eq!(body["succeeded"], 2);
    assert_eq!(body["failed"], 2);

    // Returning needs a reason and kind; duplicates in the list are refused.
    let res = app
        .post(
            "/api/v1/approvals",
            &d.h1,
            json!({"entry_ids": [a], "action": "return"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .post(
            "/api/v1/approvals",
            &d.h1,
            json!({"entry_ids": [a, a], "action": "approve"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .post(
            "/api/v1/approvals",
            &d.h1,
            json!({"entry_ids": [], "action": "approve"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

async fn spawn_app_ready() -> (crate::helpers::TestApp, crate::diary::Diary) {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    (app, d)
}
