//! Week summaries (expected, logged and approved minutes per ISO week) of one person, and the
//! under-logged report of a subtree. Both share `summaries_for`, which loads everything for many
//! people in a fixed number of queries (people, contracts, approved leave, holidays, one grouped
//! query of minutes) and applies `domain::calendar::week_summaries`.
//!
//! Weeks are judged when they end: the current week is `in_progress` (minutes expected so far,
//! never under-logged). Streaks: the streak of a week counts consecutive under-logged ended
//! weeks ending at it, back to the person's joining date, the same whatever window was asked
//! (see `summaries_for`).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::db::staff::Staff;
use crate::db::units::UnitListFilter;
use crate::db::{self, DbConnection};
use crate::domain::calendar::{
    week_summaries, ContractSpan, DayMinutes, Employment, UnderLogBasis, WeekSummary,
};
use crate::domain::org::in_subtree;
use crate::domain::period::IsoWeek;
use crate::domain::scope::Viewer;
use crate::domain::text::vietnamese_sort_key;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::services::{calendar, leaves};

/// Weeks of history loaded before `from` so that streaks can start before the requested range.
pub const STREAK_LOOKBACK_WEEKS: usize = 12;

/// Longest range of `GET /staff/{id}/weeks` (about two years).
pub const MAX_WEEKS: i64 = 106;

/// Weeks shown when the caller does not choose: the 8 weeks ending with the current one.
pub const DEFAULT_WEEKS: usize = 8;

/// The default range of `GET /staff/{id}/weeks`: the 8 weeks ending with the week of `today`.
pub fn default_range(today: NaiveDate) -> (IsoWeek, IsoWeek) {
    let to = IsoWeek::of(today);
    (back(to, DEFAULT_WEEKS - 1), to)
}

/// The week `n` weeks before `week`.
fn back(week: IsoWeek, n: usize) -> IsoWeek {
    (0..n).fold(week, |w, _| w.prev())
}

/// Number of weeks from `from` to `to`, both included (0 or less when reversed).
fn week_count(from: IsoWeek, to: IsoWeek) -> i64 {
    (to.monday() - from.monday()).num_days() / 7 + 1
}

/// Refuses a reversed range or one longer than `MAX_WEEKS`, naming the field to fix.
pub fn check_range(from: IsoWeek, to: IsoWeek) -> AppResult<()> {
    if from > to {
        return Err(AppError::validation(
            "from",
            "after_to",
            "Tuần bắt đầu (from) không được sau tuần kết thúc (to).",
            "`from` may not be after `to`.",
        ));
    }
    if week_count(from, to) > MAX_WEEKS {
        return Err(AppError::Validation(vec![crate::error::FieldIssue::new(
            "to",
            "range",
            Text::new(
                format!("Tối đa {MAX_WEEKS} tuần mỗi lần xem."),
                format!("At most {MAX_WEEKS} weeks per request."),
            ),
        )]));
    }
    Ok(())
}

/// Week summaries of many people for `from..=to`, keyed by person id, judged on `today` (the
/// organisation's local date: weeks not ended yet are `in_progress`).
///
/// The streak of a week is one fact whatever the window: it counts ended under-logged weeks back
/// to the person's joining date. The computation starts `STREAK_LOOKBACK_WEEKS` before `from`;
/// people whose run is still unbroken at that start (and who were employed before it) are
/// computed again with four times the history, and so on, so that the common case stays one
/// pass. Each pass loads everything for its people at once (contracts, approved leave,
/// holidays, one grouped query of minutes): never a query per person.
pub fn summaries_for(
    conn: &mut DbConnection,
    people: &[Staff],
    from: IsoWeek,
    to: IsoWeek,
    basis: UnderLogBasis,
    today: NaiveDate,
) -> AppResult<HashMap<i64, Vec<WeekSummary>>> {
    let mut out = HashMap::with_capacity(people.len());
    let mut pending: Vec<Staff> = people.to_vec();
    let mut lookback = STREAK_LOOKBACK_WEEKS;
    while !pending.is_empty() {
        let start = back(from, lookback);
        let computed = summaries_from(conn, &pending, start, to, basis, today)?;
        let mut again = Vec::new();
        for person in pending {
            let Some(weeks) = computed.get(&person.id) else {
                continue;
            };
            // Still unbroken at `start`: every judged week before `from` is under-logged (or
            // nothing was expected) and the person may have been employed before `start`.
            let before: Vec<&WeekSummary> = weeks
                .iter()
                .filter(|w| w.week < from && !w.in_progress && w.expected > 0)
                .collect();
            let unbroken = !before.is_empty() && before.iter().all(|w| w.under_logged);
            // More history only if the person was (or may have been) employed before `start`.
            let history_left = match person.joined_on {
                Some(joined) => joined < start.monday(),
                None => weeks.iter().take(4).any(|w| w.expected > 0),
            };
            if unbroken && history_left && lookback < MAX_LOOKBACK_WEEKS {
                again.push(person);
                continue;
            }
            out.insert(
                person.id,
                weeks.iter().filter(|w| w.week >= from).cloned().collect(),
            );
        }
        pending = again;
        lookback = (lookback * 4).min(MAX_LOOKBACK_WEEKS);
    }
    Ok(out)
}

/// Whole-week figures of many people for `from..=to` (every week judged as ended: `expected`
/// covers all seven days), what the maintained rollups (`services::rollups`) store.
pub fn full_weeks(
    conn: &mut DbConnection,
    people: &[Staff],
    from: IsoWeek,
    to: IsoWeek,
) -> AppResult<HashMap<i64, Vec<WeekSummary>>> {
    let after = to.sunday() + chrono::Duration::days(1);
    summaries_from(conn, people, from, to, UnderLogBasis::Logged, after)
}

/// Longest history a streak is counted over (about 20 years).
pub const MAX_LOOKBACK_WEEKS: usize = 1040;

fn summaries_from(
    conn: &mut DbConnection,
    people: &[Staff],
    start: IsoWeek,
    to: IsoWeek,
    basis: UnderLogBasis,
    today: NaiveDate,
) -> AppResult<HashMap<i64, Vec<WeekSummary>>> {
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let (first_day, last_day) = (start.monday(), to.sunday());
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();

    let mut contracts: HashMap<i64, Vec<ContractSpan>> = HashMap::new();
    for c in db::staff::contracts_of(conn, &ids)? {
        contracts.entry(c.staff_id).or_default().push(ContractSpan {
            effective_from: c.effective_from,
            weekly_minutes: c.weekly_minutes,
        });
    }
    let mut leave_days = leaves::approved_leave_days(conn, &ids, first_day, last_day)?;
    let cal = calendar::load_calendar(conn, first_day, last_day)?;
    let mut minutes: HashMap<i64, BTreeMap<NaiveDate, DayMinutes>> = HashMap::new();
    // Logged = submitted + approved (drafts and returned lines do not count), from the daily totals.
    for row in db::totals::minutes_by_day(conn, &ids, first_day, last_day)? {
        let day = minutes
            .entry(row.staff_id)
            .or_default()
            .entry(row.work_date)
            .or_default();
        day.logged = day.logged.saturating_add(row.logged);
        day.approved = day.approved.saturating_add(row.approved);
    }

    let empty_minutes = BTreeMap::new();
    let mut out = HashMap::with_capacity(people.len());
    for person in people {
        let employment = Employment {
            joined_on: person.joined_on,
            left_on: person.left_on,
            contracts: contracts.remove(&person.id).unwrap_or_default(),
        };
        let person_leave = leave_days.remove(&person.id).unwrap_or_default();
        let person_minutes = minutes.get(&person.id).unwrap_or(&empty_minutes);
        let weeks = week_summaries(
            &cal,
            &employment,
            &person_leave,
            person_minutes,
            start,
            to,
            basis,
            today,
        );
        out.insert(person.id, weeks);
    }
    Ok(out)
}

/// The week summaries of one person, visible to the person, heads of their subtree and the
/// organisation (404 for anyone else).
pub fn weeks_of_person(
    conn: &mut DbConnection,
    viewer: &Viewer,
    staff_id: i64,
    from: IsoWeek,
    to: IsoWeek,
    basis: UnderLogBasis,
    today: NaiveDate,
) -> AppResult<Vec<WeekSummary>> {
    let person = db::staff::find(conn, staff_id)?.ok_or(AppError::NotFound)?;
    let path = match person.unit_id {
        Some(u) => db::units::find(conn, u)?.map(|u| u.path),
        None => None,
    };
    if !viewer.can_see_person(person.id, path.as_deref()) {
        return Err(AppError::NotFound);
    }
    check_range(from, to)?;
    let mut all = summaries_for(conn, std::slice::from_ref(&person), from, to, basis, today)?;
    Ok(all.remove(&person.id).unwrap_or_default())
}

/// One under-logged person of the report.
#[derive(Debug, Clone)]
pub struct UnderLoggedPerson {
    pub staff_id: i64,
    pub full_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub summary: WeekSummary,
}

/// Under-logged people of a subtree in one week.
#[derive(Debug, Clone)]
pub struct UnderLoggedReport {
    pub week: IsoWeek,
    /// The subtree's root; None for the whole organisation or several headed subtrees.
    pub unit_id: Option<i64>,
    /// People expected to work that week (expected > 0).
    pub people_count: usize,
    /// Sorted by gap desc, streak desc, full name (Vietnamese order).
    pub people: Vec<UnderLoggedPerson>,
}

impl UnderLoggedReport {
    /// Share of the people expected to work who are under-logged (0 when nobody is expected).
    pub fn share(&self) -> f64 {
        if self.people_count == 0 {
            0.0
        } else {
            self.people.len() as f64 / self.people_count as f64
        }
    }
}

fn not_a_head() -> AppError {
    AppError::forbidden(
        "Chỉ thủ trưởng đơn vị và Ban Tổ chức được xem báo cáo này.",
        "Only unit heads and the organisation department may read this report.",
    )
}

/// The id a materialised path ends with (`/1/5/12/` → 12).
fn id_of_path(path: &str) -> Option<i64> {
    path.trim_end_matches('/').rsplit('/').next()?.parse().ok()
}

/// Under-logged people of a subtree in one ISO week.
///
/// Scope: heads read their own subtrees (another unit is 404), the organisation department and
/// administrators any unit; plain staff are refused (403). Without `unit_id`, heads get every
/// subtree they head and the organisation the whole organisation.
pub fn under_logged_report(
    conn: &mut DbConnection,
    viewer: &Viewer,
    week: IsoWeek,
    unit_id: Option<i64>,
    basis: UnderLogBasis,
    today: NaiveDate,
) -> AppResult<UnderLoggedReport> {
    if !viewer.is_org_wide() && viewer.headed_paths.is_empty() {
        return Err(not_a_head());
    }
    let (root_id, unit_ids) = match unit_id {
        Some(id) => {
            let unit = db::units::find(conn, id)?.ok_or(AppError::NotFound)?;
            let in_scope = viewer.manages_unit(&unit.path);
            if !in_scope {
                return Err(AppError::NotFound);
            }
            let ids = db::units::ids_in_subtrees(conn, std::slice::from_ref(&unit.path))?;
            (Some(unit.id), Some(ids))
        }
        None if viewer.is_org_wide() => (None, None),
        None => {
            // Roots not nested in another headed subtree (a head's own unit may be listed
            // twice: as `head_id` and through the `head` role): one root names the unit.
            let mut headed: Vec<&String> = viewer.headed_paths.iter().collect();
            headed.sort();
            headed.dedup();
            let roots: Vec<&String> = headed
                .iter()
                .copied()
                .filter(|p| {
                    !headed
                        .iter()
                        .any(|other| other != p && in_subtree(p, other))
                })
                .collect();
            let root_id = match roots.as_slice() {
                [only] => id_of_path(only),
                _ => None,
            };
            let ids = db::units::ids_in_subtrees(conn, &viewer.headed_paths)?;
            (root_id, Some(ids))
        }
    };

    let people = db::staff::active_in_units(conn, unit_ids.as_deref())?;
    let mut summaries = summaries_for(conn, &people, week, week, basis, today)?;

    let mut person_units: Vec<i64> = people.iter().filter_map(|p| p.unit_id).collect();
    person_units.sort_unstable();
    person_units.dedup();
    let unit_names: HashMap<i64, String> = if person_units.is_empty() {
        HashMap::new()
    } else {
        let limit = i64::try_from(person_units.len()).unwrap_or(i64::MAX);
        db::units::list(
            conn,
            &UnitListFilter {
                only_ids: Some(person_units),
                parent_id: None,
                level: None,
                after_id: None,
                limit,
            },
        )?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect()
    };

    let mut people_count = 0;
    let mut under: Vec<(Vec<u32>, UnderLoggedPerson)> = Vec::new();
    for person in people {
        let Some(summary) = summaries
            .remove(&person.id)
            .and_then(|weeks| weeks.into_iter().find(|w| w.week == week))
        else {
            continue;
        };
        if summary.expected > 0 {
            people_count += 1;
        }
        if !summary.under_logged {
            continue;
        }
        let key = vietnamese_sort_key(&person.full_name);
        under.push((
            key,
            UnderLoggedPerson {
                staff_id: person.id,
                unit_name: person.unit_id.and_then(|u| unit_names.get(&u).cloned()),
                unit_id: person.unit_id,
                full_name: person.full_name,
                summary,
            },
        ));
    }
    under.sort_by(|(ka, a), (kb, b)| {
        b.summary
            .gap
            .cmp(&a.summary.gap)
            .then_with(|| b.summary.streak.cmp(&a.summary.streak))
            .then_with(|| ka.cmp(kb))
            .then_with(|| a.staff_id.cmp(&b.staff_id))
    });
    Ok(UnderLoggedReport {
        week,
        unit_id: root_id,
        people_count,
        people: under.into_iter().map(|(_, p)| p).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wk(s: &str) -> IsoWeek {
        IsoWeek::parse(s).expect("week")
    }

    #[test]
    fn ranges_are_checked() {
        assert!(check_range(wk("2026-W40"), wk("2026-W47")).is_ok());
        assert!(check_range(wk("2026-W47"), wk("2026-W47")).is_ok());
        assert!(check_range(wk("2026-W48"), wk("2026-W47")).is_err());
        // 2025-W01 ..= 2026-W53 is 52 + 53 = 105 weeks; one more is 106, then 107 is too many.
        assert!(check_range(wk("2025-W01"), wk("2027-W01")).is_ok());
        assert_eq!(week_count(wk("2025-W01"), wk("2027-W01")), 106);
        assert!(check_range(wk("2025-W01"), wk("2027-W02")).is_err());
    }

    #[test]
    fn default_range_is_eight_weeks_ending_now() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 18).expect("date");
        assert_eq!(default_range(today), (wk("2026-W40"), wk("2026-W47")));
    }

    #[test]
    fn path_ids() {
        assert_eq!(id_of_path("/1/5/12/"), Some(12));
        assert_eq!(id_of_path("/7/"), Some(7));
        assert_eq!(id_of_path(""), None);
    }
}
