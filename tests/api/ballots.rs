//! Ballots: a leader rating campaign in a ward (who rates whom, one ballot each, secrecy read
//! from the database as an administrator with full SQL access would, results from 3 voters on,
//! the year grade's inputs), and the excellent-selection ballot of a grading round.

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::{json, Value};
use worklog_kpi::db::DbConnection;

use crate::helpers::{assert_problem, fields, small_org, Org, TestApp, PASSWORD};

/// Ward W1 of the small organisation with a deputy `dp` and six more staff `v1`..`v6`.
pub struct Ward {
    pub org: Org,
    pub dp: i64,
    pub voters: Vec<(i64, String)>,
    pub tochuc: String,
    pub h1: String,
    pub s1: String,
    pub s2: String,
}

pub async fn ward(app: &TestApp) -> Ward {
    let org = small_org(app).await;
    let dp = app
        .create_staff(&org.admin, json!({"unit_id": org.w1, "username": "dp", "password": PASSWORD, "full_name": "Phạm Thị Dung", "is_leader": true, "position": "Phó Chủ tịch"}))
        .await;
    let mut ids = vec![(org.s1, "s1".to_string())];
    for i in 1..=6 {
        let id = app
            .create_staff(&org.admin, json!({"unit_id": org.w1, "username": format!("v{i}"), "password": PASSWORD, "full_name": format!("Cán bộ số {i}")}))
            .await;
        ids.push((id, format!("v{i}")));
    }
    let mut voters = Vec::new();
    for (id, name) in ids {
        voters.push((id, app.login_as(&name, PASSWORD).await));
    }
    Ward {
        dp,
        voters,
        tochuc: app.login_as("tochuc", PASSWORD).await,
        h1: app.login_as("h1", PASSWORD).await,
        s1: app.login_as("s1", PASSWORD).await,
        s2: app.login_as("s2", PASSWORD).await,
        org,
    }
}

async fn open_campaign(app: &TestApp, token: &str, title: &str, start: &str, end: &str) -> i64 {
    let res = app
        .post(
            "/api/v1/ballots/campaigns",
            token,
            json!({"title": title, "period_start": start, "period_end": end, "deadline": "2099-01-01T00:00:00Z"}),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().expect("id")
}

async fn vote(
    app: &TestApp,
    token: &str,
    campaign: i64,
    candidate: i64,
    scores: Value,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/ballots/campaigns/{campaign}/votes"),
        token,
        json!({"candidate_id": candidate, "scores": scores}),
    )
    .await
}

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName, Debug)]
struct Scores {
    #[diesel(sql_type = Text)]
    scores: String,
}

#[derive(QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Columns of a table as the database describes it.
fn columns(conn: &mut DbConnection, table: &str) -> Vec<String> {
    let mut cols: Vec<String> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')"))
            .load::<Column>(c)
            .expect("columns"),
        DbConnection::Pg(c) => diesel::sql_query(format!(
            "SELECT column_name::text AS name FROM information_schema.columns WHERE table_name = '{table}' AND table_schema = current_schema()"
        ))
        .load::<Column>(c)
        .expect("columns"),
    }
    .into_iter()
    .map(|c| c.name)
    .collect();
    cols.sort();
    cols
}

/// Tables a table's foreign keys point at.
fn fk_targets(conn: &mut DbConnection, table: &str) -> Vec<String> {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "SELECT \"table\" AS name FROM pragma_foreign_key_list('{table}')"
        ))
        .load::<Column>(c)
        .expect("fks"),
        DbConnection::Pg(c) => diesel::sql_query(format!(
            "SELECT ccu.table_name::text AS name FROM information_schema.table_constraints tc \
             JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.constraint_schema = tc.constraint_schema \
             WHERE tc.table_name = '{table}' AND tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()"
        ))
        .load::<Column>(c)
        .expect("fks"),
    }
    .into_iter()
    .map(|c| c.name)
    .collect()
}

/// Ballot contents in the table's physical order (SQLite: the table's own order; PostgreSQL:
/// heap order by ctid), and in id order.
fn ballot_orders(conn: &mut DbConnection) -> (Vec<String>, Vec<String>) {
    let physical = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query("SELECT scores FROM rating_ballots")
            .load::<Scores>(c)
            .expect("physical"),
        DbConnection::Pg(c) => diesel::sql_query("SELECT scores FROM rating_ballots ORDER BY ctid")
            .load::<Scores>(c)
            .expect("physical"),
    };
    let by_id = match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("SELECT scores FROM rating_ballots ORDER BY id").load::<Scores>(c)
        }
        DbConnection::Pg(c) => {
            diesel::sql_query("SELECT scores FROM rating_ballots ORDER BY id").load::<Scores>(c)
        }
    }
    .expect("by id");
    (
        physical.into_iter().map(|s| s.scores).collect(),
        by_id.into_iter().map(|s| s.scores).collect(),
    )
}

/// Distinct transaction ids of the ballot rows (PostgreSQL only; SQLite has none).
fn distinct_xmin(conn: &mut DbConnection) -> Option<i64> {
    match conn {
        DbConnection::Pg(c) => Some(
            diesel::sql_query("SELECT COUNT(DISTINCT xmin::text)::bigint AS n FROM rating_ballots")
                .get_result::<Count>(c)
                .expect("xmin")
                .n,
        ),
        DbConnection::Sqlite(_) => None,
    }
}

fn count(conn: &mut DbConnection, sql: &str) -> i64 {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(sql).get_result::<Count>(c),
        DbConnection::Pg(c) => diesel::sql_query(sql).get_result::<Count>(c),
    }
    .expect("count")
    .n
}

fn execute(conn: &mut DbConnection, sql: &str) {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute(sql),
        DbConnection::Pg(c) => c.batch_execute(sql),
    }
    .expect("execute");
}

/// Eight people of the ward rate its head, each with a ballot that tells the test (only) who cast
/// it; then the database is read as an administrator would.
#[tokio::test]
async fn no_ballot_can_be_tied_to_its_voter_from_the_database() {
    let app = crate::helpers::spawn_app().await;
    let w = ward(&app).await;
    let c = open_campaign(
        &app,
        &w.tochuc,
        "Lấy phiếu tín nhiệm 2026",
        "2026-01-01",
        "2026-06-30",
    )
    .await;
    let dp_token = app.login_as("dp", PASSWORD).await;
    let mut voters: Vec<&str> = w.voters.iter().map(|(_, t)| t.as_str()).collect();
    voters.insert(3, dp_token.as_str());
    assert_eq!(voters.len(), 8);
    // Voter k (in voting order) gives a ballot no other voter gives.
    let ballot = |k: usize| {
        let a = 1 + (k % 5) as i64;
        let b = 1 + (k / 5) as i64;
        json!([a, b, 3, 3, 3])
    };
    for (k, token) in voters.iter().enumerate() {
        let res = vote(&app, token, c, w.org.h1, ballot(k)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "voter {k}");
    }
    let in_voting_order: Vec<String> = (0..8)
        .map(|k| ballot(k).to_string().replace(' ', ""))
        .collect();

    let pool = app.pool.clone();
    let (open_physical, open_by_id) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let conn: &mut DbConnection = &mut conn;
        // The content table has no voter, no time, no sequence: exactly these columns, and no
        // foreign key to anything but its campaign.
        assert_eq!(columns(conn, "rating_ballots"), vec!["campaign_id", "candidate_id", "comment", "id", "scores"]);
        assert_eq!(fk_targets(conn, "rating_ballots"), vec!["rating_campaigns"]);
        // Participation says who voted on whom, with no time either.
        assert_eq!(columns(conn, "rating_participation"), vec!["campaign_id", "candidate_id", "voter_id"]);
        if let DbConnection::Sqlite(c) = conn {
            // WITHOUT ROWID: there is no hidden insertion sequence to order by.
            assert!(diesel::sql_query("SELECT rowid AS n FROM rating_ballots").load::<Count>(c).is_err());
        }
        // The audit trail says nothing about votes.
        assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'rating_ballot' OR action = 'vote'"), 0);
        ballot_orders(conn)
    })
    .await
    .expect("join");
    if on_sqlite() {
        // SQLite: the table's own order is the random ids' order, not the voting order (the
        // chance that 8 random ids fall in voting order is 1 in 40,320).
        assert_eq!(open_physical, open_by_id);
        assert_ne!(open_physical, in_voting_order);
    }
    assert_ne!(open_by_id, in_voting_order);

    // Closing rewrites the ballots in shuffled order in one transaction.
    let res = app
        .post(
            &format!("/api/v1/ballots/campaigns/{c}/close"),
            &w.tochuc,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let pool = app.pool.clone();
    let (physical, by_id, xmins) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let conn: &mut DbConnection = &mut conn;
        let (p, i) = ballot_orders(conn);
        (p, i, distinct_xmin(conn))
    })
    .await
    .expect("join");
    let mut sorted_physical = physical.clone();
    sorted_physical.sort();
    let mut sorted_expected = in_voting_order.clone();
    sorted_expected.sort();
    assert_eq!(sorted_physical, sorted_expected, "every ballot kept");
    assert_ne!(
        physical, in_voting_order,
        "physical order is not the voting order"
    );
    assert_ne!(by_id, in_voting_order, "id order is not the voting order");
    // PostgreSQL: every ballot now carries the same transaction id (the close's).
    if let Some(x) = xmins {
        assert_eq!(x, 1);
    }
}

/// The tests run on SQLite unless `TEST_DATABASE_URL` names a PostgreSQL database.
fn on_sqlite() -> bool {
    !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

#[tokio::test]
async fn one_ballot_per_voter_and_candidate_written_with_its_participation_in_one_transaction() {
    let app = crate::helpers::spawn_app().await;
    let w = ward(&app).await;
    let c = open_campaign(
        &app,
        &w.tochuc,
        "Lấy phiếu 2026",
        "2026-01-01",
        "2026-06-30",
    )
    .await;

    // A crash between the two writes: make the content insert fail; the participation must not
    // be left behind (the person can still vote afterwards).
    let sqlite = on_sqlite();
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        if sqlite {
            execute(&mut conn, "CREATE TRIGGER crash BEFORE INSERT ON rating_ballots BEGIN SELECT RAISE(ABORT, 'crash'); END;");
        } else {
            execute(
                &mut conn,
                "CREATE FUNCTION crash() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'crash'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER crash BEFORE INSERT ON rating_ballots FOR EACH ROW EXECUTE FUNCTION crash();",
            );
        }
    })
    .await
    .expect("join");
    let res = vote(&app, &w.s1, c, w.org.h1, json!([5, 5, 4, 4, 5])).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let pool = app.pool.clone();
    let left = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let n = count(&mut conn, "SELECT COUNT(*) AS n FROM rating_participation");
        execute(
            &mut conn,
            if sqlite {
                "DROP TRIGGER crash"
            } else {
                "DROP TRIGGER crash ON rating_ballots"
            },
        );
        n
    })
    .await
    .expect("join");
    assert_eq!(left, 0, "participation without content");

    let res = vote(&app, &w.s1, c, w.org.h1, json!([5, 5, 4, 4, 5])).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Second ballot on the same person: refused.
    let p = assert_problem(
        vote(&app, &w.s1, c, w.org.h1, json!([1, 1, 1, 1, 1])).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap_or("").contains("một phiếu"),
        "{p}"
    );
    // The same voter rates the deputy separately.
    assert_eq!(
        vote(&app, &w.s1, c, w.dp, json!([3, 3, 3, 3, 3]))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let pool = app.pool.clone();
    let (ballots, participation) = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        (
            count(&mut conn, "SELECT COUNT(*) AS n FROM rating_ballots"),
            count(&mut conn, "SELECT COUNT(*) AS n FROM rating_participation"),
        )
    })
    .await
    .expect("join");
    assert_eq!((ballots, participation), (2, 2));
}

#[tokio::test]
async fn the_roll_follows_the_tree_and_bad_ballots_are_refused() {
    let app = crate::helpers::spawn_app().await;
    let w = ward(&app).await;
    // Only the organisation department opens and closes campaigns.
    let body = json!({"title": "X", "period_start": "2026-01-01", "period_end": "2026-06-30", "deadline": "2099-01-01T00:00:00Z"});
    assert_problem(
        app.post("/api/v1/ballots/campaigns", &w.h1, body.clone())
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let p = assert_problem(
        app.post(
            "/api/v1/ballots/campaigns",
            &w.tochuc,
            json!({"title": "X", "period_start": "2026-06-30", "period_end": "2026-01-01", "deadline": "2020-01-01T00:00:00Z"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["period_end"]);
    let c = open_campaign(
        &app,
        &w.tochuc,
        "Lấy phiếu 2026",
        "2026-01-01",
        "2026-06-30",
    )
    .await;

    // s1 rates the head and the deputy of W1; the head rates the deputy; s2 (W2) rates nobody
    // in W1; nobody rates themselves.
    let names = |v: &Value| -> Vec<i64> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|c| c["staff_id"].as_i64().expect("id"))
            .collect()
    };
    let mine = |token: String| {
        let app = &app;
        async move {
            let res = app
                .get(&format!("/api/v1/ballots/campaigns/{c}/candidates"), &token)
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.expect("json")
        }
    };
    assert_eq!(names(&mine(w.s1.clone()).await), vec![w.org.h1, w.dp]);
    assert_eq!(names(&mine(w.h1.clone()).await), vec![w.dp]);
    assert!(names(&mine(w.s2.clone()).await).is_empty());
    let list: Value = app
        .get("/api/v1/ballots/campaigns?mine=true", &w.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["my_candidates"], 2);
    assert_eq!(list[0]["my_votes"], 0);
    assert_eq!(
        list[0]["criteria_set"]["criteria"]
            .as_array()
            .expect("criteria")
            .len(),
        5
    );

    assert_problem(
        vote(&app, &w.s2, c, w.org.h1, json!([5, 5, 5, 5, 5])).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        vote(&app, &w.h1, c, w.org.h1, json!([5, 5, 5, 5, 5])).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let p = assert_problem(
        vote(&app, &w.s1, c, w.org.h1, json!([5, 5, 5])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["scores"]);
    let p = assert_problem(
        vote(&app, &w.s1, c, w.org.h1, json!([5, 5, 9, 5, 5])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["scores[2]"]);
    assert_problem(
        vote(&app, &w.s1, 999_999, w.org.h1, json!([5, 5, 5, 5, 5])).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Results are published only once closed; only the organisation closes.
    assert_problem(
        app.get(&format!("/api/v1/ballots/campaigns/{c}/results"), &w.s1)
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/ballots/campaigns/{c}/close"),
            &w.h1,
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        app.post(
            &format!("/api/v1/ballots/campaigns/{c}/close"),
            &w.tochuc,
            json!({})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_problem(
        app.post(
            &format!("/api/v1/ballots/campaigns/{c}/close"),
            &w.tochuc,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        vote(&app, &w.s1, c, w.org.h1, json!([5, 5, 5, 5, 5])).await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn results_from_three_voters_with_change_since_the_previous_campaign_and_in_the_year_grade() {
    let app = crate::helpers::spawn_app().await;
    let w = ward(&app).await;
    // First half: three ballots of 3 on every criterion for the head; the deputy gets two.
    let c1 = open_campaign(
        &app,
        &w.tochuc,
        "6 tháng đầu 2026",
        "2026-01-01",
        "2026-06-30",
    )
    .await;
    for (_, t) in w.voters.iter().take(3) {
        assert_eq!(
            vote(&app, t, c1, w.org.h1, json!([3, 3, 3, 3, 3]))
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
    }
    app.post(
        &format!("/api/v1/ballots/campaigns/{c1}/close"),
        &w.tochuc,
        json!({}),
    )
    .await;
    // Second half: 4 ballots for the head, 2 for the deputy.
    let c2 = open_campaign(
        &app,
        &w.tochuc,
        "6 tháng cuối 2026",
        "2026-07-01",
        "2026-12-31",
    )
    .await;
    for (k, (_, t)) in w.voters.iter().take(4).enumerate() {
        let s = if k == 0 { 5 } else { 4 };
        assert_eq!(
            vote(&app, t, c2, w.org.h1, json!([s, 4, 4, 4, 4]))
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
        if k < 2 {
            assert_eq!(
                vote(&app, t, c2, w.dp, json!([2, 2, 2, 2, 2]))
                    .await
                    .status(),
                StatusCode::NO_CONTENT
            );
        }
    }
    app.post(
        &format!("/api/v1/ballots/campaigns/{c2}/close"),
        &w.tochuc,
        json!({}),
    )
    .await;

    // Everyone in the organisation reads the published results.
    let res = app
        .get(&format!("/api/v1/ballots/campaigns/{c2}/results"), &w.s2)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let r: Value = res.json().await.expect("json");
    let cand = |id: i64| -> Value {
        r["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .find(|c| c["staff_id"] == id)
            .expect("candidate")
            .clone()
    };
    let head = cand(w.org.h1);
    assert_eq!(head["shown"], true);
    assert_eq!(head["voters"], 4);
    // The head's roll: the deputy and the seven staff of W1 (and the other wards' leaders: none).
    assert_eq!(head["eligible"], 8);
    assert_eq!(head["turnout"], 0.5);
    assert_eq!(head["criteria"][0]["code"], "exemplary_conduct");
    assert_eq!(head["criteria"][0]["average"], 4.25);
    assert_eq!(head["criteria"][0]["distribution"], json!([0, 0, 0, 3, 1]));
    assert_eq!(head["criteria"][0]["change"], 1.25);
    assert_eq!(head["criteria"][1]["change"], 1.0);
    let dp = cand(w.dp);
    assert_eq!(dp["voters"], 2);
    assert_eq!(dp["shown"], false);
    assert_eq!(dp["criteria"], json!([]));
    assert_eq!(r["voters"], 4);
    assert_eq!(r["ballots"], 6);
    assert_eq!(r["min_voters"], 3);

    // The head's year grade records both ratings as inputs.
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &w.h1,
            json!({"unit_id": w.org.w1, "period": "2026"}),
        )
        .await;
    let status = res.status();
    let round: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{round}");
    let grade = round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == w.org.h1)
        .expect("head")
        .clone();
    let res = app
        .get(&format!("/api/v1/grades/{}/explain", grade["id"]), &w.h1)
        .await;
    let explain: Value = res.json().await.expect("json");
    let ratings = explain["inputs"]["leader_ratings"]
        .as_array()
        .expect("leader ratings")
        .clone();
    assert_eq!(ratings.len(), 2, "{ratings:?}");
    assert_eq!(ratings[1]["campaign_id"], c2);
    assert_eq!(ratings[1]["voters"], 4);
    assert_eq!(ratings[0]["overall_average"], 3.0);
    // The deputy's figures were withheld (2 voters): nothing recorded.
    let dpg = round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == w.dp)
        .expect("deputy")
        .clone();
    let res = app
        .get(&format!("/api/v1/grades/{}/explain", dpg["id"]), &w.h1)
        .await;
    let explain: Value = res.json().await.expect("json");
    assert!(explain["inputs"].get("leader_ratings").is_none());
}

/// Six members; the arranged proposals put five at good or better (quota 1).
#[tokio::test]
async fn excellent_selection_ballot_feeds_the_rounds_ballot_votes() {
    let app = crate::helpers::spawn_app().await;
    let w = ward(&app).await;
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &w.h1,
            json!({"unit_id": w.org.w1, "period": "2026-10"}),
        )
        .await;
    let round: Value = res.json().await.expect("json");
    let rid = round["id"].as_i64().expect("id");
    let members: Vec<i64> = round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .map(|g| g["staff_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(members.len(), 9);
    // Arrange: five people proposed good or better (what a full month of diary would give).
    let good: Vec<i64> = w.voters.iter().take(5).map(|(id, _)| *id).collect();
    let pool = app.pool.clone();
    let list = good
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        execute(&mut conn, &format!("UPDATE grades SET proposed_grade = 'good' WHERE round_id = {rid} AND staff_id IN ({list})"));
    })
    .await
    .expect("join");

    let path = format!("/api/v1/grading/rounds/{rid}/ballot");
    // A member who does not manage the unit cannot open it; s2 (another ward) does not see it.
    assert_problem(
        app.post(&path, &w.s1, json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(&path, &w.s2, json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = app.post(&path, &w.h1, json!({})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let b: Value = res.json().await.expect("json");
    assert_eq!(b["quota"], 1);
    assert_eq!(b["candidates"].as_array().expect("c").len(), 5);
    assert_eq!(b["candidates"][0]["votes"], Value::Null);
    assert_problem(
        app.post(&path, &w.h1, json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;

    let votes = format!("{path}/votes");
    // More than the quota, a non-candidate, a repeated choice: 422.
    let p = assert_problem(
        app.post(&votes, &w.s1, json!({"choices": [good[0], good[1]]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["choices"]);
    let p = assert_problem(
        app.post(&votes, &w.s1, json!({"choices": [w.org.h1]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), vec!["choices[0]"]);
    assert_problem(
        app.post(&votes, &w.s2, json!({"choices": [good[0]]})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Three votes for good[2], one for good[0], one blank ballot.
    let tokens: Vec<&String> = w.voters.iter().map(|(_, t)| t).collect();
    for (t, choice) in [
        (tokens[0], json!([good[2]])),
        (tokens[1], json!([good[2]])),
        (&w.h1, json!([good[2]])),
        (tokens[3], json!([good[0]])),
        (tokens[4], json!([])),
    ] {
        let res = app.post(&votes, t, json!({"choices": choice})).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    assert_problem(
        app.post(&votes, tokens[0], json!({"choices": [good[1]]}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    let seen: Value = app.get(&path, tokens[0]).await.json().await.expect("json");
    assert_eq!(seen["i_voted"], true);
    assert_eq!(seen["voters"], 5);
    assert_eq!(seen["members"], 9);

    assert_problem(
        app.post(&format!("{path}/close"), &w.s1, json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let res = app.post(&format!("{path}/close"), &w.h1, json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let closed: Value = res.json().await.expect("json");
    let votes_of = |id: i64| {
        closed["candidates"]
            .as_array()
            .expect("c")
            .iter()
            .find(|c| c["staff_id"] == id)
            .expect("cand")["votes"]
            .clone()
    };
    assert_eq!(votes_of(good[2]), 3);
    assert_eq!(votes_of(good[0]), 1);
    assert_eq!(votes_of(good[1]), 0);
    // The counts are the round's ballot votes, beside the proposals.
    let round: Value = app
        .get(&format!("/api/v1/grading/rounds/{rid}"), &w.h1)
        .await
        .json()
        .await
        .expect("json");
    let bv = |id: i64| {
        round["grades"]
            .as_array()
            .expect("g")
            .iter()
            .find(|g| g["staff_id"] == id)
            .expect("grade")["ballot_votes"]
            .clone()
    };
    assert_eq!(bv(good[2]), 3);
    assert_eq!(bv(good[0]), 1);
    assert_eq!(bv(w.org.h1), 0);
    assert_problem(
        app.post(&votes, tokens[5], json!({"choices": []})).await,
        StatusCode::CONFLICT,
    )
    .await;
}
