-- The approval backlog (issue 14): entries waiting for a decision, counted per unit and approver
-- by the triggers below, so the backlog report and the dashboard read a few thousand counter rows
-- instead of grouping every waiting entry.
--
-- A waiting entry: state 'submitted' and not deleted. `approver_key` is the approver's id, 0 when
-- no approver could be resolved (staff ids start at 1). The oldest submission and work date of a
-- row are exact: an added entry lowers them, a removed one recomputes them from the two partial
-- indexes on waiting entries (one index seek each). Drafts and decided entries never fire a
-- trigger (WHEN conditions); an update of a waiting entry fires only when one of the columns the
-- counters depend on is written.
CREATE TABLE backlog_waiting (
    unit_id BIGINT NOT NULL,
    approver_key BIGINT NOT NULL,
    waiting INTEGER NOT NULL,
    oldest_submitted_at TIMESTAMP,
    oldest_work_date DATE,
    PRIMARY KEY (unit_id, approver_key)
);

CREATE INDEX entries_waiting_submitted
    ON entries (unit_id, COALESCE(approver_id, 0), submitted_at)
    WHERE state = 'submitted' AND deleted_at IS NULL;
CREATE INDEX entries_waiting_work_date
    ON entries (unit_id, COALESCE(approver_id, 0), work_date)
    WHERE state = 'submitted' AND deleted_at IS NULL;

INSERT INTO backlog_waiting (unit_id, approver_key, waiting, oldest_submitted_at, oldest_work_date)
SELECT unit_id, COALESCE(approver_id, 0), count(*), min(submitted_at), min(work_date)
FROM entries
WHERE state = 'submitted' AND deleted_at IS NULL
GROUP BY unit_id, COALESCE(approver_id, 0);

CREATE TRIGGER backlog_waiting_ins AFTER INSERT ON entries
WHEN NEW.state = 'submitted' AND NEW.deleted_at IS NULL BEGIN
    INSERT INTO backlog_waiting
        (unit_id, approver_key, waiting, oldest_submitted_at, oldest_work_date)
    VALUES (NEW.unit_id, COALESCE(NEW.approver_id, 0), 1, NEW.submitted_at, NEW.work_date)
    ON CONFLICT (unit_id, approver_key) DO UPDATE SET
        waiting = waiting + 1,
        oldest_submitted_at = CASE
            WHEN oldest_submitted_at IS NULL OR excluded.oldest_submitted_at < oldest_submitted_at
            THEN excluded.oldest_submitted_at ELSE oldest_submitted_at END,
        oldest_work_date = CASE
            WHEN oldest_work_date IS NULL OR excluded.oldest_work_date < oldest_work_date
            THEN excluded.oldest_work_date ELSE oldest_work_date END;
END;

CREATE TRIGGER backlog_waiting_upd_new
AFTER UPDATE OF state, approver_id, unit_id, deleted_at, submitted_at, work_date ON entries
WHEN NEW.state = 'submitted' AND NEW.deleted_at IS NULL BEGIN
    INSERT INTO backlog_waiting
        (unit_id, approver_key, waiting, oldest_submitted_at, oldest_work_date)
    VALUES (NEW.unit_id, COALESCE(NEW.approver_id, 0), 1, NEW.submitted_at, NEW.work_date)
    ON CONFLICT (unit_id, approver_key) DO UPDATE SET
        waiting = waiting + 1,
        oldest_submitted_at = CASE
            WHEN oldest_submitted_at IS NULL OR excluded.oldest_submitted_at < oldest_submitted_at
            THEN excluded.oldest_submitted_at ELSE oldest_submitted_at END,
        oldest_work_date = CASE
            WHEN oldest_work_date IS NULL OR excluded.oldest_work_date < oldest_work_date
            THEN excluded.oldest_work_date ELSE oldest_work_date END;
END;

-- Removal: one fewer, the oldest recomputed from the waiting entries left (the table is already
-- written: AFTER), the row dropped when none is left.
CREATE TRIGGER backlog_waiting_upd_old
AFTER UPDATE OF state, approver_id, unit_id, deleted_at, submitted_at, work_date ON entries
WHEN OLD.state = 'submitted' AND OLD.deleted_at IS NULL BEGIN
    UPDATE backlog_waiting SET
        waiting = waiting - 1,
        oldest_submitted_at = (
            SELECT min(submitted_at) FROM entries
            WHERE unit_id = OLD.unit_id AND COALESCE(approver_id, 0) = COALESCE(OLD.approver_id, 0)
              AND state = 'submitted' AND deleted_at IS NULL),
        oldest_work_date = (
            SELECT min(work_date) FROM entries
            WHERE unit_id = OLD.unit_id AND COALESCE(approver_id, 0) = COALESCE(OLD.approver_id, 0)
              AND state = 'submitted' AND deleted_at IS NULL)
    WHERE unit_id = OLD.unit_id AND approver_key = COALESCE(OLD.approver_id, 0);
    DELETE FROM backlog_waiting
    WHERE unit_id = OLD.unit_id AND approver_key = COALESCE(OLD.approver_id, 0) AND waiting <= 0;
END;

CREATE TRIGGER backlog_waiting_del AFTER DELETE ON entries
WHEN OLD.state = 'submitted' AND OLD.deleted_at IS NULL BEGIN
    UPDATE backlog_waiting SET
        waiting = waiting - 1,
        oldest_submitted_at = (
            SELECT min(submitted_at) FROM entries
            WHERE unit_id = OLD.unit_id AND COALESCE(approver_id, 0) = COALESCE(OLD.approver_id, 0)
              AND state = 'submitted' AND deleted_at IS NULL),
        oldest_work_date = (
            SELECT min(work_date) FROM entries
            WHERE unit_id = OLD.unit_id AND COALESCE(approver_id, 0) = COALESCE(OLD.approver_id, 0)
              AND state = 'submitted' AND deleted_at IS NULL)
    WHERE unit_id = OLD.unit_id AND approver_key = COALESCE(OLD.approver_id, 0);
    DELETE FROM backlog_waiting
    WHERE unit_id = OLD.unit_id AND approver_key = COALESCE(OLD.approver_id, 0) AND waiting <= 0;
END;
