//! The maintained daily totals (`day_totals`) never drift from the diary entries: after every
//! kind of write, in a long pseudo-random sequence of them through the API (refused ones
//! included), the stored rows equal a recomputation from the entries. A corrupted row and a
//! changed diary policy are detected, and a start-up with another policy rebuilds.

use chrono::Duration;
use diesel::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::diary::{diary_setup, log, today};
use crate::helpers::{etag_of, spawn_app, PASSWORD};

/// A small deterministic generator (xorshift64*), so that a failure replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[tokio::test]
async fn daily_totals_follow_every_kind_of_entry_write() {
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let mut rng = Rng(0x5eed_2026_1123);
    // Notes that collide once trimmed and lower-cased (duplicates), minutes that cross the day
    // threshold and 2 × the standard (2 × 30 per item, quantity 2).
    let notes = ["Thẩm định hồ sơ", "  thẩm định HỒ SƠ ", "Họp giao ban"];
    let minutes = [30, 60, 121, 240, 400];
    let days: Vec<_> = (0..5).map(|k| today() - Duration::days(k)).collect();
    // A line logged long after its work date (late backfill), with the head's permission.
    let old = today() - Duration::days(12);
    let res = app
        .post(
            &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
            &d.h1,
            json!({"work_date": old, "reason": "Đi công tác vùng sâu"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let late = log(&app, &d.s1, json!({"work_date": old, "product_id": d.product, "quantity": 2, "minutes": 300, "note": "Bổ sung"})).await;
    let mut ids: Vec<(i64, bool)> = vec![(late["id"].as_i64().expect("id"), true)];
    app.assert_no_totals_drift().await;
    // The weekly rollups of every week the sequence touches are built (reports build a week on
    // its first read), so that every write below must keep them exact too.
    build_rollups(&app, old - Duration::days(7), today() + Duration::days(14)).await;
    let before = app.totals_drift().await;
    assert!(before.is_empty(), "after building the weeks: {before:?}");
    let built = rollup_rows(&app).await;
    assert!(built.0 > 0 && built.1 > 0, "rows built: {built:?}");
    let future: Vec<_> = (1..8).map(|k| today() + Duration::days(k)).collect();
    let mut approved_leaves: Vec<i64> = Vec::new();
    let mut holidays: Vec<i64> = Vec::new();
    let mut s2_in_w2 = true;

    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    let mut last_approved: Option<(i64, String)> = None;
    // The monthly KPI sums and under-logging counts too (`services::kpi_months`,
    // `services::people_months`): rebuilt before every step, so that a month still marked built
    // after the step must equal its recomputation (drift below).
    let kpi_months = months_between(old - Duration::days(7), today() + Duration::days(14));
    let mut backlog_seen = 0;
    for step in 0..500 {
        build_kpi_months(&app, &kpi_months).await;
        let op = rng.below(14);
        let (id, of_s1) = if ids.is_empty() {
            (0, true)
        } else {
            *rng.pick(&ids)
        };
        let (owner, approver) = if of_s1 {
            (&d.s1, &d.h1)
        } else {
            (&d.s2, &tochuc)
        };
        let (kind, status) = match op {
            0 | 1 => {
                let s1 = rng.below(3) > 0;
                let body = json!({
                    "work_date": rng.pick(&days),
                    "product_id": d.product,
                    "quantity": 2,
                    "minutes": rng.pick(&minutes),
                    "note": rng.pick(&notes),
                });
                let res = app
                    .post("/api/v1/entries", if s1 { &d.s1 } else { &d.s2 }, body)
                    .await;
                let status = res.status();
                if status == StatusCode::CREATED {
                    let v: Value = res.json().await.expect("json");
                    ids.push((v["id"].as_i64().expect("id"), s1));
                }
                ("create", status)
            }
            2 => {
                let path = format!("/api/v1/entries/{id}");
                let res = app.get(&path, owner).await;
                // A deleted line has no ETag: the edit is then refused (428/404) as it should be.
                let etag = res
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("\"0\"")
                    .to_string();
                let patch = match rng.below(3) {
                    0 => json!({"minutes": rng.pick(&minutes)}),
                    1 => json!({"work_date": rng.pick(&days)}),
                    _ => json!({"note": rng.pick(&notes)}),
                };
                (
                    "edit",
                    app.patch(&path, owner, Some(&etag), patch).await.status(),
                )
            }
            3 => {
                let res = app
                    .request(
                        Method::DELETE,
                        &format!("/api/v1/entries/{id}"),
                        Some(owner),
                        None,
                    )
                    .await;
                ("delete", res.status())
            }
            4 | 5 => {
                let action = *rng.pick(&["submit", "submit", "withdraw"]);
                (
                    action,
                    crate::diary::act(&app, owner, id, action).await.status(),
                )
            }
            6 | 7 => {
                let path = format!("/api/v1/entries/{id}");
                match rng.below(4) {
                    0 | 1 => {
                        let res = crate::diary::act(&app, approver, id, "approve").await;
                        if res.status().is_success() {
                            last_approved = Some((id, approver.clone()));
                        }
                        ("approve", res.status())
                    }
                    2 => {
                        let kind = *rng.pick(&["quality", "other"]);
                        let res = app
                            .post(
                                &format!("{path}/return"),
                                approver,
                                json!({"reason": "Chưa đạt", "reason_kind": kind}),
                            )
                            .await;
                        ("return", res.status())
                    }
                    _ => {
                        // Revoking needs an approved line: mostly the last one approved.
                        let (id, approver) = match last_approved.take() {
                            Some(last) if rng.below(4) > 0 => last,
                            _ => (id, approver.clone()),
                        };
                        let res = crate::diary::act(&app, &approver, id, "revoke").await;
                        ("revoke", res.status())
                    }
                }
            }
            8 => {
                let day = rng.pick(&days);
                let res = app
                    .post("/api/v1/entries/submit-day", owner, json!({"date": day}))
                    .await;
                ("submit-day", res.status())
            }
            10 => {
                // Approved leave changes s1's expected minutes of its week; cancelling gives
                // them back.
                if approved_leaves.is_empty() || rng.below(3) > 0 {
                    let day = rng.pick(&future);
                    let res = app
                        .post(
                            "/api/v1/leaves",
                            &d.s1,
                            json!({"start_date": day, "end_date": day, "kind": "annual", "reason": "Việc gia đình"}),
                        )
                        .await;
                    // (A day already on leave is refused: 409, nothing changes.)
                    if res.status() == StatusCode::CREATED {
                        let leave: Value = res.json().await.expect("json");
                        let leave = leave["id"].as_i64().expect("id");
                        let res = app
                            .post(&format!("/api/v1/leaves/{leave}/approve"), &d.h1, json!({}))
                            .await;
                        if res.status().is_success() {
                            approved_leaves.push(leave);
                        }
                        ("leave", res.status())
                    } else {
                        ("leave-refused", res.status())
                    }
                } else {
                    let leave = approved_leaves.swap_remove(rng.below(approved_leaves.len()));
                    let res = app
                        .post(&format!("/api/v1/leaves/{leave}/cancel"), &d.s1, json!({}))
                        .await;
                    ("cancel-leave", res.status())
                }
            }
            11 => {
                // A public holiday added or removed: everyone's week changes.
                if holidays.is_empty() || rng.below(2) == 0 {
                    let day = if rng.below(2) == 0 {
                        *rng.pick(&days)
                    } else {
                        *rng.pick(&future)
                    };
                    let res = app
                        .post(
                            "/api/v1/calendar/holidays",
                            &tochuc,
                            json!({"date": day, "name_vi": "Nghỉ bù", "name_en": "Day off"}),
                        )
                        .await;
                    let status = res.status();
                    if status == StatusCode::CREATED {
                        let v: Value = res.json().await.expect("json");
                        holidays.push(v["id"].as_i64().expect("id"));
                    }
                    ("holiday", status)
                } else {
                    let h = holidays.swap_remove(rng.below(holidays.len()));
                    let res = app
                        .request(
                            Method::DELETE,
                            &format!("/api/v1/calendar/holidays/{h}"),
                            Some(&tochuc),
                            None,
                        )
                        .await;
                    ("remove-holiday", res.status())
                }
            }
            12 => {
                // s2 moves between the wards: both units' weeks change.
                let path = format!("/api/v1/staff/{}", d.org.s2);
                let etag = etag_of(&app.get(&path, &d.org.admin).await);
                let to = if s2_in_w2 { d.org.w1 } else { d.org.w2 };
                let res = app
                    .patch(&path, &d.org.admin, Some(&etag), json!({"unit_id": to}))
                    .await;
                if res.status().is_success() {
                    s2_in_w2 = !s2_in_w2;
                }
                ("move", res.status())
            }
            13 => {
                // s1's contract hours change from some day: expected minutes follow.
                let path = format!("/api/v1/staff/{}", d.org.s1);
                let etag = etag_of(&app.get(&path, &d.org.admin).await);
                let from = if rng.below(2) == 0 {
                    *rng.pick(&days)
                } else {
                    old - Duration::days(7)
                };
                let hours = *rng.pick(&[20, 30, 40]);
                let res = app
                    .patch(
                        &path,
                        &d.org.admin,
                        Some(&etag),
                        json!({"contract": {"weekly_hours": hours, "effective_from": from}}),
                    )
                    .await;
                ("contract", res.status())
            }
            _ => {
                if rng.below(2) == 0 {
                    let res = app
                        .post(
                            &format!("/api/v1/entries/{id}/amend"),
                            &tochuc,
                            json!({"minutes": rng.pick(&minutes), "reason": "Điều chỉnh theo kiểm tra"}),
                        )
                        .await;
                    ("amend", res.status())
                } else {
                    // The product's standard time changes: "far above" follows it everywhere.
                    let path = format!("/api/v1/products/{}", d.product);
                    let res = app.get(&path, &d.org.admin).await;
                    let etag = etag_of(&res);
                    let standard = *rng.pick(&[30, 60, 200]);
                    let res = app
                        .patch(
                            &path,
                            &d.org.admin,
                            Some(&etag),
                            json!({"standard_minutes": standard}),
                        )
                        .await;
                    assert_eq!(res.status(), StatusCode::OK);
                    ("standard", res.status())
                }
            }
        };
        // Refused writes (illegal transitions, 24-hour cap...) must leave the totals alone too.
        if status.is_success() {
            *kinds.entry(kind).or_default() += 1;
        }
        let drift = app.totals_drift().await;
        // The approval backlog counters are part of the drift: note how many rows they had.
        let rows = backlog_rows(&app).await;
        backlog_seen = backlog_seen.max(rows);
        assert!(
            drift.is_empty(),
            "step {step} ({kind} on entry {id}): {} row(s) drifted; first {:?}",
            drift.len(),
            drift.first()
        );
    }
    // Every kind of write succeeded at least once.
    for k in [
        "create",
        "edit",
        "delete",
        "submit",
        "withdraw",
        "approve",
        "return",
        "revoke",
        "submit-day",
        "amend",
        "standard",
        "leave",
        "cancel-leave",
        "holiday",
        "remove-holiday",
        "move",
        "contract",
    ] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) > 0,
            "{k} never succeeded: {kinds:?}"
        );
    }
    // Lines waited for both approvers (h1 and tochuc) at some point.
    assert!(
        backlog_seen >= 2,
        "backlog counter rows seen: {backlog_seen}"
    );
    // And the sequence produced declared days with anomalies and approved minutes to compare.
    let pool = app.pool.clone();
    let (approved, flagged): (i64, i64) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        #[derive(diesel::QueryableByName)]
        struct Sums {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            approved: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            flagged: i64,
        }
        let s: Sums = diesel::sql_query(
            "SELECT CAST(COALESCE(SUM(approved_minutes), 0) AS BIGINT) AS approved, \
             CAST(COALESCE(SUM(day_over_threshold + far_above_standard + duplicate + late_backfill), 0) AS BIGINT) AS flagged \
             FROM day_totals",
        )
        .get_result(&mut conn)
        .expect("sums");
        (s.approved, s.flagged)
    })
    .await
    .expect("join");
    assert!(
        approved > 0 && flagged > 0,
        "approved {approved}, flagged {flagged}"
    );
}

/// Rows of the approval backlog counters (`backlog_waiting`).
async fn backlog_rows(app: &crate::helpers::TestApp) -> i64 {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let c: Count =
            diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM backlog_waiting")
                .get_result(&mut conn)
                .expect("count");
        c.n
    })
    .await
    .expect("join")
}

/// Builds the weekly rollups of the weeks from `from` to `to` (what a report's first read does).
async fn build_rollups(
    app: &crate::helpers::TestApp,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) {
    use worklog_kpi::domain::period::{weeks_between, IsoWeek};
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let weeks = weeks_between(IsoWeek::of(from), IsoWeek::of(to));
        worklog_kpi::services::rollups::ensure_built(&mut conn, &weeks).expect("build");
    })
    .await
    .expect("join");
}

/// The months from `from` to `to`.
fn months_between(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Vec<worklog_kpi::domain::period::Period> {
    use chrono::Datelike;
    use worklog_kpi::domain::period::Period;
    let mut out = Vec::new();
    let mut d = from.with_day(1).expect("first day");
    while d <= to {
        out.push(Period::new_month(d.year(), d.month()).expect("month"));
        d = d + chrono::Months::new(1);
    }
    out
}

/// Builds the monthly KPI sums and under-logging counts of `months` (what the dashboard's first
/// read does) and checks they are marked built.
async fn build_kpi_months(
    app: &crate::helpers::TestApp,
    months: &[worklog_kpi::domain::period::Period],
) {
    let pool = app.pool.clone();
    let months = months.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        worklog_kpi::services::kpi_months::ensure_built(&mut conn, &months, today())
            .expect("build");
        let built = worklog_kpi::db::kpi_months::all_built(&mut conn).expect("built");
        assert!(built.len() >= months.len(), "built: {built:?}");
        // The monthly under-logging counts (`services::people_months`) the same way.
        worklog_kpi::services::people_months::ensure_built(&mut conn, &months, today())
            .expect("build");
        let built = worklog_kpi::db::people_months::all_built(&mut conn).expect("built");
        assert!(built.len() >= months.len(), "built: {built:?}");
    })
    .await
    .expect("join");
}

/// (person × week rows, unit × week rows) stored.
async fn rollup_rows(app: &crate::helpers::TestApp) -> (i64, i64) {
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count = |conn: &mut worklog_kpi::db::DbConnection, table: &str| {
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<N>(conn)
                .expect("count")
                .n
        };
        (
            count(&mut conn, "week_totals"),
            count(&mut conn, "unit_weeks"),
        )
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn a_corrupted_row_or_another_policy_is_detected_and_a_rebuild_mends_it() {
    use worklog_kpi::services::totals;
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    // 300 approved + 400 submitted minutes on one day.
    for minutes in [300, 400] {
        let e = log(&app, &d.s1, crate::diary::line(&d, today(), minutes)).await;
        let id = e["id"].as_i64().expect("id");
        let res = crate::diary::act(&app, &d.s1, id, "submit").await;
        assert_eq!(res.status(), StatusCode::OK);
        if minutes == 300 {
            let res = crate::diary::act(&app, &d.h1, id, "approve").await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    }
    app.assert_no_totals_drift().await;

    let pool = app.pool.clone();
    let policy = app.totals_policy;
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        // The month rows the KPI reads: a row changed behind the service's back is found.
        diesel::sql_query("UPDATE month_credits SET minutes = minutes - 1")
            .execute(&mut conn)
            .expect("corrupt");
        let drift = totals::drift(&mut conn, &policy).expect("drift");
        match drift.as_slice() {
            [totals::Drift::Month {
                stored: Some(s),
                expected: Some(e),
            }] => assert_eq!((s.minutes, e.minutes), (299, 300)),
            other => panic!("expected one month row to differ: {other:?}"),
        }
        totals::rebuild_all(&mut conn, &policy).expect("rebuild");
        // The daily rows the same way.
        diesel::sql_query("UPDATE day_totals SET submitted_minutes = submitted_minutes + 1")
            .execute(&mut conn)
            .expect("corrupt");
        let drift = totals::drift(&mut conn, &policy).expect("drift");
        match drift.as_slice() {
            [totals::Drift::Day {
                stored: Some(s),
                expected: Some(e),
            }] => assert_eq!((s.submitted_minutes, e.submitted_minutes), (401, 400)),
            other => panic!("expected one day row to differ: {other:?}"),
        }
        // The weekly rollups: a person's week and a unit's week changed behind the service's
        // back are found, and a rebuild mends them.
        let weeks = worklog_kpi::domain::period::weeks_between(
            worklog_kpi::domain::period::IsoWeek::of(today() - Duration::days(7)),
            worklog_kpi::domain::period::IsoWeek::of(today()),
        );
        worklog_kpi::services::rollups::ensure_built(&mut conn, &weeks).expect("build");
        diesel::sql_query("UPDATE week_totals SET logged = logged + 7 WHERE logged > 0")
            .execute(&mut conn)
            .expect("corrupt");
        diesel::sql_query("UPDATE unit_weeks SET people = people + 1")
            .execute(&mut conn)
            .expect("corrupt");
        let drift = totals::drift(&mut conn, &policy).expect("drift");
        assert!(
            drift
                .iter()
                .any(|d| matches!(d, totals::Drift::PersonWeek { stored: Some(s), expected: Some(e) } if s.logged == e.logged + 7)),
            "person week drift: {drift:?}"
        );
        assert!(
            drift
                .iter()
                .any(|d| matches!(d, totals::Drift::UnitWeek { stored: Some(_), expected: Some(_) })),
            "unit week drift: {drift:?}"
        );
        totals::rebuild_all(&mut conn, &policy).expect("rebuild");
        // The approval backlog counters (one waiting line of s1 for h1): a changed count, a
        // changed oldest work date and a missing row are found; rewriting them mends them.
        assert!(totals::drift(&mut conn, &policy).expect("drift").is_empty());
        diesel::sql_query("UPDATE backlog_waiting SET waiting = waiting + 2")
            .execute(&mut conn)
            .expect("corrupt");
        match totals::drift(&mut conn, &policy).expect("drift").as_slice() {
            [totals::Drift::Backlog {
                stored: Some(s),
                expected: Some(e),
            }] => assert_eq!((s.2, e.2), (3, 1)),
            other => panic!("expected one backlog row to differ: {other:?}"),
        }
        diesel::sql_query("UPDATE backlog_waiting SET waiting = 1, oldest_work_date = '2001-01-01'")
            .execute(&mut conn)
            .expect("corrupt");
        assert!(matches!(
            totals::drift(&mut conn, &policy).expect("drift").as_slice(),
            [totals::Drift::Backlog { stored: Some(s), expected: Some(e) }] if s.4 != e.4
        ));
        diesel::sql_query("DELETE FROM backlog_waiting")
            .execute(&mut conn)
            .expect("corrupt");
        assert!(matches!(
            totals::drift(&mut conn, &policy).expect("drift").as_slice(),
            [totals::Drift::Backlog { stored: None, expected: Some(e) }] if e.2 == 1
        ));
        assert_eq!(
            worklog_kpi::db::entries::rebuild_backlog_counters(&mut conn).expect("rebuild"),
            1
        );
        assert!(totals::drift(&mut conn, &policy).expect("drift").is_empty());
        diesel::sql_query("UPDATE day_totals SET submitted_minutes = submitted_minutes + 1")
            .execute(&mut conn)
            .expect("corrupt");
        // The start-up check trusts the fingerprint, an explicit rebuild mends the row.
        assert!(!totals::ensure_current(&mut conn, &policy).expect("ensure"));
        totals::rebuild_all(&mut conn, &policy).expect("rebuild");
        assert!(totals::drift(&mut conn, &policy).expect("drift").is_empty());

        // 700 minutes in a day: flagged under the default 600-minute threshold, not under 720.
        let mut relaxed = policy;
        relaxed.diary.anomaly_day_minutes = 720;
        assert_eq!(totals::drift(&mut conn, &relaxed).expect("drift").len(), 1);
        // Starting with the other policy rebuilds once, then the totals are current.
        assert!(totals::ensure_current(&mut conn, &relaxed).expect("ensure"));
        assert!(!totals::ensure_current(&mut conn, &relaxed).expect("ensure"));
        assert!(totals::drift(&mut conn, &relaxed)
            .expect("drift")
            .is_empty());
    })
    .await
    .expect("join");
}

/// 700 declared minutes on a day of s1, 200 on a day of s2, and drafts: what the rebuild tests
/// start from.
async fn some_declared_days(app: &crate::helpers::TestApp, d: &crate::diary::Diary) {
    for (token, minutes) in [(&d.s1, 300), (&d.s1, 400), (&d.s2, 200)] {
        let e = log(app, token, crate::diary::line(d, today(), minutes)).await;
        let id = e["id"].as_i64().expect("id");
        let res = crate::diary::act(app, token, id, "submit").await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    log(
        app,
        &d.s2,
        crate::diary::line(d, today() - Duration::days(1), 60),
    )
    .await;
}

#[tokio::test]
async fn a_changed_diary_setting_is_rebuilt_behind_a_server_that_starts_at_once() {
    use worklog_kpi::services::totals::{self, Freshness};
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    some_declared_days(&app, &d).await;
    app.assert_no_totals_drift().await;

    // The same database started again with a 720-minute threshold: s1's 700-minute day is no
    // longer flagged once the totals follow the new setting.
    let mut settings = worklog_kpi::config::Settings::for_database(&app.database_url);
    settings.diary.anomaly_day_minutes = 720;
    let relaxed = worklog_kpi::totals_policy(&settings);
    assert_ne!(relaxed.fingerprint(), app.totals_policy.fingerprint());
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        assert_eq!(
            totals::freshness(&mut conn, &relaxed).expect("freshness"),
            Freshness::OtherPolicy
        );
        assert!(!totals::drift(&mut conn, &relaxed)
            .expect("drift")
            .is_empty());
        let state = worklog_kpi::prepare_state(settings).expect("prepare state");
        // The rebuild runs on a thread of its own: wait for its fingerprint.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while totals::freshness(&mut conn, &relaxed).expect("freshness") != Freshness::Current {
            assert!(
                std::time::Instant::now() < deadline,
                "the rebuild never finished"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(totals::drift(&mut conn, &relaxed)
            .expect("drift")
            .is_empty());
        drop(state);
    })
    .await
    .expect("join");
}

#[tokio::test]
async fn a_rebuild_behind_concurrent_diary_writes_loses_none_of_them() {
    use worklog_kpi::services::totals;
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    some_declared_days(&app, &d).await;
    // Rebuild (same policy) over and over while s1 and s2 log, submit and approve lines: every
    // chunk locks its people like the writes do, so no write's day total is overwritten by a
    // chunk that read the lines before it.
    let pool = app.pool.clone();
    let policy = app.totals_policy;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_rebuilds = std::sync::Arc::clone(&stop);
    let rebuilds = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let mut n = 0;
        while !stop_rebuilds.load(std::sync::atomic::Ordering::SeqCst) || n == 0 {
            totals::rebuild_in_chunks(&mut conn, &policy).expect("rebuild");
            n += 1;
        }
        n
    });
    for i in 0..12 {
        let token = if i % 2 == 0 { &d.s1 } else { &d.s2 };
        let day = today() - Duration::days(2 + i % 3);
        let e = log(&app, token, crate::diary::line(&d, day, 10 + i)).await;
        let id = e["id"].as_i64().expect("id");
        let res = crate::diary::act(&app, token, id, "submit").await;
        assert_eq!(res.status(), StatusCode::OK);
        if i % 4 == 0 {
            // s1's lines (h1 supervises s1).
            let res = crate::diary::act(&app, &d.h1, id, "approve").await;
            assert_eq!(res.status(), StatusCode::OK, "approve {i}");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(rebuilds.await.expect("join") >= 1);
    app.assert_no_totals_drift().await;
}

/// The backlog counters are kept by the database, not by the service: writes in raw SQL (an
/// approver cleared, a line moved to another unit, a submission time changed, hard deletes) keep
/// them equal to a grouping of the entries too.
#[tokio::test]
async fn backlog_counters_follow_raw_sql_writes() {
    use worklog_kpi::services::totals;
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    for (who, days) in [(&d.s1, 3), (&d.s2, 2)] {
        for k in 0..days {
            let e = log(
                &app,
                who,
                crate::diary::line(&d, today() - Duration::days(k), 60),
            )
            .await;
            let id = e["id"].as_i64().expect("id");
            let res = crate::diary::act(&app, who, id, "submit").await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    }
    app.assert_no_totals_drift().await;
    let pool = app.pool.clone();
    let policy = app.totals_policy;
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let backlog_drift = |conn: &mut _| -> Vec<totals::Drift> {
            totals::drift(conn, &policy)
                .expect("drift")
                .into_iter()
                .filter(|d| matches!(d, totals::Drift::Backlog { .. }))
                .collect()
        };
        let rows = |conn: &mut _| worklog_kpi::db::entries::backlog_counters_stored(conn).expect("rows");
        assert_eq!(rows(&mut conn).iter().map(|r| r.2).sum::<i64>(), 5);
        let units = rows(&mut conn).len();
        for (what, sql) in [
            (
                "approver cleared",
                "UPDATE entries SET approver_id = NULL WHERE id = (SELECT MIN(id) FROM entries WHERE state = 'submitted')",
            ),
            (
                "submission moved earlier",
                "UPDATE entries SET submitted_at = '2001-02-03 04:05:06' WHERE id = (SELECT MAX(id) FROM entries WHERE state = 'submitted')",
            ),
            (
                "work date moved earlier",
                "UPDATE entries SET work_date = '2001-02-03' WHERE id = (SELECT MAX(id) FROM entries WHERE state = 'submitted')",
            ),
            (
                "line moved to the other unit",
                "UPDATE entries SET unit_id = (SELECT MAX(unit_id) FROM entries) WHERE id = (SELECT MIN(id) FROM entries WHERE state = 'submitted' AND approver_id IS NOT NULL)",
            ),
            (
                "oldest line hard-deleted",
                "DELETE FROM entries WHERE id = (SELECT MAX(id) FROM entries WHERE state = 'submitted')",
            ),
            ("the rest decided", "UPDATE entries SET state = 'approved' WHERE state = 'submitted' AND approver_id IS NOT NULL"),
            ("every waiting line deleted", "DELETE FROM entries WHERE state = 'submitted'"),
        ] {
            diesel::sql_query(sql).execute(&mut conn).expect(what);
            let drift = backlog_drift(&mut conn);
            assert!(drift.is_empty(), "{what}: {drift:?}");
            if what == "approver cleared" {
                // A row under approver key 0 (none) appeared.
                assert!(rows(&mut conn).iter().any(|r| r.1 == 0), "{what}");
                assert!(rows(&mut conn).len() > units);
            }
            if what == "submission moved earlier" {
                assert!(rows(&mut conn)
                    .iter()
                    .any(|r| r.3.map(|t| t.to_string()) == Some("2001-02-03 04:05:06".into())));
            }
        }
        assert!(rows(&mut conn).is_empty());
    })
    .await
    .expect("join");
}

#[tokio::test]
async fn monthly_unit_counts_follow_raw_sql_writes_to_the_weeks_and_the_days() {
    use chrono::Datelike;
    use worklog_kpi::db::people_months;
    use worklog_kpi::domain::period::{IsoWeek, Period};
    use worklog_kpi::services::{people_months as months, reports, totals};
    let app = spawn_app().await;
    let _d = diary_setup(&app).await;
    let pool = app.pool.clone();
    let policy = app.totals_policy;
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let month_of =
            |d: chrono::NaiveDate| Period::new_month(d.year(), d.month()).expect("month");
        // A month whose weeks have all ended, and the month of the week in progress.
        let old = month_of(today() - Duration::days(70));
        let current = IsoWeek::of(today());
        let now = month_of(current.monday() + Duration::days(3));
        let first = reports::weeks_of(old)[0].monday();
        let cur = current.monday();
        let is_built = |conn: &mut _, m: Period| {
            people_months::all_built(conn)
                .expect("built")
                .iter()
                .any(|(name, _)| *name == m.to_string())
        };
        let people_drift = |conn: &mut _| -> Vec<totals::Drift> {
            totals::drift(conn, &policy)
                .expect("drift")
                .into_iter()
                .filter(|d| matches!(d, totals::Drift::PeopleMonth(_)))
                .collect()
        };
        let short_in_old = |conn: &mut _| -> i64 {
            months::unit_month(conn, old, today())
                .expect("counts")
                .values()
                .map(|c| c.under_logged)
                .sum()
        };
        // Everyone joined long before the old month (then the built weeks follow).
        let long_ago = today() - Duration::days(400);
        for sql in [
            format!("UPDATE staff SET joined_on = '{long_ago}'"),
            format!("UPDATE staff_contracts SET effective_from = '{long_ago}'"),
        ] {
            diesel::sql_query(sql).execute(&mut conn).expect("joined");
        }
        worklog_kpi::db::write_transaction(&mut conn, worklog_kpi::services::rollups::rebuild)
            .expect("rebuild the weeks");
        months::ensure_built(&mut conn, &[old, now], today()).expect("build");
        assert!(is_built(&mut conn, old) && is_built(&mut conn, now));
        // Nobody logged anything: everyone expected in the old month was short.
        let people: i64 = months::unit_month(&mut conn, old, today())
            .expect("counts")
            .values()
            .map(|c| c.people)
            .sum();
        assert!(people >= 3, "{people}");
        assert_eq!(short_in_old(&mut conn), people);
        assert!(people_drift(&mut conn).is_empty());

        let run = |conn: &mut worklog_kpi::db::DbConnection, what: &str, sql: String| {
            diesel::sql_query(sql).execute(conn).expect(what);
        };
        // Logging in the week in progress changes no stored count: both months stay built.
        run(
            &mut conn,
            "a little logged this week",
            format!(
                "UPDATE week_totals SET logged = 1 WHERE week_start = '{cur}' AND expected > 1"
            ),
        );
        assert!(
            is_built(&mut conn, now),
            "a count that did not change invalidated the month"
        );
        run(
            &mut conn,
            "this week's norm reached",
            format!("UPDATE week_totals SET logged = expected WHERE week_start = '{cur}'"),
        );
        assert!(
            is_built(&mut conn, now),
            "a week not ended is judged when it ends"
        );
        assert!(people_drift(&mut conn).is_empty());
        // An ended week reaches its norm: that month is invalidated and one person fewer is short.
        let who = format!(
            "(SELECT MIN(staff_id) FROM week_totals WHERE week_start = '{first}' AND expected > 0)"
        );
        run(
            &mut conn,
            "an ended week logged in full",
            format!(
                "UPDATE week_totals SET logged = expected, approved = expected \
             WHERE week_start = '{first}' AND staff_id = {who}"
            ),
        );
        assert!(
            !is_built(&mut conn, old),
            "the month of an ended week that changed"
        );
        assert!(is_built(&mut conn, now), "another month is left alone");
        // One of the old month's weeks reached, the other weeks still short: still short.
        assert_eq!(short_in_old(&mut conn), people);
        run(
            &mut conn,
            "the person's other weeks logged too",
            format!(
                "UPDATE week_totals SET logged = expected \
             WHERE staff_id = {who} AND week_start IN ({})",
                reports::weeks_of(old)
                    .iter()
                    .map(|w| format!("'{}'", w.monday()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        assert_eq!(short_in_old(&mut conn), people - 1);
        assert!(people_drift(&mut conn).is_empty());
        // Whether a person is expected, and rows removed, invalidate whatever the week.
        run(
            &mut conn,
            "nobody expected this week",
            format!("UPDATE week_totals SET expected = 0 WHERE week_start = '{cur}'"),
        );
        assert!(!is_built(&mut conn, now));
        months::ensure_built(&mut conn, &[now], today()).expect("build");
        assert!(is_built(&mut conn, now));
        run(
            &mut conn,
            "a row removed",
            format!("DELETE FROM week_totals WHERE week_start = '{cur}' AND staff_id = {who}"),
        );
        assert!(!is_built(&mut conn, now));
        assert!(people_drift(&mut conn).is_empty());

        // The minutes follow the day totals of a built month, added to the person's unit.
        let logged_in_old = |conn: &mut _| -> (i64, i64) {
            months::unit_month(conn, old, today())
                .expect("counts")
                .values()
                .fold((0, 0), |(l, a), c| (l + c.logged, a + c.approved))
        };
        assert_eq!(logged_in_old(&mut conn), (0, 0));
        let day = old.first_day() + Duration::days(9);
        let next = old.last_day() + Duration::days(1);
        run(&mut conn, "a day logged", format!(
            "INSERT INTO day_totals (staff_id, work_date, unit_id, draft_minutes, \
             submitted_minutes, approved_minutes, returned_minutes, logged_entries, \
             day_over_threshold, far_above_standard, duplicate, late_backfill) \
             SELECT id, '{day}', unit_id, 7, 60, 120, 0, 2, 0, 0, 0, 0 FROM staff WHERE id = {who}"
        ));
        assert!(is_built(&mut conn, old), "minutes are kept, not rebuilt");
        assert_eq!(logged_in_old(&mut conn), (180, 120));
        run(&mut conn, "only drafts change", format!(
            "UPDATE day_totals SET draft_minutes = 99 WHERE work_date = '{day}'"
        ));
        run(&mut conn, "a line approved", format!(
            "UPDATE day_totals SET submitted_minutes = 0, approved_minutes = 180 WHERE work_date = '{day}'"
        ));
        assert_eq!(logged_in_old(&mut conn), (180, 180));
        assert!(people_drift(&mut conn).is_empty());
        run(&mut conn, "the day moved to the next month", format!(
            "UPDATE day_totals SET work_date = '{next}' WHERE work_date = '{day}'"
        ));
        assert_eq!(logged_in_old(&mut conn), (0, 0));
        run(&mut conn, "the day moved back", format!(
            "UPDATE day_totals SET work_date = '{day}' WHERE work_date = '{next}'"
        ));
        assert_eq!(logged_in_old(&mut conn), (180, 180));
        // Whose minutes count where: moving the person invalidates every month.
        months::ensure_built(&mut conn, &[old, now], today()).expect("build");
        run(&mut conn, "the person moved", format!(
            "UPDATE staff SET unit_id = (SELECT MAX(id) FROM units) WHERE id = {who}"
        ));
        assert!(!is_built(&mut conn, old) && !is_built(&mut conn, now));
        run(&mut conn, "the day removed", format!(
            "DELETE FROM day_totals WHERE work_date = '{day}'"
        ));
        assert_eq!(logged_in_old(&mut conn), (0, 0));
        assert!(people_drift(&mut conn).is_empty());
        // check-totals sees a stored count that no write explains, unit by unit.
        months::ensure_built(&mut conn, &[old], today()).expect("build");
        run(&mut conn, "a count corrupted", format!(
            "UPDATE people_unit_months SET under_logged = under_logged + 1 WHERE month = '{old}'"
        ));
        let units: i64 = months::unit_month(&mut conn, old, today()).expect("counts").len() as i64;
        assert!(units > 0);
        assert_eq!(people_drift(&mut conn).len() as i64, units, "every corrupted unit is drift");
    })
    .await
    .expect("join");
}

/// The anomaly sums per unit and day (`unit_day_anomalies`) follow every kind of write to the
/// day totals (insert, update of a counter, of the unit, of the date, delete), a new draft leaves
/// them alone, a corrupted row is reported as drift and `rebuild_unit_day_anomalies` mends it.
#[tokio::test]
async fn anomaly_sums_per_unit_and_day_follow_raw_sql_writes_to_the_day_totals() {
    use worklog_kpi::services::totals;
    let app = spawn_app().await;
    let d = diary_setup(&app).await;
    // Two identical submitted lines: both are duplicates (an anomaly), on two days.
    for k in 0..2 {
        for _ in 0..2 {
            let e = log(
                &app,
                &d.s1,
                crate::diary::line(&d, today() - Duration::days(k), 60),
            )
            .await;
            let id = e["id"].as_i64().expect("id");
            let res = crate::diary::act(&app, &d.s1, id, "submit").await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    }
    app.assert_no_totals_drift().await;
    let pool = app.pool.clone();
    let policy = app.totals_policy;
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let anomaly_drift = |conn: &mut _| -> Vec<totals::Drift> {
            totals::drift(conn, &policy)
                .expect("drift")
                .into_iter()
                .filter(|d| matches!(d, totals::Drift::UnitDayAnomalies { .. }))
                .collect()
        };
        let rows =
            |conn: &mut _| worklog_kpi::db::totals::unit_day_anomalies_stored(conn).expect("rows");
        let before = rows(&mut conn);
        assert_eq!(before.len(), 2, "{before:?}");
        assert!(before.iter().all(|r| r.logged_entries == 2 && r.duplicate == 2));
        for (what, sql) in [
            (
                "a draft's minutes",
                "UPDATE day_totals SET draft_minutes = draft_minutes + 30",
            ),
            (
                "a counter changed",
                "UPDATE day_totals SET far_above_standard = 1 WHERE work_date = (SELECT MAX(work_date) FROM day_totals)",
            ),
            (
                "a row moved to another unit",
                "UPDATE day_totals SET unit_id = (SELECT MAX(id) FROM units) WHERE work_date = (SELECT MIN(work_date) FROM day_totals)",
            ),
            (
                "a row moved to another day",
                "UPDATE day_totals SET work_date = '2001-02-03' WHERE work_date = (SELECT MAX(work_date) FROM day_totals)",
            ),
            (
                "a row inserted",
                "INSERT INTO day_totals (staff_id, work_date, unit_id, draft_minutes, submitted_minutes, approved_minutes, returned_minutes, logged_entries, day_over_threshold, far_above_standard, duplicate, late_backfill) SELECT staff_id, '2001-02-04', unit_id, 0, 60, 0, 0, 1, 0, 0, 0, 1 FROM day_totals WHERE work_date = '2001-02-03'",
            ),
            ("every row deleted", "DELETE FROM day_totals"),
        ] {
            diesel::sql_query(sql).execute(&mut conn).expect(what);
            let drift = anomaly_drift(&mut conn);
            assert!(drift.is_empty(), "{what}: {drift:?}");
            if what == "a draft's minutes" {
                assert_eq!(rows(&mut conn), before, "{what}");
            }
        }
        assert!(rows(&mut conn).is_empty());
        // A corrupted row is drift, and the rewrite mends it.
        diesel::sql_query(
            "INSERT INTO unit_day_anomalies (unit_id, work_date, logged_entries, day_over_threshold, far_above_standard, duplicate, late_backfill) VALUES (1, '2001-02-05', 3, 0, 0, 0, 0)",
        )
        .execute(&mut conn)
        .expect("corrupt");
        assert_eq!(anomaly_drift(&mut conn).len(), 1);
        worklog_kpi::db::totals::rebuild_unit_day_anomalies(&mut conn).expect("rebuild");
        assert!(anomaly_drift(&mut conn).is_empty());
    })
    .await
    .expect("join");
}
