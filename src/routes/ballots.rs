//! `/ballots/...`: leader rating campaigns (criteria sets, campaigns, my candidates, votes,
//! closing, published results) and `/grading/rounds/{id}/ballot`: the excellent-selection
//! ballot of a grading round.

use std::collections::BTreeMap;

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::domain::ballots::{CriteriaBody, Criterion, CriterionResult, Scale};
use crate::domain::scope::Viewer;
use crate::error::{AppError, Problem};
use crate::routes::{local_today, utc, ValidJson};
use crate::services::ballots::{
    Campaign, CampaignResults, CandidateResult, CriteriaSet, MyCandidate, NewCampaignInput,
    RoundBallot,
};
use crate::services::{self, access::load_viewer};
use crate::AppState;

/// Runs `work` on a pooled connection as the caller (the shape every handler here shares).
async fn as_viewer<T: Send + 'static>(
    state: &web::Data<AppState>,
    user: AuthUser,
    work: impl FnOnce(&mut DbConnection, &Viewer) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            work(conn, &viewer)
        })
        .await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_criteria_sets)
        .service(create_criteria_set)
        .service(list_campaigns)
        .service(open_campaign)
        .service(get_campaign)
        .service(my_candidates)
        .service(vote)
        .service(close_campaign)
        .service(results)
        .service(open_round_ballot)
        .service(get_round_ballot)
        .service(vote_round_ballot)
        .service(close_round_ballot);
}

/// A versioned criteria set.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriteriaSetView {
    pub id: i64,
    #[schema(example = "nam-dinh-2024")]
    pub code: String,
    #[schema(example = 1)]
    pub version: i32,
    pub scale: Scale,
    /// Voters may add a free comment.
    pub comments: bool,
    pub criteria: Vec<Criterion>,
}

impl From<CriteriaSet> for CriteriaSetView {
    fn from(s: CriteriaSet) -> Self {
        CriteriaSetView {
            id: s.id,
            code: s.code,
            version: s.version,
            scale: s.body.scale,
            comments: s.body.comments,
            criteria: s.body.criteria,
        }
    }
}

/// The criteria sets, every version (`nam-dinh-2024` v1 is seeded: five criteria, 1-5).
#[utoipa::path(
    tag = "ballots",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every version of every criteria set", body = Vec<CriteriaSetView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ballots/criteria-sets")]
pub async fn list_criteria_sets(
    state: web::Data<AppState>,
    _user: AuthUser,
) -> Result<HttpResponse, AppError> {
    let sets = state
        .db(|conn, _| services::ballots::criteria_sets(conn))
        .await?;
    Ok(HttpResponse::Ok().json(
        sets.into_iter()
            .map(CriteriaSetView::from)
            .collect::<Vec<_>>(),
    ))
}

/// A new version of a criteria set.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "nam-dinh-2024", "scale": {"min": 1, "max": 5}, "comments": true, "criteria": [{"code": "exemplary_conduct", "name_vi": "Tính gương mẫu", "name_en": "Exemplary conduct"}]}))]
pub struct NewCriteriaSet {
    /// Code; an existing code gets its next version.
    #[validate(length(min = 1, max = 60))]
    pub code: String,
    pub scale: Scale,
    pub comments: bool,
    pub criteria: Vec<Criterion>,
}

/// Create a criteria set or its next version (organisation department, administrators).
#[utoipa::path(
    tag = "ballots",
    request_body = NewCriteriaSet,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CriteriaSetView),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No criteria, duplicate codes, scale of fewer than 2 or more than 10 steps", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ballots/criteria-sets")]
pub async fn create_criteria_set(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<NewCriteriaSet>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let set = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::create_criteria_set(
            conn,
            viewer,
            b.code.trim(),
            CriteriaBody {
                scale: b.scale,
                comments: b.comments,
                criteria: b.criteria,
            },
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(CriteriaSetView::from(set)))
}

/// A leader rating campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: i64,
    #[schema(example = "Lấy phiếu tín nhiệm lãnh đạo 6 tháng đầu năm 2026")]
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Voting ends at this instant; the scheduler then closes the campaign.
    pub deadline: DateTime<Utc>,
    /// `open` or `closed` (results published).
    #[schema(example = "open")]
    pub state: String,
    pub criteria_set: CriteriaSetView,
    pub opened_at: DateTime<Utc>,
    /// When it closed (and its results were published).
    pub closed_at: Option<DateTime<Utc>>,
    /// Closed by hand by this person (null: at the deadline, or still open).
    pub closed_by: Option<i64>,
    /// People the caller rates in this campaign.
    #[schema(example = 4)]
    pub my_candidates: i64,
    /// Ballots the caller has cast.
    #[schema(example = 1)]
    pub my_votes: i64,
}

impl From<Campaign> for CampaignView {
    fn from(c: Campaign) -> Self {
        CampaignView {
            id: c.row.id,
            title: c.row.title,
            period_start: c.row.period_start,
            period_end: c.row.period_end,
            deadline: utc(c.row.deadline),
            state: c.row.state,
            criteria_set: c.criteria.into(),
            opened_at: utc(c.row.opened_at),
            closed_at: c.row.closed_at.map(utc),
            closed_by: c.row.closed_by,
            my_candidates: c.my_candidates,
            my_votes: c.my_votes,
        }
    }
}

/// Filter of the campaign list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignFilter {
    /// `true`: only open campaigns where the caller still has someone to rate.
    pub mine: Option<bool>,
}

/// The campaigns, newest first, with the caller's counts (every authenticated user).
#[utoipa::path(
    tag = "ballots",
    params(CampaignFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Campaigns", body = Vec<CampaignView>),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ballots/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    user: AuthUser,
    filter: web::Query<CampaignFilter>,
) -> Result<HttpResponse, AppError> {
    let mine = filter.mine.unwrap_or(false);
    let list = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::list_campaigns(conn, viewer, mine)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(CampaignView::from).collect::<Vec<_>>()))
}

/// Open a campaign.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Lấy phiếu tín nhiệm lãnh đạo 6 tháng đầu năm 2026", "period_start": "2026-01-01", "period_end": "2026-06-30", "deadline": "2026-07-15T10:00:00Z"}))]
pub struct OpenCampaign {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// RFC 3339; must be in the future.
    pub deadline: DateTime<Utc>,
    /// Criteria set version to use (default: the latest `nam-dinh-2024`).
    pub criteria_set_id: Option<i64>,
}

/// An opened campaign and the size of its roll.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedCampaign {
    #[serde(flatten)]
    pub campaign: CampaignView,
    /// (candidate, voter) pairs on the roll.
    #[schema(example = 120)]
    pub roll_size: usize,
}

/// Open a leader rating campaign (organisation department, administrators). The roll is fixed
/// from today's tree: the staff of a unit rate its head and deputies (members flagged
/// `is_leader`) and the heads of every unit above; the leaders of sibling units (same parent,
/// same level) rate each other; nobody rates themselves.
#[utoipa::path(
    tag = "ballots",
    request_body = OpenCampaign,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened", body = OpenedCampaign),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Title, period or deadline invalid; unknown criteria set", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ballots/campaigns")]
pub async fn open_campaign(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<OpenCampaign>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let (campaign, roll) = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::open_campaign(
            conn,
            viewer,
            NewCampaignInput {
                title: b.title,
                period_start: b.period_start,
                period_end: b.period_end,
                deadline: b.deadline.naive_utc(),
                criteria_set_id: b.criteria_set_id,
            },
            crate::db::now_utc(),
        )
    })
    .await?;
    let id = campaign.row.id;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/ballots/campaigns/{id}"),
        ))
        .json(OpenedCampaign {
            campaign: campaign.into(),
            roll_size: roll,
        }))
}

/// One campaign with the caller's counts.
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Campaign id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The campaign", body = CampaignView),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ballots/campaigns/{id}")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let c = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::get_campaign(conn, viewer, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CampaignView::from(c)))
}

/// A person the caller rates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub staff_id: i64,
    #[schema(example = "Lê Văn Hưng")]
    pub full_name: String,
    pub position: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    /// The caller's ballot on this person is cast.
    pub voted: bool,
}

impl From<MyCandidate> for CandidateView {
    fn from(c: MyCandidate) -> Self {
        CandidateView {
            staff_id: c.staff_id,
            full_name: c.full_name,
            position: c.position,
            unit_id: c.unit_id,
            unit_name: c.unit_name,
            voted: c.voted,
        }
    }
}

/// The people the caller rates in a campaign (empty when the caller is on nobody's roll).
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Campaign id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's candidates", body = Vec<CandidateView>),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ballots/campaigns/{id}/candidates")]
pub async fn my_candidates(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let list = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::my_candidates(conn, viewer, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(CandidateView::from)
            .collect::<Vec<_>>(),
    ))
}

/// A ballot on one candidate.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"candidate_id": 12, "scores": [5, 4, 4, 5, 4], "comment": "Cần sâu sát cơ sở hơn"}))]
pub struct CastVote {
    pub candidate_id: i64,
    /// One whole score on the set's scale per criterion, in the set's order.
    pub scores: Vec<i32>,
    /// Optional comment (when the set allows it), at most 2000 characters.
    pub comment: Option<String>,
}

/// Cast the caller's secret ballot on one candidate. The fact of voting and the content are
/// stored apart with nothing linking them; one ballot per voter and candidate.
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = CastVote,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Cast"),
        (status = 403, description = "The caller does not rate this person in this campaign", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already voted on this person, or the campaign is closed / past its deadline", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Scores missing, of the wrong number or off the scale; comment not allowed or too long", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ballots/campaigns/{id}/votes")]
pub async fn vote(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<CastVote>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = body.0;
    as_viewer(&state, user, move |conn, viewer| {
        services::ballots::vote(
            conn,
            viewer,
            id,
            b.candidate_id,
            &b.scores,
            b.comment.as_deref(),
            crate::db::now_utc(),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Close a campaign by hand (organisation department, administrators); its results are
/// published to the organisation at once. The scheduler closes campaigns at their deadline.
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Campaign id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed", body = CampaignView),
        (status = 403, description = "Not the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ballots/campaigns/{id}/close")]
pub async fn close_campaign(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let c = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::close_campaign(conn, Some(viewer), id, crate::db::now_utc())?;
        services::ballots::get_campaign(conn, viewer, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CampaignView::from(c)))
}

/// Results of one candidate; figures only from 3 voters on.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateResultView {
    pub staff_id: i64,
    pub full_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    /// People on the roll for this candidate.
    #[schema(example = 9)]
    pub eligible: i64,
    /// People who voted on this candidate.
    #[schema(example = 7)]
    pub voters: i64,
    /// voters ÷ eligible (0..1).
    #[schema(example = 0.7778)]
    pub turnout: f64,
    /// False under 3 voters: `criteria` and `comments` are then empty.
    pub shown: bool,
    /// Per criterion: average, distribution over the scale, change since the previous campaign.
    pub criteria: Vec<CriterionResult>,
    /// Comments of the ballots (random order).
    pub comments: Vec<String>,
}

impl From<CandidateResult> for CandidateResultView {
    fn from(c: CandidateResult) -> Self {
        CandidateResultView {
            staff_id: c.staff_id,
            full_name: c.full_name,
            unit_id: c.unit_id,
            unit_name: c.unit_name,
            eligible: c.eligible,
            voters: c.voters,
            turnout: c.turnout,
            shown: c.shown,
            criteria: c.criteria,
            comments: c.comments,
        }
    }
}

/// Published results of a closed campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignResultsView {
    pub campaign: CampaignView,
    /// Distinct people on the roll.
    #[schema(example = 40)]
    pub eligible_voters: i64,
    /// Distinct people who cast at least one ballot.
    #[schema(example = 31)]
    pub voters: i64,
    /// voters ÷ eligible_voters.
    #[schema(example = 0.775)]
    pub turnout: f64,
    /// Ballots cast.
    pub ballots: i64,
    /// Fewest voters on a candidate for figures to be shown.
    #[schema(example = 3)]
    pub min_voters: usize,
    pub candidates: Vec<CandidateResultView>,
}

impl From<CampaignResults> for CampaignResultsView {
    fn from(r: CampaignResults) -> Self {
        CampaignResultsView {
            campaign: r.campaign.into(),
            eligible_voters: r.eligible_voters,
            voters: r.voters,
            turnout: r.turnout,
            ballots: r.ballots,
            min_voters: services::ballots::RESULTS_MIN_VOTERS,
            candidates: r.candidates.into_iter().map(Into::into).collect(),
        }
    }
}

/// The published results of a closed campaign (every authenticated user of the organisation).
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Campaign id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Results", body = CampaignResultsView),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still open: results are published once closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ballots/campaigns/{id}/results")]
pub async fn results(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let r = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::results(conn, viewer, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(CampaignResultsView::from(r)))
}

/// A candidate of the excellent-selection ballot.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundCandidateView {
    pub staff_id: i64,
    pub full_name: String,
    /// Votes received (null until the ballot is closed).
    pub votes: Option<i64>,
}

/// The excellent-selection ballot of a grading round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundBallotView {
    pub round_id: i64,
    /// `open` or `closed`.
    #[schema(example = "open")]
    pub state: String,
    /// How many candidates each member may choose at most (the round's excellent quota).
    #[schema(example = 2)]
    pub quota: i32,
    /// The people proposed `good` or better when the ballot opened.
    pub candidates: Vec<RoundCandidateView>,
    /// Members who voted so far.
    pub voters: i64,
    /// Members of the round.
    pub members: i64,
    /// The caller has voted.
    pub i_voted: bool,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<RoundBallot> for RoundBallotView {
    fn from(b: RoundBallot) -> Self {
        let counts: BTreeMap<i64, i64> = b
            .counts
            .clone()
            .map(|c| c.into_iter().collect())
            .unwrap_or_default();
        let closed = b.counts.is_some();
        RoundBallotView {
            round_id: b.row.round_id,
            state: b.row.state,
            quota: b.row.quota,
            candidates: b
                .candidates
                .into_iter()
                .map(|(id, name)| RoundCandidateView {
                    staff_id: id,
                    full_name: name,
                    votes: closed.then(|| counts.get(&id).copied().unwrap_or(0)),
                })
                .collect(),
            voters: b.voters,
            members: b.members,
            i_voted: b.i_voted,
            opened_at: utc(b.row.opened_at),
            closed_at: b.row.closed_at.map(utc),
        }
    }
}

/// Open the excellent-selection ballot of an open grading round (those who manage the unit).
/// Candidates: the people proposed `good` or better; each member chooses up to the quota.
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Grading round id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened", body = RoundBallotView),
        (status = 403, description = "A member who does not manage the unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Round not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Round not open, ballot already opened, or no excellent place to choose", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds/{id}/ballot")]
pub async fn open_round_ballot(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::open_round_ballot(conn, viewer, id, crate::db::now_utc())
    })
    .await?;
    Ok(HttpResponse::Created().json(RoundBallotView::from(b)))
}

/// The ballot of a round (its members and those who manage the unit); votes once closed.
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Grading round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ballot", body = RoundBallotView),
        (status = 404, description = "Round not visible or no ballot", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/grading/rounds/{id}/ballot")]
pub async fn get_round_ballot(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::get_round_ballot(conn, viewer, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(RoundBallotView::from(b)))
}

/// A member's choices.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"choices": [12, 15]}))]
pub struct RoundVote {
    /// Staff ids of the chosen candidates, at most the quota; empty is a blank ballot.
    pub choices: Vec<i64>,
}

/// Cast the caller's secret ballot (members of the round); one ballot each.
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Grading round id")),
    request_body = RoundVote,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Cast"),
        (status = 403, description = "Not a member of the round", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Round not visible or no ballot", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already voted, or the ballot is closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A choice is not a candidate, is repeated, or more than the quota", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds/{id}/ballot/votes")]
pub async fn vote_round_ballot(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<RoundVote>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = body.0;
    as_viewer(&state, user, move |conn, viewer| {
        services::ballots::vote_round(conn, viewer, id, &b.choices)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Close the ballot (those who manage the unit): the counts become the round's ballot votes —
/// the quota's first tie-break — shown beside the proposals (`ballot_votes` of each grade), and
/// the round is recomputed.
#[utoipa::path(
    tag = "ballots",
    params(("id" = i64, Path, description = "Grading round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed, with the votes", body = RoundBallotView),
        (status = 403, description = "A member who does not manage the unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Round not visible or no ballot", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed, or the round is no longer open", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grading/rounds/{id}/ballot/close")]
pub async fn close_round_ballot(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    let b = as_viewer(&state, user, move |conn, viewer| {
        services::ballots::close_round_ballot(conn, viewer, id, today, crate::db::now_utc())
    })
    .await?;
    Ok(HttpResponse::Ok().json(RoundBallotView::from(b)))
}
