DROP TRIGGER kpi_months_leaves_ins;
CREATE TRIGGER kpi_months_leaves_ins AFTER INSERT ON leaves BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_leaves_upd;
CREATE TRIGGER kpi_months_leaves_upd AFTER UPDATE ON leaves BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_leaves_del;
CREATE TRIGGER kpi_months_leaves_del AFTER DELETE ON leaves BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_staff_ins;
CREATE TRIGGER kpi_months_staff_ins AFTER INSERT ON staff BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_staff_upd;
CREATE TRIGGER kpi_months_staff_upd
AFTER UPDATE OF unit_id, supervisor_id, is_leader, joined_on, left_on, active ON staff
BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_staff_del;
CREATE TRIGGER kpi_months_staff_del AFTER DELETE ON staff BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_contracts_ins;
CREATE TRIGGER kpi_months_contracts_ins AFTER INSERT ON staff_contracts BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_contracts_upd;
CREATE TRIGGER kpi_months_contracts_upd AFTER UPDATE ON staff_contracts BEGIN DELETE FROM kpi_months_built; END;

DROP TRIGGER kpi_months_contracts_del;
CREATE TRIGGER kpi_months_contracts_del AFTER DELETE ON staff_contracts BEGIN DELETE FROM kpi_months_built; END;

DROP TABLE kpi_inputs_version;
