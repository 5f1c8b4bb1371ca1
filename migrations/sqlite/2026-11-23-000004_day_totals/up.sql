-- Maintained daily totals per person (issue 5): one row per (person, work date, unit the lines
-- were logged in), rewritten from that day's live entries in the same transaction as every entry
-- change, so that dashboards group ~4x fewer rows and never re-derive anomalies from raw lines.
CREATE TABLE day_totals (
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    work_date DATE NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    draft_minutes INTEGER NOT NULL,
    submitted_minutes INTEGER NOT NULL,
    approved_minutes INTEGER NOT NULL,
    returned_minutes INTEGER NOT NULL,
    -- submitted + approved lines, and how many of them carry each anomaly
    logged_entries INTEGER NOT NULL,
    day_over_threshold INTEGER NOT NULL,
    far_above_standard INTEGER NOT NULL,
    duplicate INTEGER NOT NULL,
    late_backfill INTEGER NOT NULL,
    PRIMARY KEY (staff_id, work_date, unit_id)
);
CREATE INDEX day_totals_unit_date ON day_totals(unit_id, work_date);

-- Approved work of a person's month grouped as the KPI groups it (rework count, task), kept
-- the same way: the KPI of a month, quarter or year reads ~1 row per person and month.
CREATE TABLE month_credits (
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    month_start DATE NOT NULL,
    rework_count INTEGER NOT NULL,
    task_id BIGINT REFERENCES tasks(id),
    minutes BIGINT NOT NULL,
    norm_minutes BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    first_submitted_at TIMESTAMP
);
CREATE INDEX month_credits_staff_month ON month_credits(staff_id, month_start);

-- Which diary policy the anomaly counters were computed with: a different policy at start-up
-- rebuilds them.
CREATE TABLE maintained_totals (
    name TEXT PRIMARY KEY NOT NULL,
    fingerprint TEXT NOT NULL,
    rebuilt_at TIMESTAMP NOT NULL
);

-- The approval backlog looks for submitted lines only.
CREATE INDEX entries_state_unit ON entries(state, unit_id);
