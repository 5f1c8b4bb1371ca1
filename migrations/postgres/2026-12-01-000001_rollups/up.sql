-- Maintained rollups at the grain the dashboard and the under-logged report read (issue 14).
-- Rows exist for the weeks listed in `rollup_weeks` (a week is built for everyone the first time a
-- report reads it, then kept in the same transaction as every write that changes it).

-- Person x ISO week: the full week's expected minutes (contract, joining/leaving dates, holidays
-- and approved leave applied), logged (submitted + approved) and approved minutes. `unit_id` is
-- the person's unit; inactive people and people without a unit have no row.
CREATE TABLE week_totals (
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    week_start DATE NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    expected BIGINT NOT NULL,
    logged BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    PRIMARY KEY (staff_id, week_start)
);
CREATE INDEX week_totals_week_unit ON week_totals(week_start, unit_id);

-- Unit x ISO week: the sums of its members' rows. `people`: members expected to work (expected
-- > 0); `under_logged` / `under_approved`: of them, those whose logged / approved minutes fall
-- short of the expectation (the two bases of the under-logged rule).
CREATE TABLE unit_weeks (
    unit_id BIGINT NOT NULL REFERENCES units(id),
    week_start DATE NOT NULL,
    members BIGINT NOT NULL,
    people BIGINT NOT NULL,
    under_logged BIGINT NOT NULL,
    under_approved BIGINT NOT NULL,
    expected BIGINT NOT NULL,
    logged BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    PRIMARY KEY (unit_id, week_start)
);
CREATE INDEX unit_weeks_week ON unit_weeks(week_start);

-- The weeks whose rollups are built.
CREATE TABLE rollup_weeks (
    week_start DATE PRIMARY KEY NOT NULL,
    built_at TIMESTAMP NOT NULL
);
