//! The product catalogue: everyone reads it, the organisation department maintains it.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, fields, small_org, spawn_app, PASSWORD};

#[tokio::test]
async fn organisation_maintains_the_catalogue_and_everyone_reads_it() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let res = app
        .post(
            "/api/v1/products",
            &tochuc,
            json!({"code": "VB-QD", "name": "Dự thảo quyết định", "measuring_unit": "văn bản", "standard_minutes": 120}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let product: Value = res.json().await.expect("json");
    assert_eq!(location, format!("/api/v1/products/{}", product["id"]));

    let s1 = app.login_as("s1", PASSWORD).await;
    let list: Value = app
        .get("/api/v1/products", &s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"][0]["name"], "Dự thảo quyết định");
    assert_eq!(list["items"][0]["measuring_unit"], "văn bản");

    let res = app
        .post(
            "/api/v1/products",
            &s1,
            json!({"code": "X", "name": "X", "measuring_unit": "x", "standard_minutes": 1}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN).await;

    let path = location.clone();
    let etag = etag_of(&app.get(&path, &s1).await);
    assert_problem(
        app.patch(&path, &s1, Some(&etag), json!({"standard_minutes": 1}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let res = app
        .patch(
            &path,
            &org.admin,
            Some(&etag),
            json!({"standard_minutes": 90, "active": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let active_only: Value = app
        .get("/api/v1/products?active=true", &s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(active_only["items"].as_array().expect("items").len(), 0);
}

#[tokio::test]
async fn catalogue_rules_are_checked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .post(
            "/api/v1/products",
            &admin,
            json!({"code": "A", "name": "A", "measuring_unit": "x", "standard_minutes": 0}),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["standard_minutes"]
    );
    let ok = json!({"code": "A", "name": "A", "measuring_unit": "x", "standard_minutes": 10});
    assert_eq!(
        app.post("/api/v1/products", &admin, ok.clone())
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_problem(
        app.post("/api/v1/products", &admin, ok).await,
        StatusCode::CONFLICT,
    )
    .await;
}
