//! Reminders: the note of a returned line (in the return's transaction), the scheduled notes
//! (under-logged weeks with catch-up, lines waiting for approvers, monthly reports due), mutes,
//! two instances producing each note once, campaigns closed at their deadline, and e-mail copies
//! received by a real SMTP server (Python aiosmtpd) started by the test.

use chrono::NaiveDateTime;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use worklog_kpi::db::DbConnection;
use worklog_kpi::services::reminders::{run_once, RunReport};

use crate::diary::{act, diary_setup, log, Diary};
use crate::helpers::{assert_problem, etag_of, fields, set_contract, TestApp, PASSWORD};

/// Monday 2026-11-30, 10:00 in Vietnam: weeks 2026-W45..W48 have ended.
fn monday() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-30 03:00:00", "%Y-%m-%d %H:%M:%S").expect("time")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn sql(conn: &mut DbConnection, q: &str) {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute(q),
        DbConnection::Pg(c) => c.batch_execute(q),
    }
    .expect("sql");
}

fn count(conn: &mut DbConnection, q: &str) -> i64 {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(q).get_result::<Count>(c),
        DbConnection::Pg(c) => diesel::sql_query(q).get_result::<Count>(c),
    }
    .expect("count")
    .n
}

/// The organisation's date today.
fn local_today(app: &TestApp) -> chrono::NaiveDate {
    let offset = i64::from(app.settings.organisation.utc_offset_minutes);
    (chrono::Utc::now().naive_utc() + chrono::Duration::minutes(offset)).date()
}

async fn with_conn<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&mut DbConnection) -> T + Send + 'static,
) -> T {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        f(&mut conn)
    })
    .await
    .expect("join")
}

async fn run(app: &TestApp, holder: &str, now: NaiveDateTime) -> RunReport {
    let settings = app.settings.clone();
    let holder = holder.to_string();
    with_conn(app, move |conn| {
        run_once(conn, &settings, &holder, now).expect("run")
    })
    .await
}

async fn inbox(app: &TestApp, token: &str, lang: &str) -> Value {
    let res = app
        .client
        .get(format!("{}/api/v1/me/notes", app.address))
        .bearer_auth(token)
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

fn of_kind<'a>(inbox: &'a Value, kind: &str) -> Vec<&'a Value> {
    inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

#[tokio::test]
async fn a_returned_line_is_noted_to_its_owner_in_the_same_transaction_and_cannot_be_muted() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let today = local_today(&app);
    let line = json!({"work_date": today, "product_id": d.product, "quantity": 2, "minutes": 120, "note": "Thẩm định"});
    let id = log(&app, &d.s1, line.clone()).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &d.s1, id, "submit").await;

    // If the note cannot be written, the return does not happen either.
    let sqlite = !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    with_conn(&app, move |conn| {
        if sqlite {
            sql(conn, "CREATE TRIGGER crash BEFORE INSERT ON notes BEGIN SELECT RAISE(ABORT, 'crash'); END;");
        } else {
            sql(conn, "CREATE FUNCTION crash() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'crash'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER crash BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION crash();");
        }
    })
    .await;
    let ret = json!({"reason": "Thiếu hồ sơ đính kèm", "reason_kind": "quality"});
    let res = app
        .post(&format!("/api/v1/entries/{id}/return"), &d.h1, ret.clone())
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let state: Value = app
        .get(&format!("/api/v1/entries/{id}"), &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(state["state"], "submitted");
    with_conn(&app, move |conn| {
        sql(
            conn,
            if sqlite {
                "DROP TRIGGER crash"
            } else {
                "DROP TRIGGER crash ON notes"
            },
        );
    })
    .await;

    let res = app
        .post(&format!("/api/v1/entries/{id}/return"), &d.h1, ret)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let vi = inbox(&app, &d.s1, "vi").await;
    assert_eq!(vi["unread"], 1);
    assert_eq!(vi["unread_by_kind"]["line_returned"], 1);
    assert_eq!(vi["unread_by_kind"]["week_short"], 0);
    // The bell's count: the same numbers without the notes; nobody else's.
    let count: Value = app
        .get("/api/v1/me/notes/unread", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(count["unread"], 1);
    assert_eq!(count["unread_by_kind"]["line_returned"], 1);
    assert!(count.get("items").is_none());
    let other: Value = app
        .get("/api/v1/me/notes/unread", &d.s2)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(other["unread"], 0);
    let note = of_kind(&vi, "line_returned")[0].clone();
    assert_eq!(note["params"]["reason"], "Thiếu hồ sơ đính kèm");
    assert!(
        note["text"]
            .as_str()
            .expect("text")
            .contains("Lý do: Thiếu hồ sơ đính kèm"),
        "{note}"
    );
    let en = inbox(&app, &d.s1, "en").await;
    assert!(en["items"][0]["title"]
        .as_str()
        .expect("title")
        .starts_with("Your diary line of"));

    // Someone else's note is not there; read one's own.
    let nid = note["id"].as_i64().expect("id");
    assert_problem(
        app.post(&format!("/api/v1/me/notes/{nid}/read"), &d.s2, json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = app
        .post(&format!("/api/v1/me/notes/{nid}/read"), &d.s1, json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<Value>().await.expect("json")["read_at"].is_string());
    assert_eq!(inbox(&app, &d.s1, "vi").await["unread"], 0);
    let count: Value = app
        .get("/api/v1/me/notes/unread", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(count["unread"], 0);

    // Returns cannot be muted; unknown kinds are refused; the others can.
    let token = d.s1.clone();
    let put = |body: Value| {
        app.request(
            Method::PUT,
            "/api/v1/me/note-mutes",
            Some(token.as_str()),
            Some(body),
        )
    };
    let p = assert_problem(
        put(json!({"muted": ["week_short", "line_returned"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["muted[1]"]);
    assert_problem(
        put(json!({"muted": ["weekly"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let res = put(json!({"muted": ["week_short", "report_due"]})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let m: Value = app
        .get("/api/v1/me/note-mutes", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(m["muted"], json!(["report_due", "week_short"]));
}

/// W1: s1 (40-hour contract, nothing logged in November) and h1 (approver); W2: s2 (contract,
/// mutes the weekly note); tochuc: the organisation department.
async fn november(app: &TestApp) -> Diary {
    let d = diary_setup(app).await;
    for id in [d.org.s1, d.org.s2, d.org.h1] {
        set_contract(app, &d.org.admin, id, "2026-01-01").await;
    }
    app.request(
        Method::PUT,
        "/api/v1/me/note-mutes",
        Some(&d.s2),
        Some(json!({"muted": ["week_short"]})),
    )
    .await;
    // Two lines of s1 waiting for h1 since early November (arranged: the diary refuses such old
    // submissions today).
    let today = local_today(app);
    for _ in 0..2 {
        let id = log(
            app,
            &d.s1,
            json!({"work_date": today, "product_id": d.product, "quantity": 1, "minutes": 60}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        act(app, &d.s1, id, "submit").await;
    }
    with_conn(app, |conn| {
        sql(
            conn,
            "UPDATE entries SET submitted_at = '2026-11-02 02:00:00'",
        )
    })
    .await;
    d
}

#[tokio::test]
async fn the_scheduled_notes_are_produced_once_per_period_and_catch_up_after_downtime() {
    let app = crate::helpers::spawn_app().await;
    let d = november(&app).await;

    let r = run(&app, "a", monday()).await;
    assert!(r.ran);
    let s1 = inbox(&app, &d.s1, "en").await;
    // Four ended weeks in the catch-up window, each 40 h short (the lines are in a later week).
    let weeks: Vec<&str> = of_kind(&s1, "week_short")
        .iter()
        .map(|n| n["params"]["week"].as_str().expect("week"))
        .collect();
    assert_eq!(weeks, vec!["2026-W48", "2026-W47", "2026-W46", "2026-W45"]);
    let w48 = of_kind(&s1, "week_short")[0];
    assert_eq!(w48["params"]["gap_minutes"], 2400);
    assert_eq!(
        w48["text"],
        "In week 2026-W48 you logged 0 h of the 40 h norm: 40 h short."
    );
    // s2 muted the weekly note.
    assert!(of_kind(&inbox(&app, &d.s2, "en").await, "week_short").is_empty());
    // h1 approves s1's lines: two lines waiting since 2 November (> 2 working days).
    let h1 = inbox(&app, &d.h1, "vi").await;
    let waiting = of_kind(&h1, "approvals_waiting");
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["params"]["lines"], 2);
    assert_eq!(waiting[0]["params"]["oldest_submitted_on"], "2026-11-02");
    assert_eq!(waiting[0]["title"], "2 dòng chờ duyệt quá 2 ngày làm việc");
    // The organisation department: the units' reports of November are due (day 25).
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let org = inbox(&app, &tochuc, "en").await;
    let due = of_kind(&org, "report_due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0]["params"]["month"], "2026-11");
    assert_eq!(due[0]["params"]["unit_codes"], json!(["W1", "W2"]));

    // A second run the same day produces nothing new.
    let again = run(&app, "b", monday()).await;
    assert!(again.ran);
    assert_eq!(
        (again.week_short, again.approvals_waiting, again.report_due),
        (0, 0, 0)
    );

    // Downtime: the next run is two weeks later; it produces the two weeks it missed (W49, W50)
    // and that day's approver note, nothing twice.
    let later = monday() + chrono::Duration::days(14);
    let r = run(&app, "a", later).await;
    assert_eq!(r.week_short, 2 + 2, "s1 and h1, two weeks each");
    assert_eq!(r.approvals_waiting, 1);
    let weeks: Vec<String> = of_kind(&inbox(&app, &d.s1, "en").await, "week_short")
        .iter()
        .map(|n| n["params"]["week"].as_str().expect("week").to_string())
        .collect();
    assert_eq!(
        weeks,
        vec!["2026-W50", "2026-W49", "2026-W48", "2026-W47", "2026-W46", "2026-W45"]
    );
}

#[tokio::test]
async fn two_instances_running_at_once_produce_each_note_once() {
    let app = crate::helpers::spawn_app().await;
    let d = november(&app).await;
    // A second instance on the same database.
    let other = worklog_kpi::prepare_state(app.settings.clone()).expect("second instance");
    let first_pool = app.pool.clone();
    let settings = app.settings.clone();
    let settings2 = app.settings.clone();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let b2 = barrier.clone();
    let a = std::thread::spawn(move || {
        let mut conn = first_pool.get().expect("connection");
        barrier.wait();
        run_once(&mut conn, &settings, "instance-a", monday()).expect("run a")
    });
    let b = std::thread::spawn(move || {
        let mut conn = other.pool.get().expect("connection");
        b2.wait();
        run_once(&mut conn, &settings2, "instance-b", monday()).expect("run b")
    });
    let (ra, rb) = (a.join().expect("a"), b.join().expect("b"));
    let produced = ra.week_short + rb.week_short;
    assert!(ra.ran || rb.ran);
    // s1 and h1: four weeks each (s2 muted them).
    assert_eq!(produced, 8, "{ra:?} {rb:?}");
    assert_eq!(ra.approvals_waiting + rb.approvals_waiting, 1);
    assert_eq!(ra.report_due + rb.report_due, 1);
    // Even without the lease (both run one after the other, lease free), the keys hold.
    let rc = run(&app, "instance-c", monday()).await;
    assert_eq!(
        (rc.week_short, rc.approvals_waiting, rc.report_due),
        (0, 0, 0)
    );
    let total = with_conn(&app, |conn| {
        (
            count(conn, "SELECT COUNT(*) AS n FROM notes"),
            count(conn, "SELECT COUNT(DISTINCT dedup_key) AS n FROM notes"),
        )
    })
    .await;
    assert_eq!(total, (10, 10));
    assert_eq!(
        of_kind(&inbox(&app, &d.s1, "en").await, "week_short").len(),
        4
    );
}

#[tokio::test]
async fn the_scheduler_closes_campaigns_at_their_deadline() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let res = app
        .post(
            "/api/v1/ballots/campaigns",
            &tochuc,
            json!({"title": "Lấy phiếu", "period_start": "2026-01-01", "period_end": "2026-06-30", "deadline": "2099-01-01T00:00:00Z"}),
        )
        .await;
    let c = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let before =
        NaiveDateTime::parse_from_str("2098-12-31 23:59:00", "%Y-%m-%d %H:%M:%S").expect("t");
    assert_eq!(run(&app, "a", before).await.campaigns_closed, 0);
    let after =
        NaiveDateTime::parse_from_str("2099-01-01 00:00:00", "%Y-%m-%d %H:%M:%S").expect("t");
    assert_eq!(run(&app, "a", after).await.campaigns_closed, 1);
    let campaign: Value = app
        .get(&format!("/api/v1/ballots/campaigns/{c}"), &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(campaign["state"], "closed");
    assert_eq!(campaign["closed_by"], Value::Null);
}

/// A real SMTP server: Python's aiosmtpd writing into a maildir.
struct SmtpSink {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_smtp() -> Option<SmtpSink> {
    start_smtp_with(&[])
}

/// An aiosmtpd sink with extra arguments (`--tlscert`/`--tlskey` for STARTTLS, `--smtpscert`/
/// `--smtpskey` for TLS from the first byte).
fn start_smtp_with(extra: &[String]) -> Option<SmtpSink> {
    let available = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !available {
        println!(
            "SKIPPED e-mail test: python3 with aiosmtpd is not installed (pip install aiosmtpd)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let dir = tempfile::tempdir().expect("dir");
    let maildir = dir.path().join("mail");
    let child = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(extra)
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    let sink = SmtpSink { child, port, dir };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(sink);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("aiosmtpd did not start on port {port}");
}

fn messages(sink: &SmtpSink) -> Vec<String> {
    let new = sink.dir.path().join("mail").join("new");
    let Ok(entries) = std::fs::read_dir(new) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect()
}

#[tokio::test]
async fn notes_are_copied_by_email_to_a_real_smtp_server() {
    let Some(sink) = start_smtp() else {
        return;
    };
    let mut app = crate::helpers::spawn_app().await;
    let d = november(&app).await;
    // s1 has an address; h1 and tochuc do not.
    let path = format!("/api/v1/staff/{}", d.org.s1);
    let etag = etag_of(&app.get(&path, &d.org.admin).await);
    let res = app
        .patch(
            &path,
            &d.org.admin,
            Some(&etag),
            json!({"email": "anh.nguyen@example.gov.vn"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Off by default: nothing is sent.
    let r = run(&app, "a", monday()).await;
    assert_eq!(r.emails_sent, 0);
    app.settings.email.smtp_host = "127.0.0.1".into();
    app.settings.email.smtp_port = sink.port;
    // The sink speaks plain SMTP: a relay on this host.
    app.settings.email.tls = worklog_kpi::config::SmtpTls::None;
    app.settings.email.from = "Nhật ký công việc <worklog@example.gov.vn>".into();
    // The notes of the run above are now sent, once: four weeks for s1.
    let now = worklog_kpi::db::now_utc();
    let r = run(&app, "a", monday() + chrono::Duration::hours(1)).await;
    assert_eq!(r.emails_sent, 4, "{r:?} at {now}");
    let again = run(&app, "a", monday() + chrono::Duration::hours(2)).await;
    assert_eq!(again.emails_sent, 0);
    let mut mails = Vec::new();
    for _ in 0..50 {
        mails = messages(&sink);
        if mails.len() == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(mails.len(), 4);
    assert!(mails
        .iter()
        .all(|m| m.contains("anh.nguyen@example.gov.vn")));
    let decoded: Vec<String> = mails.iter().map(|m| decode_body(m)).collect();
    assert!(
        decoded.iter().any(|b| b
            .contains("In week 2026-W48 you logged 0 h of the 40 h norm: 40 h short.")
            && b.contains("thiếu 40 giờ")),
        "{decoded:?}"
    );
    let s1 = inbox(&app, &d.s1, "en").await;
    assert!(of_kind(&s1, "week_short")
        .iter()
        .all(|n| n["emailed_at"].is_string()));
}

/// The text of a single-part message (base64 or 7bit).
fn decode_body(raw: &str) -> String {
    use base64::Engine;
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    if head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        let compact: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        body.to_string()
    }
}

/// A private CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI
/// in `dir`: (ca.pem, server.pem, server.key). None (test skipped, said so) without openssl.
fn make_certificates(dir: &std::path::Path) -> Option<(String, String, String)> {
    let openssl = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .map(|o| {
                assert!(
                    o.status.success(),
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
            })
            .is_ok()
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ca = [
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Worklog test CA",
        ],
    ]
    .concat();
    if !openssl(&ca) {
        println!("SKIPPED SMTP TLS test: the openssl CLI is not installed");
        return None;
    }
    let csr = [
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat();
    assert!(openssl(&csr));
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    assert!(openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]));
    let path = |f: &str| dir.join(f).to_string_lossy().into_owned();
    Some((path("ca.pem"), path("server.pem"), path("server.key")))
}

async fn wait_for_mails(sink: &SmtpSink, n: usize) -> Vec<String> {
    let mut mails = Vec::new();
    for _ in 0..50 {
        mails = messages(sink);
        if mails.len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    mails
}

#[tokio::test]
async fn notes_are_sent_over_starttls_only_to_a_server_whose_certificate_is_trusted() {
    let certs = tempfile::tempdir().expect("dir");
    let Some((ca, cert, key)) = make_certificates(certs.path()) else {
        return;
    };
    // aiosmtpd offers STARTTLS and requires it before MAIL FROM.
    let Some(sink) = start_smtp_with(&["--tlscert".into(), cert, "--tlskey".into(), key]) else {
        return;
    };
    let mut app = crate::helpers::spawn_app().await;
    let d = november(&app).await;
    let path = format!("/api/v1/staff/{}", d.org.s1);
    let etag = etag_of(&app.get(&path, &d.org.admin).await);
    let res = app
        .patch(
            &path,
            &d.org.admin,
            Some(&etag),
            json!({"email": "anh.nguyen@example.gov.vn"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.settings.email.smtp_host = "127.0.0.1".into();
    app.settings.email.smtp_port = sink.port;
    app.settings.email.from = "worklog@example.gov.vn".into();
    app.settings.email.tls = worklog_kpi::config::SmtpTls::Starttls;

    // The certificate is signed by a CA nobody configured: the handshake fails, nothing is sent
    // and the notes stay unsent for the next run.
    let r = run(&app, "a", monday()).await;
    assert_eq!(r.emails_sent, 0, "{r:?}");
    assert!(messages(&sink).is_empty());

    // With the CA trusted, the four notes go out over the upgraded connection.
    app.settings.email.ca_file = ca;
    let r = run(&app, "a", monday() + chrono::Duration::hours(1)).await;
    assert_eq!(r.emails_sent, 4, "{r:?}");
    let mails = wait_for_mails(&sink, 4).await;
    assert_eq!(mails.len(), 4);
    assert!(mails
        .iter()
        .all(|m| m.contains("anh.nguyen@example.gov.vn")));
}

#[tokio::test]
async fn the_tls_modes_send_only_over_the_protection_they_name() {
    use lettre::Transport;
    use worklog_kpi::config::{EmailSettings, SmtpTls};
    let certs = tempfile::tempdir().expect("dir");
    let Some((ca, cert, key)) = make_certificates(certs.path()) else {
        return;
    };
    let Some(smtps) = start_smtp_with(&["--smtpscert".into(), cert, "--smtpskey".into(), key])
    else {
        return;
    };
    let Some(plain) = start_smtp() else {
        return;
    };
    let message = || {
        lettre::Message::builder()
            .from("worklog@example.gov.vn".parse().expect("from"))
            .to("anh.nguyen@example.gov.vn".parse().expect("to"))
            .subject("Thử TLS")
            .body("TLS".to_string())
            .expect("message")
    };
    let settings = |port: u16, tls: SmtpTls| EmailSettings {
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        tls,
        ca_file: ca.clone(),
        from: "worklog@example.gov.vn".into(),
        ..Default::default()
    };
    let send = |s: EmailSettings| {
        tokio::task::spawn_blocking(move || {
            let mailer = worklog_kpi::services::reminders::mailer(&s).expect("mailer");
            mailer.send(&message()).map(|_| ())
        })
    };
    // TLS from the first byte (SMTPS).
    assert!(send(settings(smtps.port, SmtpTls::Tls))
        .await
        .expect("join")
        .is_ok());
    assert_eq!(wait_for_mails(&smtps, 1).await.len(), 1);
    // A plain server: `starttls` refuses to send in the clear, `tls` cannot handshake, `none` sends.
    assert!(send(settings(plain.port, SmtpTls::Starttls))
        .await
        .expect("join")
        .is_err());
    assert!(send(settings(plain.port, SmtpTls::Tls))
        .await
        .expect("join")
        .is_err());
    assert!(messages(&plain).is_empty());
    assert!(send(settings(plain.port, SmtpTls::None))
        .await
        .expect("join")
        .is_ok());
    assert_eq!(wait_for_mails(&plain, 1).await.len(), 1);
}
