//! Public holidays of the organisation's calendar, and one-time seeds.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{holidays, seeds};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = holidays)]
pub struct Holiday {
    pub id: i64,
    pub day: NaiveDate,
    pub name_vi: String,
    pub name_en: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    day: NaiveDate,
    name_vi: &str,
    name_en: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(holidays::table)
        .values((
            holidays::day.eq(day),
            holidays::name_vi.eq(name_vi),
            holidays::name_en.eq(name_en),
            holidays::created_at.eq(now),
        ))
        .returning(holidays::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Holiday>> {
    holidays::table
        .find(id)
        .select(Holiday::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_day(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Option<Holiday>> {
    holidays::table
        .filter(holidays::day.eq(day))
        .select(Holiday::as_select())
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(holidays::table.find(id)).execute(conn)
}

/// Holidays between two dates (inclusive), in date order.
pub fn between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<Holiday>> {
    holidays::table
        .filter(holidays::day.between(from, to))
        .order(holidays::day.asc())
        .select(Holiday::as_select())
        .load(conn)
}

pub fn seed_applied(conn: &mut DbConnection, name: &str) -> QueryResult<bool> {
    let n: i64 = seeds::table
        .filter(seeds::name.eq(name))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn mark_seed_applied(
    conn: &mut DbConnection,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(seeds::table)
        .values((seeds::name.eq(name), seeds::applied_at.eq(now)))
        .execute(conn)?;
    Ok(())
}
