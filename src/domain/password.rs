//! Password policy per NIST SP 800-63B §5.1.1.2: a minimum length, no composition rules, and
//! refusal of passwords that are common or derived from the account name. Length counts
//! characters (Unicode scalar values), so Vietnamese passphrases count as they read.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The default shortest password (`auth.min_password_length`).
pub const DEFAULT_MIN_LENGTH: usize = 10;
/// No configuration may go below this (NIST SP 800-63B's minimum).
pub const ABSOLUTE_MIN_LENGTH: usize = 8;
/// The longest accepted password (NIST: at least 64 must be allowed).
pub const MAX_LENGTH: usize = 128;

/// About four thousand passwords that appear most in breach corpora (the zxcvbn project's
/// frequency list, MIT), plus common Vietnamese ones; compared case-insensitively.
const COMMON: &str = include_str!("common_passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordIssue {
    TooShort {
        min: usize,
    },
    TooLong,
    /// The username (or the username with only case or digits around it).
    ContainsUsername,
    /// In the list of common passwords.
    Common,
}

impl PasswordIssue {
    pub fn code(self) -> &'static str {
        match self {
            PasswordIssue::TooShort { .. } | PasswordIssue::TooLong => "length",
            PasswordIssue::ContainsUsername => "contains_username",
            PasswordIssue::Common => "common_password",
        }
    }

    pub fn message_vi(self) -> String {
        match self {
            PasswordIssue::TooShort { min } => format!("Mật khẩu phải có ít nhất {min} ký tự."),
            PasswordIssue::TooLong => format!("Mật khẩu dài tối đa {MAX_LENGTH} ký tự."),
            PasswordIssue::ContainsUsername => {
                "Mật khẩu không được là (hoặc chứa) tên đăng nhập.".to_string()
            }
            PasswordIssue::Common => {
                "Mật khẩu này quá phổ biến (nằm trong danh sách mật khẩu hay bị lộ); hãy chọn mật khẩu khác."
                    .to_string()
            }
        }
    }

    pub fn message_en(self) -> String {
        match self {
            PasswordIssue::TooShort { min } => {
                format!("The password must be at least {min} characters long.")
            }
            PasswordIssue::TooLong => format!("The password must be at most {MAX_LENGTH} characters."),
            PasswordIssue::ContainsUsername => {
                "The password must not be (or contain) the username.".to_string()
            }
            PasswordIssue::Common => {
                "This password is too common (it is on a list of breached passwords); choose another."
                    .to_string()
            }
        }
    }
}

/// Checks a new password for `username`. No composition rules (NIST): length, the username and
/// the common list only.
pub fn check_password(
    password: &str,
    username: &str,
    min_length: usize,
) -> Result<(), PasswordIssue> {
    let length = password.chars().count();
    if length < min_length {
        return Err(PasswordIssue::TooShort { min: min_length });
    }
    if length > MAX_LENGTH {
        return Err(PasswordIssue::TooLong);
    }
    let lower = password.to_lowercase();
    let user = username.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        return Err(PasswordIssue::ContainsUsername);
    }
    if common().contains(lower.as_str()) {
        return Err(PasswordIssue::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_shipped_and_large() {
        assert!(common().len() > 3000, "{}", common().len());
        assert!(common().contains("password"));
        assert!(common().contains("1234567890"));
    }

    #[test]
    fn policy_table() {
        let cases: Vec<(&str, &str, Result<(), PasswordIssue>)> = vec![
            ("12345678", "an", Err(PasswordIssue::TooShort { min: 10 })),
            ("password", "an", Err(PasswordIssue::TooShort { min: 10 })),
            ("1234567890", "an", Err(PasswordIssue::Common)),
            ("QwertyUiop", "an", Err(PasswordIssue::Common)),
            ("Password123", "an", Err(PasswordIssue::Common)),
            (
                "nguyenvana2026",
                "nguyenvana",
                Err(PasswordIssue::ContainsUsername),
            ),
            (
                "NguyenVanA!!",
                "nguyenvana",
                Err(PasswordIssue::ContainsUsername),
            ),
            // No composition rules: a long lowercase passphrase is fine, and so is Vietnamese.
            ("ngua o dau ben song", "an", Ok(())),
            ("mật khẩu dài", "an", Ok(())),
            ("Mat-khau-123", "s1", Ok(())),
        ];
        for (password, user, expected) in cases {
            assert_eq!(check_password(password, user, 10), expected, "{password:?}");
        }
        // Ten Vietnamese characters are ten, not their UTF-8 bytes.
        assert_eq!(
            check_password("mậtkhẩu", "an", 10),
            Err(PasswordIssue::TooShort { min: 10 })
        );
        assert_eq!(
            check_password(&"x".repeat(129), "an", 10),
            Err(PasswordIssue::TooLong)
        );
        assert!(check_password("abcdefgh", "an", 8).is_ok());
    }
}
