//! CSV import of units and staff: all or nothing.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_problem, fields, spawn_app, PASSWORD};

async fn import(app: &crate::helpers::TestApp, token: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/staff/import", app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .expect("request")
}

const GOOD: &str = "\
kind,code,name,level,parent_code,head_username,username,full_name,unit_code,roles,supervisor_username,is_leader,weekly_hours,password
unit,P1,Phường Một,ward,HG,truong.p1,,,,,,,,
unit,HG,Tỉnh Hậu Giang,province,,,,,,,,,,
staff,,,,,,nv.a,Nguyễn Văn A,P1,staff,truong.p1,,40,Mat-khau-123
staff,,,,,,truong.p1,Lê Thị Trưởng,P1,\"staff,head\",,true,40,Mat-khau-123
staff,,,,,,nv.b,Đỗ Thị B,P1,,truong.p1,,20,
";

#[tokio::test]
async fn a_good_file_creates_the_tree_and_people_with_forward_references() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = import(&app, &admin, GOOD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let summary: Value = res.json().await.expect("json");
    assert_eq!(summary["units_created"], 2);
    assert_eq!(summary["staff_created"], 3);

    // The head was set, supervisors resolved, part-time contract stored, logins work.
    let head = app.login_as("truong.p1", PASSWORD).await;
    let me: Value = app
        .get("/api/v1/me", &head)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["unit"]["name"], "Phường Một");
    assert_eq!(me["headed_unit_ids"].as_array().expect("ids").len(), 1);
    let people: Value = app
        .get("/api/v1/staff", &head)
        .await
        .json()
        .await
        .expect("json");
    let b = people["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["username"] == "nv.b")
        .expect("nv.b");
    assert_eq!(b["weekly_hours"], 20.0);
    assert_eq!(b["supervisor_id"], me["staff"]["id"]);
    assert_eq!(b["has_password"], false);

    // Importing the same file again updates instead of duplicating.
    let again: Value = import(&app, &admin, GOOD).await.json().await.expect("json");
    assert_eq!(again["units_created"], 0);
    assert_eq!(again["units_updated"], 2);
    assert_eq!(again["staff_updated"], 3);
}

#[tokio::test]
async fn a_file_with_errors_applies_nothing_and_names_each_line() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let bad = "\
kind,code,name,level,parent_code,username,full_name,unit_code,weekly_hours
unit,OK1,Đơn vị tốt,ward,,,,,
unit,BAD,Đơn vị,galaxy,,,,,
staff,,,,,good.one,Người Tốt,OK1,40
staff,,,,,Bad User,Người Xấu,OK1,99
staff,,,,,lost,Lạc,NOPE,40
";
    let problem = assert_problem(
        import(&app, &admin, bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let f = fields(&problem);
    assert!(f.contains(&"line 3: level".to_string()), "{f:?}");
    assert!(f.contains(&"line 5: username".to_string()), "{f:?}");
    assert!(f.contains(&"line 5: weekly_hours".to_string()), "{f:?}");
    let units: Value = app
        .get("/api/v1/units", &admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        units["items"].as_array().expect("items").len(),
        0,
        "nothing applied"
    );

    // Shape is fine but a reference is unknown: still nothing applied (transaction rolled back).
    let dangling = "\
kind,code,name,level,username,full_name,unit_code
unit,OK1,Đơn vị tốt,ward,,,
staff,,,,lost,Lạc,NOPE
";
    let problem = assert_problem(
        import(&app, &admin, dangling).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["line 3: unit_code"]);
    let units: Value = app
        .get("/api/v1/units", &admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        units["items"].as_array().expect("items").len(),
        0,
        "the unit of line 2 was rolled back"
    );
}

#[tokio::test]
async fn only_the_organisation_imports() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    assert_eq!(import(&app, &admin, GOOD).await.status(), StatusCode::OK);
    let staff = app.login_as("nv.a", PASSWORD).await;
    assert_problem(import(&app, &staff, GOOD).await, StatusCode::FORBIDDEN).await;
}
