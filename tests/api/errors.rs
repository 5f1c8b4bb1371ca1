//! Bad input gets a clear problem document in the caller's language, never a 500.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, fields, spawn_app};

#[tokio::test]
async fn validation_errors_list_every_field_in_vietnamese_or_english() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({"username": "Bad Name", "full_name": "", "password": "short", "weekly_hours": 60, "unit_id": 1});
    let vi = assert_problem(
        app.post("/api/v1/staff", &admin, body.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        fields(&vi),
        vec!["full_name", "password", "username", "weekly_hours"]
    );
    assert_eq!(vi["title"], "Dữ liệu không hợp lệ");
    let en = app
        .client
        .post(format!("{}/api/v1/staff", app.address))
        .bearer_auth(&admin)
        .header("Accept-Language", "en-US,en;q=0.9")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(
        en.headers()
            .get("content-language")
            .and_then(|v| v.to_str().ok()),
        Some("en")
    );
    let en = assert_problem(en, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(en["title"], "Validation failed");
    let hours = en["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["field"] == "weekly_hours")
        .expect("weekly_hours");
    assert_eq!(
        hours["message"],
        "Weekly hours must be more than 0 and at most 48."
    );
}

#[tokio::test]
async fn malformed_json_is_400_and_wrong_types_are_422_with_the_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .client
        .post(format!("{}/api/v1/units", app.address))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"code\": \"X\", ")
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::BAD_REQUEST).await;
    let res = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"code": "X", "name": "Y", "level": "ward", "parent_id": "one"}),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["parent_id"]
    );
    let res = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"code": "X", "level": "ward"}),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["name"]
    );
    let res = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"code": "X", "name": "Y", "level": "ward", "colour": "red"}),
        )
        .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .client
        .post(format!("{}/api/v1/units", app.address))
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("code=X")
        .send()
        .await
        .expect("request");
    assert_problem(res, StatusCode::BAD_REQUEST).await;
    // NUL characters cannot be stored in PostgreSQL text: refused up front, not a 500.
    let res = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"code": "NUL", "name": "a\u{0}b", "level": "ward"}),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["body"]
    );
    // A path id that is not a number names nothing.
    assert_problem(
        app.get("/api/v1/units/abc", &admin).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A query of the wrong type is a malformed query.
    assert_problem(
        app.get("/api/v1/units?parent_id=abc", &admin).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn library_messages_read_in_the_requested_language_and_name_the_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let d = crate::diary::diary_setup(&app).await;
    let send = |path: &str, body: serde_json::Value, lang: &'static str| {
        app.client
            .post(format!("{}{path}", app.address))
            .bearer_auth(&d.s1)
            .header("Accept-Language", lang)
            .json(&body)
            .send()
    };
    // Wrong type: 422 naming the field, Vietnamese text without the library's English.
    let body = json!({"work_date": "2026-11-02", "product_id": d.product, "minutes": "60"});
    let p = assert_problem(
        send("/api/v1/entries", body.clone(), "vi")
            .await
            .expect("request"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["minutes"]);
    let msg = p["errors"][0]["message"].as_str().expect("message");
    assert_eq!(msg, "Sai kiểu dữ liệu: nhận chuỗi \"60\", cần số nguyên.");
    let p = assert_problem(
        send("/api/v1/entries", body, "en").await.expect("request"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        p["errors"][0]["message"],
        "Wrong type: got string \"60\", expected i32."
    );
    // Unknown field and an impossible date.
    let p = assert_problem(
        send(
            "/api/v1/entries",
            json!({"work_date": "2026-11-02", "product_id": d.product, "minutes": 60, "bogus": 1}),
            "vi",
        )
        .await
        .expect("request"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let msg = p["errors"][0]["message"].as_str().expect("message");
    assert!(
        msg.starts_with("Trường `bogus` không được hỗ trợ."),
        "{msg}"
    );
    let p = assert_problem(
        send(
            "/api/v1/entries",
            json!({"work_date": "2026-02-31", "product_id": d.product, "minutes": 60}),
            "vi",
        )
        .await
        .expect("request"),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["work_date"]);
    assert_eq!(
        p["errors"][0]["message"],
        "Ngày hoặc giờ nằm ngoài phạm vi cho phép (ví dụ ngày 31/02)."
    );
    // A query parameter of the wrong type: named, in Vietnamese, no "Query deserialize error".
    let p = assert_problem(
        app.get("/api/v1/entries?limit=abc", &admin).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let detail = p["detail"].as_str().expect("detail");
    assert_eq!(
        detail,
        "Tham số truy vấn `limit` không hợp lệ: Cần một số nguyên."
    );
    assert!(!detail.contains("deserialize"), "{detail}");
}
