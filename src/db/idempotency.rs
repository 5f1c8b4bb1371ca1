//! Remembered `Idempotency-Key`s: a retried create finds the entity it created the first time.

use diesel::prelude::*;

use chrono::NaiveDateTime;

use super::schema::{idempotency_keys, idempotent_requests};
use super::DbConnection;

pub fn find(
    conn: &mut DbConnection,
    actor_id: i64,
    scope: &str,
    key: &str,
) -> QueryResult<Option<i64>> {
    idempotency_keys::table
        .filter(idempotency_keys::actor_id.eq(actor_id))
        .filter(idempotency_keys::scope.eq(scope))
        .filter(idempotency_keys::key.eq(key))
        .select(idempotency_keys::entity_id)
        .first(conn)
        .optional()
}

pub fn remember(
    conn: &mut DbConnection,
    actor_id: i64,
    scope: &str,
    key: &str,
    entity_id: i64,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::actor_id.eq(actor_id),
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::entity_id.eq(entity_id),
            idempotency_keys::created_at.eq(super::now_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A stored response of an idempotent request, replayed to retries.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: i32,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<String>,
}

/// A remembered request: its hash and, once it succeeded, its response.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub request_hash: String,
    pub created_at: NaiveDateTime,
    pub response: Option<StoredResponse>,
}

type Row = (
    i64,
    String,
    Option<i32>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

pub fn find_request(
    conn: &mut DbConnection,
    actor_id: i64,
    scope: &str,
    key: &str,
) -> QueryResult<Option<RequestRow>> {
    let row: Option<Row> = idempotent_requests::table
        .filter(idempotent_requests::actor_id.eq(actor_id))
        .filter(idempotent_requests::scope.eq(scope))
        .filter(idempotent_requests::key.eq(key))
        .select((
            idempotent_requests::id,
            idempotent_requests::request_hash,
            idempotent_requests::status,
            idempotent_requests::location,
            idempotent_requests::etag,
            idempotent_requests::content_type,
            idempotent_requests::body,
            idempotent_requests::created_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(id, request_hash, status, location, etag, content_type, body, created_at)| RequestRow {
            id,
            request_hash,
            created_at,
            response: status.map(|status| StoredResponse {
                status,
                location,
                etag,
                content_type,
                body,
            }),
        },
    ))
}

/// Reserves a key for a request that is about to run (unique per actor, scope and key).
pub fn reserve(
    conn: &mut DbConnection,
    actor_id: i64,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(idempotent_requests::table)
        .values((
            idempotent_requests::actor_id.eq(actor_id),
            idempotent_requests::scope.eq(scope),
            idempotent_requests::key.eq(key),
            idempotent_requests::request_hash.eq(request_hash),
            idempotent_requests::created_at.eq(now),
        ))
        .returning(idempotent_requests::id)
        .get_result(conn)
}

/// Takes over a reservation left by a request that died.
pub fn refresh_reservation(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(idempotent_requests::table.find(id))
        .set(idempotent_requests::created_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Stores the response of a request that succeeded.
pub fn complete(conn: &mut DbConnection, id: i64, r: &StoredResponse) -> QueryResult<()> {
    diesel::update(idempotent_requests::table.find(id))
        .set((
            idempotent_requests::status.eq(Some(r.status)),
            idempotent_requests::location.eq(r.location.as_deref()),
            idempotent_requests::etag.eq(r.etag.as_deref()),
            idempotent_requests::content_type.eq(r.content_type.as_deref()),
            idempotent_requests::body.eq(r.body.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets the reservation of a request that failed (the key may be used again).
pub fn release(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(
        idempotent_requests::table
            .find(id)
            .filter(idempotent_requests::status.is_null()),
    )
    .execute(conn)?;
    Ok(())
}
