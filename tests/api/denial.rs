//! The denial matrix (issue #9): for every route that takes an id or a scope, staff of unit A
//! (W1), the head of A, and a person whose head role was removed (the former head of the
//! province above both units) act on objects of unit B (W2): every read and write is 403 or 404
//! (a list filtered to B answers nothing), and nothing changes.

use chrono::Duration;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, line, log, today};
use crate::helpers::{TestApp, PASSWORD};

fn audit_rows(app: &TestApp) -> i64 {
    use worklog_kpi::db::schema::audit_log;
    let mut conn = app.pool.get().expect("connection");
    audit_log::table
        .count()
        .get_result(&mut conn)
        .expect("count")
}

#[tokio::test]
async fn nobody_reads_or_writes_outside_their_scope() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = d.org.admin.clone();
    let (w2, s2) = (d.org.w2, d.org.s2);
    let tochuc = app.login_as("tochuc", PASSWORD).await;

    // The province's head, whose subtree holds W2, loses the head role in a database written
    // around the API (an old one): `units.head_id` still names them. Headship without the role
    // gives no power. (Through the API the role cannot go while they head a unit: trust.rs.)
    let gov = app
        .create_staff(&admin, json!({"unit_id": d.org.province, "username": "ct.cu", "password": PASSWORD, "full_name": "Chủ tịch cũ", "roles": ["staff", "head"]}))
        .await;
    app.set_head(&admin, d.org.province, gov).await;
    {
        use worklog_kpi::db::schema::staff;
        let mut conn = app.pool.get().expect("connection");
        diesel::update(staff::table.find(gov))
            .set(staff::roles.eq("staff"))
            .execute(&mut conn)
            .expect("remove role");
    }

    // Objects of W2: a submitted line (sent to the province head), a draft, a leave request, a
    // task, an open grading round of October and s2's grade in it.
    let submitted = log(&app, &d.s2, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    assert_eq!(
        act(&app, &d.s2, submitted, "submit").await.status(),
        StatusCode::OK
    );
    let draft = log(&app, &d.s2, line(&d, today(), 30)).await["id"]
        .as_i64()
        .expect("id");
    let mut start = today() + Duration::days(14);
    while chrono::Datelike::weekday(&start).number_from_monday() > 5 {
        start += Duration::days(1);
    }
    let res = app
        .post("/api/v1/leaves", &d.s2, json!({"start_date": start, "end_date": start, "kind": "annual", "reason": "Việc gia đình"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let leave = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let due = today() + Duration::days(10);
    let res = app
        .post(
            "/api/v1/tasks",
            &tochuc,
            json!({"title": "Báo cáo", "description": "Quý IV", "owner_id": s2, "due_date": due}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let task = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &tochuc,
            json!({"unit_id": w2, "period": "2026-10"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let round: Value = res.json().await.expect("json");
    let rid = round["id"].as_i64().expect("id");
    let gid = round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == s2)
        .and_then(|g| g["id"].as_i64())
        .expect("s2 graded");

    let former = app.login_as("ct.cu", PASSWORD).await;
    let s1 = d.s1.clone();
    let h1 = d.h1.clone();

    // What the objects look like to the administrator, before.
    let snapshot_paths = [
        format!("/api/v1/staff/{s2}"),
        format!("/api/v1/units/{w2}"),
        format!("/api/v1/entries/{submitted}"),
        format!("/api/v1/entries/{draft}"),
        format!("/api/v1/leaves/{leave}"),
        format!("/api/v1/tasks/{task}"),
        format!("/api/v1/grading/rounds/{rid}"),
    ];
    let mut before = Vec::new();
    for p in &snapshot_paths {
        let res = app.get(p, &admin).await;
        assert_eq!(res.status(), StatusCode::OK, "{p}");
        let etag = res
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap_or("").to_string());
        before.push((etag, res.json::<Value>().await.expect("json")));
    }
    let etag = |i: usize| before[i].0.clone().unwrap_or_else(|| "\"1\"".into());
    let audit_before = audit_rows(&app);

    let p = "2026-10";
    let old = today() - Duration::days(10);
    let matrix: Vec<(Method, String, Option<Value>, Option<String>)> = vec![
        (Method::GET, format!("/api/v1/staff/{s2}"), None, None),
        (
            Method::PATCH,
            format!("/api/v1/staff/{s2}"),
            Some(json!({"full_name": "Đổi tên"})),
            Some(etag(0)),
        ),
        (Method::GET, format!("/api/v1/staff/{s2}/weeks"), None, None),
        (
            Method::POST,
            format!("/api/v1/staff/{s2}/backdate-permissions"),
            Some(json!({"work_date": old, "reason": "Nhập bù"})),
            None,
        ),
        (
            Method::POST,
            "/api/v1/staff".into(),
            Some(
                json!({"unit_id": w2, "username": "nv.moi", "password": PASSWORD, "full_name": "Người Mới"}),
            ),
            None,
        ),
        (Method::GET, format!("/api/v1/units/{w2}"), None, None),
        (
            Method::PATCH,
            format!("/api/v1/units/{w2}"),
            Some(json!({"name": "Đổi tên"})),
            Some(etag(1)),
        ),
        (
            Method::POST,
            "/api/v1/units".into(),
            Some(json!({"code": "W2X", "name": "Con", "level": "ward", "parent_id": w2})),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/kpi/staff/{s2}?period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/kpi/units/{w2}?period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/entries/{submitted}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/entries?staff_id={s2}"),
            None,
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/entries/{draft}"),
            Some(json!({"minutes": 10})),
            Some(etag(3)),
        ),
        (
            Method::DELETE,
            format!("/api/v1/entries/{draft}"),
            None,
            Some(etag(3)),
        ),
        (
            Method::POST,
            format!("/api/v1/entries/{draft}/submit"),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/entries/{submitted}/withdraw"),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/entries/{submitted}/approve"),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/entries/{submitted}/return"),
            Some(json!({"reason": "Sai", "reason_kind": "quality"})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/entries/{submitted}/revoke"),
            Some(json!({"reason": "Sai"})),
            None,
        ),
        (
            Method::POST,
            "/api/v1/approvals".into(),
            Some(json!({"action": "approve", "entry_ids": [submitted]})),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/approvals/queue?unit_id={w2}"),
            None,
            None,
        ),
        (Method::GET, format!("/api/v1/leaves/{leave}"), None, None),
        (
            Method::GET,
            format!("/api/v1/leaves?staff_id={s2}"),
            None,
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/leaves/{leave}/approve"),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/leaves/{leave}/reject"),
            Some(json!({"reason": "Không"})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/leaves/{leave}/cancel"),
            Some(json!({})),
            None,
        ),
        (Method::GET, format!("/api/v1/tasks/{task}"), None, None),
        (
            Method::GET,
            format!("/api/v1/tasks?owner_id={s2}"),
            None,
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/tasks/{task}"),
            Some(json!({"title": "Đổi"})),
            Some(etag(5)),
        ),
        (
            Method::POST,
            format!("/api/v1/tasks/{task}/complete"),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            "/api/v1/tasks".into(),
            Some(json!({"title": "Việc", "description": "Giao", "owner_id": s2, "due_date": due})),
            None,
        ),
        (
            Method::POST,
            "/api/v1/grading/rounds".into(),
            Some(json!({"unit_id": w2, "period": "2026-09"})),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/grading/rounds/{rid}"),
            None,
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/grading/rounds/{rid}/recompute"),
            Some(json!({})),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/grading/rounds/{rid}/assessments/{s2}"),
            Some(json!({"bonus": 0})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/grading/rounds/{rid}/decide"),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/grading/rounds/{rid}/publish"),
            Some(json!({})),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/grading/rounds/{rid}/export"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/grading/rounds/{rid}/rewards"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/grades/{gid}/explain"),
            None,
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/grades/{gid}/appeals"),
            Some(json!({"kind": "appeal", "reason": "Không đồng ý"})),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/staffing?unit_id={w2}&period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/anomalies?unit_id={w2}&period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/kpi?unit_id={w2}&period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/rewards?unit_id={w2}&period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/grades?unit_id={w2}&period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/approval-backlog?unit_id={w2}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/reports/under-logged?unit_id={w2}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/dashboard?unit_id={w2}&period={p}"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/audit?entity=staff&entity_id={s2}"),
            None,
            None,
        ),
    ];

    let mut leaks = Vec::new();
    for (who, token) in [
        ("staff of A", &s1),
        ("head of A", &h1),
        ("former head", &former),
    ] {
        for (method, path, body, if_match) in &matrix {
            let mut req = app
                .client
                .request(method.clone(), format!("{}{}", app.address, path))
                .bearer_auth(token);
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(m) = if_match {
                req = req.header("If-Match", m);
            }
            let res = req.send().await.expect("request");
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            let denied = status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND;
            // A list filtered to B may answer 200 with nothing in it.
            let empty_list = status == StatusCode::OK
                && serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v["items"].as_array().map(Vec::is_empty))
                    == Some(true);
            // A batch decision answers 200 with a status per entry: each must be a denial.
            let batch_denied = status == StatusCode::OK
                && serde_json::from_str::<Value>(&text).ok().and_then(|v| {
                    v["results"].as_array().map(|items| {
                        !items.is_empty()
                            && items
                                .iter()
                                .all(|i| i["status"] == 403 || i["status"] == 404)
                    })
                }) == Some(true);
            if !(denied || empty_list || batch_denied) {
                leaks.push(format!("{who}: {method} {path} -> {status} {text}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leak(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );

    // Nothing changed.
    for (p, (etag, body)) in snapshot_paths.iter().zip(&before) {
        let res = app.get(p, &admin).await;
        let now_etag = res
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap_or("").to_string());
        assert_eq!(&now_etag, etag, "{p}");
        assert_eq!(&res.json::<Value>().await.expect("json"), body, "{p}");
    }
    assert_eq!(audit_rows(&app), audit_before, "no audited change");
    // The line was not sent to the head without the role: only the organisation decides it.
    assert_eq!(before[2].1["approver_id"], Value::Null, "{}", before[2].1);
}
