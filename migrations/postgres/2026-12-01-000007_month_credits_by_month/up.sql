-- A month's KPI build reads the approved credits of everybody in the month: one range of this
-- covering index, in (person, rework count, task) order, so that the GROUP BY of a one-month
-- period needs no sort and no table lookups (issue 14). `month_credits_staff_month` still
-- serves the reads of some people.
CREATE INDEX month_credits_month ON month_credits(month_start, staff_id, rework_count, task_id, minutes, norm_minutes, entries, first_submitted_at);
