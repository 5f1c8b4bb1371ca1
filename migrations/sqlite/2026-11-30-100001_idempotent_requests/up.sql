-- Creates made with an Idempotency-Key (any POST of the API) or a client_ref: the hash of the
-- request (method, path, canonical body) and, once it succeeded, the response to replay.
-- A row without a status is a request still running.
CREATE TABLE idempotent_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    actor_id BIGINT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    location TEXT,
    etag TEXT,
    content_type TEXT,
    body TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (actor_id, scope, key)
);
