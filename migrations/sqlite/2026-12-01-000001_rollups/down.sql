DROP TABLE rollup_weeks;
DROP TABLE unit_weeks;
DROP TABLE week_totals;
