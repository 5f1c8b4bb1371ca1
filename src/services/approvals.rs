//! The approver's side: the queue of entries waiting for a decision, with each day's total and
//! the anomaly flags of the rulebook, and batch decisions with one result per entry.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};

use crate::db::entries::Entry;
use crate::db::{self, DbConnection};
use crate::domain::diary::{
    anomalies, backdate_covered, day_facts, Anomaly, DayLine, DiaryPolicy, EntryAction, EntryFacts,
};
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::services::calendar::load_calendar;
use crate::services::entries::{transition, DiaryContext, ReturnReason};

/// Where a queue page ends: the work date and id of its last entry (the keyset cursor).
pub type QueueKey = (NaiveDate, i64);

/// An entry waiting for a decision, with what the approver should look at twice.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub entry: Entry,
    pub staff_name: String,
    pub day_total: i64,
    pub anomalies: Vec<Anomaly>,
}

/// Entries waiting for the caller: those they approve, those of approvers who delegated to them
/// today, or (with `unit_id`, for heads within their subtree and the organisation) every
/// submitted entry of a unit subtree. Oldest work date first, in keyset pages of `limit` after
/// `after` (the work date and id of the previous page's last entry); the second value is the
/// key of this page's last entry when more follow. Six queries whatever its size.
#[allow(clippy::too_many_arguments)]
pub fn queue(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
    after: Option<QueueKey>,
    limit: i64,
    today: NaiveDate,
    utc_offset_minutes: i32,
    policy: &DiaryPolicy,
) -> AppResult<(Vec<QueueItem>, Option<QueueKey>)> {
    let entries = match unit_id {
        Some(u) => {
            let unit = db::units::find(conn, u)?.ok_or(AppError::NotFound)?;
            if !viewer.manages_unit(&unit.path) {
                return Err(AppError::NotFound);
            }
            let units = db::units::ids_in_subtrees(conn, &[unit.path])?;
            db::entries::queue(conn, &[], Some(&units), after, limit + 1)?
        }
        None => {
            let mut approvers = vec![viewer.staff_id];
            approvers.extend(
                db::delegations::active_to(conn, viewer.staff_id, today)?
                    .into_iter()
                    .map(|d| d.approver_id),
            );
            db::entries::queue(conn, &approvers, None, after, limit + 1)?
        }
    };
    let mut entries = entries;
    let more = entries.len() as i64 > limit;
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if more {
        entries.last().map(|e| (e.work_date, e.id))
    } else {
        None
    };
    Ok((annotate(conn, entries, utc_offset_minutes, policy)?, next))
}

fn annotate(
    conn: &mut DbConnection,
    entries: Vec<Entry>,
    utc_offset_minutes: i32,
    policy: &DiaryPolicy,
) -> AppResult<Vec<QueueItem>> {
    let (Some(from), Some(to)) = (
        entries.iter().map(|e| e.work_date).min(),
        entries.iter().map(|e| e.work_date).max(),
    ) else {
        return Ok(Vec::new());
    };
    let people: Vec<i64> = entries
        .iter()
        .map(|e| e.staff_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Every live entry of these people on these days: day totals and duplicates come from here.
    let context = db::entries::of_people_between(conn, &people, from, to)?;
    let product_ids: Vec<i64> = context
        .iter()
        .map(|e| e.product_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let standard: HashMap<i64, i32> = db::entries::standard_minutes(conn, &product_ids)?
        .into_iter()
        .collect();
    let names: HashMap<i64, String> = db::staff::names_of(conn, &people)?.into_iter().collect();
    let calendar = load_calendar(conn, from, to)?;
    let permits = db::backdate::live_between(conn, from, to)?;
    let offset = Duration::minutes(i64::from(utc_offset_minutes));
    let mut days: HashMap<(i64, NaiveDate), Vec<&Entry>> = HashMap::new();
    for e in &context {
        days.entry((e.staff_id, e.work_date)).or_default().push(e);
    }
    let mut facts_of: HashMap<i64, EntryFacts> = HashMap::new();
    for ((_, day), lines) in &days {
        let view: Vec<DayLine<'_>> = lines
            .iter()
            .map(|e| DayLine {
                product_id: e.product_id,
                quantity: e.quantity,
                minutes: e.minutes,
                note: &e.note,
                standard_minutes: standard.get(&e.product_id).copied().unwrap_or(0),
                created_on: (e.created_at + offset).date(),
                backdate_permitted: backdate_covered(
                    &permits,
                    e.staff_id,
                    Some(e.unit_id),
                    e.work_date,
                ),
            })
            .collect();
        for (e, f) in lines
            .iter()
            .zip(day_facts(*day, calendar.is_working_day(*day), &view))
        {
            facts_of.insert(e.id, f);
        }
    }
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            // A queued entry is live, so it is part of its day's context.
            let facts = facts_of.get(&e.id).copied()?;
            let day_total = facts.day_total;
            Some(QueueItem {
                anomalies: anomalies(&facts, policy),
                staff_name: names.get(&e.staff_id).cloned().unwrap_or_default(),
                day_total,
                entry: e,
            })
        })
        .collect())
}

/// The outcome of one item of a batch.
#[derive(Debug)]
pub struct BatchOutcome {
    pub entry_id: i64,
    pub result: AppResult<Entry>,
}

/// Approves or returns several entries; each is decided on its own (one failure does not undo
/// the others) and reported separately.
pub fn decide_batch(
    conn: &mut DbConnection,
    viewer: &Viewer,
    entry_ids: &[i64],
    action: EntryAction,
    ret: Option<ReturnReason>,
    ctx: &DiaryContext,
) -> Vec<BatchOutcome> {
    entry_ids
        .iter()
        .map(|&id| BatchOutcome {
            entry_id: id,
            result: transition(conn, viewer, id, action, None, ret.clone(), ctx),
        })
        .collect()
}
