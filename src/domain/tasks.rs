//! Assigned tasks: their kinds and states, and how many due dates a task has missed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::kpi::delays;

/// Planned work (from a work plan) or an ad-hoc assignment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    #[default]
    Planned,
    AdHoc,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Planned => "planned",
            TaskKind::AdHoc => "ad_hoc",
        }
    }

    /// Parses the stored text form; `None` for anything else.
    pub fn parse(s: &str) -> Option<TaskKind> {
        [TaskKind::Planned, TaskKind::AdHoc]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
}

/// State of a task: `open → completed | cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Open,
    Completed,
    Cancelled,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Completed => "completed",
            TaskState::Cancelled => "cancelled",
        }
    }

    /// Parses the stored text form; `None` for anything else.
    pub fn parse(s: &str) -> Option<TaskState> {
        [TaskState::Open, TaskState::Completed, TaskState::Cancelled]
            .into_iter()
            .find(|st| st.as_str() == s.trim())
    }
}

/// Missed due dates of a task as of a day: a completed task counts up to its completion date, an
/// open one up to `as_of`; a cancelled task has no due date left to miss (0). Used by the task
/// view and by the KPI's progress.
pub fn delays_as_of(
    state: Option<TaskState>,
    due: NaiveDate,
    completed_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> i32 {
    match state {
        Some(TaskState::Cancelled) => 0,
        _ => delays(due, completed_on.unwrap_or(as_of)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn delays_by_state() {
        let due = d("2026-11-10");
        let cases = [
            (Some(TaskState::Open), None, "2026-11-09", 0),
            (Some(TaskState::Open), None, "2026-11-18", 2),
            (
                Some(TaskState::Completed),
                Some("2026-11-11"),
                "2026-12-31",
                1,
            ),
            (Some(TaskState::Cancelled), None, "2026-12-31", 0),
        ];
        for (state, done, as_of, expected) in cases {
            assert_eq!(
                delays_as_of(state, due, done.map(d), d(as_of)),
                expected,
                "{state:?} {done:?} {as_of}"
            );
        }
    }

    #[test]
    fn kinds_and_states_parse_their_text() {
        assert_eq!(TaskKind::parse("ad_hoc"), Some(TaskKind::AdHoc));
        assert_eq!(TaskState::parse("completed"), Some(TaskState::Completed));
        assert_eq!(TaskState::parse("done"), None);
    }
}
