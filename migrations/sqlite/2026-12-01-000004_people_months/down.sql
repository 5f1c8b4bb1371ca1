DROP TRIGGER IF EXISTS people_months_weeks_ins;
DROP TRIGGER IF EXISTS people_months_weeks_del;
DROP TRIGGER IF EXISTS people_months_weeks_upd;
DROP TABLE IF EXISTS people_unit_months;
DROP TABLE IF EXISTS people_months_built;
