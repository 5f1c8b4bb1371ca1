//! Queries of assigned tasks (nhiệm vụ được giao).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::tasks;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub owner_id: i64,
    pub assigner_id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub due_date: NaiveDate,
    pub state: String,
    pub completed_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub owner_id: i64,
    pub assigner_id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub due_date: NaiveDate,
    pub state: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewTask) -> QueryResult<i64> {
    diesel::insert_into(tasks::table)
        .values(new)
        .returning(tasks::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Task>> {
    tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::id.eq_any(ids.to_vec()))
        .select(Task::as_select())
        .load(conn)
}

pub struct TaskListFilter {
    /// Tasks owned by or assigned by this person.
    pub involving: Option<i64>,
    pub owner_id: Option<i64>,
    pub state: Option<String>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConnection, f: &TaskListFilter) -> QueryResult<Vec<Task>> {
    let mut q = tasks::table.select(Task::as_select()).into_boxed();
    if let Some(p) = f.involving {
        q = q.filter(tasks::owner_id.eq(p).or(tasks::assigner_id.eq(p)));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(tasks::owner_id.eq(o));
    }
    if let Some(s) = &f.state {
        q = q.filter(tasks::state.eq(s.clone()));
    }
    if let Some(after) = f.after_id {
        q = q.filter(tasks::id.gt(after));
    }
    q.order(tasks::id.asc()).limit(f.limit).load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub state: Option<String>,
    pub completed_on: Option<Option<NaiveDate>>,
}

pub fn update_versioned(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i64,
    changes: &TaskChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        tasks::table
            .filter(tasks::id.eq(id))
            .filter(tasks::version.eq(expected_version)),
    )
    .set((
        changes,
        tasks::version.eq(expected_version + 1),
        tasks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
