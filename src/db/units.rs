//! Queries of the organisation tree.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::units;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<i64>,
    pub head_id: Option<i64>,
    pub path: String,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = units)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub level: &'a str,
    pub parent_id: Option<i64>,
    pub head_id: Option<i64>,
    pub path: &'a str,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts a unit under `parent_path` and sets its materialised path; returns its id.
pub fn insert(
    conn: &mut DbConnection,
    new: NewUnit<'_>,
    parent_path: Option<&str>,
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(units::table)
        .values(&new)
        .returning(units::id)
        .get_result(conn)?;
    let path = crate::domain::org::unit_path(parent_path, id);
    diesel::update(units::table.find(id))
        .set(units::path.eq(path))
        .execute(conn)?;
    Ok(id)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Unit>> {
    units::table
        .find(id)
        .select(Unit::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Unit>> {
    units::table
        .filter(units::code.eq(code))
        .select(Unit::as_select())
        .first(conn)
        .optional()
}

/// Ids of every unit in the subtrees rooted at `roots` (paths), using the path index.
pub fn ids_in_subtrees(conn: &mut DbConnection, roots: &[String]) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::new();
    for root in roots {
        let mut part: Vec<i64> = units::table
            .filter(units::path.ge(root.as_str()))
            .filter(units::path.lt(format!("{root}~")))
            .select(units::id)
            .load(conn)?;
        ids.append(&mut part);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Paths of the units a person heads.
pub fn paths_headed_by(conn: &mut DbConnection, staff_id: i64) -> QueryResult<Vec<String>> {
    units::table
        .filter(units::head_id.eq(staff_id))
        .select(units::path)
        .load(conn)
}

/// The units whose `head_id` is the person (id, code).
pub fn headed_by(conn: &mut DbConnection, staff_id: i64) -> QueryResult<Vec<(i64, String)>> {
    units::table
        .filter(units::head_id.eq(staff_id))
        .select((units::id, units::code))
        .order(units::id.asc())
        .load(conn)
}

pub struct UnitListFilter {
    /// None: every unit; Some: only these ids.
    pub only_ids: Option<Vec<i64>>,
    pub parent_id: Option<i64>,
    pub level: Option<String>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// A page of units ordered by id (keyset pagination).
pub fn list(conn: &mut DbConnection, f: &UnitListFilter) -> QueryResult<Vec<Unit>> {
    let mut q = units::table.select(Unit::as_select()).into_boxed();
    if let Some(ids) = &f.only_ids {
        q = q.filter(units::id.eq_any(ids.clone()));
    }
    if let Some(parent) = f.parent_id {
        q = q.filter(units::parent_id.eq(parent));
    }
    if let Some(level) = &f.level {
        q = q.filter(units::level.eq(level.clone()));
    }
    if let Some(after) = f.after_id {
        q = q.filter(units::id.gt(after));
    }
    q.order(units::id.asc()).limit(f.limit).load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = units)]
pub struct UnitChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub level: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub head_id: Option<Option<i64>>,
    pub active: Option<bool>,
}

/// Applies changes when the stored version is `expected_version`; returns false when another
/// writer got there first.
pub fn update_versioned(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i64,
    changes: &UnitChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        units::table
            .filter(units::id.eq(id))
            .filter(units::version.eq(expected_version)),
    )
    .set((
        changes,
        units::version.eq(expected_version + 1),
        units::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sets a unit's head without a version check (used by imports inside their transaction).
pub fn set_head(conn: &mut DbConnection, id: i64, head_id: Option<i64>) -> QueryResult<()> {
    diesel::update(units::table.find(id))
        .set((
            units::head_id.eq(head_id),
            units::version.eq(units::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rewrites the paths of a moved subtree: every path starting with `old_prefix` gets
/// `new_prefix` instead.
pub fn move_subtree(
    conn: &mut DbConnection,
    old_prefix: &str,
    new_prefix: &str,
) -> QueryResult<()> {
    let affected: Vec<(i64, String)> = units::table
        .filter(units::path.ge(old_prefix))
        .filter(units::path.lt(format!("{old_prefix}~")))
        .select((units::id, units::path))
        .load(conn)?;
    for (id, path) in affected {
        let new_path = format!("{new_prefix}{}", &path[old_prefix.len()..]);
        diesel::update(units::table.find(id))
            .set(units::path.eq(new_path))
            .execute(conn)?;
    }
    Ok(())
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    units::table.count().get_result(conn)
}

/// Several units by id (one query).
pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Unit>> {
    units::table
        .filter(units::id.eq_any(ids.to_vec()))
        .select(Unit::as_select())
        .load(conn)
}

/// Every unit of the subtrees rooted at `roots` (None: every unit), ordered by path (parents
/// before children), one query per root.
pub fn in_subtrees(conn: &mut DbConnection, roots: Option<&[String]>) -> QueryResult<Vec<Unit>> {
    let mut out: Vec<Unit> = match roots {
        None => units::table.select(Unit::as_select()).load(conn)?,
        Some(roots) => {
            let mut all = Vec::new();
            for root in roots {
                let mut part: Vec<Unit> = units::table
                    .filter(units::path.ge(root.as_str()))
                    .filter(units::path.lt(format!("{root}~")))
                    .select(Unit::as_select())
                    .load(conn)?;
                all.append(&mut part);
            }
            all
        }
    };
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by_key(|u| u.id);
    Ok(out)
}
