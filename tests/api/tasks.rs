//! Assigned tasks: "whoever assigns evaluates". A head or the organisation department gives a
//! person a task; the person logs work against it; the assigner approves those lines; the owner
//! reports it done and late completion counts as delays.

use chrono::{Duration, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, line, log, today, Diary};
use crate::helpers::{assert_problem, etag_of, fields, TestApp, PASSWORD};

async fn assign(app: &TestApp, token: &str, owner: i64, due: NaiveDate) -> reqwest::Response {
    app.post(
        "/api/v1/tasks",
        token,
        json!({"title": "Dự thảo quyết định cấp phép", "description": "Hồ sơ số 45", "owner_id": owner, "due_date": due}),
    )
    .await
}

async fn assigned(app: &TestApp, token: &str, owner: i64, due: NaiveDate) -> Value {
    let res = assign(app, token, owner, due).await;
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let has_etag = res.headers().contains_key("etag");
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(location, Some(format!("/api/v1/tasks/{}", body["id"])));
    assert!(has_etag);
    body
}

async fn complete(
    app: &TestApp,
    token: &str,
    id: &Value,
    body: Option<Value>,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/tasks/{id}/complete"),
        Some(token),
        body,
    )
    .await
}

/// Logs a line on `task` and submits it; returns the submitted entry.
async fn log_on_task(app: &TestApp, d: &Diary, token: &str, task: &Value) -> Value {
    let mut body = line(d, today(), 60);
    body["task_id"] = task["id"].clone();
    let entry = log(app, token, body).await;
    assert_eq!(entry["task_id"], task["id"]);
    let res = act(app, token, entry["id"].as_i64().expect("id"), "submit").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

async fn staff_in_w1(app: &TestApp, d: &Diary, username: &str, supervisor: i64) -> (i64, String) {
    let id = app
        .create_staff(
            &d.org.admin,
            json!({"unit_id": d.org.w1, "username": username, "password": PASSWORD, "full_name": "Phạm Thị Cúc", "supervisor_id": supervisor}),
        )
        .await;
    (id, app.login_as(username, PASSWORD).await)
}

#[tokio::test]
async fn tasks_whoever_assigns_approves_the_lines_of_the_task() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let due = today() + Duration::days(7);

    // The head assigns a task to s1; the line s1 logs on it goes to the head.
    let task = assigned(&app, &d.h1, d.org.s1, due).await;
    assert_eq!(task["assigner_id"], d.org.h1);
    assert_eq!(task["owner_id"], d.org.s1);
    assert_eq!(task["unit_id"], d.org.w1);
    assert_eq!(task["state"], "open");
    assert_eq!(task["kind"], "planned");
    assert_eq!(task["delays"], 0);
    let entry = log_on_task(&app, &d, &d.s1, &task).await;
    assert_eq!(entry["approver_id"], d.org.h1);

    // A task from the organisation department: its lines go to that department, not to s1's
    // supervisor.
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let org_task = assigned(&app, &tochuc, d.org.s1, due).await;
    assert_eq!(org_task["assigner_id"], d.org.org_user);
    let entry = log_on_task(&app, &d, &d.s1, &org_task).await;
    assert_eq!(entry["approver_id"], d.org.org_user);
    let id = entry["id"].as_i64().expect("id");
    assert_problem(act(&app, &d.h1, id, "approve").await, StatusCode::FORBIDDEN).await;
    let res = act(&app, &tochuc, id, "approve").await;
    assert_eq!(res.status(), StatusCode::OK);
    let approved: Value = res.json().await.expect("json");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["decided_by"], d.org.org_user);

    // A self-planned task: the owner is not their own approver, the supervisor is.
    let own = assigned(&app, &d.s1, d.org.s1, due).await;
    assert_eq!(own["assigner_id"], d.org.s1);
    let entry = log_on_task(&app, &d, &d.s1, &own).await;
    assert_eq!(entry["approver_id"], d.org.h1);

    // s1 cannot log work on s2's task.
    let theirs = assigned(&app, &tochuc, d.org.s2, due).await;
    let mut body = line(&d, today(), 30);
    body["task_id"] = theirs["id"].clone();
    let problem = assert_problem(
        app.post("/api/v1/entries", &d.s1, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["task_id"]);

    // The trail records the creation.
    let res = app
        .get(
            &format!("/api/v1/audit?entity=task&id={}", task["id"]),
            &tochuc,
        )
        .await;
    let trail: Value = res.json().await.expect("json");
    let rows = trail["items"].as_array().expect("items");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["action"], "create");
    assert_eq!(rows[0]["to_state"], "open");
    assert_eq!(rows[0]["actor_id"], d.org.h1);
}

#[tokio::test]
async fn tasks_who_may_assign_to_whom() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let due = today() + Duration::days(3);
    // s3 reports to s1; s4 is a colleague of s1 in W1 reporting to the head.
    let (s3, _) = staff_in_w1(&app, &d, "s3", d.org.s1).await;
    let (s4, _) = staff_in_w1(&app, &d, "s4", d.org.h1).await;

    // Another ward's staff cannot even see s1: 404.
    assert_problem(
        assign(&app, &d.s2, d.org.s1, due).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A colleague who is not a subordinate: 403.
    assert_problem(assign(&app, &d.s1, s4, due).await, StatusCode::FORBIDDEN).await;
    // A direct subordinate, and a head's own unit: allowed.
    let t = assigned(&app, &d.s1, s3, due).await;
    assert_eq!(t["assigner_id"], d.org.s1);
    assigned(&app, &d.h1, s4, due).await;
    // A head outside their subtree: 404.
    assert_problem(
        assign(&app, &d.h1, d.org.s2, due).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // An unknown person: 404.
    assert_problem(
        assign(&app, &d.h1, 999_999, due).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The organisation department assigns to anyone in a unit, but not to a unit-less account.
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    assigned(&app, &tochuc, d.org.s2, due).await;
    let problem = assert_problem(
        assign(&app, &tochuc, d.org.org_user, due).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["owner_id"]);

    // Field rules: title length, a due date more than 366 days ago, unknown kind.
    let old = today() - Duration::days(367);
    let problem = assert_problem(
        assign(&app, &d.h1, d.org.s1, old).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["due_date"]);
    assigned(&app, &d.h1, d.org.s1, today() - Duration::days(366)).await;
    let problem = assert_problem(
        app.post(
            "/api/v1/tasks",
            &d.h1,
            json!({"title": "", "owner_id": d.org.s1, "due_date": due}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["title"]);
    let problem = assert_problem(
        app.post(
            "/api/v1/tasks",
            &d.h1,
            json!({"title": "Họp giao ban", "owner_id": d.org.s1, "due_date": due, "kind": "urgent"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["kind"]);
    let res = app
        .post(
            "/api/v1/tasks",
            &d.h1,
            json!({"title": "Họp giao ban", "owner_id": d.org.s1, "due_date": due, "kind": "ad_hoc"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Value>().await.expect("json")["kind"], "ad_hoc");
}

#[tokio::test]
async fn tasks_owner_completes_and_late_completion_counts_delays() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;

    // On time: completed today (empty body), no delay; the assigner cannot complete it.
    let task = assigned(&app, &d.h1, d.org.s1, today() + Duration::days(2)).await;
    assert_problem(
        complete(&app, &d.h1, &task["id"], None).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        complete(&app, &d.s2, &task["id"], None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = complete(&app, &d.s1, &task["id"], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(etag_of(&res), "\"2\"");
    let done: Value = res.json().await.expect("json");
    assert_eq!(done["state"], "completed");
    assert_eq!(done["completed_on"], json!(today()));
    assert_eq!(done["delays"], 0);
    // Twice: 409.
    assert_problem(
        complete(&app, &d.s1, &task["id"], None).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Due 20 days ago, done 10 days after the due date: 1 + (10 - 1) / 7 = 2 delays.
    let due = today() - Duration::days(20);
    let late = assigned(&app, &d.h1, d.org.s1, due).await;
    assert_eq!(late["delays"], 3, "open and 20 days late as of today");
    let tomorrow = today() + Duration::days(1);
    let problem = assert_problem(
        complete(
            &app,
            &d.s1,
            &late["id"],
            Some(json!({"completed_on": tomorrow})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["completed_on"]);
    let res = complete(
        &app,
        &d.s1,
        &late["id"],
        Some(json!({"completed_on": due + Duration::days(10)})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.expect("json");
    assert_eq!(done["delays"], 2);
    assert_eq!(done["completed_on"], json!(due + Duration::days(10)));

    // A completed task can no longer be edited by its assigner.
    let res = app
        .get(&format!("/api/v1/tasks/{}", late["id"]), &d.h1)
        .await;
    let etag = etag_of(&res);
    assert_problem(
        app.patch(
            &format!("/api/v1/tasks/{}", late["id"]),
            &d.h1,
            Some(&etag),
            json!({"title": "Đổi tên"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // The trail records the transition with its states.
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let trail: Value = app
        .get(
            &format!("/api/v1/audit?entity=task&id={}", late["id"]),
            &tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    let rows = trail["items"].as_array().expect("items");
    let last = rows.last().expect("a row");
    assert_eq!(last["action"], "complete");
    assert_eq!(last["from_state"], "open");
    assert_eq!(last["to_state"], "completed");
    assert_eq!(last["actor_id"], d.org.s1);
    // The KPI read task lines from the maintained month rows: they match the entries.
    app.assert_no_totals_drift().await;
}

#[tokio::test]
async fn tasks_assigner_edits_and_cancels_with_if_match() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let task = assigned(&app, &d.h1, d.org.s1, today() + Duration::days(5)).await;
    let path = format!("/api/v1/tasks/{}", task["id"]);

    // Read: owner, assigner; another ward: 404.
    let res = app.get(&path, &d.s1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = etag_of(&res);
    assert_eq!(etag, "\"1\"");
    assert_problem(app.get(&path, &d.s2).await, StatusCode::NOT_FOUND).await;

    // No If-Match: 428; the owner may not edit: 403; another ward: 404.
    assert_problem(
        app.patch(&path, &d.h1, None, json!({"title": "Mới"})).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    assert_problem(
        app.patch(&path, &d.s1, Some(&etag), json!({"title": "Mới"}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.patch(&path, &d.s2, Some(&etag), json!({"title": "Mới"}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Only `cancelled` may be set.
    let problem = assert_problem(
        app.patch(&path, &d.h1, Some(&etag), json!({"state": "completed"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["state"]);

    // The assigner edits with the version read.
    let new_due = today() + Duration::days(9);
    let res = app
        .patch(
            &path,
            &d.h1,
            Some(&etag),
            json!({"title": "Dự thảo quyết định (bổ sung)", "due_date": new_due}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag2 = etag_of(&res);
    let edited: Value = res.json().await.expect("json");
    assert_eq!(edited["title"], "Dự thảo quyết định (bổ sung)");
    assert_eq!(edited["due_date"], json!(new_due));
    assert_eq!(edited["version"], 2);
    // A stale version: 412.
    assert_problem(
        app.patch(&path, &d.h1, Some(&etag), json!({"state": "cancelled"}))
            .await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    // Cancel.
    let res = app
        .patch(&path, &d.h1, Some(&etag2), json!({"state": "cancelled"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag3 = etag_of(&res);
    let cancelled: Value = res.json().await.expect("json");
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["delays"], 0);
    // A cancelled task is closed: no edit, no completion, no new lines.
    assert_problem(
        app.patch(&path, &d.h1, Some(&etag3), json!({"title": "Lại"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        complete(&app, &d.s1, &task["id"], None).await,
        StatusCode::CONFLICT,
    )
    .await;
    let mut body = line(&d, today(), 30);
    body["task_id"] = task["id"].clone();
    let problem = assert_problem(
        app.post("/api/v1/entries", &d.s1, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["task_id"]);

    // Lists: mine by default (owner or assigner); a person's tasks for heads in scope only.
    let other = assigned(&app, &d.s1, d.org.s1, today()).await;
    let mine: Value = app
        .get("/api/v1/tasks", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<&Value> = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(ids, vec![&task["id"]]);
    let res = app
        .get(
            &format!("/api/v1/tasks?owner_id={}&state=open", d.org.s1),
            &d.h1,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let open: Value = res.json().await.expect("json");
    assert_eq!(open["items"].as_array().expect("items").len(), 1);
    assert_eq!(open["items"][0]["id"], other["id"]);
    let page: Value = app
        .get("/api/v1/tasks?limit=1", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    let cursor = page["next_cursor"].as_str().expect("cursor").to_string();
    let next: Value = app
        .get(&format!("/api/v1/tasks?limit=1&cursor={cursor}"), &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(next["items"][0]["id"], other["id"]);
    assert!(next["next_cursor"].is_null());
    assert_problem(
        app.get(&format!("/api/v1/tasks?owner_id={}", d.org.s1), &d.s2)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The trail of the cancellation.
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let trail: Value = app
        .get(
            &format!("/api/v1/audit?entity=task&id={}", task["id"]),
            &tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    let actions: Vec<(&str, &Value, &Value)> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or(""),
                &r["from_state"],
                &r["to_state"],
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("create", &Value::Null, &json!("open")),
            ("update", &Value::Null, &Value::Null),
            ("cancel", &json!("open"), &json!("cancelled")),
        ]
    );
}
