//! Login, refresh rotation, reuse detection, logout, expired and forged tokens.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use worklog_kpi::auth::jwt::JwtKeys;
use worklog_kpi::config::DEVELOPMENT_JWT_SECRET;

use crate::helpers::{assert_problem, etag_of, small_org, spawn_app, ADMIN_PASSWORD, PASSWORD};

#[tokio::test]
async fn login_gives_a_bearer_token_that_opens_me() {
    let app = spawn_app().await;
    let res = app.login_full("admin", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 40));
    let token = body["access_token"].as_str().expect("token");
    let me: Value = app
        .get("/api/v1/me", token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["staff"]["username"], "admin");
    assert_eq!(me["staff"]["roles"], json!(["admin"]));
}

#[tokio::test]
async fn wrong_password_unknown_user_and_missing_token_are_401() {
    let app = spawn_app().await;
    let wrong = assert_problem(
        app.login_full("admin", "not-the-password").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unknown = assert_problem(
        app.login_full("ghost", "not-the-password").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // The same answer for both: usernames are not revealed.
    assert_eq!(wrong["detail"], unknown["detail"]);
    let res = app.request(Method::GET, "/api/v1/me", None, None).await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
    let res = app.get("/api/v1/me", "not-a-jwt").await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn expired_and_forged_tokens_are_401() {
    let app = spawn_app().await;
    let expired = JwtKeys::new(DEVELOPMENT_JWT_SECRET, -600)
        .issue(1, vec!["admin".into()], 0)
        .expect("token");
    let body = assert_problem(
        app.get("/api/v1/me", &expired).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap_or("").contains("hết hạn"),
        "{body}"
    );
    let forged = JwtKeys::new("someone-else-s-secret-0123456789abcdef", 600)
        .issue(1, vec!["admin".into()], 0)
        .expect("token");
    assert_problem(
        app.get("/api/v1/me", &forged).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn refresh(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": token})),
    )
    .await
}

#[tokio::test]
async fn refresh_rotates_and_reuse_of_a_spent_token_revokes_the_login() {
    let app = spawn_app().await;
    let first: Value = app
        .login_full("admin", ADMIN_PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    let r1 = first["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();

    let res = refresh(&app, &r1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let second: Value = res.json().await.expect("json");
    let r2 = second["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    assert_ne!(r1, r2, "refresh tokens rotate");
    assert_eq!(
        app.get(
            "/api/v1/me",
            second["access_token"].as_str().expect("token")
        )
        .await
        .status(),
        StatusCode::OK
    );

    // Someone replays the first (spent) token: refused, and the whole login is revoked...
    assert_problem(refresh(&app, &r1).await, StatusCode::UNAUTHORIZED).await;
    // ...so the legitimate newer token no longer works either.
    assert_problem(refresh(&app, &r2).await, StatusCode::UNAUTHORIZED).await;

    // Another login is unaffected by that family's revocation.
    let other: Value = app
        .login_full("admin", ADMIN_PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        refresh(&app, other["refresh_token"].as_str().expect("r"))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let body: Value = app
        .login_full("admin", ADMIN_PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    let r = body["refresh_token"].as_str().expect("refresh");
    let res = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(json!({"refresh_token": r})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(refresh(&app, r).await, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_deactivated_person_is_locked_out_at_once() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let login: Value = app
        .login_full("s1", PASSWORD)
        .await
        .json()
        .await
        .expect("json");
    let token = login["access_token"].as_str().expect("token");
    assert_eq!(app.get("/api/v1/me", token).await.status(), StatusCode::OK);

    let res = app
        .get(&format!("/api/v1/staff/{}", org.s1), &org.admin)
        .await;
    let etag = etag_of(&res);
    let res = app
        .patch(
            &format!("/api/v1/staff/{}", org.s1),
            &org.admin,
            Some(&etag),
            json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // The still-unexpired access token, the refresh token and the password all stop working.
    assert_problem(app.get("/api/v1/me", token).await, StatusCode::UNAUTHORIZED).await;
    assert_problem(
        refresh(&app, login["refresh_token"].as_str().expect("r")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.login_full("s1", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled_with_429() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_problem(
            app.login_full("admin", "guess-123456").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let res = app.login_full("admin", ADMIN_PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    // Other accounts are not affected.
    assert_problem(
        app.login_full("someone-else", "guess-123456").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}
