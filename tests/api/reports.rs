//! The reports behind the dashboard, as JSON and read back from CSV and XLSX (scenario and
//! hand-computed figures: tests/api/dashboard.rs).

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::dashboard::october;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The CSV body as rows of fields (after checking the byte order mark and CRLF line ends).
async fn csv_rows(res: Response, file_name: &str) -> Vec<Vec<String>> {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&res, "content-disposition"),
        format!("attachment; filename=\"{file_name}\"")
    );
    let bytes = res.bytes().await.expect("body");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "byte order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..]);
    reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

async fn workbook(res: Response, file_name: &str) -> Xlsx<Cursor<Vec<u8>>> {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), XLSX);
    assert_eq!(
        header(&res, "content-disposition"),
        format!("attachment; filename=\"{file_name}\"")
    );
    let bytes = res.bytes().await.expect("body").to_vec();
    open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx")
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

/// The row whose column `col` holds `value`.
fn row_of(range: &Range<Data>, col: u32, value: &str) -> u32 {
    (0..range.height() as u32)
        .find(|r| matches!(range.get_value((*r, col)), Some(Data::String(s)) if s == value))
        .unwrap_or_else(|| panic!("no row with {value}"))
}

fn line<'a>(rows: &'a [Vec<String>], first: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no line starting with {first}: {rows:?}"))
}

#[tokio::test]
async fn staffing_and_anomalies_read_back_from_csv_and_xlsx() {
    let app = crate::helpers::spawn_app().await;
    let o = october(&app).await;
    let p = o.d.org.province;

    // Staffing as CSV: title, meta, empty line, Vietnamese header, one line per unit, totals.
    let rows = csv_rows(
        app.get(
            &format!("/api/v1/reports/staffing?period=2026-10&unit_id={p}&format=csv"),
            &o.tochuc,
        )
        .await,
        "dinh-bien-HG-2026-10.csv",
    )
    .await;
    assert_eq!(
        rows[0],
        vec!["KHỐI LƯỢNG CÔNG VIỆC VÀ ĐỊNH BIÊN THEO ĐƠN VỊ"]
    );
    assert_eq!(line(&rows, "Số ngày làm việc")[1], "22");
    let head = rows
        .iter()
        .find(|r| r.len() > 2 && r[0] == "Đơn vị")
        .expect("header");
    assert_eq!(head[2], "Số người");
    assert_eq!(head[8], "Biên chế cần (FTE)");
    // W1: 2 people, 352 expected hours (2 × 176), 20 credited hours (1,200 min), FTE 0.11,
    // surplus 1.89, KPI (37.16 + 44.5) / 2 = 40.83.
    assert_eq!(
        line(&rows, "Phường Một")[1..],
        [
            "Cấp xã",
            "2",
            "352.00",
            "20.00",
            "20.00",
            "20.00",
            "0.0568",
            "0.11",
            "1.89",
            "40.83"
        ]
        .map(str::to_owned)
    );
    // Totals: 4 people, 704 expected hours, 36.33 logged (2,180 min), 33 approved/credited,
    // workload 0.046875 → 0.0469, FTE 0.1875 → 0.19, surplus 3.8125 → 3.81.
    assert_eq!(
        line(&rows, "Tổng cộng")[2..10],
        ["4", "704.00", "36.33", "33.00", "33.00", "0.0469", "0.19", "3.81"].map(str::to_owned)
    );

    // Anomalies as XLSX: one sheet with a frozen header, counts as numbers, a totals row.
    let mut book = workbook(
        app.get(
            &format!("/api/v1/reports/anomalies?period=2026-10&unit_id={p}&format=xlsx"),
            &o.tochuc,
        )
        .await,
        "bat-thuong-HG-2026-10.xlsx",
    )
    .await;
    assert_eq!(book.sheet_names(), vec!["Bất thường".to_owned()]);
    let range = book.worksheet_range("Bất thường").expect("sheet");
    assert_eq!(text(&range, 0, 0), "SỐ DÒNG NHẬT KÝ BẤT THƯỜNG THEO ĐƠN VỊ");
    let header_row = row_of(&range, 0, "Đơn vị");
    assert_eq!(text(&range, header_row, 6), "Nhập bù muộn");
    let w2 = row_of(&range, 0, "Phường Hai");
    let counts: Vec<f64> = (2..8).map(|c| number(&range, w2, c)).collect();
    // Every October line was logged under a backdate permission of its day: no late backfill.
    assert_eq!(counts, vec![2.0, 1.0, 1.0, 2.0, 0.0, 6.0]);
    let total = row_of(&range, 0, "Tổng cộng");
    assert_eq!(number(&range, total, 7), 6.0);

    // Under-logged week W41 (5–11/10) as CSV: all four are short of 2,400 minutes; largest gap
    // first: h1 and h2 40 h (Lê before Phạm), s2 40 − 14.33 = 25.67 h (860 min logged), s1
    // 40 − 20 = 20 h.
    let rows = csv_rows(
        app.get(
            &format!("/api/v1/reports/under-logged?week=2026-W41&unit_id={p}&format=csv"),
            &o.tochuc,
        )
        .await,
        "ghi-thieu-gio-HG-2026-W41.csv",
    )
    .await;
    let names: Vec<(&str, &str)> = rows
        .iter()
        .skip_while(|r| r.first().map(String::as_str) != Some("STT"))
        .skip(1)
        .map(|r| (r[1].as_str(), r[6].as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Lê Văn Hưng", "40.00"),
            ("Phạm Thị Hoa", "40.00"),
            ("Trần Văn Bình", "25.67"),
            ("Nguyễn Thị Ánh", "20.00"),
        ]
    );
    // JSON stays the default.
    let json: Value = app
        .get(
            &format!("/api/v1/reports/under-logged?week=2026-W41&unit_id={p}"),
            &o.tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json["under_logged_count"], 4);

    // Approval backlog as CSV: h2 has one line waiting since today.
    let rows = csv_rows(
        app.get(
            &format!("/api/v1/reports/approval-backlog?unit_id={p}&format=csv"),
            &o.tochuc,
        )
        .await,
        &format!(
            "ton-dong-phe-duyet-HG-{}.csv",
            json_today(&app, &o.tochuc).await
        ),
    )
    .await;
    assert_eq!(line(&rows, "Phạm Thị Hoa")[1..], ["1", "09/10/2026", "0"]);
}

/// The `as_of` day of the backlog (the organisation's today).
async fn json_today(app: &crate::helpers::TestApp, token: &str) -> String {
    let v: Value = app
        .get("/api/v1/reports/approval-backlog", token)
        .await
        .json()
        .await
        .expect("json");
    v["as_of"].as_str().expect("as_of").to_owned()
}

#[tokio::test]
async fn kpi_ranking_grades_and_rewards_as_json_and_spreadsheets_with_charts() {
    let app = crate::helpers::spawn_app().await;
    let o = october(&app).await;
    let (p, w1, w2) = (o.d.org.province, o.d.org.w1, o.d.org.w2);

    // KPI ranking within each unit (combine = product, as tests/api/dashboard.rs):
    // W1 h1 44.5 then s1 37.16; W2 s2 5.17 then h2 0 (logged nothing).
    let kpi: Value = app
        .get(
            &format!("/api/v1/reports/kpi?period=2026-10&unit_id={p}"),
            &o.tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    let ranking: Vec<(i64, i64, u64, f64)> = kpi["people"]
        .as_array()
        .expect("people")
        .iter()
        .map(|r| {
            (
                r["unit_id"].as_i64().expect("unit"),
                r["staff_id"].as_i64().expect("id"),
                r["rank"].as_u64().expect("rank"),
                r["total"].as_f64().expect("total"),
            )
        })
        .collect();
    assert_eq!(
        ranking,
        vec![
            (w1, o.d.org.h1, 1, 44.5),
            (w1, o.d.org.s1, 2, 37.16),
            (w2, o.d.org.s2, 1, 5.17),
            (w2, o.h2_id, 2, 0.0),
        ]
    );
    assert_eq!(kpi["trend"].as_array().expect("trend").len(), 6);

    // As XLSX: a ranking sheet and a trend sheet (with its line chart).
    let mut book = workbook(
        app.get(
            &format!("/api/v1/reports/kpi?period=2026-10&unit_id={p}&format=xlsx"),
            &o.tochuc,
        )
        .await,
        "kpi-HG-2026-10.xlsx",
    )
    .await;
    assert_eq!(
        book.sheet_names(),
        vec!["Xếp hạng KPI".to_owned(), "Xu hướng KPI".to_owned()]
    );
    let range = book.worksheet_range("Xếp hạng KPI").expect("sheet");
    let header_row = row_of(&range, 0, "Đơn vị");
    assert_eq!(text(&range, header_row, 10), "Tổng điểm");
    let h1 = row_of(&range, 2, "Lê Văn Hưng");
    assert_eq!(number(&range, h1, 1), 1.0);
    assert_eq!(number(&range, h1, 10), 44.5);
    assert_eq!(text(&range, h1, 11), "Không hoàn thành nhiệm vụ");
    let trend = book.worksheet_range("Xu hướng KPI").expect("sheet");
    let october = row_of(&trend, 0, "2026-10");
    assert!((number(&trend, october, 1) - 21.7075).abs() < 1e-9);
    let may = row_of(&trend, 0, "2026-05");
    assert!((number(&trend, may, 1) - 4.375).abs() < 1e-9);
    assert!(
        has_chart(
            &app,
            &o.tochuc,
            &format!("/api/v1/reports/kpi?period=2026-10&unit_id={p}&format=xlsx")
        )
        .await,
        "the trend sheet has a chart"
    );

    // Grade distribution as XLSX with its charts; as JSON 1 excellent, 1 good.
    let grades: Value = app
        .get(
            &format!("/api/v1/reports/grades?period=2026-10&unit_id={p}"),
            &o.tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(grades["overall"]["total"], 2);
    let mut book = workbook(
        app.get(
            &format!("/api/v1/reports/grades?period=2026-10&unit_id={p}&format=xlsx"),
            &o.tochuc,
        )
        .await,
        "xep-loai-HG-2026-10.xlsx",
    )
    .await;
    let range = book.worksheet_range("Phân bố xếp loại").expect("sheet");
    let excellent = row_of(&range, 0, "Hoàn thành xuất sắc nhiệm vụ");
    assert_eq!(number(&range, excellent, 1), 1.0);
    assert_eq!(number(&range, excellent, 2), 0.5);

    // Rewards of the published rounds: s1 excellent → 0.5 × 2,530,000 = 1,265,000; h1 not
    // complete → nothing; W1 and the subtree total 1,265,000.
    let rewards: Value = app
        .get(
            &format!("/api/v1/reports/rewards?period=2026-10&unit_id={p}"),
            &o.tochuc,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rewards["base_salary"], 2_530_000);
    assert_eq!(rewards["total"], 1_265_000);
    assert_eq!(rewards["units"][0]["unit"]["unit_id"], w1);
    assert_eq!(rewards["units"][0]["total"], 1_265_000);
    let rows = csv_rows(
        app.get(
            &format!("/api/v1/reports/rewards?period=2026-10&unit_id={p}&format=csv"),
            &o.tochuc,
        )
        .await,
        "khen-thuong-HG-2026-10.csv",
    )
    .await;
    let s1 = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("Nguyễn Thị Ánh"))
        .expect("s1");
    assert_eq!(line(&rows, "Phường Một")[1], "Lê Văn Hưng");
    assert_eq!(
        s1[..],
        [
            "Phường Một",
            "Nguyễn Thị Ánh",
            "Hoàn thành xuất sắc nhiệm vụ",
            "1265000",
            "0",
            "1265000"
        ]
        .map(str::to_owned)
    );
    assert_eq!(line(&rows, "Tổng cộng")[5], "1265000");
}

/// Whether the XLSX at `path` contains a chart part.
async fn has_chart(app: &crate::helpers::TestApp, token: &str, path: &str) -> bool {
    let bytes = app.get(path, token).await.bytes().await.expect("body");
    bytes
        .windows(b"xl/charts/chart1.xml".len())
        .any(|w| w == b"xl/charts/chart1.xml")
}
