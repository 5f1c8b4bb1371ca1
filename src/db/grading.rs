//! Grading policies (versioned), rounds, grades and appeals.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{appeals, grades, grading_rounds, policies};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policies)]
pub struct PolicyRow {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub body: String,
    pub is_default: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_policy(
    conn: &mut DbConnection,
    code: &str,
    version: i32,
    body: &str,
    is_default: bool,
    created_by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(policies::table)
        .values((
            policies::code.eq(code),
            policies::version.eq(version),
            policies::body.eq(body),
            policies::is_default.eq(is_default),
            policies::created_by.eq(created_by),
            policies::created_at.eq(now),
        ))
        .returning(policies::id)
        .get_result(conn)
}

pub fn policies_all(conn: &mut DbConnection) -> QueryResult<Vec<PolicyRow>> {
    policies::table
        .order((policies::code.asc(), policies::version.asc()))
        .select(PolicyRow::as_select())
        .load(conn)
}

pub fn policy(conn: &mut DbConnection, id: i64) -> QueryResult<Option<PolicyRow>> {
    policies::table
        .find(id)
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()
}

pub fn default_policy(conn: &mut DbConnection) -> QueryResult<Option<PolicyRow>> {
    policies::table
        .filter(policies::is_default.eq(true))
        .order(policies::id.desc())
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()
}

pub fn latest_version(conn: &mut DbConnection, code: &str) -> QueryResult<Option<i32>> {
    policies::table
        .filter(policies::code.eq(code))
        .select(diesel::dsl::max(policies::version))
        .first(conn)
}

pub fn clear_default(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(policies::table.filter(policies::is_default.eq(true)))
        .set(policies::is_default.eq(false))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = grading_rounds)]
pub struct Round {
    pub id: i64,
    pub unit_id: i64,
    pub period: String,
    pub policy_id: i64,
    pub state: String,
    pub created_by: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub published_by: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_round(
    conn: &mut DbConnection,
    unit_id: i64,
    period: &str,
    policy_id: i64,
    created_by: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(grading_rounds::table)
        .values((
            grading_rounds::unit_id.eq(unit_id),
            grading_rounds::period.eq(period),
            grading_rounds::policy_id.eq(policy_id),
            grading_rounds::state.eq("open"),
            grading_rounds::created_by.eq(created_by),
            grading_rounds::version.eq(1i64),
            grading_rounds::created_at.eq(now),
            grading_rounds::updated_at.eq(now),
        ))
        .returning(grading_rounds::id)
        .get_result(conn)
}

/// Opens rounds of one period for several units, a few hundred rows a statement (read them
/// back with [`rounds_of_units`]).
pub fn insert_rounds(
    conn: &mut DbConnection,
    unit_ids: &[i64],
    period: &str,
    policy_id: i64,
    created_by: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in unit_ids.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|unit_id| {
                (
                    grading_rounds::unit_id.eq(*unit_id),
                    grading_rounds::period.eq(period),
                    grading_rounds::policy_id.eq(policy_id),
                    grading_rounds::state.eq("open"),
                    grading_rounds::created_by.eq(created_by),
                    grading_rounds::version.eq(1i64),
                    grading_rounds::created_at.eq(now),
                    grading_rounds::updated_at.eq(now),
                )
            })
            .collect();
        // Per backend: diesel's MultiConnection has no multi-row insert for SQLite.
        n += match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(grading_rounds::table)
                .values(rows)
                .execute(c)?,
            DbConnection::Pg(c) => diesel::insert_into(grading_rounds::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(n)
}

pub fn round(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Round>> {
    grading_rounds::table
        .find(id)
        .select(Round::as_select())
        .first(conn)
        .optional()
}

pub fn round_of(conn: &mut DbConnection, unit_id: i64, period: &str) -> QueryResult<Option<Round>> {
    grading_rounds::table
        .filter(grading_rounds::unit_id.eq(unit_id))
        .filter(grading_rounds::period.eq(period))
        .select(Round::as_select())
        .first(conn)
        .optional()
}

pub fn published_rounds(conn: &mut DbConnection, period: &str) -> QueryResult<Vec<Round>> {
    grading_rounds::table
        .filter(grading_rounds::period.eq(period))
        .filter(grading_rounds::state.eq("published"))
        .order(grading_rounds::unit_id.asc())
        .select(Round::as_select())
        .load(conn)
}

/// Moves a round to `state` if it is still at `expected_version`.
#[allow(clippy::too_many_arguments)]
pub fn set_round_state(
    conn: &mut DbConnection,
    id: i64,
    expected_version: i64,
    state: &str,
    decided_by: Option<i64>,
    published_by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = grading_rounds::table
        .filter(grading_rounds::id.eq(id))
        .filter(grading_rounds::version.eq(expected_version));
    let n = match (decided_by, published_by) {
        (Some(d), _) => diesel::update(target)
            .set((
                grading_rounds::state.eq(state),
                grading_rounds::decided_by.eq(d),
                grading_rounds::decided_at.eq(now),
                grading_rounds::version.eq(expected_version + 1),
                grading_rounds::updated_at.eq(now),
            ))
            .execute(conn)?,
        (None, Some(p)) => diesel::update(target)
            .set((
                grading_rounds::state.eq(state),
                grading_rounds::published_by.eq(p),
                grading_rounds::published_at.eq(now),
                grading_rounds::version.eq(expected_version + 1),
                grading_rounds::updated_at.eq(now),
            ))
            .execute(conn)?,
        (None, None) => diesel::update(target)
            .set((
                grading_rounds::state.eq(state),
                grading_rounds::version.eq(expected_version + 1),
                grading_rounds::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = grades)]
pub struct GradeRow {
    pub id: i64,
    pub round_id: i64,
    pub staff_id: i64,
    pub unit_id: i64,
    pub is_head: bool,
    pub is_leader: bool,
    pub expected: i64,
    pub credited: i64,
    pub quantity: f64,
    pub quality: f64,
    pub progress: f64,
    pub task_score: f64,
    pub common_score: f64,
    pub bonus: f64,
    pub total: f64,
    pub evaluator_scores: Option<String>,
    pub self_scores: Option<String>,
    pub ballot_votes: i32,
    pub disciplined: bool,
    pub worked_days: i64,
    pub period_working_days: i64,
    pub rework: i64,
    pub first_submission: Option<NaiveDateTime>,
    pub proposed_grade: String,
    pub final_grade: Option<String>,
    pub reasons: String,
    pub override_reason: Option<String>,
    pub inputs: String,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

/// A computed grade to write (everything but the id).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = grades)]
pub struct GradeValues {
    pub round_id: i64,
    pub staff_id: i64,
    pub unit_id: i64,
    pub is_head: bool,
    pub is_leader: bool,
    pub expected: i64,
    pub credited: i64,
    pub quantity: f64,
    pub quality: f64,
    pub progress: f64,
    pub task_score: f64,
    pub common_score: f64,
    pub bonus: f64,
    pub total: f64,
    pub worked_days: i64,
    pub period_working_days: i64,
    pub rework: i64,
    pub first_submission: Option<NaiveDateTime>,
    pub proposed_grade: String,
    pub reasons: String,
    pub inputs: String,
    pub updated_at: NaiveDateTime,
}

pub fn grades_of_round(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<GradeRow>> {
    grades::table
        .filter(grades::round_id.eq(round_id))
        .order(grades::staff_id.asc())
        .select(GradeRow::as_select())
        .load(conn)
}

pub fn grades_of_rounds(conn: &mut DbConnection, round_ids: &[i64]) -> QueryResult<Vec<GradeRow>> {
    grades::table
        .filter(grades::round_id.eq_any(round_ids.to_vec()))
        .order((grades::round_id.asc(), grades::staff_id.asc()))
        .select(GradeRow::as_select())
        .load(conn)
}

/// What the KPI reads of a grade: its round, person, evaluator scores (JSON text) and bonus.
pub type GradeCommon = (i64, i64, Option<String>, f64);

/// The evaluator scores and bonus of the grades of some rounds, without the rest of their rows
/// (a grade's `inputs` is a kilobyte; a province month has 20,000 grades).
pub fn common_of_rounds(
    conn: &mut DbConnection,
    round_ids: &[i64],
) -> QueryResult<Vec<GradeCommon>> {
    grades::table
        .filter(grades::round_id.eq_any(round_ids.to_vec()))
        .select((
            grades::round_id,
            grades::staff_id,
            grades::evaluator_scores,
            grades::bonus,
        ))
        .load(conn)
}

/// (round, final grade, proposed grade, how many grades carry that pair).
pub type RoundGradeCount = (i64, Option<String>, String, i64);

/// How many grades of each round carry each (final grade, proposed grade) pair: what a grade
/// distribution needs, without loading the people's rows.
pub fn grade_counts_of_rounds(
    conn: &mut DbConnection,
    round_ids: &[i64],
) -> QueryResult<Vec<RoundGradeCount>> {
    let mut out = Vec::new();
    for chunk in round_ids.chunks(900) {
        let mut rows = grades::table
            .filter(grades::round_id.eq_any(chunk.to_vec()))
            .group_by((
                grades::round_id,
                grades::final_grade,
                grades::proposed_grade,
            ))
            .select((
                grades::round_id,
                grades::final_grade,
                grades::proposed_grade,
                diesel::dsl::count_star(),
            ))
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

pub fn grade(conn: &mut DbConnection, id: i64) -> QueryResult<Option<GradeRow>> {
    grades::table
        .find(id)
        .select(GradeRow::as_select())
        .first(conn)
        .optional()
}

pub fn grade_of(
    conn: &mut DbConnection,
    round_id: i64,
    staff_id: i64,
) -> QueryResult<Option<GradeRow>> {
    grades::table
        .filter(grades::round_id.eq(round_id))
        .filter(grades::staff_id.eq(staff_id))
        .select(GradeRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts or refreshes the computed part of a grade (assessments and decisions are kept).
pub fn upsert_computed(conn: &mut DbConnection, v: &GradeValues) -> QueryResult<()> {
    let n = diesel::update(
        grades::table
            .filter(grades::round_id.eq(v.round_id))
            .filter(grades::staff_id.eq(v.staff_id)),
    )
    .set((v, grades::version.eq(grades::version + 1)))
    .execute(conn)?;
    if n == 0 {
        diesel::insert_into(grades::table).values(v).execute(conn)?;
    }
    Ok(())
}

/// Inserts the computed grades of people who have none in their round yet, a few hundred rows a
/// statement.
pub fn insert_computed(conn: &mut DbConnection, rows: &[GradeValues]) -> QueryResult<()> {
    // 22 columns a row: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
    for chunk in rows.chunks(500) {
        match (&mut *conn, chunk) {
            (DbConnection::Sqlite(c), [one]) => {
                diesel::insert_into(grades::table).values(one).execute(c)?
            }
            (DbConnection::Sqlite(c), _) => diesel::insert_into(grades::table)
                .values(chunk)
                .execute(c)?,
            (DbConnection::Pg(c), _) => diesel::insert_into(grades::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

pub fn delete_grades_except(
    conn: &mut DbConnection,
    round_id: i64,
    keep: &[i64],
) -> QueryResult<usize> {
    diesel::delete(
        grades::table
            .filter(grades::round_id.eq(round_id))
            .filter(grades::staff_id.ne_all(keep.to_vec())),
    )
    .execute(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = grades)]
pub struct Assessment {
    pub evaluator_scores: Option<Option<String>>,
    pub self_scores: Option<Option<String>>,
    pub bonus: Option<f64>,
    pub ballot_votes: Option<i32>,
    pub disciplined: Option<bool>,
}

pub fn set_assessment(conn: &mut DbConnection, grade_id: i64, a: &Assessment) -> QueryResult<()> {
    diesel::update(grades::table.find(grade_id))
        .set((a, grades::version.eq(grades::version + 1)))
        .execute(conn)?;
    Ok(())
}

pub fn set_final(
    conn: &mut DbConnection,
    grade_id: i64,
    final_grade: &str,
    reasons: &str,
    override_reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(grades::table.find(grade_id))
        .set((
            grades::final_grade.eq(final_grade),
            grades::reasons.eq(reasons),
            grades::override_reason.eq(override_reason),
            grades::version.eq(grades::version + 1),
            grades::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appeals)]
pub struct AppealRow {
    pub id: i64,
    pub grade_id: i64,
    pub staff_id: i64,
    pub kind: String,
    pub reason: String,
    pub state: String,
    pub resolver_id: Option<i64>,
    pub resolution: Option<String>,
    pub new_grade: Option<String>,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

pub fn appeals_of_grade(conn: &mut DbConnection, grade_id: i64) -> QueryResult<Vec<AppealRow>> {
    appeals::table
        .filter(appeals::grade_id.eq(grade_id))
        .order(appeals::id.asc())
        .select(AppealRow::as_select())
        .load(conn)
}

/// Decided or published rounds of a unit whose period lies in `year` (months `YYYY-MM`, quarters
/// `YYYY-Qn`), excluding the year round itself.
pub fn rounds_within_year(
    conn: &mut DbConnection,
    unit_id: i64,
    year: i32,
) -> QueryResult<Vec<Round>> {
    grading_rounds::table
        .filter(grading_rounds::unit_id.eq(unit_id))
        .filter(grading_rounds::period.like(format!("{year}-%")))
        .filter(grading_rounds::state.eq_any(vec!["decided", "published"]))
        .order(grading_rounds::period.asc())
        .select(Round::as_select())
        .load(conn)
}

/// Final grades of year rounds (`period = year`) for some people, across units.
pub fn year_grades(
    conn: &mut DbConnection,
    year: i32,
    staff_ids: Option<&[i64]>,
) -> QueryResult<Vec<(i64, Option<String>, i64)>> {
    let mut q = grades::table
        .inner_join(grading_rounds::table)
        .filter(grading_rounds::period.eq(year.to_string()))
        .filter(grading_rounds::state.eq_any(vec!["decided", "published"]))
        .select((grades::staff_id, grades::final_grade, grades::id))
        .into_boxed();
    if let Some(ids) = staff_ids {
        q = q.filter(grades::staff_id.eq_any(ids.to_vec()));
    }
    q.load(conn)
}

// ---- Appeals (filing and resolving) ----

/// A new appeal or reserved opinion.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = appeals)]
pub struct NewAppeal<'a> {
    pub grade_id: i64,
    pub staff_id: i64,
    pub kind: &'a str,
    pub reason: &'a str,
    pub state: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_appeal(conn: &mut DbConnection, a: &NewAppeal<'_>) -> QueryResult<i64> {
    diesel::insert_into(appeals::table)
        .values(a)
        .returning(appeals::id)
        .get_result(conn)
}

pub fn appeal(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AppealRow>> {
    appeals::table
        .find(id)
        .select(AppealRow::as_select())
        .first(conn)
        .optional()
}

/// Whether the grade has an appeal waiting for the level above.
pub fn has_filed_appeal(conn: &mut DbConnection, grade_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        appeals::table
            .filter(appeals::grade_id.eq(grade_id))
            .filter(appeals::state.eq("filed")),
    ))
    .get_result(conn)
}

/// Takes the grade's row lock for the rest of the transaction (a no-op update), so that
/// concurrent appeals on one grade are serialised.
pub fn lock_grade(conn: &mut DbConnection, grade_id: i64) -> QueryResult<bool> {
    let n = diesel::update(grades::table.find(grade_id))
        .set(grades::version.eq(grades::version))
        .execute(conn)?;
    Ok(n == 1)
}

/// Resolves a `filed` appeal; false when it was no longer filed (resolved concurrently).
pub fn resolve_appeal(
    conn: &mut DbConnection,
    id: i64,
    state: &str,
    resolver_id: i64,
    resolution: &str,
    new_grade: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        appeals::table
            .filter(appeals::id.eq(id))
            .filter(appeals::state.eq("filed")),
    )
    .set((
        appeals::state.eq(state),
        appeals::resolver_id.eq(resolver_id),
        appeals::resolution.eq(resolution),
        appeals::new_grade.eq(new_grade),
        appeals::resolved_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Rounds of some units for some periods (one query per 900 units).
pub fn rounds_of_units(
    conn: &mut DbConnection,
    unit_ids: &[i64],
    periods: &[String],
) -> QueryResult<Vec<Round>> {
    let mut out = Vec::new();
    for chunk in unit_ids.chunks(900) {
        let mut rows: Vec<Round> = grading_rounds::table
            .filter(grading_rounds::unit_id.eq_any(chunk.to_vec()))
            .filter(grading_rounds::period.eq_any(periods.to_vec()))
            .select(Round::as_select())
            .load(conn)?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// Of `staff_ids`, those recorded as disciplined in any grading round of `period` (e.g. a
/// leader's direct subordinates graded in their own unit's round).
pub fn disciplined_in_period(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    period: &str,
) -> QueryResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in staff_ids.chunks(10_000) {
        let mut ids: Vec<i64> = grades::table
            .inner_join(grading_rounds::table)
            .filter(grading_rounds::period.eq(period))
            .filter(grades::disciplined.eq(true))
            .filter(grades::staff_id.eq_any(chunk.to_vec()))
            .select(grades::staff_id)
            .load(conn)?;
        out.append(&mut ids);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
