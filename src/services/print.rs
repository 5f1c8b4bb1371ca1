//! The words printed documents share, in the caller's language: the national heading, grade
//! labels, reasons, a round's state and subtitle, the place-and-date line, signature blocks and
//! page numbers. The XLSX grading sheet (`sheets`) and the PDFs (`pdf`) lay them out; what they
//! say is written once here.

use chrono::{Datelike, NaiveDate};

use super::exports::RoundSheet;
use crate::domain::grading::{Grade, Reason};
use crate::i18n::Lang;

/// The country's name on the national heading.
pub const NATIONAL_NAME: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// The motto under it (underlined).
pub const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";

/// Picks the text of `lang`.
pub fn pick<'a>(lang: Lang, vi: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The label of a grade code (an unknown code reads as not graded).
pub fn grade_label(code: &str, lang: Lang) -> String {
    let g = Grade::parse(code).unwrap_or(Grade::NotGraded);
    pick(lang, g.label_vi(), g.label_en()).to_owned()
}

/// The reasons of a grade (stored as JSON), each as a sentence.
pub fn reasons(json: &str, lang: Lang) -> Vec<String> {
    let reasons: Vec<Reason> = serde_json::from_str(json).unwrap_or_default();
    reasons
        .iter()
        .map(|r| match lang {
            Lang::Vi => r.message_vi(),
            Lang::En => r.message_en(),
        })
        .collect()
}

/// The reasons of a grade on one line, separated by `; `.
pub fn reasons_text(json: &str, lang: Lang) -> String {
    reasons(json, lang).join("; ")
}

/// A round's state as printed.
pub fn round_state_label(state: &str, lang: Lang) -> &str {
    match state {
        "open" => pick(lang, "Đang đánh giá", "Open"),
        "decided" => pick(lang, "Đã quyết định", "Decided"),
        "published" => pick(lang, "Đã công bố", "Published"),
        other => other,
    }
}

/// The grading sheet's title.
pub fn grading_sheet_title(lang: Lang) -> &'static str {
    pick(
        lang,
        "BẢNG TỔNG HỢP ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG",
        "SUMMARY OF QUALITY ASSESSMENT AND GRADING",
    )
}

/// The line under the grading sheet's title: period, policy version and the round's state.
pub fn round_subtitle(s: &RoundSheet, lang: Lang) -> String {
    let state = round_state_label(&s.round.state, lang);
    match lang {
        Lang::Vi => format!(
            "Kỳ đánh giá: {} · Chính sách: {}, phiên bản {} · Trạng thái: {}",
            s.round.period, s.policy.code, s.policy.version, state
        ),
        Lang::En => format!(
            "Period: {} · Policy: {}, version {} · State: {}",
            s.round.period, s.policy.code, s.policy.version, state
        ),
    }
}

/// "Mã đơn vị: CODE" / "Unit code: CODE".
pub fn unit_code_line(code: &str, lang: Lang) -> String {
    format!("{}: {code}", pick(lang, "Mã đơn vị", "Unit code"))
}

/// The place-and-date line above the signatures (the place is left to be written by hand).
pub fn date_line(today: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!(
            "..............., ngày {:02} tháng {:02} năm {}",
            today.day(),
            today.month(),
            today.year()
        ),
        Lang::En => format!("..............., {}", today.format("%d %B %Y")),
    }
}

/// A signature block: who signs, and the hint under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub role: &'static str,
    pub hint: &'static str,
}

/// The grading sheet's signatures: the person who drew it up (left), the head of the unit (right,
/// with the seal).
pub fn sheet_signatures(lang: Lang) -> [Signature; 2] {
    [
        Signature {
            role: pick(lang, "NGƯỜI LẬP BIỂU", "PREPARED BY"),
            hint: pick(lang, "(Ký, ghi rõ họ tên)", "(Signature and full name)"),
        },
        Signature {
            role: pick(lang, "THỦ TRƯỞNG ĐƠN VỊ", "HEAD OF UNIT"),
            hint: pick(
                lang,
                "(Ký, ghi rõ họ tên, đóng dấu)",
                "(Signature, full name and seal)",
            ),
        },
    ]
}

/// An explained grade's signatures: the assessed person (left), the head of the unit (right).
pub fn explanation_signatures(lang: Lang) -> [Signature; 2] {
    let hint = pick(lang, "(Ký, ghi rõ họ tên)", "(Signature and full name)");
    [
        Signature {
            role: pick(lang, "NGƯỜI ĐƯỢC ĐÁNH GIÁ", "ASSESSED PERSON"),
            hint,
        },
        Signature {
            role: pick(lang, "THỦ TRƯỞNG ĐƠN VỊ", "HEAD OF UNIT"),
            hint,
        },
    ]
}

/// "Trang i/n" / "Page i of n".
pub fn page_number(i: usize, n: usize, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!("Trang {i}/{n}"),
        Lang::En => format!("Page {i} of {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_follow_the_language() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).expect("date");
        assert_eq!(
            date_line(day, Lang::Vi),
            "..............., ngày 05 tháng 03 năm 2026"
        );
        assert_eq!(date_line(day, Lang::En), "..............., 05 March 2026");
        assert_eq!(round_state_label("decided", Lang::Vi), "Đã quyết định");
        assert_eq!(round_state_label("published", Lang::En), "Published");
        assert_eq!(round_state_label("odd", Lang::En), "odd");
        assert_eq!(page_number(2, 3, Lang::Vi), "Trang 2/3");
        assert_eq!(page_number(2, 3, Lang::En), "Page 2 of 3");
        assert_eq!(sheet_signatures(Lang::Vi)[0].role, "NGƯỜI LẬP BIỂU");
        assert_eq!(
            sheet_signatures(Lang::Vi)[1].hint,
            "(Ký, ghi rõ họ tên, đóng dấu)"
        );
        assert_eq!(explanation_signatures(Lang::En)[0].role, "ASSESSED PERSON");
        assert_eq!(
            grade_label("nonsense", Lang::En),
            Grade::NotGraded.label_en()
        );
        assert_eq!(reasons_text("not json", Lang::Vi), "");
    }
}
