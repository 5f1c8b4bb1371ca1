//! Workload and staffing.

use super::*;

// ---------------------------------------------------------------------------------------------
// Workload and staffing
// ---------------------------------------------------------------------------------------------

/// Hours of one unit (or of the subtree) in the period; all amounts are integer minutes.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Hours {
    /// Norm minutes of the people (contracts, holidays and leave applied).
    #[schema(example = 10560)]
    pub expected: i64,
    /// Minutes of submitted and approved entries.
    #[schema(example = 1200)]
    pub logged: i64,
    /// Minutes of approved entries.
    #[schema(example = 1200)]
    pub approved: i64,
    /// Credited minutes of the KPI (approved minutes, or converted products by policy).
    #[schema(example = 1200)]
    pub credited: i64,
}

/// Workload and staffing of one unit (its direct members).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitStaffing {
    /// The unit.
    pub unit: UnitRef,
    /// Active members.
    #[schema(example = 2)]
    pub headcount: usize,
    /// Their hours.
    pub hours: Hours,
    /// `credited / (norm_per_person × headcount)` (0 without members).
    #[schema(example = 0.0568)]
    pub workload: f64,
    /// Full-time equivalents the credited work needs: `credited / norm_per_person`.
    #[schema(example = 0.11)]
    pub fte_needed: f64,
    /// `headcount − fte_needed`: positive means more people than the work needs.
    #[schema(example = 1.89)]
    pub surplus: f64,
    /// Mean KPI total of the members who can be graded (null: nobody).
    #[schema(example = 56.08)]
    pub kpi_average: Option<f64>,
    /// How many members that mean covers.
    pub kpi_people: usize,
}

/// Workload and staffing of a subtree in a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffingReport {
    /// The period.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Root unit (null: the whole organisation or several headed subtrees).
    pub root: Option<UnitRef>,
    /// Working days of the period (organisation calendar).
    #[schema(example = 22)]
    pub working_days: usize,
    /// Full-time norm of one person for the period: 480 minutes per working day.
    #[schema(example = 10560)]
    pub norm_per_person: i64,
    /// Active people of the subtree.
    #[schema(example = 3)]
    pub headcount: usize,
    /// Hours of the whole subtree.
    pub hours: Hours,
    /// Workload of the subtree (as for a unit).
    pub workload: f64,
    /// FTE needed by the subtree.
    pub fte_needed: f64,
    /// `headcount − fte_needed` of the subtree.
    pub surplus: f64,
    /// Every unit of the subtree, in tree order.
    pub units: Vec<UnitStaffing>,
    /// Ids of the units with the largest surplus (most over-staffed), at most 3, surplus > 0.
    pub most_over_staffed: Vec<i64>,
    /// Ids of the units with the most negative surplus (most under-staffed), at most 3.
    pub most_under_staffed: Vec<i64>,
}

/// The full-time norm of one person over a period (the 40-hour norm on its working days).
pub fn norm_per_person(cal: &crate::domain::calendar::Calendar, period: Period) -> (usize, i64) {
    let full_time = Employment {
        joined_on: None,
        left_on: None,
        contracts: vec![ContractSpan {
            effective_from: period.first_day(),
            weekly_minutes: crate::domain::org::DEFAULT_WEEKLY_MINUTES,
        }],
    };
    let days = cal.working_days(period.first_day(), period.last_day());
    let norm = days
        .iter()
        .map(|d| i64::from(daily_norm(cal, &full_time, &[], *d)))
        .sum();
    (days.len(), norm)
}

/// Staffing of a subtree from the KPI sums of its units (`services::kpi_months`), their
/// headcounts and the logged minutes of their active people (grouped by unit in the database:
/// no person is loaded).
pub fn staffing_in(
    conn: &mut DbConnection,
    scope: &UnitScope,
    period: Period,
    unit_kpis: &HashMap<i64, UnitKpi>,
    today: NaiveDate,
) -> AppResult<StaffingReport> {
    let cal = calendar::load_calendar(conn, period.first_day(), period.last_day())?;
    let (working_days, norm) = norm_per_person(&cal, period);
    // Logged (submitted + approved) and approved minutes by unit: a month's are kept per unit
    // (services::people_months), a quarter's or a year's are summed from the daily totals.
    let logged: HashMap<i64, (i64, i64)> = if matches!(period, Period::Month { .. }) {
        crate::services::people_months::unit_month(conn, period, today)?
            .into_iter()
            .map(|(unit, u)| (unit, (u.logged, u.approved)))
            .collect()
    } else {
        db::totals::minutes_by_unit(
            conn,
            Some(&scope.unit_ids),
            period.first_day(),
            period.last_day(),
        )?
        .into_iter()
        .map(|(unit, logged, approved)| (unit, (logged, approved)))
        .collect()
    };
    let figures = |unit_ids: &[i64]| -> (Hours, UnitKpi) {
        let mut h = Hours::default();
        let mut k = UnitKpi::default();
        for u in unit_ids {
            if let Some(s) = unit_kpis.get(u) {
                k.add(s);
            }
            if let Some((l, a)) = logged.get(u) {
                h.logged += l;
                h.approved += a;
            }
        }
        h.expected = k.expected;
        h.credited = k.credited;
        (h, k)
    };
    let staffing = |headcount: usize, credited: i64| {
        let s = crate::domain::staffing::staffing(credited, norm, headcount);
        (s.workload, s.fte_needed, s.surplus)
    };
    let mut units = Vec::new();
    for u in &scope.units {
        let headcount = scope.headcount_of(u.id);
        let (hours, k) = figures(&[u.id]);
        let (kpi_average, kpi_people) = k.average();
        let (workload, fte_needed, surplus) = staffing(headcount, hours.credited);
        units.push(UnitStaffing {
            unit: UnitRef::of(u),
            headcount,
            hours,
            workload,
            fte_needed,
            surplus,
            kpi_average,
            kpi_people,
        });
    }
    let headcount = scope.headcount();
    let (hours, _) = figures(&scope.unit_ids);
    let (workload, fte_needed, surplus) = staffing(headcount, hours.credited);
    let (over, under) = most_over_and_under_staffed(&units);
    let most_over_staffed = over.iter().map(|u| u.unit.unit_id).collect();
    let most_under_staffed = under.iter().map(|u| u.unit.unit_id).collect();
    Ok(StaffingReport {
        period: period.to_string(),
        root: scope.root_ref(),
        working_days,
        norm_per_person: norm,
        headcount,
        hours,
        workload,
        fte_needed,
        surplus,
        units,
        most_over_staffed,
        most_under_staffed,
    })
}

/// The units most over staffed (largest surplus first) and most under staffed (largest shortage
/// first), `TOP_UNITS` of each; only units with people or work can be either.
pub fn most_over_and_under_staffed(
    units: &[UnitStaffing],
) -> (Vec<&UnitStaffing>, Vec<&UnitStaffing>) {
    let mut ranked: Vec<&UnitStaffing> = units
        .iter()
        .filter(|u| u.headcount > 0 || u.hours.credited > 0)
        .collect();
    ranked.sort_by(|a, b| {
        b.surplus
            .total_cmp(&a.surplus)
            .then(a.unit.unit_id.cmp(&b.unit.unit_id))
    });
    let over = ranked
        .iter()
        .filter(|u| u.surplus > 0.0)
        .take(TOP_UNITS)
        .copied()
        .collect();
    let under = ranked
        .iter()
        .rev()
        .filter(|u| u.surplus < 0.0)
        .take(TOP_UNITS)
        .copied()
        .collect();
    (over, under)
}

/// The staffing report of a subtree.
pub fn staffing(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<Labeled<StaffingReport>> {
    if matches!(period, Period::Month { .. }) {
        // A month: the stored KPI sums per unit; nobody is loaded.
        let scope = resolve_units(conn, viewer, unit_id)?;
        let unit_kpis = kpi_months::of_period(conn, &[], period, today)?;
        return Labeled::of(
            &scope,
            staffing_in(conn, &scope, period, &unit_kpis, today)?,
        );
    }
    let scope = resolve_scope(conn, viewer, unit_id)?;
    let unit_kpis = kpi_months::of_period(conn, &scope.people, period, today)?;
    Labeled::of(
        &scope,
        staffing_in(conn, &scope, period, &unit_kpis, today)?,
    )
}

pub fn staffing_sheets(r: &StaffingReport, scope_name: &str) -> Vec<Sheet> {
    let row = |name: &str, level: &str, headcount: usize, h: &Hours, w: f64, fte: f64, s: f64| {
        vec![
            Cell::Text(name.to_owned()),
            Cell::Text(level_vi(level).to_owned()),
            Cell::Int(headcount as i64),
            hours(h.expected),
            hours(h.logged),
            hours(h.approved),
            hours(h.credited),
            Cell::Ratio(w),
            Cell::Score(fte),
            Cell::Score(s),
        ]
    };
    let rows = r
        .units
        .iter()
        .map(|u| {
            let mut cells = row(
                &u.unit.name,
                &u.unit.level,
                u.headcount,
                &u.hours,
                u.workload,
                u.fte_needed,
                u.surplus,
            );
            cells.push(u.kpi_average.map(Cell::Score).unwrap_or(Cell::Blank));
            cells
        })
        .collect();
    let mut footer = row(
        "Tổng cộng",
        "",
        r.headcount,
        &r.hours,
        r.workload,
        r.fte_needed,
        r.surplus,
    );
    footer.push(Cell::Blank);
    vec![Sheet {
        table: Table {
            sheet_name: "Định biên".to_owned(),
            title: "KHỐI LƯỢNG CÔNG VIỆC VÀ ĐỊNH BIÊN THEO ĐƠN VỊ".to_owned(),
            meta: vec![
                ("Đơn vị".to_owned(), scope_name.to_owned()),
                ("Kỳ".to_owned(), r.period.clone()),
                ("Số ngày làm việc".to_owned(), r.working_days.to_string()),
                (
                    "Định mức một người (giờ)".to_owned(),
                    crate::domain::kpi::fixed(r.norm_per_person as f64 / 60.0, 2),
                ),
            ],
            headers: [
                "Đơn vị",
                "Cấp",
                "Số người",
                "Giờ định mức",
                "Giờ đã ghi",
                "Giờ đã duyệt",
                "Giờ được tính",
                "Mức tải công việc",
                "Biên chế cần (FTE)",
                "Thừa (+) / thiếu (−) người",
                "KPI bình quân",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows,
            footer: Some(footer),
        },
        charts: vec![ChartSpec {
            kind: ChartKind::Column,
            title: "Số người và biên chế cần theo đơn vị".to_owned(),
            category_col: 0,
            value_cols: vec![2, 8],
            value_axis: Some("Người".to_owned()),
        }],
    }]
}
