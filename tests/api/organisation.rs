//! The organisation tree and people: who may read and change what.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, etag_of, fields, small_org, spawn_app, PASSWORD};

#[tokio::test]
async fn admin_builds_the_tree_and_vietnamese_names_round_trip() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let unit: Value = app
        .get(&format!("/api/v1/units/{}", org.w1), &org.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unit["name"], "Phường Một");
    assert_eq!(unit["parent_id"], org.province);
    assert_eq!(unit["ancestor_ids"], json!([org.province]));
    assert_eq!(unit["head_id"], org.h1);
    let person: Value = app
        .get(&format!("/api/v1/staff/{}", org.s1), &org.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(person["full_name"], "Nguyễn Thị Ánh");
    assert_eq!(person["supervisor_id"], org.h1);
    assert_eq!(person["weekly_hours"], 40.0);
    assert_eq!(person["has_password"], true);
    assert!(
        person.get("password_hash").is_none(),
        "hashes never leave the server"
    );

    let children: Value = app
        .get(
            &format!("/api/v1/units?parent_id={}", org.province),
            &org.admin,
        )
        .await
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> = children["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["W1", "W2"]);
}

#[tokio::test]
async fn staff_see_only_themselves_and_their_unit() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    assert_eq!(
        app.get(&format!("/api/v1/staff/{}", org.s1), &s1)
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(&format!("/api/v1/staff/{}", org.s2), &s1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/staff/{}", org.h1), &s1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let list: Value = app
        .get("/api/v1/staff", &s1)
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![org.s1]);
    assert_eq!(
        app.get(&format!("/api/v1/units/{}", org.w1), &s1)
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(&format!("/api/v1/units/{}", org.w2), &s1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/units/{}", org.province), &s1)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let me: Value = app.get("/api/v1/me", &s1).await.json().await.expect("json");
    assert_eq!(me["unit"]["id"], org.w1);
    assert_eq!(me["supervisor"]["full_name"], "Lê Văn Hưng");
}

#[tokio::test]
async fn heads_read_their_subtree_and_nothing_else() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    // A sub-unit of W1 with its own person: inside h1's subtree.
    let team = app
        .create_unit(
            &org.admin,
            "W1-T",
            "Tổ một phường Một",
            "office",
            Some(org.w1),
        )
        .await;
    let t1 = app
        .create_staff(&org.admin, json!({"unit_id": team, "username": "t1", "password": PASSWORD, "full_name": "Phạm Thu Trang"}))
        .await;
    let h1 = app.login_as("h1", PASSWORD).await;
    for id in [org.h1, org.s1, t1] {
        assert_eq!(
            app.get(&format!("/api/v1/staff/{id}"), &h1).await.status(),
            StatusCode::OK,
            "{id}"
        );
    }
    assert_problem(
        app.get(&format!("/api/v1/staff/{}", org.s2), &h1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/staff/{}", org.org_user), &h1)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/units/{}", org.w2), &h1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.get(&format!("/api/v1/units/{team}"), &h1)
            .await
            .status(),
        StatusCode::OK
    );
    let list: Value = app
        .get("/api/v1/staff", &h1)
        .await
        .json()
        .await
        .expect("json");
    let mut ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![org.h1, org.s1, t1]);
    let units: Value = app
        .get("/api/v1/units", &h1)
        .await
        .json()
        .await
        .expect("json");
    let mut unit_ids: Vec<i64> = units["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    unit_ids.sort();
    assert_eq!(unit_ids, vec![org.w1, team]);
}

#[tokio::test]
async fn only_admin_and_organisation_change_the_organisation() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let s1 = app.login_as("s1", PASSWORD).await;
    let h1 = app.login_as("h1", PASSWORD).await;
    let unit = json!({"code": "NEW", "name": "Đơn vị mới", "level": "office", "parent_id": org.w1});
    assert_problem(
        app.post("/api/v1/units", &s1, unit.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post("/api/v1/units", &h1, unit.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let person = json!({"unit_id": org.w1, "username": "x1", "full_name": "Người mới"});
    assert_problem(
        app.post("/api/v1/staff", &h1, person.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let etag = etag_of(&app.get(&format!("/api/v1/units/{}", org.w1), &h1).await);
    assert_problem(
        app.patch(
            &format!("/api/v1/units/{}", org.w1),
            &h1,
            Some(&etag),
            json!({"name": "Đổi tên"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let etag = etag_of(&app.get(&format!("/api/v1/staff/{}", org.s1), &h1).await);
    assert_problem(
        app.patch(
            &format!("/api/v1/staff/{}", org.s1),
            &h1,
            Some(&etag),
            json!({"roles": ["staff", "admin"]}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // A person cannot promote themselves either.
    let etag = etag_of(&app.get(&format!("/api/v1/staff/{}", org.s1), &s1).await);
    assert_problem(
        app.patch(
            &format!("/api/v1/staff/{}", org.s1),
            &s1,
            Some(&etag),
            json!({"roles": ["admin"]}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // The organisation department can.
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    assert_eq!(
        app.post("/api/v1/units", &tochuc, unit).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.post("/api/v1/staff", &tochuc, person).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.get(&format!("/api/v1/staff/{}", org.s2), &tochuc)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn updates_need_the_current_version() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let path = format!("/api/v1/units/{}", org.w2);
    let etag = etag_of(&app.get(&path, &org.admin).await);
    let res = app
        .patch(&path, &org.admin, None, json!({"name": "Phường Hai mới"}))
        .await;
    assert_problem(res, StatusCode::PRECONDITION_REQUIRED).await;
    let res = app
        .patch(
            &path,
            &org.admin,
            Some(&etag),
            json!({"name": "Phường Hai mới"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let new_etag = etag_of(&res);
    assert_ne!(etag, new_etag);
    // A second writer still holding the old version is refused, and nothing is overwritten.
    let res = app
        .patch(&path, &org.admin, Some(&etag), json!({"name": "Ghi đè"}))
        .await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED).await;
    let unit: Value = app.get(&path, &org.admin).await.json().await.expect("json");
    assert_eq!(unit["name"], "Phường Hai mới");
}

#[tokio::test]
async fn moving_a_unit_moves_its_subtree_and_cycles_are_refused() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let team = app
        .create_unit(&org.admin, "W1-T", "Tổ", "office", Some(org.w1))
        .await;
    // W1 under its own child: refused.
    let etag = etag_of(
        &app.get(&format!("/api/v1/units/{}", org.w1), &org.admin)
            .await,
    );
    let res = app
        .patch(
            &format!("/api/v1/units/{}", org.w1),
            &org.admin,
            Some(&etag),
            json!({"parent_id": team}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), vec!["parent_id"]);
    // W1 under W2: the team follows, and h1 (head of W1) now sits inside W2's subtree.
    let res = app
        .patch(
            &format!("/api/v1/units/{}", org.w1),
            &org.admin,
            Some(&etag),
            json!({"parent_id": org.w2}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let t: Value = app
        .get(&format!("/api/v1/units/{team}"), &org.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(t["ancestor_ids"], json!([org.province, org.w2, org.w1]));
}

#[tokio::test]
async fn people_rules_are_checked() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    // staff without a unit
    let res = app
        .post(
            "/api/v1/staff",
            &org.admin,
            json!({"username": "nounit", "full_name": "Không đơn vị"}),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["unit_id"]
    );
    // unknown unit
    let res = app
        .post(
            "/api/v1/staff",
            &org.admin,
            json!({"unit_id": 9999, "username": "ghost", "full_name": "Ma"}),
        )
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["unit_id"]
    );
    // duplicate username
    let res = app
        .post(
            "/api/v1/staff",
            &org.admin,
            json!({"unit_id": org.w1, "username": "s1", "full_name": "Trùng"}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT).await;
    // supervisor cycle: h1 cannot report to s1, who reports to h1
    let path = format!("/api/v1/staff/{}", org.h1);
    let etag = etag_of(&app.get(&path, &org.admin).await);
    let res = app
        .patch(
            &path,
            &org.admin,
            Some(&etag),
            json!({"supervisor_id": org.s1}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["code"], "cycle");
    // a head must belong to the unit they head
    let path = format!("/api/v1/units/{}", org.w2);
    let etag = etag_of(&app.get(&path, &org.admin).await);
    let res = app
        .patch(&path, &org.admin, Some(&etag), json!({"head_id": org.s1}))
        .await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["head_id"]
    );
}

#[tokio::test]
async fn contracts_keep_their_history() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let path = format!("/api/v1/staff/{}", org.s2);
    let etag = etag_of(&app.get(&path, &org.admin).await);
    let res = app
        .patch(
            &path,
            &org.admin,
            Some(&etag),
            json!({"contract": {"weekly_hours": 20, "effective_from": "2099-01-01"}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let person: Value = res.json().await.expect("json");
    assert_eq!(person["contracts"].as_array().expect("contracts").len(), 2);
    assert_eq!(
        person["weekly_hours"], 40.0,
        "the future contract is not in force yet"
    );
    assert_eq!(person["contracts"][1]["weekly_hours"], 20.0);
}

#[tokio::test]
async fn pages_follow_the_cursor() {
    let app = spawn_app().await;
    let org = small_org(&app).await;
    let first: Value = app
        .get("/api/v1/staff?limit=2", &org.admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(first["items"].as_array().expect("items").len(), 2);
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let second: Value = app
        .get(
            &format!("/api/v1/staff?limit=2&cursor={cursor}"),
            &org.admin,
        )
        .await
        .json()
        .await
        .expect("json");
    let third: Value = app
        .get(
            &format!(
                "/api/v1/staff?limit=2&cursor={}",
                second["next_cursor"].as_str().expect("cursor")
            ),
            &org.admin,
        )
        .await
        .json()
        .await
        .expect("json");
    // admin + h1 + s1 + s2 + tochuc = 5 people
    assert_eq!(third["items"].as_array().expect("items").len(), 1);
    assert!(third["next_cursor"].is_null());
    let res = app.get("/api/v1/staff?limit=0", &org.admin).await;
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["limit"]
    );
    assert_problem(
        app.get("/api/v1/staff?cursor=abc", &org.admin).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}
