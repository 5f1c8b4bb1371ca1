//! Library error messages (serde, serde_json, serde_urlencoded, chrono, integer parsing) in the
//! client's language: the texts a client can cause with a wrong body or query, mapped by kind to
//! Vietnamese and English sentences (`invalid type: string "60", expected i32` →
//! `Sai kiểu dữ liệu: nhận chuỗi "60", cần số nguyên.`).

use crate::i18n::Text;

/// The Vietnamese name of what serde says it got (`string "60"`, `integer `5``...).
fn got_vi(got: &str) -> String {
    let got = got.trim();
    let table = [
        ("string ", "chuỗi "),
        ("integer ", "số nguyên "),
        ("floating point ", "số thập phân "),
        ("boolean ", "giá trị đúng/sai "),
        ("character ", "ký tự "),
    ];
    for (en, vi) in table {
        if let Some(rest) = got.strip_prefix(en) {
            return format!("{vi}{}", rest.replace('`', ""));
        }
    }
    match got {
        "null" => "null".to_owned(),
        "map" => "đối tượng".to_owned(),
        "sequence" => "mảng".to_owned(),
        "unit value" => "giá trị rỗng".to_owned(),
        other => other.replace('`', ""),
    }
}

/// The Vietnamese name of what serde expected (`i32`, `a string`, `struct X`...).
fn expected_vi(expected: &str) -> String {
    let e = expected.trim();
    let e = e
        .strip_prefix("a ")
        .or_else(|| e.strip_prefix("an "))
        .unwrap_or(e);
    let ints = [
        "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "usize", "isize",
    ];
    if ints.contains(&e) {
        return "số nguyên".to_owned();
    }
    if e == "f32" || e == "f64" {
        return "số".to_owned();
    }
    if e.starts_with("string") || e.starts_with("borrowed string") {
        return "chuỗi".to_owned();
    }
    if e.starts_with("boolean") {
        return "true hoặc false".to_owned();
    }
    if e.starts_with("sequence") {
        return "mảng".to_owned();
    }
    if e.starts_with("struct ") || e.starts_with("map") {
        return "đối tượng".to_owned();
    }
    if e.contains("date") || e.contains("NaiveDate") {
        return "ngày dạng YYYY-MM-DD".to_owned();
    }
    if let Some(rest) = e.strip_prefix("one of ") {
        return format!("một trong {rest}");
    }
    e.to_owned()
}

/// `msg` with the " at line L column C" position suffix of serde_json removed.
fn strip_position(msg: &str) -> &str {
    msg.split(" at line ").next().unwrap_or(msg).trim()
}

/// Translates one library message; unknown texts are kept (in English) behind a Vietnamese
/// sentence that says what kind of problem it is.
pub fn translate(msg: &str) -> Text {
    let m = strip_position(msg);
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return Text::new(
                format!(
                    "Sai kiểu dữ liệu: nhận {}, cần {}.",
                    got_vi(got),
                    expected_vi(expected)
                ),
                format!("Wrong type: got {got}, expected {expected}."),
            );
        }
    }
    if let Some(rest) = m.strip_prefix("invalid value: ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return Text::new(
                format!(
                    "Giá trị không hợp lệ: nhận {}, cần {}.",
                    got_vi(got),
                    expected_vi(expected)
                ),
                format!("Invalid value: got {got}, expected {expected}."),
            );
        }
    }
    if let Some(rest) = m.strip_prefix("invalid length ") {
        if let Some((n, expected)) = rest.split_once(", expected ") {
            return Text::new(
                format!("Độ dài không hợp lệ: {n} phần tử, cần {expected}."),
                format!("Invalid length {n}, expected {expected}."),
            );
        }
    }
    if let Some(rest) = m.strip_prefix("unknown field `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = tail
            .trim_start_matches(", expected ")
            .trim_start_matches("one of ");
        let (vi_allowed, en_allowed) = if allowed.is_empty() || tail.contains("there are no fields")
        {
            (String::new(), String::new())
        } else {
            (
                format!(" Các trường hợp lệ: {allowed}."),
                format!(" Expected one of {allowed}."),
            )
        };
        return Text::new(
            format!("Trường `{name}` không được hỗ trợ.{vi_allowed}"),
            format!("Unknown field `{name}`.{en_allowed}"),
        );
    }
    if let Some(rest) = m.strip_prefix("unknown variant `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = tail
            .trim_start_matches(", expected ")
            .trim_start_matches("one of ");
        return Text::new(
            format!("Giá trị `{name}` không nằm trong danh sách cho phép: {allowed}."),
            format!("Unknown value `{name}`, expected one of {allowed}."),
        );
    }
    if let Some(rest) = m.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return Text::new(
            format!("Thiếu trường bắt buộc `{name}`."),
            format!("Missing field `{name}`."),
        );
    }
    if let Some(rest) = m.strip_prefix("duplicate field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return Text::new(
            format!("Trường `{name}` xuất hiện hai lần."),
            format!("Duplicate field `{name}`."),
        );
    }
    // chrono's parse errors (dates and times).
    match m {
        "input is out of range" => {
            return Text::new(
                "Ngày hoặc giờ nằm ngoài phạm vi cho phép (ví dụ ngày 31/02).",
                "The date or time is out of range (e.g. 31 February).",
            )
        }
        "input contains invalid characters"
        | "premature end of input"
        | "trailing input"
        | "input is not enough for unique date and time"
        | "bad or unsupported format string" => {
            return Text::new(
                "Ngày không đúng định dạng YYYY-MM-DD.",
                "The date is not in the YYYY-MM-DD format.",
            )
        }
        // Integer and float parsing (query strings).
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            return Text::new("Cần một số nguyên.", "Expected a whole number.")
        }
        "number too large to fit in target type" | "number too small to fit in target type" => {
            return Text::new(
                "Số nằm ngoài phạm vi cho phép.",
                "The number is out of range.",
            )
        }
        "invalid float literal" => return Text::new("Cần một số.", "Expected a number."),
        "provided string was not `true` or `false`" => {
            return Text::new("Cần true hoặc false.", "Expected true or false.")
        }
        _ => {}
    }
    Text::new(
        format!("Dữ liệu không đúng định dạng ({m})."),
        format!("Malformed data: {m}."),
    )
}

/// The field a library message names, if any (`missing field `x``, `unknown field `x``,
/// `duplicate field `x``).
pub fn named_field(msg: &str) -> Option<String> {
    let m = strip_position(msg);
    for prefix in ["missing field `", "unknown field `", "duplicate field `"] {
        if let Some(rest) = m.strip_prefix(prefix) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vi(msg: &str) -> String {
        translate(msg).vi.to_string()
    }

    #[test]
    fn common_library_messages_read_in_vietnamese() {
        let table = [
            (
                "invalid type: string \"60\", expected i32 at line 1 column 12",
                "Sai kiểu dữ liệu: nhận chuỗi \"60\", cần số nguyên.",
            ),
            (
                "invalid type: integer `5`, expected a string",
                "Sai kiểu dữ liệu: nhận số nguyên 5, cần chuỗi.",
            ),
            (
                "unknown field `bogus`, expected one of `work_date`, `minutes`",
                "Trường `bogus` không được hỗ trợ. Các trường hợp lệ: `work_date`, `minutes`.",
            ),
            ("missing field `reason`", "Thiếu trường bắt buộc `reason`."),
            (
                "unknown variant `weekly`, expected one of `hours`, `norm`",
                "Giá trị `weekly` không nằm trong danh sách cho phép: `hours`, `norm`.",
            ),
            (
                "input is out of range",
                "Ngày hoặc giờ nằm ngoài phạm vi cho phép (ví dụ ngày 31/02).",
            ),
            ("invalid digit found in string", "Cần một số nguyên."),
        ];
        for (en, want) in table {
            assert_eq!(vi(en), want, "{en}");
        }
        // Nothing English-only is left in the Vietnamese text of the known kinds.
        assert!(!vi("invalid type: string \"60\", expected i32").contains("invalid type"));
        assert_eq!(
            named_field("missing field `reason`").as_deref(),
            Some("reason")
        );
        assert_eq!(named_field("invalid digit found in string"), None);
        assert_eq!(
            translate("invalid type: string \"60\", expected i32").en,
            "Wrong type: got string \"60\", expected i32."
        );
    }
}
