//! Remembered `Idempotency-Key`s: a retried create finds the entity it created the first time.

use diesel::prelude::*;

use super::schema::idempotency_keys;
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
