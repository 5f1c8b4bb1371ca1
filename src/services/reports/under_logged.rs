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

/// A person with at least one under-logged week in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnderLoggedPersonSummary {
    /// The person.
    pub staff_id: i64,
    /// Full name.
    #[schema(example = "Trần Văn Bình")]
    pub full_name: String,
    /// Their unit.
    pub unit_id: Option<i64>,
    /// Under-logged weeks among the period's weeks.
    #[schema(example = 3)]
    pub weeks_under: usize,
    /// Sum of the gaps of those weeks (minutes).
    #[schema(example = 4800)]
    pub gap_minutes: i64,
    /// Longest streak reached in the period (consecutive under-logged weeks, looking back up to
    /// 12 weeks before the period).
    #[schema(example = 3)]
    pub longest_streak: u32,
}

/// Under-logging of one unit.
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

/// Under-logged weeks of a period in a subtree.
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
    /// Under-logged people by longest streak (longest first), then gap (largest first), then
    /// name in Vietnamese order.
    pub people: Vec<UnderLoggedPersonSummary>,
    /// Per unit with members, in tree order.
    pub units: Vec<UnitUnderLogging>,
}

pub fn under_logged_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
    basis: UnderLogBasis,
    today: NaiveDate,
) -> AppResult<UnderLoggedPeriod> {
    let period_weeks = weeks_of(period);
    let (Some(first), Some(last)) = (period_weeks.first(), period_weeks.last()) else {
        return Ok(UnderLoggedPeriod {
            weeks: Vec::new(),
            people_count: 0,
            under_logged_count: 0,
            share: 0.0,
            people: Vec::new(),
            units: Vec::new(),
        });
    };
    let summaries = weeks::summaries_for(conn, &scope.people, *first, *last, basis, today)?;
    let mut people_count = 0;
    let mut people = Vec::new();
    let mut per_unit: HashMap<i64, (usize, usize)> = HashMap::new();
    for p in &scope.people {
        let Some(weeks) = summaries.get(&p.id) else {
            continue;
        };
        if !weeks.iter().any(|w| w.expected > 0) {
            continue;
        }
        people_count += 1;
        let unit = per_unit.entry(p.unit_id.unwrap_or(0)).or_default();
        unit.0 += 1;
        let under: Vec<_> = weeks.iter().filter(|w| w.under_logged).collect();
        if under.is_empty() {
            continue;
        }
        unit.1 += 1;
        people.push(UnderLoggedPersonSummary {
            staff_id: p.id,
            full_name: p.full_name.clone(),
            unit_id: p.unit_id,
            weeks_under: under.len(),
            gap_minutes: under.iter().map(|w| w.gap).sum(),
            longest_streak: under.iter().map(|w| w.streak).max().unwrap_or(0),
        });
    }
    people.sort_by_cached_key(|p| {
        (
            std::cmp::Reverse(p.longest_streak),
            std::cmp::Reverse(p.gap_minutes),
            vietnamese_sort_key(&p.full_name),
            p.staff_id,
        )
    });
    let units = scope
        .units
        .iter()
        .filter_map(|u| {
            per_unit.get(&u.id).map(|(n, under)| UnitUnderLogging {
                unit_id: u.id,
                people_count: *n,
                under_logged_count: *under,
                share: ratio(*under as f64, *n as f64),
            })
        })
        .collect();
    Ok(UnderLoggedPeriod {
        weeks: period_weeks.iter().map(|w| w.to_string()).collect(),
        people_count,
        under_logged_count: people.len(),
        share: ratio(people.len() as f64, people_count as f64),
        people,
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
                ("Số người ghi thiếu".to_owned(), r.people.len().to_string()),
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
