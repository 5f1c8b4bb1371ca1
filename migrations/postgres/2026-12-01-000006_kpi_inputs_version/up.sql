-- Issue 14: the people, contracts and approved leave that a month's KPI build reads are kept in
-- the server's memory between builds (services::kpi_months) while this version is unchanged.
-- Every write to staff, staff_contracts or leaves bumps it in the statement that writes, as it
-- already deletes the months' markers there: whoever writes (server, command line, raw SQL).
-- `instance` tells databases apart (each migrated database draws its own).
CREATE TABLE kpi_inputs_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO kpi_inputs_version (id, instance, version)
VALUES (1, md5(random()::text || clock_timestamp()::text), 0);

-- The markers first, then the version: a build holds kpi_months_built (SHARE ROW EXCLUSIVE)
-- while it reads the version, so a writer waits at its DELETE, before it bumps.
CREATE FUNCTION kpi_months_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;

DROP TRIGGER kpi_months_leaves ON leaves;
DROP TRIGGER kpi_months_staff_ins ON staff;
DROP TRIGGER kpi_months_staff_upd ON staff;
DROP TRIGGER kpi_months_contracts ON staff_contracts;
CREATE TRIGGER kpi_months_leaves AFTER INSERT OR UPDATE OR DELETE ON leaves
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_people();
CREATE TRIGGER kpi_months_staff_ins AFTER INSERT OR DELETE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_people();
CREATE TRIGGER kpi_months_staff_upd
    AFTER UPDATE OF unit_id, supervisor_id, is_leader, joined_on, left_on, active ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_people();
CREATE TRIGGER kpi_months_contracts AFTER INSERT OR UPDATE OR DELETE ON staff_contracts
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_people();
