//! Vietnamese alphabetical order (thứ tự chữ cái tiếng Việt) for sorting names in reports.
//!
//! Byte or code-point order puts `Đ` after `Z` and `Á` after `B`; the Vietnamese alphabet is
//! `a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`. Tone marks are a *secondary*
//! difference: two words are first compared without tones, and only when those are equal does
//! the tone decide (no tone < huyền < hỏi < ngã < sắc < nặng). Case is ignored.

/// Primary rank of a space: words sort before longer words with the same beginning.
const SPACE: u32 = 1;
/// Digits rank after spaces and before letters.
const DIGIT_BASE: u32 = 2;
/// Letters start here; see `LETTERS`.
const LETTER_BASE: u32 = 100;
/// Anything else sorts after every letter, by code point.
const OTHER_BASE: u32 = 1_000;
/// Separates the primary from the secondary level (below every primary rank).
const LEVEL_SEPARATOR: u32 = 0;

/// Base letters in alphabet order. `f`, `j`, `w`, `z` are not Vietnamese letters but appear in
/// foreign names; they take their Latin places.
const LETTERS: &[char] = &[
    'a', 'ă', 'â', 'b', 'c', 'd', 'đ', 'e', 'ê', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'ô', 'ơ', 'p', 'q', 'r', 's', 't', 'u', 'ư', 'v', 'w', 'x', 'y', 'z',
];

/// Vowels with their tone forms: `[base, huyền, hỏi, ngã, sắc, nặng]` (lower case, precomposed).
const TONED: &[[char; 6]] = &[
    ['a', 'à', 'ả', 'ã', 'á', 'ạ'],
    ['ă', 'ằ', 'ẳ', 'ẵ', 'ắ', 'ặ'],
    ['â', 'ầ', 'ẩ', 'ẫ', 'ấ', 'ậ'],
    ['e', 'è', 'ẻ', 'ẽ', 'é', 'ẹ'],
    ['ê', 'ề', 'ể', 'ễ', 'ế', 'ệ'],
    ['i', 'ì', 'ỉ', 'ĩ', 'í', 'ị'],
    ['o', 'ò', 'ỏ', 'õ', 'ó', 'ọ'],
    ['ô', 'ồ', 'ổ', 'ỗ', 'ố', 'ộ'],
    ['ơ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ'],
    ['u', 'ù', 'ủ', 'ũ', 'ú', 'ụ'],
    ['ư', 'ừ', 'ử', 'ữ', 'ứ', 'ự'],
    ['y', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ'],
];

/// Tone marks in secondary order (index = tone rank), as combining characters, for text that
/// arrives decomposed (NFD) from some keyboards and browsers.
const COMBINING_TONES: [char; 6] = [
    '\u{0000}', // no tone (placeholder, never matched)
    '\u{0300}', // huyền
    '\u{0309}', // hỏi
    '\u{0303}', // ngã
    '\u{0301}', // sắc
    '\u{0323}', // nặng
];

/// One letter split into its base letter and its tone rank (0 = no tone).
fn split_tone(c: char) -> (char, u32) {
    for forms in TONED {
        if let Some(tone) = forms.iter().position(|&f| f == c) {
            return (forms[0], tone as u32);
        }
    }
    (c, 0)
}

/// A combining mark that changes the base letter (breve, circumflex, horn) applied to `base`.
fn with_modifier(base: char, mark: char) -> Option<char> {
    match (base, mark) {
        ('a', '\u{0306}') => Some('ă'),
        ('a', '\u{0302}') => Some('â'),
        ('e', '\u{0302}') => Some('ê'),
        ('o', '\u{0302}') => Some('ô'),
        ('o', '\u{031B}') => Some('ơ'),
        ('u', '\u{031B}') => Some('ư'),
        _ => None,
    }
}

fn primary_rank(base: char) -> u32 {
    if base.is_whitespace() {
        return SPACE;
    }
    if let Some(d) = base.to_digit(10) {
        return DIGIT_BASE + d;
    }
    match LETTERS.iter().position(|&l| l == base) {
        Some(i) => LETTER_BASE + i as u32,
        None => OTHER_BASE + u32::from(base),
    }
}

/// A sort key: comparing keys (`Vec<u32>` order) compares strings in Vietnamese alphabetical
/// order, case-insensitively, with tones as a secondary difference.
///
/// Layout: the primary ranks of every character, a separator (0, below every rank, so that a
/// prefix sorts first), then the tone rank of every character.
pub fn vietnamese_sort_key(s: &str) -> Vec<u32> {
    // (base letter, tone) per visible character, after folding case and combining marks.
    let mut letters: Vec<(char, u32)> = Vec::with_capacity(s.len());
    let mut previous_space = true;
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        if let Some(tone) = COMBINING_TONES.iter().skip(1).position(|&m| m == c) {
            if let Some(last) = letters.last_mut() {
                last.1 = tone as u32 + 1;
            }
            continue;
        }
        if let Some(last) = letters.last_mut() {
            if let Some(modified) = with_modifier(last.0, c) {
                last.0 = modified;
                continue;
            }
        }
        if c.is_whitespace() {
            // Runs of blanks count once: "Lê  Văn" sorts like "Lê Văn".
            if previous_space {
                continue;
            }
            previous_space = true;
            letters.push((' ', 0));
            continue;
        }
        previous_space = false;
        letters.push(split_tone(c));
    }
    let mut key = Vec::with_capacity(letters.len() * 2 + 1);
    key.extend(letters.iter().map(|&(base, _)| primary_rank(base)));
    key.push(LEVEL_SEPARATOR);
    key.extend(letters.iter().map(|&(_, tone)| tone));
    key
}

/// Compares two strings in Vietnamese alphabetical order.
pub fn vietnamese_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    vietnamese_sort_key(a).cmp(&vietnamese_sort_key(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn pairs_compare_in_vietnamese_order() {
        // (name, left, right, expected order of left vs right)
        let cases = [
            ("đ after d", "Đặng", "Dương", Ordering::Greater),
            ("đ after every d word", "Đa", "Dy", Ordering::Greater),
            ("accented A before B", "Ánh", "Bình", Ordering::Less),
            ("ơ after ô", "Ơn", "Ông", Ordering::Greater),
            ("ô after o", "Ông", "Ong", Ordering::Greater),
            ("ă between a and â", "Ăn", "An", Ordering::Greater),
            ("â after ă", "Ân", "Ăn", Ordering::Greater),
            ("ư after u", "Ưng", "Uyên", Ordering::Greater),
            ("ê after e", "Ê", "Em", Ordering::Greater),
            ("case-insensitive", "NGUYỄN", "nguyễn", Ordering::Equal),
            ("prefix first", "An", "Anh", Ordering::Less),
            ("word boundary first", "Lê Văn", "Lêa", Ordering::Less),
            ("tone is secondary", "Hà B", "Ha C", Ordering::Less),
            (
                "tone decides only on a primary tie",
                "Hà B",
                "Ha B",
                Ordering::Greater,
            ),
            ("no tone before huyền", "Ma", "Mà", Ordering::Less),
            ("huyền before hỏi", "Mà", "Mả", Ordering::Less),
            ("hỏi before ngã", "Mả", "Mã", Ordering::Less),
            ("ngã before sắc", "Mã", "Má", Ordering::Less),
            ("sắc before nặng", "Má", "Mạ", Ordering::Less),
            ("letters beat tones", "Mạ", "Mb", Ordering::Less),
            (
                "decomposed equals precomposed",
                "Nguye\u{0302}\u{0303}n",
                "Nguyễn",
                Ordering::Equal,
            ),
            (
                "decomposed horn",
                "Tru\u{031B}\u{0300}ng",
                "Trừng",
                Ordering::Equal,
            ),
            (
                "doubled blanks ignored",
                "Lê  Văn",
                "Lê Văn",
                Ordering::Equal,
            ),
            ("foreign f between ê and g", "Fa", "Gà", Ordering::Less),
            ("foreign f after ê", "Fa", "Ếch", Ordering::Greater),
        ];
        for (name, left, right, expected) in cases {
            assert_eq!(
                vietnamese_cmp(left, right),
                expected,
                "{name}: {left} vs {right}"
            );
        }
    }

    #[test]
    fn a_list_sorts_like_a_vietnamese_register() {
        let mut names = vec![
            "Trần Văn Bình",
            "Đặng Thị Mai",
            "Ông Văn Tâm",
            "Ánh Dương",
            "Bùi Hà",
            "Dương Quốc Việt",
            "Ơn Thị Hoa",
            "Âu Cơ",
            "Lê Văn Hưng",
            "Nguyễn Thị Ánh",
            "Ăng Văn Tư",
        ];
        names.sort_by(|a, b| vietnamese_cmp(a, b));
        assert_eq!(
            names,
            [
                "Ánh Dương",
                "Ăng Văn Tư",
                "Âu Cơ",
                "Bùi Hà",
                "Dương Quốc Việt",
                "Đặng Thị Mai",
                "Lê Văn Hưng",
                "Nguyễn Thị Ánh",
                "Ông Văn Tâm",
                "Ơn Thị Hoa",
                "Trần Văn Bình",
            ]
        );
    }

    #[test]
    fn every_toned_vowel_folds_to_its_base() {
        for forms in TONED {
            for (tone, &c) in forms.iter().enumerate() {
                assert_eq!(split_tone(c), (forms[0], tone as u32), "{c}");
                let upper: String = c.to_uppercase().collect();
                assert_eq!(
                    vietnamese_sort_key(&upper),
                    vietnamese_sort_key(&c.to_string()),
                    "{upper}"
                );
            }
        }
    }
}
