//! The daily loop of a member of staff: log, edit, submit, withdraw; and every rule of the diary
//! section of the rulebook that the API enforces.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, etag_of, fields, small_org, spawn_app, Org, TestApp, PASSWORD,
};

/// "Today" in the organisation's time zone (UTC+07:00).
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

pub struct Diary {
    pub org: Org,
    pub product: i64,
    pub s1: String,
    pub s2: String,
    pub h1: String,
}

/// The small organisation plus one catalogue item (30 standard minutes per dossier).
pub async fn diary_setup(app: &TestApp) -> Diary {
    let org = small_org(app).await;
    let res = app
        .post(
            "/api/v1/products",
            &org.admin,
            json!({"code": "HS", "name": "Hồ sơ thủ tục hành chính", "measuring_unit": "hồ sơ", "standard_minutes": 30}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let product = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    Diary {
        s1: app.login_as("s1", PASSWORD).await,
        s2: app.login_as("s2", PASSWORD).await,
        h1: app.login_as("h1", PASSWORD).await,
        org,
        product,
    }
}

pub fn line(d: &Diary, date: NaiveDate, minutes: i64) -> Value {
    json!({"work_date": date, "product_id": d.product, "quantity": 2, "minutes": minutes, "note": "Thẩm định hồ sơ"})
}

pub async fn log(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.post("/api/v1/entries", token, body.clone()).await;
    let status = res.status();
    let value: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body} -> {value}");
    value
}

pub async fn act(app: &TestApp, token: &str, id: i64, action: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/entries/{id}/{action}"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test]
async fn staff_log_a_line_and_a_retry_never_duplicates_it() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let mut body = line(&d, today(), 90);
    body["client_ref"] = json!("phone-42-0001");
    let res = app.post("/api/v1/entries", &d.s1, body.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()
            .get("idempotency-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("false")
    );
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let first: Value = res.json().await.expect("json");
    assert_eq!(first["state"], "draft");
    assert_eq!(first["note"], "Thẩm định hồ sơ");
    assert_eq!(location, format!("/api/v1/entries/{}", first["id"]));

    // The phone lost the answer and retries: same entry, not a second one.
    let res = app.post("/api/v1/entries", &d.s1, body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()
            .get("idempotency-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = res.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);

    // The same with an Idempotency-Key header instead of client_ref.
    let send = || {
        app.client
            .post(format!("{}/api/v1/entries", app.address))
            .bearer_auth(&d.s1)
            .header("Idempotency-Key", "retry-key-7")
            .json(&line(&d, today(), 30))
            .send()
    };
    let a: Value = send().await.expect("request").json().await.expect("json");
    let b: Value = send().await.expect("request").json().await.expect("json");
    assert_eq!(a["id"], b["id"]);

    let list: Value = app
        .get("/api/v1/entries", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"].as_array().expect("items").len(), 2);
    // Another person's client_ref space is their own.
    let mut other = line(&d, today(), 60);
    other["client_ref"] = json!("phone-42-0001");
    let theirs = log(&app, &d.s2, other).await;
    assert_ne!(theirs["id"], first["id"]);
}

#[tokio::test]
async fn field_rules_of_an_entry() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let t = today();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"work_date": t, "product_id": d.product, "minutes": 0}),
            "minutes",
        ),
        (
            json!({"work_date": t, "product_id": d.product, "minutes": 1441}),
            "minutes",
        ),
        (
            json!({"work_date": t, "product_id": d.product, "minutes": 30, "quantity": 0}),
            "quantity",
        ),
        (
            json!({"work_date": t, "product_id": 9999, "minutes": 30}),
            "product_id",
        ),
        (
            json!({"work_date": t + Duration::days(1), "product_id": d.product, "minutes": 30}),
            "work_date",
        ),
        (
            json!({"work_date": t - Duration::days(8), "product_id": d.product, "minutes": 30}),
            "work_date",
        ),
        (json!({"work_date": t, "minutes": 30}), "product_id"),
    ];
    for (body, field) in cases {
        let res = app.post("/api/v1/entries", &d.s1, body.clone()).await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&problem), vec![field], "{body}");
    }
    // The window's edge is still allowed.
    log(
        &app,
        &d.s1,
        json!({"work_date": t - Duration::days(7), "product_id": d.product, "minutes": 30}),
    )
    .await;
    // No hours without a product: a retired product is refused too.
    let etag = etag_of(
        &app.get(&format!("/api/v1/products/{}", d.product), &d.org.admin)
            .await,
    );
    app.patch(
        &format!("/api/v1/products/{}", d.product),
        &d.org.admin,
        Some(&etag),
        json!({"active": false}),
    )
    .await;
    let res = app.post("/api/v1/entries", &d.s1, line(&d, t, 30)).await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["product_id"]
    );
}

#[tokio::test]
async fn a_day_cannot_exceed_24_hours() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let day = today() - Duration::days(1);
    log(&app, &d.s1, line(&d, day, 1000)).await;
    let last = log(&app, &d.s1, line(&d, day, 440)).await; // exactly 1440
    let res = app.post("/api/v1/entries", &d.s1, line(&d, day, 1)).await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["code"], "day_over_24h");
    // Editing a line counts the others, not itself.
    let path = format!("/api/v1/entries/{}", last["id"]);
    let etag = etag_of(&app.get(&path, &d.s1).await);
    assert_eq!(
        app.patch(&path, &d.s1, Some(&etag), json!({"minutes": 439}))
            .await
            .status(),
        StatusCode::OK
    );
    let etag = etag_of(&app.get(&path, &d.s1).await);
    let res = app
        .patch(&path, &d.s1, Some(&etag), json!({"minutes": 441}))
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn older_dates_need_the_heads_permission() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let old = today() - Duration::days(12);
    let res = app.post("/api/v1/entries", &d.s1, line(&d, old, 60)).await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let grant = json!({"work_date": old, "reason": "Đi công tác vùng sâu"});
    // Nobody grants themselves an exception.
    let res = app
        .post(
            &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
            &d.s1,
            grant.clone(),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN).await;
    // A head of another unit cannot see s1 at all.
    let res = app
        .post(
            &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
            &d.s2,
            grant.clone(),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND).await;
    let res = app
        .post(
            &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
            &d.h1,
            grant,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let permission: Value = res.json().await.expect("json");
    let pid = permission["id"].as_i64().expect("id");
    log(&app, &d.s1, line(&d, old, 60)).await;
    // The exception is in the audit trail.
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?entity=backdate_permission&id={pid}"),
            &tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    let row = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["action"] == "grant")
        .expect("audited");
    assert_eq!(row["actor_id"], d.org.h1);
    assert_eq!(row["reason"], "Đi công tác vùng sâu");
}

#[tokio::test]
async fn the_state_machine_refuses_illegal_moves_with_409() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let e = log(&app, &d.s1, line(&d, today(), 60)).await;
    let id = e["id"].as_i64().expect("id");
    let path = format!("/api/v1/entries/{id}");

    // Draft: editable with the right version only.
    assert_problem(
        app.patch(&path, &d.s1, None, json!({"minutes": 70})).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    assert_problem(
        app.patch(&path, &d.s1, Some("\"99\""), json!({"minutes": 70}))
            .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let res = app
        .patch(&path, &d.s1, Some("\"1\""), json!({"minutes": 70}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(etag_of(&res), "\"2\"");

    // Illegal from draft: withdraw, approve, revoke.
    for action in ["withdraw", "revoke"] {
        assert_problem(act(&app, &d.s1, id, action).await, StatusCode::CONFLICT).await;
    }
    assert_problem(act(&app, &d.h1, id, "approve").await, StatusCode::CONFLICT).await;

    let submitted: Value = act(&app, &d.s1, id, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(submitted["state"], "submitted");
    assert_eq!(submitted["approver_id"], d.org.h1);
    // Submitted: no edits, no deletes, no second submit.
    let etag = etag_of(&app.get(&path, &d.s1).await);
    let problem = assert_problem(
        app.patch(&path, &d.s1, Some(&etag), json!({"minutes": 80}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(problem["detail"].as_str().is_some_and(|s| !s.is_empty()));
    assert_problem(
        app.request(Method::DELETE, &path, Some(&d.s1), None).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(act(&app, &d.s1, id, "submit").await, StatusCode::CONFLICT).await;

    // Withdraw and resubmit.
    assert_eq!(
        act(&app, &d.s1, id, "withdraw")
            .await
            .json::<Value>()
            .await
            .expect("json")["state"],
        "draft"
    );
    assert_eq!(
        act(&app, &d.s1, id, "submit").await.status(),
        StatusCode::OK
    );

    // Approved: only revoke moves it; no edit, delete, withdraw, return.
    assert_eq!(
        act(&app, &d.h1, id, "approve")
            .await
            .json::<Value>()
            .await
            .expect("json")["state"],
        "approved"
    );
    assert_problem(act(&app, &d.h1, id, "approve").await, StatusCode::CONFLICT).await;
    assert_problem(act(&app, &d.s1, id, "withdraw").await, StatusCode::CONFLICT).await;
    assert_problem(
        app.request(Method::DELETE, &path, Some(&d.s1), None).await,
        StatusCode::CONFLICT,
    )
    .await;
    let revoked: Value = act(&app, &d.h1, id, "revoke")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(revoked["state"], "submitted");
    assert!(revoked["decided_by"].is_null());
}

#[tokio::test]
async fn returns_for_quality_count_as_rework_when_resubmitted() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let id = log(&app, &d.s1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/entries/{id}");
    act(&app, &d.s1, id, "submit").await;

    // A return needs a reason and its kind.
    let res = app
        .post(
            &format!("{path}/return"),
            &d.h1,
            json!({"reason_kind": "quality"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .post(
            &format!("{path}/return"),
            &d.h1,
            json!({"reason": "Sai số hồ sơ", "reason_kind": "quality"}),
        )
        .await;
    let returned: Value = res.json().await.expect("json");
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["last_return_reason"], "Sai số hồ sơ");

    // The owner edits and resubmits: one rework.
    let etag = etag_of(&app.get(&path, &d.s1).await);
    assert_eq!(
        app.patch(&path, &d.s1, Some(&etag), json!({"quantity": 3}))
            .await
            .status(),
        StatusCode::OK
    );
    let again: Value = act(&app, &d.s1, id, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["rework_count"], 1);

    // Returned for another reason: no rework.
    app.post(
        &format!("{path}/return"),
        &d.h1,
        json!({"reason": "Thiếu minh chứng", "reason_kind": "other"}),
    )
    .await;
    let third: Value = act(&app, &d.s1, id, "submit")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(third["rework_count"], 1);
}

#[tokio::test]
async fn owners_delete_drafts_and_the_sync_feed_reports_it() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let since = Utc::now() - Duration::seconds(5);
    let mut body = line(&d, today(), 60);
    body["client_ref"] = json!("offline-1");
    let id = log(&app, &d.s1, body.clone()).await["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/entries/{id}");
    // Someone else cannot delete it (and cannot even see it).
    assert_problem(
        app.request(Method::DELETE, &path, Some(&d.s2), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // The head sees it but it is not theirs.
    assert_problem(
        app.request(Method::DELETE, &path, Some(&d.h1), None).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        app.request(Method::DELETE, &path, Some(&d.s1), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&path, &d.s1).await, StatusCode::NOT_FOUND).await;
    let feed: Value = app
        .get(
            &format!(
                "/api/v1/entries/changes?since={}",
                since.to_rfc3339().replace('+', "%2B")
            ),
            &d.s1,
        )
        .await
        .json()
        .await
        .expect("json");
    let item = &feed["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["deleted"], true);
    // Its client reference is free again: logging it anew makes a new entry.
    let fresh = log(&app, &d.s1, body).await;
    assert_ne!(fresh["id"], id);
}

#[tokio::test]
async fn submit_a_whole_day() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let day = today();
    log(&app, &d.s1, line(&d, day, 120)).await;
    log(&app, &d.s1, line(&d, day, 240)).await;
    log(&app, &d.s1, line(&d, day - Duration::days(1), 60)).await;
    let res = app
        .post("/api/v1/entries/submit-day", &d.s1, json!({"date": day}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    let states: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["state"].as_str())
        .collect();
    assert_eq!(states, vec!["submitted", "submitted"]);
    let drafts: Value = app
        .get("/api/v1/entries?state=draft", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        drafts["items"].as_array().expect("items").len(),
        1,
        "the other day stays a draft"
    );
}

#[tokio::test]
async fn a_locked_period_is_read_only() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let day = today();
    let approved = log(&app, &d.s1, line(&d, day, 60)).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &d.s1, approved, "submit").await;
    act(&app, &d.h1, approved, "approve").await;
    let draft = log(&app, &d.s1, line(&d, day, 30)).await["id"]
        .as_i64()
        .expect("id");

    // Publishing the grading of W1 for this month locks it (the grading issue sets this lock).
    {
        let mut conn = app.pool.get().expect("connection");
        let month = format!("{}-{:02}", day.year(), day.month());
        worklog_kpi::db::locks::lock(
            &mut conn,
            d.org.w1,
            &month,
            None,
            worklog_kpi::db::now_utc(),
        )
        .expect("lock");
    }
    assert_problem(
        app.post("/api/v1/entries", &d.s1, line(&d, day, 10)).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        act(&app, &d.h1, approved, "revoke").await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        act(&app, &d.s1, draft, "submit").await,
        StatusCode::CONFLICT,
    )
    .await;
    let path = format!("/api/v1/entries/{draft}");
    let etag = etag_of(&app.get(&path, &d.s1).await);
    assert_problem(
        app.patch(&path, &d.s1, Some(&etag), json!({"minutes": 20}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.request(Method::DELETE, &path, Some(&d.s1), None).await,
        StatusCode::CONFLICT,
    )
    .await;
    // Another unit's diary is not locked.
    log(&app, &d.s2, line(&d, day, 10)).await;

    // After the lock, corrections are amendments by the organisation department, with a reason.
    let amend = json!({"minutes": 45, "reason": "Điều chỉnh theo kết luận kiểm tra"});
    assert_problem(
        app.post(
            &format!("/api/v1/entries/{approved}/amend"),
            &d.h1,
            amend.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let res = app
        .post(
            &format!("/api/v1/entries/{approved}/amend"),
            &tochuc,
            json!({"minutes": 45}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .post(&format!("/api/v1/entries/{approved}/amend"), &tochuc, amend)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.expect("json")["minutes"], 45);
    let audit: Value = app
        .get(
            &format!("/api/v1/audit?entity=entry&id={approved}"),
            &tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    let last = audit["items"]
        .as_array()
        .expect("items")
        .last()
        .cloned()
        .expect("row");
    assert_eq!(last["action"], "amend");
    assert_eq!(last["reason"], "Điều chỉnh theo kết luận kiểm tra");
    assert_eq!(last["detail"]["before"]["minutes"], 60);
}

#[tokio::test]
async fn nobody_reads_outside_their_scope() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let e1 = log(&app, &d.s1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    let e2 = log(&app, &d.s2, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    assert_problem(
        app.get(&format!("/api/v1/entries/{e1}"), &d.s2).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/entries/{e2}"), &d.h1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.get(&format!("/api/v1/entries/{e1}"), &d.h1)
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(&format!("/api/v1/entries?staff_id={}", d.org.s2), &d.h1)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/entries?staff_id={}", d.org.s1), &d.s2)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let list: Value = app
        .get(&format!("/api/v1/entries?staff_id={}", d.org.s1), &d.h1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    // System accounts keep no diary.
    assert_problem(
        app.post("/api/v1/entries", &d.org.admin, line(&d, today(), 10))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn every_transition_is_in_the_audit_trail() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let id = log(&app, &d.s1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &d.s1, id, "submit").await;
    app.post(
        &format!("/api/v1/entries/{id}/return"),
        &d.h1,
        json!({"reason": "Thiếu số văn bản", "reason_kind": "quality"}),
    )
    .await;
    act(&app, &d.s1, id, "submit").await;
    act(&app, &d.h1, id, "approve").await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=entry&id={id}"), &tochuc)
        .await
        .json()
        .await
        .expect("json");
    type Row = (String, Option<String>, Option<String>, Option<i64>);
    let rows: Vec<Row> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or("").to_string(),
                r["from_state"].as_str().map(str::to_string),
                r["to_state"].as_str().map(str::to_string),
                r["actor_id"].as_i64(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        rows,
        vec![
            ("create".into(), None, s("draft"), Some(d.org.s1)),
            ("submit".into(), s("draft"), s("submitted"), Some(d.org.s1)),
            (
                "return".into(),
                s("submitted"),
                s("returned"),
                Some(d.org.h1)
            ),
            (
                "submit".into(),
                s("returned"),
                s("submitted"),
                Some(d.org.s1)
            ),
            (
                "approve".into(),
                s("submitted"),
                s("approved"),
                Some(d.org.h1)
            ),
        ]
    );
    assert_eq!(audit["items"][2]["reason"], "Thiếu số văn bản");
    // Staff and heads do not read the audit trail.
    assert_problem(app.get("/api/v1/audit", &d.h1).await, StatusCode::FORBIDDEN).await;
}

/// The most recent Saturday or Sunday within the backdating window.
pub fn recent_weekend_day() -> NaiveDate {
    let mut day = today();
    while !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day -= Duration::days(1);
    }
    day
}
