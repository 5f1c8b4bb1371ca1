-- The people short of the 40-hour norm in an ended week, in the order of their gap (issue 14):
-- the under-logged report reads its page from these instead of every person row of the week,
-- so that it costs the page, not the headcount. One partial index per basis of the rule
-- (logged = submitted + approved minutes, or approved only); each holds only the short rows.
-- `db::rollups::short_rows` writes the same predicates literally so that both engines use them.
CREATE INDEX week_totals_logged_gap ON week_totals(week_start, (expected - logged))
    WHERE expected > 0 AND logged < expected;
CREATE INDEX week_totals_approved_gap ON week_totals(week_start, (expected - approved))
    WHERE expected > 0 AND approved < expected;
