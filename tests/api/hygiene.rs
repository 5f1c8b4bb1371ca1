//! HTTP hygiene (issue #9, item 11 and 10): 405 with `Allow`, sane date and year ranges,
//! security headers, audited downloads, and `Idempotency-Key` on every create.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::diary::{diary_setup, line, today};
use crate::helpers::{assert_problem, etag_of, fields, small_org, spawn_app, TestApp, PASSWORD};

#[tokio::test]
async fn a_wrong_method_is_405_with_allow_and_an_unknown_path_404() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/units", "GET, POST"),
        (Method::PUT, "/api/v1/units/1", "GET, PATCH"),
        (Method::GET, "/api/v1/auth/login", "POST"),
        (Method::POST, "/health", "GET"),
        (Method::DELETE, "/api/v1/grading/rounds/7/publish", "POST"),
    ] {
        let res = app.request(method.clone(), path, Some(&admin), None).await;
        assert_eq!(
            res.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let body = assert_problem(res, StatusCode::METHOD_NOT_ALLOWED).await;
        assert_eq!(body["type"], "urn:worklog-kpi:problem:method-not-allowed");
    }
    assert_problem(
        app.get("/api/v1/no-such-thing", &admin).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get("/api/v1/units/1/nope", &admin).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn dates_and_years_out_of_range_are_422_naming_the_field() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = d.org.admin.clone();
    for path in [
        "/api/v1/calendar/holidays?year=-1",
        "/api/v1/calendar/holidays?year=3000",
        "/api/v1/entries?from=0001-01-01",
    ] {
        let problem = assert_problem(
            app.get(path, &admin).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let field = fields(&problem);
        assert!(
            field == vec!["year"] || field == vec!["from"],
            "{path}: {problem}"
        );
    }
    let res = app
        .post(
            "/api/v1/staff",
            &admin,
            json!({"username": "co.nhan", "password": PASSWORD, "full_name": "Cổ Nhân", "roles": ["organisation"], "joined_on": "0001-01-01"}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["joined_on"]);
    // A person who joined in 1975 is fine; a contract in 1900 is not.
    app.create_staff(
        &admin,
        json!({"username": "co.nhan", "password": PASSWORD, "full_name": "Cổ Nhân", "roles": ["organisation"], "joined_on": "1975-05-01"}),
    )
    .await;
    let path = format!("/api/v1/staff/{}", d.org.s1);
    let etag = etag_of(&app.get(&path, &admin).await);
    let res = app
        .patch(
            &path,
            &admin,
            Some(&etag),
            json!({"contract": {"weekly_hours": 40, "effective_from": "1900-01-01"}}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["contract.effective_from"]);
    let mut body = line(&d, today(), 30);
    body["work_date"] = json!("1999-12-31");
    let problem = assert_problem(
        app.post("/api/v1/entries", &d.s1, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["work_date"]);
    // A free-text field that happens to look like a date is left alone.
    let mut body = line(&d, today(), 30);
    body["note"] = json!("0001-01-01");
    assert_eq!(
        app.post("/api/v1/entries", &d.s1, body).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn every_response_carries_security_headers_and_personal_ones_are_not_cached() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let check = |res: &reqwest::Response, no_store: bool, csp_part: &str| {
        let h = res.headers();
        let get = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(get("x-content-type-options"), "nosniff", "{}", res.url());
        assert_eq!(get("referrer-policy"), "no-referrer", "{}", res.url());
        assert!(
            get("content-security-policy").contains(csp_part),
            "{}",
            res.url()
        );
        assert!(get("content-security-policy").contains("default-src 'self'"));
        if no_store {
            assert_eq!(get("cache-control"), "no-store", "{}", res.url());
        }
    };
    let login = app
        .login_full("admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    check(&login, true, "frame-ancestors 'none'");
    check(
        &app.get("/api/v1/me", &admin).await,
        true,
        "script-src 'self'",
    );
    check(
        &app.get("/api/v1/units/999", &admin).await,
        true,
        "object-src 'none'",
    );
    check(
        &app.request(Method::GET, "/health", None, None).await,
        false,
        "default-src",
    );
    let docs = app.request(Method::GET, "/docs/", None, None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    check(&docs, false, "style-src 'self' 'unsafe-inline'");
    // The web client's pages get the strict policy (no inline styles or scripts).
    let page = app.request(Method::GET, "/", None, None).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap_or("")
        .to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

#[tokio::test]
async fn downloads_of_grading_sheets_and_reports_are_audited_with_actor_and_address() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let res = app
        .get("/api/v1/reports/kpi?period=2026-10&format=csv", &tochuc)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // An open round of W2 for October, exported as a sheet.
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &tochuc,
            json!({"unit_id": org.w2, "period": "2026-10"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let rid = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let res = app
        .get(
            &format!("/api/v1/grading/rounds/{rid}/export?format=xlsx"),
            &tochuc,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A refused download leaves no row.
    let s2 = app.login_as("s2", PASSWORD).await;
    let res = app
        .get(&format!("/api/v1/grading/rounds/{rid}/export"), &s2)
        .await;
    assert_problem(res, StatusCode::NOT_FOUND).await;

    let audit: Value = app
        .get("/api/v1/audit?entity=download", &org.admin)
        .await
        .json()
        .await
        .expect("json");
    let items = audit["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{audit}");
    for item in items {
        assert_eq!(item["actor_id"], org.org_user);
        assert_eq!(item["action"], "download");
        assert_eq!(item["detail"]["client_address"], "127.0.0.1");
    }
    let paths: Vec<&str> = items
        .iter()
        .filter_map(|i| i["detail"]["path"].as_str())
        .collect();
    assert!(paths.contains(&"/api/v1/reports/kpi"), "{paths:?}");
    assert!(paths.contains(&format!("/api/v1/grading/rounds/{rid}/export").as_str()));
    assert!(items.iter().any(|i| i["detail"]["file"]
        .as_str()
        .is_some_and(|f| f.ends_with(".xlsx"))));
}

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

async fn post_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(format!("{}{}", app.address, path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request")
}

/// First create, identical retry (replayed: same status, body and Location), retry with another
/// body (422 naming Idempotency-Key); returns the id created.
async fn idempotent_create(
    app: &TestApp,
    path: &str,
    token: &str,
    body: Value,
    other: Value,
) -> i64 {
    let key = format!("key-{}", path.replace('/', "-"));
    let first = post_with_key(app, path, token, &key, &body).await;
    assert_eq!(first.status(), StatusCode::CREATED, "{path}");
    assert_ne!(
        first
            .headers()
            .get("idempotency-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let location = first
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let first_body: Value = first.json().await.expect("json");
    // The same request, its JSON keys in another order: replayed.
    let again = post_with_key(app, path, token, &key, &body).await;
    assert_eq!(again.status(), StatusCode::CREATED, "{path}");
    assert_eq!(
        again
            .headers()
            .get("idempotency-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true"),
        "{path}"
    );
    assert_eq!(
        again
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap_or("").to_string()),
        location
    );
    assert_eq!(
        again.json::<Value>().await.expect("json"),
        first_body,
        "{path}"
    );
    // Another payload under the same key: 422.
    let res = post_with_key(app, path, token, &key, &other).await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["Idempotency-Key"], "{path}");
    assert_eq!(problem["errors"][0]["code"], "key_reused");
    first_body["id"].as_i64().expect("id")
}

#[tokio::test]
async fn idempotency_keys_replay_every_create_and_refuse_a_different_body() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = d.org.admin.clone();
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let unit = idempotent_create(
        &app,
        "/api/v1/units",
        &admin,
        json!({"code": "W9", "name": "Phường Chín", "level": "ward", "parent_id": d.org.province}),
        json!({"code": "W8", "name": "Phường Tám", "level": "ward", "parent_id": d.org.province}),
    )
    .await;
    let units: Value = app
        .get("/api/v1/units?limit=500", &admin)
        .await
        .json()
        .await
        .expect("json");
    let nine = units["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|u| u["code"] == "W9")
        .count();
    assert_eq!(nine, 1, "one unit W9 only");
    idempotent_create(
        &app,
        "/api/v1/staff",
        &admin,
        json!({"unit_id": unit, "username": "nv.chin", "password": PASSWORD, "full_name": "Nguyễn Văn Chín"}),
        json!({"unit_id": unit, "username": "nv.tam", "password": PASSWORD, "full_name": "Nguyễn Văn Tám"}),
    )
    .await;
    idempotent_create(
        &app,
        "/api/v1/products",
        &admin,
        json!({"code": "CV", "name": "Công văn", "measuring_unit": "văn bản", "standard_minutes": 20}),
        json!({"code": "CV2", "name": "Công văn 2", "measuring_unit": "văn bản", "standard_minutes": 20}),
    )
    .await;
    let due = today() + chrono::Duration::days(10);
    idempotent_create(
        &app,
        "/api/v1/tasks",
        &d.h1,
        json!({"title": "Báo cáo quý", "description": "Quý IV", "owner_id": d.org.s1, "due_date": due}),
        json!({"title": "Báo cáo năm", "description": "Năm 2026", "owner_id": d.org.s1, "due_date": due}),
    )
    .await;
    let mut start = today() + chrono::Duration::days(14);
    while chrono::Datelike::weekday(&start).number_from_monday() > 5 {
        start += chrono::Duration::days(1);
    }
    idempotent_create(
        &app,
        "/api/v1/leaves",
        &d.s1,
        json!({"start_date": start, "end_date": start, "kind": "annual", "reason": "Việc gia đình"}),
        json!({"start_date": start, "end_date": start, "kind": "annual", "reason": "Việc riêng"}),
    )
    .await;
    idempotent_create(
        &app,
        "/api/v1/entries",
        &d.s1,
        line(&d, today(), 45),
        line(&d, today(), 50),
    )
    .await;
    idempotent_create(
        &app,
        "/api/v1/grading/rounds",
        &tochuc,
        json!({"unit_id": d.org.w2, "period": "2026-10"}),
        json!({"unit_id": d.org.w2, "period": "2026-09"}),
    )
    .await;
    // Keys belong to their caller: another person's identical key is a different request.
    let res = post_with_key(
        &app,
        "/api/v1/entries",
        &d.s2,
        "key--api-v1-entries",
        &line(&d, today(), 45),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["idempotency-replayed"], "false");
    // A failed create is not remembered: corrected, the same key works.
    let res = post_with_key(
        &app,
        "/api/v1/products",
        &admin,
        "fix-me",
        &json!({"code": "X", "name": "", "measuring_unit": "cái", "standard_minutes": 5}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = post_with_key(
        &app,
        "/api/v1/products",
        &admin,
        "fix-me",
        &json!({"code": "X", "name": "Cái", "measuring_unit": "cái", "standard_minutes": 5}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_client_ref_reused_with_different_content_is_422() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let mut body = line(&d, today(), 45);
    body["client_ref"] = json!("offline-0001");
    let first = app.post("/api/v1/entries", &d.s1, body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = app.post("/api/v1/entries", &d.s1, body.clone()).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    body["minutes"] = json!(90);
    let problem = assert_problem(
        app.post("/api/v1/entries", &d.s1, body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["client_ref"]);
    assert_eq!(problem["errors"][0]["code"], "key_reused");
}
