DROP TRIGGER IF EXISTS backlog_waiting_ins ON entries;
DROP TRIGGER IF EXISTS backlog_waiting_upd_new ON entries;
DROP TRIGGER IF EXISTS backlog_waiting_upd_old ON entries;
DROP TRIGGER IF EXISTS backlog_waiting_del ON entries;
DROP FUNCTION IF EXISTS backlog_waiting_add();
DROP FUNCTION IF EXISTS backlog_waiting_remove();
DROP INDEX IF EXISTS entries_waiting_submitted;
DROP INDEX IF EXISTS entries_waiting_work_date;
DROP TABLE IF EXISTS backlog_waiting;
