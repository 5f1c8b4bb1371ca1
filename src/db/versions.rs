//! The stored version of a versioned resource, for `If-Match: *` and lists of tags: the route
//! resolves the condition against it, and the service still checks the version it is given in
//! its own transaction (a write in between still answers 412).

use diesel::prelude::*;

use super::schema::{entries, products, staff, tasks, units};
use super::DbConnection;

/// The resources that carry a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    Entry,
    Unit,
    Staff,
    Product,
    Task,
}

/// The current version of one row (None when it does not exist; visibility is the service's).
pub fn current(conn: &mut DbConnection, what: Versioned, id: i64) -> QueryResult<Option<i64>> {
    match what {
        Versioned::Entry => entries::table
            .find(id)
            .select(entries::version)
            .first(conn)
            .optional(),
        Versioned::Unit => units::table
            .find(id)
            .select(units::version)
            .first(conn)
            .optional(),
        Versioned::Staff => staff::table
            .find(id)
            .select(staff::version)
            .first(conn)
            .optional(),
        Versioned::Product => products::table
            .find(id)
            .select(products::version)
            .first(conn)
            .optional(),
        Versioned::Task => tasks::table
            .find(id)
            .select(tasks::version)
            .first(conn)
            .optional(),
    }
}
