//! A month of a small unit from diary to published, explainable grades (October 2026: 22
//! working days, expected 10,560 minutes for a full-time person).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::diary::{act, diary_setup, log, Diary};
use crate::helpers::{assert_problem, fields, set_contract, TestApp, PASSWORD};

/// A 40-hour contract from the start of 2026.
pub async fn contract_from_january(app: &TestApp, d: &Diary, staff_id: i64) {
    set_contract(app, &d.org.admin, staff_id, "2026-01-01").await;
}

/// s1's October: 480 + 480 (one quality rework) + 240 approved minutes.
pub async fn october_diary(app: &TestApp, d: &Diary) {
    contract_from_january(app, d, d.org.s1).await;
    contract_from_january(app, d, d.org.h1).await;
    for (day, minutes, quantity) in [
        ("2026-10-05", 480, 10),
        ("2026-10-06", 480, 16),
        ("2026-10-07", 240, 4),
    ] {
        app.post(
            &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
            &d.h1,
            json!({"work_date": day, "reason": "Nhập bù"}),
        )
        .await;
        let id = log(app, &d.s1, json!({"work_date": day, "product_id": d.product, "quantity": quantity, "minutes": minutes}))
            .await["id"]
            .as_i64()
            .expect("id");
        act(app, &d.s1, id, "submit").await;
        if day == "2026-10-06" {
            app.post(
                &format!("/api/v1/entries/{id}/return"),
                &d.h1,
                json!({"reason": "Sai số lượng", "reason_kind": "quality"}),
            )
            .await;
            act(app, &d.s1, id, "submit").await;
        }
        assert_eq!(
            act(app, &d.h1, id, "approve").await.status(),
            StatusCode::OK
        );
    }
}

pub fn grade_of(round: &Value, staff_id: i64) -> &Value {
    round["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .find(|g| g["staff_id"] == staff_id)
        .expect("graded")
}

#[tokio::test]
async fn a_month_goes_from_diary_to_published_explainable_grades() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    october_diary(&app, &d).await;

    // Open: only heads of the unit's subtree (or the organisation); one round per unit and period.
    let open = json!({"unit_id": d.org.w1, "period": "2026-10"});
    assert_problem(
        app.post("/api/v1/grading/rounds", &d.s1, open.clone())
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/grading/rounds",
            &d.h1,
            json!({"unit_id": d.org.w2, "period": "2026-10"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = app
        .post("/api/v1/grading/rounds", &d.h1, open.clone())
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let round: Value = res.json().await.expect("json");
    assert_eq!(round["policy"]["code"], "decree-335-2025");
    assert_eq!(round["state"], "open");
    assert_problem(
        app.post("/api/v1/grading/rounds", &d.h1, open).await,
        StatusCode::CONFLICT,
    )
    .await;
    let rid = round["id"].as_i64().expect("id");

    // The default policy is the second version of the decree preset (combine = product).
    assert_eq!(round["policy"]["version"], 2);
    // Before assessments: s1's own = (480 × 1 + 480 × 0.75 + 240 × 1) / 10560 = 1080 / 10560;
    // task = 70 × 0.102272… = 7.159… → 7.16 and no common score (null) → not complete.
    assert_eq!(grade_of(&round, d.org.s1)["total"], 7.16);
    assert_eq!(grade_of(&round, d.org.s1)["common_score"], Value::Null);
    assert_eq!(
        grade_of(&round, d.org.s1)["proposed_grade"]["code"],
        "not_complete"
    );

    // Assessments: the evaluator scores, the person self-assesses; not the other way round.
    let put = |staff: i64| format!("/api/v1/grading/rounds/{rid}/assessments/{staff}");
    let req = |token: &str, staff: i64, body: Value| {
        app.client
            .put(format!("{}{}", app.address, put(staff)))
            .bearer_auth(token.to_string())
            .json(&body)
            .send()
    };
    let res = req(&d.s1, d.org.s1, json!({"common_scores": [10, 10, 10]}))
        .await
        .expect("request");
    assert_problem(res, StatusCode::FORBIDDEN).await;
    let res = req(&d.s2, d.org.s1, json!({"common_scores": [10, 10, 10]}))
        .await
        .expect("request");
    assert_problem(res, StatusCode::NOT_FOUND).await;
    let res = req(&d.h1, d.org.s1, json!({"common_scores": [10, 10]}))
        .await
        .expect("request");
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["common_scores"]
    );
    let res = req(&d.h1, d.org.s1, json!({"common_scores": [10, 11, 10]}))
        .await
        .expect("request");
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["common_scores[1]"]
    );
    let res = req(&d.h1, d.org.s1, json!({"bonus": 1}))
        .await
        .expect("request");
    assert_eq!(
        fields(&assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["bonus"],
        "the decree preset allows no bonus"
    );
    let res = req(&d.s1, d.org.s1, json!({"self_scores": [10, 9, 9]}))
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let res = req(&d.h1, d.org.s1, json!({"common_scores": [10, 10, 10]}))
        .await
        .expect("request");
    let s1: Value = res.json().await.expect("json");
    // 30 + 7.159… = 37.159… → 37.16: not complete (< 50): 1,200 approved minutes of 10,560
    // earn a ninth of the task points.
    assert_eq!(s1["common_score"], 30.0);
    assert_eq!(s1["total"], 37.16);
    assert_eq!(s1["self_scores"], json!([10.0, 9.0, 9.0]));
    assert_eq!(s1["proposed_grade"]["code"], "not_complete");
    // h1 is assessed by the organisation department (nobody scores themselves).
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let res = req(&d.h1, d.org.h1, json!({"common_scores": [9, 9, 9]}))
        .await
        .expect("request");
    assert_problem(res, StatusCode::FORBIDDEN).await;
    let res = req(&tochuc, d.org.h1, json!({"common_scores": [9, 9, 9]}))
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);

    // Recomputing gives identical numbers from identical inputs.
    let before: Value = app
        .get(&format!("/api/v1/grading/rounds/{rid}"), &d.h1)
        .await
        .json()
        .await
        .expect("json");
    let after: Value = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/recompute"),
            &d.h1,
            json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(before["grades"], after["grades"]);
    // h1 logged nothing: own = 0; s1 (direct subordinate) is not complete → unit factor 0.5;
    // task = 70 × (0.5 × 0 + 0.5 × 0.5) = 17.5; total = 27 + 17.5 = 44.5 → not complete
    // (already the lowest level: the leader downgrade for s1 leaves it there, no reason added).
    let h1 = grade_of(&after, d.org.h1);
    assert_eq!(h1["task_score"], 17.5);
    assert_eq!(h1["total"], 44.5);
    assert_eq!(h1["proposed_grade"]["code"], "not_complete");
    assert_eq!(h1["reasons"].as_array().expect("reasons").len(), 1);
    assert_eq!(h1["is_head"], true);
    assert_eq!(h1["reasons"][0]["rule"], "threshold");

    // Decide: the head overrides s1 with a written reason; not their own grade.
    let own = json!({"overrides": [{"staff_id": d.org.h1, "grade": "excellent", "reason": "Tự đề xuất"}]});
    assert_problem(
        app.post(&format!("/api/v1/grading/rounds/{rid}/decide"), &d.h1, own)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let no_reason =
        json!({"overrides": [{"staff_id": d.org.s1, "grade": "excellent", "reason": ""}]});
    assert_problem(
        app.post(
            &format!("/api/v1/grading/rounds/{rid}/decide"),
            &d.h1,
            no_reason,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let decision = json!({"overrides": [{"staff_id": d.org.s1, "grade": "excellent", "reason": "Sáng kiến cải cách thủ tục được tỉnh công nhận"}]});
    let decided: Value = app
        .post(
            &format!("/api/v1/grading/rounds/{rid}/decide"),
            &d.h1,
            decision,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(decided["state"], "decided");
    let s1 = grade_of(&decided, d.org.s1);
    assert_eq!(s1["proposed_grade"]["code"], "not_complete");
    assert_eq!(s1["final_grade"]["code"], "excellent");
    assert_eq!(s1["final_grade"]["label"], "Hoàn thành xuất sắc nhiệm vụ");
    assert_eq!(
        s1["override_reason"],
        "Sáng kiến cải cách thủ tục được tỉnh công nhận"
    );
    assert_eq!(
        s1["reasons"]
            .as_array()
            .expect("reasons")
            .last()
            .expect("override")["rule"],
        "override"
    );
    // Decided rounds no longer change.
    let res = req(&tochuc, d.org.s1, json!({"common_scores": [1, 1, 1]}))
        .await
        .expect("request");
    assert_problem(res, StatusCode::CONFLICT).await;
    assert_problem(
        app.post(
            &format!("/api/v1/grading/rounds/{rid}/recompute"),
            &d.h1,
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Not yet published: others do not see it.
    let published: Value = app
        .get("/api/v1/published?period=2026-10", &d.s2)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(published["units"].as_array().expect("units").len(), 0);
    // Publish: organisation only.
    assert_problem(
        app.post(
            &format!("/api/v1/grading/rounds/{rid}/publish"),
            &d.h1,
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
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
    let published: Value = app
        .get("/api/v1/published?period=2026-10", &d.s2)
        .await
        .json()
        .await
        .expect("json");
    let block = &published["units"][0];
    assert_eq!(block["unit_id"], d.org.w1);
    assert_eq!(block["people"][0]["full_name"], "Nguyễn Thị Ánh");
    assert_eq!(block["people"][0]["grade"]["code"], "excellent");

    // The unit's October is now locked, even with a backdate permission.
    app.post(
        &format!("/api/v1/staff/{}/backdate-permissions", d.org.s1),
        &d.h1,
        json!({"work_date": "2026-10-08", "reason": "Nhập bù"}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/entries",
            &d.s1,
            json!({"work_date": "2026-10-08", "product_id": d.product, "minutes": 60}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT).await;

    // Explain: every input behind s1's grade; private to the person, heads and the organisation.
    let gid = s1["id"].as_i64().expect("grade id");
    let explain: Value = app
        .get(&format!("/api/v1/grades/{gid}/explain"), &d.s1)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(explain["policy"]["version"], 2);
    assert_eq!(explain["inputs"]["combine"], "product");
    // Timestamps carry their offset (RFC 3339).
    let computed_at = explain["inputs"]["computed_at"]
        .as_str()
        .expect("computed_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(computed_at).is_ok(),
        "{computed_at}"
    );
    assert_eq!(explain["inputs"]["working_days"], 22);
    assert_eq!(explain["inputs"]["kpi"]["credited"], 1200);
    assert_eq!(
        explain["inputs"]["credited_groups"]
            .as_array()
            .expect("groups")
            .len(),
        2
    );
    assert_eq!(
        explain["grade"]["override_reason"],
        "Sáng kiến cải cách thủ tục được tỉnh công nhận"
    );
    assert_problem(
        app.get(&format!("/api/v1/grades/{gid}/explain"), &d.s2)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let _ = Method::GET;
}

#[tokio::test]
async fn policies_list_presets_and_accept_consistent_versions_only() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    let list: Value = app
        .get("/api/v1/policies", &d.s1)
        .await
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    // Version 1 of each preset (the first formula, kept for the rounds that recorded it) and
    // version 2 (combine = product), the decree's v2 being the default.
    assert_eq!(
        codes,
        vec![
            "decree-335-2025",
            "decree-335-2025",
            "khanh-hoa-2025",
            "khanh-hoa-2025",
            "nga-bay-2021",
            "nga-bay-2021"
        ]
    );
    let items = list["items"].as_array().expect("items");
    let combine: Vec<(i64, &str)> = items
        .iter()
        .map(|p| {
            (
                p["version"].as_i64().expect("version"),
                p["kpi"]["combine"].as_str().expect("combine"),
            )
        })
        .collect();
    assert_eq!(
        combine,
        vec![
            (1, "weighted_legacy"),
            (2, "product"),
            (1, "weighted_legacy"),
            (2, "product"),
            (1, "weighted_legacy"),
            (2, "product")
        ]
    );
    let defaults: Vec<&Value> = items.iter().filter(|p| p["is_default"] == true).collect();
    assert_eq!(defaults.len(), 1);
    let decree = defaults[0].clone();
    assert_eq!(decree["code"], "decree-335-2025");
    assert_eq!(decree["version"], 2);
    let mut custom = decree["preset"].clone();
    custom["thresholds"]["excellent"] = json!({"at_least": 95.0});
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    assert_problem(
        app.post("/api/v1/policies", &d.h1, json!({"preset": custom.clone()}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let res = app
        .post(
            "/api/v1/policies",
            &tochuc,
            json!({"preset": custom.clone()}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let mut broken = custom.clone();
    broken["thresholds"]["complete"] = json!({"at_least": 99.0});
    assert_problem(
        app.post("/api/v1/policies", &tochuc, json!({"preset": broken}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // The legacy formula is not offered for new versions; `weighted` stays an option.
    assert_eq!(
        fields(
            &assert_problem(
                app.post(
                    "/api/v1/policies",
                    &tochuc,
                    json!({"preset": custom.clone(), "kpi": {"combine": "weighted_legacy"}}),
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        ),
        vec!["kpi.combine"]
    );
    let weighted: Value = app
        .post(
            "/api/v1/policies",
            &tochuc,
            json!({"preset": custom.clone(), "kpi": {"combine": "weighted"}}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(weighted["kpi"]["combine"], "weighted");
    let bad_weights = json!({"preset": custom, "kpi": {"weights": {"quantity": 0.5, "quality": 0.5, "progress": 0.5}}});
    assert_problem(
        app.post("/api/v1/policies", &tochuc, bad_weights).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}
