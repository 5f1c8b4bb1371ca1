//! `seed-demo` builds a usable demo organisation on both databases (its batch inserts take a
//! different path on each engine), and refuses to seed twice.

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::Value;
use worklog_kpi::services::demo::{seed, DemoOptions, DEMO_ORG_USER, DEMO_PASSWORD};

#[tokio::test]
async fn a_small_demo_organisation_is_seeded_and_usable() {
    let app = crate::helpers::spawn_app().await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let opts = DemoOptions {
        staff: 24,
        units: 4,
        months: 1,
        entries_per_day: 2,
        seed: 7,
        force: false,
    };
    let pool = app.pool.clone();
    let policy = app.totals_policy;
    let (summary, lines, analysed) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let mut lines = Vec::new();
        let summary = seed(&mut conn, &opts, today, &policy, |l| {
            lines.push(l.to_owned())
        });
        // PostgreSQL: the bulk load ends with ANALYZE, so the planner has statistics for the
        // diary (None on SQLite, which keeps none).
        let analysed = (!worklog_kpi::db::is_sqlite(&conn)).then(|| {
            #[derive(diesel::QueryableByName)]
            struct Analysed {
                #[diesel(sql_type = diesel::sql_types::Bool)]
                done: bool,
            }
            diesel::RunQueryDsl::get_result::<Analysed>(
                diesel::sql_query(
                    "SELECT last_analyze IS NOT NULL AS done FROM pg_stat_user_tables \
                     WHERE relname = 'entries' AND schemaname = current_schema()",
                ),
                &mut conn,
            )
            .expect("statistics")
            .done
        });
        (summary, lines, analysed)
    })
    .await
    .expect("join");
    let summary = summary.expect("seed");
    let announced = lines.iter().any(|l| l.contains("ANALYZE"));
    match analysed {
        Some(done) => assert!(done && announced, "analysed {done}, lines {lines:?}"),
        None => assert!(!announced, "{lines:?}"),
    }
    assert_eq!(summary.units, 4);
    assert_eq!(summary.staff, 24);
    // Two lines per person and working day, from a month ago to yesterday.
    assert_eq!(summary.entries, 24 * 2 * summary.working_days);
    assert!(summary.working_days >= 18, "{summary:?}");
    // The seed keeps the maintained daily totals with its batches.
    app.assert_no_totals_drift().await;

    // The organisation user logs in and sees everybody on the dashboard.
    let token = app.login_as(DEMO_ORG_USER, DEMO_PASSWORD).await;
    let res = app.get("/api/v1/dashboard?period=2026-11", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let dashboard: Value = res.json().await.expect("json");
    assert_eq!(dashboard["headcount"], 24);
    assert!(dashboard["hours"]["logged"].as_i64().unwrap_or(0) > 0);

    // A second run without --force is refused and adds nothing.
    let pool = app.pool.clone();
    let again = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        seed(
            &mut conn,
            &DemoOptions {
                staff: 24,
                units: 4,
                months: 1,
                entries_per_day: 2,
                seed: 7,
                force: false,
            },
            today,
            &policy,
            |_| {},
        )
    })
    .await
    .expect("join");
    assert!(again.is_err());
    let dashboard: Value = app
        .get("/api/v1/dashboard?period=2026-11", &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(dashboard["headcount"], 24);
}
