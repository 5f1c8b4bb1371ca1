-- The KPI of every month per unit (issue 14): what the dashboard, the staffing report and the
-- KPI trend read instead of computing the KPI of every person of six months on each call.
--
-- `kpi_unit_months` holds, for the months listed in `kpi_months_built`, the sums of the KPI of
-- the unit's active members (the KPI of a person does not depend on who else is asked about:
-- services::kpi_months). A month is rebuilt whole, in one write transaction, by the first read
-- that finds it missing or computed for another day.
--
-- Exact invalidation: the triggers below delete a month's marker in the same statement as any
-- write to an input of its KPI, whoever writes (the server, the command line, a restore, raw SQL):
--   month_credits (approved work)            -> that month
--   grading_rounds, grades (policy version,  -> the round's period
--     evaluator scores, bonus, discipline)
--   tasks (delays), leaves, holidays,        -> every month
--     staff (unit, supervisor, leader, dates,
--     active), staff_contracts, units (head),
--     policies (default, bodies)
-- Not an input: drafts and submissions (they change day totals, not month_credits).
CREATE TABLE kpi_months_built (
    month TEXT PRIMARY KEY NOT NULL,
    -- The day the delays of unfinished tasks were counted to (the earlier of the build's day
    -- and the month's last day): a month not yet ended is rebuilt the next day.
    as_of DATE NOT NULL,
    built_at TIMESTAMP NOT NULL
);

CREATE TABLE kpi_unit_months (
    month TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    -- Active members computed.
    members BIGINT NOT NULL,
    -- Of them, those who can be graded (something expected), and the sum of their totals.
    people BIGINT NOT NULL,
    total_sum DOUBLE PRECISION NOT NULL,
    -- Expected and credited minutes of all members.
    expected BIGINT NOT NULL,
    credited BIGINT NOT NULL,
    PRIMARY KEY (month, unit_id)
);

-- Months of a set of month_credits rows (the transition table of the statement).
CREATE FUNCTION kpi_months_credits_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_months_built
    WHERE month IN (SELECT DISTINCT to_char(month_start, 'YYYY-MM') FROM new_rows);
    RETURN NULL;
END $$;
CREATE FUNCTION kpi_months_credits_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_months_built
    WHERE month IN (SELECT DISTINCT to_char(month_start, 'YYYY-MM') FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER kpi_months_credits_ins AFTER INSERT ON month_credits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_credits_new();
CREATE TRIGGER kpi_months_credits_upd_new AFTER UPDATE ON month_credits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_credits_new();
CREATE TRIGGER kpi_months_credits_upd_old AFTER UPDATE ON month_credits
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_credits_old();
CREATE TRIGGER kpi_months_credits_del AFTER DELETE ON month_credits
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_credits_old();

-- A round's period, before and after.
CREATE FUNCTION kpi_months_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM kpi_months_built WHERE month = OLD.period;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        DELETE FROM kpi_months_built WHERE month = NEW.period;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER kpi_months_rounds_ins AFTER INSERT OR DELETE ON grading_rounds
    FOR EACH ROW EXECUTE FUNCTION kpi_months_round();
CREATE TRIGGER kpi_months_rounds_upd AFTER UPDATE OF unit_id, period, policy_id ON grading_rounds
    FOR EACH ROW EXECUTE FUNCTION kpi_months_round();

-- A grade's round's period, before and after (the rows of a statement at once).
CREATE FUNCTION kpi_months_grades_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_months_built
    WHERE month IN (SELECT r.period FROM grading_rounds r
                    WHERE r.id IN (SELECT DISTINCT round_id FROM new_rows));
    RETURN NULL;
END $$;
CREATE FUNCTION kpi_months_grades_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_months_built
    WHERE month IN (SELECT r.period FROM grading_rounds r
                    WHERE r.id IN (SELECT DISTINCT round_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER kpi_months_grades_ins AFTER INSERT ON grades
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_grades_new();
CREATE TRIGGER kpi_months_grades_del AFTER DELETE ON grades
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_grades_old();
-- Row level: transition tables cannot go with a column list.
CREATE FUNCTION kpi_months_grade_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_months_built
    WHERE month IN (SELECT period FROM grading_rounds WHERE id IN (OLD.round_id, NEW.round_id));
    RETURN NULL;
END $$;
CREATE TRIGGER kpi_months_grades_upd
    AFTER UPDATE OF round_id, staff_id, evaluator_scores, bonus, disciplined ON grades
    FOR EACH ROW EXECUTE FUNCTION kpi_months_grade_row();

-- Every month.
CREATE FUNCTION kpi_months_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_months_built;
    RETURN NULL;
END $$;
CREATE TRIGGER kpi_months_tasks_ins AFTER INSERT OR DELETE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_tasks_upd AFTER UPDATE OF due_date, state, completed_on ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_leaves AFTER INSERT OR UPDATE OR DELETE ON leaves
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_holidays AFTER INSERT OR UPDATE OR DELETE ON holidays
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_staff_ins AFTER INSERT OR DELETE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_staff_upd
    AFTER UPDATE OF unit_id, supervisor_id, is_leader, joined_on, left_on, active ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_contracts AFTER INSERT OR UPDATE OR DELETE ON staff_contracts
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_units_ins AFTER INSERT OR DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_units_upd AFTER UPDATE OF head_id, parent_id, active ON units
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_policies AFTER INSERT OR UPDATE OR DELETE ON policies
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
