//! Trust (issue #9): published rounds stay with those entitled to them, head powers need both the
//! role and the headship, sessions end when they should, and passwords follow NIST SP 800-63B.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::appeals::october_round;
use crate::diary::{act, diary_setup, line, log, today};
use crate::grading::{grade_of, october_diary};
use crate::helpers::{assert_problem, etag_of, fields, TestApp, PASSWORD};

async fn patch_staff(app: &TestApp, admin: &str, id: i64, body: Value) -> reqwest::Response {
    let path = format!("/api/v1/staff/{id}");
    let etag = etag_of(&app.get(&path, admin).await);
    app.patch(&path, admin, Some(&etag), body).await
}

async fn patch_unit(app: &TestApp, admin: &str, id: i64, body: Value) -> reqwest::Response {
    let path = format!("/api/v1/units/{id}");
    let etag = etag_of(&app.get(&path, admin).await);
    app.patch(&path, admin, Some(&etag), body).await
}

async fn login(app: &TestApp, username: &str, password: &str) -> Value {
    let res = app.login_full(username, password).await;
    assert_eq!(res.status(), StatusCode::OK, "login {username}");
    res.json().await.expect("json")
}

fn token(login: &Value) -> String {
    login["access_token"].as_str().expect("token").to_string()
}

// ---------------------------------------------------------------------------------------------
// 1. Published rounds
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_published_round_stays_with_the_person_their_heads_and_the_organisation() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    // A colleague of s1 in W1, graded in the same round.
    let s3_id = app.create_staff(&d.org.admin, json!({"unit_id": d.org.w1, "username": "s3", "password": PASSWORD, "full_name": "Phạm Thị Cúc", "supervisor_id": d.org.h1}))
        .await;
    let s3 = app.login_as("s3", PASSWORD).await;
    october_diary(&app, &d).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let round = october_round(&app, &d, &tochuc, true).await;
    assert_eq!(round["state"], "published");
    let rid = round["id"].as_i64().expect("id");
    let gid = grade_of(&round, d.org.s1)["id"].as_i64().expect("grade id");
    let path = format!("/api/v1/grading/rounds/{rid}");

    // Staff of another unit and a colleague of the same unit: not the round, nor s1's scores,
    // reasons, discipline or explanation.
    assert_problem(app.get(&path, &d.s2).await, StatusCode::NOT_FOUND).await;
    for t in [&d.s2, &s3] {
        assert_problem(
            app.get(&format!("/api/v1/grades/{gid}/explain"), t).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        for export in ["export", "rewards"] {
            assert_problem(
                app.get(&format!("{path}/{export}"), t).await,
                StatusCode::NOT_FOUND,
            )
            .await;
        }
    }
    // Each person graded in the round reads it with their own grade only.
    for (t, id) in [(&d.s1, d.org.s1), (&s3, s3_id)] {
        let mine: Value = app.get(&path, t).await.json().await.expect("json");
        let grades = mine["grades"].as_array().expect("grades");
        assert_eq!(grades.len(), 1, "{mine}");
        assert_eq!(grades[0]["staff_id"], id);
    }
    // The head and the organisation read every grade.
    for t in [&d.h1, &tochuc] {
        let all: Value = app.get(&path, t).await.json().await.expect("json");
        assert!(
            all["grades"].as_array().expect("grades").len() >= 3,
            "{all}"
        );
    }
    // Everybody still reads names, final grades and totals of the published period.
    let published: Value = app
        .get("/api/v1/published?period=2026-10", &d.s2)
        .await
        .json()
        .await
        .expect("json");
    let people = published["units"][0]["people"].as_array().expect("people");
    assert!(people.iter().any(|p| p["staff_id"] == d.org.s1));
    let text = published.to_string();
    for secret in [
        "override_reason",
        "disciplined",
        "common_score",
        "self_score",
    ] {
        assert!(!text.contains(secret), "{secret} leaks in /published");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Head role and headship
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn removing_the_head_role_is_refused_while_heading_and_then_ends_every_power() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = d.org.admin.clone();
    // s1 submits a line to h1 (the approver through supervisor and headship).
    let id = log(&app, &d.s1, line(&d, today(), 60)).await["id"]
        .as_i64()
        .expect("id");
    assert_eq!(
        act(&app, &d.s1, id, "submit").await.status(),
        StatusCode::OK
    );

    // Refused while h1 is W1's head: 422 naming the unit.
    let res = patch_staff(&app, &admin, d.org.h1, json!({"roles": ["staff"]})).await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["roles"]);
    assert_eq!(problem["errors"][0]["code"], "heads_unit");
    assert!(problem.to_string().contains("W1"), "{problem}");

    // W1 gets no head, s1 a new supervisor; then the role can go.
    let res = patch_unit(&app, &admin, d.org.w1, json!({"head_id": null})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = patch_staff(&app, &admin, d.org.s1, json!({"supervisor_id": null})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = patch_staff(&app, &admin, d.org.h1, json!({"roles": ["staff"]})).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The role change ended h1's session; a fresh login has no head powers left.
    assert_problem(app.get("/api/v1/me", &d.h1).await, StatusCode::UNAUTHORIZED).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let me: Value = app.get("/api/v1/me", &h1).await.json().await.expect("json");
    assert_eq!(me["headed_unit_ids"], json!([]));
    let queue: Value = app
        .get("/api/v1/approvals/queue", &h1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(0), "{queue}");
    for path in [
        format!("/api/v1/approvals/queue?unit_id={}", d.org.w1),
        format!("/api/v1/kpi/units/{}?period=2026-10", d.org.w1),
        format!("/api/v1/kpi/staff/{}?period=2026-10", d.org.s1),
        format!("/api/v1/entries/{id}"),
    ] {
        let status = app.get(&path, &h1).await.status();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{path}: {status}"
        );
    }
    let res = app
        .post(&format!("/api/v1/entries/{id}/approve"), &h1, json!({}))
        .await;
    assert!(
        matches!(res.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{}",
        res.status()
    );
    let entry: Value = app
        .get(&format!("/api/v1/entries/{id}"), &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(entry["state"], "submitted");
    assert_ne!(entry["approver_id"], json!(d.org.h1), "{entry}");
}

/// Ending a headship moves every line waiting for the former head at once, each to the approver
/// its owner has now: a supervised member's line stays with the supervisor (the same person), an
/// unsupervised member's lines go up to the parent unit's head, and a line from a headless unit
/// below (it went up to the former head) goes to the organisation department (no approver).
#[tokio::test]
async fn ending_a_headship_moves_each_waiting_line_to_its_owners_approver_now() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = d.org.admin.clone();
    let ph = app
        .create_staff(&admin, json!({"unit_id": d.org.province, "username": "ph", "password": PASSWORD, "full_name": "Võ Văn Phúc", "roles": ["staff", "head"]}))
        .await;
    app.set_head(&admin, d.org.province, ph).await;
    app.create_staff(&admin, json!({"unit_id": d.org.w1, "username": "s3", "password": PASSWORD, "full_name": "Phạm Thị Cúc"}))
        .await;
    let team = app
        .create_unit(&admin, "W1-T", "Tổ một cửa", "office", Some(d.org.w1))
        .await;
    app.create_staff(&admin, json!({"unit_id": team, "username": "c1", "password": PASSWORD, "full_name": "Đỗ Văn Chiến"}))
        .await;
    let s3 = app.login_as("s3", PASSWORD).await;
    let c1 = app.login_as("c1", PASSWORD).await;
    let mut waiting = Vec::new();
    for (token, minutes) in [(&d.s1, 60), (&s3, 90), (&s3, 30), (&c1, 45)] {
        let id = log(&app, token, line(&d, today(), minutes)).await["id"]
            .as_i64()
            .expect("id");
        let res = act(&app, token, id, "submit").await;
        assert_eq!(res.status(), StatusCode::OK);
        let entry: Value = res.json().await.expect("json");
        assert_eq!(entry["approver_id"], json!(d.org.h1), "{entry}");
        waiting.push(id);
    }

    let res = patch_unit(&app, &admin, d.org.w1, json!({"head_id": null})).await;
    assert_eq!(res.status(), StatusCode::OK);

    let mut approvers = Vec::new();
    for id in &waiting {
        let entry: Value = app
            .get(&format!("/api/v1/entries/{id}"), &admin)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(entry["state"], "submitted", "{entry}");
        approvers.push(entry["approver_id"].clone());
    }
    assert_eq!(
        approvers,
        [json!(d.org.h1), json!(ph), json!(ph), Value::Null],
        "s1 (supervised by h1), s3 twice (no supervisor: the province's head), c1 (no head above)"
    );
    // The province's head now has s3's lines in the queue, and nothing of s1's or c1's.
    let ph_token = app.login_as("ph", PASSWORD).await;
    let queue: Value = app
        .get("/api/v1/approvals/queue", &ph_token)
        .await
        .json()
        .await
        .expect("json");
    let mut queued: Vec<i64> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["entry"]["id"].as_i64())
        .collect();
    queued.sort_unstable();
    assert_eq!(queued, [waiting[1], waiting[2]], "{queue}");
}

#[tokio::test]
async fn headship_needs_the_head_role_and_one_without_the_other_heads_nothing() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let admin = d.org.admin.clone();
    // Naming someone without the head role as head: 422 on head_id.
    let res = patch_unit(&app, &admin, d.org.w2, json!({"head_id": d.org.s2})).await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["head_id"]);
    assert_eq!(problem["errors"][0]["code"], "not_head_role");
    // Moving a head out of the unit they head: 422 naming the unit.
    let res = patch_staff(&app, &admin, d.org.h1, json!({"unit_id": d.org.w2})).await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["unit_id"]);

    // Data written around the API (an old database): W2's head_id names s2, who lacks the role;
    // s3 in W2 holds the head role but heads no unit. Neither gets head powers.
    let s3 = app
        .create_staff(&admin, json!({"unit_id": d.org.w2, "username": "s3", "password": PASSWORD, "full_name": "Phạm Văn Cường", "roles": ["staff", "head"]}))
        .await;
    {
        use diesel::prelude::*;
        use worklog_kpi::db::schema::units;
        let mut conn = app.pool.get().expect("connection");
        diesel::update(units::table.find(d.org.w2))
            .set(units::head_id.eq(Some(d.org.s2)))
            .execute(&mut conn)
            .expect("set head_id");
    }
    let s3_token = app.login_as("s3", PASSWORD).await;
    for t in [&d.s2, &s3_token] {
        let me: Value = app.get("/api/v1/me", t).await.json().await.expect("json");
        assert_eq!(me["headed_unit_ids"], json!([]), "{me}");
        for path in [
            format!("/api/v1/approvals/queue?unit_id={}", d.org.w2),
            format!("/api/v1/kpi/units/{}?period=2026-10", d.org.w2),
        ] {
            let status = app.get(&path, t).await.status();
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
                "{path}: {status}"
            );
        }
    }
    let _ = s3;
}

#[tokio::test]
async fn the_csv_import_keeps_roles_and_headship_in_agreement() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin().await;
    let import = |csv: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.client
                .post(format!("{}/api/v1/staff/import", app.address))
                .bearer_auth(&admin)
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
                .expect("request")
        }
    };
    // A head named without the head role.
    let res = import(
        "kind,code,name,level,parent_code,head_username,username,full_name,unit_code,roles,password\n\
         unit,P1,Phường Một,ward,,nv.a,,,,,\n\
         staff,,,,,,nv.a,Nguyễn Văn A,P1,staff,Mat-khau-123\n",
    )
    .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem["errors"][0]["field"]
        .as_str()
        .is_some_and(|f| f.ends_with("head_username")));
    assert_eq!(problem["errors"][0]["code"], "not_head_role");
    // A good import, then one that takes the head role away from the head.
    let res = import(
        "kind,code,name,level,parent_code,head_username,username,full_name,unit_code,roles,password\n\
         unit,P1,Phường Một,ward,,nv.a,,,,,\n\
         staff,,,,,,nv.a,Nguyễn Văn A,P1,\"staff,head\",Mat-khau-123\n",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = import(
        "kind,code,name,level,parent_code,head_username,username,full_name,unit_code,roles,password\n\
         staff,,,,,,nv.a,Nguyễn Văn A,P1,staff,\n",
    )
    .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["code"], "heads_unit");
    assert!(problem.to_string().contains("P1"));
    // A weak password in a file is refused like in the API.
    let res = import(
        "kind,code,name,level,parent_code,head_username,username,full_name,unit_code,roles,password\n\
         staff,,,,,,nv.b,Đỗ Thị B,P1,staff,12345678\n",
    )
    .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["code"], "length");
}

// ---------------------------------------------------------------------------------------------
// 3. Sessions end
// ---------------------------------------------------------------------------------------------

async fn logout(app: &TestApp, refresh: &str) -> StatusCode {
    app.request(
        Method::POST,
        "/api/v1/auth/logout",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await
    .status()
}

#[tokio::test]
async fn logout_ends_every_access_token_of_the_person_at_once() {
    let app = crate::helpers::spawn_app().await;
    let _org = crate::helpers::small_org(&app).await;
    let phone = login(&app, "s1", PASSWORD).await;
    let laptop = login(&app, "s1", PASSWORD).await;
    let other = app.login_as("s2", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/me", &token(&phone)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        logout(&app, phone["refresh_token"].as_str().expect("r")).await,
        StatusCode::NO_CONTENT
    );
    for t in [token(&phone), token(&laptop)] {
        let body = assert_problem(app.get("/api/v1/me", &t).await, StatusCode::UNAUTHORIZED).await;
        assert!(
            body["detail"].as_str().unwrap_or("").contains("kết thúc"),
            "{body}"
        );
    }
    let res = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": laptop["refresh_token"]})),
        )
        .await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
    // Somebody else is not affected; a new login works.
    assert_eq!(app.get("/api/v1/me", &other).await.status(), StatusCode::OK);
    let again = app.login_as("s1", PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", &again).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_role_change_ends_the_sessions_of_that_person() {
    let app = crate::helpers::spawn_app().await;
    let org = crate::helpers::small_org(&app).await;
    let s2 = app.login_as("s2", PASSWORD).await;
    let res = patch_staff(
        &app,
        &org.admin,
        org.s2,
        json!({"roles": ["staff", "head"]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(app.get("/api/v1/me", &s2).await, StatusCode::UNAUTHORIZED).await;
    // A change that is not about roles, password or activity keeps the session.
    let s2 = app.login_as("s2", PASSWORD).await;
    let res = patch_staff(
        &app,
        &org.admin,
        org.s2,
        json!({"full_name": "Trần Văn Bình Hai"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/me", &s2).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn changing_ones_own_password_ends_other_sessions_and_keeps_this_one() {
    let app = crate::helpers::spawn_app().await;
    let _org = crate::helpers::small_org(&app).await;
    let first = app.login_as("s1", PASSWORD).await;
    let second = app.login_as("s1", PASSWORD).await;
    let path = "/api/v1/me/password";
    // Wrong current password, weak new passwords: 422 naming the field.
    let res = app
        .post(
            path,
            &first,
            json!({"current_password": "Sai-mat-khau-1", "new_password": "ngựa ô bên sông Hậu"}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["current_password"]);
    for (weak, code) in [
        ("12345678", "length"),
        ("1234567890", "common_password"),
        ("password123", "common_password"),
        ("Mat-khau-123", "unchanged"),
    ] {
        let res = app
            .post(
                path,
                &first,
                json!({"current_password": PASSWORD, "new_password": weak}),
            )
            .await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&problem), vec!["new_password"], "{weak}");
        if code != "length" {
            assert_eq!(problem["errors"][0]["code"], code, "{weak}");
        }
    }
    let res = app
        .post(
            path,
            &first,
            json!({"current_password": PASSWORD, "new_password": "ngựa ô bên sông Hậu"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let fresh: Value = res.json().await.expect("json");
    assert_eq!(fresh["must_change_password"], false);
    // Both old tokens ended; the fresh one works; the new password logs in, the old does not.
    for t in [&first, &second] {
        assert_problem(app.get("/api/v1/me", t).await, StatusCode::UNAUTHORIZED).await;
    }
    assert_eq!(
        app.get("/api/v1/me", &token(&fresh)).await.status(),
        StatusCode::OK
    );
    assert_problem(
        app.login_full("s1", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    app.login_as("s1", "ngựa ô bên sông Hậu").await;
}

#[tokio::test]
async fn an_administrators_reset_makes_the_person_choose_a_new_password() {
    let app = crate::helpers::spawn_app().await;
    let org = crate::helpers::small_org(&app).await;
    let before = app.login_as("s1", PASSWORD).await;
    // The reset follows the policy too.
    let res = patch_staff(&app, &org.admin, org.s1, json!({"password": "password"})).await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = patch_staff(
        &app,
        &org.admin,
        org.s1,
        json!({"password": "Tam-thoi-2026"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(
        app.get("/api/v1/me", &before).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let reset = login(&app, "s1", "Tam-thoi-2026").await;
    assert_eq!(reset["must_change_password"], true);
    let t = token(&reset);
    let me: Value = app.get("/api/v1/me", &t).await.json().await.expect("json");
    assert_eq!(me["must_change_password"], true);
    let body = assert_problem(app.get("/api/v1/entries", &t).await, StatusCode::FORBIDDEN).await;
    assert_eq!(
        body["type"],
        "urn:worklog-kpi:problem:password-change-required"
    );
    let res = app
        .post(
            "/api/v1/me/password",
            &t,
            json!({"current_password": "Tam-thoi-2026", "new_password": "ngựa ô bên sông Hậu"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let fresh: Value = res.json().await.expect("json");
    assert_eq!(fresh["must_change_password"], false);
    assert_eq!(
        app.get("/api/v1/entries", &token(&fresh)).await.status(),
        StatusCode::OK
    );
    let again = login(&app, "s1", "ngựa ô bên sông Hậu").await;
    assert_eq!(again["must_change_password"], false);
}

// ---------------------------------------------------------------------------------------------
// 9. Password policy on creation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn new_accounts_follow_the_password_policy() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin().await;
    for (password, code) in [
        ("12345678", "length"),
        ("Ngắn-1", "length"),
        ("1234567890", "common_password"),
        ("qwertyuiop", "common_password"),
        ("nguyen.anh-2026", "contains_username"),
    ] {
        let res = app
            .post(
                "/api/v1/staff",
                &admin,
                json!({"username": "nguyen.anh", "password": password, "full_name": "Nguyễn Anh", "roles": ["organisation"]}),
            )
            .await;
        let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&problem), vec!["password"], "{password}");
        assert_eq!(problem["errors"][0]["code"], code, "{password}");
    }
    // No composition rules: a lowercase passphrase is fine.
    app.create_staff(
        &admin,
        json!({"username": "nguyen.anh", "password": "ngua o ben song hau", "full_name": "Nguyễn Anh", "roles": ["organisation"]}),
    )
    .await;
    app.login_as("nguyen.anh", "ngua o ben song hau").await;
}
