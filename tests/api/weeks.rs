//! The 40-hour norm week by week: what each person was expected to log, what they logged, and
//! who is under-logged. Every date is relative to today (UTC+07:00) and every expected number is
//! computed from the holidays the API itself lists, so the stories do not rot.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::calendar::{holidays_between, today};
use crate::helpers::{
    assert_problem, etag_of, fields, small_org, spawn_app, Org, TestApp, PASSWORD,
};

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// `2026-W47` for the ISO week of a date.
fn week_of(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Mondays to Fridays of the week starting `monday` that are not holidays.
fn working_days(monday: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> Vec<NaiveDate> {
    (0..7)
        .map(|i| monday + Duration::days(i))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .filter(|d| !holidays.contains(d))
        .collect()
}

/// Gives a person a contract of `hours` a week from `from` (as the organisation would).
async fn set_contract(app: &TestApp, admin: &str, staff_id: i64, hours: f64, from: NaiveDate) {
    let res = app.get(&format!("/api/v1/staff/{staff_id}"), admin).await;
    let etag = etag_of(&res);
    let res = app
        .patch(
            &format!("/api/v1/staff/{staff_id}"),
            admin,
            Some(&etag),
            json!({"contract": {"weekly_hours": hours, "effective_from": from}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "contract of {staff_id}");
}

/// Everyone of the small organisation on a full-time contract since 2020.
async fn long_serving(app: &TestApp, org: &Org) {
    let since = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for id in [org.h1, org.s1, org.s2] {
        set_contract(app, &org.admin, id, 40.0, since).await;
    }
}

async fn weeks_of(app: &TestApp, token: &str, staff_id: i64, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/staff/{staff_id}/weeks?{query}"), token)
        .await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The most recent complete week before this one that has working days (not the Tết week).
async fn last_week_with_work(app: &TestApp, token: &str) -> (NaiveDate, Vec<NaiveDate>) {
    let this_monday = monday_of(today());
    let holidays =
        holidays_between(app, token, this_monday - Duration::weeks(6), this_monday).await;
    (1..=6)
        .map(|n| this_monday - Duration::weeks(n))
        .map(|m| (m, working_days(m, &holidays)))
        .find(|(_, days)| !days.is_empty())
        .expect("a week with working days in the last six")
}

#[tokio::test]
async fn a_week_without_entries_is_under_logged_and_the_streak_grows() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let this_monday = monday_of(today());
    let first = this_monday - Duration::weeks(3);
    // s1 joined three weeks ago, full time; nothing has been logged since.
    set_contract(&app, &org.admin, org.s1, 40.0, first).await;

    let query = format!(
        "from={}&to={}",
        week_of(first),
        week_of(this_monday - Duration::weeks(1))
    );
    let body = weeks_of(&app, &s1, org.s1, &query).await;
    assert_eq!(body["staff_id"], org.s1);
    assert_eq!(body["basis"], "logged");
    let weeks = body["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 3);

    let holidays = holidays_between(&app, &s1, first, this_monday).await;
    let mut streak = 0;
    for (i, w) in weeks.iter().enumerate() {
        let monday = first + Duration::weeks(i as i64);
        let expected = 480 * working_days(monday, &holidays).len() as i64;
        if expected > 0 {
            streak += 1; // a week with nothing expected neither counts nor breaks the run
        }
        assert_eq!(w["week"], week_of(monday));
        assert_eq!(w["monday"], monday.to_string());
        assert_eq!(w["sunday"], (monday + Duration::days(6)).to_string());
        assert_eq!(w["expected"], expected, "{w}");
        assert_eq!(w["logged"], 0);
        assert_eq!(w["approved"], 0);
        assert_eq!(w["under_logged"], expected > 0);
        assert_eq!(w["gap"], expected);
        assert_eq!(w["streak"], if expected > 0 { streak } else { 0 });
    }
    assert!(
        streak >= 2,
        "at most one week of three can be a holiday week"
    );

    // Asking for the last week alone gives the same streak: the run before it is looked up.
    let last = this_monday - Duration::weeks(1);
    let alone = weeks_of(
        &app,
        &s1,
        org.s1,
        &format!("from={0}&to={0}", week_of(last)),
    )
    .await;
    assert_eq!(alone["weeks"].as_array().unwrap().len(), 1);
    assert_eq!(alone["weeks"][0], weeks[2]);

    // Without a range: the 8 weeks ending with the current one.
    let default = weeks_of(&app, &s1, org.s1, "").await;
    let default = default["weeks"].as_array().unwrap();
    assert_eq!(default.len(), 8);
    assert_eq!(default[7]["week"], week_of(today()));
    assert_eq!(default[0]["week"], week_of(today() - Duration::weeks(7)));
}

/// The first week from next week on with at least three working days, and those days.
async fn coming_week_with_three_working_days(
    app: &TestApp,
    token: &str,
) -> (NaiveDate, Vec<NaiveDate>) {
    let next_monday = monday_of(today()) + Duration::weeks(1);
    let holidays =
        holidays_between(app, token, next_monday, next_monday + Duration::weeks(6)).await;
    (0..6)
        .map(|n| next_monday + Duration::weeks(n))
        .map(|m| (m, working_days(m, &holidays)))
        .find(|(_, days)| days.len() >= 3)
        .expect("a week with three working days")
}

async fn request_leave(app: &TestApp, token: &str, body: Value) -> i64 {
    let res = app.post("/api/v1/leaves", token, body.clone()).await;
    let status = res.status();
    let value: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body} -> {value}");
    value["id"].as_i64().expect("id")
}

#[tokio::test]
async fn approved_leave_lowers_expected_minutes_but_a_business_trip_does_not() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let (monday, days) = coming_week_with_three_working_days(&app, &s1).await;
    let full_week = 480 * days.len() as i64;
    let query = format!("from={0}&to={0}", week_of(monday));

    let annual = request_leave(
        &app,
        &s1,
        json!({"start_date": days[0], "end_date": days[0], "kind": "annual"}),
    )
    .await;
    let trip = request_leave(
        &app,
        &s1,
        json!({"start_date": days[1], "end_date": days[1], "kind": "business_trip", "reason": "Công tác huyện"}),
    )
    .await;
    let half = request_leave(
        &app,
        &s1,
        json!({"start_date": days[2], "end_date": days[2], "kind": "sick", "portion": "half"}),
    )
    .await;

    // Requested leave changes nothing yet.
    let body = weeks_of(&app, &s1, org.s1, &query).await;
    assert_eq!(body["weeks"][0]["expected"], full_week);

    for id in [annual, trip, half] {
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/leaves/{id}/approve"),
                Some(&h1),
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    // A full day of annual leave removes 480, half a sick day 240, the business trip nothing.
    let body = weeks_of(&app, &s1, org.s1, &query).await;
    assert_eq!(body["weeks"][0]["expected"], full_week - 480 - 240);
    assert_eq!(body["weeks"][0]["gap"], full_week - 480 - 240);
}

#[tokio::test]
async fn a_part_time_contract_halves_expected_minutes() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let (monday, days) = last_week_with_work(&app, &tochuc).await;
    let since = monday - Duration::weeks(1);
    set_contract(&app, &org.admin, org.s1, 40.0, since).await;
    set_contract(&app, &org.admin, org.s2, 20.0, since).await;

    let query = format!("from={0}&to={0}", week_of(monday));
    let full = weeks_of(&app, &tochuc, org.s1, &query).await;
    let part = weeks_of(&app, &tochuc, org.s2, &query).await;
    assert_eq!(full["weeks"][0]["expected"], 480 * days.len() as i64);
    assert_eq!(part["weeks"][0]["expected"], 240 * days.len() as i64);
}

#[tokio::test]
async fn weeks_are_private_to_the_person_their_heads_and_the_organisation() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let s2 = app.login_as("s2", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let path = format!("/api/v1/staff/{}/weeks", org.s1);

    assert_problem(app.get(&path, &s2).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.get(&format!("/api/v1/staff/{}/weeks", org.s2), &h1)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get("/api/v1/staff/999999/weeks", &tochuc).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for token in [&s1, &h1, &tochuc] {
        assert_eq!(app.get(&path, token).await.status(), StatusCode::OK);
    }

    // (name, query, field)
    let cases = [
        ("no week 54", "from=2026-W54&to=2026-W47", "from"),
        ("not a week", "from=2026-W40&to=soon", "to"),
        ("reversed", "from=2026-W47&to=2026-W40", "from"),
        ("107 weeks", "from=2025-W01&to=2027-W02", "to"),
    ];
    for (name, query, field) in cases {
        let problem = assert_problem(
            app.get(&format!("{path}?{query}"), &s1).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&problem), [field], "{name}");
    }
    // 106 weeks is the longest range.
    let body = weeks_of(&app, &s1, org.s1, "from=2025-W01&to=2027-W01").await;
    assert_eq!(body["weeks"].as_array().unwrap().len(), 106);
}

fn names(report: &Value) -> Vec<String> {
    report["people"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["full_name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn heads_and_the_organisation_see_who_is_under_logged() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    long_serving(&app, &org).await;
    // s2 works half time: a smaller gap, so further down the list.
    set_contract(
        &app,
        &org.admin,
        org.s2,
        20.0,
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
    )
    .await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let (monday, days) = last_week_with_work(&app, &h1).await;
    let week = week_of(monday);
    let expected = 480 * days.len() as i64;

    // The head of W1 sees their ward: themselves and s1, nobody from W2.
    let res = app
        .get(&format!("/api/v1/reports/under-logged?week={week}"), &h1)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.expect("json");
    assert_eq!(report["week"], week);
    assert_eq!(report["unit_id"], org.w1);
    assert_eq!(report["basis"], "logged");
    assert_eq!(report["people_count"], 2);
    assert_eq!(report["under_logged_count"], 2);
    assert_eq!(report["under_logged_share"], 1.0);
    // Same gap and streak: Vietnamese alphabetical order, "Lê" before "Nguyễn".
    assert_eq!(names(&report), ["Lê Văn Hưng", "Nguyễn Thị Ánh"]);
    let anh = &report["people"][1];
    assert_eq!(anh["staff_id"], org.s1);
    assert_eq!(anh["unit_id"], org.w1);
    assert_eq!(anh["unit_name"], "Phường Một");
    assert_eq!(anh["expected"], expected);
    assert_eq!(anh["logged"], 0);
    assert_eq!(anh["approved"], 0);
    assert_eq!(anh["gap"], expected);
    assert!(anh["streak"].as_u64().unwrap() >= 1);

    // Staff do not get the report; a head does not get another ward, nor the province above.
    assert_problem(
        app.get(&format!("/api/v1/reports/under-logged?week={week}"), &s1)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for unit in [org.w2, org.province, 999_999] {
        assert_problem(
            app.get(
                &format!("/api/v1/reports/under-logged?week={week}&unit_id={unit}"),
                &h1,
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let problem = assert_problem(
        app.get("/api/v1/reports/under-logged?week=2026-W99", &h1)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), ["week"]);

    // The organisation department sees both wards: the whole organisation by default.
    let res = app
        .get(
            &format!("/api/v1/reports/under-logged?week={week}"),
            &tochuc,
        )
        .await;
    let report: Value = res.json().await.expect("json");
    assert!(report["unit_id"].is_null());
    assert_eq!(report["people_count"], 3);
    assert_eq!(
        names(&report),
        ["Lê Văn Hưng", "Nguyễn Thị Ánh", "Trần Văn Bình"]
    );
    assert_eq!(report["people"][2]["gap"], expected / 2);
    assert_eq!(report["people"][2]["unit_name"], "Phường Hai");
    let res = app
        .get(
            &format!(
                "/api/v1/reports/under-logged?week={week}&unit_id={}",
                org.province
            ),
            &tochuc,
        )
        .await;
    let report: Value = res.json().await.expect("json");
    assert_eq!(report["unit_id"], org.province);
    assert_eq!(report["under_logged_count"], 3);
    let res = app
        .get(
            &format!(
                "/api/v1/reports/under-logged?week={week}&unit_id={}",
                org.w2
            ),
            &tochuc,
        )
        .await;
    let report: Value = res.json().await.expect("json");
    assert_eq!(names(&report), ["Trần Văn Bình"]);

    // Without a week: the previous ISO week.
    let res = app.get("/api/v1/reports/under-logged", &h1).await;
    let report: Value = res.json().await.expect("json");
    assert_eq!(
        report["week"],
        week_of(monday_of(today()) - Duration::weeks(1))
    );
}

async fn log(app: &TestApp, token: &str, product: i64, day: NaiveDate, minutes: i64) -> i64 {
    let body = json!({"work_date": day, "product_id": product, "quantity": 1, "minutes": minutes, "note": "Tiếp nhận hồ sơ"});
    let res = app.post("/api/v1/entries", token, body.clone()).await;
    let status = res.status();
    let value: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body} -> {value}");
    assert_eq!(value["state"], "draft");
    value["id"].as_i64().expect("id")
}

async fn entry_action(app: &TestApp, token: &str, id: i64, action: &str) {
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/entries/{id}/{action}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{action} {id}");
}

#[tokio::test]
async fn submitted_and_approved_entries_count_and_shrink_the_gap() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    long_serving(&app, &org).await;
    let res = app
        .post(
            "/api/v1/products",
            &org.admin,
            json!({"code": "HS", "name": "Hồ sơ thủ tục hành chính", "measuring_unit": "hồ sơ", "standard_minutes": 30}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let product = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let s1 = app.login_as("s1", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let day = today();

    // A draft does not count; a submitted line counts as logged; an approved one as both.
    log(&app, &s1, product, day, 120).await;
    let submitted = log(&app, &s1, product, day, 180).await;
    entry_action(&app, &s1, submitted, "submit").await;
    let approved = log(&app, &s1, product, day, 60).await;
    entry_action(&app, &s1, approved, "submit").await;
    entry_action(&app, &h1, approved, "approve").await;

    let monday = monday_of(day);
    let holidays = holidays_between(&app, &s1, monday, monday + Duration::days(6)).await;
    // The current week is in progress: the minutes expected so far (working days up to today),
    // never under-logged (a week is judged when it ends).
    let expected = 480
        * working_days(monday, &holidays)
            .into_iter()
            .filter(|d| *d <= day)
            .count() as i64;
    let week = week_of(day);
    // The same week asked by date (from/to take dates too).
    for query in [
        format!("from={week}&to={week}"),
        format!("from={day}&to={day}"),
    ] {
        let body = weeks_of(&app, &s1, org.s1, &query).await;
        let w = &body["weeks"][0];
        assert_eq!(w["week"], week);
        assert_eq!(w["in_progress"], true);
        assert_eq!(w["expected"], expected);
        assert_eq!(w["logged"], 240);
        assert_eq!(w["approved"], 60);
        assert_eq!(w["gap"], (expected - 240).max(0));
        assert_eq!(w["under_logged"], false);
        assert_eq!(w["streak"], 0);
    }

    // The head's report of the current week lists nobody yet (Monday morning included).
    let res = app
        .get(&format!("/api/v1/reports/under-logged?week={week}"), &h1)
        .await;
    let report: Value = res.json().await.expect("json");
    assert_eq!(report["under_logged_count"], 0);
    assert_eq!(names(&report), Vec::<&str>::new());
}

#[tokio::test]
async fn a_streak_is_one_fact_back_to_joining_whatever_the_window() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let this_monday = monday_of(today());
    // s1 joined 30 weeks ago, full time, and never logged: every ended week with work expected
    // is under-logged, well beyond the first 12 weeks of history looked at.
    let first = this_monday - Duration::weeks(30);
    set_contract(&app, &org.admin, org.s1, 40.0, first).await;
    let holidays = holidays_between(&app, &s1, first, this_monday).await;
    // The latest ended week with work expected (not a whole holiday week).
    let last = (1..30)
        .map(|i| this_monday - Duration::weeks(i))
        .find(|m| !working_days(*m, &holidays).is_empty())
        .expect("a working week");
    let streak = (0..30)
        .map(|i| first + Duration::weeks(i))
        .filter(|m| *m <= last && !working_days(*m, &holidays).is_empty())
        .count() as u64;
    assert!(streak > 20);
    let week = week_of(last);
    let mut seen = Vec::new();
    for query in [
        format!("from={week}&to={week}"),
        format!("from={}&to={week}", week_of(last - Duration::weeks(3))),
        format!("from={}&to={}", first, this_monday),
        format!("from={}&to={}", last, last + Duration::days(2)),
    ] {
        let body = weeks_of(&app, &s1, org.s1, &query).await;
        let w = body["weeks"]
            .as_array()
            .expect("weeks")
            .iter()
            .find(|w| w["week"] == week)
            .expect("the week")
            .clone();
        seen.push(w["streak"].as_u64().expect("streak"));
    }
    let report: Value = app
        .get(&format!("/api/v1/reports/under-logged?week={week}"), &h1)
        .await
        .json()
        .await
        .expect("json");
    let s1_row = report["people"]
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["staff_id"] == org.s1)
        .expect("s1 under-logged");
    seen.push(s1_row["streak"].as_u64().expect("streak"));
    assert_eq!(seen, vec![streak; 5]);
}

async fn team_weeks(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/reports/weeks?{query}"), token)
        .await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::OK, "{query} -> {body}");
    body
}

/// The unit-wide grid gives every person exactly what `/staff/{id}/weeks` gives them: the ended
/// weeks read from the rollup (a joiner in the middle of a week, a day of leave), the long runs
/// looked up further back (people who never logged since 2020), the current week in progress
/// with its entries, a week to come with its plan; one page of people at a time in Vietnamese
/// alphabetical order.
#[tokio::test]
async fn the_team_grid_agrees_with_each_persons_weeks() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    long_serving(&app, &org).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let this_monday = monday_of(today());
    let holidays = holidays_between(
        &app,
        &tochuc,
        this_monday - Duration::weeks(20),
        this_monday + Duration::weeks(2),
    )
    .await;
    // Châu joins W1 on the Wednesday three weeks ago, full time.
    let joined = this_monday - Duration::weeks(3) + Duration::days(2);
    let s3 = app
        .create_staff(
            &org.admin,
            json!({"unit_id": org.w1, "username": "s3", "password": PASSWORD, "full_name": "Đỗ Minh Châu",
                   "supervisor_id": org.h1, "weekly_hours": 40, "joined_on": joined}),
        )
        .await;
    let s3_token = app.login_as("s3", PASSWORD).await;
    // A day of approved annual leave in an ended week, and entries this week (one submitted,
    // one approved).
    let leave_week = (1..=2)
        .map(|n| this_monday - Duration::weeks(n))
        .find(|m| !working_days(*m, &holidays).is_empty())
        .expect("a working week among the last two");
    let leave_day = working_days(leave_week, &holidays)[0];
    let leave = request_leave(
        &app,
        &s3_token,
        json!({"start_date": leave_day, "end_date": leave_day, "kind": "annual"}),
    )
    .await;
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/leaves/{leave}/approve"),
            Some(&h1),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            "/api/v1/products",
            &org.admin,
            json!({"code": "HS", "name": "Hồ sơ", "measuring_unit": "hồ sơ", "standard_minutes": 30}),
        )
        .await;
    let product = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let submitted = log(&app, &s3_token, product, today(), 90).await;
    entry_action(&app, &s3_token, submitted, "submit").await;
    let approved = log(&app, &s3_token, product, today(), 30).await;
    entry_action(&app, &s3_token, approved, "submit").await;
    entry_action(&app, &h1, approved, "approve").await;

    let from = week_of(this_monday - Duration::weeks(14));
    let to = week_of(this_monday + Duration::weeks(1));
    let range = format!("from={from}&to={to}");
    let all = team_weeks(&app, &tochuc, &range).await;
    assert!(all["unit_id"].is_null());
    assert_eq!(all["basis"], "logged");
    assert_eq!(all["from"], from);
    assert_eq!(all["to"], to);
    assert_eq!(all["people_count"], 4);
    assert!(all["next_offset"].is_null());
    assert_eq!(
        names(&all),
        [
            "Đỗ Minh Châu",
            "Lê Văn Hưng",
            "Nguyễn Thị Ánh",
            "Trần Văn Bình"
        ]
    );
    for person in all["people"].as_array().expect("people") {
        let id = person["staff_id"].as_i64().expect("id");
        let own = weeks_of(&app, &tochuc, id, &range).await;
        assert_eq!(person["weeks"], own["weeks"], "staff {id}");
        assert_eq!(person["weeks"].as_array().expect("weeks").len(), 16);
    }

    // What the agreement covered: Châu's first week counts from her joining day, her leave
    // week one day less, this week is in progress with her entries, next week shows its plan.
    let chau = &all["people"][0];
    assert_eq!(chau["staff_id"], s3);
    assert_eq!(chau["unit_id"], org.w1);
    let week_at = |monday: NaiveDate| {
        chau["weeks"]
            .as_array()
            .expect("weeks")
            .iter()
            .find(|w| w["monday"] == monday.to_string())
            .expect("the week")
            .clone()
    };
    let first = this_monday - Duration::weeks(3);
    let days_from_joining = working_days(first, &holidays)
        .into_iter()
        .filter(|d| *d >= joined)
        .count() as i64;
    assert_eq!(week_at(first)["expected"], 480 * days_from_joining);
    assert_eq!(week_at(first - Duration::weeks(1))["expected"], 0);
    assert_eq!(
        week_at(leave_week)["expected"],
        480 * (working_days(leave_week, &holidays).len() as i64 - 1)
    );
    assert_eq!(week_at(leave_week)["under_logged"], true);
    let now = week_at(this_monday);
    assert_eq!(now["in_progress"], true);
    assert_eq!(now["logged"], 120);
    assert_eq!(now["approved"], 30);
    assert_eq!(now["streak"], 0);
    let next = week_at(this_monday + Duration::weeks(1));
    assert_eq!(next["in_progress"], true);
    assert_eq!(
        next["expected"],
        480 * working_days(this_monday + Duration::weeks(1), &holidays).len() as i64
    );
    // Ánh never logged since 2020: her run goes far beyond the 12 weeks looked at first.
    let anh = &all["people"][2];
    let last_ended = anh["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .rev()
        .find(|w| w["in_progress"] == false && w["expected"].as_i64() > Some(0))
        .expect("an ended week with work");
    assert!(last_ended["streak"].as_u64().expect("streak") > 20);

    // Pages of people.
    let page = team_weeks(&app, &tochuc, &format!("{range}&limit=3")).await;
    assert_eq!(page["people_count"], 4);
    assert_eq!(page["next_offset"], 3);
    assert_eq!(page["people"].as_array().unwrap().len(), 3);
    let rest = team_weeks(&app, &tochuc, &format!("{range}&limit=3&offset=3")).await;
    assert_eq!(rest["offset"], 3);
    assert!(rest["next_offset"].is_null());
    assert_eq!(rest["people"][0], all["people"][3]);

    // A head gets their own ward by default; the organisation any unit.
    let ward = team_weeks(&app, &h1, &range).await;
    assert_eq!(ward["unit_id"], org.w1);
    assert_eq!(
        names(&ward),
        ["Đỗ Minh Châu", "Lê Văn Hưng", "Nguyễn Thị Ánh"]
    );
    assert_eq!(ward["people"][0], all["people"][0]);
    let w2 = team_weeks(&app, &tochuc, &format!("{range}&unit_id={}", org.w2)).await;
    assert_eq!(names(&w2), ["Trần Văn Bình"]);
    // Without a range: the 8 weeks ending with the current one.
    let default = team_weeks(&app, &h1, "").await;
    let weeks = default["people"][0]["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 8);
    assert_eq!(weeks[7]["week"], week_of(today()));
}

#[tokio::test]
async fn the_team_grid_is_for_heads_of_the_subtree_and_the_organisation() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;

    // Staff are refused; a head does not get another ward, the province above, or no unit.
    assert_problem(
        app.get("/api/v1/reports/weeks", &s1).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/reports/weeks?unit_id={}", org.w1), &s1)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for unit in [org.w2, org.province, 999_999] {
        assert_problem(
            app.get(&format!("/api/v1/reports/weeks?unit_id={unit}"), &h1)
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let res = app
        .request(Method::GET, "/api/v1/reports/weeks", None, None)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // (name, query, field)
    let cases = [
        ("reversed", "from=2026-W47&to=2026-W40", "from"),
        ("107 weeks", "from=2025-W01&to=2027-W02", "to"),
        ("not a week", "from=later", "from"),
        ("no people", "limit=0", "limit"),
        ("too many people", "limit=501", "limit"),
        ("negative offset", "offset=-1", "offset"),
    ];
    for (name, query, field) in cases {
        let problem = assert_problem(
            app.get(&format!("/api/v1/reports/weeks?{query}"), &tochuc)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&problem), [field], "{name}");
    }
}

/// The under-logged report with a query (200 expected).
async fn under_logged(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/reports/under-logged?{query}"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    res.json().await.expect("json")
}

/// Every page of the under-logged report of an ended week, `limit` people a page.
async fn under_logged_pages(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut people = Vec::new();
    let mut offset = Some(0);
    while let Some(o) = offset {
        let report = under_logged(app, token, &format!("{query}&limit={limit}&offset={o}")).await;
        let page = report["people"].as_array().expect("people").clone();
        assert!(page.len() <= limit, "{report}");
        people.extend(page);
        offset = report["next_offset"].as_u64();
        assert!(people.len() <= 20, "pages do not end: {report}");
    }
    people
}

#[tokio::test]
async fn the_under_logged_report_pages_through_ties_in_the_order_of_the_whole_list() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let (monday, days) = last_week_with_work(&app, &h1).await;
    let week = week_of(monday);
    let full = 480 * days.len() as i64;
    // Nobody logs: each gap is the person's whole expectation, so contracts make the gaps, with
    // ties; the contracts' start dates make different streaks among the tied (a streak counts
    // the weeks under the norm back to the contract).
    let long_ago = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let recent = monday - Duration::weeks(2);
    let mut people = vec![
        (org.h1, 40.0, long_ago),
        (org.s1, 40.0, recent),
        (org.s2, 20.0, long_ago),
    ];
    for (i, (unit, hours, from, name)) in [
        (org.w2, 20.0, recent, "Đỗ Thị Lan"),
        (org.w1, 20.0, long_ago, "Bùi Văn An"),
        (org.w1, 20.0, recent, "Âu Thị Hoa"),
        (org.w2, 10.0, long_ago, "Phạm Văn Cường"),
        (org.w1, 40.0, monday, "Hà Thị Mai"),
        // Starts after the week: nothing expected, not counted.
        (org.w2, 40.0, monday + Duration::weeks(1), "Vũ Văn Tùng"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = app
            .create_staff(
                &org.admin,
                json!({"unit_id": unit, "username": format!("p{i}"), "password": PASSWORD, "full_name": name}),
            )
            .await;
        people.push((id, hours, from));
    }
    for (id, hours, from) in &people {
        set_contract(&app, &org.admin, *id, *hours, *from).await;
    }

    let whole = under_logged(&app, &tochuc, &format!("week={week}&limit=100")).await;
    assert_eq!(whole["people_count"], 8, "{whole}");
    assert_eq!(whole["under_logged_count"], 8);
    let list = whole["people"].as_array().expect("people").clone();
    let gaps: Vec<i64> = list.iter().map(|p| p["gap"].as_i64().unwrap()).collect();
    assert_eq!(
        gaps,
        [
            full,
            full,
            full,
            full / 2,
            full / 2,
            full / 2,
            full / 2,
            full / 4
        ]
    );
    // Among equal gaps the longer streak first, then the name.
    for pair in list.windows(2) {
        if pair[0]["gap"] == pair[1]["gap"] {
            assert!(
                pair[0]["streak"].as_u64() >= pair[1]["streak"].as_u64(),
                "{list:?}"
            );
        }
    }
    assert_eq!(
        names(&whole),
        [
            "Lê Văn Hưng",
            "Nguyễn Thị Ánh",
            "Hà Thị Mai",
            "Bùi Văn An",
            "Trần Văn Bình",
            "Âu Thị Hoa",
            "Đỗ Thị Lan",
            "Phạm Văn Cường"
        ]
    );

    // Any page size gives the same list, cut anywhere through the ties.
    for limit in [1, 2, 3, 5] {
        let paged = under_logged_pages(&app, &tochuc, &format!("week={week}"), limit).await;
        assert_eq!(paged, list, "limit {limit}");
    }
    // A subtree: the same, restricted to it.
    let in_w1: Vec<Value> = list
        .iter()
        .filter(|p| p["unit_id"] == org.w1)
        .cloned()
        .collect();
    assert_eq!(in_w1.len(), 5);
    for limit in [1, 2, 4] {
        let paged = under_logged_pages(
            &app,
            &tochuc,
            &format!("week={week}&unit_id={}", org.w1),
            limit,
        )
        .await;
        assert_eq!(paged, in_w1, "W1, limit {limit}");
    }
    // Past the end: an empty page, the counts unchanged.
    let past = under_logged(&app, &tochuc, &format!("week={week}&limit=5&offset=8")).await;
    assert_eq!(past["people"], json!([]));
    assert_eq!(past["under_logged_count"], 8);
    assert!(past["next_offset"].is_null());
}
