//! Appeals after publication: the graded person appeals to the level above the decider, who
//! upholds or changes the grade with a reason; a reserved opinion is only recorded. Built on the
//! October scenario of `grading.rs` (province HG > wards W1, W2; h1 heads W1 and decides; s1 in
//! W1), with the province given a head (`ct.tinh`).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::diary::{diary_setup, Diary};
use crate::grading::{grade_of, october_diary};
use crate::helpers::{assert_problem, fields, TestApp, PASSWORD};

/// The province head (`ct.tinh`): the level above W1's head.
async fn province_head(app: &TestApp, d: &Diary) -> (i64, String) {
    let id = app
        .create_staff(&d.org.admin, json!({"unit_id": d.org.province, "username": "ct.tinh", "password": PASSWORD, "full_name": "Chủ tịch tỉnh", "roles": ["staff", "head"]}))
        .await;
    app.set_head(&d.org.admin, d.org.province, id).await;
    (id, app.login_as("ct.tinh", PASSWORD).await)
}

/// Opens W1's October round as h1, decides it without overrides and, when `publish`, publishes
/// it as the organisation department. Returns the round as last read.
pub async fn october_round(app: &TestApp, d: &Diary, tochuc: &str, publish: bool) -> Value {
    let res = app
        .post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w1, "period": "2026-10"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let round: Value = res.json().await.expect("json");
    let rid = round["id"].as_i64().expect("id");
    if !publish {
        return round;
    }
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/decide"),
            &d.h1,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/publish"),
            tochuc,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

async fn explain(app: &TestApp, token: &str, gid: i64) -> Value {
    let res = app
        .get(&format!("/api/v1/grades/{gid}/explain"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

#[tokio::test]
async fn an_appeal_goes_to_the_level_above_who_changes_the_grade() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let (governor, gov) = province_head(&app, &d).await;
    october_diary(&app, &d).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let round = october_round(&app, &d, &tochuc, true).await;
    assert_eq!(round["state"], "published");
    let s1 = grade_of(&round, d.org.s1);
    // No common-criteria scores: 46.98 → not complete, decided as proposed.
    assert_eq!(s1["final_grade"]["code"], "not_complete");
    let gid = s1["id"].as_i64().expect("grade id");
    let appeals = format!("/api/v1/grades/{gid}/appeals");

    // s1 appeals the day of publication: inside the 10-day window.
    let res = app
        .post(
            &appeals,
            &d.s1,
            json!({"kind": "appeal", "reason": "Chưa chấm điểm tiêu chí chung cho tôi"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/api/v1/grades/{gid}/explain").as_str())
    );
    let appeal: Value = res.json().await.expect("json");
    assert_eq!(appeal["kind"], "appeal");
    assert_eq!(appeal["state"], "filed");
    assert_eq!(appeal["reason"], "Chưa chấm điểm tiêu chí chung cho tôi");
    assert!(appeal["resolver_id"].is_null());
    let aid = appeal["id"].as_i64().expect("appeal id");

    // One appeal at a time; only the person, and nobody who cannot see the grade learns of it.
    assert_problem(
        app.post(
            &appeals,
            &d.s1,
            json!({"kind": "appeal", "reason": "Lần hai"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post(
            &appeals,
            &d.s2,
            json!({"kind": "appeal", "reason": "Thay bạn"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.post(
            &appeals,
            &d.h1,
            json!({"kind": "appeal", "reason": "Thay bạn"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        fields(
            &assert_problem(
                app.post(&appeals, &d.s1, json!({"kind": "complaint", "reason": "x"}))
                    .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        ),
        vec!["kind"]
    );
    assert_eq!(
        fields(
            &assert_problem(
                app.post(&appeals, &d.s1, json!({"kind": "appeal", "reason": "   "}))
                    .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        ),
        vec!["reason"]
    );

    // Resolving: the level above the decider only.
    let resolve = format!("/api/v1/appeals/{aid}/resolve");
    let change = json!({"decision": "change", "grade": "good", "reason": "Bổ sung điểm tiêu chí chung: 30/30"});
    let denied = assert_problem(
        app.post(&resolve, &d.h1, change.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        denied["detail"]
            .as_str()
            .unwrap_or("")
            .contains("Người đã quyết định"),
        "{denied}"
    );
    assert_problem(
        app.post(&resolve, &d.s1, change.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(&resolve, &d.s2, change.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        fields(
            &assert_problem(
                app.post(
                    &resolve,
                    &gov,
                    json!({"decision": "change", "reason": "Thiếu xếp loại"})
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        ),
        vec!["grade"]
    );
    assert_eq!(
        fields(
            &assert_problem(
                app.post(
                    &resolve,
                    &gov,
                    json!({"decision": "change", "grade": "not_complete", "reason": "Như cũ"})
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        ),
        vec!["grade"]
    );
    assert_eq!(
        fields(
            &assert_problem(
                app.post(
                    &resolve,
                    &gov,
                    json!({"decision": "change", "grade": "good"})
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        ),
        vec!["reason"]
    );
    let res = app.post(&resolve, &gov, change.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let resolved: Value = res.json().await.expect("json");
    assert_eq!(resolved["state"], "changed");
    assert_eq!(resolved["new_grade"]["code"], "good");
    assert_eq!(resolved["new_grade"]["label"], "Hoàn thành tốt nhiệm vụ");
    assert_eq!(resolved["resolver_id"], governor);
    assert_eq!(resolved["resolution"], "Bổ sung điểm tiêu chí chung: 30/30");
    assert!(resolved["resolved_at"].is_string());
    assert_problem(app.post(&resolve, &gov, change).await, StatusCode::CONFLICT).await;

    // The grade is now good; the decision stays in the history and the explanation.
    let ex = explain(&app, &d.s1, gid).await;
    assert_eq!(ex["grade"]["final_grade"]["code"], "good");
    assert_eq!(ex["grade"]["proposed_grade"]["code"], "not_complete");
    let reasons = ex["grade"]["reasons"].as_array().expect("reasons");
    assert_eq!(reasons[0]["rule"], "threshold");
    let last = reasons.last().expect("appeal rule");
    assert_eq!(last["rule"], "appeal");
    assert_eq!(last["from"], "not_complete");
    assert_eq!(last["to"], "good");
    assert_eq!(last["reason"], "Bổ sung điểm tiêu chí chung: 30/30");
    assert!(
        last["message"].as_str().unwrap_or("").contains("khiếu nại"),
        "{last}"
    );
    assert_eq!(ex["appeals"].as_array().expect("appeals").len(), 1);
    assert_eq!(ex["appeals"][0]["id"], aid);
    assert_eq!(ex["appeals"][0]["state"], "changed");
    // The published results follow the grade.
    let published: Value = app
        .get("/api/v1/published?period=2026-10", &d.s2)
        .await
        .json()
        .await
        .expect("json");
    let person = published["units"][0]["people"]
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["staff_id"] == d.org.s1)
        .expect("s1 published")
        .clone();
    assert_eq!(person["grade"]["code"], "good");

    // A reserved opinion is recorded and needs no resolution.
    let res = app
        .post(
            &appeals,
            &d.s1,
            json!({"kind": "reserved_opinion", "reason": "Tôi bảo lưu ý kiến về tỷ lệ khối lượng"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let opinion: Value = res.json().await.expect("json");
    assert_eq!(opinion["kind"], "reserved_opinion");
    assert_eq!(opinion["state"], "recorded");
    let oid = opinion["id"].as_i64().expect("id");
    assert_problem(
        app.post(
            &format!("/api/v1/appeals/{oid}/resolve"),
            &gov,
            json!({"decision": "uphold", "reason": "Không áp dụng"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let ex = explain(&app, &d.h1, gid).await;
    let states: Vec<&str> = ex["appeals"]
        .as_array()
        .expect("appeals")
        .iter()
        .filter_map(|a| a["state"].as_str())
        .collect();
    assert_eq!(states, vec!["changed", "recorded"]);

    // Audit: filing, resolving and the grade change.
    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=appeal&id={aid}"), &tochuc)
        .await
        .json()
        .await
        .expect("json");
    let mut actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    actions.sort_unstable();
    assert_eq!(actions, vec!["file", "resolve"]);
    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=grade&id={gid}"), &tochuc)
        .await
        .json()
        .await
        .expect("json");
    assert!(audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|r| r["action"] == "appeal_change" && r["to_state"] == "good"));
}

#[tokio::test]
async fn appeals_wait_for_publication_and_upholding_keeps_the_grade() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let round = october_round(&app, &d, &tochuc, false).await;
    let rid = round["id"].as_i64().expect("id");
    let gid = grade_of(&round, d.org.s1)["id"].as_i64().expect("grade id");
    let appeals = format!("/api/v1/grades/{gid}/appeals");
    let body = json!({"kind": "appeal", "reason": "Chưa đồng ý"});

    // Open, then decided: not published yet.
    assert_problem(
        app.post(&appeals, &d.s1, body.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post(
            &appeals,
            &d.s1,
            json!({"kind": "reserved_opinion", "reason": "Bảo lưu"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/decide"),
            &d.h1,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(
        app.post(&appeals, &d.s1, body.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/publish"),
            &tochuc,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let before = explain(&app, &d.s1, gid).await;

    // Published today: within the window.
    let res = app.post(&appeals, &d.s1, body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let aid = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let resolve = format!("/api/v1/appeals/{aid}/resolve");
    // W1 has no province head here: the organisation department is the level above.
    assert_problem(
        app.post(
            &resolve,
            &d.h1,
            json!({"decision": "uphold", "reason": "Giữ nguyên"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        fields(
            &assert_problem(
                app.post(
                    &resolve,
                    &tochuc,
                    json!({"decision": "uphold", "grade": "good", "reason": "Giữ nguyên"})
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        ),
        vec!["grade"]
    );
    let res = app
        .post(
            &resolve,
            &tochuc,
            json!({"decision": "uphold", "reason": "Kết quả đúng quy định"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let upheld: Value = res.json().await.expect("json");
    assert_eq!(upheld["state"], "upheld");
    assert!(upheld["new_grade"].is_null());
    let after = explain(&app, &d.s1, gid).await;
    assert_eq!(
        after["grade"]["final_grade"],
        before["grade"]["final_grade"]
    );
    assert_eq!(after["grade"]["reasons"], before["grade"]["reasons"]);
    assert_eq!(after["appeals"][0]["state"], "upheld");
    assert_problem(
        app.post(
            &resolve,
            &tochuc,
            json!({"decision": "uphold", "reason": "Lần nữa"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/appeals/999999/resolve",
            &tochuc,
            json!({"decision": "uphold", "reason": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
