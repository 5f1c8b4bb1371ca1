//! Abuse: password guessing that must not lock the owner out, client addresses behind a proxy,
//! the general rate limit, a flood of logins, and the audit of logins.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, small_org, spawn_app, spawn_app_with, TestApp, ADMIN_PASSWORD, PASSWORD,
};

/// A login as if sent by `client` through a reverse proxy on 127.0.0.1.
async fn login_from(
    app: &TestApp,
    client: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("X-Forwarded-For", client)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("request")
}

async fn behind_proxy() -> TestApp {
    spawn_app_with(|s| {
        s.server.trusted_proxies = vec![worklog_kpi::net::parse_network("127.0.0.1").expect("net")];
    })
    .await
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds")
}

#[tokio::test]
async fn a_stranger_guessing_cannot_lock_the_owner_out() {
    let app = behind_proxy().await;
    let attacker = "198.51.100.7";
    for _ in 0..5 {
        assert_problem(
            login_from(&app, attacker, "admin", "guess-123456").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    // The attacker is stopped, even with the right password...
    let res = login_from(&app, attacker, "admin", ADMIN_PASSWORD).await;
    assert!(retry_after(&res) >= 1);
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    // ...but the owner, from their own device, logs in at once.
    let res = login_from(&app, "203.0.113.20", "admin", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    // A fresh client with a wrong password is told it is wrong (401), not locked out (429).
    assert_problem(
        login_from(&app, "203.0.113.21", "admin", "guess-again-1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // And once the account has had many failures, a client that failed on it waits.
    let res = login_from(&app, "203.0.113.21", "admin", "guess-again-2").await;
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS).await;
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    // No trusted proxies (the default): the header cannot choose a fresh address.
    let app = spawn_app().await;
    for i in 0..5 {
        assert_problem(
            login_from(&app, &format!("198.51.100.{i}"), "admin", "guess-123456").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    assert_problem(
        login_from(&app, "203.0.113.99", "admin", "guess-123456").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
}

#[tokio::test]
async fn one_address_trying_many_usernames_is_stopped() {
    let app = spawn_app_with(|s| {
        s.server.trusted_proxies = vec![worklog_kpi::net::parse_network("127.0.0.1").expect("net")];
        s.auth.login.failures_per_address = 3;
    })
    .await;
    for name in ["an", "binh", "chi"] {
        assert_problem(
            login_from(&app, "198.51.100.50", name, "guess-123456").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let res = login_from(&app, "198.51.100.50", "dung", "guess-123456").await;
    assert!(retry_after(&res) > 60, "the address waits for the window");
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    // Another address is not affected.
    let res = login_from(&app, "198.51.100.51", "admin", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_api_rate_limit_answers_429_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.server.rate_limit.per_second = 1;
        s.server.rate_limit.burst = 5;
    })
    .await;
    let token = app.admin().await; // 1 request
    let mut limited = None;
    for _ in 0..10 {
        let res = app.get("/api/v1/me", &token).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = limited.expect("limited after the burst");
    assert!((1..=2).contains(&retry_after(&res)));
    let body = assert_problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["type"], "urn:worklog-kpi:problem:too-many-requests");
    // Operational routes are not API routes.
    let res = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    // The default is generous: a whole small organisation's set-up runs under it.
    let app = spawn_app().await;
    let org = small_org(&app).await;
    for _ in 0..200 {
        assert_eq!(
            app.get("/api/v1/me", &org.admin).await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_login_flood_is_bounded_and_answered_429_without_holding_the_pool() {
    let app = spawn_app_with(|s| {
        s.auth.hash_concurrency = 1;
        s.auth.hash_queue = 1;
        s.auth.hash_wait_ms = 1;
        s.auth.login.failures_per_address = 1000;
        s.database.pool_size = 2;
    })
    .await;
    let token = app.admin().await;
    let flood: Vec<_> = (0..48)
        .map(|i| {
            let app_client = app.client.clone();
            let url = format!("{}/api/v1/auth/login", app.address);
            tokio::spawn(async move {
                let res = app_client
                    .post(url)
                    .json(&json!({"username": format!("ghost{i}"), "password": "guess-123456"}))
                    .send()
                    .await
                    .expect("request");
                let status = res.status();
                let retry = res.headers().contains_key("retry-after");
                (status, retry)
            })
        })
        .collect();
    // Someone else's request meanwhile is served.
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let mut unauthorized = 0;
    let mut busy = 0;
    for f in flood {
        let (status, retry) = f.await.expect("join");
        match status {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(retry, "429 carries Retry-After");
                busy += 1
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(unauthorized >= 1, "some were checked");
    assert!(busy >= 1, "the excess is refused: {busy} of 48");
    // Afterwards logins work as before.
    app.admin().await;
}

async fn audit_rows(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/api/v1/audit?entity=staff&limit=500", token).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.expect("json")["items"]
        .as_array()
        .expect("items")
        .clone()
}

#[tokio::test]
async fn logins_failed_logins_and_refresh_token_reuse_are_audited_with_the_client() {
    let app = behind_proxy().await;
    let org = small_org(&app).await;
    let client = "203.0.113.44";
    assert_problem(
        login_from(&app, client, "s1", "wrong-password-1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        login_from(&app, client, "nobody.here", "wrong-password-1").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let res = login_from(&app, client, "s1", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: Value = res.json().await.expect("json");
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    for expected in [StatusCode::OK, StatusCode::UNAUTHORIZED] {
        let res = app
            .client
            .post(format!("{}/api/v1/auth/refresh", app.address))
            .header("X-Forwarded-For", "198.51.100.66")
            .json(&json!({"refresh_token": refresh}))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), expected);
    }
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let rows = audit_rows(&app, &tochuc).await;
    let find = |action: &str, f: &dyn Fn(&Value) -> bool| {
        rows.iter()
            .find(|r| r["action"] == action && f(r))
            .cloned()
            .unwrap_or_else(|| panic!("no {action} row in {rows:#?}"))
    };
    let failed = find("login_failed", &|r| r["entity_id"] == org.s1);
    assert_eq!(failed["actor_id"], Value::Null);
    assert_eq!(failed["reason"], "wrong_password");
    assert_eq!(failed["detail"]["username"], "s1");
    assert_eq!(failed["detail"]["client"], client);
    let unknown = find("login_failed", &|r| {
        r["detail"]["username"] == "nobody.here"
    });
    assert_eq!(unknown["reason"], "unknown_username");
    assert_eq!(unknown["detail"]["client"], client);
    let login = find("login", &|r| r["entity_id"] == org.s1);
    assert_eq!(login["actor_id"], org.s1);
    assert_eq!(login["detail"]["client"], client);
    let reuse = find("refresh_token_reuse", &|r| r["entity_id"] == org.s1);
    assert_eq!(reuse["actor_id"], org.s1);
    assert_eq!(reuse["detail"]["client"], "198.51.100.66");
    // Staff cannot read it.
    let s1 = app.login_as("s1", PASSWORD).await;
    let res = app
        .request(Method::GET, "/api/v1/audit?entity=staff", Some(&s1), None)
        .await;
    assert_problem(res, StatusCode::FORBIDDEN).await;
}
