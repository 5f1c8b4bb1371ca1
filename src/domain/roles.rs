//! Roles a person can hold, and the checked set of them stored as text.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a person may do. Everyone who logs work has `staff`; a unit head also has `head`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Logs work in the diary.
    Staff,
    /// Heads a unit: approves entries, reads the unit's subtree.
    Head,
    /// Organisation department (Ban Tổ chức / Sở Nội vụ): catalogue, calendar, all units.
    Organisation,
    /// System administrator.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Head => "head",
            Role::Organisation => "organisation",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "staff" => Some(Role::Staff),
            "head" => Some(Role::Head),
            "organisation" => Some(Role::Organisation),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A non-empty set of roles, stored as comma-separated text in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleSet(BTreeSet<Role>);

impl RoleSet {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> RoleSet {
        RoleSet(roles.into_iter().collect())
    }

    /// Parses stored or imported text (`staff,head`, also `staff;head` or `staff head`).
    /// Unknown names are an error naming the first one.
    pub fn parse(text: &str) -> Result<RoleSet, String> {
        let mut set = BTreeSet::new();
        for name in text
            .split([',', ';', ' ', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            set.insert(Role::parse(name).ok_or_else(|| name.to_string())?);
        }
        Ok(RoleSet(set))
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_vec(&self) -> Vec<Role> {
        self.0.iter().copied().collect()
    }

    /// Organisation-wide reach: the organisation department and administrators.
    pub fn is_org_wide(&self) -> bool {
        self.contains(Role::Organisation) || self.contains(Role::Admin)
    }

    /// People who log work or head a unit must belong to a unit; only pure system accounts
    /// (admin / organisation without `staff`/`head`) may have none.
    pub fn requires_unit(&self) -> bool {
        self.contains(Role::Staff) || self.contains(Role::Head)
    }
}

impl fmt::Display for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|r| r.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_sets_round_trip_in_a_fixed_order() {
        let set = RoleSet::parse("head; staff").expect("valid");
        assert_eq!(set.to_string(), "staff,head");
        assert_eq!(RoleSet::parse(&set.to_string()), Ok(set));
    }

    #[test]
    fn unknown_role_is_named() {
        assert_eq!(RoleSet::parse("staff,boss"), Err("boss".to_string()));
    }

    #[test]
    fn who_needs_a_unit_and_who_is_org_wide() {
        let cases = [
            ("staff", true, false),
            ("head", true, false),
            ("admin", false, true),
            ("organisation", false, true),
            ("organisation,staff", true, true),
        ];
        for (text, needs_unit, org_wide) in cases {
            let set = RoleSet::parse(text).expect("valid");
            assert_eq!(set.requires_unit(), needs_unit, "{text}");
            assert_eq!(set.is_org_wide(), org_wide, "{text}");
        }
    }
}
