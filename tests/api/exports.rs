//! The organisation department and heads take a round's grading sheet to Excel (XLSX or CSV)
//! and pull the reward report: amounts tied to the base salary in force on the period's last day.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::diary::{diary_setup, Diary};
use crate::grading::{contract_from_january, october_diary};
use crate::helpers::{assert_problem, fields, TestApp, PASSWORD};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const SHEET_HEADERS: [&str; 13] = [
    "STT",
    "Họ và tên",
    "Tiêu chí chung (30)",
    "Kết quả nhiệm vụ (70)",
    "Điểm thưởng",
    "Tổng điểm",
    "Khối lượng",
    "Chất lượng",
    "Tiến độ",
    "Xếp loại đề xuất",
    "Xếp loại quyết định",
    "Lý do",
    "Lý do điều chỉnh",
];

struct Graded {
    d: Diary,
    tochuc: String,
    rid: i64,
}

async fn assess(app: &TestApp, token: &str, rid: i64, staff_id: i64, body: Value) {
    let res = app
        .client
        .put(format!(
            "{}/api/v1/grading/rounds/{rid}/assessments/{staff_id}",
            app.address
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK, "assess {staff_id}");
}

async fn open(app: &TestApp, token: &str, body: Value) -> i64 {
    let res = app.post("/api/v1/grading/rounds", token, body).await;
    let status = res.status();
    let round: Value = res.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{round}");
    round["id"].as_i64().expect("id")
}

/// The October 2026 round of W1 (see `grading`): s1 30 + 46.98 = 76.98 (good), h1 27 + 58.33 =
/// 85.33 (good). `policy_id` picks a policy version; `s1_bonus` is s1's initiative bonus.
async fn october_round(app: &TestApp, policy_id: Option<i64>, s1_bonus: Option<f64>) -> Graded {
    let d = diary_setup(app).await;
    october_diary(app, &d).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let rid = open(
        app,
        &d.h1,
        json!({"unit_id": d.org.w1, "period": "2026-10", "policy_id": policy_id}),
    )
    .await;
    let mut s1 = json!({"common_scores": [10, 10, 10]});
    if let Some(b) = s1_bonus {
        s1["bonus"] = json!(b);
    }
    assess(app, &d.h1, rid, d.org.s1, s1).await;
    assess(
        app,
        &tochuc,
        rid,
        d.org.h1,
        json!({"common_scores": [9, 9, 9]}),
    )
    .await;
    Graded { d, tochuc, rid }
}

async fn decide(app: &TestApp, g: &Graded, overrides: Value) {
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{}/decide", g.rid),
            &g.d.h1,
            json!({ "overrides": overrides }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "decide");
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Downloads a CSV: checks the headers and the BOM, returns the records (title lines included).
async fn csv_records(res: Response, file_name: &str) -> Vec<Vec<String>> {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&res, "content-disposition"),
        format!("attachment; filename=\"{file_name}\"")
    );
    let bytes = res.bytes().await.expect("body");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV starts with a UTF-8 BOM"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect()
}

/// The records after the header row (which must equal `headers`).
fn table<'a>(records: &'a [Vec<String>], headers: &[&str]) -> &'a [Vec<String>] {
    let at = records
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("STT"))
        .expect("header row");
    assert_eq!(records[at], headers);
    &records[at + 1..]
}

fn row_of<'a>(rows: &'a [Vec<String>], name: &str) -> &'a [String] {
    rows.iter().find(|r| r[1] == name).expect("row of person")
}

/// Downloads an XLSX and reads the named sheet back.
async fn xlsx_sheet(res: Response, file_name: &str, sheet: &str) -> Range<Data> {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), XLSX);
    assert_eq!(
        header(&res, "content-disposition"),
        format!("attachment; filename=\"{file_name}\"")
    );
    let bytes = res.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    assert_eq!(book.sheet_names(), vec![sheet.to_string()]);
    book.worksheet_range(sheet).expect("sheet")
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("expected text at ({row}, {col}), got {other:?}"),
    }
}

fn number(range: &Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(v)) => *v,
        Some(Data::Int(v)) => *v as f64,
        other => panic!("expected a number at ({row}, {col}), got {other:?}"),
    }
}

/// The row (absolute) whose column B holds `name`.
fn xlsx_row(range: &Range<Data>, name: &str) -> u32 {
    (0..range.height() as u32)
        .find(|r| matches!(range.get_value((*r, 1)), Some(Data::String(s)) if s == name))
        .expect("row of person")
}

#[tokio::test]
async fn heads_export_the_grading_sheet_as_csv_and_xlsx_with_vietnamese_headers() {
    let app = crate::helpers::spawn_app().await;
    let g = october_round(&app, None, None).await;
    let path = format!("/api/v1/grading/rounds/{}/export", g.rid);

    // CSV: UTF-8 with BOM, title lines, Vietnamese headers, one row per person in name order.
    let records = csv_records(
        app.get(&format!("{path}?format=csv"), &g.d.h1).await,
        "xep-loai-W1-2026-10.csv",
    )
    .await;
    assert_eq!(records[1], ["Đơn vị", "Phường Một"]);
    assert_eq!(records[2], ["Kỳ đánh giá", "2026-10"]);
    assert_eq!(records[3], ["Chính sách", "decree-335-2025, phiên bản 2"]);
    assert_eq!(records[4], ["Trạng thái", "Đang đánh giá"]);
    let rows = table(&records, &SHEET_HEADERS);
    let names: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names, ["Lê Văn Hưng", "Nguyễn Thị Ánh"]);
    let s1 = row_of(rows, "Nguyễn Thị Ánh");
    assert_eq!(s1[0], "2");
    // 30 common + 70 × (480 + 480 × 0.75 + 240) / 10560 = 70 × 1080 / 10560 = 7.16 (combine =
    // product); quality = (480 + 360 + 240) / 1200 = 0.9.
    assert_eq!(
        &s1[2..11],
        [
            "30.00",
            "7.16",
            "0.00",
            "37.16",
            "0.1136",
            "0.9000",
            "1.0000",
            "Không hoàn thành nhiệm vụ",
            ""
        ]
    );
    assert!(
        s1[11].starts_with("Tổng điểm 37,16 đạt mức \"Không hoàn thành nhiệm vụ\""),
        "{}",
        s1[11]
    );
    assert_eq!(s1[12], "");
    assert_eq!(row_of(rows, "Lê Văn Hưng")[5], "44.50");

    // XLSX is the default; the organisation reads it too.
    let sheet = xlsx_sheet(
        app.get(&path, &g.tochuc).await,
        "xep-loai-W1-2026-10.xlsx",
        "Xếp loại",
    )
    .await;
    // The printable layout: the unit beside the national heading, the title, real date cells.
    assert_eq!(text(&sheet, 0, 0), "PHƯỜNG MỘT");
    assert_eq!(text(&sheet, 0, 7), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    assert_eq!(text(&sheet, 1, 7), "Độc lập - Tự do - Hạnh phúc");
    assert_eq!(
        text(&sheet, 3, 0),
        "BẢNG TỔNG HỢP ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG"
    );
    assert!(
        matches!(sheet.get_value((5, 2)), Some(Data::DateTime(_))),
        "the date the sheet was made is a date cell: {:?}",
        sheet.get_value((5, 2))
    );
    for (col, h) in SHEET_HEADERS.iter().enumerate() {
        assert_eq!(text(&sheet, 7, col as u32), *h);
    }
    let r = xlsx_row(&sheet, "Nguyễn Thị Ánh");
    assert_eq!(r, 9);
    let sign_row = (r..sheet.height() as u32)
        .find(|row| matches!(sheet.get_value((*row, 0)), Some(Data::String(s)) if s == "NGƯỜI LẬP BIỂU"))
        .expect("signature block of the person who made the sheet");
    assert_eq!(text(&sheet, sign_row, 7), "THỦ TRƯỞNG ĐƠN VỊ");
    assert!(
        text(&sheet, sign_row - 1, 7).contains(", ngày "),
        "place and date line"
    );

    // Printing: the header row (the 8th) repeats on every printed page and the print area is
    // the sheet from A1 to column M (the page setup Excel and LibreOffice print from).
    let res = app.get(&path, &g.d.h1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.expect("body").to_vec();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let names = book.defined_names();
    assert!(
        names
            .iter()
            .any(|(n, f)| n == "_xlnm.Print_Titles" && f.ends_with("!$8:$8")),
        "repeated header row: {names:?}"
    );
    assert!(
        names
            .iter()
            .any(|(n, f)| n == "_xlnm.Print_Area" && f.contains("!$A$1:$M$")),
        "print area: {names:?}"
    );

    // English headers and labels with Accept-Language: en.
    let res = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(&g.tochuc)
        .header("Accept-Language", "en")
        .send()
        .await
        .expect("request");
    let en = xlsx_sheet(res, "xep-loai-W1-2026-10.xlsx", "Grades").await;
    assert_eq!(text(&en, 7, 1), "Full name");
    assert_eq!(text(&en, 7, 9), "Proposed grade");
    assert_eq!(
        text(&en, xlsx_row(&en, "Nguyễn Thị Ánh"), 9),
        "Not complete"
    );
    assert_eq!(number(&sheet, r, 5), 37.16);
    assert_eq!(number(&sheet, r, 2), 30.0);
    assert_eq!(text(&sheet, r, 9), "Không hoàn thành nhiệm vụ");

    // The PDF: the font is embedded and the Vietnamese text is there.
    for res in [
        app.get(&format!("{path}?format=pdf"), &g.d.h1).await,
        app.client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&g.d.h1)
            .header("Accept", "application/pdf")
            .send()
            .await
            .expect("request"),
    ] {
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "content-type"), "application/pdf");
        assert_eq!(
            header(&res, "content-disposition"),
            "attachment; filename=\"xep-loai-W1-2026-10.pdf\""
        );
        let pdf = res.bytes().await.expect("body");
        assert!(pdf.starts_with(b"%PDF-"));
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/FontFile2"), "the font is embedded");
        assert!(raw.contains("DejaVuSerif"), "DejaVu Serif");
    }

    // One person's explained grade as a PDF (the JSON stays the default); scoping unchanged.
    let round: Value = app
        .get(&format!("/api/v1/grading/rounds/{}", g.rid), &g.d.h1)
        .await
        .json()
        .await
        .expect("json");
    let gid = round["grades"][0]["id"].as_i64().expect("grade id");
    let explain = format!("/api/v1/grades/{gid}/explain");
    let res = app.get(&format!("{explain}?format=pdf"), &g.d.h1).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/pdf");
    let pdf = res.bytes().await.expect("body");
    assert!(pdf.starts_with(b"%PDF-") && String::from_utf8_lossy(&pdf).contains("/FontFile2"));
    let res = app.get(&explain, &g.d.h1).await;
    assert!(header(&res, "content-type").starts_with("application/json"));
    assert_problem(
        app.get(&format!("{explain}?format=pdf"), &g.d.s2).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Other formats are a 422 on `format`; people who do not manage the unit see nothing.
    let problem = assert_problem(
        app.get(&format!("{path}?format=ods"), &g.d.h1).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), vec!["format"]);
    for token in [&g.d.s1, &g.d.s2] {
        assert_problem(app.get(&path, token).await, StatusCode::NOT_FOUND).await;
    }
    assert_problem(
        app.get("/api/v1/grading/rounds/999999/export", &g.tochuc)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn rewards_of_a_decided_round_use_the_base_salary_of_the_periods_last_day() {
    let app = crate::helpers::spawn_app().await;
    let g = october_round(&app, None, None).await;
    let path = format!("/api/v1/grading/rounds/{}/rewards", g.rid);
    assert_problem(app.get(&path, &g.d.h1).await, StatusCode::CONFLICT).await;

    let reason = "Sáng kiến cải cách thủ tục được tỉnh công nhận";
    decide(
        &app,
        &g,
        json!([{"staff_id": g.d.org.s1, "grade": "excellent", "reason": reason}]),
    )
    .await;

    // October 2026 ends after 2026-07-01: base 2,530,000; excellent = 0.5 × base = 1,265,000;
    // good earns nothing by default, and nobody has an initiative bonus.
    let res = app.get(&path, &g.d.h1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let r: Value = res.json().await.expect("json");
    assert_eq!(r["round_id"], g.rid);
    assert_eq!(r["unit_id"], g.d.org.w1);
    assert_eq!(r["period"], "2026-10");
    assert_eq!(r["valued_on"], "2026-10-31");
    assert_eq!(r["base_salary"], 2_530_000);
    assert_eq!(
        r["rules"],
        json!({"excellent": {"multiple_of_base": 0.5}, "good": null, "initiative": {"multiple_of_base": 1.0}})
    );
    assert_eq!(
        r["people"],
        json!([
            {"staff_id": g.d.org.h1, "full_name": "Lê Văn Hưng",
             "grade": {"code": "not_complete", "label": "Không hoàn thành nhiệm vụ"},
             "grade_amount": 0, "initiative_amount": 0, "total": 0},
            {"staff_id": g.d.org.s1, "full_name": "Nguyễn Thị Ánh",
             "grade": {"code": "excellent", "label": "Hoàn thành xuất sắc nhiệm vụ"},
             "grade_amount": 1_265_000, "initiative_amount": 0, "total": 1_265_000},
        ])
    );
    assert_eq!(r["grade_total"], 1_265_000);
    assert_eq!(r["initiative_total"], 0);
    assert_eq!(r["total"], 1_265_000);

    // Labels follow Accept-Language.
    let en: Value = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(&g.d.h1)
        .header("Accept-Language", "en")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(en["people"][1]["grade"]["label"], "Excellent");

    // The same table as CSV and XLSX, with a totals row.
    let records = csv_records(
        app.get(&format!("{path}?format=csv"), &g.d.h1).await,
        "khen-thuong-W1-2026-10.csv",
    )
    .await;
    assert!(records.contains(&vec![
        "Mức lương cơ sở ngày 31/10/2026".to_string(),
        "2.530.000 đồng".to_string()
    ]));
    let rows = table(
        &records,
        &[
            "STT",
            "Họ và tên",
            "Xếp loại",
            "Thưởng xếp loại (đồng)",
            "Thưởng sáng kiến (đồng)",
            "Tổng tiền thưởng (đồng)",
        ],
    );
    assert_eq!(
        rows,
        [
            [
                "1",
                "Lê Văn Hưng",
                "Không hoàn thành nhiệm vụ",
                "0",
                "0",
                "0"
            ],
            [
                "2",
                "Nguyễn Thị Ánh",
                "Hoàn thành xuất sắc nhiệm vụ",
                "1265000",
                "0",
                "1265000"
            ],
            ["", "Tổng cộng", "", "1265000", "0", "1265000"],
        ]
    );
    let sheet = xlsx_sheet(
        app.get(&format!("{path}?format=xlsx"), &g.tochuc).await,
        "khen-thuong-W1-2026-10.xlsx",
        "Khen thưởng",
    )
    .await;
    let s1 = xlsx_row(&sheet, "Nguyễn Thị Ánh");
    assert_eq!(number(&sheet, s1, 3), 1_265_000.0);
    assert_eq!(
        number(&sheet, xlsx_row(&sheet, "Tổng cộng"), 5),
        1_265_000.0
    );
    assert_problem(
        app.get(&format!("{path}?format=pdf"), &g.d.h1).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // The grading sheet now shows the decision and the override reason.
    let records = csv_records(
        app.get(
            &format!("/api/v1/grading/rounds/{}/export?format=csv", g.rid),
            &g.d.h1,
        )
        .await,
        "xep-loai-W1-2026-10.csv",
    )
    .await;
    assert_eq!(records[4], ["Trạng thái", "Đã quyết định"]);
    let s1 = row_of(table(&records, &SHEET_HEADERS), "Nguyễn Thị Ánh").to_vec();
    assert_eq!(s1[9], "Không hoàn thành nhiệm vụ");
    assert_eq!(s1[10], "Hoàn thành xuất sắc nhiệm vụ");
    assert!(s1[11].ends_with(reason), "{}", s1[11]);
    assert_eq!(s1[12], reason);

    // Published: still the heads' and the organisation's report only.
    let res = app
        .post(
            &format!("/api/v1/grading/rounds/{}/publish", g.rid),
            &g.tochuc,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let r: Value = app.get(&path, &g.tochuc).await.json().await.expect("json");
    assert_eq!(r["total"], 1_265_000);
    for token in [&g.d.s1, &g.d.s2] {
        assert_problem(app.get(&path, token).await, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn a_policy_with_reward_rules_pays_fixed_amounts_and_initiatives() {
    let app = crate::helpers::spawn_app().await;
    // A Long Biên-style version of the decree preset: bonus up to 3, good paid a fixed 500,000,
    // excellent 1 × base; the initiative rule is left to the default (1 × base).
    let d0 = app.admin().await;
    let list: Value = app
        .get("/api/v1/policies", &d0)
        .await
        .json()
        .await
        .expect("json");
    let decree = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["code"] == "decree-335-2025")
        .expect("decree preset")
        .clone();
    let mut preset = decree["preset"].clone();
    preset["code"] = json!("long-bien-2026");
    preset["max_bonus"] = json!(3.0);
    let body = json!({
        "preset": preset,
        "kpi": decree["kpi"],
        "rewards": {"excellent": {"multiple_of_base": 1.0}, "good": {"fixed": 500000}},
    });
    let policy_id = {
        let mut conn = app.pool.get().expect("connection");
        worklog_kpi::db::grading::insert_policy(
            &mut conn,
            "long-bien-2026",
            1,
            &body.to_string(),
            false,
            None,
            chrono::Utc::now().naive_utc(),
        )
        .expect("policy")
    };

    let g = october_round(&app, Some(policy_id), Some(2.0)).await;
    decide(&app, &g, json!([])).await;
    let r: Value = app
        .get(
            &format!("/api/v1/grading/rounds/{}/rewards", g.rid),
            &g.d.h1,
        )
        .await
        .json()
        .await
        .expect("json");
    // s1: 30 + 46.98 + 2 = 78.98 → good: 500,000 + initiative 2,530,000; h1: good, 500,000.
    assert_eq!(
        r["rules"],
        json!({"excellent": {"multiple_of_base": 1.0}, "good": {"fixed": 500000}, "initiative": {"multiple_of_base": 1.0}})
    );
    let s1 = &r["people"][1];
    assert_eq!(s1["full_name"], "Nguyễn Thị Ánh");
    assert_eq!(s1["grade"]["code"], "good");
    assert_eq!(s1["grade_amount"], 500_000);
    assert_eq!(s1["initiative_amount"], 2_530_000);
    assert_eq!(s1["total"], 3_030_000);
    assert_eq!(r["people"][0]["total"], 500_000);
    assert_eq!(r["grade_total"], 1_000_000);
    assert_eq!(r["initiative_total"], 2_530_000);
    assert_eq!(r["total"], 3_530_000);
}

#[tokio::test]
async fn a_round_ending_before_july_2026_uses_the_older_base_salary() {
    let app = crate::helpers::spawn_app().await;
    let d = diary_setup(&app).await;
    contract_from_january(&app, &d, d.org.s1).await;
    contract_from_january(&app, &d, d.org.h1).await;
    let tochuc = app.login_as("tochuc", PASSWORD).await;
    let rid = open(
        &app,
        &d.h1,
        json!({"unit_id": d.org.w1, "period": "2026-06"}),
    )
    .await;
    assess(
        &app,
        &d.h1,
        rid,
        d.org.s1,
        json!({"common_scores": [10, 10, 10]}),
    )
    .await;
    assess(
        &app,
        &tochuc,
        rid,
        d.org.h1,
        json!({"common_scores": [9, 9, 9]}),
    )
    .await;
    let g = Graded { d, tochuc, rid };
    decide(
        &app,
        &g,
        json!([{"staff_id": g.d.org.s1, "grade": "excellent", "reason": "Hoàn thành vượt kế hoạch"}]),
    )
    .await;
    let r: Value = app
        .get(&format!("/api/v1/grading/rounds/{rid}/rewards"), &g.tochuc)
        .await
        .json()
        .await
        .expect("json");
    // 2026-06-30: base 2,340,000 → excellent 0.5 × base = 1,170,000.
    assert_eq!(r["valued_on"], "2026-06-30");
    assert_eq!(r["base_salary"], 2_340_000);
    assert_eq!(r["people"][1]["grade"]["code"], "excellent");
    assert_eq!(r["people"][1]["grade_amount"], 1_170_000);
    assert_eq!(r["total"], 1_170_000);
}
