//! The organisation tree: unit levels, materialised paths and the rule that a unit can never
//! become its own ancestor. Also the bounds of a weekly contract.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Level of a unit in the tree (used to break reports down, e.g. district offices vs wards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    /// Tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Sở, ban, ngành.
    Department,
    /// Quận, huyện, thị xã, thành phố thuộc tỉnh.
    District,
    /// Phường, xã, thị trấn.
    Ward,
    /// Phòng, văn phòng, đơn vị trực thuộc.
    Office,
}

impl UnitLevel {
    pub const ALL: [UnitLevel; 5] = [
        UnitLevel::Province,
        UnitLevel::Department,
        UnitLevel::District,
        UnitLevel::Ward,
        UnitLevel::Office,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitLevel::Province => "province",
            UnitLevel::Department => "department",
            UnitLevel::District => "district",
            UnitLevel::Ward => "ward",
            UnitLevel::Office => "office",
        }
    }

    pub fn parse(s: &str) -> Option<UnitLevel> {
        UnitLevel::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }
}

/// The materialised path of a unit: its ancestors' ids and its own, `/1/5/12/`.
pub fn unit_path(parent_path: Option<&str>, id: i64) -> String {
    format!("{}{id}/", parent_path.unwrap_or("/"))
}

/// True when `path` lies in the subtree rooted at `root_path` (a unit is in its own subtree).
pub fn in_subtree(path: &str, root_path: &str) -> bool {
    path.starts_with(root_path)
}

/// Moving `unit_path` under `new_parent_path` would make the unit its own ancestor.
pub fn move_creates_cycle(unit_path: &str, new_parent_path: &str) -> bool {
    in_subtree(new_parent_path, unit_path)
}

/// Weekly contract hours accepted by the service: more than 0, at most 48 (Labour Code cap).
pub const MAX_WEEKLY_MINUTES: i32 = 48 * 60;

/// Converts contract hours (may be fractional, e.g. 37.5) to whole minutes, rejecting
/// anything outside (0, 48] hours.
pub fn weekly_minutes_from_hours(hours: f64) -> Option<i32> {
    if !hours.is_finite() || hours <= 0.0 {
        return None;
    }
    let minutes = (hours * 60.0).round();
    if minutes < 1.0 || minutes > f64::from(MAX_WEEKLY_MINUTES) {
        return None;
    }
    Some(minutes as i32)
}

/// The standard contract: 40 hours a week.
pub const DEFAULT_WEEKLY_MINUTES: i32 = 40 * 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_and_subtrees_include_the_root() {
        let root = unit_path(None, 1);
        let child = unit_path(Some(&root), 5);
        let grandchild = unit_path(Some(&child), 12);
        assert_eq!(grandchild, "/1/5/12/");
        assert!(in_subtree(&grandchild, &root));
        assert!(in_subtree(&child, &child));
        assert!(!in_subtree(&root, &child));
        // `/1/5/` must not match `/1/50/`: the trailing slash is what keeps ids apart.
        assert!(!in_subtree("/1/50/", "/1/5/"));
    }

    #[test]
    fn a_unit_cannot_move_under_itself_or_a_descendant() {
        assert!(move_creates_cycle("/1/5/", "/1/5/"));
        assert!(move_creates_cycle("/1/5/", "/1/5/12/"));
        assert!(!move_creates_cycle("/1/5/", "/1/"));
        assert!(!move_creates_cycle("/1/5/", "/1/50/"));
    }

    #[test]
    fn contract_hours_are_bounded() {
        let cases = [
            (40.0, Some(2400)),
            (37.5, Some(2250)),
            (20.0, Some(1200)),
            (48.0, Some(2880)),
            (48.5, None),
            (0.0, None),
            (-1.0, None),
            (f64::NAN, None),
        ];
        for (hours, expected) in cases {
            assert_eq!(weekly_minutes_from_hours(hours), expected, "{hours}");
        }
    }

    #[test]
    fn levels_parse_by_code() {
        for level in UnitLevel::ALL {
            assert_eq!(UnitLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(UnitLevel::parse("galaxy"), None);
    }
}

/// Codes of units and products: 1 to 32 characters of letters, digits, `_`, `-`, `.`.
pub fn is_valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Usernames: 2 to 64 characters of lowercase letters, digits, `.`, `_`, `-`, `@`.
pub fn is_valid_username(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
        })
}

/// Display names (Vietnamese, any Unicode): 1 to 200 characters once trimmed.
pub fn is_valid_name(name: &str) -> bool {
    let n = name.trim().chars().count();
    (1..=200).contains(&n)
}

/// Passwords: 8 to 128 characters.
pub fn is_valid_password(password: &str) -> bool {
    (8..=128).contains(&password.chars().count())
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn codes_usernames_and_names() {
        assert!(is_valid_code("UBND-HG.01"));
        assert!(!is_valid_code(""));
        assert!(!is_valid_code("có dấu"));
        assert!(!is_valid_code(&"X".repeat(33)));
        assert!(is_valid_username("nguyen.van.a"));
        assert!(!is_valid_username("Nguyen"));
        assert!(!is_valid_username("a"));
        assert!(is_valid_name("Nguyễn Thị Ánh"));
        assert!(!is_valid_name("   "));
        assert!(is_valid_password("mật-khẩu"));
        assert!(!is_valid_password("short"));
    }
}
