-- Back to single-day permissions of one person: unit-wide and revoked permissions are dropped,
-- ranges keep their first day.
CREATE TABLE backdate_days (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    work_date DATE NOT NULL,
    granted_by BIGINT NOT NULL REFERENCES staff(id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (staff_id, work_date)
);
INSERT OR IGNORE INTO backdate_days (id, staff_id, work_date, granted_by, reason, created_at)
SELECT id, staff_id, from_date, granted_by, reason, created_at FROM backdate_permissions
WHERE staff_id IS NOT NULL AND revoked_at IS NULL;
DROP TABLE backdate_permissions;
ALTER TABLE backdate_days RENAME TO backdate_permissions;
