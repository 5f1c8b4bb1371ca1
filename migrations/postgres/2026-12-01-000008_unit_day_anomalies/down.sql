DROP TRIGGER IF EXISTS unit_day_anomalies_ins ON day_totals;
DROP TRIGGER IF EXISTS unit_day_anomalies_del ON day_totals;
DROP TRIGGER IF EXISTS unit_day_anomalies_upd ON day_totals;
DROP FUNCTION IF EXISTS unit_day_anomalies_days();
DROP FUNCTION IF EXISTS unit_day_anomalies_add(BIGINT, DATE, INTEGER, day_totals);
DROP TABLE IF EXISTS unit_day_anomalies;
