DROP INDEX entries_state_unit;
DROP TABLE maintained_totals;
DROP TABLE month_credits;
DROP TABLE day_totals;
