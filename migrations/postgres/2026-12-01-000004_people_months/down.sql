DROP TRIGGER IF EXISTS people_months_weeks_ins ON week_totals;
DROP TRIGGER IF EXISTS people_months_weeks_del ON week_totals;
DROP TRIGGER IF EXISTS people_months_weeks_upd ON week_totals;
DROP FUNCTION IF EXISTS people_months_weeks_new();
DROP FUNCTION IF EXISTS people_months_weeks_old();
DROP FUNCTION IF EXISTS people_months_weeks_changed();
DROP TABLE IF EXISTS people_unit_months;
DROP TABLE IF EXISTS people_months_built;
