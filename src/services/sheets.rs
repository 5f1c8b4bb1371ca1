//! The grading sheet as Vietnamese offices print and sign it (XLSX): the national heading beside
//! the unit's name, the title and period, the table with wrapped text and real date cells, the
//! place-and-date line and the signature blocks (người lập biểu, thủ trưởng đơn vị); A4
//! landscape, fitted to the page width, the header row repeated on every page, a print area and
//! page numbers. Headers, grade labels and reasons follow the caller's language.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use super::exports::RoundSheet;
use super::print::{self, grade_label, reasons_text};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// Headers of the grading sheet in Vietnamese (the CSV and the printable sheet).
pub const HEADERS_VI: [&str; 13] = super::exports::SHEET_HEADERS;

/// Headers of the grading sheet in English.
pub const HEADERS_EN: [&str; 13] = [
    "No.",
    "Full name",
    "Common criteria (30)",
    "Task results (70)",
    "Bonus",
    "Total",
    "Quantity",
    "Quality",
    "Progress",
    "Proposed grade",
    "Decided grade",
    "Reasons",
    "Override reason",
];

/// Column widths (characters) of the printable sheet: fits A4 landscape at about 80 %.
const WIDTHS: [f64; 13] = [
    5.0, 24.0, 10.0, 10.0, 8.0, 8.0, 9.0, 9.0, 9.0, 16.0, 16.0, 42.0, 26.0,
];

const LAST_COL: u16 = 12;

/// Height (points) of one line of 11-point Times New Roman in a table row.
const LINE_HEIGHT: f64 = 15.0;

/// Lines `text` takes when wrapped in a column `width` units wide, word by word. A width unit
/// is the width of a digit of the default font; 11-point Times New Roman fits about 1.45
/// characters of Vietnamese text in one (measured on LibreOffice's rendering), counted here
/// as 1.35 less one for the cell's padding, erring on the side of room.
fn wrapped_lines(text: &str, width: f64) -> u32 {
    let room = (width * 1.35 - 1.0).max(1.0);
    let mut lines = 1u32;
    let mut used = 0.0f64;
    for word in text.split_whitespace() {
        let len = word.chars().count() as f64;
        let need = if used == 0.0 { len } else { used + 1.0 + len };
        if need <= room || used == 0.0 {
            used = need;
        } else {
            lines += 1;
            used = len;
        }
        while used > room {
            lines += 1;
            used -= room;
        }
    }
    lines
}

/// The first row of the table's header (0-based), for tests and readers.
pub const HEADER_ROW: u32 = 7;

fn err(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx export: {e}"))
}

fn excel_date(d: NaiveDate) -> AppResult<ExcelDateTime> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).map_err(|e| AppError::Internal(e.into()))?,
        u8::try_from(d.month()).map_err(|e| AppError::Internal(e.into()))?,
        u8::try_from(d.day()).map_err(|e| AppError::Internal(e.into()))?,
    )
    .map_err(err)
}

/// The printable grading sheet. `today` is the organisation's local date (the date line).
pub fn grading_sheet_xlsx(s: &RoundSheet, lang: Lang, today: NaiveDate) -> AppResult<Vec<u8>> {
    let vi = lang == Lang::Vi;
    let font = |f: Format| f.set_font_name("Times New Roman").set_font_size(11);
    let center = font(Format::new())
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let center_bold = center.clone().set_bold();
    let motto = center_bold
        .clone()
        .set_underline(rust_xlsxwriter::FormatUnderline::Single);
    let title = center_bold.clone().set_font_size(14);
    let italic_center = center.clone().set_italic();
    let cell = font(Format::new())
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let header = cell
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(0xDDEBF7);
    let text = cell.clone().set_align(FormatAlign::Left);
    let number = cell.clone().set_align(FormatAlign::Center);
    let score = number.clone().set_num_format("0.00");
    let ratio = number.clone().set_num_format("0.0%");
    let date = font(Format::new())
        .set_num_format("dd/mm/yyyy")
        .set_align(FormatAlign::Left);
    let plain = font(Format::new());

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(if vi { "Xếp loại" } else { "Grades" })
        .map_err(err)?;
    for (col, w) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *w).map_err(err)?;
    }

    // The unit (left) and the national heading (right).
    sheet
        .merge_range(0, 0, 0, 4, &s.unit.name.to_uppercase(), &center_bold)
        .map_err(err)?;
    sheet
        .merge_range(
            1,
            0,
            1,
            4,
            &print::unit_code_line(&s.unit.code, lang),
            &center,
        )
        .map_err(err)?;
    sheet
        .merge_range(0, 7, 0, LAST_COL, print::NATIONAL_NAME, &center_bold)
        .map_err(err)?;
    sheet
        .merge_range(1, 7, 1, LAST_COL, print::MOTTO, &motto)
        .map_err(err)?;

    // Title, period and policy.
    sheet.set_row_height(3, 22).map_err(err)?;
    sheet
        .merge_range(3, 0, 3, LAST_COL, print::grading_sheet_title(lang), &title)
        .map_err(err)?;
    sheet
        .merge_range(
            4,
            0,
            4,
            LAST_COL,
            &print::round_subtitle(s, lang),
            &italic_center,
        )
        .map_err(err)?;
    // Real date cells: when the sheet was made, and the round's decision and publication.
    let mut col = 0u16;
    let dates = [
        (if vi { "Ngày lập:" } else { "Prepared:" }, Some(today)),
        (
            if vi {
                "Ngày quyết định:"
            } else {
                "Decided:"
            },
            s.round.decided_at.map(|t| t.date()),
        ),
        (
            if vi {
                "Ngày công bố:"
            } else {
                "Published:"
            },
            s.round.published_at.map(|t| t.date()),
        ),
    ];
    for (label, value) in dates {
        if let Some(d) = value {
            sheet
                .write_string_with_format(
                    5,
                    col + 1,
                    label,
                    &plain.clone().set_align(FormatAlign::Right),
                )
                .map_err(err)?;
            sheet
                .write_date_with_format(5, col + 2, excel_date(d)?, &date)
                .map_err(err)?;
        }
        col += 4;
    }

    // The table.
    let headers = if vi { HEADERS_VI } else { HEADERS_EN };
    sheet.set_row_height(HEADER_ROW, 45).map_err(err)?;
    for (col, h) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(HEADER_ROW, col as u16, *h, &header)
            .map_err(err)?;
    }
    let mut row = HEADER_ROW;
    for (i, (name, g)) in s.grades.iter().enumerate() {
        row += 1;
        sheet
            .write_number_with_format(row, 0, (i + 1) as f64, &number)
            .map_err(err)?;
        sheet
            .write_string_with_format(row, 1, name, &text)
            .map_err(err)?;
        for (col, v) in [
            (2, g.common_score),
            (3, g.task_score),
            (4, g.bonus),
            (5, g.total),
        ] {
            sheet
                .write_number_with_format(row, col, v, &score)
                .map_err(err)?;
        }
        for (col, v) in [(6, g.quantity), (7, g.quality), (8, g.progress)] {
            sheet
                .write_number_with_format(row, col, v, &ratio)
                .map_err(err)?;
        }
        let decided = g
            .final_grade
            .as_deref()
            .map(|f| grade_label(f, lang))
            .unwrap_or_default();
        let texts = [
            (9, grade_label(&g.proposed_grade, lang)),
            (10, decided),
            (11, reasons_text(&g.reasons, lang)),
            (12, g.override_reason.clone().unwrap_or_default()),
        ];
        for (col, value) in &texts {
            sheet
                .write_string_with_format(row, *col, value, &text)
                .map_err(err)?;
        }
        // LibreOffice does not grow a row for wrapped text on opening a workbook (the text of a
        // long reason then overlaps the rows around it): the height is set from the lines.
        let lines = std::iter::once((1u16, name.as_str()))
            .chain(texts.iter().map(|(c, v)| (*c, v.as_str())))
            .map(|(c, v)| wrapped_lines(v, WIDTHS[usize::from(c)]))
            .max()
            .unwrap_or(1);
        if lines > 1 {
            sheet
                .set_row_height(row, LINE_HEIGHT * f64::from(lines))
                .map_err(err)?;
        }
    }
    let last_table_row = row;

    // Place and date, then the signatures.
    let r = last_table_row + 2;
    sheet
        .merge_range(
            r,
            7,
            r,
            LAST_COL,
            &print::date_line(today, lang),
            &italic_center,
        )
        .map_err(err)?;
    for (sig, (first, last)) in print::sheet_signatures(lang)
        .iter()
        .zip([(0, 4), (7, LAST_COL)])
    {
        sheet
            .merge_range(r + 1, first, r + 1, last, sig.role, &center_bold)
            .map_err(err)?;
        sheet
            .merge_range(r + 2, first, r + 2, last, sig.hint, &italic_center)
            .map_err(err)?;
    }
    // Room to sign.
    let last_row = r + 7;
    sheet.write_blank(last_row, 0, &plain).map_err(err)?;

    // Page setup.
    sheet.set_paper_size(9); // A4
    sheet.set_landscape();
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW).map_err(err)?;
    sheet
        .set_print_area(0, 0, last_row, LAST_COL)
        .map_err(err)?;
    sheet.set_footer(if vi {
        "&CTrang &P/&N"
    } else {
        "&CPage &P of &N"
    });
    sheet.set_freeze_panes(HEADER_ROW + 1, 0).map_err(err)?;
    workbook.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn wrapped_lines_count_words_that_do_not_fit() {
        assert_eq!(wrapped_lines("", 10.0), 1);
        // The grade labels: the short one fits its column (16), the long one takes two lines.
        assert_eq!(wrapped_lines("Hoàn thành nhiệm vụ", 16.0), 1);
        assert_eq!(wrapped_lines("Không hoàn thành nhiệm vụ", 16.0), 2);
        // 8.45 characters of room: "Hoàn" and "thành" do not fit together.
        assert_eq!(wrapped_lines("Hoàn thành", 7.0), 2);
        // A word longer than the column takes as many lines as it needs.
        assert_eq!(wrapped_lines(&"x".repeat(25), 8.0), 3);
        // The reasons column (42).
        assert_eq!(
            wrapped_lines("Tổng điểm 58,10 đạt mức \"Hoàn thành nhiệm vụ\"", 42.0),
            1
        );
        let reason = "Tổng điểm 60,57 đạt mức \"Hoàn thành nhiệm vụ\"; Người đứng đầu: đơn vị có người không hoàn thành nhiệm vụ";
        assert_eq!(wrapped_lines(reason, 42.0), 2);
    }
}
