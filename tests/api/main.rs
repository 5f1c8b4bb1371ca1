//! One integration test binary: every module is a feature told as the user's story, run against
//! SQLite (default) or PostgreSQL (`TEST_DATABASE_URL=postgres://...`).

mod abuse;
mod appeals;
mod approvals;
mod auth;
mod ballots;
mod calendar;
mod dashboard;
mod demo;
mod denial;
mod diary;
mod errors;
mod exports;
mod faults;
mod grading;
mod grading_formula;
mod grading_rules;
mod health;
mod helpers;
mod hygiene;
mod import;
mod indexes;
mod kpi;
mod ops;
mod organisation;
mod products;
mod reminders;
mod reports;
mod round_lookup;
mod statements;
mod tasks;
mod totals;
mod trust;
mod web;
mod weeks;
mod year;
