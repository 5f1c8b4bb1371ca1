//! One integration test binary: every module is a feature told as the user's story, run against
//! SQLite (default) or PostgreSQL (`TEST_DATABASE_URL=postgres://...`).

mod auth;
mod calendar;
mod errors;
mod health;
mod helpers;
mod import;
mod organisation;
mod products;
mod weeks;
