DROP INDEX IF EXISTS week_totals_approved_gap;
DROP INDEX IF EXISTS week_totals_logged_gap;
