//! Appeals on published grades (Bến Cát, Decree 90 Art. 22): within the policy window after
//! publication the graded person files an appeal with their reason, or records a reserved
//! opinion (ý kiến bảo lưu) without appealing; an appeal goes to the level above the decider,
//! who upholds or changes the grade with a reason.
//!
//! Decisions:
//! - The window is [`APPEAL_WINDOW_DAYS`] days after the local (organisation time) date of
//!   publication: the 10th day after is still open, the 11th is not. It applies to reserved
//!   opinions too, so that a period's record is settled once the window closes.
//! - One appeal at a time per grade: a second appeal while one is `filed` is refused; reserved
//!   opinions are not limited by a pending appeal.
//! - The level above is the head of the parent unit of the round's unit, anyone who heads a
//!   subtree containing that parent unit, or the organisation department. A root unit has no
//!   parent: only the organisation department resolves its appeals. The appellant never
//!   resolves their own appeal.
//! - A change sets the final grade and appends [`Reason::Appeal`] to the grade's reasons; the
//!   proposal, the decided override and its reason stay as they were, and the appeal row keeps
//!   the resolver, their reason and the new grade.

use chrono::{Duration, NaiveDate};

use crate::db::grading::{AppealRow, GradeRow, NewAppeal, Round};
use crate::db::units::Unit;
use crate::db::{self, DbConnection};
use crate::domain::grading::{Grade, Reason};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::services::audit;

/// Days after publication during which an appeal or reserved opinion may be filed (default of
/// the Bến Cát rule).
pub const APPEAL_WINDOW_DAYS: i64 = 10;

/// What the person files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealKind {
    /// Asks the level above to review the grade.
    Appeal,
    /// Records the person's disagreement without asking for a review.
    ReservedOpinion,
}

impl AppealKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealKind::Appeal => "appeal",
            AppealKind::ReservedOpinion => "reserved_opinion",
        }
    }

    /// The state a new filing starts in.
    fn initial_state(self) -> &'static str {
        match self {
            AppealKind::Appeal => "filed",
            AppealKind::ReservedOpinion => "recorded",
        }
    }
}

/// The level above's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The grade stands.
    Uphold,
    /// The grade becomes the given one.
    Change(Grade),
}

/// Whether `today` is within `days` days after `published_on` (both local dates): the day of
/// publication and the `days`-th day after are inside, the day after that is not.
pub fn appeal_window_open(published_on: NaiveDate, today: NaiveDate, days: i64) -> bool {
    today >= published_on && today <= published_on + Duration::days(days.max(0))
}

/// The last day of the window.
fn window_end(published_on: NaiveDate, days: i64) -> NaiveDate {
    published_on + Duration::days(days.max(0))
}

/// Heads of the unit's subtree (including heads of units above) and the organisation; the same
/// rule as grading rounds.
fn manages(viewer: &Viewer, unit: &Unit) -> bool {
    viewer.manages_unit(&unit.path)
}

/// The level above the decider of `unit`'s round: the head of the parent unit, anyone heading a
/// subtree that contains the parent unit, or the organisation department. Headship counts only
/// with the `head` role (the viewer's headed paths hold both).
fn is_level_above(viewer: &Viewer, parent: Option<&Unit>) -> bool {
    if viewer.is_org_wide() {
        return true;
    }
    match parent {
        Some(p) => viewer.heads(&p.path),
        None => false,
    }
}

fn load_grade(conn: &mut DbConnection, grade_id: i64) -> AppResult<(GradeRow, Round, Unit)> {
    let grade = db::grading::grade(conn, grade_id)?.ok_or(AppError::NotFound)?;
    let round = db::grading::round(conn, grade.round_id)?.ok_or(AppError::NotFound)?;
    let unit = db::units::find(conn, round.unit_id)?.ok_or(AppError::NotFound)?;
    Ok((grade, round, unit))
}

fn check_reason(field: &str, reason: &str) -> AppResult<String> {
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        return Err(AppError::validation(
            field,
            "required",
            "Cần ghi rõ lý do.",
            "A reason is required.",
        ));
    }
    Ok(trimmed.to_string())
}

fn current_grade(g: &GradeRow) -> Grade {
    Grade::parse(g.final_grade.as_deref().unwrap_or(&g.proposed_grade)).unwrap_or(Grade::NotGraded)
}

/// Files an appeal or records a reserved opinion on the caller's own published grade.
/// `today` is the organisation's local date, `utc_offset_minutes` its offset from UTC.
pub fn file(
    conn: &mut DbConnection,
    viewer: &Viewer,
    grade_id: i64,
    kind: AppealKind,
    reason: &str,
    today: NaiveDate,
    utc_offset_minutes: i32,
) -> AppResult<AppealRow> {
    let reason = check_reason("reason", reason)?;
    db::write_transaction(conn, |conn| {
        let (grade, round, unit) = load_grade(conn, grade_id)?;
        if grade.staff_id != viewer.staff_id {
            return Err(if manages(viewer, &unit) {
                AppError::forbidden(
                    "Chỉ người được đánh giá mới được khiếu nại hoặc bảo lưu ý kiến về xếp loại của mình.",
                    "Only the graded person may appeal or record a reserved opinion on their grade.",
                )
            } else {
                AppError::NotFound
            });
        }
        let published_at = match (round.state.as_str(), round.published_at) {
            ("published", Some(at)) => at,
            _ => {
                return Err(AppError::conflict(
                    "Kết quả xếp loại chưa được công bố; chỉ khiếu nại hoặc bảo lưu ý kiến sau khi công bố.",
                    "The grade is not published yet; appeals and reserved opinions come after publication.",
                ))
            }
        };
        let published_on = (published_at + Duration::minutes(i64::from(utc_offset_minutes))).date();
        if !appeal_window_open(published_on, today, APPEAL_WINDOW_DAYS) {
            let end = window_end(published_on, APPEAL_WINDOW_DAYS);
            return Err(AppError::Conflict(Text::new(
                format!(
                    "Đã hết thời hạn khiếu nại, bảo lưu ý kiến (hết ngày {}).",
                    end.format("%d/%m/%Y")
                ),
                format!("The appeal window closed on {end}."),
            )));
        }
        if !db::grading::lock_grade(conn, grade.id)? {
            return Err(AppError::NotFound);
        }
        if kind == AppealKind::Appeal && db::grading::has_filed_appeal(conn, grade.id)? {
            return Err(AppError::conflict(
                "Đã có một khiếu nại đang chờ cấp trên giải quyết.",
                "An appeal on this grade is already waiting for the level above.",
            ));
        }
        let state = kind.initial_state();
        let id = db::grading::insert_appeal(
            conn,
            &NewAppeal {
                grade_id: grade.id,
                staff_id: viewer.staff_id,
                kind: kind.as_str(),
                reason: &reason,
                state,
                created_at: db::now_utc(),
            },
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "appeal",
            id,
            match kind {
                AppealKind::Appeal => "file",
                AppealKind::ReservedOpinion => "record",
            },
            None,
            Some(state),
            Some(&reason),
            Some(serde_json::json!({
                "grade_id": grade.id,
                "round_id": round.id,
                "kind": kind.as_str(),
                "grade": current_grade(&grade).as_str(),
            })),
        )?;
        db::grading::appeal(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// The level above upholds or changes an appealed grade, with a reason.
pub fn resolve(
    conn: &mut DbConnection,
    viewer: &Viewer,
    appeal_id: i64,
    decision: Decision,
    reason: &str,
) -> AppResult<AppealRow> {
    let reason = check_reason("reason", reason)?;
    db::write_transaction(conn, |conn| {
        let appeal = db::grading::appeal(conn, appeal_id)?.ok_or(AppError::NotFound)?;
        let (grade, round, unit) = load_grade(conn, appeal.grade_id)?;
        let appellant = appeal.staff_id == viewer.staff_id;
        if !appellant && !manages(viewer, &unit) {
            return Err(AppError::NotFound);
        }
        if appellant {
            return Err(AppError::forbidden(
                "Không ai tự giải quyết khiếu nại của chính mình.",
                "Nobody resolves their own appeal.",
            ));
        }
        let parent = match unit.parent_id {
            Some(p) => db::units::find(conn, p)?,
            None => None,
        };
        if !is_level_above(viewer, parent.as_ref()) {
            return Err(if round.decided_by == Some(viewer.staff_id) {
                AppError::forbidden(
                    "Người đã quyết định xếp loại không giải quyết khiếu nại về quyết định đó; khiếu nại do cấp trên giải quyết.",
                    "The decider does not resolve appeals against their own decision; the level above does.",
                )
            } else {
                AppError::forbidden(
                    "Chỉ cấp trên của người quyết định (thủ trưởng đơn vị cấp trên) hoặc Ban Tổ chức giải quyết khiếu nại.",
                    "Only the level above the decider (the head of the parent unit) or the organisation department resolves appeals.",
                )
            });
        }
        if appeal.kind != AppealKind::Appeal.as_str() || appeal.state != "filed" {
            return Err(AppError::Conflict(Text::new(
                format!(
                    "Chỉ giải quyết khiếu nại đang chờ; mục này ở trạng thái '{}'.",
                    appeal.state
                ),
                format!(
                    "Only a filed appeal can be resolved; this one is '{}'.",
                    appeal.state
                ),
            )));
        }
        let from = current_grade(&grade);
        if let Decision::Change(to) = decision {
            if to == from {
                return Err(AppError::validation(
                    "grade",
                    "unchanged",
                    "Xếp loại mới phải khác xếp loại hiện tại; nếu giữ nguyên, hãy chọn giữ nguyên (uphold).",
                    "The new grade must differ from the current one; to keep it, uphold.",
                ));
            }
        }
        let now = db::now_utc();
        let (state, new_grade) = match decision {
            Decision::Uphold => ("upheld", None),
            Decision::Change(to) => ("changed", Some(to)),
        };
        if !db::grading::resolve_appeal(
            conn,
            appeal.id,
            state,
            viewer.staff_id,
            &reason,
            new_grade.map(Grade::as_str),
            now,
        )? {
            return Err(AppError::conflict(
                "Khiếu nại vừa được người khác giải quyết.",
                "The appeal was just resolved by someone else.",
            ));
        }
        if let Some(to) = new_grade {
            let mut reasons: Vec<Reason> = serde_json::from_str(&grade.reasons).map_err(|e| {
                AppError::Internal(anyhow::anyhow!("grade {} reasons: {e}", grade.id))
            })?;
            reasons.push(Reason::Appeal {
                from,
                to,
                reason: reason.clone(),
            });
            let text = serde_json::to_string(&reasons).map_err(|e| AppError::Internal(e.into()))?;
            db::grading::set_final(
                conn,
                grade.id,
                to.as_str(),
                &text,
                grade.override_reason.as_deref(),
                now,
            )?;
            audit::record(
                conn,
                Some(viewer.staff_id),
                "grade",
                grade.id,
                "appeal_change",
                Some(from.as_str()),
                Some(to.as_str()),
                Some(&reason),
                Some(serde_json::json!({"appeal_id": appeal.id, "round_id": round.id})),
            )?;
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "appeal",
            appeal.id,
            "resolve",
            Some("filed"),
            Some(state),
            Some(&reason),
            Some(serde_json::json!({
                "grade_id": grade.id,
                "from": from.as_str(),
                "to": new_grade.map(Grade::as_str),
            })),
        )?;
        db::grading::appeal(conn, appeal.id)?.ok_or(AppError::NotFound)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn the_window_includes_the_tenth_day_after_publication_and_not_the_eleventh() {
        let published = d(2026, 11, 5);
        let cases = [
            (d(2026, 11, 4), 10, false), // before publication
            (d(2026, 11, 5), 10, true),  // the day of publication
            (d(2026, 11, 6), 10, true),
            (d(2026, 11, 15), 10, true),  // the 10th day after
            (d(2026, 11, 16), 10, false), // the 11th day after
            (d(2027, 1, 1), 10, false),
            (d(2026, 11, 5), 0, true), // a zero window: publication day only
            (d(2026, 11, 6), 0, false),
            (d(2026, 11, 5), -3, true), // a negative window behaves as zero
            (d(2026, 11, 6), -3, false),
        ];
        for (today, days, open) in cases {
            assert_eq!(
                appeal_window_open(published, today, days),
                open,
                "{today} with {days} days"
            );
        }
        // Across a month and a year end.
        assert!(appeal_window_open(d(2026, 12, 25), d(2027, 1, 4), 10));
        assert!(!appeal_window_open(d(2026, 12, 25), d(2027, 1, 5), 10));
        assert_eq!(window_end(d(2026, 12, 25), 10), d(2027, 1, 4));
    }

    #[test]
    fn the_level_above_is_the_parents_head_its_ancestors_heads_or_the_organisation() {
        use crate::domain::roles::RoleSet;
        let unit = |path: &str, head: Option<i64>| Unit {
            id: 1,
            code: "U".into(),
            name: "U".into(),
            level: "province".into(),
            parent_id: None,
            head_id: head,
            path: path.into(),
            active: true,
            version: 1,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        };
        let viewer = |id: i64, roles: &str, headed: &[&str]| Viewer {
            staff_id: id,
            roles: RoleSet::parse(roles).expect("roles"),
            unit_id: None,
            unit_path: None,
            headed_paths: headed.iter().map(|s| s.to_string()).collect(),
        };
        let province = unit("/1/", Some(10));
        let governor = viewer(10, "staff,head", &["/1/"]);
        let ward_head = viewer(11, "staff,head", &["/1/2/"]);
        let org = viewer(12, "organisation", &[]);
        let plain = viewer(13, "staff", &[]);
        // A province head named by head_id only (no head role, so no headed path loaded): the
        // role was removed, the powers go with it.
        let named_head = viewer(10, "staff", &[]);
        assert!(is_level_above(&governor, Some(&province)));
        assert!(!is_level_above(&named_head, Some(&province)));
        assert!(!is_level_above(&ward_head, Some(&province)));
        assert!(is_level_above(&org, Some(&province)));
        assert!(!is_level_above(&plain, Some(&province)));
        // A root unit: only the organisation department.
        assert!(!is_level_above(&governor, None));
        assert!(is_level_above(&org, None));
    }
}
