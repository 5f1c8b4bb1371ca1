//! Who may see what: the visibility rule of the organisation, as a pure function of the caller's
//! roles, their own id and unit path, and the subtrees they head.

use super::org::in_subtree;
use super::roles::RoleSet;

/// What the service knows about a caller when deciding visibility.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub staff_id: i64,
    pub roles: RoleSet,
    /// The caller's own unit, if any.
    pub unit_id: Option<i64>,
    /// Path of the caller's own unit, if any.
    pub unit_path: Option<String>,
    /// Roots of the subtrees the caller heads (their own unit when they hold `head`, and every
    /// unit whose `head_id` is them).
    pub headed_paths: Vec<String>,
}

impl Viewer {
    pub fn is_org_wide(&self) -> bool {
        self.roles.is_org_wide()
    }

    /// Heads and the organisation read a subtree; plain staff read only their own unit.
    pub fn can_see_unit(&self, path: &str) -> bool {
        self.is_org_wide()
            || self.headed_paths.iter().any(|root| in_subtree(path, root))
            || self.unit_path.as_deref() == Some(path)
    }

    /// Staff read themselves; heads read people in their subtrees; the organisation reads all.
    /// `unit_path` is the path of the other person's unit (None for unit-less system accounts).
    pub fn can_see_person(&self, staff_id: i64, unit_path: Option<&str>) -> bool {
        if self.is_org_wide() || staff_id == self.staff_id {
            return true;
        }
        match unit_path {
            Some(p) => self.headed_paths.iter().any(|root| in_subtree(p, root)),
            None => false,
        }
    }

    /// The viewer heads a subtree that contains the unit at `path`.
    pub fn heads(&self, path: &str) -> bool {
        self.headed_paths.iter().any(|root| in_subtree(path, root))
    }

    /// The viewer manages the unit at `path`: the organisation department, or a head of a subtree
    /// containing it (opens its grading round, reads its KPI, approval queue and reports).
    pub fn manages_unit(&self, path: &str) -> bool {
        self.is_org_wide() || self.heads(path)
    }

    /// Only the organisation department and administrators change the organisation and catalogue.
    pub fn can_manage_organisation(&self) -> bool {
        self.is_org_wide()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(roles: &str, unit: Option<&str>, headed: &[&str]) -> Viewer {
        Viewer {
            staff_id: 7,
            roles: RoleSet::parse(roles).expect("roles"),
            unit_id: None,
            unit_path: unit.map(str::to_string),
            headed_paths: headed.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn visibility_table() {
        let staff = viewer("staff", Some("/1/2/"), &[]);
        let head = viewer("staff,head", Some("/1/2/"), &["/1/2/"]);
        let org = viewer("organisation", None, &[]);
        // (viewer, other person id, their unit path, expected)
        let cases: Vec<(&Viewer, i64, Option<&str>, bool)> = vec![
            (&staff, 7, Some("/1/2/"), true),
            (&staff, 8, Some("/1/2/"), false),
            (&head, 8, Some("/1/2/"), true),
            (&head, 8, Some("/1/2/9/"), true),
            (&head, 8, Some("/1/3/"), false),
            (&head, 8, Some("/1/"), false),
            (&head, 8, None, false),
            (&org, 8, Some("/4/"), true),
            (&org, 8, None, true),
        ];
        for (v, id, path, expected) in cases {
            assert_eq!(v.can_see_person(id, path), expected, "{v:?} {id} {path:?}");
        }
    }

    #[test]
    fn units_visible_by_role() {
        let staff = viewer("staff", Some("/1/2/"), &[]);
        let head = viewer("staff,head", Some("/1/2/"), &["/1/2/"]);
        assert!(staff.can_see_unit("/1/2/"));
        assert!(!staff.can_see_unit("/1/2/9/"));
        assert!(!staff.can_see_unit("/1/"));
        assert!(head.can_see_unit("/1/2/9/"));
        assert!(!head.can_see_unit("/1/3/"));
        assert!(!staff.can_manage_organisation());
        assert!(!head.can_manage_organisation());
        assert!(viewer("admin", None, &[]).can_manage_organisation());
        assert!(head.manages_unit("/1/2/9/"));
        assert!(!head.manages_unit("/1/"));
        assert!(!head.heads("/1/20/"));
        assert!(!staff.manages_unit("/1/2/"));
        assert!(viewer("organisation", None, &[]).manages_unit("/7/"));
    }
}
