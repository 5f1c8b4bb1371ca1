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
    judge_week, week_summaries, ContractSpan, DayMinutes, Employment, UnderLogBasis, WeekFigures,
    WeekSummary,
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
    /// How many of them are under-logged (all pages).
    pub under_logged_count: usize,
    /// Position of `people[0]` among all the under-logged people.
    pub offset: usize,
    /// Where the next page starts (None: this is the last page).
    pub next_offset: Option<usize>,
    /// One page, sorted by gap desc, streak desc, full name (Vietnamese order).
    pub people: Vec<UnderLoggedPerson>,
}

/// A page of a list: `limit` items from position `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    /// Everything (files).
    pub const ALL: Page = Page {
        offset: 0,
        limit: usize::MAX,
    };

    /// The range of `0..len` this page covers.
    fn range(self, len: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(len);
        start..start.saturating_add(self.limit).min(len)
    }

    fn next(self, len: usize) -> Option<usize> {
        let end = self.range(len).end;
        (end < len).then_some(end)
    }
}

impl UnderLoggedReport {
    /// Share of the people expected to work who are under-logged (0 when nobody is expected).
    pub fn share(&self) -> f64 {
        if self.people_count == 0 {
            0.0
        } else {
            self.under_logged_count as f64 / self.people_count as f64
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

/// The part of the organisation a report reads: the root unit to name (None: the whole
/// organisation, or several headed subtrees) and the ids of its units (None: every unit).
///
/// Heads read their own subtrees (another unit is 404), the organisation department and
/// administrators any unit; plain staff are refused (403). Without `unit_id`, heads get every
/// subtree they head and the organisation the whole organisation.
pub fn report_scope(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
) -> AppResult<(Option<i64>, Option<Vec<i64>>)> {
    if !viewer.is_org_wide() && viewer.headed_paths.is_empty() {
        return Err(not_a_head());
    }
    Ok(match unit_id {
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
    })
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
    page: Page,
) -> AppResult<UnderLoggedReport> {
    let (root_id, unit_ids) = report_scope(conn, viewer, unit_id)?;

    if week.sunday() < today {
        // An ended week: read the maintained person × week rollup.
        return under_logged_from_rollups(conn, week, root_id, unit_ids.as_deref(), basis, page);
    }
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
    let under_logged_count = under.len();
    let range = page.range(under_logged_count);
    Ok(UnderLoggedReport {
        week,
        unit_id: root_id,
        people_count,
        under_logged_count,
        offset: range.start,
        next_offset: page.next(under_logged_count),
        people: under
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .map(|(_, p)| p)
            .collect(),
    })
}

/// Names of some units.
fn unit_names_of(conn: &mut DbConnection, mut ids: Vec<i64>) -> AppResult<HashMap<i64, String>> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let limit = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    Ok(db::units::list(
        conn,
        &UnitListFilter {
            only_ids: Some(ids),
            parent_id: None,
            level: None,
            after_id: None,
            limit,
        },
    )?
    .into_iter()
    .map(|u| (u.id, u.name))
    .collect())
}

/// The under-logged report of an ended week from the person × week rollup. The counts are sums
/// of the unit rows; the page is read in the order of the gap from the rollup's partial indexes
/// (`db::rollups::short_rows`), so the report costs the page, not the headcount. Names and
/// streaks are loaded only for the people whose gap ties with someone on the requested page (the
/// order is gap, then streak, then name, so those are the only ones whose place depends on
/// them): the rows down to the page's end, and every row short by the page's smallest gap.
fn under_logged_from_rollups(
    conn: &mut DbConnection,
    week: IsoWeek,
    root_id: Option<i64>,
    unit_ids: Option<&[i64]>,
    basis: UnderLogBasis,
    page: Page,
) -> AppResult<UnderLoggedReport> {
    use crate::db::rollups::WeekTotal;
    crate::services::rollups::ensure_built(conn, &[week])?;
    let (people, short) = db::rollups::under_counts(conn, week.monday(), unit_ids, basis)?;
    let people_count = usize::try_from(people).unwrap_or(0);
    let n = usize::try_from(short).unwrap_or(0);
    let range = page.range(n);
    let gap = |r: &WeekTotal| r.short_by(basis);
    let top = if range.is_empty() {
        Vec::new()
    } else {
        db::rollups::short_rows(conn, week.monday(), unit_ids, basis, None, range.end)?
    };
    // The page's largest and smallest gaps; the rows ranked before the page with its largest
    // gap come first among the candidates.
    let (hi, lo) = match (top.get(range.start), top.last()) {
        (Some(h), Some(l)) if top.len() == range.end => (gap(h), gap(l)),
        _ => (0, 0),
    };
    let first = top.iter().position(|r| gap(r) == hi).unwrap_or(range.start);
    let mut candidates: Vec<WeekTotal> = top
        .into_iter()
        .skip(first)
        .filter(|r| gap(r) > lo)
        .collect();
    if !range.is_empty() {
        // Every row short by the page's smallest gap, those past the page's end included.
        candidates.extend(db::rollups::short_rows(
            conn,
            week.monday(),
            unit_ids,
            basis,
            Some(lo),
            n,
        )?);
    }
    let candidates: Vec<&WeekTotal> = candidates.iter().collect();
    let ids: Vec<i64> = candidates.iter().map(|r| r.staff_id).collect();
    let streaks = streaks_from_rollups(conn, &ids, week, basis)?;
    let staff: HashMap<i64, Staff> = db::rollups::people(conn, &ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let names = unit_names_of(conn, candidates.iter().map(|r| r.unit_id).collect())?;
    let mut listed: Vec<(Vec<u32>, UnderLoggedPerson)> = candidates
        .iter()
        .map(|r| {
            let full_name = staff
                .get(&r.staff_id)
                .map(|s| s.full_name.clone())
                .unwrap_or_default();
            (
                vietnamese_sort_key(&full_name),
                UnderLoggedPerson {
                    staff_id: r.staff_id,
                    full_name,
                    unit_id: Some(r.unit_id),
                    unit_name: names.get(&r.unit_id).cloned(),
                    summary: WeekSummary {
                        week,
                        expected: r.expected,
                        logged: r.logged,
                        approved: r.approved,
                        under_logged: true,
                        gap: gap(r),
                        streak: streaks.get(&r.staff_id).copied().unwrap_or(1),
                        in_progress: false,
                    },
                },
            )
        })
        .collect();
    listed.sort_by(|(ka, a), (kb, b)| {
        b.summary
            .gap
            .cmp(&a.summary.gap)
            .then_with(|| b.summary.streak.cmp(&a.summary.streak))
            .then_with(|| ka.cmp(kb))
            .then_with(|| a.staff_id.cmp(&b.staff_id))
    });
    let people = listed
        .into_iter()
        .skip(range.start - first)
        .take(range.len())
        .map(|(_, p)| p)
        .collect();
    Ok(UnderLoggedReport {
        week,
        unit_id: root_id,
        people_count,
        under_logged_count: n,
        offset: range.start,
        next_offset: page.next(n),
        people,
    })
}

/// Streaks of some people under-logged in the ended week `week`, from the rollup rows of the
/// `STREAK_LOOKBACK_WEEKS` weeks before it (built on first read). A run still unbroken at the
/// start of that window is handed to [`summaries_for`], which looks further back, so that the
/// figure is the one the live computation gives.
fn streaks_from_rollups(
    conn: &mut DbConnection,
    ids: &[i64],
    week: IsoWeek,
    basis: UnderLogBasis,
) -> AppResult<HashMap<i64, u32>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let start = back(week, STREAK_LOOKBACK_WEEKS);
    crate::services::rollups::ensure_built(
        conn,
        &crate::domain::period::weeks_between(start, week),
    )?;
    let rows = db::rollups::weeks_of_people(conn, ids, start.monday(), week.monday())?;
    let by_person = crate::services::rollups::rows_by_person(rows);
    let mut out = HashMap::with_capacity(ids.len());
    let mut unbroken = Vec::new();
    for id in ids {
        let mut streak = 0u32;
        let mut broken = false;
        let mut judged_before = false;
        for r in by_person.get(id).into_iter().flatten().rev() {
            if r.expected == 0 {
                continue;
            }
            judged_before |= r.week_start < week.monday();
            let compared = match basis {
                UnderLogBasis::Logged => r.logged,
                UnderLogBasis::Approved => r.approved,
            };
            if compared < r.expected {
                streak = streak.saturating_add(1);
            } else {
                broken = true;
                break;
            }
        }
        if !broken && judged_before {
            unbroken.push(*id);
        } else {
            out.insert(*id, streak);
        }
    }
    if !unbroken.is_empty() {
        let people = db::rollups::people(conn, &unbroken)?;
        // Judged the day after the week: it has ended, as in the rollup.
        let after = week.sunday() + chrono::Duration::days(1);
        for (id, weeks) in summaries_for(conn, &people, week, week, basis, after)? {
            if let Some(w) = weeks.into_iter().find(|w| w.week == week) {
                out.insert(id, w.streak);
            }
        }
    }
    Ok(out)
}

/// One person's row of a subtree's weeks.
#[derive(Debug, Clone)]
pub struct PersonWeeks {
    pub staff_id: i64,
    pub full_name: String,
    pub unit_id: Option<i64>,
    /// One summary per week of the range, in order.
    pub weeks: Vec<WeekSummary>,
}

/// The week summaries of a subtree's active people, one page of them.
#[derive(Debug, Clone)]
pub struct TeamWeeks {
    /// The subtree's root; None for the whole organisation or several headed subtrees.
    pub unit_id: Option<i64>,
    /// Active people of the subtree (all pages).
    pub people_count: usize,
    /// Position of `people[0]` among all of them.
    pub offset: usize,
    /// Where the next page starts (None: this is the last page).
    pub next_offset: Option<usize>,
    /// One page, in Vietnamese alphabetical order of the full name (then id).
    pub people: Vec<PersonWeeks>,
}

/// The weeks `from..=to` of every active person of a subtree (one page of people), the figures
/// `weeks_of_person` gives each of them. Scope: [`report_scope`].
#[allow(clippy::too_many_arguments)]
pub fn team_weeks(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
    from: IsoWeek,
    to: IsoWeek,
    basis: UnderLogBasis,
    today: NaiveDate,
    page: Page,
) -> AppResult<TeamWeeks> {
    let (root_id, unit_ids) = report_scope(conn, viewer, unit_id)?;
    check_range(from, to)?;
    let mut people: Vec<(Vec<u32>, Staff)> = db::staff::active_in_units(conn, unit_ids.as_deref())?
        .into_iter()
        .map(|p| (vietnamese_sort_key(&p.full_name), p))
        .collect();
    people.sort_by(|(ka, a), (kb, b)| ka.cmp(kb).then_with(|| a.id.cmp(&b.id)));
    let people_count = people.len();
    let range = page.range(people_count);
    let listed: Vec<Staff> = people
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .map(|(_, p)| p)
        .collect();
    let mut weeks = weeks_from_rollups(conn, &listed, from, to, basis, today)?;
    Ok(TeamWeeks {
        unit_id: root_id,
        people_count,
        offset: range.start,
        next_offset: page.next(people_count),
        people: listed
            .into_iter()
            .map(|p| PersonWeeks {
                weeks: weeks.remove(&p.id).unwrap_or_default(),
                staff_id: p.id,
                full_name: p.full_name,
                unit_id: p.unit_id,
            })
            .collect(),
    })
}

/// [`summaries_for`] of some people, with the ended weeks read from the person × week rollup
/// (built on first read) and judged in order by `domain::calendar::judge_week` from
/// `STREAK_LOOKBACK_WEEKS` before `from`; the weeks not ended yet are derived live (they never
/// carry a streak). A person whose rows are incomplete, or whose under-logged run is still
/// unbroken at the start of the lookback (with history before it), is handed to
/// [`summaries_for`] itself, which looks further back: the figures are the live ones.
fn weeks_from_rollups(
    conn: &mut DbConnection,
    people: &[Staff],
    from: IsoWeek,
    to: IsoWeek,
    basis: UnderLogBasis,
    today: NaiveDate,
) -> AppResult<HashMap<i64, Vec<WeekSummary>>> {
    if people.is_empty() || from.sunday() >= today {
        // Nothing of the range has ended: nothing to read from the rollup.
        return summaries_for(conn, people, from, to, basis, today);
    }
    let start = back(from, STREAK_LOOKBACK_WEEKS);
    let ended: Vec<IsoWeek> = crate::domain::period::weeks_between(start, to)
        .into_iter()
        .filter(|w| w.sunday() < today)
        .collect();
    let Some(last_ended) = ended.last().copied() else {
        return summaries_for(conn, people, from, to, basis, today);
    };
    crate::services::rollups::ensure_built(conn, &ended)?;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let rows = db::rollups::weeks_of_people(conn, &ids, start.monday(), last_ended.monday())?;
    let by_person = crate::services::rollups::rows_by_person(rows);
    let open = if last_ended < to {
        summaries_from(conn, people, last_ended.next(), to, basis, today)?
    } else {
        HashMap::new()
    };
    let mut out = HashMap::with_capacity(people.len());
    let mut live = Vec::new();
    for person in people {
        let rows = by_person.get(&person.id).map(Vec::as_slice).unwrap_or(&[]);
        let complete = rows.len() == ended.len()
            && rows
                .iter()
                .zip(&ended)
                .all(|(r, w)| r.week_start == w.monday());
        if !complete {
            live.push(person.clone());
            continue;
        }
        let mut running = 0;
        let judged: Vec<WeekSummary> = rows
            .iter()
            .zip(&ended)
            .map(|(r, &week)| {
                let figures = WeekFigures {
                    week,
                    expected: r.expected,
                    logged: r.logged,
                    approved: r.approved,
                    in_progress: false,
                };
                judge_week(figures, basis, &mut running)
            })
            .collect();
        // The conditions of `summaries_for` for looking further back.
        let before: Vec<&WeekSummary> = judged
            .iter()
            .filter(|w| w.week < from && w.expected > 0)
            .collect();
        let unbroken = !before.is_empty() && before.iter().all(|w| w.under_logged);
        let history_left = match person.joined_on {
            Some(joined) => joined < start.monday(),
            None => judged.iter().take(4).any(|w| w.expected > 0),
        };
        if unbroken && history_left {
            live.push(person.clone());
            continue;
        }
        let mut weeks: Vec<WeekSummary> = judged.into_iter().filter(|w| w.week >= from).collect();
        weeks.extend(open.get(&person.id).into_iter().flatten().cloned());
        out.insert(person.id, weeks);
    }
    if !live.is_empty() {
        out.extend(summaries_for(conn, &live, from, to, basis, today)?);
    }
    Ok(out)
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
