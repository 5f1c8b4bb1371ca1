//! Checked newtypes for reporting periods: ISO weeks (`2026-W47`) and calendar months, quarters
//! and years (`2026-11`, `2026-Q4`, `2026`). Owns parsing, display and the first/last day of each
//! period, so every other module can take a period for granted as valid.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Years the service accepts from users. Worklogs outside this window are data-entry mistakes,
/// and the bound keeps every date computation far away from chrono's representable range.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Why a period could not be parsed or constructed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// The text is not shaped like `2026-W47`.
    IsoWeekFormat(String),
    /// The week number does not exist in that ISO year (W00, W54, or W53 in a 52-week year).
    WeekOutOfRange {
        year: i32,
        week: u32,
    },
    /// The text is not shaped like `2026-11`, `2026-Q4` or `2026`.
    PeriodFormat(String),
    MonthOutOfRange(u32),
    QuarterOutOfRange(u32),
    YearOutOfRange(i32),
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IsoWeekFormat(input) => {
                write!(f, "expected an ISO week like 2026-W47, got {input:?}")
            }
            Self::WeekOutOfRange { year, week } => {
                write!(f, "ISO year {year} has no week {week:02}")
            }
            Self::PeriodFormat(input) => write!(
                f,
                "expected a period like 2026-11 (month), 2026-Q4 (quarter) or 2026 (year), got {input:?}"
            ),
            Self::MonthOutOfRange(month) => {
                write!(f, "month must be between 01 and 12, got {month:02}")
            }
            Self::QuarterOutOfRange(quarter) => {
                write!(f, "quarter must be between Q1 and Q4, got Q{quarter}")
            }
            Self::YearOutOfRange(year) => write!(
                f,
                "year must be between {} and {}, got {year}",
                SUPPORTED_YEARS.start(),
                SUPPORTED_YEARS.end()
            ),
        }
    }
}

impl std::error::Error for PeriodError {}

/// Parses exactly `len` ASCII digits. `str::parse` alone would also accept signs (`+7`), which
/// would make `2026-W+7` a valid week.
fn fixed_digits(s: &str, len: usize) -> Option<u32> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn check_year(year: i32) -> Result<i32, PeriodError> {
    if SUPPORTED_YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(PeriodError::YearOutOfRange(year))
    }
}

/// Parses a four-digit year; the caller supplies the error to report for bad shape.
fn parse_year(s: &str, format_err: impl FnOnce() -> PeriodError) -> Result<i32, PeriodError> {
    let year = fixed_digits(s, 4).ok_or_else(format_err)?;
    // Four digits always fit in i32; the fallback only exists to avoid a cast.
    check_year(i32::try_from(year).unwrap_or(i32::MAX))
}

/// An ISO-8601 week (Monday to Sunday). Always a week that exists in its ISO year.
///
/// Ordering is chronological because the ISO year is compared before the week number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

impl IsoWeek {
    /// Builds a week, rejecting week numbers the ISO year does not have.
    pub fn new(year: i32, week: u32) -> Result<Self, PeriodError> {
        let year = check_year(year)?;
        // chrono knows which years have 53 weeks (those starting on a Thursday, or a
        // Wednesday in leap years), so W53 is validated against the real calendar.
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .map(|_| Self { year, week })
            .ok_or(PeriodError::WeekOutOfRange { year, week })
    }

    /// Parses `YYYY-Www`, e.g. `2026-W47`. The week number must have two digits so that the
    /// text sorts the same way as the weeks do.
    pub fn parse(input: &str) -> Result<Self, PeriodError> {
        let text = input.trim();
        let format_err = || PeriodError::IsoWeekFormat(input.to_owned());
        let (year, week) = text.split_once("-W").ok_or_else(format_err)?;
        let year = parse_year(year, format_err)?;
        let week = fixed_digits(week, 2).ok_or_else(format_err)?;
        Self::new(year, week)
    }

    /// The ISO week containing `date`. Note the ISO year can differ from the calendar year:
    /// 2024-12-30 is in 2025-W01.
    pub fn of(date: NaiveDate) -> Self {
        let iso = date.iso_week();
        // Not routed through `new`: chrono's own week is valid by construction and `of` must
        // work for any date, not just the supported years.
        Self {
            year: iso.year(),
            week: iso.week(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn week(self) -> u32 {
        self.week
    }

    pub fn monday(self) -> NaiveDate {
        // Only a week at the very edge of chrono's range (year ±262 143, reachable solely via
        // `of`) can lack a representable Monday; saturate instead of panicking.
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(if self.year < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
    }

    pub fn sunday(self) -> NaiveDate {
        self.days()[6]
    }

    /// Monday to Sunday.
    pub fn days(self) -> [NaiveDate; 7] {
        let monday = self.monday();
        std::array::from_fn(|i| {
            monday
                .checked_add_days(Days::new(i as u64))
                .unwrap_or(NaiveDate::MAX)
        })
    }

    /// The following week (saturates at the end of chrono's range).
    pub fn next(self) -> Self {
        Self::of(
            self.monday()
                .checked_add_days(Days::new(7))
                .unwrap_or(NaiveDate::MAX),
        )
    }

    /// The preceding week (saturates at the start of chrono's range).
    pub fn prev(self) -> Self {
        Self::of(
            self.monday()
                .checked_sub_days(Days::new(7))
                .unwrap_or(NaiveDate::MIN),
        )
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for IsoWeek {
    type Error = PeriodError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<IsoWeek> for String {
    fn from(value: IsoWeek) -> Self {
        value.to_string()
    }
}

/// Every ISO week from `from` to `to`, both included; empty when `from > to`.
pub fn weeks_between(from: IsoWeek, to: IsoWeek) -> Vec<IsoWeek> {
    let mut weeks = Vec::new();
    let mut current = from;
    while current <= to {
        weeks.push(current);
        let next = current.next();
        // `next` saturates at chrono's bounds; stop rather than loop forever there.
        if next <= current {
            break;
        }
        current = next;
    }
    weeks
}

/// A calendar month, quarter or year used for KPI reports.
///
/// The variants are public for pattern matching; build values with [`Period::parse`] or the
/// `new_*` constructors, which validate. Date methods clamp out-of-range fields of a
/// hand-built value into range instead of panicking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Year { year: i32 },
}

impl Period {
    pub fn new_month(year: i32, month: u32) -> Result<Self, PeriodError> {
        let year = check_year(year)?;
        if !(1..=12).contains(&month) {
            return Err(PeriodError::MonthOutOfRange(month));
        }
        Ok(Self::Month { year, month })
    }

    pub fn new_quarter(year: i32, quarter: u32) -> Result<Self, PeriodError> {
        let year = check_year(year)?;
        if !(1..=4).contains(&quarter) {
            return Err(PeriodError::QuarterOutOfRange(quarter));
        }
        Ok(Self::Quarter { year, quarter })
    }

    pub fn new_year(year: i32) -> Result<Self, PeriodError> {
        Ok(Self::Year {
            year: check_year(year)?,
        })
    }

    /// Parses `2026-11` (month), `2026-Q4` (quarter) or `2026` (year).
    pub fn parse(input: &str) -> Result<Self, PeriodError> {
        let text = input.trim();
        let format_err = || PeriodError::PeriodFormat(input.to_owned());
        match text.split_once('-') {
            None => Self::new_year(parse_year(text, format_err)?),
            Some((year, rest)) => {
                let year = parse_year(year, format_err)?;
                match rest.strip_prefix('Q') {
                    Some(quarter) => {
                        Self::new_quarter(year, fixed_digits(quarter, 1).ok_or_else(format_err)?)
                    }
                    None => Self::new_month(year, fixed_digits(rest, 2).ok_or_else(format_err)?),
                }
            }
        }
    }

    pub fn year(self) -> i32 {
        match self {
            Self::Month { year, .. } | Self::Quarter { year, .. } | Self::Year { year } => year,
        }
    }

    /// First and last month (1-based, inclusive) covered, clamped into range.
    fn month_span(self) -> (u32, u32) {
        match self {
            Self::Month { month, .. } => {
                let m = month.clamp(1, 12);
                (m, m)
            }
            Self::Quarter { quarter, .. } => {
                let q = quarter.clamp(1, 4);
                (q * 3 - 2, q * 3)
            }
            Self::Year { .. } => (1, 12),
        }
    }

    fn clamped_year(self) -> i32 {
        self.year()
            .clamp(*SUPPORTED_YEARS.start(), *SUPPORTED_YEARS.end())
    }

    pub fn first_day(self) -> NaiveDate {
        let (first, _) = self.month_span();
        first_of_month(self.clamped_year(), first)
    }

    pub fn last_day(self) -> NaiveDate {
        let (_, last) = self.month_span();
        let first = first_of_month(self.clamped_year(), last);
        // Day before the first of the following month handles 28/29/30/31 without a table.
        first
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(first)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    /// The months making up this period, in order; a month returns itself.
    pub fn months(self) -> Vec<Period> {
        let year = self.year();
        let (first, last) = self.month_span();
        (first..=last)
            .map(|month| Self::Month { year, month })
            .collect()
    }
}

/// Year and month are already clamped by the callers, so the fallback is unreachable; it only
/// exists so this path cannot panic.
fn first_of_month(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Self::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Self::Year { year } => write!(f, "{year:04}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Period> for String {
    fn from(value: Period) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn wk(s: &str) -> IsoWeek {
        IsoWeek::parse(s).unwrap()
    }

    #[test]
    fn iso_week_parse_round_trips() {
        for text in [
            "2026-W47", "2026-W01", "2026-W53", "2025-W01", "2000-W52", "2100-W10",
        ] {
            assert_eq!(wk(text).to_string(), text, "{text}");
        }
        assert_eq!(
            wk(" 2026-W09 ").to_string(),
            "2026-W09",
            "surrounding blanks"
        );
        assert_eq!("2026-W47".parse::<IsoWeek>().unwrap(), wk("2026-W47"));
    }

    #[test]
    fn iso_week_rejects_invalid_input() {
        let cases: &[(&str, &str, PeriodError)] = &[
            (
                "week zero",
                "2026-W00",
                PeriodError::WeekOutOfRange {
                    year: 2026,
                    week: 0,
                },
            ),
            (
                "week 54",
                "2026-W54",
                PeriodError::WeekOutOfRange {
                    year: 2026,
                    week: 54,
                },
            ),
            (
                "W53 in a 52-week year",
                "2027-W53",
                PeriodError::WeekOutOfRange {
                    year: 2027,
                    week: 53,
                },
            ),
            (
                "one-digit week",
                "2026-W7",
                PeriodError::IsoWeekFormat("2026-W7".into()),
            ),
            (
                "signed week",
                "2026-W+7",
                PeriodError::IsoWeekFormat("2026-W+7".into()),
            ),
            (
                "lowercase w",
                "2026-w07",
                PeriodError::IsoWeekFormat("2026-w07".into()),
            ),
            (
                "missing W",
                "2026-07",
                PeriodError::IsoWeekFormat("2026-07".into()),
            ),
            ("empty", "", PeriodError::IsoWeekFormat(String::new())),
            (
                "short year",
                "26-W07",
                PeriodError::IsoWeekFormat("26-W07".into()),
            ),
            (
                "year too early",
                "1999-W10",
                PeriodError::YearOutOfRange(1999),
            ),
            (
                "year too late",
                "2101-W10",
                PeriodError::YearOutOfRange(2101),
            ),
        ];
        for (name, input, expected) in cases {
            assert_eq!(IsoWeek::parse(input).as_ref(), Err(expected), "{name}");
        }
        assert!(IsoWeek::parse("x")
            .unwrap_err()
            .to_string()
            .starts_with("expected an ISO week like 2026-W47"));
    }

    #[test]
    fn iso_week_bounds_and_membership() {
        // (name, week, monday, sunday)
        let cases = [
            (
                "ordinary week",
                "2026-W47",
                d(2026, 11, 16),
                d(2026, 11, 22),
            ),
            (
                "spans two months",
                "2026-W05",
                d(2026, 1, 26),
                d(2026, 2, 1),
            ),
            (
                "week 53 spans two years",
                "2026-W53",
                d(2026, 12, 28),
                d(2027, 1, 3),
            ),
            (
                "W01 starting in previous year",
                "2025-W01",
                d(2024, 12, 30),
                d(2025, 1, 5),
            ),
            (
                "first week of 2027",
                "2027-W01",
                d(2027, 1, 4),
                d(2027, 1, 10),
            ),
        ];
        for (name, text, monday, sunday) in cases {
            let week = wk(text);
            assert_eq!(week.monday(), monday, "{name}: monday");
            assert_eq!(week.sunday(), sunday, "{name}: sunday");
            let days = week.days();
            assert_eq!(days[0], monday, "{name}: days start");
            assert_eq!(days[6], sunday, "{name}: days end");
            assert!(
                days.windows(2).all(|w| w[1] == w[0].succ_opt().unwrap()),
                "{name}"
            );
            assert!(
                days.iter().all(|&day| week.contains(day)),
                "{name}: contains"
            );
            assert!(
                !week.contains(monday.pred_opt().unwrap()),
                "{name}: day before"
            );
            assert!(
                !week.contains(sunday.succ_opt().unwrap()),
                "{name}: day after"
            );
            assert_eq!(IsoWeek::of(monday), week, "{name}: of");
        }
    }

    #[test]
    fn iso_week_of_dates_near_year_end() {
        let cases = [
            ("2024-12-30 is 2025-W01", d(2024, 12, 30), "2025-W01"),
            ("2027-01-03 is 2026-W53", d(2027, 1, 3), "2026-W53"),
            ("2027-01-04 is 2027-W01", d(2027, 1, 4), "2027-W01"),
            ("2021-01-01 is 2020-W53", d(2021, 1, 1), "2020-W53"),
        ];
        for (name, date, expected) in cases {
            assert_eq!(IsoWeek::of(date).to_string(), expected, "{name}");
        }
    }

    #[test]
    fn iso_week_next_and_prev_cross_years() {
        assert_eq!(wk("2026-W52").next(), wk("2026-W53"));
        assert_eq!(wk("2026-W53").next(), wk("2027-W01"));
        assert_eq!(wk("2027-W01").prev(), wk("2026-W53"));
        assert_eq!(wk("2027-W52").next(), wk("2028-W01"));
        assert_eq!(wk("2028-W01").prev(), wk("2027-W52"));
        assert!(wk("2026-W53") < wk("2027-W01"));
    }

    #[test]
    fn weeks_between_is_inclusive() {
        let cases: [(&str, &str, &str, Vec<&str>); 4] = [
            ("single week", "2026-W10", "2026-W10", vec!["2026-W10"]),
            (
                "across week 53",
                "2026-W52",
                "2027-W02",
                vec!["2026-W52", "2026-W53", "2027-W01", "2027-W02"],
            ),
            ("reversed is empty", "2026-W11", "2026-W10", vec![]),
            (
                "two weeks",
                "2025-W01",
                "2025-W02",
                vec!["2025-W01", "2025-W02"],
            ),
        ];
        for (name, from, to, expected) in cases {
            let got: Vec<String> = weeks_between(wk(from), wk(to))
                .into_iter()
                .map(|w| w.to_string())
                .collect();
            assert_eq!(got, expected, "{name}");
        }
        assert_eq!(weeks_between(wk("2026-W01"), wk("2026-W53")).len(), 53);
        assert_eq!(weeks_between(wk("2027-W01"), wk("2027-W52")).len(), 52);
    }

    #[test]
    fn period_parse_round_trips_and_bounds() {
        // (name, text, first day, last day, months)
        let cases = [
            ("month", "2026-11", d(2026, 11, 1), d(2026, 11, 30), 1),
            ("leap February", "2028-02", d(2028, 2, 1), d(2028, 2, 29), 1),
            (
                "plain February",
                "2026-02",
                d(2026, 2, 1),
                d(2026, 2, 28),
                1,
            ),
            ("December", "2026-12", d(2026, 12, 1), d(2026, 12, 31), 1),
            ("Q1", "2026-Q1", d(2026, 1, 1), d(2026, 3, 31), 3),
            ("Q4", "2026-Q4", d(2026, 10, 1), d(2026, 12, 31), 3),
            ("year", "2026", d(2026, 1, 1), d(2026, 12, 31), 12),
            ("lowest year", "2000", d(2000, 1, 1), d(2000, 12, 31), 12),
            ("highest year", "2100-Q2", d(2100, 4, 1), d(2100, 6, 30), 3),
        ];
        for (name, text, first, last, months) in cases {
            let period = Period::parse(text).unwrap();
            assert_eq!(period.to_string(), text, "{name}: display");
            assert_eq!(period.first_day(), first, "{name}: first");
            assert_eq!(period.last_day(), last, "{name}: last");
            assert!(period.contains(first) && period.contains(last), "{name}");
            assert!(
                !period.contains(first.pred_opt().unwrap()),
                "{name}: before"
            );
            assert!(!period.contains(last.succ_opt().unwrap()), "{name}: after");
            let parts = period.months();
            assert_eq!(parts.len(), months, "{name}: months");
            assert_eq!(parts[0].first_day(), first, "{name}: first month");
            assert_eq!(
                parts[parts.len() - 1].last_day(),
                last,
                "{name}: last month"
            );
        }
    }

    #[test]
    fn period_months_lists_each_month() {
        let got: Vec<String> = Period::parse("2026-Q3")
            .unwrap()
            .months()
            .into_iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(got, ["2026-07", "2026-08", "2026-09"]);
        let month = Period::parse("2026-05").unwrap();
        assert_eq!(month.months(), vec![month]);
    }

    #[test]
    fn period_rejects_invalid_input() {
        let cases: &[(&str, &str, PeriodError)] = &[
            ("month zero", "2026-00", PeriodError::MonthOutOfRange(0)),
            ("month 13", "2026-13", PeriodError::MonthOutOfRange(13)),
            ("Q0", "2026-Q0", PeriodError::QuarterOutOfRange(0)),
            ("Q5", "2026-Q5", PeriodError::QuarterOutOfRange(5)),
            ("year too early", "1999", PeriodError::YearOutOfRange(1999)),
            (
                "year too late",
                "2101-01",
                PeriodError::YearOutOfRange(2101),
            ),
            (
                "one-digit month",
                "2026-1",
                PeriodError::PeriodFormat("2026-1".into()),
            ),
            (
                "iso week is not a period",
                "2026-W47",
                PeriodError::PeriodFormat("2026-W47".into()),
            ),
            (
                "lowercase q",
                "2026-q4",
                PeriodError::PeriodFormat("2026-q4".into()),
            ),
            (
                "two-digit quarter",
                "2026-Q04",
                PeriodError::PeriodFormat("2026-Q04".into()),
            ),
            (
                "full date",
                "2026-11-01",
                PeriodError::PeriodFormat("2026-11-01".into()),
            ),
            ("garbage", "abc", PeriodError::PeriodFormat("abc".into())),
            ("empty", "", PeriodError::PeriodFormat(String::new())),
        ];
        for (name, input, expected) in cases {
            assert_eq!(Period::parse(input).as_ref(), Err(expected), "{name}");
        }
        assert!(Period::new_month(2026, 13).is_err());
        assert!(Period::new_quarter(2026, 5).is_err());
        assert!(Period::new_year(1999).is_err());
    }

    #[test]
    fn hand_built_out_of_range_period_is_clamped_not_panicking() {
        let bad = Period::Month {
            year: 2026,
            month: 13,
        };
        assert_eq!(bad.first_day(), d(2026, 12, 1));
        assert_eq!(bad.last_day(), d(2026, 12, 31));
    }

    #[test]
    fn serde_uses_the_text_form_and_validates() {
        assert_eq!(
            serde_json::to_string(&wk("2026-W05")).unwrap(),
            "\"2026-W05\""
        );
        assert_eq!(
            serde_json::from_str::<IsoWeek>("\"2026-W53\"").unwrap(),
            wk("2026-W53")
        );
        assert!(serde_json::from_str::<IsoWeek>("\"2027-W53\"").is_err());
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(serde_json::to_string(&q).unwrap(), "\"2026-Q4\"");
        assert_eq!(serde_json::from_str::<Period>("\"2026-Q4\"").unwrap(), q);
        assert!(serde_json::from_str::<Period>("\"2026-13\"").is_err());
    }

    #[test]
    fn errors_have_readable_messages() {
        let cases = [
            (
                PeriodError::WeekOutOfRange {
                    year: 2027,
                    week: 53,
                },
                "ISO year 2027 has no week 53",
            ),
            (
                PeriodError::MonthOutOfRange(13),
                "month must be between 01 and 12, got 13",
            ),
            (
                PeriodError::QuarterOutOfRange(5),
                "quarter must be between Q1 and Q4, got Q5",
            ),
            (
                PeriodError::YearOutOfRange(1999),
                "year must be between 2000 and 2100, got 1999",
            ),
        ];
        for (err, message) in cases {
            assert_eq!(err.to_string(), message);
        }
    }
}
