-- Work diary, approvals, calendar, leave and delegations (SQLite).
CREATE TABLE entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    -- the owner's unit when the entry was made: period locks and unit reports key on it
    unit_id BIGINT NOT NULL REFERENCES units(id),
    work_date DATE NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL CHECK (quantity >= 1),
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    note TEXT NOT NULL DEFAULT '',
    evidence TEXT,
    client_ref TEXT,
    state TEXT NOT NULL,
    approver_id BIGINT REFERENCES staff(id),
    rework_count INTEGER NOT NULL DEFAULT 0,
    last_return_kind TEXT,
    last_return_reason TEXT,
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    decided_by BIGINT REFERENCES staff(id),
    deleted_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (staff_id, client_ref)
);
CREATE INDEX entries_staff_date ON entries(staff_id, work_date);
CREATE INDEX entries_approver_state ON entries(approver_id, state);
CREATE INDEX entries_unit_date ON entries(unit_id, work_date);
CREATE INDEX entries_staff_updated ON entries(staff_id, updated_at);

CREATE TABLE holidays (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    day DATE NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Seed data applied once (so that a seeded holiday the organisation deletes stays deleted).
CREATE TABLE seeds (
    name TEXT PRIMARY KEY NOT NULL,
    applied_at TIMESTAMP NOT NULL
);

CREATE TABLE leaves (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    kind TEXT NOT NULL,
    portion TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    decided_by BIGINT REFERENCES staff(id),
    decided_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX leaves_staff_dates ON leaves(staff_id, start_date);

CREATE TABLE delegations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    approver_id BIGINT NOT NULL REFERENCES staff(id),
    acting_id BIGINT NOT NULL REFERENCES staff(id),
    from_date DATE NOT NULL,
    to_date DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK (to_date >= from_date)
);
CREATE INDEX delegations_approver ON delegations(approver_id);
CREATE INDEX delegations_acting ON delegations(acting_id);

CREATE TABLE backdate_permissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    work_date DATE NOT NULL,
    granted_by BIGINT NOT NULL REFERENCES staff(id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (staff_id, work_date)
);

CREATE TABLE period_locks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    period TEXT NOT NULL,
    locked_by BIGINT REFERENCES staff(id),
    locked_at TIMESTAMP NOT NULL,
    UNIQUE (unit_id, period)
);
