//! The organisation's calendar and leave: everybody reads the public holidays, the organisation
//! department keeps them; a member of staff asks for leave and their head decides on it.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, small_org, spawn_app, TestApp, PASSWORD};

/// "Today" in the organisation's time zone (UTC+07:00, the default setting).
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// The holidays the API lists for every year touched by `from..=to`.
pub async fn holidays_between(
    app: &TestApp,
    token: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeSet<NaiveDate> {
    let mut out = BTreeSet::new();
    for year in from.year()..=to.year() {
        let res = app
            .get(&format!("/api/v1/calendar/holidays?year={year}"), token)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.expect("json");
        for h in body["items"].as_array().expect("items") {
            out.insert(h["date"].as_str().expect("date").parse().expect("a date"));
        }
    }
    out.retain(|d| (from..=to).contains(d));
    out
}

async fn audit_actions(app: &TestApp, token: &str, entity: &str, id: i64) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/audit?entity={entity}&id={id}"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    body["items"].as_array().expect("items").clone()
}

async fn delete(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.request(Method::DELETE, path, Some(token), None).await
}

#[tokio::test]
async fn everyone_sees_the_statutory_holidays_of_2026_in_date_order() {
    let app = spawn_app().await;
    small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;

    let res = app.get("/api/v1/calendar/holidays?year=2026", &s1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    let items = body["items"].as_array().expect("items");
    let dates: Vec<&str> = items.iter().map(|h| h["date"].as_str().unwrap()).collect();
    assert!(dates.contains(&"2026-02-17"), "Tết: {dates:?}");
    assert!(
        dates.contains(&"2026-04-27"),
        "substitute Hùng Kings day: {dates:?}"
    );
    assert!(dates.iter().all(|d| d.starts_with("2026-")));
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "date order");
    let tet = items.iter().find(|h| h["date"] == "2026-02-17").unwrap();
    assert_eq!(tet["name_vi"], "Tết Nguyên đán");
    assert_eq!(tet["name_en"], "Lunar New Year (Tết)");
    assert!(tet["id"].is_i64());
    assert!(body["next_cursor"].is_null());

    // Without a year: the current year of the organisation's time zone.
    let res = app.get("/api/v1/calendar/holidays", &s1).await;
    let body: Value = res.json().await.expect("json");
    let year = today().year().to_string();
    assert!(body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["date"].as_str().unwrap().starts_with(&year)));

    let problem = assert_problem(
        app.get("/api/v1/calendar/holidays?year=1999", &s1).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), ["year"]);
    assert_problem(
        app.get("/api/v1/calendar/holidays?year=abc", &s1).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn the_organisation_department_adds_and_removes_a_holiday() {
    let app = spawn_app().await;
    small_org(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let extra = json!({"date": "2026-09-03", "name_vi": "Nghỉ lễ Quốc khánh (bổ sung)", "name_en": "National Day (extra day)"});

    // Staff may read the calendar but not change it.
    assert_problem(
        app.post("/api/v1/calendar/holidays", &s1, extra.clone())
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let res = app
        .post("/api/v1/calendar/holidays", &tochuc, extra.clone())
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let created: Value = res.json().await.expect("json");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(location, format!("/api/v1/calendar/holidays/{id}"));
    assert_eq!(created["date"], "2026-09-03");
    assert_eq!(created["name_vi"], "Nghỉ lễ Quốc khánh (bổ sung)");

    let listed = holidays_between(
        &app,
        &s1,
        NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
    )
    .await;
    assert_eq!(listed.len(), 3, "1/9, 2/9 and the new 3/9: {listed:?}");

    // The same date twice is a conflict, even with other names.
    let mut again = extra.clone();
    again["name_en"] = json!("Another name");
    assert_problem(
        app.post("/api/v1/calendar/holidays", &tochuc, again).await,
        StatusCode::CONFLICT,
    )
    .await;
    // A seeded day too.
    assert_problem(
        app.post(
            "/api/v1/calendar/holidays",
            &tochuc,
            json!({"date": "2026-02-17", "name_vi": "Tết", "name_en": "Tet"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let problem = assert_problem(
        app.post(
            "/api/v1/calendar/holidays",
            &tochuc,
            json!({"date": "2026-02-30", "name_vi": "Sai", "name_en": "Wrong"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), ["date"]);
    let problem = assert_problem(
        app.post(
            "/api/v1/calendar/holidays",
            &tochuc,
            json!({"date": "2026-09-04", "name_vi": "  ", "name_en": "Blank"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), ["name_vi"]);

    let path = format!("/api/v1/calendar/holidays/{id}");
    assert_problem(delete(&app, &path, &s1).await, StatusCode::FORBIDDEN).await;
    let res = delete(&app, &path, &tochuc).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(delete(&app, &path, &tochuc).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        delete(&app, "/api/v1/calendar/holidays/999999", &tochuc).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let listed = holidays_between(
        &app,
        &s1,
        NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
    )
    .await;
    assert_eq!(listed.len(), 2);

    // Both changes are in the audit trail, by the organisation department.
    let actions = audit_actions(&app, &tochuc, "holiday", id).await;
    let names: Vec<&str> = actions
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["create", "delete"]);
    assert!(actions.iter().all(|a| a["actor_id"].is_i64()));
}

/// Next Monday (in the organisation's time zone): leave is usually asked for in advance.
fn next_monday() -> NaiveDate {
    let t = today();
    t + Duration::days(7 - i64::from(t.weekday().num_days_from_monday()))
}

#[tokio::test]
async fn staff_ask_for_leave_and_their_head_decides() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let s2 = app.login_as("s2", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let monday = next_monday();

    // s1 asks for two days of annual leave.
    let res = app
        .post(
            "/api/v1/leaves",
            &s1,
            json!({"start_date": monday, "end_date": monday + Duration::days(1), "kind": "annual", "reason": "Việc gia đình"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let leave: Value = res.json().await.expect("json");
    let id = leave["id"].as_i64().expect("id");
    assert_eq!(location, format!("/api/v1/leaves/{id}"));
    assert_eq!(leave["state"], "requested");
    assert_eq!(leave["staff_id"], org.s1);
    assert_eq!(leave["kind"], "annual");
    assert_eq!(leave["portion"], "full");
    assert!(leave["decided_by"].is_null());

    // Nobody approves their own leave.
    let approve = format!("/api/v1/leaves/{id}/approve");
    assert_problem(
        app.post(&approve, &s1, json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Someone of another ward cannot even see it.
    assert_problem(
        app.get(&format!("/api/v1/leaves/{id}"), &s2).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/leaves?staff_id={}", org.s1), &s2)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.request(Method::POST, &approve, Some(&s2), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The head reads s1's leave and approves it (no body needed).
    let res = app
        .get(&format!("/api/v1/leaves?staff_id={}", org.s1), &h1)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.expect("json");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let res = app.request(Method::POST, &approve, Some(&h1), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let approved: Value = res.json().await.expect("json");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["decided_by"], org.h1);
    assert!(approved["decided_at"].is_string());

    // Deciding twice is a state conflict.
    assert_problem(
        app.post(&approve, &h1, json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/leaves/{id}/reject"),
            &h1,
            json!({"reason": "Muộn"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // s1 sees their own leave by default.
    let res = app.get("/api/v1/leaves", &s1).await;
    let page: Value = res.json().await.expect("json");
    assert_eq!(page["items"][0]["state"], "approved");

    // The audit trail records the transition.
    let actions = audit_actions(&app, &tochuc, "leave", id).await;
    let approval = actions
        .iter()
        .find(|a| a["action"] == "approve")
        .expect("approve row");
    assert_eq!(approval["from_state"], "requested");
    assert_eq!(approval["to_state"], "approved");
    assert_eq!(approval["actor_id"], org.h1);

    // A second request overlapping the approved days is refused.
    assert_problem(
        app.post(
            "/api/v1/leaves",
            &s1,
            json!({"start_date": monday + Duration::days(1), "end_date": monday + Duration::days(2), "kind": "sick"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Half a day, then a rejection with a reason.
    let res = app
        .post(
            "/api/v1/leaves",
            &s1,
            json!({"start_date": monday + Duration::days(3), "end_date": monday + Duration::days(3), "kind": "sick", "portion": "half"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let half: Value = res.json().await.expect("json");
    let half_id = half["id"].as_i64().unwrap();
    let res = app
        .post(
            &format!("/api/v1/leaves/{half_id}/reject"),
            &h1,
            json!({"reason": "Trùng lịch tiếp dân"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rejected: Value = res.json().await.expect("json");
    assert_eq!(rejected["state"], "rejected");
    let actions = audit_actions(&app, &tochuc, "leave", half_id).await;
    let rejection = actions.iter().find(|a| a["action"] == "reject").unwrap();
    assert_eq!(rejection["reason"], "Trùng lịch tiếp dân");
    assert_eq!(rejection["to_state"], "rejected");
}

#[tokio::test]
async fn impossible_leave_requests_are_refused_with_the_field_to_fix() {
    let app = spawn_app().await;
    small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let monday = next_monday();

    // (name, body, field)
    let cases = [
        (
            "half day over two dates",
            json!({"start_date": monday, "end_date": monday + Duration::days(1), "kind": "annual", "portion": "half"}),
            "portion",
        ),
        (
            "ends before it starts",
            json!({"start_date": monday, "end_date": monday - Duration::days(1), "kind": "annual"}),
            "end_date",
        ),
        (
            "longer than 366 days",
            json!({"start_date": monday, "end_date": monday + Duration::days(366), "kind": "maternity"}),
            "end_date",
        ),
        (
            "unknown kind",
            json!({"start_date": monday, "end_date": monday, "kind": "holiday"}),
            "kind",
        ),
    ];
    for (name, body, field) in cases {
        let problem = assert_problem(
            app.post("/api/v1/leaves", &s1, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&problem), [field], "{name}");
    }

    // 366 days is the longest single request.
    let res = app
        .post(
            "/api/v1/leaves",
            &s1,
            json!({"start_date": monday, "end_date": monday + Duration::days(365), "kind": "maternity"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // An account without a unit (the organisation department) has nobody to ask.
    assert_problem(
        app.post(
            "/api/v1/leaves",
            &tochuc,
            json!({"start_date": monday, "end_date": monday, "kind": "annual"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn the_owner_cancels_leave_before_it_starts_and_nobody_else_can() {
    let app = spawn_app().await;
    let _org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let s2 = app.login_as("s2", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let monday = next_monday();
    let ask = |start: NaiveDate| json!({"start_date": start, "end_date": start, "kind": "annual"});
    let future: Value = app
        .post("/api/v1/leaves", &s1, ask(monday))
        .await
        .json()
        .await
        .expect("json");
    let past: Value = app
        .post("/api/v1/leaves", &s1, ask(today() - Duration::days(3)))
        .await
        .json()
        .await
        .expect("json");
    for l in [&future, &past] {
        let res = app
            .post(
                &format!("/api/v1/leaves/{}/approve", l["id"]),
                &h1,
                json!({}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let cancel = |l: &Value| format!("/api/v1/leaves/{}/cancel", l["id"]);
    // The head sees it but it is not theirs; another unit does not see it at all.
    assert_problem(
        app.post(&cancel(&future), &h1, json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(&cancel(&future), &s2, json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Approved leave that already started is history.
    assert_problem(
        app.post(&cancel(&past), &s1, json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let res = app.post(&cancel(&future), &s1, json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.expect("json")["state"],
        "cancelled"
    );
    assert_problem(
        app.post(&cancel(&future), &s1, json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
}
