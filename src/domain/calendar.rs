//! Working days and the daily norm: which days an employee is expected to work, how many
//! minutes (from the contract in force, minus leave), and the weekly under-logging check that
//! compares those expectations with logged or approved minutes per ISO week.
//! Also owns the seed list of Vietnamese statutory days off for 2025–2027.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::period::{weeks_between, IsoWeek};

/// One statutory day off, as seeded into an organisation's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedHoliday {
    pub date: NaiveDate,
    pub name_vi: &'static str,
    pub name_en: &'static str,
}

const NEW_YEAR: (&str, &str) = ("Tết Dương lịch", "New Year's Day");
const TET: (&str, &str) = ("Tết Nguyên đán", "Lunar New Year (Tết)");
const TET_SUB: (&str, &str) = (
    "Nghỉ bù Tết Nguyên đán",
    "Substitute day: Lunar New Year (Tết)",
);
const HUNG_KINGS: (&str, &str) = ("Giỗ Tổ Hùng Vương", "Hung Kings Commemoration");
const HUNG_KINGS_SUB: (&str, &str) = (
    "Nghỉ bù Giỗ Tổ Hùng Vương",
    "Substitute day: Hung Kings Commemoration",
);
const REUNIFICATION: (&str, &str) = (
    "Ngày Giải phóng miền Nam, thống nhất đất nước",
    "Reunification Day",
);
const LABOUR: (&str, &str) = ("Ngày Quốc tế Lao động", "International Labour Day");
const LABOUR_SUB: (&str, &str) = (
    "Nghỉ bù Ngày Quốc tế Lao động",
    "Substitute day: International Labour Day",
);
const NATIONAL_DAY: (&str, &str) = ("Quốc khánh", "National Day");

/// (year, month, day, names). Only weekdays appear: a holiday falling on a weekend is listed as
/// its substitute weekday instead, because the calendar only needs days that remove a norm.
const SEED: &[(i32, u32, u32, (&str, &str))] = &[
    // 2025
    (2025, 1, 1, NEW_YEAR),
    (2025, 1, 27, TET),
    (2025, 1, 28, TET),
    (2025, 1, 29, TET),
    (2025, 1, 30, TET),
    (2025, 1, 31, TET),
    (2025, 4, 7, HUNG_KINGS),
    (2025, 4, 30, REUNIFICATION),
    (2025, 5, 1, LABOUR),
    (2025, 9, 1, NATIONAL_DAY),
    (2025, 9, 2, NATIONAL_DAY),
    // 2026
    (2026, 1, 1, NEW_YEAR),
    (2026, 2, 16, TET),
    (2026, 2, 17, TET),
    (2026, 2, 18, TET),
    (2026, 2, 19, TET),
    (2026, 2, 20, TET),
    // Hùng Kings falls on Sunday 2026-04-26.
    (2026, 4, 27, HUNG_KINGS_SUB),
    (2026, 4, 30, REUNIFICATION),
    (2026, 5, 1, LABOUR),
    (2026, 9, 1, NATIONAL_DAY),
    (2026, 9, 2, NATIONAL_DAY),
    // 2027
    (2027, 1, 1, NEW_YEAR),
    // Tết 2027-02-05..09; Sat 6 and Sun 7 are replaced by Wed 10 and Thu 11.
    (2027, 2, 5, TET),
    (2027, 2, 8, TET),
    (2027, 2, 9, TET),
    (2027, 2, 10, TET_SUB),
    (2027, 2, 11, TET_SUB),
    (2027, 4, 16, HUNG_KINGS),
    (2027, 4, 30, REUNIFICATION),
    // Labour Day falls on Saturday 2027-05-01.
    (2027, 5, 3, LABOUR_SUB),
    (2027, 9, 2, NATIONAL_DAY),
    (2027, 9, 3, NATIONAL_DAY),
];

/// Vietnamese statutory weekday days off for 2025, 2026 and 2027, in date order.
pub fn statutory_holidays() -> Vec<SeedHoliday> {
    SEED.iter()
        // Every entry is a real date (checked by a test); filter_map avoids a panic path.
        .filter_map(|&(y, m, d, (name_vi, name_en))| {
            NaiveDate::from_ymd_opt(y, m, d).map(|date| SeedHoliday {
                date,
                name_vi,
                name_en,
            })
        })
        .collect()
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// An organisation's working calendar: Monday–Friday minus its public holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: HashSet<NaiveDate>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !is_weekend(date) && !self.is_holiday(date)
    }

    /// Working days from `from` to `to`, both included; empty when `from > to`.
    pub fn working_days(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        from.iter_days()
            .take_while(|&day| day <= to)
            .filter(|&day| self.is_working_day(day))
            .collect()
    }
}

impl FromIterator<NaiveDate> for Calendar {
    fn from_iter<T: IntoIterator<Item = NaiveDate>>(iter: T) -> Self {
        Self::new(iter)
    }
}

/// A weekly-hours contract, in force from `effective_from` until the next one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSpan {
    pub effective_from: NaiveDate,
    pub weekly_minutes: i32,
}

impl ContractSpan {
    /// Weekly minutes spread over five working days. Integer division on purpose: norms are
    /// whole minutes and 2400 / 1200 divide exactly. Negative input (bad data) yields 0.
    pub fn daily_minutes(&self) -> i32 {
        (self.weekly_minutes / 5).max(0)
    }
}

/// When someone works for the organisation and under which contracts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    pub joined_on: Option<NaiveDate>,
    /// Last working day, inclusive.
    pub left_on: Option<NaiveDate>,
    /// Need not be sorted.
    pub contracts: Vec<ContractSpan>,
}

impl Employment {
    pub fn is_employed_on(&self, day: NaiveDate) -> bool {
        self.joined_on.is_none_or(|joined| joined <= day)
            && self.left_on.is_none_or(|left| day <= left)
    }

    /// The contract with the latest `effective_from <= day`; `None` before the first one.
    /// If two contracts share a start date the later one in the list wins, mirroring
    /// "last write wins" when a correction is appended.
    pub fn contract_on(&self, day: NaiveDate) -> Option<&ContractSpan> {
        self.contracts
            .iter()
            .filter(|c| c.effective_from <= day)
            .max_by_key(|c| c.effective_from)
    }
}

/// Kind of absence recorded against a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKind {
    Annual,
    Sick,
    Maternity,
    BusinessTrip,
    Unpaid,
    Other,
}

/// A leave kind string that is not one of the known snake_case names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLeaveKind(pub String);

impl fmt::Display for UnknownLeaveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown leave kind {:?}; expected one of annual, sick, maternity, business_trip, unpaid, other",
            self.0
        )
    }
}

impl std::error::Error for UnknownLeaveKind {}

impl LeaveKind {
    pub const ALL: [LeaveKind; 6] = [
        LeaveKind::Annual,
        LeaveKind::Sick,
        LeaveKind::Maternity,
        LeaveKind::BusinessTrip,
        LeaveKind::Unpaid,
        LeaveKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Annual => "annual",
            Self::Sick => "sick",
            Self::Maternity => "maternity",
            Self::BusinessTrip => "business_trip",
            Self::Unpaid => "unpaid",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownLeaveKind> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownLeaveKind(s.to_owned()))
    }

    /// Whether this absence lowers the expected minutes. A business trip is work done
    /// elsewhere, not leave, so the person is still expected to log the day.
    pub fn removes_norm(self) -> bool {
        !matches!(self, Self::BusinessTrip)
    }
}

impl FromStr for LeaveKind {
    type Err = UnknownLeaveKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for LeaveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayPortion {
    Full,
    Half,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveDay {
    pub date: NaiveDate,
    pub kind: LeaveKind,
    pub portion: DayPortion,
}

/// How much of one day is taken by norm-removing leave.
#[derive(Debug, Clone, Copy, Default)]
struct LeaveLoad {
    full: bool,
    halves: u32,
}

impl LeaveLoad {
    fn add(&mut self, leave: &LeaveDay) {
        if !leave.kind.removes_norm() {
            return;
        }
        match leave.portion {
            DayPortion::Full => self.full = true,
            DayPortion::Half => self.halves = self.halves.saturating_add(1),
        }
    }

    /// Full leave wins over anything else and two halves make a full day. One half leaves
    /// `norm / 2` (rounded down), so an odd norm never yields more than half a day of work.
    fn apply(self, norm: i32) -> i32 {
        if self.full || self.halves >= 2 {
            0
        } else if self.halves == 1 {
            norm / 2
        } else {
            norm
        }
    }
}

/// The norm before leave: the contract's daily minutes on a working day of employment.
fn base_norm(cal: &Calendar, emp: &Employment, day: NaiveDate) -> i32 {
    if !cal.is_working_day(day) || !emp.is_employed_on(day) {
        return 0;
    }
    emp.contract_on(day).map_or(0, ContractSpan::daily_minutes)
}

/// Minutes `emp` is expected to log on `day`.
pub fn daily_norm(cal: &Calendar, emp: &Employment, leaves: &[LeaveDay], day: NaiveDate) -> i32 {
    let mut load = LeaveLoad::default();
    leaves
        .iter()
        .filter(|leave| leave.date == day)
        .for_each(|leave| load.add(leave));
    load.apply(base_norm(cal, emp, day))
}

/// A period's expectation for one person: the minutes expected over `days` (the sum of
/// [`daily_norm`]) and the days worked among them (a day with a norm, or a day of maternity leave
/// while employed). `days` are working days of `cal`, as [`Calendar::working_days`] gives them.
/// Someone without leave in the period, employed throughout and under one contract is counted
/// without going through the days (most of a province: a month's build does it for everybody);
/// the result is the same as the day-by-day count.
pub fn period_norm(
    cal: &Calendar,
    emp: &Employment,
    leaves: &[LeaveDay],
    days: &[NaiveDate],
) -> (i64, i64) {
    debug_assert!(days.iter().all(|d| cal.is_working_day(*d)));
    if let (true, Some(&first), Some(&last)) = (leaves.is_empty(), days.first(), days.last()) {
        let one_contract = emp
            .contracts
            .iter()
            .all(|c| c.effective_from <= first || c.effective_from > last);
        if one_contract && emp.is_employed_on(first) && emp.is_employed_on(last) {
            let minutes = i64::from(
                emp.contract_on(first)
                    .map_or(0, ContractSpan::daily_minutes),
            );
            let n = days.len() as i64;
            return (minutes * n, if minutes > 0 { n } else { 0 });
        }
    }
    let mut expected = 0i64;
    let mut worked_days = 0i64;
    for day in days {
        let norm = daily_norm(cal, emp, leaves, *day);
        expected += i64::from(norm);
        let on_maternity = leaves
            .iter()
            .any(|l| l.date == *day && l.kind == LeaveKind::Maternity);
        if norm > 0 || (on_maternity && emp.is_employed_on(*day)) {
            worked_days += 1;
        }
    }
    (expected, worked_days)
}

/// Which minutes count against the expectation (policy setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnderLogBasis {
    /// Submitted plus approved minutes.
    #[default]
    Logged,
    /// Approved minutes only.
    Approved,
}

impl UnderLogBasis {
    /// The minutes held against the expectation on this basis.
    pub fn compared(self, logged: i64, approved: i64) -> i64 {
        match self {
            UnderLogBasis::Logged => logged,
            UnderLogBasis::Approved => approved,
        }
    }
}

/// How far a week's minutes fall short of its expectation on a basis (0 when they do not): the
/// gap of the under-logged rule.
pub fn shortfall(expected: i64, logged: i64, approved: i64, basis: UnderLogBasis) -> i64 {
    expected
        .saturating_sub(basis.compared(logged, approved))
        .max(0)
}

/// Minutes recorded for one day. `logged` already includes `approved`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayMinutes {
    pub logged: i64,
    pub approved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekSummary {
    pub week: IsoWeek,
    pub expected: i64,
    pub logged: i64,
    pub approved: i64,
    pub under_logged: bool,
    /// Minutes missing against the expectation, never negative.
    pub gap: i64,
    /// Consecutive under-logged ended weeks ending at this one; 0 when this week is not
    /// under-logged.
    pub streak: u32,
    /// The week has not ended on `as_of` (the current week, or a later one): `expected` counts
    /// only the days up to `as_of`, and it is never under-logged (a week is judged when it ends).
    pub in_progress: bool,
}

/// One summary per ISO week from `from` to `to` (inclusive; empty when `from > to`).
///
/// Streak rule: a week with `expected == 0` (holiday week, full leave, not yet employed) is
/// skipped rather than counted. It is never under-logged, its own streak is 0, and it does
/// *not* reset the running streak — the next under-logged week continues from the run before
/// it. Nobody could log in such a week, so it should neither punish nor absolve a person who
/// was under-logging on both sides of it (e.g. around Tết).
///
/// Weeks are judged when they end: a week whose Sunday is on or after `as_of` (the
/// organisation's today) is `in_progress`: never under-logged, streak 0, and it leaves the
/// running streak untouched. The week containing `as_of` counts the expectation of its days up
/// to `as_of` (the minutes expected so far); a week not started yet shows its full plan.
#[allow(clippy::too_many_arguments)]
pub fn week_summaries(
    cal: &Calendar,
    emp: &Employment,
    leaves: &[LeaveDay],
    minutes: &BTreeMap<NaiveDate, DayMinutes>,
    from: IsoWeek,
    to: IsoWeek,
    basis: UnderLogBasis,
    as_of: NaiveDate,
) -> Vec<WeekSummary> {
    // Index leaves once instead of scanning the whole slice for every day of the range.
    let mut loads: BTreeMap<NaiveDate, LeaveLoad> = BTreeMap::new();
    for leave in leaves {
        loads.entry(leave.date).or_default().add(leave);
    }

    let mut running: u32 = 0;
    weeks_between(from, to)
        .into_iter()
        .map(|week| {
            let in_progress = week.sunday() >= as_of;
            // The current week counts the days so far; a week not started yet shows its plan.
            let current = in_progress && week.monday() <= as_of;
            let expected: i64 = week
                .days()
                .into_iter()
                .filter(|day| !current || *day <= as_of)
                .map(|day| {
                    let load = loads.get(&day).copied().unwrap_or_default();
                    i64::from(load.apply(base_norm(cal, emp, day)))
                })
                .sum();
            let (logged, approved) = minutes
                .range(week.monday()..=week.sunday())
                .fold((0i64, 0i64), |(l, a), (_, m)| {
                    (l.saturating_add(m.logged), a.saturating_add(m.approved))
                });
            judge_week(
                WeekFigures {
                    week,
                    expected,
                    logged,
                    approved,
                    in_progress,
                },
                basis,
                &mut running,
            )
        })
        .collect()
}

/// The figures of one person's week before it is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekFigures {
    pub week: IsoWeek,
    pub expected: i64,
    pub logged: i64,
    pub approved: i64,
    /// The week has not ended (see [`week_summaries`]).
    pub in_progress: bool,
}

/// Judges one week of a person whose earlier weeks were judged in order: under-logged, gap and
/// streak, continuing `running` (the run of under-logged ended weeks so far; see the streak rule
/// of [`week_summaries`], which applies this to every week it derives). Readers of the stored
/// person × week rollup judge its rows with it, so both paths give the same numbers.
pub fn judge_week(f: WeekFigures, basis: UnderLogBasis, running: &mut u32) -> WeekSummary {
    let gap = shortfall(f.expected, f.logged, f.approved, basis);
    let under_logged = !f.in_progress && f.expected > 0 && gap > 0;
    let streak = if f.expected == 0 || f.in_progress {
        0 // leaves `running` untouched, see the doc comment of `week_summaries`
    } else if under_logged {
        *running = running.saturating_add(1);
        *running
    } else {
        *running = 0;
        0
    };
    WeekSummary {
        week: f.week,
        expected: f.expected,
        logged: f.logged,
        approved: f.approved,
        under_logged,
        gap,
        streak,
        in_progress: f.in_progress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_is_the_expectation_minus_the_basis_minutes_and_never_negative() {
        // 2,400 expected, 2,000 logged of which 1,500 approved.
        assert_eq!(shortfall(2400, 2000, 1500, UnderLogBasis::Logged), 400);
        assert_eq!(shortfall(2400, 2000, 1500, UnderLogBasis::Approved), 900);
        assert_eq!(shortfall(2400, 2600, 2400, UnderLogBasis::Logged), 0);
        assert_eq!(shortfall(2400, 2600, 2400, UnderLogBasis::Approved), 0);
        assert_eq!(shortfall(0, 300, 0, UnderLogBasis::Logged), 0);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The day-by-day count that [`period_norm`] must equal.
    fn period_norm_by_day(
        cal: &Calendar,
        emp: &Employment,
        leaves: &[LeaveDay],
        days: &[NaiveDate],
    ) -> (i64, i64) {
        days.iter().fold((0, 0), |(expected, worked), day| {
            let norm = daily_norm(cal, emp, leaves, *day);
            let maternity = leaves
                .iter()
                .any(|l| l.date == *day && l.kind == LeaveKind::Maternity);
            let counts = norm > 0 || (maternity && emp.is_employed_on(*day));
            (expected + i64::from(norm), worked + i64::from(counts))
        })
    }

    #[test]
    fn a_periods_norm_is_the_sum_of_its_days_for_any_employment_and_leave() {
        // A small xorshift: random joining and leaving dates around the month, one to three
        // contracts starting before, inside or after it, and no leave or a few days of it.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let cal = vn_calendar();
        let around = |offset: u64| d(2026, 8, 15) + chrono::Duration::days(offset as i64);
        let mut fast = 0;
        for _ in 0..5000 {
            let month = d(2026, 9, 1);
            let days = cal.working_days(month, d(2026, 9, 30));
            let joined_on = (next(3) == 0).then(|| around(next(60)));
            let left_on = (next(3) == 0).then(|| around(next(60)));
            let contracts = (0..1 + next(3))
                .map(|_| contract(around(next(60)), [0, 1200, 2400, 2401][next(4) as usize]))
                .collect();
            let emp = Employment {
                joined_on,
                left_on,
                contracts,
            };
            let leaves: Vec<LeaveDay> = if next(2) == 0 {
                Vec::new()
            } else {
                (0..1 + next(4))
                    .map(|_| LeaveDay {
                        date: around(next(60)),
                        kind: LeaveKind::ALL[next(6) as usize],
                        portion: if next(2) == 0 {
                            DayPortion::Full
                        } else {
                            DayPortion::Half
                        },
                    })
                    .collect()
            };
            let got = period_norm(&cal, &emp, &leaves, &days);
            assert_eq!(
                got,
                period_norm_by_day(&cal, &emp, &leaves, &days),
                "{emp:?} {leaves:?}"
            );
            if leaves.is_empty() && got.0 > 0 {
                fast += 1;
            }
        }
        // The cases the shortcut takes are among them.
        assert!(fast > 500, "{fast}");
    }

    fn wk(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap()
    }

    fn vn_calendar() -> Calendar {
        statutory_holidays().into_iter().map(|h| h.date).collect()
    }

    fn contract(from: NaiveDate, weekly_minutes: i32) -> ContractSpan {
        ContractSpan {
            effective_from: from,
            weekly_minutes,
        }
    }

    /// Full-time (40 h) since 2020, no join/leave dates.
    fn full_timer() -> Employment {
        Employment {
            joined_on: None,
            left_on: None,
            contracts: vec![contract(d(2020, 1, 1), 2400)],
        }
    }

    fn leave(date: NaiveDate, kind: LeaveKind, portion: DayPortion) -> LeaveDay {
        LeaveDay {
            date,
            kind,
            portion,
        }
    }

    #[test]
    fn seed_holidays_are_weekdays_with_expected_counts() {
        let seed = statutory_holidays();
        for h in &seed {
            assert!(!is_weekend(h.date), "{} {} is a weekend", h.date, h.name_en);
            assert!(!h.name_vi.is_empty() && !h.name_en.is_empty(), "{}", h.date);
        }
        for (year, count) in [(2025, 11), (2026, 11), (2027, 11)] {
            let n = seed.iter().filter(|h| h.date.year() == year).count();
            assert_eq!(n, count, "{year}");
        }
        assert_eq!(seed.len(), SEED.len(), "every seed row is a real date");
        assert!(
            seed.windows(2).all(|w| w[0].date < w[1].date),
            "sorted, no duplicates"
        );
    }

    #[test]
    fn seed_names_substitute_days() {
        let seed = statutory_holidays();
        let named = |date: NaiveDate| seed.iter().find(|h| h.date == date).unwrap();
        let cases = [
            (
                "Hùng Kings 2026 substitute",
                d(2026, 4, 27),
                "Nghỉ bù Giỗ Tổ Hùng Vương",
            ),
            (
                "Tết 2027 substitute",
                d(2027, 2, 10),
                "Nghỉ bù Tết Nguyên đán",
            ),
            (
                "Labour Day 2027 substitute",
                d(2027, 5, 3),
                "Nghỉ bù Ngày Quốc tế Lao động",
            ),
            ("National Day", d(2026, 9, 2), "Quốc khánh"),
            (
                "Reunification",
                d(2025, 4, 30),
                "Ngày Giải phóng miền Nam, thống nhất đất nước",
            ),
        ];
        for (name, date, name_vi) in cases {
            assert_eq!(named(date).name_vi, name_vi, "{name}");
        }
        assert_eq!(
            named(d(2026, 4, 27)).name_en,
            "Substitute day: Hung Kings Commemoration"
        );
    }

    #[test]
    fn calendar_working_days() {
        let cal = vn_calendar();
        let cases = [
            ("plain weekday", d(2026, 3, 4), true),
            ("saturday", d(2026, 3, 7), false),
            ("sunday", d(2026, 3, 8), false),
            ("Tết", d(2026, 2, 17), false),
            ("substitute day", d(2026, 4, 27), false),
            ("day after Tết", d(2026, 2, 23), true),
        ];
        for (name, date, working) in cases {
            assert_eq!(cal.is_working_day(date), working, "{name}");
        }
        assert_eq!(
            cal.working_days(d(2026, 4, 27), d(2026, 5, 3)),
            vec![d(2026, 4, 28), d(2026, 4, 29)]
        );
        assert!(cal.working_days(d(2026, 5, 3), d(2026, 4, 27)).is_empty());
        assert_eq!(
            cal.working_days(d(2026, 3, 2), d(2026, 3, 2)),
            vec![d(2026, 3, 2)]
        );
    }

    #[test]
    fn leave_kind_round_trips() {
        for kind in LeaveKind::ALL {
            assert_eq!(LeaveKind::parse(kind.as_str()), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(kind.removes_norm(), kind != LeaveKind::BusinessTrip);
        }
        assert!(LeaveKind::parse("BusinessTrip").is_err());
        assert!(LeaveKind::parse("").is_err());
        assert_eq!(UnderLogBasis::default(), UnderLogBasis::Logged);
    }

    #[test]
    fn contract_in_force() {
        let emp = Employment {
            contracts: vec![contract(d(2026, 3, 5), 1200), contract(d(2026, 1, 1), 2400)],
            ..Employment::default()
        };
        let cases = [
            ("before any contract", d(2025, 12, 31), None),
            ("first contract day", d(2026, 1, 1), Some(2400)),
            ("day before change", d(2026, 3, 4), Some(2400)),
            ("change day (unsorted input)", d(2026, 3, 5), Some(1200)),
            ("long after", d(2027, 6, 1), Some(1200)),
        ];
        for (name, day, weekly) in cases {
            assert_eq!(
                emp.contract_on(day).map(|c| c.weekly_minutes),
                weekly,
                "{name}"
            );
        }
    }

    #[test]
    fn daily_norm_cases() {
        let cal = vn_calendar();
        let wed = d(2026, 3, 4);
        use DayPortion::{Full, Half};
        use LeaveKind::*;
        let cases: Vec<(&str, Employment, Vec<LeaveDay>, NaiveDate, i32)> = vec![
            ("plain working day", full_timer(), vec![], wed, 480),
            ("weekend", full_timer(), vec![], d(2026, 3, 7), 0),
            ("holiday", full_timer(), vec![], d(2026, 9, 2), 0),
            (
                "full annual leave",
                full_timer(),
                vec![leave(wed, Annual, Full)],
                wed,
                0,
            ),
            (
                "half sick leave",
                full_timer(),
                vec![leave(wed, Sick, Half)],
                wed,
                240,
            ),
            (
                "two halves make a full day",
                full_timer(),
                vec![leave(wed, Annual, Half), leave(wed, Sick, Half)],
                wed,
                0,
            ),
            (
                "full wins over half",
                full_timer(),
                vec![leave(wed, Annual, Half), leave(wed, Unpaid, Full)],
                wed,
                0,
            ),
            (
                "business trip keeps norm",
                full_timer(),
                vec![leave(wed, BusinessTrip, Full)],
                wed,
                480,
            ),
            (
                "business trip half + annual half",
                full_timer(),
                vec![leave(wed, BusinessTrip, Half), leave(wed, Annual, Half)],
                wed,
                240,
            ),
            (
                "leave on another day",
                full_timer(),
                vec![leave(d(2026, 3, 5), Other, Full)],
                wed,
                480,
            ),
            (
                "part time",
                Employment {
                    contracts: vec![contract(d(2020, 1, 1), 1200)],
                    ..Employment::default()
                },
                vec![],
                wed,
                240,
            ),
            (
                "odd norm halves down",
                Employment {
                    contracts: vec![contract(d(2020, 1, 1), 2405)],
                    ..Employment::default()
                },
                vec![leave(wed, Maternity, Half)],
                wed,
                240,
            ),
            (
                "negative weekly minutes are bad data",
                Employment {
                    contracts: vec![contract(d(2020, 1, 1), -100)],
                    ..Employment::default()
                },
                vec![],
                wed,
                0,
            ),
            (
                "before first contract",
                Employment {
                    contracts: vec![contract(d(2026, 3, 5), 2400)],
                    ..Employment::default()
                },
                vec![],
                wed,
                0,
            ),
            (
                "before joining",
                Employment {
                    joined_on: Some(d(2026, 3, 5)),
                    ..full_timer()
                },
                vec![],
                wed,
                0,
            ),
            (
                "joining day",
                Employment {
                    joined_on: Some(wed),
                    ..full_timer()
                },
                vec![],
                wed,
                480,
            ),
            (
                "last day is inclusive",
                Employment {
                    left_on: Some(wed),
                    ..full_timer()
                },
                vec![],
                wed,
                480,
            ),
            (
                "after leaving",
                Employment {
                    left_on: Some(d(2026, 3, 3)),
                    ..full_timer()
                },
                vec![],
                wed,
                0,
            ),
        ];
        for (name, emp, leaves, day, expected) in cases {
            assert_eq!(daily_norm(&cal, &emp, &leaves, day), expected, "{name}");
        }
    }

    #[test]
    fn weekly_expected_minutes() {
        let cal = vn_calendar();
        use DayPortion::{Full, Half};
        use LeaveKind::*;
        struct Case {
            name: &'static str,
            emp: Employment,
            leaves: Vec<LeaveDay>,
            week: &'static str,
            expected: i64,
        }
        let cases = [
            Case {
                name: "plain full week",
                emp: full_timer(),
                leaves: vec![],
                week: "2026-W10",
                expected: 2400,
            },
            Case {
                name: "Tết week 2026",
                emp: full_timer(),
                leaves: vec![],
                week: "2026-W08",
                expected: 0,
            },
            Case {
                name: "27 Apr, 30 Apr and 1 May off",
                emp: full_timer(),
                leaves: vec![],
                week: "2026-W18",
                expected: 960,
            },
            Case {
                name: "half-day leave",
                emp: full_timer(),
                leaves: vec![leave(d(2026, 3, 3), Annual, Half)],
                week: "2026-W10",
                expected: 2400 - 240,
            },
            Case {
                name: "business trip does not reduce",
                emp: full_timer(),
                leaves: (2..=6)
                    .map(|day| leave(d(2026, 3, day), BusinessTrip, Full))
                    .collect(),
                week: "2026-W10",
                expected: 2400,
            },
            Case {
                name: "whole week on sick leave",
                emp: full_timer(),
                leaves: (2..=6)
                    .map(|day| leave(d(2026, 3, day), Sick, Full))
                    .collect(),
                week: "2026-W10",
                expected: 0,
            },
            Case {
                name: "part-time 20h",
                emp: Employment {
                    contracts: vec![contract(d(2020, 1, 1), 1200)],
                    ..Employment::default()
                },
                leaves: vec![],
                week: "2026-W10",
                expected: 1200,
            },
            Case {
                name: "contract change on Thursday",
                emp: Employment {
                    contracts: vec![contract(d(2020, 1, 1), 2400), contract(d(2026, 3, 5), 1200)],
                    ..Employment::default()
                },
                leaves: vec![],
                week: "2026-W10",
                expected: 3 * 480 + 2 * 240,
            },
            Case {
                name: "joins on Wednesday",
                emp: Employment {
                    joined_on: Some(d(2026, 3, 4)),
                    ..full_timer()
                },
                leaves: vec![],
                week: "2026-W10",
                expected: 1440,
            },
            Case {
                name: "leaves on Tuesday",
                emp: Employment {
                    left_on: Some(d(2026, 3, 3)),
                    ..full_timer()
                },
                leaves: vec![],
                week: "2026-W10",
                expected: 960,
            },
            Case {
                name: "week spanning two months",
                emp: full_timer(),
                leaves: vec![],
                week: "2026-W05",
                expected: 2400,
            },
            Case {
                name: "week 53 spanning two years with New Year",
                emp: full_timer(),
                leaves: vec![],
                week: "2026-W53",
                expected: 1920,
            },
            Case {
                name: "W01 starting in previous year with New Year",
                emp: full_timer(),
                leaves: vec![],
                week: "2025-W01",
                expected: 1920,
            },
            Case {
                // Mon 8–Thu 11 Feb are off (two of them substitutes); Fri 12 is worked.
                name: "Tết 2027 with substitute days",
                emp: full_timer(),
                leaves: vec![],
                week: "2027-W06",
                expected: 480,
            },
        ];
        for case in cases {
            let week = wk(case.week);
            let got = week_summaries(
                &cal,
                &case.emp,
                &case.leaves,
                &BTreeMap::new(),
                week,
                week,
                UnderLogBasis::Logged,
                NaiveDate::MAX,
            );
            assert_eq!(got.len(), 1, "{}", case.name);
            assert_eq!(got[0].expected, case.expected, "{}", case.name);
            let by_day: i64 = week
                .days()
                .into_iter()
                .map(|day| i64::from(daily_norm(&cal, &case.emp, &case.leaves, day)))
                .sum();
            assert_eq!(by_day, case.expected, "{}: daily_norm agrees", case.name);
        }
    }

    /// Spreads `per_day` logged minutes (and `approved` of them approved) over Mon–Fri.
    fn log_week(map: &mut BTreeMap<NaiveDate, DayMinutes>, week: &str, logged: i64, approved: i64) {
        for day in &wk(week).days()[..5] {
            map.insert(
                *day,
                DayMinutes {
                    logged: logged / 5,
                    approved: approved / 5,
                },
            );
        }
    }

    #[test]
    fn weeks_are_judged_when_they_end() {
        // Full time from 2026-01-01, nothing logged; today is Wednesday 2026-11-25 (W48).
        let cal = Calendar::new([]);
        let emp = Employment {
            joined_on: Some(d(2026, 1, 1)),
            left_on: None,
            contracts: vec![ContractSpan {
                effective_from: d(2026, 1, 1),
                weekly_minutes: 2400,
            }],
        };
        let got = week_summaries(
            &cal,
            &emp,
            &[],
            &BTreeMap::new(),
            wk("2026-W46"),
            wk("2026-W49"),
            UnderLogBasis::Logged,
            d(2026, 11, 25),
        );
        let view: Vec<(i64, bool, bool, u32)> = got
            .iter()
            .map(|w| (w.expected, w.in_progress, w.under_logged, w.streak))
            .collect();
        assert_eq!(
            view,
            vec![
                (2400, false, true, 1),
                (2400, false, true, 2),
                // Monday..Wednesday so far: 3 × 480; not judged yet.
                (1440, true, false, 0),
                // Not started: its plan, not judged.
                (2400, true, false, 0),
            ]
        );
        // On Monday 2026-11-30 W48 has ended and continues the run.
        let got = week_summaries(
            &cal,
            &emp,
            &[],
            &BTreeMap::new(),
            wk("2026-W46"),
            wk("2026-W49"),
            UnderLogBasis::Logged,
            d(2026, 11, 30),
        );
        assert_eq!(got[2].streak, 3);
        assert!(!got[2].in_progress && got[2].under_logged);
        assert_eq!((got[3].expected, got[3].in_progress), (480, true));
    }

    #[test]
    fn under_logging_streaks_and_gaps() {
        let cal = vn_calendar();
        let emp = full_timer();
        let mut minutes = BTreeMap::new();
        // W06 and W07 under-logged, W08 is Tết (expected 0), W09 under-logged again,
        // W10 over-logged, W11 under-logged.
        log_week(&mut minutes, "2026-W06", 2000, 2000);
        log_week(&mut minutes, "2026-W07", 1000, 1000);
        log_week(&mut minutes, "2026-W09", 2395, 2395);
        log_week(&mut minutes, "2026-W10", 3000, 3000);
        // W11: nothing logged.
        let got = week_summaries(
            &cal,
            &emp,
            &[],
            &minutes,
            wk("2026-W06"),
            wk("2026-W11"),
            UnderLogBasis::Logged,
            NaiveDate::MAX,
        );
        // (name, week, expected, logged, under, gap, streak)
        let cases = [
            (
                "first under-logged week",
                "2026-W06",
                2400,
                2000,
                true,
                400,
                1,
            ),
            ("second in a row", "2026-W07", 2400, 1000, true, 1400, 2),
            (
                "Tết week neither counts nor breaks",
                "2026-W08",
                0,
                0,
                false,
                0,
                0,
            ),
            (
                "run continues after Tết",
                "2026-W09",
                2400,
                2395,
                true,
                5,
                3,
            ),
            (
                "over-logging: gap never negative",
                "2026-W10",
                2400,
                3000,
                false,
                0,
                0,
            ),
            (
                "nothing logged starts a new run",
                "2026-W11",
                2400,
                0,
                true,
                2400,
                1,
            ),
        ];
        assert_eq!(got.len(), cases.len());
        for ((name, week, expected, logged, under, gap, streak), s) in cases.into_iter().zip(&got) {
            assert_eq!(s.week, wk(week), "{name}");
            assert_eq!(s.expected, expected, "{name}: expected");
            assert_eq!(s.logged, logged, "{name}: logged");
            assert_eq!(s.under_logged, under, "{name}: under_logged");
            assert_eq!(s.gap, gap, "{name}: gap");
            assert_eq!(s.streak, streak, "{name}: streak");
        }
    }

    #[test]
    fn minutes_on_weekend_and_outside_range_are_attributed_correctly() {
        let cal = vn_calendar();
        let mut minutes = BTreeMap::new();
        // Sunday work counts for its own ISO week; the following Monday does not.
        minutes.insert(
            d(2026, 3, 8),
            DayMinutes {
                logged: 2400,
                approved: 0,
            },
        );
        minutes.insert(
            d(2026, 3, 9),
            DayMinutes {
                logged: 999,
                approved: 999,
            },
        );
        minutes.insert(
            d(2026, 3, 1),
            DayMinutes {
                logged: 999,
                approved: 999,
            },
        );
        let got = week_summaries(
            &cal,
            &full_timer(),
            &[],
            &minutes,
            wk("2026-W10"),
            wk("2026-W10"),
            UnderLogBasis::Logged,
            NaiveDate::MAX,
        );
        assert_eq!(got[0].logged, 2400);
        assert_eq!(got[0].approved, 0);
        assert!(!got[0].under_logged);
    }

    #[test]
    fn basis_changes_the_verdict() {
        let cal = vn_calendar();
        let mut minutes = BTreeMap::new();
        log_week(&mut minutes, "2026-W10", 2400, 1200);
        let cases = [
            (
                "logged basis is satisfied",
                UnderLogBasis::Logged,
                false,
                0,
                0,
            ),
            (
                "approved basis is short",
                UnderLogBasis::Approved,
                true,
                1200,
                1,
            ),
        ];
        for (name, basis, under, gap, streak) in cases {
            let got = week_summaries(
                &cal,
                &full_timer(),
                &[],
                &minutes,
                wk("2026-W10"),
                wk("2026-W10"),
                basis,
                NaiveDate::MAX,
            );
            let s = &got[0];
            assert_eq!((s.logged, s.approved), (2400, 1200), "{name}");
            assert_eq!(s.under_logged, under, "{name}: under_logged");
            assert_eq!(s.gap, gap, "{name}: gap");
            assert_eq!(s.streak, streak, "{name}: streak");
        }
    }

    #[test]
    fn empty_or_reversed_range_yields_nothing() {
        let cal = vn_calendar();
        let got = week_summaries(
            &cal,
            &full_timer(),
            &[],
            &BTreeMap::new(),
            wk("2026-W11"),
            wk("2026-W10"),
            UnderLogBasis::Logged,
            NaiveDate::MAX,
        );
        assert!(got.is_empty());
    }

    #[test]
    fn judged_weeks_carry_the_run_over_weeks_with_nothing_expected() {
        let weeks = ["2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05"];
        // (expected, logged, approved, in_progress)
        let figures = [
            (2400, 600, 0, false),
            (0, 0, 0, false),
            (2400, 2400, 100, false),
            (1920, 0, 0, false),
            (960, 0, 0, true),
        ];
        let judge = |basis| {
            let mut running = 0;
            weeks
                .iter()
                .zip(figures)
                .map(|(w, (expected, logged, approved, in_progress))| {
                    judge_week(
                        WeekFigures {
                            week: wk(w),
                            expected,
                            logged,
                            approved,
                            in_progress,
                        },
                        basis,
                        &mut running,
                    )
                })
                .map(|s| (s.under_logged, s.gap, s.streak))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            judge(UnderLogBasis::Logged),
            [
                (true, 1800, 1),
                (false, 0, 0),
                (false, 0, 0),
                (true, 1920, 1),
                (false, 960, 0)
            ]
        );
        assert_eq!(
            judge(UnderLogBasis::Approved),
            [
                (true, 2400, 1),
                (false, 0, 0),
                (true, 2300, 2),
                (true, 1920, 3),
                (false, 960, 0)
            ]
        );
    }
}
