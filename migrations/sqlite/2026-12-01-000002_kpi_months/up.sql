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

CREATE TRIGGER kpi_months_credits_ins AFTER INSERT ON month_credits BEGIN
    DELETE FROM kpi_months_built WHERE month = substr(NEW.month_start, 1, 7);
END;
CREATE TRIGGER kpi_months_credits_upd AFTER UPDATE ON month_credits BEGIN
    DELETE FROM kpi_months_built
    WHERE month IN (substr(OLD.month_start, 1, 7), substr(NEW.month_start, 1, 7));
END;
CREATE TRIGGER kpi_months_credits_del AFTER DELETE ON month_credits BEGIN
    DELETE FROM kpi_months_built WHERE month = substr(OLD.month_start, 1, 7);
END;

CREATE TRIGGER kpi_months_rounds_ins AFTER INSERT ON grading_rounds BEGIN
    DELETE FROM kpi_months_built WHERE month = NEW.period;
END;
CREATE TRIGGER kpi_months_rounds_upd AFTER UPDATE OF unit_id, period, policy_id ON grading_rounds BEGIN
    DELETE FROM kpi_months_built WHERE month IN (OLD.period, NEW.period);
END;
CREATE TRIGGER kpi_months_rounds_del AFTER DELETE ON grading_rounds BEGIN
    DELETE FROM kpi_months_built WHERE month = OLD.period;
END;

CREATE TRIGGER kpi_months_grades_ins AFTER INSERT ON grades BEGIN
    DELETE FROM kpi_months_built
    WHERE month = (SELECT period FROM grading_rounds WHERE id = NEW.round_id);
END;
CREATE TRIGGER kpi_months_grades_upd
AFTER UPDATE OF round_id, staff_id, evaluator_scores, bonus, disciplined ON grades BEGIN
    DELETE FROM kpi_months_built
    WHERE month IN (SELECT period FROM grading_rounds WHERE id IN (OLD.round_id, NEW.round_id));
END;
CREATE TRIGGER kpi_months_grades_del AFTER DELETE ON grades BEGIN
    DELETE FROM kpi_months_built
    WHERE month = (SELECT period FROM grading_rounds WHERE id = OLD.round_id);
END;

CREATE TRIGGER kpi_months_tasks_ins AFTER INSERT ON tasks BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_tasks_upd AFTER UPDATE OF due_date, state, completed_on ON tasks
BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_tasks_del AFTER DELETE ON tasks BEGIN DELETE FROM kpi_months_built; END;

CREATE TRIGGER kpi_months_leaves_ins AFTER INSERT ON leaves BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_leaves_upd AFTER UPDATE ON leaves BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_leaves_del AFTER DELETE ON leaves BEGIN DELETE FROM kpi_months_built; END;

CREATE TRIGGER kpi_months_holidays_ins AFTER INSERT ON holidays BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_holidays_upd AFTER UPDATE ON holidays BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_holidays_del AFTER DELETE ON holidays BEGIN DELETE FROM kpi_months_built; END;

CREATE TRIGGER kpi_months_staff_ins AFTER INSERT ON staff BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_staff_upd
AFTER UPDATE OF unit_id, supervisor_id, is_leader, joined_on, left_on, active ON staff
BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_staff_del AFTER DELETE ON staff BEGIN DELETE FROM kpi_months_built; END;

CREATE TRIGGER kpi_months_contracts_ins AFTER INSERT ON staff_contracts BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_contracts_upd AFTER UPDATE ON staff_contracts BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_contracts_del AFTER DELETE ON staff_contracts BEGIN DELETE FROM kpi_months_built; END;

CREATE TRIGGER kpi_months_units_ins AFTER INSERT ON units BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_units_upd AFTER UPDATE OF head_id, parent_id, active ON units
BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_units_del AFTER DELETE ON units BEGIN DELETE FROM kpi_months_built; END;

CREATE TRIGGER kpi_months_policies_ins AFTER INSERT ON policies BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_policies_upd AFTER UPDATE ON policies BEGIN DELETE FROM kpi_months_built; END;
CREATE TRIGGER kpi_months_policies_del AFTER DELETE ON policies BEGIN DELETE FROM kpi_months_built; END;
