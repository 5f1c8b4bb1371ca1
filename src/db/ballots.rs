//! Ballot tables: criteria sets, leader rating campaigns (roll, participation, ballots) and the
//! excellent-selection ballot of a grading round. Ballot rows carry a random id and nothing
//! about the voter or the time (see the migration); nothing here writes an audit row for a vote.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rand::seq::SliceRandom;

use super::schema::{
    criteria_sets, rating_ballots, rating_campaigns, rating_electors, rating_participation,
    round_ballot_choices, round_ballot_participation, round_ballots,
};
use super::DbConnection;

/// Multi-row insert per backend (diesel's MultiConnection has none for SQLite).
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match &mut *$conn {
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c)?,
            DbConnection::Pg(c) => diesel::insert_into($table).values($rows).execute(c)?,
        }
    };
}

/// A random 128-bit id in hex: carries no order.
pub fn random_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = criteria_sets)]
pub struct CriteriaSetRow {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_criteria_set(
    conn: &mut DbConnection,
    code: &str,
    version: i32,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(criteria_sets::table)
        .values((
            criteria_sets::code.eq(code),
            criteria_sets::version.eq(version),
            criteria_sets::body.eq(body),
            criteria_sets::created_at.eq(now),
        ))
        .returning(criteria_sets::id)
        .get_result(conn)
}

pub fn criteria_sets_all(conn: &mut DbConnection) -> QueryResult<Vec<CriteriaSetRow>> {
    criteria_sets::table
        .order((criteria_sets::code, criteria_sets::version))
        .select(CriteriaSetRow::as_select())
        .load(conn)
}

pub fn criteria_set(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CriteriaSetRow>> {
    criteria_sets::table
        .find(id)
        .select(CriteriaSetRow::as_select())
        .first(conn)
        .optional()
}

pub fn latest_criteria_set(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<CriteriaSetRow>> {
    criteria_sets::table
        .filter(criteria_sets::code.eq(code))
        .order(criteria_sets::version.desc())
        .select(CriteriaSetRow::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rating_campaigns)]
pub struct CampaignRow {
    pub id: i64,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub deadline: NaiveDateTime,
    pub criteria_set_id: i64,
    pub state: String,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
    pub closed_by: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rating_campaigns)]
pub struct NewCampaign<'a> {
    pub title: &'a str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub deadline: NaiveDateTime,
    pub criteria_set_id: i64,
    pub state: &'a str,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
}

pub fn insert_campaign(conn: &mut DbConnection, c: &NewCampaign<'_>) -> QueryResult<i64> {
    diesel::insert_into(rating_campaigns::table)
        .values(c)
        .returning(rating_campaigns::id)
        .get_result(conn)
}

pub fn campaign(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CampaignRow>> {
    rating_campaigns::table
        .find(id)
        .select(CampaignRow::as_select())
        .first(conn)
        .optional()
}

/// Every campaign, newest first.
pub fn campaigns_all(conn: &mut DbConnection) -> QueryResult<Vec<CampaignRow>> {
    rating_campaigns::table
        .order(rating_campaigns::id.desc())
        .select(CampaignRow::as_select())
        .load(conn)
}

/// Open campaigns whose deadline has passed.
pub fn campaigns_past_deadline(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    rating_campaigns::table
        .filter(rating_campaigns::state.eq("open"))
        .filter(rating_campaigns::deadline.le(now))
        .select(rating_campaigns::id)
        .load(conn)
}

/// Closes an open campaign; false when it was not open any more.
pub fn close_campaign(
    conn: &mut DbConnection,
    id: i64,
    by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        rating_campaigns::table
            .filter(rating_campaigns::id.eq(id))
            .filter(rating_campaigns::state.eq("open")),
    )
    .set((
        rating_campaigns::state.eq("closed"),
        rating_campaigns::closed_by.eq(by),
        rating_campaigns::closed_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Closed campaigns that ended before `before`, latest first.
pub fn closed_campaigns_before(
    conn: &mut DbConnection,
    before: NaiveDate,
) -> QueryResult<Vec<CampaignRow>> {
    rating_campaigns::table
        .filter(rating_campaigns::state.eq("closed"))
        .filter(rating_campaigns::period_end.lt(before))
        .order((
            rating_campaigns::period_end.desc(),
            rating_campaigns::id.desc(),
        ))
        .select(CampaignRow::as_select())
        .load(conn)
}

/// Closed campaigns whose period ends within `from..=to`.
pub fn closed_campaigns_ending_within(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<CampaignRow>> {
    rating_campaigns::table
        .filter(rating_campaigns::state.eq("closed"))
        .filter(rating_campaigns::period_end.ge(from))
        .filter(rating_campaigns::period_end.le(to))
        .order(rating_campaigns::period_end)
        .select(CampaignRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rating_electors, treat_none_as_default_value = false)]
struct NewElector {
    campaign_id: i64,
    candidate_id: i64,
    voter_id: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rating_ballots, treat_none_as_default_value = false)]
struct NewBallot {
    id: String,
    campaign_id: i64,
    candidate_id: i64,
    scores: String,
    comment: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = round_ballot_choices, treat_none_as_default_value = false)]
struct NewChoice {
    id: String,
    round_id: i64,
    candidate_id: i64,
}

pub fn insert_electors(
    conn: &mut DbConnection,
    campaign_id: i64,
    pairs: &[(i64, i64)],
) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in pairs.chunks(300) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(candidate, voter)| NewElector {
                campaign_id,
                candidate_id: *candidate,
                voter_id: *voter,
            })
            .collect();
        n += insert_rows!(conn, rating_electors::table, &rows);
    }
    Ok(n)
}

/// The candidates a voter rates in a campaign.
pub fn candidates_of_voter(
    conn: &mut DbConnection,
    campaign_id: i64,
    voter_id: i64,
) -> QueryResult<Vec<i64>> {
    rating_electors::table
        .filter(rating_electors::campaign_id.eq(campaign_id))
        .filter(rating_electors::voter_id.eq(voter_id))
        .select(rating_electors::candidate_id)
        .order(rating_electors::candidate_id)
        .load(conn)
}

/// (campaign, candidates to rate) of a voter across campaigns.
pub fn roll_counts_of_voter(
    conn: &mut DbConnection,
    voter_id: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::dsl::count_star;
    rating_electors::table
        .filter(rating_electors::voter_id.eq(voter_id))
        .group_by(rating_electors::campaign_id)
        .select((rating_electors::campaign_id, count_star()))
        .load(conn)
}

/// (campaign, votes cast) of a voter across campaigns.
pub fn vote_counts_of_voter(
    conn: &mut DbConnection,
    voter_id: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::dsl::count_star;
    rating_participation::table
        .filter(rating_participation::voter_id.eq(voter_id))
        .group_by(rating_participation::campaign_id)
        .select((rating_participation::campaign_id, count_star()))
        .load(conn)
}

/// (candidate, eligible voters) of a campaign.
pub fn roll_counts(conn: &mut DbConnection, campaign_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::dsl::count_star;
    rating_electors::table
        .filter(rating_electors::campaign_id.eq(campaign_id))
        .group_by(rating_electors::candidate_id)
        .select((rating_electors::candidate_id, count_star()))
        .load(conn)
}

/// (candidate, voters who voted) of a campaign.
pub fn participation_counts(
    conn: &mut DbConnection,
    campaign_id: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::dsl::count_star;
    rating_participation::table
        .filter(rating_participation::campaign_id.eq(campaign_id))
        .group_by(rating_participation::candidate_id)
        .select((rating_participation::candidate_id, count_star()))
        .load(conn)
}

/// Distinct voters on the roll and distinct voters who cast at least one ballot.
pub fn distinct_voters(conn: &mut DbConnection, campaign_id: i64) -> QueryResult<(i64, i64)> {
    let roll: Vec<i64> = rating_electors::table
        .filter(rating_electors::campaign_id.eq(campaign_id))
        .select(rating_electors::voter_id)
        .distinct()
        .load(conn)?;
    let voted: Vec<i64> = rating_participation::table
        .filter(rating_participation::campaign_id.eq(campaign_id))
        .select(rating_participation::voter_id)
        .distinct()
        .load(conn)?;
    Ok((roll.len() as i64, voted.len() as i64))
}

pub fn voted_candidates(
    conn: &mut DbConnection,
    campaign_id: i64,
    voter_id: i64,
) -> QueryResult<Vec<i64>> {
    rating_participation::table
        .filter(rating_participation::campaign_id.eq(campaign_id))
        .filter(rating_participation::voter_id.eq(voter_id))
        .select(rating_participation::candidate_id)
        .load(conn)
}

/// Records that a voter voted on a candidate (the primary key refuses a second time).
pub fn insert_participation(
    conn: &mut DbConnection,
    campaign_id: i64,
    candidate_id: i64,
    voter_id: i64,
) -> QueryResult<()> {
    diesel::insert_into(rating_participation::table)
        .values((
            rating_participation::campaign_id.eq(campaign_id),
            rating_participation::candidate_id.eq(candidate_id),
            rating_participation::voter_id.eq(voter_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores a ballot's content under a random id.
pub fn insert_ballot(
    conn: &mut DbConnection,
    campaign_id: i64,
    candidate_id: i64,
    scores: &str,
    comment: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(rating_ballots::table)
        .values((
            rating_ballots::id.eq(random_id()),
            rating_ballots::campaign_id.eq(campaign_id),
            rating_ballots::candidate_id.eq(candidate_id),
            rating_ballots::scores.eq(scores),
            rating_ballots::comment.eq(comment),
        ))
        .execute(conn)?;
    Ok(())
}

/// (campaign, candidate, scores JSON, comment) of a ballot.
pub type BallotContent = (i64, i64, String, Option<String>);

/// (campaign, candidate, scores JSON, comment) of every ballot of campaigns, in id (random) order.
pub fn ballots_of(
    conn: &mut DbConnection,
    campaign_ids: &[i64],
) -> QueryResult<Vec<BallotContent>> {
    rating_ballots::table
        .filter(rating_ballots::campaign_id.eq_any(campaign_ids.to_vec()))
        .order(rating_ballots::id)
        .select((
            rating_ballots::campaign_id,
            rating_ballots::candidate_id,
            rating_ballots::scores,
            rating_ballots::comment,
        ))
        .load(conn)
}

/// Rewrites a campaign's ballots in shuffled order under new random ids (PostgreSQL's heap order
/// and xmin followed the voting order while the campaign was open).
pub fn reshuffle_ballots(conn: &mut DbConnection, campaign_id: i64) -> QueryResult<()> {
    let mut rows: Vec<(i64, String, Option<String>)> = rating_ballots::table
        .filter(rating_ballots::campaign_id.eq(campaign_id))
        .select((
            rating_ballots::candidate_id,
            rating_ballots::scores,
            rating_ballots::comment,
        ))
        .load(conn)?;
    rows.shuffle(&mut rand::thread_rng());
    diesel::delete(rating_ballots::table.filter(rating_ballots::campaign_id.eq(campaign_id)))
        .execute(conn)?;
    for chunk in rows.chunks(200) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(candidate, scores, comment)| NewBallot {
                id: random_id(),
                campaign_id,
                candidate_id: *candidate,
                scores: scores.clone(),
                comment: comment.clone(),
            })
            .collect();
        insert_rows!(conn, rating_ballots::table, &values);
    }
    Ok(())
}

// --- excellent-selection ballot of a grading round -------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = round_ballots)]
pub struct RoundBallotRow {
    pub round_id: i64,
    pub state: String,
    pub quota: i32,
    pub candidates: String,
    pub opened_by: i64,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

pub fn round_ballot(conn: &mut DbConnection, round_id: i64) -> QueryResult<Option<RoundBallotRow>> {
    round_ballots::table
        .find(round_id)
        .select(RoundBallotRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_round_ballot(
    conn: &mut DbConnection,
    round_id: i64,
    quota: i32,
    candidates: &str,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(round_ballots::table)
        .values((
            round_ballots::round_id.eq(round_id),
            round_ballots::state.eq("open"),
            round_ballots::quota.eq(quota),
            round_ballots::candidates.eq(candidates),
            round_ballots::opened_by.eq(by),
            round_ballots::opened_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn close_round_ballot(
    conn: &mut DbConnection,
    round_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        round_ballots::table
            .filter(round_ballots::round_id.eq(round_id))
            .filter(round_ballots::state.eq("open")),
    )
    .set((
        round_ballots::state.eq("closed"),
        round_ballots::closed_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn round_voted(conn: &mut DbConnection, round_id: i64, voter_id: i64) -> QueryResult<bool> {
    use diesel::dsl::{exists, select};
    select(exists(
        round_ballot_participation::table
            .filter(round_ballot_participation::round_id.eq(round_id))
            .filter(round_ballot_participation::voter_id.eq(voter_id)),
    ))
    .get_result(conn)
}

pub fn round_voter_count(conn: &mut DbConnection, round_id: i64) -> QueryResult<i64> {
    round_ballot_participation::table
        .filter(round_ballot_participation::round_id.eq(round_id))
        .count()
        .get_result(conn)
}

pub fn insert_round_participation(
    conn: &mut DbConnection,
    round_id: i64,
    voter_id: i64,
) -> QueryResult<()> {
    diesel::insert_into(round_ballot_participation::table)
        .values((
            round_ballot_participation::round_id.eq(round_id),
            round_ballot_participation::voter_id.eq(voter_id),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_round_choices(
    conn: &mut DbConnection,
    round_id: i64,
    candidates: &[i64],
) -> QueryResult<()> {
    if candidates.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = candidates
        .iter()
        .map(|c| NewChoice {
            id: random_id(),
            round_id,
            candidate_id: *c,
        })
        .collect();
    insert_rows!(conn, round_ballot_choices::table, &rows);
    Ok(())
}

/// (candidate, votes) of a round's ballot.
pub fn round_counts(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<(i64, i64)>> {
    use diesel::dsl::count_star;
    round_ballot_choices::table
        .filter(round_ballot_choices::round_id.eq(round_id))
        .group_by(round_ballot_choices::candidate_id)
        .select((round_ballot_choices::candidate_id, count_star()))
        .load(conn)
}

/// Rewrites a round's choices in shuffled order under new random ids.
pub fn reshuffle_round_choices(conn: &mut DbConnection, round_id: i64) -> QueryResult<()> {
    let mut rows: Vec<i64> = round_ballot_choices::table
        .filter(round_ballot_choices::round_id.eq(round_id))
        .select(round_ballot_choices::candidate_id)
        .load(conn)?;
    rows.shuffle(&mut rand::thread_rng());
    diesel::delete(round_ballot_choices::table.filter(round_ballot_choices::round_id.eq(round_id)))
        .execute(conn)?;
    for chunk in rows.chunks(300) {
        insert_round_choices(conn, round_id, chunk)?;
    }
    Ok(())
}

/// Reclaims the dead row versions a reshuffle leaves behind on PostgreSQL (outside any
/// transaction); SQLite needs nothing (WITHOUT ROWID tables are ordered by their random key).
pub fn vacuum_ballots(conn: &mut DbConnection) {
    if let DbConnection::Pg(c) = conn {
        use diesel::connection::SimpleConnection;
        if let Err(e) = c.batch_execute("VACUUM rating_ballots; VACUUM round_ballot_choices;") {
            tracing::warn!(error = %e, "vacuum of ballot tables failed");
        }
    }
}
