//! PDF of the grading sheet, for offices that print and sign it. Text is set in DejaVu Serif
//! (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`), embedded in the binary and in
//! every PDF, so Vietnamese letters print the same everywhere. Lines are wrapped by measuring
//! each glyph's advance in the font itself.

use chrono::NaiveDate;
use printpdf::{
    IndirectFontRef, Line, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference, Point,
};

use super::exports::RoundSheet;
use super::print::{self, grade_label, reasons_text, Signature};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSerif.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSerif-Bold.ttf");

/// A4 landscape, in millimetres.
const PAGE_W: f32 = 297.0;
const PAGE_H: f32 = 210.0;
const MARGIN: f32 = 12.0;
const PT_TO_MM: f32 = 0.352_778;
/// Centres of the left (unit, first signature) and right (national heading, date line, second
/// signature) blocks.
const LEFT_CENTRE: f32 = MARGIN + 45.0;
const RIGHT_CENTRE: f32 = PAGE_W - MARGIN - 60.0;

fn err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("pdf export: {e}"))
}

/// A font: the PDF's reference and the parsed face that measures text.
struct Font {
    pdf: IndirectFontRef,
    face: ttf_parser::Face<'static>,
}

impl Font {
    fn load(doc: &PdfDocumentReference, bytes: &'static [u8]) -> AppResult<Font> {
        Ok(Font {
            pdf: doc
                .add_external_font(std::io::Cursor::new(bytes))
                .map_err(err)?,
            face: ttf_parser::Face::parse(bytes, 0).map_err(err)?,
        })
    }

    /// Width of `text` at `size` points, in millimetres.
    fn width(&self, text: &str, size: f32) -> f32 {
        let per_em = f32::from(self.face.units_per_em());
        let units: f32 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map(f32::from)
                    .unwrap_or(per_em * 0.5)
            })
            .sum();
        units / per_em * size * PT_TO_MM
    }

    /// `text` broken into lines no wider than `width` mm (words longer than a line are cut).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line: cut it by characters.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(&piece, size) > width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }
}

/// Redraws a table's header row on a new page.
type HeaderFn<'a> = dyn Fn(&mut Writer) -> AppResult<()> + 'a;

/// Pages being written, top-down with a cursor `y` (mm from the bottom edge).
struct Writer {
    doc: PdfDocumentReference,
    pages: Vec<PdfLayerReference>,
    regular: Font,
    bold: Font,
    y: f32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
}

impl Writer {
    fn new(title: &str) -> AppResult<Writer> {
        let (doc, page, layer) = PdfDocument::new(title, Mm(PAGE_W), Mm(PAGE_H), "1");
        let first = doc.get_page(page).get_layer(layer);
        let regular = Font::load(&doc, REGULAR)?;
        let bold = Font::load(&doc, BOLD)?;
        Ok(Writer {
            doc,
            pages: vec![first],
            regular,
            bold,
            y: PAGE_H - MARGIN,
        })
    }

    fn layer(&self) -> AppResult<&PdfLayerReference> {
        self.pages.last().ok_or_else(|| err("no page"))
    }

    fn new_page(&mut self) {
        let (page, layer) =
            self.doc
                .add_page(Mm(PAGE_W), Mm(PAGE_H), format!("{}", self.pages.len() + 1));
        self.pages.push(self.doc.get_page(page).get_layer(layer));
        self.y = PAGE_H - MARGIN;
    }

    /// Writes one line of text; `x` is the left edge, or the centre with `Align::Center`.
    fn text(
        &self,
        text: &str,
        size: f32,
        x: f32,
        y: f32,
        bold: bool,
        align: Align,
    ) -> AppResult<()> {
        let font = if bold { &self.bold } else { &self.regular };
        let left = match align {
            Align::Left => x,
            Align::Center => x - font.width(text, size) / 2.0,
        };
        self.layer()?
            .use_text(text, size, Mm(left), Mm(y), &font.pdf);
        Ok(())
    }

    fn line(&self, x1: f32, y1: f32, x2: f32, y2: f32) -> AppResult<()> {
        let layer = self.layer()?;
        layer.set_outline_thickness(0.4);
        layer.add_line(Line {
            points: vec![
                (Point::new(Mm(x1), Mm(y1)), false),
                (Point::new(Mm(x2), Mm(y2)), false),
            ],
            is_closed: false,
        });
        Ok(())
    }

    /// One table row: wrapped cells with borders; returns its height. Starts a new page (and
    /// calls `header` there) when the row does not fit.
    fn row(
        &mut self,
        cells: &[(String, Align)],
        widths: &[f32],
        size: f32,
        bold: bool,
        header: Option<&HeaderFn<'_>>,
    ) -> AppResult<()> {
        let line_h = size * PT_TO_MM * 1.25;
        let font = if bold { &self.bold } else { &self.regular };
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|((t, _), w)| font.wrap(t, size, w - 2.0))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = lines as f32 * line_h + 2.0;
        if self.y - height < MARGIN + 8.0 {
            self.new_page();
            if let Some(h) = header {
                h(self)?;
            }
        }
        let top = self.y;
        let mut x = MARGIN;
        self.line(MARGIN, top, MARGIN + widths.iter().sum::<f32>(), top)?;
        for ((cell, (_, align)), w) in wrapped.iter().zip(cells).zip(widths) {
            for (i, l) in cell.iter().enumerate() {
                let y = top - 1.0 - line_h * (i as f32 + 0.8);
                match align {
                    Align::Left => self.text(l, size, x + 1.0, y, bold, Align::Left)?,
                    Align::Center => self.text(l, size, x + w / 2.0, y, bold, Align::Center)?,
                }
            }
            self.line(x, top, x, top - height)?;
            x += w;
        }
        self.line(x, top, x, top - height)?;
        self.y = top - height;
        self.line(MARGIN, self.y, x, self.y)?;
        Ok(())
    }

    /// The heading of a printed document: the unit's name (and code) centred on the left, the
    /// national heading with its underlined motto on the right, the title centred below. Leaves
    /// the cursor under the title.
    fn heading(&mut self, unit_name: &str, unit_code: Option<&str>, title: &str) -> AppResult<()> {
        let top = self.y;
        self.text(
            &unit_name.to_uppercase(),
            10.0,
            LEFT_CENTRE,
            top - 4.0,
            true,
            Align::Center,
        )?;
        if let Some(code) = unit_code {
            self.text(code, 9.0, LEFT_CENTRE, top - 9.0, false, Align::Center)?;
        }
        self.text(
            print::NATIONAL_NAME,
            10.0,
            RIGHT_CENTRE,
            top - 4.0,
            true,
            Align::Center,
        )?;
        self.text(
            print::MOTTO,
            10.0,
            RIGHT_CENTRE,
            top - 9.0,
            true,
            Align::Center,
        )?;
        let half = self.bold.width(print::MOTTO, 10.0) / 2.0;
        self.line(
            RIGHT_CENTRE - half,
            top - 10.2,
            RIGHT_CENTRE + half,
            top - 10.2,
        )?;
        self.text(title, 13.0, PAGE_W / 2.0, top - 20.0, true, Align::Center)?;
        self.y = top - 21.0;
        Ok(())
    }

    /// The place-and-date line and two signature blocks (on a new page when they do not fit).
    fn signatures(&mut self, date_line: &str, signatures: [Signature; 2]) -> AppResult<()> {
        if self.y - 40.0 < MARGIN {
            self.new_page();
        }
        let y = self.y - 8.0;
        self.text(date_line, 10.0, RIGHT_CENTRE, y, false, Align::Center)?;
        for (sig, x) in signatures.iter().zip([LEFT_CENTRE, RIGHT_CENTRE]) {
            self.text(sig.role, 10.0, x, y - 6.0, true, Align::Center)?;
            self.text(sig.hint, 9.0, x, y - 11.0, false, Align::Center)?;
        }
        Ok(())
    }

    /// The document with the page numbers at the foot of every page.
    fn finish(self, lang: Lang) -> AppResult<Vec<u8>> {
        let n = self.pages.len();
        for (i, layer) in self.pages.iter().enumerate() {
            let text = print::page_number(i + 1, n, lang);
            let x = PAGE_W / 2.0 - self.regular.width(&text, 8.0) / 2.0;
            layer.use_text(text, 8.0, Mm(x), Mm(MARGIN / 2.0), &self.regular.pdf);
        }
        self.doc.save_to_bytes().map_err(err)
    }
}

/// Column widths (mm) of the PDF grading sheet: 273 mm between the margins.
const WIDTHS: [f32; 12] = [
    9.0, 42.0, 17.0, 17.0, 14.0, 15.0, 16.0, 16.0, 16.0, 28.0, 28.0, 55.0,
];

/// The grading sheet as a PDF: the same content and layout as the printable XLSX (national
/// heading, title, table with the header repeated on each page, place-and-date line, signature
/// blocks, page numbers).
pub fn grading_sheet_pdf(s: &RoundSheet, lang: Lang, today: NaiveDate) -> AppResult<Vec<u8>> {
    let vi = lang == Lang::Vi;
    let title = print::grading_sheet_title(lang);
    let mut w = Writer::new(title)?;
    w.heading(
        &s.unit.name,
        Some(&print::unit_code_line(&s.unit.code, lang)),
        title,
    )?;
    let subtitle = print::round_subtitle(s, lang);
    w.text(
        &subtitle,
        9.0,
        PAGE_W / 2.0,
        w.y - 5.0,
        false,
        Align::Center,
    )?;
    w.y -= 11.0;

    let headers: Vec<(String, Align)> = if vi {
        crate::services::sheets::HEADERS_VI[..12].to_vec()
    } else {
        crate::services::sheets::HEADERS_EN[..12].to_vec()
    }
    .into_iter()
    .map(|h| (h.to_string(), Align::Center))
    .collect();
    let header_row = |w: &mut Writer| w.row(&headers, &WIDTHS, 8.0, true, None);
    header_row(&mut w)?;
    for (i, (name, g)) in s.grades.iter().enumerate() {
        let mut reasons = reasons_text(&g.reasons, lang);
        if let Some(o) = &g.override_reason {
            reasons.push_str(if vi {
                "\nĐiều chỉnh: "
            } else {
                "\nOverride: "
            });
            reasons.push_str(o);
        }
        let pct = |v: f64| format!("{:.1}%", v * 100.0);
        let cells = vec![
            ((i + 1).to_string(), Align::Center),
            (name.clone(), Align::Left),
            (format!("{:.2}", g.common_score), Align::Center),
            (format!("{:.2}", g.task_score), Align::Center),
            (format!("{:.2}", g.bonus), Align::Center),
            (format!("{:.2}", g.total), Align::Center),
            (pct(g.quantity), Align::Center),
            (pct(g.quality), Align::Center),
            (pct(g.progress), Align::Center),
            (grade_label(&g.proposed_grade, lang), Align::Left),
            (
                g.final_grade
                    .as_deref()
                    .map(|f| grade_label(f, lang))
                    .unwrap_or_default(),
                Align::Left,
            ),
            (reasons, Align::Left),
        ];
        w.row(&cells, &WIDTHS, 8.0, false, Some(&header_row))?;
    }

    w.signatures(
        &print::date_line(today, lang),
        print::sheet_signatures(lang),
    )?;
    w.finish(lang)
}

/// One person's explained grade as a PDF: who, which round and policy, every score and figure
/// behind the grade, the reasons and the override, with the signature blocks.
pub fn explained_grade_pdf(
    g: &crate::db::grading::GradeRow,
    full_name: &str,
    round: &crate::db::grading::Round,
    unit: &crate::db::units::Unit,
    policy: &crate::db::grading::PolicyRow,
    lang: Lang,
    today: NaiveDate,
) -> AppResult<Vec<u8>> {
    let vi = lang == Lang::Vi;
    let title = if vi {
        "GIẢI TRÌNH KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI"
    } else {
        "EXPLANATION OF A GRADE"
    };
    let mut w = Writer::new(title)?;
    w.heading(&unit.name, None, title)?;
    w.y -= 6.0;

    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let hours = |m: i64| format!("{:.2} h ({m} min)", m as f64 / 60.0);
    let l = |vi_text: &'static str, en_text: &'static str| if vi { vi_text } else { en_text };
    let decided = g
        .final_grade
        .as_deref()
        .map(|f| grade_label(f, lang))
        .unwrap_or_else(|| l("Chưa quyết định", "Not decided").to_owned());
    let reasons = print::reasons(&g.reasons, lang)
        .iter()
        .map(|r| format!("- {r}"))
        .collect::<Vec<_>>()
        .join("\n");
    let rows: Vec<(&str, String)> = vec![
        (l("Họ và tên", "Full name"), full_name.to_owned()),
        (
            l("Đơn vị", "Unit"),
            format!("{} ({})", unit.name, unit.code),
        ),
        (l("Kỳ đánh giá", "Period"), round.period.clone()),
        (
            l("Chính sách", "Policy"),
            format!(
                "{}, {} {}",
                policy.code,
                l("phiên bản", "version"),
                policy.version
            ),
        ),
        (
            l("Tiêu chí chung (30)", "Common criteria (30)"),
            format!("{:.2}", g.common_score),
        ),
        (
            l("Kết quả nhiệm vụ (70)", "Task results (70)"),
            format!("{:.2}", g.task_score),
        ),
        (l("Điểm thưởng", "Bonus"), format!("{:.2}", g.bonus)),
        (l("Tổng điểm", "Total"), format!("{:.2}", g.total)),
        (l("Khối lượng", "Quantity"), pct(g.quantity)),
        (l("Chất lượng", "Quality"), pct(g.quality)),
        (l("Tiến độ", "Progress"), pct(g.progress)),
        (
            l("Thời gian theo định mức", "Expected time"),
            hours(g.expected),
        ),
        (
            l("Thời gian được ghi nhận", "Credited time"),
            hours(g.credited),
        ),
        (
            l("Ngày làm việc / ngày của kỳ", "Days worked / working days"),
            format!("{} / {}", g.worked_days, g.period_working_days),
        ),
        (l("Số lần làm lại", "Rework"), g.rework.to_string()),
        (
            l("Xếp loại đề xuất", "Proposed grade"),
            grade_label(&g.proposed_grade, lang),
        ),
        (l("Xếp loại quyết định", "Decided grade"), decided),
        (l("Lý do", "Reasons"), reasons),
        (
            l("Lý do điều chỉnh", "Override reason"),
            g.override_reason.clone().unwrap_or_default(),
        ),
    ];
    let widths = [70.0, 203.0];
    for (label, value) in rows {
        w.row(
            &[(label.to_owned(), Align::Left), (value, Align::Left)],
            &widths,
            9.0,
            false,
            None,
        )?;
    }
    w.signatures(
        &print::date_line(today, lang),
        print::explanation_signatures(lang),
    )?;
    w.finish(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_measured_and_wrapped_within_the_width() {
        let (doc, _, _) = PdfDocument::new("t", Mm(PAGE_W), Mm(PAGE_H), "1");
        let font = Font::load(&doc, REGULAR).expect("font");
        let wide = font.width("Hoàn thành xuất sắc nhiệm vụ", 10.0);
        assert!(wide > 40.0 && wide < 60.0, "{wide}");
        let lines = font.wrap(
            "Tổng điểm 76,98 đạt mức \"Hoàn thành tốt nhiệm vụ\"; Hạn mức 20% xuất sắc",
            8.0,
            40.0,
        );
        assert!(lines.len() >= 3, "{lines:?}");
        for l in &lines {
            assert!(font.width(l, 8.0) <= 40.0, "{l}");
        }
        // Every Vietnamese letter has a glyph in the embedded font.
        for c in "ẮẰẲẴẶắằẳẵặỆệỢợỰựĐđƯưƠơỹỸ".chars() {
            assert!(font.face.glyph_index(c).is_some(), "{c}");
        }
    }
}
