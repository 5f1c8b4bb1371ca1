//! The inbox (notes), per-person mutes, the scheduler's lease, and the few reads the reminder
//! job needs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{entries, grading_rounds, note_mutes, notes, scheduler_leases, staff, units};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notes)]
pub struct NoteRow {
    pub id: i64,
    pub recipient_id: i64,
    pub kind: String,
    pub params: String,
    pub dedup_key: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    pub emailed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notes, treat_none_as_default_value = false)]
pub struct NewNote {
    pub recipient_id: i64,
    pub kind: String,
    pub params: String,
    pub dedup_key: String,
    pub created_at: NaiveDateTime,
}

/// Inserts notes whose key is not there yet (ON CONFLICT DO NOTHING); returns how many were new.
pub fn insert_new(conn: &mut DbConnection, rows: &[NewNote]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in rows.chunks(500) {
        n += match conn {
            DbConnection::Pg(c) => diesel::insert_into(notes::table)
                .values(chunk)
                .on_conflict(notes::dedup_key)
                .do_nothing()
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(notes::table)
                .values(chunk)
                .on_conflict(notes::dedup_key)
                .do_nothing()
                .execute(c)?,
        };
    }
    Ok(n)
}

/// A person's notes, newest first (`before`: an id to page back from).
pub fn of_recipient(
    conn: &mut DbConnection,
    recipient: i64,
    unread_only: bool,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<NoteRow>> {
    let mut q = notes::table
        .filter(notes::recipient_id.eq(recipient))
        .into_boxed();
    if unread_only {
        q = q.filter(notes::read_at.is_null());
    }
    if let Some(b) = before {
        q = q.filter(notes::id.lt(b));
    }
    q.order(notes::id.desc())
        .limit(limit)
        .select(NoteRow::as_select())
        .load(conn)
}

/// (kind, unread count) of a person.
pub fn unread_counts(conn: &mut DbConnection, recipient: i64) -> QueryResult<Vec<(String, i64)>> {
    use diesel::dsl::count_star;
    notes::table
        .filter(notes::recipient_id.eq(recipient))
        .filter(notes::read_at.is_null())
        .group_by(notes::kind)
        .select((notes::kind, count_star()))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<NoteRow>> {
    notes::table
        .find(id)
        .select(NoteRow::as_select())
        .first(conn)
        .optional()
}

/// Marks notes of a person read (all unread ones when `ids` is None); returns how many.
pub fn mark_read(
    conn: &mut DbConnection,
    recipient: i64,
    ids: Option<&[i64]>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let base = notes::table
        .filter(notes::recipient_id.eq(recipient))
        .filter(notes::read_at.is_null())
        .into_boxed();
    let target = match ids {
        Some(ids) => base.filter(notes::id.eq_any(ids.to_vec())),
        None => base,
    };
    let ids: Vec<i64> = target.select(notes::id).load(conn)?;
    let mut n = 0;
    for chunk in ids.chunks(900) {
        n += diesel::update(notes::table.filter(notes::id.eq_any(chunk.to_vec())))
            .set(notes::read_at.eq(now))
            .execute(conn)?;
    }
    Ok(n)
}

pub fn mutes_of(conn: &mut DbConnection, staff_id: i64) -> QueryResult<Vec<String>> {
    note_mutes::table
        .filter(note_mutes::staff_id.eq(staff_id))
        .order(note_mutes::kind)
        .select(note_mutes::kind)
        .load(conn)
}

pub fn set_mutes(conn: &mut DbConnection, staff_id: i64, kinds: &[String]) -> QueryResult<()> {
    diesel::delete(note_mutes::table.filter(note_mutes::staff_id.eq(staff_id))).execute(conn)?;
    for k in kinds {
        diesel::insert_into(note_mutes::table)
            .values((note_mutes::staff_id.eq(staff_id), note_mutes::kind.eq(k)))
            .execute(conn)?;
    }
    Ok(())
}

/// Everyone who muted a kind.
pub fn muted(conn: &mut DbConnection, kind: &str) -> QueryResult<Vec<i64>> {
    note_mutes::table
        .filter(note_mutes::kind.eq(kind))
        .select(note_mutes::staff_id)
        .load(conn)
}

/// Takes the named lease until `until` when it is free, expired, or already ours.
pub fn try_lease(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let taken = diesel::update(
        scheduler_leases::table
            .filter(scheduler_leases::name.eq(name))
            .filter(
                scheduler_leases::expires_at
                    .le(now)
                    .or(scheduler_leases::holder.eq(holder)),
            ),
    )
    .set((
        scheduler_leases::holder.eq(holder),
        scheduler_leases::expires_at.eq(until),
    ))
    .execute(conn)?;
    if taken == 1 {
        return Ok(true);
    }
    let exists: i64 = scheduler_leases::table
        .filter(scheduler_leases::name.eq(name))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    match diesel::insert_into(scheduler_leases::table)
        .values((
            scheduler_leases::name.eq(name),
            scheduler_leases::holder.eq(holder),
            scheduler_leases::expires_at.eq(until),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(true),
        // Another instance created it first.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Gives the lease back and records the run.
pub fn release_lease(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        scheduler_leases::table
            .filter(scheduler_leases::name.eq(name))
            .filter(scheduler_leases::holder.eq(holder)),
    )
    .set((
        scheduler_leases::expires_at.eq(now),
        scheduler_leases::last_run_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// (approver, lines waiting, earliest submission).
pub type WaitingRow = (Option<i64>, i64, Option<NaiveDateTime>);

/// (approver, lines waiting, earliest submission) of submitted lines submitted before `cutoff`.
pub fn waiting_by_approver(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
) -> QueryResult<Vec<WaitingRow>> {
    use diesel::dsl::{count_star, min};
    entries::table
        .filter(entries::deleted_at.is_null())
        .filter(entries::state.eq("submitted"))
        .filter(entries::submitted_at.lt(cutoff))
        .group_by(entries::approver_id)
        .select((
            entries::approver_id,
            count_star(),
            min(entries::submitted_at),
        ))
        .load(conn)
}

/// Active people with the organisation role.
pub fn organisation_people(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    let rows: Vec<(i64, String)> = staff::table
        .filter(staff::active.eq(true))
        .filter(staff::roles.like("%organisation%"))
        .select((staff::id, staff::roles))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, r)| r.split(',').any(|x| x.trim() == "organisation"))
        .map(|(id, _)| id)
        .collect())
}

/// (id, code, name) of active units that have active members but no grading round for `period`.
pub fn units_without_round(
    conn: &mut DbConnection,
    period: &str,
) -> QueryResult<Vec<(i64, String, String)>> {
    let with_round: Vec<i64> = grading_rounds::table
        .filter(grading_rounds::period.eq(period))
        .select(grading_rounds::unit_id)
        .load(conn)?;
    let staffed: Vec<Option<i64>> = staff::table
        .filter(staff::active.eq(true))
        .filter(staff::unit_id.is_not_null())
        .select(staff::unit_id)
        .distinct()
        .load(conn)?;
    let staffed: std::collections::HashSet<i64> = staffed.into_iter().flatten().collect();
    let with_round: std::collections::HashSet<i64> = with_round.into_iter().collect();
    let all: Vec<(i64, String, String)> = units::table
        .filter(units::active.eq(true))
        .order(units::code)
        .select((units::id, units::code, units::name))
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(id, _, _)| staffed.contains(id) && !with_round.contains(id))
        .collect())
}

/// Notes not yet e-mailed, created since `since`, with the recipient's address.
pub fn unsent_with_address(
    conn: &mut DbConnection,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(NoteRow, String)>> {
    notes::table
        .inner_join(staff::table.on(staff::id.eq(notes::recipient_id)))
        .filter(notes::emailed_at.is_null())
        .filter(notes::created_at.ge(since))
        .filter(staff::email.is_not_null())
        .filter(staff::active.eq(true))
        .order(notes::id)
        .limit(limit)
        .select((NoteRow::as_select(), staff::email.assume_not_null()))
        .load(conn)
}

/// Claims a note for sending (false: another instance did).
pub fn claim_email(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    Ok(diesel::update(
        notes::table
            .filter(notes::id.eq(id))
            .filter(notes::emailed_at.is_null()),
    )
    .set(notes::emailed_at.eq(now))
    .execute(conn)?
        == 1)
}

/// Gives a claim back after a failed send, so that the next run retries.
pub fn unclaim_email(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(notes::table.filter(notes::id.eq(id)))
        .set(notes::emailed_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}
