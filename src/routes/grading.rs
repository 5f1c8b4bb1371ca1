//! `/grading/rounds`, `/grades/{id}/explain`, `/published`, `/policies`.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::grading::{AppealRow, GradeRow, PolicyRow, Round};
use crate::domain::grading::{Grade, PolicyPreset, Reason};
use crate::domain::kpi::KpiPolicy;
use crate::error::{AppError, Problem};
use crate::i18n::{self, Lang};
use crate::routes::kpi::{parse_period, GradeView, PeriodQuery};
use crate::routes::{local_today, utc, ValidJson};
use crate::services::grading::{AssessmentInput, Override, PolicyBody};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(open_round)
        .service(open_subtree_rounds)
        .service(find_rounds)
        .service(get_round)
        .service(recompute_round)
        .service(put_assessment)
        .service(decide_round)
        .service(publish_round)
        .service(explain_grade)
        .service(published)
        .service(list_policies)
        .service(create_policy)
        .service(two_years_not_complete);
}

/// A rule applied to a grade, with its figures and its explanation in the caller's language.
///
/// Flat on purpose (not `#[serde(flatten)]` of the tagged [`Reason`]): `rule` names the rule and
/// only the figures that rule carries are present, which is the same JSON as before, but a schema
/// every client generator can read (an `allOf` of a `oneOf` is dropped by several of them).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReasonView {
    /// The rule: `threshold`, `discipline`, `not_graded`, `quota`, `leader_downgrade`,
    /// `override` or `appeal`.
    pub rule: ReasonRule,
    /// `threshold`: the total the thresholds were applied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// `threshold`: the grade the thresholds gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// `not_graded`: working days worked in the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worked_days: Option<i64>,
    /// `not_graded`: the period's working days (at least half must be worked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_days: Option<i64>,
    /// `quota`: rank among the unit's candidates for excellent (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    /// `quota`: how many excellent places the unit has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<usize>,
    /// `leader_downgrade`: why (`member_not_complete` or `unit_quantity_below`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// `leader_downgrade`, `override`, `appeal`: the grade before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Grade>,
    /// `leader_downgrade`, `override`, `appeal`: the grade after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Grade>,
    /// `override`, `appeal`: the written reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What it means, in the caller's language.
    pub message: String,
}

/// Which grading rule a reason records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonRule {
    Threshold,
    Discipline,
    NotGraded,
    Quota,
    LeaderDowngrade,
    Override,
    Appeal,
}

impl ReasonView {
    /// The view of a stored reason: its own serialisation (`rule` tag + figures) read back into
    /// the flat shape, so the two cannot disagree on a field name.
    fn of(reason: &Reason, message: String) -> Option<ReasonView> {
        let mut value = serde_json::to_value(reason).ok()?;
        value
            .as_object_mut()?
            .insert("message".to_string(), serde_json::Value::String(message));
        serde_json::from_value(value).ok()
    }
}

fn reasons_view(text: &str) -> Vec<ReasonView> {
    let reasons: Vec<Reason> = serde_json::from_str(text).unwrap_or_default();
    reasons
        .iter()
        .filter_map(|r| {
            let message = match i18n::current() {
                Lang::Vi => r.message_vi(),
                Lang::En => r.message_en(),
            };
            ReasonView::of(r, message)
        })
        .collect()
}

/// One person's grade in a round.
#[derive(Debug, Serialize, ToSchema)]
pub struct GradeRowView {
    /// Grade id (for `/grades/{id}/explain` and appeals).
    pub id: i64,
    /// The person.
    pub staff_id: i64,
    /// Full name.
    pub full_name: String,
    /// Head of the unit.
    pub is_head: bool,
    /// Leadership post.
    pub is_leader: bool,
    /// Expected minutes.
    pub expected: i64,
    /// Credited minutes.
    pub credited: i64,
    /// Quantity factor.
    pub quantity: f64,
    /// Quality factor.
    pub quality: f64,
    /// Progress factor.
    pub progress: f64,
    /// Task results (≤ 70).
    pub task_score: f64,
    /// Common criteria (≤ 30); null until the evaluator scores them.
    pub common_score: Option<f64>,
    /// Bonus.
    pub bonus: f64,
    /// Total (≤ 100).
    pub total: f64,
    /// Evaluator's scores per criteria group.
    pub common_scores: Option<Vec<f64>>,
    /// The person's self-assessment per group.
    pub self_scores: Option<Vec<f64>>,
    /// Ballot votes for excellent.
    pub ballot_votes: i32,
    /// Disciplined in the period.
    pub disciplined: bool,
    /// Days worked / working days of the period.
    pub worked_days: i64,
    /// Working days of the period.
    pub period_working_days: i64,
    /// The proposal of the rules.
    pub proposed_grade: GradeView,
    /// The decided grade (after the decision; changed by appeals).
    pub final_grade: Option<GradeView>,
    /// Every rule applied, in order.
    pub reasons: Vec<ReasonView>,
    /// The deciding head's written reason for an override.
    pub override_reason: Option<String>,
}

fn grade_of(code: &str) -> Grade {
    Grade::parse(code).unwrap_or(Grade::NotGraded)
}

fn scores(text: &Option<String>) -> Option<Vec<f64>> {
    text.as_deref().and_then(|t| serde_json::from_str(t).ok())
}

impl GradeRowView {
    fn new(g: GradeRow, full_name: String) -> GradeRowView {
        GradeRowView {
            id: g.id,
            staff_id: g.staff_id,
            full_name,
            is_head: g.is_head,
            is_leader: g.is_leader,
            expected: g.expected,
            credited: g.credited,
            quantity: g.quantity,
            quality: g.quality,
            progress: g.progress,
            task_score: g.task_score,
            common_score: g.evaluator_scores.as_ref().map(|_| g.common_score),
            bonus: g.bonus,
            total: g.total,
            common_scores: scores(&g.evaluator_scores),
            self_scores: scores(&g.self_scores),
            ballot_votes: g.ballot_votes,
            disciplined: g.disciplined,
            worked_days: g.worked_days,
            period_working_days: g.period_working_days,
            proposed_grade: GradeView::of(grade_of(&g.proposed_grade)),
            final_grade: g.final_grade.as_deref().map(|f| GradeView::of(grade_of(f))),
            reasons: reasons_view(&g.reasons),
            override_reason: g.override_reason,
        }
    }
}

/// The policy version a round used.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyRef {
    /// Policy id.
    pub id: i64,
    /// Preset code.
    pub code: String,
    /// Version.
    pub version: i32,
}

impl From<&PolicyRow> for PolicyRef {
    fn from(p: &PolicyRow) -> Self {
        PolicyRef {
            id: p.id,
            code: p.code.clone(),
            version: p.version,
        }
    }
}

/// A grading round and its grades.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    /// Id.
    pub id: i64,
    /// The unit graded.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The period.
    pub period: String,
    /// `open`, `decided` or `published`.
    pub state: String,
    /// The policy version used.
    pub policy: PolicyRef,
    /// Who decided, when.
    pub decided_by: Option<i64>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// One grade per member.
    pub grades: Vec<GradeRowView>,
}

fn round_view(
    conn_names: &std::collections::HashMap<i64, String>,
    round: Round,
    unit_name: String,
    policy: &PolicyRow,
    grades: Vec<GradeRow>,
) -> RoundView {
    RoundView {
        id: round.id,
        unit_id: round.unit_id,
        unit_name,
        period: round.period,
        state: round.state,
        policy: PolicyRef::from(policy),
        decided_by: round.decided_by,
        decided_at: round.decided_at.map(utc),
        published_at: round.published_at.map(utc),
        grades: grades
            .into_iter()
            .map(|g| {
                let name = conn_names.get(&g.staff_id).cloned().unwrap_or_default();
                GradeRowView::new(g, name)
            })
            .collect(),
    }
}

/// Open a round.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_id": 2, "period": "2026-11"}))]
pub struct OpenRound {
    /// The unit to grade.
    pub unit_id: i64,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    /// A policy version (default: the default policy).
    pub policy_id: Option<i64>,
}

async fn load_round_view(
    state: &web::Data<AppState>,
    user: AuthUser,
    id: i64,
) -> Result<RoundView, AppError> {
    state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let (round, unit, policy, grades) = services::grading::get_round(conn, &viewer, id)?;
            let ids: Vec<i64> = grades.iter().map(|g| g.staff_id).collect();
            let names = crate::db::staff::names_of(conn, &ids)?
                .into_iter()
                .collect();
            Ok(round_view(&names, round, unit.name, &policy, grades))
        })
        .await
}

/// Open a grading round for a unit and period: every member's KPI and proposed grade are
/// computed with the policy in force (heads of the unit's subtree, the organisation).
#[utoipa::path(
    tag = "grading",
    request_body = OpenRound,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened and computed", body = RoundView),
        (status = 403, description = "Not a head of the unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A round exists for that unit and period", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or policy", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds")]
pub async fn open_round(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<OpenRound>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let today = local_today(&state);
    let period = parse_period(Some(&b.period), today)?;
    let id = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::grading::open_round(conn, &viewer, b.unit_id, period, b.policy_id, today)
        })
        .await?;
    let view = load_round_view(&state, user, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/grading/rounds/{id}"),
        ))
        .json(view))
}

/// Open the rounds of a subtree.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_id": 1, "period": "2026-11"}))]
pub struct OpenSubtreeRounds {
    /// The root of the subtree (itself included).
    pub unit_id: i64,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    /// A policy version for the rounds opened (default: the default policy).
    pub policy_id: Option<i64>,
}

/// A round opened by a subtree request.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedRound {
    /// Round id.
    pub id: i64,
    /// The unit.
    pub unit_id: i64,
    /// The period.
    pub period: String,
    /// `open`.
    pub state: String,
    /// People graded in it (their proposed grades are in `GET /grading/rounds/{id}`).
    pub graded: usize,
}

/// What opening a subtree's rounds did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubtreeRoundsView {
    /// The period.
    pub period: String,
    /// Rounds opened and computed by this request, by unit id.
    pub opened: Vec<OpenedRound>,
    /// Rounds of the subtree that existed already for the period (left unchanged), by unit id.
    pub existing: Vec<RoundSummary>,
}

/// Open the period's grading round of every unit of a subtree at once (the organisation
/// department's month: one request instead of one per unit). Units with active members and no
/// round for the period get one, computed as `POST /grading/rounds` would compute it; rounds
/// that exist are listed under `existing` and left unchanged, so retrying never opens a round
/// twice. Heads of the subtree's root (or above) and the organisation department.
#[utoipa::path(
    tag = "grading",
    request_body = OpenSubtreeRounds,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rounds opened now and those that existed", body = SubtreeRoundsView),
        (status = 403, description = "Not a head of the subtree's root", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period or policy", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds/batch")]
pub async fn open_subtree_rounds(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<OpenSubtreeRounds>,
) -> Result<web::Json<SubtreeRoundsView>, AppError> {
    let b = body.0;
    let today = local_today(&state);
    let period = parse_period(Some(&b.period), today)?;
    let done = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::grading::open_subtree_rounds(
                conn,
                &viewer,
                b.unit_id,
                period,
                b.policy_id,
                today,
            )
        })
        .await?;
    let mut opened: Vec<OpenedRound> = done
        .opened
        .into_iter()
        .map(|(r, graded)| OpenedRound {
            id: r.id,
            unit_id: r.unit_id,
            period: r.period,
            state: r.state,
            graded,
        })
        .collect();
    opened.sort_by_key(|r| r.unit_id);
    let mut existing: Vec<RoundSummary> = done
        .existing
        .into_iter()
        .map(|r| RoundSummary {
            id: r.id,
            unit_id: r.unit_id,
            period: r.period,
            state: r.state,
        })
        .collect();
    existing.sort_by_key(|r| r.unit_id);
    Ok(web::Json(SubtreeRoundsView {
        period: period.to_string(),
        opened,
        existing,
    }))
}

/// Which round to look for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindRoundsQuery {
    /// The unit.
    pub unit_id: i64,
    /// The period (`2026-11`, `2026-Q4`, `2026`).
    pub period: String,
}

/// A round, without its grades.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundSummary {
    /// Round id.
    pub id: i64,
    /// The unit.
    pub unit_id: i64,
    /// The period.
    pub period: String,
    /// `open`, `decided` or `published`.
    pub state: String,
}

/// Rounds found.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundList {
    /// At most one round per unit and period.
    pub items: Vec<RoundSummary>,
}

/// Find the grading round of a unit for a period (clients use it to resume a round they did not
/// open themselves). Those who manage the unit see it in every state, others only once
/// published; a unit the caller cannot see is 404.
#[utoipa::path(
    tag = "grading",
    params(FindRoundsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The round, or none", body = RoundList),
        (status = 404, description = "Unit not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grading/rounds")]
pub async fn find_rounds(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<FindRoundsQuery>,
) -> Result<HttpResponse, AppError> {
    let today = local_today(&state);
    let period = parse_period(Some(&q.period), today)?;
    let unit_id = q.unit_id;
    let found = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::grading::find_round(conn, &viewer, unit_id, period)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RoundList {
        items: found
            .into_iter()
            .map(|r| RoundSummary {
                id: r.id,
                unit_id: r.unit_id,
                period: r.period,
                state: r.state,
            })
            .collect(),
    }))
}

/// A round with every grade and its reasons.
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The round", body = RoundView),
        (status = 404, description = "Not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grading/rounds/{id}")]
pub async fn get_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(load_round_view(&state, user, id.into_inner()).await?))
}

/// Recompute an open round from the current diary and assessments (identical inputs give
/// identical numbers).
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recomputed", body = RoundView),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds/{id}/recompute")]
pub async fn recompute_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::grading::recompute(conn, &viewer, id, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(load_round_view(&state, user, id).await?))
}

/// An assessment of one member.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"common_scores": [9, 8.5, 8], "bonus": 0, "ballot_votes": 3, "disciplined": false}))]
pub struct AssessmentRequest {
    /// Evaluator: one score per criteria group of the policy (decree: three groups of 10).
    pub common_scores: Option<Vec<f64>>,
    /// The person: their self-assessment, one score per group.
    pub self_scores: Option<Vec<f64>>,
    /// Evaluator: bonus for recorded initiatives (up to the policy's maximum).
    pub bonus: Option<f64>,
    /// Evaluator: ballot votes for excellent.
    pub ballot_votes: Option<i32>,
    /// Evaluator: disciplined at reprimand level or above in the period.
    pub disciplined: Option<bool>,
}

/// Enter common-criteria scores, bonus, ballot votes and discipline (evaluator) or the
/// self-assessment (the person). The round is recomputed.
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Round id"), ("staff_id" = i64, Path, description = "The member")),
    request_body = AssessmentRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; the member's recomputed grade", body = GradeRowView),
        (status = 403, description = "The person entering evaluator fields, or an evaluator entering a self-assessment", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Round no longer open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Scores out of range or of the wrong count", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/grading/rounds/{id}/assessments/{staff_id}")]
pub async fn put_assessment(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(i64, i64)>,
    body: ValidJson<AssessmentRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, staff_id) = path.into_inner();
    let b = body.0;
    let today = local_today(&state);
    let (grade, name) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let g = services::grading::assess(
                conn,
                &viewer,
                id,
                staff_id,
                AssessmentInput {
                    common_scores: b.common_scores,
                    self_scores: b.self_scores,
                    bonus: b.bonus,
                    ballot_votes: b.ballot_votes,
                    disciplined: b.disciplined,
                },
                today,
            )?;
            let name = crate::db::staff::find(conn, g.staff_id)?
                .map(|s| s.full_name)
                .unwrap_or_default();
            Ok((g, name))
        })
        .await?;
    Ok(HttpResponse::Ok().json(GradeRowView::new(grade, name)))
}

/// An override of a proposed grade.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// The member.
    pub staff_id: i64,
    /// The decided grade.
    pub grade: Grade,
    /// Why (required).
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

/// The deciding head's decision.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"overrides": [{"staff_id": 7, "grade": "good", "reason": "Hoàn thành vượt tiến độ đề án chuyển đổi số"}]}))]
pub struct DecideRequest {
    /// Grades that differ from the proposal, each with a written reason.
    #[serde(default)]
    #[validate(nested)]
    pub overrides: Vec<OverrideRequest>,
}

/// Decide a round (heads of the unit's subtree, the organisation): proposals become final,
/// overrides need a reason; nobody overrides their own grade.
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Round id")),
    request_body = DecideRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided", body = RoundView),
        (status = 403, description = "Overriding one's own grade", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open, or the period has not ended (organisation time)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Override of someone outside the round, or without reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds/{id}/decide")]
pub async fn decide_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<DecideRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    let overrides: Vec<Override> = body
        .0
        .overrides
        .into_iter()
        .map(|o| Override {
            staff_id: o.staff_id,
            grade: o.grade,
            reason: o.reason.trim().to_string(),
        })
        .collect();
    state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::grading::decide(conn, &viewer, id, overrides, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(load_round_view(&state, user, id).await?))
}

/// Publish a decided round (organisation department): visible to all staff; the unit's diary
/// for the period is locked.
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published", body = RoundView),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not decided, or the period has not ended (organisation time)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds/{id}/publish")]
pub async fn publish_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::grading::publish(conn, &viewer, id, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(load_round_view(&state, user, id).await?))
}

/// An appeal or reserved opinion on a grade.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppealView {
    /// Id.
    pub id: i64,
    /// `appeal` or `reserved_opinion`.
    pub kind: String,
    /// The person's reason.
    pub reason: String,
    /// `filed`, `upheld`, `changed` (reserved opinions: `recorded`).
    pub state: String,
    /// Who resolved it.
    pub resolver_id: Option<i64>,
    /// The resolution's reason.
    pub resolution: Option<String>,
    /// The new grade when changed.
    pub new_grade: Option<GradeView>,
    /// Filed (UTC).
    pub created_at: DateTime<Utc>,
    /// Resolved (UTC).
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<AppealRow> for AppealView {
    fn from(a: AppealRow) -> Self {
        AppealView {
            id: a.id,
            kind: a.kind,
            reason: a.reason,
            state: a.state,
            resolver_id: a.resolver_id,
            resolution: a.resolution,
            new_grade: a
                .new_grade
                .as_deref()
                .and_then(Grade::parse)
                .map(GradeView::of),
            created_at: utc(a.created_at),
            resolved_at: a.resolved_at.map(utc),
        }
    }
}

/// Everything behind a grade.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainView {
    /// The grade as it stands.
    pub grade: GradeRowView,
    /// The round.
    pub round_id: i64,
    /// The unit.
    pub unit_id: i64,
    /// The period.
    pub period: String,
    /// `open`, `decided`, `published`.
    pub round_state: String,
    /// The policy version used.
    pub policy: PolicyRef,
    /// Recorded inputs: calendar (working days, holidays), contracts, credited groups (minutes,
    /// converted minutes, rework, task delays), tasks, the KPI breakdown, weights, unit average.
    pub inputs: services::grading::GradeInputs,
    /// Appeals and reserved opinions.
    pub appeals: Vec<AppealView>,
}

/// Every input behind a grade (the person, heads of the unit's subtree, the organisation).
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Grade id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Explanation (JSON; a printable PDF with `?format=pdf` or `Accept: application/pdf`)", content(
            (ExplainView = "application/json"),
            (crate::routes::exports::XlsxFile = "application/pdf"),
        )),
        (status = 404, description = "Not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grades/{id}/explain")]
pub async fn explain_grade(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if crate::routes::exports::wants_pdf_explicitly(&req) {
        let today = crate::routes::local_today(&state);
        let (bytes, name) = state
            .db(move |conn, _| {
                let viewer = load_viewer(conn, user)?;
                let (grade, round, unit, policy, _) =
                    services::grading::explain(conn, &viewer, id)?;
                let name = crate::db::staff::find(conn, grade.staff_id)?
                    .map(|s| s.full_name)
                    .unwrap_or_default();
                let bytes = crate::services::pdf::explained_grade_pdf(
                    &grade,
                    &name,
                    &round,
                    &unit,
                    &policy,
                    crate::i18n::current(),
                    today,
                )?;
                Ok((
                    bytes,
                    format!("giai-trinh-{}-{}.pdf", grade.id, round.period),
                ))
            })
            .await?;
        return Ok(HttpResponse::Ok()
            .insert_header((actix_web::http::header::CONTENT_TYPE, "application/pdf"))
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .body(bytes));
    }
    let view = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let (grade, round, unit, policy, appeals) =
                services::grading::explain(conn, &viewer, id)?;
            let name = crate::db::staff::find(conn, grade.staff_id)?
                .map(|s| s.full_name)
                .unwrap_or_default();
            let mut inputs: serde_json::Value =
                serde_json::from_str(&grade.inputs).map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("grade {} inputs: {e}", grade.id))
                })?;
            // Rounds computed before timestamps carried an offset stored `computed_at` as a bare
            // UTC time: give it its `Z` (RFC 3339 everywhere).
            if let Some(serde_json::Value::String(t)) = inputs.get_mut("computed_at") {
                if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                    if let Ok(naive) = t.parse::<chrono::NaiveDateTime>() {
                        *t = naive
                            .and_utc()
                            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                    }
                }
            }
            let inputs: services::grading::GradeInputs =
                serde_json::from_value(inputs).map_err(|e| {
                    AppError::Internal(anyhow::anyhow!("grade {} inputs: {e}", grade.id))
                })?;
            Ok(ExplainView {
                grade: GradeRowView::new(grade, name),
                round_id: round.id,
                unit_id: unit.id,
                period: round.period,
                round_state: round.state,
                policy: PolicyRef::from(&policy),
                inputs,
                appeals: appeals.into_iter().map(AppealView::from).collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A published result.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedPerson {
    /// The person.
    pub staff_id: i64,
    /// The grade (for `GET /grades/{id}/explain` and appeals).
    pub grade_id: i64,
    /// Full name.
    pub full_name: String,
    /// Total.
    pub total: f64,
    /// Final grade.
    pub grade: GradeView,
}

/// Published results of one unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedUnit {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its level.
    pub level: String,
    /// The round.
    pub round_id: i64,
    /// People, by grade then name.
    pub people: Vec<PublishedPerson>,
}

/// Published results of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedView {
    /// The period.
    pub period: String,
    /// One block per unit with a published round.
    pub units: Vec<PublishedUnit>,
}

/// Published results of a period (every authenticated user of the organisation).
#[utoipa::path(
    tag = "grading",
    params(PeriodQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "Published results", body = PublishedView))
)]
#[get("/published")]
pub async fn published(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let view = state
        .db(move |conn, _| {
            load_viewer(conn, user)?;
            let rounds = services::grading::published(conn, period)?;
            let ids: Vec<i64> = rounds
                .iter()
                .flat_map(|(_, _, g)| g.iter().map(|g| g.staff_id))
                .collect();
            let names: std::collections::HashMap<i64, String> =
                crate::db::staff::names_of(conn, &ids)?
                    .into_iter()
                    .collect();
            let units = rounds
                .into_iter()
                .map(|(round, unit, grades)| {
                    let mut people: Vec<PublishedPerson> = grades
                        .into_iter()
                        .map(|g| PublishedPerson {
                            staff_id: g.staff_id,
                            grade_id: g.id,
                            full_name: names.get(&g.staff_id).cloned().unwrap_or_default(),
                            total: g.total,
                            grade: GradeView::of(grade_of(
                                g.final_grade.as_deref().unwrap_or(&g.proposed_grade),
                            )),
                        })
                        .collect();
                    people.sort_by(|a, b| {
                        b.grade
                            .code
                            .level()
                            .cmp(&a.grade.code.level())
                            .then_with(|| {
                                crate::domain::text::vietnamese_sort_key(&a.full_name)
                                    .cmp(&crate::domain::text::vietnamese_sort_key(&b.full_name))
                            })
                    });
                    PublishedUnit {
                        unit_id: unit.id,
                        unit_name: unit.name,
                        level: unit.level,
                        round_id: round.id,
                        people,
                    }
                })
                .collect();
            Ok(PublishedView {
                period: period.to_string(),
                units,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A policy version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    /// Id (rounds record it).
    pub id: i64,
    /// Code.
    pub code: String,
    /// Version of that code.
    pub version: i32,
    /// Used when a round names no policy.
    pub is_default: bool,
    /// Thresholds, quota, criteria groups, bonus.
    pub preset: PolicyPreset,
    /// KPI weights, credit mode, leader blending.
    pub kpi: KpiPolicy,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
}

/// Policy versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    /// By code and version.
    pub items: Vec<PolicyView>,
}

fn policy_view(row: PolicyRow, body: PolicyBody) -> PolicyView {
    PolicyView {
        id: row.id,
        code: row.code,
        version: row.version,
        is_default: row.is_default,
        preset: body.preset,
        kpi: body.kpi,
        created_at: utc(row.created_at),
    }
}

/// Grading policy versions (presets `decree-335-2025` (default), `nga-bay-2021`,
/// `khanh-hoa-2025`, and custom versions).
#[utoipa::path(tag = "grading", security(("bearer" = [])), responses((status = 200, description = "Policies", body = PolicyList)))]
#[get("/policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(move |conn, _| {
            load_viewer(conn, user)?;
            services::grading::list_policies(conn)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PolicyList {
        items: rows.into_iter().map(|(r, b)| policy_view(r, b)).collect(),
    }))
}

/// A new policy version.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicy {
    /// Thresholds, quota, criteria groups, bonus (a new version of `preset.code`).
    pub preset: PolicyPreset,
    /// KPI weights, credit mode, leader blending (defaults when omitted).
    #[serde(default)]
    pub kpi: KpiPolicy,
    /// Make it the default policy.
    #[serde(default)]
    pub make_default: bool,
}

/// Add a policy version (organisation department). Versions are immutable.
#[utoipa::path(
    tag = "grading",
    request_body = CreatePolicy,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = PolicyView),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Inconsistent policy", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CreatePolicy>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let (row, body) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::grading::create_policy(
                conn,
                &viewer,
                PolicyBody {
                    preset: b.preset,
                    kpi: b.kpi,
                },
                b.make_default,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(policy_view(row, body)))
}

/// `?year=2026`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The later of the two years.
    pub year: i32,
}

/// A person graded `not_complete` two years running.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwoYearsFlag {
    /// The person.
    pub staff_id: i64,
    /// Full name.
    pub full_name: String,
    /// The year grade of `year` (grade id, for `/grades/{id}/explain`).
    pub grade_id: i64,
    /// The year grade of the year before.
    pub previous_grade_id: i64,
}

/// People to flag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwoYearsReport {
    /// The later year.
    pub year: i32,
    /// Flagged people (Law 80/2025 Art. 27: lower post or dismissal is to be considered).
    pub people: Vec<TwoYearsFlag>,
}

/// People graded `not_complete` in the year rounds of two consecutive years (organisation
/// department).
#[utoipa::path(
    tag = "grading",
    params(YearQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Flagged people", body = TwoYearsReport),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/two-years-not-complete")]
pub async fn two_years_not_complete(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let year = q.year;
    let people = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            let rows = services::grading::two_years_not_complete(conn, &viewer, year)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let names: std::collections::HashMap<i64, String> =
                crate::db::staff::names_of(conn, &ids)?
                    .into_iter()
                    .collect();
            Ok(rows
                .into_iter()
                .map(|(staff_id, grade_id, previous_grade_id)| TwoYearsFlag {
                    staff_id,
                    full_name: names.get(&staff_id).cloned().unwrap_or_default(),
                    grade_id,
                    previous_grade_id,
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(TwoYearsReport { year, people }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_back_into_the_flat_view_with_the_same_json() {
        let reasons = vec![
            Reason::Threshold {
                total: 91.5,
                grade: Grade::Excellent,
            },
            Reason::Discipline,
            Reason::NotGraded {
                worked_days: 9,
                required_days: 21,
            },
            Reason::Quota {
                rank: 3,
                allowed: 2,
            },
            Reason::LeaderDowngrade {
                cause: "member_not_complete".into(),
                from: Grade::Good,
                to: Grade::Complete,
            },
            Reason::Override {
                from: Grade::Good,
                to: Grade::Excellent,
                reason: "Sáng kiến cấp tỉnh".into(),
            },
            Reason::Appeal {
                from: Grade::Complete,
                to: Grade::Good,
                reason: "Đủ ngày công".into(),
            },
        ];
        let text = serde_json::to_string(&reasons).unwrap();
        let views = reasons_view(&text);
        assert_eq!(views.len(), reasons.len());
        for (reason, view) in reasons.iter().zip(&views) {
            let mut expected = serde_json::to_value(reason).unwrap();
            expected
                .as_object_mut()
                .unwrap()
                .insert("message".into(), view.message.clone().into());
            assert_eq!(serde_json::to_value(view).unwrap(), expected);
        }
    }
}
