//! One integration test binary: every module is a feature told as the user's story, run against
//! SQLite (default) or PostgreSQL (`TEST_DATABASE_URL=postgres://...`).

mod appeals;
mod approvals;
mod auth;
mod calendar;
mod dashboard;
mod demo;
mod diary;
mod errors;
mod exports;
mod grading;
mod grading_rules;
mod health;
mod helpers;
mod import;
mod indexes;
mod kpi;
mod ops;
mod organisation;
mod products;
mod reports;
mod tasks;
mod totals;
mod weeks;
mod year;
