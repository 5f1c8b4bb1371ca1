//! Issue 10 through the API: the KPI formula (`combine = product` in the new preset versions,
//! the first versions kept for the rounds that recorded them), the unit factor from the
//! subordinates' real grades, heads acting for their subtree, backdate permissions for ranges
//! and units, no deciding before a period has ended, and the approval queue's pages.
//!
//! October 2026: 22 working days, no public holiday: a full-time person is expected
//! 22 × 480 = 10,560 minutes.

use chrono::{Datelike, Duration, NaiveDate};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, line, log, today, Diary};
use crate::helpers::{assert_problem, fields, set_contract, TestApp, PASSWORD};

/// Working days of October 2026 (Monday to Friday, no holiday).
fn october_days() -> Vec<NaiveDate> {
    (1..=31)
        .filter_map(|d| NaiveDate::from_ymd_opt(2026, 10, d))
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .collect()
}

struct Mirror {
    unit: i64,
    head: String,
    nothing: i64,
    half: i64,
    full: i64,
}

/// A ward with a head (not a leader, so no unit factor) and three people over October 2026:
/// `nothing` logs nothing, `half` logs 480 minutes on 11 of the 22 working days (half the
/// norm), `full` logs 480 minutes every working day and one of those lines (the 5th) is sent
/// back once for quality. One unit-wide backdate permission covers the whole month.
async fn mirror(app: &TestApp, d: &Diary, code: &str, suffix: &str) -> Mirror {
    let admin = &d.org.admin;
    let unit = app
        .create_unit(
            admin,
            code,
            &format!("Phường {code}"),
            "ward",
            Some(d.org.province),
        )
        .await;
    let head_id = app
        .create_staff(admin, json!({"unit_id": unit, "username": format!("head{suffix}"), "password": PASSWORD, "full_name": format!("Trưởng {code}"), "roles": ["staff", "head"]}))
        .await;
    app.set_head(admin, unit, head_id).await;
    let mut ids = Vec::new();
    for who in ["nothing", "half", "full"] {
        let id = app
            .create_staff(admin, json!({"unit_id": unit, "username": format!("{who}{suffix}"), "password": PASSWORD, "full_name": format!("{who} {code}")}))
            .await;
        set_contract(app, admin, id, "2026-01-01").await;
        ids.push(id);
    }
    set_contract(app, admin, head_id, "2026-01-01").await;
    let head = app.login_as(&format!("head{suffix}"), PASSWORD).await;
    // One call covers the whole unit and month (instead of one per person and day).
    let res = app
        .post(
            "/api/v1/backdate-permissions",
            &head,
            json!({"unit_id": unit, "from": "2026-10-01", "to": "2026-10-31", "reason": "Đưa hệ thống vào sử dụng: nhập bù tháng 10"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let days = october_days();
    assert_eq!(days.len(), 22);
    for (who, n) in [("half", 11usize), ("full", 22)] {
        let token = app.login_as(&format!("{who}{suffix}"), PASSWORD).await;
        for (i, day) in days.iter().take(n).enumerate() {
            let id = log(
                app,
                &token,
                json!({"work_date": day, "product_id": d.product, "quantity": 16, "minutes": 480}),
            )
            .await["id"]
                .as_i64()
                .expect("id");
            assert_eq!(
                act(app, &token, id, "submit").await.status(),
                StatusCode::OK
            );
            if who == "full" && i == 4 {
                let res = app
                    .post(
                        &format!("/api/v1/entries/{id}/return"),
                        &head,
                        json!({"reason": "Thiếu hồ sơ", "reason_kind": "quality"}),
                    )
                    .await;
                assert_eq!(res.status(), StatusCode::OK);
                assert_eq!(
                    act(app, &token, id, "submit").await.status(),
                    StatusCode::OK
                );
            }
            assert_eq!(
                act(app, &head, id, "approve").await.status(),
                StatusCode::OK
            );
        }
    }
    Mirror {
        unit,
        head,
        nothing: ids[0],
        half: ids[1],
        full: ids[2],
    }
}

fn grade(round: &Value, staff_id: i64) -> &Value {
    round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == staff_id)
        .expect("graded")
}

async fn assess(app: &TestApp, token: &str, rid: i64, staff: i64, body: Value) -> Value {
    let res = app
        .client
        .put(format!(
            "{}/api/v1/grading/rounds/{rid}/assessments/{staff}",
            app.address
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

async fn get_round(app: &TestApp, token: &str, rid: i64) -> Value {
    app.get(&format!("/api/v1/grading/rounds/{rid}"), token)
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn one_month_under_the_first_and_the_new_formula() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let policies: Value = app
        .get("/api/v1/policies", &tochuc)
        .await
        .json()
        .await
        .expect("json");
    let v1 = policies["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["code"] == "decree-335-2025" && p["version"] == 1)
        .expect("decree v1")["id"]
        .as_i64()
        .expect("id");
    // The same diary in two wards: V1 graded under the first version, V2 under the default.
    let old = mirror(&app, &d, "V1", "1").await;
    let new = mirror(&app, &d, "V2", "2").await;

    // Before any round the KPI view uses the default version (product): logged nothing → 0.
    let k: Value = app
        .get(
            &format!("/api/v1/kpi/staff/{}?period=2026-10", new.nothing),
            &new.head,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(k["task_score"], 0.0);
    assert_eq!(
        (k["quality"].clone(), k["progress"].clone()),
        (json!(0.0), json!(0.0))
    );

    let open = |unit: i64, policy: Option<i64>| json!({"unit_id": unit, "period": "2026-10", "policy_id": policy});
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &old.head,
            open(old.unit, Some(v1)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let r_old = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let res = app
        .post("/api/v1/grading/rounds", &new.head, open(new.unit, None))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let r_new = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    // Everyone gets 8 + 8 + 9 = 25 for the common criteria.
    for (m, rid) in [(&old, r_old), (&new, r_new)] {
        for who in [m.nothing, m.half, m.full] {
            assess(&app, &m.head, rid, who, json!({"common_scores": [8, 8, 9]})).await;
        }
    }
    let before = get_round(&app, &old.head, r_old).await;
    let after = get_round(&app, &new.head, r_new).await;
    assert_eq!(before["policy"]["version"], 1);
    assert_eq!(after["policy"]["version"], 2);

    // (person, first version: task, total, proposed grade; new version: task, total, grade)
    // - nothing: v1 70 × (0 + 1 + 1) / 3 = 46.67 → 71.67 good (!); v2 0 → 25 not complete.
    // - half (5,280 of 10,560, no rework): v1 70 × (0.5 + 1 + 1) / 3 = 58.33 → 83.33 good;
    //   v2 70 × 5,280 / 10,560 = 35 → 60 complete.
    // - full (10,560, 480 of it reworked once, qf 0.75): quality = (10,080 + 360) / 10,560 =
    //   0.988636…; v1 70 × (1 + 0.988636… + 1) / 3 = 69.734… → 69.73, total 94.73;
    //   v2 70 × 10,440 / 10,560 = 69.204… → 69.2, total 94.2. Excellent by thresholds, but the
    //   quota leaves no excellent place: v1 pool 3 (nothing, half, full) → floor(0.6) = 0;
    //   v2 pool 1 → 0; so good with reason `quota` in both.
    let table = [
        (
            old.nothing,
            new.nothing,
            (46.67, 71.67, "good"),
            (0.0, 25.0, "not_complete"),
        ),
        (
            old.half,
            new.half,
            (58.33, 83.33, "good"),
            (35.0, 60.0, "complete"),
        ),
        (
            old.full,
            new.full,
            (69.73, 94.73, "good"),
            (69.2, 94.2, "good"),
        ),
    ];
    for (o, n, (ot, otot, og), (nt, ntot, ng)) in table {
        let g = grade(&before, o);
        assert_eq!(g["task_score"], ot, "v1 task of {o}");
        assert_eq!(g["total"], otot, "v1 total of {o}");
        assert_eq!(g["proposed_grade"]["code"], og, "v1 grade of {o}");
        let g = grade(&after, n);
        assert_eq!(g["task_score"], nt, "v2 task of {n}");
        assert_eq!(g["total"], ntot, "v2 total of {n}");
        assert_eq!(g["proposed_grade"]["code"], ng, "v2 grade of {n}");
    }
    assert_eq!(grade(&before, old.full)["reasons"][1]["rule"], "quota");
    assert!(
        (grade(&after, new.full)["quality"].as_f64().expect("q") - 10440.0 / 10560.0).abs() < 1e-12
    );
    assert_eq!(grade(&after, new.nothing)["quality"], 0.0);
    assert_eq!(grade(&before, old.nothing)["quality"], 1.0);

    // The round recorded under the first version recomputes to identical numbers.
    let again: Value = app
        .post(
            &format!("/api/v1/grading/rounds/{r_old}/recompute"),
            &old.head,
            json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["grades"], before["grades"]);
    // ...and so does the KPI view of a person of that unit (it follows the round's version).
    let k: Value = app
        .get(
            &format!("/api/v1/kpi/staff/{}?period=2026-10", old.nothing),
            &old.head,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(k["task_score"], 46.67);
    // Decided, it keeps those numbers.
    let decided: Value = app
        .post(
            &format!("/api/v1/grading/rounds/{r_old}/decide"),
            &old.head,
            json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(decided["state"], "decided");
    assert_eq!(grade(&decided, old.nothing)["total"], 71.67);
    // The unit-wide permission covered every line: none is a late backfill.
    let an: Value = app
        .get(
            &format!(
                "/api/v1/reports/anomalies?period=2026-10&unit_id={}",
                new.unit
            ),
            &tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(an["totals"]["late_backfill"], 0);
    app.assert_no_totals_drift().await;
}

#[tokio::test]
async fn a_leaders_unit_factor_reads_the_real_grades_of_the_subordinates() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = &d.org.admin;
    let h1 = d.org.h1;
    // Two deputies of h1 (leaders), each with one subordinate:
    // - x (under deputy a) logs half the norm and scores 30: 35 + 30 = 65 ≥ 50 by thresholds,
    //   but is disciplined → not complete → a's unit factor 0.5;
    // - y (under deputy b) starts on 2026-10-26 (5 of 22 working days: not graded) → left out;
    //   with nobody left b's unit factor is 1.
    let mk = |u: &str, sup: i64, leader: bool| json!({"unit_id": d.org.w1, "username": u, "password": PASSWORD, "full_name": format!("Cán bộ {u}"), "supervisor_id": sup, "is_leader": leader});
    let a = app.create_staff(admin, mk("deputya", h1, true)).await;
    let b = app.create_staff(admin, mk("deputyb", h1, true)).await;
    let x = app.create_staff(admin, mk("canbox", a, false)).await;
    let y = app.create_staff(admin, mk("canboy", b, false)).await;
    for id in [h1, a, b, x] {
        set_contract(&app, admin, id, "2026-01-01").await;
    }
    set_contract(&app, admin, y, "2026-10-26").await;
    set_contract(&app, admin, d.org.s1, "2026-01-01").await;
    let res = app
        .post(
            "/api/v1/backdate-permissions",
            &d.h1,
            json!({"staff_id": x, "from": "2026-10-01", "to": "2026-10-31", "reason": "Nhập bù"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let xt = app.login_as("canbox", PASSWORD).await;
    let at = app.login_as("deputya", PASSWORD).await;
    for day in october_days().iter().take(11) {
        let id = log(
            &app,
            &xt,
            json!({"work_date": day, "product_id": d.product, "quantity": 16, "minutes": 480}),
        )
        .await["id"]
            .as_i64()
            .expect("id");
        act(&app, &xt, id, "submit").await;
        assert_eq!(act(&app, &at, id, "approve").await.status(), StatusCode::OK);
    }
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": "2026-10"}),
        )
        .await;
    let rid = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let gx = assess(&app, &d.h1, rid, x, json!({"common_scores": [10, 10, 10]})).await;
    assert_eq!(gx["total"], 65.0);
    assert_eq!(gx["proposed_grade"]["code"], "complete");
    let round = get_round(&app, &d.h1, rid).await;
    // Not yet disciplined: a's factor 1 → 70 × (0.5 × 0 + 0.5 × 1) = 35.
    assert_eq!(grade(&round, a)["task_score"], 35.0);
    let gx = assess(&app, &d.h1, rid, x, json!({"disciplined": true})).await;
    assert_eq!(gx["proposed_grade"]["code"], "not_complete");
    let round = get_round(&app, &d.h1, rid).await;
    // x's real grade is not complete → a: 70 × (0.5 × 0 + 0.5 × 0.5) = 17.5.
    assert_eq!(grade(&round, a)["task_score"], 17.5);
    // y is not graded and left out: b's factor is 1 → 35.
    assert_eq!(grade(&round, y)["proposed_grade"]["code"], "not_graded");
    assert_eq!(grade(&round, b)["task_score"], 35.0);
    // The KPI view agrees (it reads the discipline recorded in the round of the period).
    let k: Value = app
        .get(&format!("/api/v1/kpi/staff/{a}?period=2026-10"), &d.h1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(k["unit_factor"], 0.5);
}

#[tokio::test]
async fn heads_above_decide_leave_and_backdate_permissions_of_their_subtree() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = &d.org.admin;
    // gov heads the province; s1's approver is h1 (supervisor), not gov.
    let gov = app
        .create_staff(admin, json!({"unit_id": d.org.province, "username": "gov", "password": PASSWORD, "full_name": "Chủ tịch tỉnh", "roles": ["staff", "head"]}))
        .await;
    app.set_head(admin, d.org.province, gov).await;
    let gov_t = app.login_as("gov", PASSWORD).await;
    let day = today() + Duration::days(7);
    let leave: Value = app
        .post(
            "/api/v1/leaves",
            &d.s1,
            json!({"start_date": day, "end_date": day, "kind": "annual"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let lid = leave["id"].as_i64().expect("id");
    // A plain colleague of another unit: 404; the head above: approves.
    assert_problem(
        app.post(&format!("/api/v1/leaves/{lid}/approve"), &d.s2, json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = app
        .post(&format!("/api/v1/leaves/{lid}/approve"), &gov_t, json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Backdate permissions too, single day (old form) and range; never for oneself.
    let old = today() - Duration::days(20);
    let res = app
        .post(
            &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
            &gov_t,
            json!({"work_date": old, "reason": "Công tác xa"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    log(&app, &d.s1, line(&d, old, 60)).await;
    assert_problem(
        app.post(
            "/api/v1/backdate-permissions",
            &gov_t,
            json!({"staff_id": gov, "from": old, "to": old, "reason": "Tự cấp"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // h1 (head of W1) cannot grant for W2 or its people.
    assert_problem(
        app.post(
            "/api/v1/backdate-permissions",
            &d.h1,
            json!({"unit_id": d.org.w2, "from": old, "to": old, "reason": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/backdate-permissions",
            &d.s1,
            json!({"unit_id": d.org.w1, "from": old, "to": old, "reason": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn backdate_ranges_are_validated_listed_and_revoked() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let t = today();
    let (from, to) = (t - Duration::days(30), t - Duration::days(20));
    let post = |body: Value| app.post("/api/v1/backdate-permissions", &d.h1, body);
    for (body, field) in [
        (json!({"from": from, "to": to, "reason": "x"}), "staff_id"),
        (
            json!({"staff_id": d.org.s1, "unit_id": d.org.w1, "from": from, "to": to, "reason": "x"}),
            "staff_id",
        ),
        (
            json!({"staff_id": d.org.s1, "from": to, "to": from, "reason": "x"}),
            "to",
        ),
        (
            json!({"staff_id": d.org.s1, "from": from, "to": t + Duration::days(1), "reason": "x"}),
            "work_date",
        ),
        (
            json!({"staff_id": d.org.s1, "from": t - Duration::days(400), "to": to, "reason": "x"}),
            "to",
        ),
        (
            json!({"staff_id": d.org.s1, "from": from, "to": to, "reason": ""}),
            "reason",
        ),
    ] {
        let p = assert_problem(post(body.clone()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&p), vec![field], "{body}");
    }
    // Outside the window and without permission: refused.
    let day = from + Duration::days(3);
    assert_problem(
        app.post("/api/v1/entries", &d.s1, line(&d, day, 60)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let res =
        post(json!({"unit_id": d.org.w1, "from": from, "to": to, "reason": "Mất mạng diện rộng"}))
            .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["unit_id"], d.org.w1);
    assert_eq!(p["staff_id"], Value::Null);
    assert!(chrono::DateTime::parse_from_rfc3339(p["created_at"].as_str().expect("t")).is_ok());
    let pid = p["id"].as_i64().expect("id");
    // Already covered: 409.
    assert_problem(
        post(json!({"unit_id": d.org.w1, "from": from, "to": to, "reason": "lại"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    // Now s1 may log it, and the line is not a late backfill in the approver's queue.
    let e = log(&app, &d.s1, line(&d, day, 60)).await["id"]
        .as_i64()
        .expect("id");
    act(&app, &d.s1, e, "submit").await;
    let anomalies = |q: &Value| -> Vec<String> {
        q["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["entry"]["id"] == e)
            .expect("queued")["anomalies"]
            .as_array()
            .expect("anomalies")
            .iter()
            .map(|a| a.as_str().expect("a").to_owned())
            .collect()
    };
    let q: Value = app
        .get("/api/v1/approvals/queue", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    assert!(!anomalies(&q).contains(&"late_backfill".to_owned()), "{q}");
    // Listed for the head and for s1 (their unit's), not for s2 (another unit).
    for (token, n) in [(&d.h1, 1), (&d.s1, 1), (&d.s2, 0)] {
        let l: Value = app
            .get("/api/v1/backdate-permissions", token)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(l["items"].as_array().expect("items").len(), n);
    }
    // s1 cannot revoke; h1 can, once; the line becomes a late backfill again.
    assert_problem(
        app.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/backdate-permissions/{pid}"),
            Some(&d.s1),
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let res = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/backdate-permissions/{pid}"),
            Some(&d.h1),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let revoked: Value = res.json().await.expect("json");
    assert!(revoked["revoked_at"].is_string());
    assert_problem(
        app.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/backdate-permissions/{pid}"),
            Some(&d.h1),
            None,
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let q: Value = app
        .get("/api/v1/approvals/queue", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    assert!(anomalies(&q).contains(&"late_backfill".to_owned()), "{q}");
    let l: Value = app
        .get("/api/v1/backdate-permissions?include_revoked=true", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(l["items"].as_array().expect("items").len(), 1);
    let l: Value = app
        .get("/api/v1/backdate-permissions", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(l["items"].as_array().expect("items").len(), 0);
    app.assert_no_totals_drift().await;
}

#[tokio::test]
async fn a_month_is_decided_only_once_it_has_ended() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let t = today();
    let period = format!("{}-{:02}", t.year(), t.month());
    // Opening early to preview stays allowed.
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": period}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let rid = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let p = assert_problem(
        app.post(
            &format!("/api/v1/grading/rounds/{rid}/decide"),
            &d.h1,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        p["detail"].as_str().expect("detail").contains(&period),
        "{p}"
    );
    // The diary of the current month stays open.
    log(&app, &d.s1, line(&d, t, 30)).await;
}

#[tokio::test]
async fn the_approval_queue_pages_with_a_cursor() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let t = today();
    let mut ids = Vec::new();
    for back in [2, 1, 1, 0, 0] {
        let e = log(&app, &d.s1, line(&d, t - Duration::days(back), 20)).await["id"]
            .as_i64()
            .expect("id");
        act(&app, &d.s1, e, "submit").await;
        ids.push(e);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/approvals/queue?limit=2&cursor={c}"),
            None => "/api/v1/approvals/queue?limit=2".to_owned(),
        };
        let page: Value = app.get(&path, &d.h1).await.json().await.expect("json");
        pages += 1;
        for i in page["items"].as_array().expect("items") {
            seen.push(i["entry"]["id"].as_i64().expect("id"));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // Oldest work date first, then by id; every line once.
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let p = assert_problem(
        app.get("/api/v1/approvals/queue?cursor=bogus", &d.h1).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["cursor"]);
}

#[tokio::test]
async fn a_database_with_only_the_first_preset_versions_gets_the_new_ones_at_start() {
    use diesel::RunQueryDsl;
    let app = crate::helpers::spawn_app().await;
    {
        // Back to the state before this change: only the v1 rows, the decree's v1 the default.
        let mut conn = app.pool.get().expect("connection");
        for sql in [
            "DELETE FROM policies WHERE version = 2",
            "UPDATE policies SET is_default = (code = 'decree-335-2025')",
            "DELETE FROM seeds WHERE name = 'policy_presets_v2_product'",
        ] {
            diesel::sql_query(sql).execute(&mut conn).expect(sql);
        }
        // What the server runs at start.
        let added = worklog_kpi::services::grading::seed_policies(&mut conn).expect("seed");
        assert_eq!(added, 3);
        // Once only.
        assert_eq!(
            worklog_kpi::services::grading::seed_policies(&mut conn).expect("seed"),
            0
        );
    }
    let admin = app.admin().await;
    let list: Value = app
        .get("/api/v1/policies", &admin)
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 6);
    let default: Vec<(String, i64, String)> = items
        .iter()
        .filter(|p| p["is_default"] == true)
        .map(|p| {
            (
                p["code"].as_str().expect("code").to_owned(),
                p["version"].as_i64().expect("version"),
                p["kpi"]["combine"].as_str().expect("combine").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        default,
        vec![("decree-335-2025".to_owned(), 2, "product".to_owned())]
    );
}
