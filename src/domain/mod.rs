//! Pure rules of the rulebook (`shared/design/domain.md`): no diesel, no actix. Each rule lives
//! here exactly once and is unit-tested in place.

pub mod bounds;
pub mod calendar;
pub mod diary;
pub mod grading;
pub mod kpi;
pub mod org;
pub mod password;
pub mod period;
pub mod roles;
pub mod scope;
pub mod staffing;
pub mod tasks;
pub mod text;
