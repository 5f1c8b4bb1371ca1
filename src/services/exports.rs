//! Exports of a grading round: the unit's grading sheet and the reward report, as tables that
//! are written to CSV (UTF-8 with BOM, RFC 4180) or XLSX. Visibility is that of managing the
//! round: heads of the unit's subtree (including units above) and the organisation; anyone else
//! gets 404.
//!
//! Rewards (rulebook "Grading", Long Biên, Ngã Bảy): each amount is a multiple of the base salary
//! in force on the period's last day or a fixed amount ([`RewardPolicy`], read from the policy
//! body's `rewards` key; defaults when the policy says nothing).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::db::grading::{GradeRow, PolicyRow, Round};
use crate::db::units::Unit;
use crate::db::{self, DbConnection};
use crate::domain::grading::{Grade, Reason};
use crate::domain::kpi::{base_salary_on, reward_amount, RewardRule};
use crate::domain::period::Period;
use crate::domain::scope::Viewer;
use crate::domain::text::vietnamese_sort_key;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;

// ---------------------------------------------------------------------------------------------
// Formats and tables
// ---------------------------------------------------------------------------------------------

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

/// `Content-Type` of an XLSX workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// `Content-Type` of a CSV export.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

impl ExportFormat {
    /// Parses `?format=` (case-insensitive); anything but `xlsx` or `csv` is a 422 on `format`.
    pub fn parse(raw: &str) -> AppResult<ExportFormat> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "xlsx" => Ok(ExportFormat::Xlsx),
            "csv" => Ok(ExportFormat::Csv),
            _ => Err(AppError::Validation(vec![crate::error::FieldIssue::new(
                "format",
                "one_of",
                Text::new(
                    format!("Định dạng '{raw}' không được hỗ trợ: chọn xlsx hoặc csv."),
                    format!("Format '{raw}' is not supported: use xlsx or csv."),
                ),
            )])),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => XLSX_CONTENT_TYPE,
            ExportFormat::Csv => CSV_CONTENT_TYPE,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A whole number (row numbers).
    Int(i64),
    /// A score, shown with two decimals.
    Score(f64),
    /// A ratio in `[0, 1]` (quantity, quality, progress): four decimals in CSV, a percentage
    /// with two decimals in XLSX.
    Ratio(f64),
    /// An amount in VND.
    Money(i64),
    Blank,
}

impl Cell {
    /// The text written to CSV.
    fn csv_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) | Cell::Money(n) => n.to_string(),
            Cell::Score(v) => fixed(*v, 2),
            Cell::Ratio(v) => fixed(*v, 4),
            Cell::Blank => String::new(),
        }
    }

    /// Characters the cell takes on screen in XLSX (for column widths).
    fn display_width(&self) -> usize {
        match self {
            Cell::Text(s) => s.chars().count(),
            Cell::Int(n) => n.to_string().len(),
            Cell::Score(v) => fixed(*v, 2).len(),
            Cell::Ratio(v) => format!("{}%", fixed(v * 100.0, 2)).len(),
            Cell::Money(n) => thousands(*n, ',').len(),
            Cell::Blank => 0,
        }
    }
}

/// Number-to-text and XLSX numbers go through the domain's single helpers (never `-0.00`).
pub use crate::domain::kpi::{fixed, no_neg_zero};

/// `1265000` → `1,265,000` (with the given separator).
pub fn thousands(n: i64, sep: char) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A table to export: a title, `label: value` lines about it, a header row, data rows and an
/// optional totals row.
#[derive(Debug, Clone)]
pub struct Table {
    /// Worksheet name (at most 31 characters, none of `[]:*?/\`).
    pub sheet_name: String,
    pub title: String,
    pub meta: Vec<(String, String)>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub footer: Option<Vec<Cell>>,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn export_error(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what} export: {e}"))
}

/// CSV: UTF-8 with a byte order mark (so that Excel reads the Vietnamese letters), RFC 4180
/// quoting and CRLF line ends. The title and `label,value` lines come first, then an empty line,
/// the header, the rows and the totals.
pub fn to_csv(table: &Table) -> AppResult<Vec<u8>> {
    let writer = |buf: Vec<u8>| {
        csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(buf)
    };
    let err = |e: csv::Error| export_error("csv", e);
    let mut wtr = writer(UTF8_BOM.to_vec());
    wtr.write_record([table.title.as_str()]).map_err(err)?;
    for (label, value) in &table.meta {
        wtr.write_record([label.as_str(), value.as_str()])
            .map_err(err)?;
    }
    let mut out = wtr.into_inner().map_err(|e| export_error("csv", e))?;
    // An empty line between the title block and the table (a record of no fields would be
    // written as `""`).
    out.extend_from_slice(b"\r\n");
    let mut wtr = writer(out);
    wtr.write_record(&table.headers).map_err(err)?;
    for row in table.rows.iter().chain(table.footer.iter()) {
        wtr.write_record(row.iter().map(Cell::csv_text))
            .map_err(err)?;
    }
    wtr.into_inner().map_err(|e| export_error("csv", e))
}

/// Rows of the header in the XLSX layout (0-based): title, the meta lines, an empty row.
fn xlsx_header_row(table: &Table) -> u32 {
    u32::try_from(table.meta.len()).unwrap_or(u32::MAX - 2) + 2
}

/// Column widths (in characters) that fit the header and the values, capped for long texts.
fn column_widths(table: &Table) -> Vec<f64> {
    let mut widths: Vec<usize> = table.headers.iter().map(|h| h.chars().count()).collect();
    for row in table.rows.iter().chain(table.footer.iter()) {
        for (i, cell) in row.iter().enumerate() {
            if i >= widths.len() {
                widths.push(0);
            }
            widths[i] = widths[i].max(cell.display_width());
        }
    }
    widths
        .into_iter()
        .map(|w| (w + 2).clamp(6, 80) as f64)
        .collect()
}

/// XLSX: one worksheet; a bold title and the meta lines, an empty row, the bold header with the
/// panes frozen below it, scores as numbers formatted `0.00`, ratios as percentages, amounts with
/// thousands separators, and column widths that fit.
pub fn to_xlsx(table: &Table) -> AppResult<Vec<u8>> {
    to_xlsx_book(&[Sheet {
        table: table.clone(),
        charts: Vec::new(),
    }])
}

/// Kind of an XLSX chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Clustered columns (counts per category).
    Column,
    /// A pie (shares of a whole; only the first value column is drawn).
    Pie,
    /// Lines with markers (trends over periods).
    Line,
}

/// A chart drawn from a table's data rows (never the totals row): categories from one column,
/// one series per value column, named by the column's header.
#[derive(Debug, Clone)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub title: String,
    /// 0-based column of the category labels.
    pub category_col: u16,
    /// 0-based columns of the values.
    pub value_cols: Vec<u16>,
    /// Title of the value axis (not used by pies).
    pub value_axis: Option<String>,
}

/// One worksheet of a workbook: a table and the charts drawn from it (placed to its right).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub table: Table,
    pub charts: Vec<ChartSpec>,
}

/// Writes one table into a new worksheet with the layout of [`to_xlsx`]; returns the header row.
fn write_table(workbook: &mut rust_xlsxwriter::Workbook, table: &Table) -> AppResult<u32> {
    use rust_xlsxwriter::{Format, FormatAlign};
    let err = |e: rust_xlsxwriter::XlsxError| export_error("xlsx", e);
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let score = Format::new().set_num_format("0.00");
    let ratio = Format::new().set_num_format("0.00%");
    let money = Format::new().set_num_format("#,##0");
    let plain = Format::new();

    let sheet = workbook.add_worksheet();
    sheet.set_name(&table.sheet_name).map_err(err)?;
    sheet
        .write_string_with_format(0, 0, &table.title, &title)
        .map_err(err)?;
    for (i, (label, value)) in table.meta.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|e| export_error("xlsx", e))?;
        sheet
            .write_string(row, 0, format!("{label}: {value}"))
            .map_err(err)?;
    }
    let header_row = xlsx_header_row(table);
    for (col, h) in table.headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|e| export_error("xlsx", e))?;
        sheet
            .write_string_with_format(header_row, col, h, &header)
            .map_err(err)?;
    }
    let rows = table
        .rows
        .iter()
        .map(|r| (r, false))
        .chain(table.footer.iter().map(|r| (r, true)));
    for (i, (cells, is_footer)) in rows.enumerate() {
        let row = header_row + 1 + u32::try_from(i).map_err(|e| export_error("xlsx", e))?;
        for (col, cell) in cells.iter().enumerate() {
            let col = u16::try_from(col).map_err(|e| export_error("xlsx", e))?;
            let text_format = if is_footer { &bold } else { &plain };
            match cell {
                Cell::Text(s) => sheet.write_string_with_format(row, col, s, text_format),
                Cell::Int(n) => sheet.write_number_with_format(row, col, *n as f64, text_format),
                Cell::Score(v) => sheet.write_number_with_format(row, col, no_neg_zero(*v), &score),
                Cell::Ratio(v) => sheet.write_number_with_format(row, col, no_neg_zero(*v), &ratio),
                Cell::Money(n) => sheet.write_number_with_format(
                    row,
                    col,
                    *n as f64,
                    &if is_footer {
                        money.clone().set_bold()
                    } else {
                        money.clone()
                    },
                ),
                Cell::Blank => continue,
            }
            .map_err(err)?;
        }
    }
    for (col, width) in column_widths(table).into_iter().enumerate() {
        let col = u16::try_from(col).map_err(|e| export_error("xlsx", e))?;
        sheet.set_column_width(col, width).map_err(err)?;
    }
    sheet.set_freeze_panes(header_row + 1, 0).map_err(err)?;
    Ok(header_row)
}

/// A chart over the data rows of a table written at `header_row` (None without data rows).
fn chart_of(table: &Table, header_row: u32, spec: &ChartSpec) -> Option<rust_xlsxwriter::Chart> {
    use rust_xlsxwriter::{Chart, ChartType};
    let n = u32::try_from(table.rows.len()).ok().filter(|n| *n > 0)?;
    let (first, last) = (header_row + 1, header_row + n);
    let name = table.sheet_name.as_str();
    let mut chart = Chart::new(match spec.kind {
        ChartKind::Column => ChartType::Column,
        ChartKind::Pie => ChartType::Pie,
        ChartKind::Line => ChartType::Line,
    });
    chart.title().set_name(&spec.title);
    let cols: &[u16] = if spec.kind == ChartKind::Pie {
        &spec.value_cols[..spec.value_cols.len().min(1)]
    } else {
        &spec.value_cols
    };
    for col in cols {
        chart
            .add_series()
            .set_name((name, header_row, *col))
            .set_categories((name, first, spec.category_col, last, spec.category_col))
            .set_values((name, first, *col, last, *col));
    }
    if let (Some(axis), false) = (&spec.value_axis, spec.kind == ChartKind::Pie) {
        chart.y_axis().set_name(axis);
    }
    Some(chart)
}

/// XLSX with several worksheets, each laid out as [`to_xlsx`], with its charts to the right of
/// its table (stacked, 16 rows apart).
pub fn to_xlsx_book(sheets: &[Sheet]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let err = |e: rust_xlsxwriter::XlsxError| export_error("xlsx", e);
    let mut workbook = Workbook::new();
    for (index, s) in sheets.iter().enumerate() {
        let header_row = write_table(&mut workbook, &s.table)?;
        let chart_col = u16::try_from(s.table.headers.len() + 1).unwrap_or(u16::MAX - 1);
        let mut row = header_row;
        for spec in &s.charts {
            let Some(chart) = chart_of(&s.table, header_row, spec) else {
                continue;
            };
            workbook
                .worksheet_from_index(index)
                .map_err(err)?
                .insert_chart(row, chart_col, &chart)
                .map_err(err)?;
            row += 16;
        }
    }
    workbook.save_to_buffer().map_err(err)
}

/// Writes a workbook in the format asked: XLSX with every sheet and chart; CSV with the tables
/// one after another (one byte order mark, an empty line between tables).
pub fn render_book(sheets: &[Sheet], format: ExportFormat) -> AppResult<Vec<u8>> {
    match format {
        ExportFormat::Xlsx => to_xlsx_book(sheets),
        ExportFormat::Csv => {
            let mut out = Vec::new();
            for (i, s) in sheets.iter().enumerate() {
                let bytes = to_csv(&s.table)?;
                if i == 0 {
                    out.extend_from_slice(&bytes);
                } else {
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes));
                }
            }
            Ok(out)
        }
    }
}

/// Writes a table in the format asked.
pub fn render(table: &Table, format: ExportFormat) -> AppResult<Vec<u8>> {
    match format {
        ExportFormat::Xlsx => to_xlsx(table),
        ExportFormat::Csv => to_csv(table),
    }
}

/// A file name safe in `Content-Disposition`: `<prefix>-<unit code>-<period>.<ext>`, with
/// anything but ASCII letters, digits, `-` and `_` replaced by `-`.
pub fn file_name(prefix: &str, unit_code: &str, period: &str, format: ExportFormat) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!(
        "{prefix}-{}-{}.{}",
        safe(unit_code),
        safe(period),
        format.extension()
    )
}

// ---------------------------------------------------------------------------------------------
// Loading a round
// ---------------------------------------------------------------------------------------------

/// Heads of the unit's subtree (including heads of units above) and the organisation.
fn manages(viewer: &Viewer, unit: &Unit) -> bool {
    viewer.manages_unit(&unit.path)
}

/// A round with its unit, policy and grades, each with the person's name, sorted in Vietnamese
/// name order.
#[derive(Debug, Clone)]
pub struct RoundSheet {
    pub round: Round,
    pub unit: Unit,
    pub policy: PolicyRow,
    pub period: Period,
    /// (full name, grade), in Vietnamese name order.
    pub grades: Vec<(String, GradeRow)>,
}

fn load_sheet(conn: &mut DbConnection, viewer: &Viewer, round_id: i64) -> AppResult<RoundSheet> {
    let round = db::grading::round(conn, round_id)?.ok_or(AppError::NotFound)?;
    let unit = db::units::find(conn, round.unit_id)?.ok_or(AppError::NotFound)?;
    if !manages(viewer, &unit) {
        return Err(AppError::NotFound);
    }
    let policy = db::grading::policy(conn, round.policy_id)?.ok_or(AppError::NotFound)?;
    let period =
        Period::parse(&round.period).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let grades = db::grading::grades_of_round(conn, round.id)?;
    let ids: Vec<i64> = grades.iter().map(|g| g.staff_id).collect();
    let names: std::collections::HashMap<i64, String> =
        db::staff::names_of(conn, &ids)?.into_iter().collect();
    let mut grades: Vec<(String, GradeRow)> = grades
        .into_iter()
        .map(|g| (names.get(&g.staff_id).cloned().unwrap_or_default(), g))
        .collect();
    grades.sort_by_cached_key(|(name, g)| (vietnamese_sort_key(name), g.staff_id));
    Ok(RoundSheet {
        round,
        unit,
        policy,
        period,
        grades,
    })
}

fn state_vi(state: &str) -> &str {
    match state {
        "open" => "Đang đánh giá",
        "decided" => "Đã quyết định",
        "published" => "Đã công bố",
        other => other,
    }
}

fn round_meta(s: &RoundSheet) -> Vec<(String, String)> {
    vec![
        ("Đơn vị".to_owned(), s.unit.name.clone()),
        ("Kỳ đánh giá".to_owned(), s.round.period.clone()),
        (
            "Chính sách".to_owned(),
            format!("{}, phiên bản {}", s.policy.code, s.policy.version),
        ),
        ("Trạng thái".to_owned(), state_vi(&s.round.state).to_owned()),
    ]
}

fn grade_code(code: &str) -> Grade {
    Grade::parse(code).unwrap_or(Grade::NotGraded)
}

// ---------------------------------------------------------------------------------------------
// Grading sheet
// ---------------------------------------------------------------------------------------------

/// The unit's grading sheet of a round (heads of the unit's subtree, the organisation).
pub fn grading_sheet(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
) -> AppResult<RoundSheet> {
    load_sheet(conn, viewer, round_id)
}

/// Headers of the grading sheet.
pub const SHEET_HEADERS: [&str; 13] = [
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

/// The grading sheet as a table: one row per person, the reasons' Vietnamese messages joined
/// with "; ".
pub fn grading_table(s: &RoundSheet) -> Table {
    let rows = s
        .grades
        .iter()
        .enumerate()
        .map(|(i, (name, g))| {
            let reasons: Vec<Reason> = serde_json::from_str(&g.reasons).unwrap_or_default();
            let reasons = reasons
                .iter()
                .map(Reason::message_vi)
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                Cell::Int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                Cell::Text(name.clone()),
                // A common score not yet entered is blank, not 0.
                if g.evaluator_scores.is_some() {
                    Cell::Score(g.common_score)
                } else {
                    Cell::Blank
                },
                Cell::Score(g.task_score),
                Cell::Score(g.bonus),
                Cell::Score(g.total),
                Cell::Ratio(g.quantity),
                Cell::Ratio(g.quality),
                Cell::Ratio(g.progress),
                Cell::Text(grade_code(&g.proposed_grade).label_vi().to_owned()),
                g.final_grade
                    .as_deref()
                    .map(|f| Cell::Text(grade_code(f).label_vi().to_owned()))
                    .unwrap_or(Cell::Blank),
                Cell::Text(reasons),
                g.override_reason
                    .clone()
                    .map(Cell::Text)
                    .unwrap_or(Cell::Blank),
            ]
        })
        .collect();
    Table {
        sheet_name: "Xếp loại".to_owned(),
        title: "BẢNG TỔNG HỢP ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG".to_owned(),
        meta: round_meta(s),
        headers: SHEET_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        footer: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Rewards
// ---------------------------------------------------------------------------------------------

/// Reward rules of a policy (its body's `rewards` key). A rule left out takes the default;
/// `null` means no reward. Defaults: excellent → 0.5 × base salary, good → nothing, an
/// initiative (bonus > 0 in the round) → 1 × base salary; other grades are never rewarded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RewardPolicy {
    /// The reward of an excellent grade; left out, `{"multiple_of_base": 0.5}`.
    // The defaults are in the descriptions: an object-valued schema default is not valid for
    // every generator.
    #[schema(default)]
    pub excellent: Option<RewardRule>,
    /// The reward of a good grade; left out, none.
    #[schema(default)]
    pub good: Option<RewardRule>,
    /// The reward of an initiative (a bonus above 0 in the round); left out,
    /// `{"multiple_of_base": 1.0}`.
    #[schema(default)]
    pub initiative: Option<RewardRule>,
}

impl Default for RewardPolicy {
    fn default() -> Self {
        RewardPolicy {
            excellent: Some(RewardRule::MultipleOfBase(0.5)),
            good: None,
            initiative: Some(RewardRule::MultipleOfBase(1.0)),
        }
    }
}

impl RewardPolicy {
    /// The rules of a policy version: its body's `rewards`, else the defaults.
    pub fn of(policy: &PolicyRow) -> AppResult<RewardPolicy> {
        let body: serde_json::Value = serde_json::from_str(&policy.body)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("policy {} body: {e}", policy.id)))?;
        match body.get("rewards") {
            None | Some(serde_json::Value::Null) => Ok(RewardPolicy::default()),
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
                AppError::Internal(anyhow::anyhow!("policy {} rewards: {e}", policy.id))
            }),
        }
    }

    /// The rule for a final grade (only excellent and good are rewarded).
    pub fn for_grade(&self, grade: Grade) -> Option<RewardRule> {
        match grade {
            Grade::Excellent => self.excellent,
            Grade::Good => self.good,
            Grade::Complete | Grade::NotComplete | Grade::NotGraded => None,
        }
    }
}

/// One person's reward.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardLine {
    pub staff_id: i64,
    pub full_name: String,
    /// The final grade (the proposal when no decision was recorded).
    pub grade: Grade,
    /// VND for the grade.
    pub grade_amount: i64,
    /// VND for initiatives (bonus > 0 in the round).
    pub initiative_amount: i64,
    /// grade_amount + initiative_amount.
    pub total: i64,
}

/// The reward report of a decided or published round.
#[derive(Debug, Clone)]
pub struct RewardReport {
    pub sheet: RoundSheet,
    pub rules: RewardPolicy,
    /// The period's last day: the base salary in force that day values the rewards.
    pub valued_on: NaiveDate,
    /// Base salary in force on `valued_on` (None before the first known one).
    pub base_salary: Option<i64>,
    pub people: Vec<RewardLine>,
    pub grade_total: i64,
    pub initiative_total: i64,
    pub total: i64,
}

fn value(rule: Option<RewardRule>, day: NaiveDate) -> AppResult<i64> {
    let Some(rule) = rule else { return Ok(0) };
    match reward_amount(&rule, day) {
        Some(amount) if amount >= 0 => Ok(amount),
        _ => Err(AppError::Conflict(Text::new(
            format!(
                "Không tính được tiền thưởng theo chính sách ({rule:?}) cho ngày {day}: chưa có mức lương cơ sở hoặc mức thưởng không hợp lệ."
            ),
            format!(
                "Cannot value the reward ({rule:?}) on {day}: no base salary is known or the amount is invalid."
            ),
        ))),
    }
}

fn overflow() -> AppError {
    AppError::Internal(anyhow::anyhow!("reward total overflows"))
}

/// Values the rewards of people `(staff_id, name, final grade, bonus)` on a day. Pure.
pub fn value_rewards(
    rules: &RewardPolicy,
    day: NaiveDate,
    people: &[(i64, String, Grade, f64)],
) -> AppResult<Vec<RewardLine>> {
    people
        .iter()
        .map(|(staff_id, name, grade, bonus)| {
            let grade_amount = value(rules.for_grade(*grade), day)?;
            let initiative_amount = if *bonus > 0.0 {
                value(rules.initiative, day)?
            } else {
                0
            };
            Ok(RewardLine {
                staff_id: *staff_id,
                full_name: name.clone(),
                grade: *grade,
                grade_amount,
                initiative_amount,
                total: grade_amount
                    .checked_add(initiative_amount)
                    .ok_or_else(overflow)?,
            })
        })
        .collect()
}

fn sum(mut values: impl Iterator<Item = i64>) -> AppResult<i64> {
    values.try_fold(0i64, |acc, v| acc.checked_add(v).ok_or_else(overflow))
}

/// Rewards of a decided or published round (heads of the unit's subtree, the organisation); an
/// open round is 409.
pub fn rewards(conn: &mut DbConnection, viewer: &Viewer, round_id: i64) -> AppResult<RewardReport> {
    let sheet = load_sheet(conn, viewer, round_id)?;
    if sheet.round.state == "open" {
        return Err(AppError::conflict(
            "Đợt đánh giá chưa có quyết định của thủ trưởng: chưa tính tiền thưởng.",
            "The grading round is not decided yet: rewards are computed after the decision.",
        ));
    }
    let rules = RewardPolicy::of(&sheet.policy)?;
    let valued_on = sheet.period.last_day();
    let people: Vec<(i64, String, Grade, f64)> = sheet
        .grades
        .iter()
        .map(|(name, g)| {
            let grade = grade_code(g.final_grade.as_deref().unwrap_or(&g.proposed_grade));
            (g.staff_id, name.clone(), grade, g.bonus)
        })
        .collect();
    let people = value_rewards(&rules, valued_on, &people)?;
    let grade_total = sum(people.iter().map(|p| p.grade_amount))?;
    let initiative_total = sum(people.iter().map(|p| p.initiative_amount))?;
    let total = sum(people.iter().map(|p| p.total))?;
    Ok(RewardReport {
        sheet,
        rules,
        valued_on,
        base_salary: base_salary_on(valued_on),
        people,
        grade_total,
        initiative_total,
        total,
    })
}

/// Headers of the reward table.
pub const REWARD_HEADERS: [&str; 6] = [
    "STT",
    "Họ và tên",
    "Xếp loại",
    "Thưởng xếp loại (đồng)",
    "Thưởng sáng kiến (đồng)",
    "Tổng tiền thưởng (đồng)",
];

/// The reward report as a table, with a totals row.
pub fn rewards_table(r: &RewardReport) -> Table {
    let mut meta = round_meta(&r.sheet);
    meta.push((
        format!("Mức lương cơ sở ngày {}", r.valued_on.format("%d/%m/%Y")),
        r.base_salary
            .map(|b| format!("{} đồng", thousands(b, '.')))
            .unwrap_or_else(|| "chưa có".to_owned()),
    ));
    let rows = r
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                Cell::Int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                Cell::Text(p.full_name.clone()),
                Cell::Text(p.grade.label_vi().to_owned()),
                Cell::Money(p.grade_amount),
                Cell::Money(p.initiative_amount),
                Cell::Money(p.total),
            ]
        })
        .collect();
    Table {
        sheet_name: "Khen thưởng".to_owned(),
        title: "BẢNG TỔNG HỢP TIỀN THƯỞNG THEO KẾT QUẢ XẾP LOẠI".to_owned(),
        meta,
        headers: REWARD_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        footer: Some(vec![
            Cell::Blank,
            Cell::Text("Tổng cộng".to_owned()),
            Cell::Blank,
            Cell::Money(r.grade_total),
            Cell::Money(r.initiative_total),
            Cell::Money(r.total),
        ]),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_never_negative_zero_in_sheets() {
        assert_eq!(super::fixed(-0.0, 2), "0.00");
        assert_eq!(super::fixed(-0.004, 2), "0.00");
        assert_eq!(super::fixed(-0.00004, 4), "0.0000");
        assert_eq!(super::fixed(-0.006, 2), "-0.01");
        assert_eq!(super::fixed(12.345, 1), "12.3");
        assert!(super::no_neg_zero(-0.0).is_sign_positive());
        assert_eq!(super::Cell::Score(-0.0).csv_text(), "0.00");
        assert_eq!(super::Cell::Ratio(-0.0).csv_text(), "0.0000");
    }

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn policy_row(body: &str) -> PolicyRow {
        PolicyRow {
            id: 1,
            code: "x".to_owned(),
            version: 1,
            body: body.to_owned(),
            is_default: false,
            created_by: None,
            created_at: day(2026, 1, 1).and_hms_opt(0, 0, 0).expect("time"),
        }
    }

    #[test]
    fn formats_parse_and_others_are_rejected_on_the_format_field() {
        assert_eq!(ExportFormat::parse("CSV").ok(), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse("xlsx").ok(), Some(ExportFormat::Xlsx));
        match ExportFormat::parse("pdf") {
            Err(AppError::Validation(issues)) => assert_eq!(issues[0].field, "format"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn reward_rules_default_when_the_policy_says_nothing() {
        let rules = RewardPolicy::of(&policy_row(r#"{"preset": {}}"#)).expect("rules");
        assert_eq!(rules, RewardPolicy::default());
        let rules = RewardPolicy::of(&policy_row(
            r#"{"rewards": {"good": {"fixed": 500000}, "excellent": null}}"#,
        ))
        .expect("rules");
        assert_eq!(rules.good, Some(RewardRule::Fixed(500_000)));
        assert_eq!(rules.excellent, None);
        assert_eq!(rules.initiative, Some(RewardRule::MultipleOfBase(1.0)));
        assert!(RewardPolicy::of(&policy_row(r#"{"rewards": {"bad": 1}}"#)).is_err());
    }

    #[test]
    fn rewards_use_the_base_salary_of_the_periods_last_day() {
        let people = vec![
            (1, "A".to_owned(), Grade::Excellent, 0.0),
            (2, "B".to_owned(), Grade::Good, 2.0),
            (3, "C".to_owned(), Grade::Complete, 0.0),
        ];
        let rules = RewardPolicy::default();
        let june = value_rewards(&rules, day(2026, 6, 30), &people).expect("june");
        assert_eq!(june[0].grade_amount, 1_170_000);
        assert_eq!(june[1].grade_amount, 0);
        assert_eq!(june[1].initiative_amount, 2_340_000);
        assert_eq!(june[2].total, 0);
        let october = value_rewards(&rules, day(2026, 10, 31), &people).expect("october");
        assert_eq!(october[0].total, 1_265_000);
        assert_eq!(october[1].total, 2_530_000);
        // No base salary before 2024-07-01: a multiple cannot be valued.
        assert!(matches!(
            value_rewards(&rules, day(2024, 6, 30), &people),
            Err(AppError::Conflict(_))
        ));
    }

    fn sample() -> Table {
        Table {
            sheet_name: "Xếp loại".to_owned(),
            title: "Tiêu đề".to_owned(),
            meta: vec![("Đơn vị".to_owned(), "Phường \"Một\", Hà Nội".to_owned())],
            headers: vec![
                "STT".to_owned(),
                "Họ và tên".to_owned(),
                "Tổng điểm".to_owned(),
            ],
            rows: vec![vec![
                Cell::Int(1),
                Cell::Text("Nguyễn Thị Ánh".to_owned()),
                Cell::Score(76.98),
            ]],
            footer: Some(vec![
                Cell::Blank,
                Cell::Text("Tổng".to_owned()),
                Cell::Money(1_265_000),
            ]),
        }
    }

    #[test]
    fn a_kpi_csv_never_has_a_negative_zero_cell() {
        // 300 people of a KPI ranking whose numbers are tiny negatives, negative zeros and
        // differences that round to zero (a score change of 66.67 − 66.670000001, a quality of
        // 0.1 + 0.2 − 0.3 − 1e-16, ...): not one cell may read -0, -0.00 or -0.0000.
        let tiny = [
            -0.0,
            -1e-300,
            -0.004_999,
            66.67 - 66.670_000_001,
            0.1 + 0.2 - 0.3 - 1e-16 - 1e-16,
            -0.000_04,
        ];
        let rows: Vec<Vec<Cell>> = (0..300)
            .map(|i| {
                let v = tiny[i % tiny.len()];
                vec![
                    Cell::Int(i as i64 + 1),
                    Cell::Ratio(v),
                    Cell::Score(v),
                    Cell::Score(crate::domain::kpi::round2(v)),
                ]
            })
            .collect();
        let table = Table {
            sheet_name: "Xếp hạng KPI".to_owned(),
            title: "XẾP HẠNG KPI".to_owned(),
            meta: vec![("Định mức một người (giờ)".to_owned(), fixed(-0.0 / 60.0, 2))],
            headers: vec![
                "STT".into(),
                "Khối lượng".into(),
                "Điểm".into(),
                "Tổng".into(),
            ],
            rows,
            footer: None,
        };
        let bytes = to_csv(&table).expect("csv");
        let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
        let negative_zeros: Vec<&str> = text
            .split(['\r', '\n', ','])
            .filter(|cell| {
                cell.strip_prefix('-').is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c == '0' || c == '.')
                })
            })
            .collect();
        assert!(negative_zeros.is_empty(), "{negative_zeros:?}");
        assert!(text.contains("\r\n1,0.0000,0.00,0.00\r\n"), "{text}");
        // Grade reasons print totals through the same helper.
        let reason = crate::domain::grading::Reason::Threshold {
            total: -0.0,
            grade: crate::domain::grading::Grade::NotComplete,
        };
        assert!(
            reason.message_en().starts_with("Total 0.00 "),
            "{}",
            reason.message_en()
        );
        assert!(
            reason.message_vi().contains("0,00"),
            "{}",
            reason.message_vi()
        );
        assert!(
            !reason.message_vi().contains("-0,00"),
            "{}",
            reason.message_vi()
        );
    }

    #[test]
    fn csv_has_a_bom_rfc_4180_quoting_and_crlf() {
        let bytes = to_csv(&sample()).expect("csv");
        assert!(bytes.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
        assert_eq!(
            text,
            "Tiêu đề\r\nĐơn vị,\"Phường \"\"Một\"\", Hà Nội\"\r\n\r\nSTT,Họ và tên,Tổng điểm\r\n1,Nguyễn Thị Ánh,76.98\r\n,Tổng,1265000\r\n"
        );
    }

    #[test]
    fn xlsx_is_a_zip_workbook_and_widths_fit() {
        let bytes = to_xlsx(&sample()).expect("xlsx");
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(column_widths(&sample()), vec![6.0, 16.0, 11.0]);
    }

    #[test]
    fn file_names_are_ascii() {
        assert_eq!(
            file_name("xep-loai", "W1", "2026-10", ExportFormat::Csv),
            "xep-loai-W1-2026-10.csv"
        );
        assert_eq!(
            file_name("xep-loai", "Phường 1\"", "2026-Q4", ExportFormat::Xlsx),
            "xep-loai-Ph--ng-1--2026-Q4.xlsx"
        );
        assert_eq!(thousands(2_530_000, '.'), "2.530.000");
        assert_eq!(thousands(-1_000, ','), "-1,000");
        assert_eq!(thousands(999, ','), "999");
    }
}
