//! The product catalogue: every diary entry names one of these (no product, no hours).

use crate::db::products::{NewProduct, Product, ProductChanges, ProductListFilter};
use crate::db::{self, DbConnection};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::access::{check_version, require_org_manager, stale};
use crate::services::{audit, Page, Paging};

#[derive(Debug, Clone)]
pub struct ProductDraft {
    pub code: String,
    pub name: String,
    pub measuring_unit: String,
    pub standard_minutes: i32,
    pub active: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub measuring_unit: Option<String>,
    pub standard_minutes: Option<i32>,
    pub active: Option<bool>,
}

pub fn create(conn: &mut DbConnection, viewer: &Viewer, draft: ProductDraft) -> AppResult<Product> {
    require_org_manager(viewer)?;
    db::write_transaction(conn, |conn| {
        let now = db::now_utc();
        let id = db::products::insert(
            conn,
            &NewProduct {
                code: draft.code.clone(),
                name: draft.name.clone(),
                measuring_unit: draft.measuring_unit.clone(),
                standard_minutes: draft.standard_minutes,
                active: draft.active,
                version: 1,
                created_at: now,
                updated_at: now,
            },
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "product",
            id,
            "create",
            None,
            None,
            None,
            None,
        )?;
        db::products::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// Every authenticated person reads the catalogue (they pick products when logging work).
pub fn get(conn: &mut DbConnection, id: i64) -> AppResult<Product> {
    db::products::find(conn, id)?.ok_or(AppError::NotFound)
}

pub fn list(
    conn: &mut DbConnection,
    active: Option<bool>,
    paging: Paging,
) -> AppResult<Page<Product>> {
    let rows = db::products::list(
        conn,
        &ProductListFilter {
            active,
            after_id: paging.after_id,
            limit: paging.limit + 1,
        },
    )?;
    Ok(Page::from_overfetch(rows, paging.limit, |p| p.id))
}

pub fn update(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    expected_version: i64,
    patch: ProductPatch,
    totals_policy: &crate::services::totals::TotalsPolicy,
) -> AppResult<Product> {
    require_org_manager(viewer)?;
    db::write_transaction(conn, |conn| {
        let current = db::products::find(conn, id)?.ok_or(AppError::NotFound)?;
        check_version(expected_version, current.version)?;
        let changes = ProductChanges {
            code: patch.code.clone(),
            name: patch.name.clone(),
            measuring_unit: patch.measuring_unit.clone(),
            standard_minutes: patch.standard_minutes,
            active: patch.active,
        };
        if !db::products::update_versioned(conn, id, expected_version, &changes, db::now_utc())? {
            return Err(stale());
        }
        // "Far above the standard" counts of every day with this product follow the new time.
        if patch
            .standard_minutes
            .is_some_and(|m| m != current.standard_minutes)
        {
            crate::services::totals::refresh_product(conn, totals_policy, id)?;
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "product",
            id,
            "update",
            None,
            None,
            None,
            Some(serde_json::json!({
                "code": patch.code, "name": patch.name, "measuring_unit": patch.measuring_unit,
                "standard_minutes": patch.standard_minutes, "active": patch.active,
            })),
        )?;
        db::products::find(conn, id)?.ok_or(AppError::NotFound)
    })
}
