//! Sane ranges for dates and years that people type: a year or date outside them is a typo
//! (`0001-01-01`, `year=-1`), refused with 422 naming the field rather than stored.

use chrono::{Datelike, NaiveDate};

/// Years of periods, rounds, reports and `year=` parameters.
pub const PERIOD_YEARS: std::ops::RangeInclusive<i32> = super::period::SUPPORTED_YEARS;
/// Years of dates in a person's record (joined, left, contract start): people who joined the
/// service from 1950 on may still be on the books.
pub const RECORD_YEARS: std::ops::RangeInclusive<i32> = 1950..=2100;

/// Which range a date belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// Work dates, leave, holidays, tasks, periods, report ranges.
    Work,
    /// Personal record dates (joined_on, left_on, contract effective_from).
    Record,
}

impl DateKind {
    pub fn years(self) -> std::ops::RangeInclusive<i32> {
        match self {
            DateKind::Work => PERIOD_YEARS,
            DateKind::Record => RECORD_YEARS,
        }
    }
}

/// Which range a request field or query parameter holds, by its name: record dates of a person
/// (`joined_on`, `left_on`, `contract_from`, `effective_from`), years (`year`) and other dates
/// (`date`, `from`, `to`, `monday`, `…_date`, `…_on`, `…_from`, `…_to`). Other names: None.
pub fn kind_of_field(name: &str) -> Option<DateKind> {
    match name {
        "joined_on" | "left_on" | "contract_from" | "effective_from" => Some(DateKind::Record),
        "year" | "date" | "from" | "to" | "monday" | "sunday" => Some(DateKind::Work),
        n if n.ends_with("_date")
            || n.ends_with("_on")
            || n.ends_with("_from")
            || n.ends_with("_to") =>
        {
            Some(DateKind::Work)
        }
        _ => None,
    }
}

/// Ok when `date` lies in the range of its kind; Err with the (first, last) year allowed.
pub fn check_date(date: NaiveDate, kind: DateKind) -> Result<(), (i32, i32)> {
    check_year(date.year(), kind)
}

/// Ok when `year` lies in the range of its kind; Err with the (first, last) year allowed.
pub fn check_year(year: i32, kind: DateKind) -> Result<(), (i32, i32)> {
    let range = kind.years();
    if range.contains(&year) {
        Ok(())
    } else {
        Err((*range.start(), *range.end()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn ranges() {
        assert_eq!(check_date(d(1, 1, 1), DateKind::Record), Err((1950, 2100)));
        assert!(check_date(d(1950, 1, 1), DateKind::Record).is_ok());
        assert!(check_date(d(1975, 6, 1), DateKind::Record).is_ok());
        assert_eq!(check_date(d(1975, 6, 1), DateKind::Work), Err((2000, 2100)));
        assert!(check_date(d(2100, 12, 31), DateKind::Work).is_ok());
        assert!(check_date(d(2101, 1, 1), DateKind::Work).is_err());
        assert_eq!(check_year(-1, DateKind::Work), Err((2000, 2100)));
        assert_eq!(kind_of_field("joined_on"), Some(DateKind::Record));
        assert_eq!(kind_of_field("work_date"), Some(DateKind::Work));
        assert_eq!(kind_of_field("completed_on"), Some(DateKind::Work));
        assert_eq!(kind_of_field("year"), Some(DateKind::Work));
        assert_eq!(kind_of_field("note"), None);
    }
}
