-- Issue 14: the people, contracts and approved leave that a month's KPI build reads are kept in
-- the server's memory between builds (services::kpi_months) while this version is unchanged.
-- Every write to staff, staff_contracts or leaves bumps it in the statement that writes, as it
-- already deletes the months' markers there: whoever writes (server, command line, raw SQL).
-- `instance` tells databases apart (each migrated database draws its own).
CREATE TABLE kpi_inputs_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    instance TEXT NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO kpi_inputs_version (id, instance, version) VALUES (1, lower(hex(randomblob(16))), 0);

DROP TRIGGER kpi_months_leaves_ins;
CREATE TRIGGER kpi_months_leaves_ins AFTER INSERT ON leaves BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_leaves_upd;
CREATE TRIGGER kpi_months_leaves_upd AFTER UPDATE ON leaves BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_leaves_del;
CREATE TRIGGER kpi_months_leaves_del AFTER DELETE ON leaves BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_staff_ins;
CREATE TRIGGER kpi_months_staff_ins AFTER INSERT ON staff BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_staff_upd;
CREATE TRIGGER kpi_months_staff_upd
AFTER UPDATE OF unit_id, supervisor_id, is_leader, joined_on, left_on, active ON staff
BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_staff_del;
CREATE TRIGGER kpi_months_staff_del AFTER DELETE ON staff BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_contracts_ins;
CREATE TRIGGER kpi_months_contracts_ins AFTER INSERT ON staff_contracts BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_contracts_upd;
CREATE TRIGGER kpi_months_contracts_upd AFTER UPDATE ON staff_contracts BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;

DROP TRIGGER kpi_months_contracts_del;
CREATE TRIGGER kpi_months_contracts_del AFTER DELETE ON staff_contracts BEGIN DELETE FROM kpi_months_built;
    UPDATE kpi_inputs_version SET version = version + 1 WHERE id = 1;
END;
