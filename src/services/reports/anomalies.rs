//! Anomalies of the logged entries of a period.

use super::*;

// ---------------------------------------------------------------------------------------------
// Anomalies
// ---------------------------------------------------------------------------------------------

/// Flagged entries of each kind (each entry counts once per kind it shows).
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct AnomalyCounts {
    /// Entries of days whose total is above the threshold (policy, default 10 h).
    pub day_over_threshold: i64,
    /// Entries with more than 2 × quantity × the product's standard minutes.
    pub far_above_standard: i64,
    /// Entries on weekends and public holidays.
    pub non_working_day: i64,
    /// Entries identical to another of the same person and day.
    pub duplicate: i64,
    /// Entries created long after their work date (policy, default more than 3 days).
    pub late_backfill: i64,
    /// Sum of the above.
    pub total: i64,
}

impl AnomalyCounts {
    fn add(&mut self, kind: Anomaly, n: i64) {
        match kind {
            Anomaly::DayOverThreshold => self.day_over_threshold += n,
            Anomaly::FarAboveStandard => self.far_above_standard += n,
            Anomaly::NonWorkingDay => self.non_working_day += n,
            Anomaly::Duplicate => self.duplicate += n,
            Anomaly::LateBackfill => self.late_backfill += n,
        }
        self.total += n;
    }

    fn plus(&mut self, o: &AnomalyCounts) {
        self.day_over_threshold += o.day_over_threshold;
        self.far_above_standard += o.far_above_standard;
        self.non_working_day += o.non_working_day;
        self.duplicate += o.duplicate;
        self.late_backfill += o.late_backfill;
        self.total += o.total;
    }
}

/// Anomalies of one unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitAnomalies {
    /// The unit.
    pub unit: UnitRef,
    /// Its counts.
    pub counts: AnomalyCounts,
}

/// Anomalies of the logged entries of a period in a subtree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnomalyReport {
    /// The period.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Root unit (null: the whole organisation or several headed subtrees).
    pub root: Option<UnitRef>,
    /// Counts of the whole subtree.
    pub totals: AnomalyCounts,
    /// Every unit of the subtree, in tree order.
    pub units: Vec<UnitAnomalies>,
}

/// Facts of an entry that raise no flag: each check below changes only the fact it is about, so
/// that `domain::diary::anomalies` stays the only place where the rules live.
fn plain_facts(day: NaiveDate) -> EntryFacts {
    EntryFacts {
        work_date: day,
        created_on: day,
        quantity: 1,
        minutes: 1,
        standard_minutes: 0,
        day_total: 0,
        is_working_day: true,
        identical_entries: 0,
        backdate_permitted: false,
    }
}

fn flags(facts: &EntryFacts, policy: &DiaryPolicy, kind: Anomaly) -> bool {
    anomalies(facts, policy).contains(&kind)
}

pub fn anomalies_in(
    conn: &mut DbConnection,
    scope: &UnitScope,
    period: Period,
    policy: &DiaryPolicy,
) -> AppResult<AnomalyReport> {
    let (from, to) = (period.first_day(), period.last_day());
    let mut counts: HashMap<i64, AnomalyCounts> = HashMap::new();
    // The maintained daily totals already carry, per day and unit, how many declared lines each
    // rule flags (computed by `domain::diary::anomalies` when the day last changed); whether the
    // day is a working day comes from the calendar as it is now.
    let cal = calendar::load_calendar(conn, from, to)?;
    for row in db::totals::anomalies_by_unit_day(conn, &scope.unit_ids, from, to)? {
        let c = counts.entry(row.unit_id).or_default();
        c.add(Anomaly::DayOverThreshold, row.day_over_threshold);
        c.add(Anomaly::FarAboveStandard, row.far_above_standard);
        c.add(Anomaly::Duplicate, row.duplicate);
        c.add(Anomaly::LateBackfill, row.late_backfill);
        let facts = EntryFacts {
            is_working_day: cal.is_working_day(row.work_date),
            ..plain_facts(row.work_date)
        };
        if flags(&facts, policy, Anomaly::NonWorkingDay) {
            c.add(Anomaly::NonWorkingDay, row.logged_entries);
        }
    }

    let mut totals = AnomalyCounts::default();
    let units = scope
        .units
        .iter()
        .map(|u| {
            let c = counts.get(&u.id).copied().unwrap_or_default();
            totals.plus(&c);
            UnitAnomalies {
                unit: UnitRef::of(u),
                counts: c,
            }
        })
        .collect();
    Ok(AnomalyReport {
        period: period.to_string(),
        root: scope.root_ref(),
        totals,
        units,
    })
}

/// The anomaly report of a subtree.
pub fn anomaly_report(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
    policy: &DiaryPolicy,
) -> AppResult<Labeled<AnomalyReport>> {
    let scope = resolve_units(conn, viewer, unit_id)?;
    Labeled::of(&scope, anomalies_in(conn, &scope, period, policy)?)
}

pub fn anomaly_sheets(r: &AnomalyReport, scope_name: &str) -> Vec<Sheet> {
    let row = |name: &str, level: &str, c: &AnomalyCounts| {
        vec![
            Cell::Text(name.to_owned()),
            Cell::Text(level_vi(level).to_owned()),
            Cell::Int(c.day_over_threshold),
            Cell::Int(c.far_above_standard),
            Cell::Int(c.non_working_day),
            Cell::Int(c.duplicate),
            Cell::Int(c.late_backfill),
            Cell::Int(c.total),
        ]
    };
    vec![Sheet {
        table: Table {
            sheet_name: "Bất thường".to_owned(),
            title: "SỐ DÒNG NHẬT KÝ BẤT THƯỜNG THEO ĐƠN VỊ".to_owned(),
            meta: vec![
                ("Đơn vị".to_owned(), scope_name.to_owned()),
                ("Kỳ".to_owned(), r.period.clone()),
            ],
            headers: [
                "Đơn vị",
                "Cấp",
                "Ngày vượt ngưỡng giờ",
                "Vượt xa định mức",
                "Ngày nghỉ",
                "Trùng lặp",
                "Nhập bù muộn",
                "Tổng",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows: r
                .units
                .iter()
                .map(|u| row(&u.unit.name, &u.unit.level, &u.counts))
                .collect(),
            footer: Some(row("Tổng cộng", "", &r.totals)),
        },
        charts: vec![ChartSpec {
            kind: ChartKind::Column,
            title: "Bất thường theo đơn vị".to_owned(),
            category_col: 0,
            value_cols: vec![2, 3, 4, 5, 6],
            value_axis: Some("Số dòng".to_owned()),
        }],
    }]
}
