//! Under-logged weeks of a period, and the sheet of one week's under-logged people.

use super::*;

// ---------------------------------------------------------------------------------------------
// Under-logged weeks of a period
// ---------------------------------------------------------------------------------------------

/// The ISO weeks of a period: those whose Thursday lies in it.
pub fn weeks_of(period: Period) -> Vec<IsoWeek> {
    let mut out = Vec::new();
    let mut week = IsoWeek::of(period.first_day());
    loop {
        let thursday = week.monday() + Duration::days(3);
        if thursday > period.last_day() {
            break;
        }
        if period.contains(thursday) {
            out.push(week);
        }
        week = week.next();
    }
    out
}

/// Under-logging of one unit (its direct members).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitUnderLogging {
    /// The unit.
    pub unit_id: i64,
    /// Members expected to work in at least one week of the period.
    pub people_count: usize,
    /// Members with at least one under-logged week.
    pub under_logged_count: usize,
    /// `under_logged_count / people_count` (0 when nobody was expected).
    pub share: f64,
}

/// Under-logging of one ISO week of the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekUnderLogging {
    /// The ISO week.
    #[schema(example = "2026-W44")]
    pub week: String,
    /// People expected to work that week (the week's plan).
    pub people_count: usize,
    /// Of them, under-logged (0 for a week that has not ended: weeks are judged when they end).
    pub under_logged_count: usize,
    /// `under_logged_count / people_count`.
    pub share: f64,
    /// The week has not ended yet.
    pub in_progress: bool,
}

/// Under-logged weeks of a period in a subtree: counts, per week and per unit (the people are
/// in the paged `/reports/under-logged` of each week).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnderLoggedPeriod {
    /// The ISO weeks of the period (those whose Thursday lies in it).
    pub weeks: Vec<String>,
    /// People expected to work in at least one of them.
    #[schema(example = 3)]
    pub people_count: usize,
    /// People with at least one under-logged week.
    #[schema(example = 1)]
    pub under_logged_count: usize,
    /// `under_logged_count / people_count` in [0, 1].
    #[schema(example = 0.3333)]
    pub share: f64,
    /// One item per week of the period.
    pub by_week: Vec<WeekUnderLogging>,
    /// Per unit with members, in tree order.
    pub units: Vec<UnitUnderLogging>,
}

/// Under-logging of a period from the maintained person × week rollup (`services::rollups`):
/// a person counts once however many weeks they were expected or short; the current week's
/// plan counts for "expected to work", and it is never under-logged (it is judged when it ends).
pub fn under_logged_in(
    conn: &mut DbConnection,
    scope: &UnitScope,
    period: Period,
    basis: UnderLogBasis,
    today: NaiveDate,
) -> AppResult<UnderLoggedPeriod> {
    let period_weeks = weeks_of(period);
    let mondays: Vec<NaiveDate> = period_weeks.iter().map(|w| w.monday()).collect();
    let ended: Vec<NaiveDate> = period_weeks
        .iter()
        .filter(|w| w.sunday() < today)
        .map(|w| w.monday())
        .collect();
    crate::services::rollups::ensure_built(conn, &period_weeks)?;
    let under = |logged: i64, approved: i64| match basis {
        UnderLogBasis::Logged => logged,
        UnderLogBasis::Approved => approved,
    };
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    // A month: the maintained unit × month counts (services::people_months); a quarter or a
    // year: the same grouping over its weeks, for the scope's units.
    let per_unit: HashMap<i64, (usize, usize)> = if matches!(period, Period::Month { .. }) {
        crate::services::people_months::unit_month(conn, period, today)?
            .into_iter()
            .map(|(unit, c)| (unit, (n(c.people), n(c.under(basis)))))
            .collect()
    } else {
        db::rollups::period_people_by_unit(conn, &mondays, &ended, Some(&scope.unit_ids))?
            .into_iter()
            .map(|r| {
                (
                    r.unit_id,
                    (n(r.people), n(under(r.under_logged, r.under_approved))),
                )
            })
            .collect()
    };
    let mut weeks_rows: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for u in db::rollups::unit_weeks_in(conn, &mondays, Some(scope.unit_ids.as_slice()))? {
        let w = weeks_rows.entry(u.week_start).or_default();
        w.0 += u.people;
        w.1 += under(u.under_logged, u.under_approved);
    }
    let by_week = period_weeks
        .iter()
        .map(|w| {
            let (people, short) = weeks_rows.get(&w.monday()).copied().unwrap_or_default();
            let in_progress = w.sunday() >= today;
            let people = usize::try_from(people).unwrap_or(0);
            let short = if in_progress {
                0
            } else {
                usize::try_from(short).unwrap_or(0)
            };
            WeekUnderLogging {
                week: w.to_string(),
                people_count: people,
                under_logged_count: short,
                share: ratio(short as f64, people as f64),
                in_progress,
            }
        })
        .collect();
    let units: Vec<UnitUnderLogging> = scope
        .units
        .iter()
        .filter_map(|u| {
            let (n, under) = per_unit.get(&u.id).filter(|(n, _)| *n > 0)?;
            Some(UnitUnderLogging {
                unit_id: u.id,
                people_count: *n,
                under_logged_count: *under,
                share: ratio(*under as f64, *n as f64),
            })
        })
        .collect();
    let people_count: usize = units.iter().map(|u| u.people_count).sum();
    let under_logged_count: usize = units.iter().map(|u| u.under_logged_count).sum();
    Ok(UnderLoggedPeriod {
        weeks: period_weeks.iter().map(|w| w.to_string()).collect(),
        people_count,
        under_logged_count,
        share: ratio(under_logged_count as f64, people_count as f64),
        by_week,
        units,
    })
}

// ---------------------------------------------------------------------------------------------
// Under-logged people of one week (the table of `/reports/under-logged`)
// ---------------------------------------------------------------------------------------------

/// The week's under-logged people as a sheet (hours with two decimals).
pub fn under_logged_week_sheets(
    r: &crate::services::weeks::UnderLoggedReport,
    basis: UnderLogBasis,
) -> Vec<Sheet> {
    let basis_vi = match basis {
        UnderLogBasis::Logged => "giờ đã ghi (chờ duyệt và đã duyệt)",
        UnderLogBasis::Approved => "giờ đã duyệt",
    };
    vec![Sheet {
        table: Table {
            sheet_name: "Ghi thiếu giờ".to_owned(),
            title: "DANH SÁCH GHI NHẬT KÝ THIẾU GIỜ SO VỚI ĐỊNH MỨC".to_owned(),
            meta: vec![
                ("Tuần".to_owned(), r.week.to_string()),
                (
                    "Từ ngày".to_owned(),
                    format!(
                        "{} đến {}",
                        r.week.monday().format("%d/%m/%Y"),
                        r.week.sunday().format("%d/%m/%Y")
                    ),
                ),
                ("Căn cứ so sánh".to_owned(), basis_vi.to_owned()),
                (
                    "Số người phải làm việc".to_owned(),
                    r.people_count.to_string(),
                ),
                (
                    "Số người ghi thiếu".to_owned(),
                    r.under_logged_count.to_string(),
                ),
            ],
            headers: [
                "STT",
                "Họ và tên",
                "Đơn vị",
                "Giờ định mức",
                "Giờ đã ghi",
                "Giờ đã duyệt",
                "Giờ còn thiếu",
                "Số tuần thiếu liên tiếp",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows: r
                .people
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    vec![
                        Cell::Int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                        Cell::Text(p.full_name.clone()),
                        Cell::Text(p.unit_name.clone().unwrap_or_default()),
                        hours(p.summary.expected),
                        hours(p.summary.logged),
                        hours(p.summary.approved),
                        hours(p.summary.gap),
                        Cell::Int(i64::from(p.summary.streak)),
                    ]
                })
                .collect(),
            footer: None,
        },
        charts: Vec::new(),
    }]
}
