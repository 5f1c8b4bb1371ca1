-- Backdate permissions for a date range, for one person or a whole unit, revocable (SQLite).
-- Existing single-day permissions become one-day ranges of their person.
CREATE TABLE backdate_ranges (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    staff_id BIGINT REFERENCES staff(id),
    unit_id BIGINT REFERENCES units(id),
    from_date DATE NOT NULL,
    to_date DATE NOT NULL,
    granted_by BIGINT NOT NULL REFERENCES staff(id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_by BIGINT REFERENCES staff(id),
    revoked_at TIMESTAMP,
    CHECK ((staff_id IS NULL) <> (unit_id IS NULL)),
    CHECK (from_date <= to_date)
);

INSERT INTO backdate_ranges (id, staff_id, unit_id, from_date, to_date, granted_by, reason, created_at)
SELECT id, staff_id, NULL, work_date, work_date, granted_by, reason, created_at FROM backdate_permissions;

DROP TABLE backdate_permissions;
ALTER TABLE backdate_ranges RENAME TO backdate_permissions;
CREATE INDEX backdate_permissions_staff ON backdate_permissions (staff_id, from_date);
CREATE INDEX backdate_permissions_unit ON backdate_permissions (unit_id, from_date);
