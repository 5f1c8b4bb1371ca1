//! Queries of the product catalogue (danh mục sản phẩm).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::products;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub measuring_unit: String,
    pub standard_minutes: i32,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct {
    pub code: String,
    pub name: String,
    pub measuring_unit: String,
    pub standard_minutes: i32,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewProduct) -> QueryResult<i64> {
    diesel::insert_into(products::table)
        .values(new)
        .returning(products::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Product>> {
    products::table
        .find(id)
        .select(Product::as_select())
        .first(conn)
        .optional()
}

pub struct ProductListFilter {
    pub active: Option<bool>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConnection, f: &ProductListFilter) -> QueryResult<Vec<Product>> {
    let mut q = products::table.select(Product::as_select()).into_boxed();
    if let Some(active) = f.active {
        q = q.filter(products::active.eq(active));
    }
    if let Some(after) = f.after_id {
        q = q.filter(products::id.gt(after));
    }
    q.order(products::id.asc()).limit(f.limit).load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = products)]
pub struct ProductChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub measuring_unit: Option<String>,
    pub standard_minutes: Option<i32>,
    pub active: Option<bool>,
}

pub fn update_versioned(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i64,
    changes: &ProductChanges,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        products::table
            .filter(products::id.eq(id))
            .filter(products::version.eq(expected_version)),
    )
    .set((
        changes,
        products::version.eq(expected_version + 1),
        products::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
