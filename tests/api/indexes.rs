//! The hot queries of the diary use indexes, not table scans (checked with SQLite's planner on a
//! migrated database; PostgreSQL has the same indexes from its own migration).

use diesel::{QueryableByName, RunQueryDsl};

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

fn plan(conn: &mut worklog_kpi::db::DbConnection, sql: &str) -> String {
    let rows: Vec<PlanRow> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load(conn)
        .expect("plan");
    rows.into_iter()
        .map(|r| r.detail)
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn diary_hot_paths_are_index_scans() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("plan.db").display());
    let pool =
        worklog_kpi::db::build_pool(&url, 1, std::time::Duration::from_secs(5)).expect("pool");
    let mut conn = pool.get().expect("conn");
    worklog_kpi::db::run_migrations(&mut conn).expect("migrate");
    let cases = [
        // approval queue: entries waiting for some approvers
        (
            "SELECT * FROM entries WHERE state = 'submitted' AND deleted_at IS NULL AND approver_id IN (1, 2) ORDER BY work_date, id LIMIT 200",
            "entries_approver_state",
        ),
        // day total of a person (every create and edit)
        (
            "SELECT SUM(minutes) FROM entries WHERE staff_id = 1 AND work_date = '2026-11-23' AND deleted_at IS NULL",
            "entries_staff_date",
        ),
        // week summaries and staffing: the maintained daily totals of some people
        (
            "SELECT staff_id, work_date, SUM(submitted_minutes), SUM(approved_minutes) FROM day_totals WHERE staff_id IN (1, 2, 3) AND work_date BETWEEN '2026-09-01' AND '2026-11-30' GROUP BY staff_id, work_date",
            "sqlite_autoindex_day_totals_1",
        ),
        // refreshing one person's day after an entry changes
        (
            "DELETE FROM day_totals WHERE staff_id IN (1) AND work_date BETWEEN '2026-11-23' AND '2026-11-23'",
            "sqlite_autoindex_day_totals_1",
        ),
        // anomaly counts of a subtree, by unit and day
        (
            "SELECT unit_id, work_date, SUM(logged_entries), SUM(duplicate) FROM day_totals WHERE unit_id IN (1, 2) AND work_date BETWEEN '2026-10-01' AND '2026-10-31' AND logged_entries > 0 GROUP BY unit_id, work_date",
            "day_totals_unit_date",
        ),
        // KPI of many people over whole months: the maintained month rows
        (
            "SELECT staff_id, rework_count, task_id, SUM(minutes) FROM month_credits WHERE staff_id IN (1, 2) AND month_start BETWEEN '2026-01-01' AND '2026-12-01' GROUP BY staff_id, rework_count, task_id",
            "month_credits_staff_month",
        ),
        // approval backlog of a subtree: the counters kept per unit and approver
        (
            "SELECT approver_key, SUM(waiting), MIN(oldest_submitted_at), MIN(oldest_work_date) FROM backlog_waiting WHERE unit_id IN (1, 2) GROUP BY approver_key",
            "sqlite_autoindex_backlog_waiting_1",
        ),
        // the backlog triggers: the oldest waiting line of a unit and approver after a removal
        (
            "SELECT min(submitted_at) FROM entries WHERE unit_id = 1 AND COALESCE(approver_id, 0) = 2 AND state = 'submitted' AND deleted_at IS NULL",
            "entries_waiting_submitted",
        ),
        (
            "SELECT min(work_date) FROM entries WHERE unit_id = 1 AND COALESCE(approver_id, 0) = 2 AND state = 'submitted' AND deleted_at IS NULL",
            "entries_waiting_work_date",
        ),
        // idempotent create
        ("SELECT * FROM entries WHERE staff_id = 1 AND client_ref = 'x'", "sqlite_autoindex_entries_1"),
        // sync feed
        ("SELECT * FROM entries WHERE staff_id = 1 AND updated_at > '2026-11-01' ORDER BY updated_at, id LIMIT 200", "entries_staff_updated"),
        // a unit subtree
        ("SELECT id FROM units WHERE path >= '/1/' AND path < '/1/~'", "units_path"),
    ];
    for (sql, index) in cases {
        let p = plan(&mut conn, sql);
        assert!(
            p.contains(index),
            "expected {index} in the plan of `{sql}`: {p}"
        );
        assert!(
            !p.contains("SCAN entries")
                && !p.contains("SCAN units")
                && !p.contains("SCAN day_totals")
                && !p.contains("SCAN month_credits"),
            "full scan in `{sql}`: {p}"
        );
    }
}
