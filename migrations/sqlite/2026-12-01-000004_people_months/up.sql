-- Under-logging and logged minutes of every month per unit (issue 14): what the dashboard reads
-- instead of counting the distinct people of every unit over the month's person x week rows, and
-- summing every person's day totals, on each call.
--
-- `people_unit_months` holds, for the months listed in `people_months_built`, per unit: the
-- people expected to work in at least one ISO week of the month (the weeks whose Thursday lies
-- in it), and of them those with at least one week under-logged on either basis among the weeks
-- that had ended on the marker's `as_of` day. Each person counts once however many weeks. The
-- rows are derived from `week_totals` (services::people_months); a month is rebuilt whole, in one
-- write transaction, by the first read that finds it missing or built for another day.
--
-- The minutes are kept, not rebuilt: while a month is built, the triggers on `day_totals` add
-- each row's change to its member's unit (rows are replaced wholesale by every entry write, so a
-- row without logged minutes, a day of drafts only, fires nothing). A person moved, made active
-- or inactive, added or removed invalidates every month (the minutes follow the person's unit).
--
-- Exact invalidation by the triggers below, whoever writes `week_totals`: a row added or removed
-- invalidates its week's month; an update invalidates it only when it changes what a stored
-- count depends on: the unit, whether the person is expected (expected > 0), or whether an ended
-- week is short on either basis. Logging in a week not yet ended therefore never invalidates
-- (that week is judged when it ends, and a new day rebuilds the month), nor do drafts (they do
-- not change week_totals at all).
CREATE TABLE people_months_built (
    month TEXT PRIMARY KEY NOT NULL,
    -- Weeks whose Sunday is before this day had ended: today when the build ran, or the day
    -- after the month's last week when every week had ended (an ended month is not rebuilt).
    as_of DATE NOT NULL,
    built_at TIMESTAMP NOT NULL
);

CREATE TABLE people_unit_months (
    month TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    people BIGINT NOT NULL,
    under_logged BIGINT NOT NULL,
    under_approved BIGINT NOT NULL,
    -- Logged (submitted + approved) and approved minutes of the month's days, of the unit's
    -- active members (by the unit they belong to now).
    logged BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    PRIMARY KEY (month, unit_id)
);

CREATE TRIGGER people_months_weeks_ins AFTER INSERT ON week_totals BEGIN
    DELETE FROM people_months_built WHERE month = substr(date(NEW.week_start, '+3 days'), 1, 7);
END;
CREATE TRIGGER people_months_weeks_del AFTER DELETE ON week_totals BEGIN
    DELETE FROM people_months_built WHERE month = substr(date(OLD.week_start, '+3 days'), 1, 7);
END;
CREATE TRIGGER people_months_weeks_upd AFTER UPDATE ON week_totals
WHEN OLD.unit_id IS NOT NEW.unit_id
  OR OLD.week_start IS NOT NEW.week_start
  OR OLD.staff_id IS NOT NEW.staff_id
  OR (OLD.expected > 0) IS NOT (NEW.expected > 0)
  OR (OLD.logged < OLD.expected) IS NOT (NEW.logged < NEW.expected)
  OR (OLD.approved < OLD.expected) IS NOT (NEW.approved < NEW.expected)
BEGIN
    DELETE FROM people_months_built
    WHERE month IN (substr(date(OLD.week_start, '+3 days'), 1, 7),
                    substr(date(NEW.week_start, '+3 days'), 1, 7))
      AND (OLD.unit_id IS NOT NEW.unit_id
           OR OLD.week_start IS NOT NEW.week_start
           OR OLD.staff_id IS NOT NEW.staff_id
           OR (OLD.expected > 0) IS NOT (NEW.expected > 0)
           -- a shortfall flag changed: it counts only in a week ended on the as_of day
           OR date(NEW.week_start, '+6 days') < as_of);
END;

-- Minutes: a day total's logged and approved minutes added to (or taken from) its person's unit
-- in a built month. The SELECT finds no row when the month is not built or the person is not an
-- active member of a unit.
CREATE TRIGGER people_months_days_ins AFTER INSERT ON day_totals
WHEN NEW.submitted_minutes <> 0 OR NEW.approved_minutes <> 0
BEGIN
    INSERT INTO people_unit_months
        (month, unit_id, people, under_logged, under_approved, logged, approved)
    SELECT b.month, s.unit_id, 0, 0, 0,
           NEW.submitted_minutes + NEW.approved_minutes, NEW.approved_minutes
    FROM people_months_built b JOIN staff s ON s.id = NEW.staff_id
    WHERE b.month = substr(NEW.work_date, 1, 7) AND s.active AND s.unit_id IS NOT NULL
    ON CONFLICT (month, unit_id) DO UPDATE SET
        logged = logged + excluded.logged, approved = approved + excluded.approved;
END;
CREATE TRIGGER people_months_days_del AFTER DELETE ON day_totals
WHEN OLD.submitted_minutes <> 0 OR OLD.approved_minutes <> 0
BEGIN
    INSERT INTO people_unit_months
        (month, unit_id, people, under_logged, under_approved, logged, approved)
    SELECT b.month, s.unit_id, 0, 0, 0,
           -(OLD.submitted_minutes + OLD.approved_minutes), -OLD.approved_minutes
    FROM people_months_built b JOIN staff s ON s.id = OLD.staff_id
    WHERE b.month = substr(OLD.work_date, 1, 7) AND s.active AND s.unit_id IS NOT NULL
    ON CONFLICT (month, unit_id) DO UPDATE SET
        logged = logged + excluded.logged, approved = approved + excluded.approved;
END;
CREATE TRIGGER people_months_days_upd AFTER UPDATE OF staff_id, work_date, submitted_minutes, approved_minutes ON day_totals
BEGIN
    INSERT INTO people_unit_months
        (month, unit_id, people, under_logged, under_approved, logged, approved)
    SELECT b.month, s.unit_id, 0, 0, 0,
           -(OLD.submitted_minutes + OLD.approved_minutes), -OLD.approved_minutes
    FROM people_months_built b JOIN staff s ON s.id = OLD.staff_id
    WHERE b.month = substr(OLD.work_date, 1, 7) AND s.active AND s.unit_id IS NOT NULL
    ON CONFLICT (month, unit_id) DO UPDATE SET
        logged = logged + excluded.logged, approved = approved + excluded.approved;
    INSERT INTO people_unit_months
        (month, unit_id, people, under_logged, under_approved, logged, approved)
    SELECT b.month, s.unit_id, 0, 0, 0,
           NEW.submitted_minutes + NEW.approved_minutes, NEW.approved_minutes
    FROM people_months_built b JOIN staff s ON s.id = NEW.staff_id
    WHERE b.month = substr(NEW.work_date, 1, 7) AND s.active AND s.unit_id IS NOT NULL
    ON CONFLICT (month, unit_id) DO UPDATE SET
        logged = logged + excluded.logged, approved = approved + excluded.approved;
END;

-- Whose minutes count where: a person's unit or activity changes every month's minutes.
CREATE TRIGGER people_months_staff_ins AFTER INSERT ON staff BEGIN DELETE FROM people_months_built; END;
CREATE TRIGGER people_months_staff_upd AFTER UPDATE OF unit_id, active ON staff
WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.active IS NOT NEW.active
BEGIN DELETE FROM people_months_built; END;
CREATE TRIGGER people_months_staff_del AFTER DELETE ON staff BEGIN DELETE FROM people_months_built; END;

-- The dashboard's scope counts each unit's active people (reports::resolve_units): an index that
-- covers the count (no row of the staff table is read).
CREATE INDEX staff_unit_active ON staff(unit_id, active);
