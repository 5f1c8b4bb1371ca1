//! The organisation department's dashboard, checked figure by figure against numbers computed by
//! hand. October 2026: 22 working days and no public holiday, so a full-time person is expected
//! 22 × 480 = 10,560 minutes; product HS has a standard of 30 minutes.
//!
//! Organisation: province HG (no members) → ward W1 (head h1 "Lê Văn Hưng", leader; s1
//! "Nguyễn Thị Ánh") and ward W2 (head h2 "Phạm Thị Hoa"; s2 "Trần Văn Bình").
//! - s1 (as tests/api/grading.rs): 5/10 480 min ×10, 6/10 480 min ×16 (one quality rework),
//!   7/10 240 min ×4, all approved by h1.
//! - s2: Sat 3/10 120 min ×4 (approved), Thu 8/10 two identical lines of 330 min ×10 (approved),
//!   Fri 9/10 200 min ×1 (submitted, waiting for h2).
//! - W1's October round: s1 scored 30 by h1, h1 scored 27 by the organisation; h1 decides s1
//!   `excellent` over the proposed `not_complete`; the organisation publishes. W2 has no round.
//!
//! Every entry is created on 2026-11-23 or later (the test clock), long after its work date.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, log, Diary};
use crate::grading::{contract_from_january, october_diary};
use crate::helpers::{assert_problem, TestApp, PASSWORD};

pub struct October {
    pub d: Diary,
    pub h2_id: i64,
    pub h2: String,
    pub tochuc: String,
    pub waiting_entry: i64,
}

fn num(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

fn close(v: &Value, expected: f64) {
    assert!(
        (num(v) - expected).abs() < 1e-6,
        "expected {expected}, got {v}"
    );
}

/// Builds the organisation and runs its October through the API.
pub async fn october(app: &TestApp) -> October {
    let d = diary_setup(app).await;
    october_diary(app, &d).await;
    let h2_id = app
        .create_staff(&d.org.admin, json!({"unit_id": d.org.w2, "username": "h2", "password": PASSWORD, "full_name": "Phạm Thị Hoa", "roles": ["staff", "head"]}))
        .await;
    app.set_head(&d.org.admin, d.org.w2, h2_id).await;
    contract_from_january(app, &d, d.org.s2).await;
    contract_from_january(app, &d, h2_id).await;
    let h2 = app.login_as("h2", PASSWORD).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;

    let mut waiting_entry = 0;
    for (day, minutes, quantity, approve) in [
        ("2026-10-03", 120, 4, true),
        ("2026-10-08", 330, 10, true),
        ("2026-10-08", 330, 10, true),
        ("2026-10-09", 200, 1, false),
    ] {
        app.post(
            &format!("/api/v1/staff/{}/backdate-permissions", d.org.s2),
            &h2,
            json!({"work_date": day, "reason": "Nhập bù"}),
        )
        .await;
        let id = log(app, &d.s2, json!({"work_date": day, "product_id": d.product, "quantity": quantity, "minutes": minutes, "note": "Thẩm định hồ sơ"}))
            .await["id"]
            .as_i64()
            .expect("id");
        assert_eq!(act(app, &d.s2, id, "submit").await.status(), StatusCode::OK);
        if approve {
            assert_eq!(act(app, &h2, id, "approve").await.status(), StatusCode::OK);
        } else {
            waiting_entry = id;
        }
    }

    // W1's round: scored, decided with an override, published.
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": "2026-10"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let rid = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    for (token, staff, scores) in [
        (&d.h1, d.org.s1, json!([10, 10, 10])),
        (&tochuc, d.org.h1, json!([9, 9, 9])),
    ] {
        let res = app
            .client
            .put(format!(
                "{}/api/v1/grading/rounds/{rid}/assessments/{staff}",
                app.address
            ))
            .bearer_auth(token)
            .json(&json!({"common_scores": scores}))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/decide"),
            &d.h1,
            json!({"overrides": [{"staff_id": d.org.s1, "grade": "excellent", "reason": "Sáng kiến được tỉnh công nhận"}]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/publish"),
            &tochuc,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    October {
        d,
        h2_id,
        h2,
        tochuc,
        waiting_entry,
    }
}

fn unit<'a>(list: &'a Value, key: &str, id: i64) -> &'a Value {
    list.as_array()
        .expect("array")
        .iter()
        .find(|u| u[key] == id || u["unit"]["unit_id"] == id)
        .unwrap_or_else(|| panic!("unit {id} in {list}"))
}

#[tokio::test]
async fn the_dashboard_of_a_month_matches_the_hand_computed_figures() {
    let app = crate::helpers::spawn_app().await;
    let o = october(&app).await;
    let (p, w1, w2) = (o.d.org.province, o.d.org.w1, o.d.org.w2);
    let res = app
        .get(
            &format!("/api/v1/dashboard?period=2026-10&unit_id={p}"),
            &o.tochuc,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let dash: Value = res.json().await.expect("json");
    assert_eq!(dash["period"], "2026-10");
    assert_eq!(dash["root"]["unit_id"], p);

    // Headcount: h1, s1 (W1) + h2, s2 (W2) = 4; the province itself has no members.
    assert_eq!(dash["headcount"], 4);

    // Grades: only W1's round is published: s1 excellent (the decision, not the proposal),
    // h1 not complete (44.5) → 2 people, 1/2 = 0.5 each; nothing at the other grades.
    let overall = &dash["grades"]["overall"];
    assert_eq!(overall["total"], 2);
    let grades: Vec<(String, u64, f64)> = overall["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .map(|g| {
            (
                g["grade"]["code"].as_str().expect("code").to_owned(),
                g["count"].as_u64().expect("count"),
                num(&g["share"]),
            )
        })
        .collect();
    assert_eq!(
        grades,
        vec![
            ("excellent".to_owned(), 1, 0.5),
            ("good".to_owned(), 0, 0.0),
            ("complete".to_owned(), 0, 0.0),
            ("not_complete".to_owned(), 1, 0.5),
            ("not_graded".to_owned(), 0, 0.0),
        ]
    );
    assert_eq!(
        overall["grades"][0]["grade"]["label"],
        "Hoàn thành xuất sắc nhiệm vụ"
    );
    // By level: both graded people are in a ward.
    let levels = dash["grades"]["by_level"].as_array().expect("levels");
    assert_eq!(levels.len(), 1);
    assert_eq!(levels[0]["level"], "ward");
    assert_eq!(levels[0]["counts"]["total"], 2);
    let by_unit = dash["grades"]["by_unit"].as_array().expect("units");
    assert_eq!(by_unit.len(), 1);
    assert_eq!(by_unit[0]["unit"]["unit_id"], w1);

    // Hours: expected 4 × 10,560 = 42,240; logged = s1 480 + 480 + 240 = 1,200 plus s2
    // 120 + 330 + 330 + 200 = 980 → 2,180; approved = 1,200 + 780 = 1,980; credited (hours
    // mode) = approved = 1,980.
    assert_eq!(
        dash["hours"],
        json!({"expected": 42240, "logged": 2180, "approved": 1980, "credited": 1980})
    );

    // Under-logging: October's ISO weeks are W40..W44 (Thursdays 1, 8, 15, 22, 29/10). Everyone
    // logs less than 2,400 a week in each → 4 of 4 people, share 1. Streaks count every ended
    // under-logged week back to the first contract (2026-01-01): W01..W44 is 44 weeks, less
    // the Tết week W08 (16-20/02: nothing expected, neither counts nor breaks) = 43, whatever
    // window was asked (the first 12 weeks of history looked at are not a limit). Gaps over the five weeks
    // (5 × 2,400 = 12,000 expected): h1 and h2 12,000, s2 12,000 − 980 = 11,020, s1 12,000 −
    // 1,200 = 10,800. Order: streak, then gap, then name (Lê before Phạm).
    let under = &dash["under_logging"];
    assert_eq!(
        under["weeks"],
        json!(["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"])
    );
    assert_eq!(under["people_count"], 4);
    assert_eq!(under["under_logged_count"], 4);
    close(&under["share"], 1.0);
    // Every week of the period: the four people expected, all four short.
    let by_week: Vec<(String, u64, u64)> = under["by_week"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| {
            (
                w["week"].as_str().expect("week").to_owned(),
                w["people_count"].as_u64().expect("people"),
                w["under_logged_count"].as_u64().expect("under"),
            )
        })
        .collect();
    assert_eq!(
        by_week,
        ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
            .iter()
            .map(|w| (w.to_string(), 4, 4))
            .collect::<Vec<_>>()
    );
    // The dashboard lists no people (issue 14: summaries only); who is short, with the streaks
    // above, is the drill-down `/reports/under-logged` of a week, paged. W44: nobody logged, so
    // every gap is 2,400 and every streak 43: name order (Lê, Nguyễn, Phạm, Trần), two a page.
    assert!(under.get("people").is_none() && under.get("longest_streaks").is_none());
    let page = |offset: u64| {
        format!("/api/v1/reports/under-logged?week=2026-W44&unit_id={p}&limit=2&offset={offset}")
    };
    let first: Value = app
        .get(&page(0), &o.tochuc)
        .await
        .json()
        .await
        .expect("json");
    let second: Value = app
        .get(&page(2), &o.tochuc)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(first["under_logged_count"], 4);
    assert_eq!(first["people_count"], 4);
    assert_eq!(first["next_offset"], 2);
    assert_eq!(second["offset"], 2);
    assert_eq!(second["next_offset"], Value::Null);
    let listed: Vec<(i64, u64, i64)> = first["people"]
        .as_array()
        .expect("people")
        .iter()
        .chain(second["people"].as_array().expect("people"))
        .map(|s| {
            (
                s["staff_id"].as_i64().expect("id"),
                s["streak"].as_u64().expect("streak"),
                s["gap"].as_i64().expect("gap"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (o.d.org.h1, 43, 2400),
            (o.d.org.s1, 43, 2400),
            (o.h2_id, 43, 2400),
            (o.d.org.s2, 43, 2400),
        ]
    );
    let w1_under = unit(&under["units"], "unit_id", w1);
    assert_eq!(w1_under["people_count"], 2);
    assert_eq!(w1_under["under_logged_count"], 2);

    // Staffing: norm per person 22 × 480 = 10,560.
    // W1: credited 1,200 → FTE 1,200 / 10,560 = 0.113636…; workload 1,200 / (10,560 × 2) =
    //     0.056818…; surplus 2 − 0.113636… = 1.886363….
    // W2: credited 780 → FTE 0.073863…; workload 780 / 21,120 = 0.036931…; surplus 1.926136….
    // Subtree: 1,980 → FTE 0.1875; workload 1,980 / 42,240 = 0.046875; surplus 3.8125.
    // Most over-staffed: W2 (1.93) then W1 (1.89); the province (no people, no work) is not
    // ranked; nobody is under-staffed (no surplus below 0).
    let st = &dash["staffing"];
    assert_eq!(st["working_days"], 22);
    assert_eq!(st["norm_per_person"], 10560);
    close(&st["fte_needed"], 0.1875);
    close(&st["workload"], 0.046875);
    close(&st["surplus"], 3.8125);
    let sw1 = unit(&st["units"], "unit_id", w1);
    assert_eq!(sw1["headcount"], 2);
    assert_eq!(sw1["hours"]["credited"], 1200);
    assert_eq!(sw1["hours"]["expected"], 21120);
    close(&sw1["fte_needed"], 1200.0 / 10560.0);
    close(&sw1["workload"], 1200.0 / 21120.0);
    close(&sw1["surplus"], 2.0 - 1200.0 / 10560.0);
    let sw2 = unit(&st["units"], "unit_id", w2);
    assert_eq!(sw2["hours"]["logged"], 980);
    assert_eq!(sw2["hours"]["approved"], 780);
    close(&sw2["fte_needed"], 780.0 / 10560.0);
    close(&sw2["workload"], 780.0 / 21120.0);
    close(&sw2["surplus"], 2.0 - 780.0 / 10560.0);
    let sp = unit(&st["units"], "unit_id", p);
    assert_eq!(sp["headcount"], 0);
    assert_eq!(sp["kpi_average"], Value::Null);
    let over: Vec<&Value> = st["most_over_staffed"]
        .as_array()
        .expect("over")
        .iter()
        .map(|u| &u["unit"]["unit_id"])
        .collect();
    assert_eq!(over, vec![&json!(w2), &json!(w1)]);
    assert_eq!(st["most_under_staffed"], json!([]));

    // Anomalies (submitted + approved entries):
    // - late backfill: all 7 lines were created on 23/11 or later, > 3 days after October, but
    //   each under a backdate permission of its day: none is flagged;
    // - W2: Sat 3/10 → 1 non-working day; 8/10 totals 660 > 600 → both lines over the
    //   threshold; they are identical → 2 duplicates; 9/10 200 min > 2 × 1 × 30 → 1 far above
    //   standard (8/10's 330 > 10 × 30 but not > 2 × 10 × 30 = 600: not flagged).
    // W1: 0; W2: 2 + 1 + 1 + 2 = 6; total 6.
    let an = &dash["anomalies"];
    assert_eq!(
        an["totals"],
        json!({"day_over_threshold": 2, "far_above_standard": 1, "non_working_day": 1, "duplicate": 2, "late_backfill": 0, "total": 6})
    );
    assert_eq!(
        unit(&an["units"], "unit_id", w1)["counts"],
        json!({"day_over_threshold": 0, "far_above_standard": 0, "non_working_day": 0, "duplicate": 0, "late_backfill": 0, "total": 0})
    );
    assert_eq!(
        unit(&an["units"], "unit_id", w2)["counts"],
        json!({"day_over_threshold": 2, "far_above_standard": 1, "non_working_day": 1, "duplicate": 2, "late_backfill": 0, "total": 6})
    );
    assert_eq!(unit(&an["units"], "unit_id", p)["counts"]["total"], 0);

    // KPI of October (totals as /kpi and the round; combine = product, the default version):
    // s1 37.16 (30 + 7.16), h1 44.5 (27 + 17.5, as tests/api/grading.rs);
    // s2 (W2 has no round: default policy, no common score): 780 approved minutes without
    //   rework or task: own = 780 / 10,560 = 0.073863… → 70 × 0.073863… = 5.17;
    // h2: nothing credited → 0 (the first policy version gave 46.67).
    // W1 average (37.16 + 44.5) / 2 = 40.83; W2 (5.17 + 0) / 2 = 2.585;
    // subtree (37.16 + 44.5 + 5.17 + 0) / 4 = 21.7075.
    let kpi = &dash["kpi"];
    close(&kpi["average"], 21.7075);
    assert_eq!(kpi["people"], 4);
    close(&unit(&kpi["units"], "unit_id", w1)["average"], 40.83);
    close(&unit(&kpi["units"], "unit_id", w2)["average"], 2.585);
    close(&sw1["kpi_average"], 40.83);
    // Trend: May..October. In May..September nobody logged: everyone 0 (no products, no task
    // points), except h1 whose subordinate s1 is then not complete → unit factor 0.5 →
    // 70 × (0.5 × 0 + 0.5 × 0.5) = 17.5. Subtree 17.5 / 4 = 4.375; W1 17.5 / 2 = 8.75; W2 0.
    let trend = kpi["trend"].as_array().expect("trend");
    let months: Vec<&str> = trend
        .iter()
        .map(|t| t["period"].as_str().expect("period"))
        .collect();
    assert_eq!(
        months,
        vec!["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    );
    for t in &trend[..5] {
        close(&t["average"], 4.375);
        close(&unit(&t["units"], "unit_id", w1)["average"], 8.75);
        close(&unit(&t["units"], "unit_id", w2)["average"], 0.0);
    }
    close(&trend[5]["average"], 21.7075);

    // Backlog: s2's 9/10 line waits for h2 (submitted today: 0 days).
    let bl = &dash["backlog"];
    assert_eq!(bl["waiting"], 1);
    assert_eq!(bl["oldest_age_days"], 0);
    assert_eq!(bl["approvers"].as_array().expect("approvers").len(), 1);
    assert_eq!(bl["approvers"][0]["approver_id"], o.h2_id);
    assert_eq!(bl["approvers"][0]["approver_name"], "Phạm Thị Hoa");
    assert_eq!(bl["approvers"][0]["waiting"], 1);
    assert_eq!(bl["approvers"][0]["oldest_work_date"], "2026-10-09");

    // The whole organisation (no unit_id) gives the same figures for this organisation.
    let all: Value = app
        .get("/api/v1/dashboard?period=2026-10", &o.tochuc)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["root"], Value::Null);
    assert_eq!(all["headcount"], 4);
    assert_eq!(all["anomalies"]["totals"], an["totals"]);

    // Once h2 approves, the backlog is empty and W2's approved minutes grow by 200.
    assert_eq!(
        act(&app, &o.h2, o.waiting_entry, "approve").await.status(),
        StatusCode::OK
    );
    let after: Value = app
        .get(
            &format!("/api/v1/dashboard?period=2026-10&unit_id={w2}"),
            &o.h2,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(after["root"]["unit_id"], w2);
    assert_eq!(after["headcount"], 2);
    assert_eq!(after["backlog"]["waiting"], 0);
    assert_eq!(after["hours"]["approved"], 980);
    assert_eq!(after["grades"]["overall"]["total"], 0);
    // Every figure above came from the maintained totals, which match the entries.
    app.assert_no_totals_drift().await;
}

#[tokio::test]
async fn heads_see_only_their_subtree_and_staff_no_dashboard() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let (p, w1, w2) = (d.org.province, d.org.w1, d.org.w2);
    // Plain staff: 403 for the dashboard and every report.
    for path in [
        "/api/v1/dashboard?period=2026-10".to_owned(),
        format!("/api/v1/dashboard?period=2026-10&unit_id={w1}"),
        "/api/v1/reports/staffing?period=2026-10".to_owned(),
        "/api/v1/reports/anomalies?period=2026-10".to_owned(),
        "/api/v1/reports/kpi?period=2026-10".to_owned(),
        "/api/v1/reports/rewards?period=2026-10".to_owned(),
        "/api/v1/reports/grades?period=2026-10".to_owned(),
        "/api/v1/reports/approval-backlog".to_owned(),
        "/api/v1/reports/under-logged?week=2026-W41&format=csv".to_owned(),
    ] {
        assert_problem(app.get(&path, &d.s1).await, StatusCode::FORBIDDEN).await;
    }
    // A head: another subtree or the unit above is 404, in JSON and in files.
    for path in [
        format!("/api/v1/dashboard?period=2026-10&unit_id={w2}"),
        format!("/api/v1/dashboard?period=2026-10&unit_id={p}"),
        format!("/api/v1/reports/staffing?period=2026-10&unit_id={w2}&format=xlsx"),
        format!("/api/v1/reports/anomalies?period=2026-10&unit_id={w2}"),
        format!("/api/v1/reports/kpi?period=2026-10&unit_id={p}&format=csv"),
        format!("/api/v1/reports/rewards?period=2026-10&unit_id={w2}"),
        format!("/api/v1/reports/grades?period=2026-10&unit_id={w2}"),
        format!("/api/v1/reports/approval-backlog?unit_id={w2}"),
        "/api/v1/dashboard?period=2026-10&unit_id=999999".to_owned(),
    ] {
        assert_problem(app.get(&path, &d.h1).await, StatusCode::NOT_FOUND).await;
    }
    // Their own subtree (explicitly or by default) is fine.
    let own: Value = app
        .get("/api/v1/dashboard?period=2026-10", &d.h1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(own["root"]["unit_id"], w1);
    assert_eq!(own["headcount"], 2);
    let res = app
        .get(
            &format!("/api/v1/reports/staffing?period=2026-10&unit_id={w1}"),
            &d.h1,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Bad input: 422 on the field.
    let problem = assert_problem(
        app.get("/api/v1/dashboard?period=2026-13", &d.h1).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(crate::helpers::fields(&problem), vec!["period"]);
    let problem = assert_problem(
        app.get("/api/v1/reports/kpi?period=2026-10&format=pdf", &d.h1)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(crate::helpers::fields(&problem), vec!["format"]);
}

/// The dashboard's KPI sums per unit are stored per month (`services::kpi_months`) after the
/// first read: every later write to an input must show in the next read. Each step compares
/// the dashboard and the staffing report with the KPI report's live per-person computation.
#[tokio::test]
async fn stored_monthly_kpi_follows_every_input_that_changes() {
    let app = crate::helpers::spawn_app().await;
    let o = october(&app).await;
    let (p, w1, w2) = (o.d.org.province, o.d.org.w1, o.d.org.w2);
    // Live per-person KPI of the period per unit, from the KPI report's ranking.
    async fn live(app: &TestApp, o: &October, p: i64) -> std::collections::BTreeMap<i64, f64> {
        let res = app
            .get(
                &format!("/api/v1/reports/kpi?period=2026-10&unit_id={p}"),
                &o.tochuc,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let r: Value = res.json().await.expect("json");
        r["averages"]
            .as_array()
            .expect("averages")
            .iter()
            .filter_map(|a| Some((a["unit_id"].as_i64()?, a["average"].as_f64()?)))
            .collect()
    }
    async fn stored(app: &TestApp, o: &October, p: i64) -> std::collections::BTreeMap<i64, f64> {
        let res = app
            .get(
                &format!("/api/v1/dashboard?period=2026-10&unit_id={p}"),
                &o.tochuc,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let dash: Value = res.json().await.expect("json");
        let rows: std::collections::BTreeMap<i64, f64> = dash["kpi"]["units"]
            .as_array()
            .expect("units")
            .iter()
            .filter_map(|a| Some((a["unit_id"].as_i64()?, a["average"].as_f64()?)))
            .collect();
        // The trend's last month is the period, and staffing reads the same sums.
        let last = dash["kpi"]["trend"][5]["units"]
            .as_array()
            .expect("trend")
            .iter()
            .filter_map(|a| Some((a["unit_id"].as_i64()?, a["average"].as_f64()?)))
            .collect::<std::collections::BTreeMap<i64, f64>>();
        assert_eq!(rows, last);
        for s in dash["staffing"]["units"].as_array().expect("staffing") {
            let id = s["unit"]["unit_id"].as_i64().expect("id");
            assert_eq!(s["kpi_average"].as_f64(), rows.get(&id).copied());
        }
        rows
    }
    let assert_same = |live: &std::collections::BTreeMap<i64, f64>,
                       stored: &std::collections::BTreeMap<i64, f64>,
                       step: &str| {
        assert_eq!(
            live.keys().collect::<Vec<_>>(),
            stored.keys().collect::<Vec<_>>(),
            "{step}"
        );
        for (k, v) in live {
            assert!(
                (v - stored[k]).abs() < 1e-9,
                "{step}: unit {k} live {v} stored {}",
                stored[k]
            );
        }
    };
    let first = stored(&app, &o, p).await;
    assert_same(&live(&app, &o, p).await, &first, "first read");
    assert!(first.contains_key(&w1) && first.contains_key(&w2));

    // Approved work: h2 approves s2's waiting line (W2's credits grow).
    assert_eq!(
        act(&app, &o.h2, o.waiting_entry, "approve").await.status(),
        StatusCode::OK
    );
    let after_approval = stored(&app, &o, p).await;
    assert_same(&live(&app, &o, p).await, &after_approval, "approve");
    assert_ne!(after_approval[&w2], first[&w2], "the approval shows");

    // The calendar: a holiday in October lowers everyone's expected minutes.
    let res = app
        .post(
            "/api/v1/calendar/holidays",
            &o.tochuc,
            json!({"date": "2026-10-20", "name_vi": "Nghỉ bù", "name_en": "Day off"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let after_holiday = stored(&app, &o, p).await;
    assert_same(&live(&app, &o, p).await, &after_holiday, "holiday");
    assert_ne!(after_holiday[&w2], after_approval[&w2], "the holiday shows");
}

/// The rollup warmer (services::warm) builds in the background what the dashboard would build
/// on its first read, and rebuilds a month an approval invalidated; what it stores is what a
/// reader computes.
#[tokio::test]
async fn the_warmer_builds_the_dashboards_months_and_rebuilds_what_an_approval_invalidated() {
    use worklog_kpi::db::{kpi_months, rollups};
    let app = crate::helpers::spawn_app().await;
    let o = october(&app).await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 15).expect("date");
    let months: Vec<String> = [
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    ]
    .iter()
    .map(|m| (*m).to_owned())
    .collect();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let built = || {
        let mut conn = app.pool.get().expect("connection");
        let months = kpi_months::built(&mut conn, &months).expect("months");
        let weeks =
            rollups::built_between(&mut conn, day("2026-09-28"), day("2026-11-23")).expect("weeks");
        (months, weeks)
    };
    let (before_months, _) = built();
    assert!(
        before_months.is_empty(),
        "nothing read yet: {before_months:?}"
    );

    {
        let mut conn = app.pool.get().expect("connection");
        worklog_kpi::services::warm::warm(&mut conn, today).expect("warm");
    }
    let (after_months, after_weeks) = built();
    let mut got: Vec<(String, chrono::NaiveDate)> = after_months;
    got.sort();
    assert_eq!(
        got,
        [
            ("2026-06", "2026-06-30"),
            ("2026-07", "2026-07-31"),
            ("2026-08", "2026-08-31"),
            ("2026-09", "2026-09-30"),
            ("2026-10", "2026-10-31"),
            ("2026-11", "2026-11-15"),
        ]
        .iter()
        .map(|(m, d)| ((*m).to_owned(), day(d)))
        .collect::<Vec<_>>(),
        "six months, the current one as of today"
    );
    // ISO weeks whose Thursday is in October or November 2026: W40 (Sept 28) .. W48 (Nov 23).
    assert_eq!(after_weeks.len(), 9, "{after_weeks:?}");
    assert_eq!(after_weeks.first(), Some(&day("2026-09-28")));
    assert_eq!(after_weeks.last(), Some(&day("2026-11-23")));

    // An approval of an October line invalidates October only; the next pass rebuilds it.
    assert_eq!(
        act(&app, &o.h2, o.waiting_entry, "approve").await.status(),
        StatusCode::OK
    );
    let (invalidated, _) = built();
    assert!(
        !invalidated.iter().any(|(m, _)| m == "2026-10") && invalidated.len() == 5,
        "{invalidated:?}"
    );
    {
        let mut conn = app.pool.get().expect("connection");
        worklog_kpi::services::warm::warm(&mut conn, today).expect("warm");
    }
    let (rebuilt, _) = built();
    assert_eq!(rebuilt.len(), 6, "{rebuilt:?}");
}

/// The scopes' headcounts come from the KPI builds' people cache once a month is built: a
/// person added, moved or deactivated after a build is counted at once (every write to `staff`
/// bumps the version the cache was read under).
#[actix_web::test]
async fn headcounts_follow_staff_changes_made_after_a_build() {
    let app = crate::helpers::spawn_app().await;
    let o = october(&app).await;
    let (p, w1, w2) = (o.d.org.province, o.d.org.w1, o.d.org.w2);
    let admin = &o.d.org.admin;
    async fn heads(app: &TestApp, token: &str, p: i64) -> (i64, Vec<(i64, i64)>) {
        let dash: Value = app
            .get(
                &format!("/api/v1/dashboard?period=2026-10&unit_id={p}"),
                token,
            )
            .await
            .json()
            .await
            .expect("json");
        let mut units: Vec<(i64, i64)> = dash["staffing"]["units"]
            .as_array()
            .expect("staffing")
            .iter()
            .map(|s| {
                (
                    s["unit"]["unit_id"].as_i64().expect("id"),
                    s["headcount"].as_i64().expect("headcount"),
                )
            })
            .collect();
        units.sort_unstable();
        (dash["headcount"].as_i64().expect("headcount"), units)
    }
    // The first read builds the months (and fills the cache); the second reads the cache.
    let first = heads(&app, &o.tochuc, p).await;
    assert_eq!(first, heads(&app, &o.tochuc, p).await);
    assert_eq!(first.0, 4);
    let count =
        |h: &(i64, Vec<(i64, i64)>), u: i64| h.1.iter().find(|(id, _)| *id == u).map(|(_, n)| *n);
    assert_eq!(count(&first, w1), Some(2));
    assert_eq!(count(&first, w2), Some(2));

    // Added to W1.
    app.create_staff(
        admin,
        json!({"unit_id": w1, "username": "moi.w1", "password": PASSWORD, "full_name": "Người mới", "roles": ["staff"]}),
    )
    .await;
    let added = heads(&app, &o.tochuc, p).await;
    assert_eq!(added.0, 5);
    assert_eq!(count(&added, w1), Some(3));

    // s1 leaves W1 for W2 (5 people: W1 2, W2 3), then s2 is deactivated (4: W1 2, W2 2).
    for (id, change, total, in_w1, in_w2) in [
        (o.d.org.s1, json!({"unit_id": w2}), 5, 2, 3),
        (o.d.org.s2, json!({"active": false}), 4, 2, 2),
    ] {
        let res = app.get(&format!("/api/v1/staff/{id}"), admin).await;
        let etag = crate::helpers::etag_of(&res);
        let res = app
            .patch(
                &format!("/api/v1/staff/{id}"),
                admin,
                Some(&etag),
                change.clone(),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{change}");
        let now = heads(&app, &o.tochuc, p).await;
        assert_eq!(now.0, total, "after {change}: {now:?}");
        assert_eq!(count(&now, w1), Some(in_w1), "after {change}: {now:?}");
        assert_eq!(count(&now, w2), Some(in_w2), "after {change}: {now:?}");
    }
}

/// A month is computed on a read snapshot while writers go on (`kpi_months::ensure_built_observed`)
/// and stored only if none of its inputs changed meanwhile. A holiday added between the
/// computation and the store makes the build discard what it computed and build the month
/// again inside a write transaction: what is stored is then what a recomputation gives.
#[tokio::test]
async fn a_month_computed_on_a_snapshot_is_not_stored_when_an_input_changed_meanwhile() {
    use worklog_kpi::db;
    use worklog_kpi::domain::period::Period;
    use worklog_kpi::services::kpi_months::{self, Builds};
    let app = crate::helpers::spawn_app().await;
    let _o = october(&app).await;
    let oct = Period::new_month(2026, 10).expect("month");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 10, d).expect("date");
    let add_holiday = |d: u32| {
        let mut other = app.pool.get().expect("connection");
        db::write_transaction(&mut other, |c| {
            db::holidays::insert(c, day(d), "Nghỉ bù", "Day off", db::now_utc())
        })
        .expect("holiday");
    };
    let expected = |conn: &mut db::DbConnection| -> i64 {
        db::kpi_months::unit_months(conn, &["2026-10".to_owned()])
            .expect("rows")
            .iter()
            .map(|r| r.expected)
            .sum()
    };
    let mut conn = app.pool.get().expect("connection");

    // Nothing written meanwhile: computed on the snapshot and stored.
    let b = kpi_months::ensure_built_observed(&mut conn, &[oct], today, &mut || {}).expect("build");
    assert_eq!(b.on_snapshot, vec![oct]);
    assert!(b.in_write_transaction.is_empty(), "{b:?}");
    assert!(kpi_months::drift(&mut conn).expect("drift").is_empty());
    let before = expected(&mut conn);
    assert!(before > 0);
    // Built: nothing to do.
    let again = kpi_months::ensure_built_observed(&mut conn, &[oct], today, &mut || {});
    assert_eq!(again.expect("build"), Builds::default());

    // A holiday on Wednesday 21 October invalidates the month; while the next build computes,
    // another one on Thursday 22 October is committed.
    add_holiday(21);
    let mut during = || add_holiday(22);
    let b =
        kpi_months::ensure_built_observed(&mut conn, &[oct], today, &mut during).expect("build");
    assert!(b.on_snapshot.is_empty(), "{b:?}");
    assert_eq!(b.in_write_transaction, vec![oct]);
    assert!(kpi_months::drift(&mut conn).expect("drift").is_empty());
    let after = expected(&mut conn);
    assert!(after < before, "{after} < {before}");
    let built = db::kpi_months::built(&mut conn, &["2026-10".to_owned()]).expect("built");
    assert_eq!(built, vec![("2026-10".to_owned(), day(31))]);
}
