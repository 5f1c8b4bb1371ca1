-- The approval backlog (issue 14): entries waiting for a decision, counted per unit and approver
-- by the triggers below, so the backlog report and the dashboard read a few thousand counter rows
-- instead of grouping every waiting entry.
--
-- A waiting entry: state 'submitted' and not deleted. `approver_key` is the approver's id, 0 when
-- no approver could be resolved (staff ids start at 1). The oldest submission and work date of a
-- row are exact: an added entry lowers them, a removed one recomputes them from the two partial
-- indexes on waiting entries (one index seek each). Row-level triggers with WHEN conditions:
-- drafts and decided entries never fire one; an update fires only when one of the columns the
-- counters depend on is written. A removal locks the counter row before it recomputes, so the
-- recomputation (a new snapshot) sees every committed change of that row's entries.
CREATE TABLE backlog_waiting (
    unit_id BIGINT NOT NULL,
    approver_key BIGINT NOT NULL,
    waiting INTEGER NOT NULL,
    oldest_submitted_at TIMESTAMP,
    oldest_work_date DATE,
    PRIMARY KEY (unit_id, approver_key)
);

CREATE INDEX entries_waiting_submitted
    ON entries (unit_id, (COALESCE(approver_id, 0)), submitted_at)
    WHERE state = 'submitted' AND deleted_at IS NULL;
CREATE INDEX entries_waiting_work_date
    ON entries (unit_id, (COALESCE(approver_id, 0)), work_date)
    WHERE state = 'submitted' AND deleted_at IS NULL;

INSERT INTO backlog_waiting (unit_id, approver_key, waiting, oldest_submitted_at, oldest_work_date)
SELECT unit_id, COALESCE(approver_id, 0), count(*), min(submitted_at), min(work_date)
FROM entries
WHERE state = 'submitted' AND deleted_at IS NULL
GROUP BY unit_id, COALESCE(approver_id, 0);

CREATE FUNCTION backlog_waiting_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO backlog_waiting AS b
        (unit_id, approver_key, waiting, oldest_submitted_at, oldest_work_date)
    VALUES (NEW.unit_id, COALESCE(NEW.approver_id, 0), 1, NEW.submitted_at, NEW.work_date)
    ON CONFLICT (unit_id, approver_key) DO UPDATE SET
        waiting = b.waiting + 1,
        oldest_submitted_at = LEAST(b.oldest_submitted_at, EXCLUDED.oldest_submitted_at),
        oldest_work_date = LEAST(b.oldest_work_date, EXCLUDED.oldest_work_date);
    RETURN NULL;
END $$;

CREATE FUNCTION backlog_waiting_remove() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    k BIGINT := COALESCE(OLD.approver_id, 0);
BEGIN
    PERFORM 1 FROM backlog_waiting WHERE unit_id = OLD.unit_id AND approver_key = k FOR UPDATE;
    UPDATE backlog_waiting SET
        waiting = waiting - 1,
        oldest_submitted_at = (
            SELECT min(submitted_at) FROM entries
            WHERE unit_id = OLD.unit_id AND COALESCE(approver_id, 0) = k
              AND state = 'submitted' AND deleted_at IS NULL),
        oldest_work_date = (
            SELECT min(work_date) FROM entries
            WHERE unit_id = OLD.unit_id AND COALESCE(approver_id, 0) = k
              AND state = 'submitted' AND deleted_at IS NULL)
    WHERE unit_id = OLD.unit_id AND approver_key = k;
    DELETE FROM backlog_waiting WHERE unit_id = OLD.unit_id AND approver_key = k AND waiting <= 0;
    RETURN NULL;
END $$;

CREATE TRIGGER backlog_waiting_ins AFTER INSERT ON entries FOR EACH ROW
    WHEN (NEW.state = 'submitted' AND NEW.deleted_at IS NULL)
    EXECUTE FUNCTION backlog_waiting_add();
CREATE TRIGGER backlog_waiting_upd_new
    AFTER UPDATE OF state, approver_id, unit_id, deleted_at, submitted_at, work_date ON entries
    FOR EACH ROW WHEN (NEW.state = 'submitted' AND NEW.deleted_at IS NULL)
    EXECUTE FUNCTION backlog_waiting_add();
CREATE TRIGGER backlog_waiting_upd_old
    AFTER UPDATE OF state, approver_id, unit_id, deleted_at, submitted_at, work_date ON entries
    FOR EACH ROW WHEN (OLD.state = 'submitted' AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION backlog_waiting_remove();
CREATE TRIGGER backlog_waiting_del AFTER DELETE ON entries FOR EACH ROW
    WHEN (OLD.state = 'submitted' AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION backlog_waiting_remove();
