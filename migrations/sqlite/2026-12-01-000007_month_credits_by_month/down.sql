DROP INDEX month_credits_month;
