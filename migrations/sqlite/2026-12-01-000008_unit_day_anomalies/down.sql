DROP TRIGGER IF EXISTS unit_day_anomalies_ins;
DROP TRIGGER IF EXISTS unit_day_anomalies_del;
DROP TRIGGER IF EXISTS unit_day_anomalies_upd;
DROP TABLE IF EXISTS unit_day_anomalies;
