//! `spawn_app()`: a server on a random port with a fresh database, plus helpers that read like
//! the user's actions.

use std::net::TcpListener;

use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{json, Value};
use worklog_kpi::config::Settings;

pub const ADMIN_PASSWORD: &str = "Admin-123456";
pub const PASSWORD: &str = "Mat-khau-123";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    /// The database the server uses (to start a second process on it).
    pub database_url: String,
    /// Direct access to the database, for arranging what the API cannot do yet.
    pub pool: worklog_kpi::db::DbPool,
    /// Statements run by the server's connections (and by `pool`'s: they are the same pool).
    pub statements: std::sync::Arc<worklog_kpi::db::stats::StatementCounter>,
    /// What the server computes its maintained daily totals with.
    pub totals_policy: worklog_kpi::services::totals::TotalsPolicy,
    /// The settings the server runs with (e.g. for a second instance on the same database).
    pub settings: Settings,
    /// Keeps the SQLite directory alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
}

/// A database URL for one test: a temp SQLite file, or a fresh schema of the PostgreSQL database
/// named by `TEST_DATABASE_URL`.
pub fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let schema = format!("t_{}", uuid_like());
            let mut conn = PgConnection::establish(&base).expect("connect to TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .expect("create schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            (format!("{base}{sep}options=-csearch_path%3D{schema}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, Some(dir))
        }
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let n: u64 = rand_u64();
    format!("{:x}{:x}", nanos & 0xffff_ffff, n)
}

fn rand_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u64(std::process::id().into());
    h.finish()
}

pub async fn spawn_app() -> TestApp {
    let (url, dir) = fresh_database();
    spawn_with(Settings::for_database(&url), dir, true).await
}

/// `spawn_app` with settings changed by `configure` (limits, timeouts, trusted proxies).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, dir) = fresh_database();
    let mut settings = Settings::for_database(&url);
    configure(&mut settings);
    spawn_with(settings, dir, true).await
}

/// True when the tests run on PostgreSQL (`TEST_DATABASE_URL`).
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

/// Starts a server with given settings; `migrate` false skips preparing the database (used to
/// simulate a database that is down).
pub async fn spawn_with(
    settings: Settings,
    dir: Option<tempfile::TempDir>,
    migrate: bool,
) -> TestApp {
    let totals_policy = worklog_kpi::totals_policy(&settings);
    let database_url = settings.database.url.clone();
    let kept_settings = settings.clone();
    let state = if migrate {
        let state = worklog_kpi::prepare_state(settings).expect("prepare state");
        {
            let mut conn = state.pool.get().expect("connection");
            worklog_kpi::services::staff::create_admin(
                &mut conn,
                "admin",
                ADMIN_PASSWORD,
                "Quản trị",
                chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
            )
            .expect("admin");
        }
        state
    } else {
        let pool = worklog_kpi::db::build_pool(
            &settings.database.url,
            2,
            std::time::Duration::from_millis(500),
        )
        .expect("pool");
        worklog_kpi::AppState::new(pool, settings)
    };
    let pool = state.pool.clone();
    let statements = std::sync::Arc::clone(&state.statements);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = worklog_kpi::run(listener, state).expect("server");
    tokio::spawn(server);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: Client::builder().build().expect("client"),
        database_url,
        pool,
        statements,
        totals_policy,
        settings: kept_settings,
        _dir: dir,
    }
}

impl TestApp {
    /// Fails with the first differing rows when the maintained daily totals drifted.
    pub async fn assert_no_totals_drift(&self) {
        let drift = self.totals_drift().await;
        assert!(
            drift.is_empty(),
            "{} daily total row(s) drifted from the entries; first: {:?}",
            drift.len(),
            &drift[..drift.len().min(3)]
        );
    }

    /// The maintained daily totals rows that differ from a recomputation from the entries.
    pub async fn totals_drift(&self) -> Vec<worklog_kpi::services::totals::Drift> {
        let pool = self.pool.clone();
        let policy = self.totals_policy;
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("connection");
            worklog_kpi::services::totals::drift(&mut conn, &policy).expect("drift")
        })
        .await
        .expect("join")
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> Response {
        let mut req = self
            .client
            .patch(format!("{}{}", self.address, path))
            .bearer_auth(token)
            .json(&body);
        if let Some(m) = if_match {
            req = req.header("If-Match", m);
        }
        req.send().await.expect("request")
    }

    pub async fn login_full(&self, username: &str, password: &str) -> Response {
        self.request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await
    }

    pub async fn login_as(&self, username: &str, password: &str) -> String {
        let res = self.login_full(username, password).await;
        assert_eq!(res.status(), StatusCode::OK, "login {username}");
        let body: Value = res.json().await.expect("json");
        body["access_token"].as_str().expect("token").to_string()
    }

    pub async fn admin(&self) -> String {
        self.login_as("admin", ADMIN_PASSWORD).await
    }

    pub async fn create_unit(
        &self,
        token: &str,
        code: &str,
        name: &str,
        level: &str,
        parent: Option<i64>,
    ) -> i64 {
        let res = self
            .post(
                "/api/v1/units",
                token,
                json!({"code": code, "name": name, "level": level, "parent_id": parent}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "create unit {code}");
        res.json::<Value>().await.expect("json")["id"]
            .as_i64()
            .expect("id")
    }

    pub async fn create_staff(&self, token: &str, body: Value) -> i64 {
        let res = self.post("/api/v1/staff", token, body.clone()).await;
        let status = res.status();
        let value: Value = res.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "create staff {body}: {value}");
        value["id"].as_i64().expect("id")
    }

    /// Sets a unit's head (reads the ETag first, as a client would).
    pub async fn set_head(&self, token: &str, unit_id: i64, head_id: i64) {
        let res = self.get(&format!("/api/v1/units/{unit_id}"), token).await;
        let etag = etag_of(&res);
        let res = self
            .patch(
                &format!("/api/v1/units/{unit_id}"),
                token,
                Some(&etag),
                json!({"head_id": head_id}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "set head");
    }
}

/// Gives a person a 40-hour contract from `from` (as the administrator would, with If-Match).
pub async fn set_contract(app: &TestApp, admin: &str, staff_id: i64, from: &str) {
    let path = format!("/api/v1/staff/{staff_id}");
    let etag = etag_of(&app.get(&path, admin).await);
    let res = app
        .patch(
            &path,
            admin,
            Some(&etag),
            json!({"contract": {"weekly_hours": 40, "effective_from": from}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "contract of {staff_id}");
}

pub fn etag_of(res: &Response) -> String {
    res.headers()
        .get("etag")
        .expect("etag header")
        .to_str()
        .expect("ascii")
        .to_string()
}

/// A small organisation: province P with wards W1 and W2; W1 has head `h1` and staff `s1`
/// (supervised by h1); W2 has staff `s2`; `tochuc` is the organisation department.
pub struct Org {
    pub province: i64,
    pub w1: i64,
    pub w2: i64,
    pub h1: i64,
    pub s1: i64,
    pub s2: i64,
    pub org_user: i64,
    pub admin: String,
}

pub async fn small_org(app: &TestApp) -> Org {
    let admin = app.admin().await;
    let province = app
        .create_unit(&admin, "HG", "Tỉnh Hậu Giang", "province", None)
        .await;
    let w1 = app
        .create_unit(&admin, "W1", "Phường Một", "ward", Some(province))
        .await;
    let w2 = app
        .create_unit(&admin, "W2", "Phường Hai", "ward", Some(province))
        .await;
    let h1 = app
        .create_staff(&admin, json!({"unit_id": w1, "username": "h1", "password": PASSWORD, "full_name": "Lê Văn Hưng", "roles": ["staff", "head"], "is_leader": true}))
        .await;
    app.set_head(&admin, w1, h1).await;
    let s1 = app
        .create_staff(&admin, json!({"unit_id": w1, "username": "s1", "password": PASSWORD, "full_name": "Nguyễn Thị Ánh", "supervisor_id": h1}))
        .await;
    let s2 = app
        .create_staff(&admin, json!({"unit_id": w2, "username": "s2", "password": PASSWORD, "full_name": "Trần Văn Bình"}))
        .await;
    let org_user = app
        .create_staff(&admin, json!({"username": "tochuc", "password": PASSWORD, "full_name": "Ban Tổ chức", "roles": ["organisation"]}))
        .await;
    Org {
        province,
        w1,
        w2,
        h1,
        s1,
        s2,
        org_user,
        admin,
    }
}

/// Asserts a problem+json answer with the given status and returns its body.
pub async fn assert_problem(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every answer carries X-Request-Id")
        .to_string();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct}"
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"].as_u64(), Some(u64::from(status.as_u16())));
    assert!(body["title"].is_string() && body["type"].is_string() && body["detail"].is_string());
    assert_eq!(
        body["request_id"].as_str(),
        Some(request_id.as_str()),
        "the problem names the request id of its X-Request-Id header"
    );
    body
}

/// The field names of a 422 problem.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}
