DROP TRIGGER IF EXISTS backlog_waiting_ins;
DROP TRIGGER IF EXISTS backlog_waiting_upd_new;
DROP TRIGGER IF EXISTS backlog_waiting_upd_old;
DROP TRIGGER IF EXISTS backlog_waiting_del;
DROP INDEX IF EXISTS entries_waiting_submitted;
DROP INDEX IF EXISTS entries_waiting_work_date;
DROP TABLE IF EXISTS backlog_waiting;
