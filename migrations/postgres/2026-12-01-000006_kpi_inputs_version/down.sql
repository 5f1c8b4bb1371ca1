DROP TRIGGER kpi_months_leaves ON leaves;
DROP TRIGGER kpi_months_staff_ins ON staff;
DROP TRIGGER kpi_months_staff_upd ON staff;
DROP TRIGGER kpi_months_contracts ON staff_contracts;
CREATE TRIGGER kpi_months_leaves AFTER INSERT OR UPDATE OR DELETE ON leaves
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_staff_ins AFTER INSERT OR DELETE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_staff_upd
    AFTER UPDATE OF unit_id, supervisor_id, is_leader, joined_on, left_on, active ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
CREATE TRIGGER kpi_months_contracts AFTER INSERT OR UPDATE OR DELETE ON staff_contracts
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_months_all();
DROP FUNCTION kpi_months_people();
DROP TABLE kpi_inputs_version;
