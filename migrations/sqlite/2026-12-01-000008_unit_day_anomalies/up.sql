-- The anomalies of the dashboard and the anomaly report per unit and day (issue 14): the sums of
-- the `day_totals` rows of each (unit, work date), kept by the triggers below in the statement
-- that writes a day total, so that a month of the whole organisation is a read of units × days
-- (about 18,000 rows at province scale) instead of every person's days (about 420,000).
--
-- Only the counters a report reads are kept: declared (logged) lines and how many of them carry
-- each anomaly. A day total with none of them (drafts and returned lines only) fires no trigger,
-- and an update fires only when one of these columns, the unit or the date is written: a new
-- draft (an update of `draft_minutes`) costs nothing here. A row whose counters fall to zero
-- stays (it reads as nothing); `check-totals` compares every row with the sums of `day_totals`.
CREATE TABLE unit_day_anomalies (
    unit_id BIGINT NOT NULL,
    work_date DATE NOT NULL,
    logged_entries INTEGER NOT NULL,
    day_over_threshold INTEGER NOT NULL,
    far_above_standard INTEGER NOT NULL,
    duplicate INTEGER NOT NULL,
    late_backfill INTEGER NOT NULL,
    PRIMARY KEY (unit_id, work_date)
);

INSERT INTO unit_day_anomalies
    (unit_id, work_date, logged_entries, day_over_threshold, far_above_standard, duplicate,
     late_backfill)
SELECT unit_id, work_date, sum(logged_entries), sum(day_over_threshold),
       sum(far_above_standard), sum(duplicate), sum(late_backfill)
FROM day_totals
WHERE logged_entries <> 0 OR day_over_threshold <> 0 OR far_above_standard <> 0
   OR duplicate <> 0 OR late_backfill <> 0
GROUP BY unit_id, work_date;

CREATE TRIGGER unit_day_anomalies_ins AFTER INSERT ON day_totals
WHEN NEW.logged_entries <> 0 OR NEW.day_over_threshold <> 0 OR NEW.far_above_standard <> 0
  OR NEW.duplicate <> 0 OR NEW.late_backfill <> 0
BEGIN
    INSERT INTO unit_day_anomalies
        (unit_id, work_date, logged_entries, day_over_threshold, far_above_standard, duplicate,
         late_backfill)
    VALUES (NEW.unit_id, NEW.work_date, NEW.logged_entries, NEW.day_over_threshold,
            NEW.far_above_standard, NEW.duplicate, NEW.late_backfill)
    ON CONFLICT (unit_id, work_date) DO UPDATE SET
        logged_entries = logged_entries + excluded.logged_entries,
        day_over_threshold = day_over_threshold + excluded.day_over_threshold,
        far_above_standard = far_above_standard + excluded.far_above_standard,
        duplicate = duplicate + excluded.duplicate,
        late_backfill = late_backfill + excluded.late_backfill;
END;

CREATE TRIGGER unit_day_anomalies_del AFTER DELETE ON day_totals
WHEN OLD.logged_entries <> 0 OR OLD.day_over_threshold <> 0 OR OLD.far_above_standard <> 0
  OR OLD.duplicate <> 0 OR OLD.late_backfill <> 0
BEGIN
    INSERT INTO unit_day_anomalies
        (unit_id, work_date, logged_entries, day_over_threshold, far_above_standard, duplicate,
         late_backfill)
    VALUES (OLD.unit_id, OLD.work_date, -OLD.logged_entries, -OLD.day_over_threshold,
            -OLD.far_above_standard, -OLD.duplicate, -OLD.late_backfill)
    ON CONFLICT (unit_id, work_date) DO UPDATE SET
        logged_entries = logged_entries + excluded.logged_entries,
        day_over_threshold = day_over_threshold + excluded.day_over_threshold,
        far_above_standard = far_above_standard + excluded.far_above_standard,
        duplicate = duplicate + excluded.duplicate,
        late_backfill = late_backfill + excluded.late_backfill;
END;

CREATE TRIGGER unit_day_anomalies_upd
AFTER UPDATE OF unit_id, work_date, logged_entries, day_over_threshold, far_above_standard,
    duplicate, late_backfill ON day_totals
BEGIN
    INSERT INTO unit_day_anomalies
        (unit_id, work_date, logged_entries, day_over_threshold, far_above_standard, duplicate,
         late_backfill)
    VALUES (OLD.unit_id, OLD.work_date, -OLD.logged_entries, -OLD.day_over_threshold,
            -OLD.far_above_standard, -OLD.duplicate, -OLD.late_backfill)
    ON CONFLICT (unit_id, work_date) DO UPDATE SET
        logged_entries = logged_entries + excluded.logged_entries,
        day_over_threshold = day_over_threshold + excluded.day_over_threshold,
        far_above_standard = far_above_standard + excluded.far_above_standard,
        duplicate = duplicate + excluded.duplicate,
        late_backfill = late_backfill + excluded.late_backfill;
    INSERT INTO unit_day_anomalies
        (unit_id, work_date, logged_entries, day_over_threshold, far_above_standard, duplicate,
         late_backfill)
    VALUES (NEW.unit_id, NEW.work_date, NEW.logged_entries, NEW.day_over_threshold,
            NEW.far_above_standard, NEW.duplicate, NEW.late_backfill)
    ON CONFLICT (unit_id, work_date) DO UPDATE SET
        logged_entries = logged_entries + excluded.logged_entries,
        day_over_threshold = day_over_threshold + excluded.day_over_threshold,
        far_above_standard = far_above_standard + excluded.far_above_standard,
        duplicate = duplicate + excluded.duplicate,
        late_backfill = late_backfill + excluded.late_backfill;
END;
