-- Organisation tree, people, catalogue, authentication and audit (SQLite).
CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id BIGINT REFERENCES units(id),
    head_id BIGINT REFERENCES staff(id),
    -- materialised path of ids, e.g. '/1/5/12/': subtree = range scan on an index
    path TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);
CREATE INDEX units_head ON units(head_id);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id BIGINT REFERENCES units(id),
    supervisor_id BIGINT REFERENCES staff(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    full_name TEXT NOT NULL,
    email TEXT,
    position TEXT,
    roles TEXT NOT NULL,
    is_leader BOOLEAN NOT NULL DEFAULT 0,
    joined_on DATE,
    left_on DATE,
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_unit ON staff(unit_id);
CREATE INDEX staff_supervisor ON staff(supervisor_id);

CREATE TABLE staff_contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    effective_from DATE NOT NULL,
    weekly_minutes INTEGER NOT NULL CHECK (weekly_minutes > 0),
    UNIQUE (staff_id, effective_from)
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    measuring_unit TEXT NOT NULL,
    standard_minutes INTEGER NOT NULL CHECK (standard_minutes > 0),
    active BOOLEAN NOT NULL DEFAULT 1,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    family TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
CREATE INDEX refresh_tokens_staff ON refresh_tokens(staff_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    reason TEXT,
    detail TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    actor_id BIGINT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (actor_id, scope, key)
);
