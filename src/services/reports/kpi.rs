//! KPI of many people with their units' round policies, the KPI ranking within units and the
//! six-month trend.

use super::*;

// ---------------------------------------------------------------------------------------------
// KPI of many people with their units' round policies
// ---------------------------------------------------------------------------------------------

/// KPI of a period for many people with the policy and evaluator scores of their unit's round
/// (the default policy when the unit has none), like `services::kpi::policy_and_scores` for one
/// unit: rounds, policies and grades are loaded once, then one computation per policy version.
pub fn kpi_of_period(
    conn: &mut DbConnection,
    people: &[Staff],
    period: Period,
    today: NaiveDate,
) -> AppResult<HashMap<i64, (PersonKpi, Grade)>> {
    kpi_of_period_with(conn, people, period, today, None)
}

/// [`kpi_of_period`] with the contracts and leave of some people already loaded (a month's
/// build, `services::kpi_months`).
pub fn kpi_of_period_with(
    conn: &mut DbConnection,
    people: &[Staff],
    period: Period,
    today: NaiveDate,
    preloaded: Option<crate::services::kpi::Preloaded<'_>>,
) -> AppResult<HashMap<i64, (PersonKpi, Grade)>> {
    use crate::services::kpi::parse_body;
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let mut unit_ids: Vec<i64> = people.iter().filter_map(|p| p.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let rounds = db::grading::rounds_of_units(conn, &unit_ids, &[period.to_string()])?;
    let round_of_unit: HashMap<i64, (i64, i64)> = rounds
        .iter()
        .map(|r| (r.unit_id, (r.id, r.policy_id)))
        .collect();
    let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let mut common: HashMap<(i64, i64), CommonInput> = HashMap::new();
    if !round_ids.is_empty() {
        for (round, staff, scores, bonus) in db::grading::common_of_rounds(conn, &round_ids)? {
            common.insert(
                (round, staff),
                CommonInput::of_parts(scores.as_deref(), bonus),
            );
        }
    }
    let default_policy = db::grading::default_policy(conn)?;
    let policies: HashMap<i64, db::grading::PolicyRow> = db::grading::policies_all(conn)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();

    // People grouped by the policy version that applies to them (None: built-in default).
    type Group<'p> = (Vec<&'p Staff>, HashMap<i64, CommonInput>);
    let mut groups: BTreeMap<Option<i64>, Group<'_>> = BTreeMap::new();
    for p in people {
        let round = p.unit_id.and_then(|u| round_of_unit.get(&u).copied());
        let policy_id = round
            .map(|(_, pid)| pid)
            .or(default_policy.as_ref().map(|d| d.id));
        let group = groups.entry(policy_id).or_default();
        group.0.push(p);
        if let Some(c) = round.and_then(|(rid, _)| common.get(&(rid, p.id))) {
            group.1.insert(p.id, c.clone());
        }
    }
    let mut out = HashMap::with_capacity(people.len());
    for (policy_id, (members, scores)) in groups {
        let (kpi_policy, preset) = match policy_id.and_then(|id| policies.get(&id)) {
            Some(row) => {
                let body = parse_body(row)?;
                (body.kpi_policy(), body.preset)
            }
            None => crate::services::kpi::default_policy(),
        };
        let factors = HashMap::new();
        let run = KpiRun {
            period,
            policy: &kpi_policy,
            common_max: preset.common_max(),
            common: &scores,
            unit_factors: &factors,
            today,
            preloaded,
        };
        for (id, k) in compute_with_leaders(conn, &members, &run, &preset)? {
            let grade = threshold_grade(&k, &preset);
            out.insert(id, (k, grade));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// KPI ranking and trend
// ---------------------------------------------------------------------------------------------

/// One person's KPI in the ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiRankRow {
    /// Place within the unit (equal totals share a place; null: cannot be graded).
    #[schema(example = 1)]
    pub rank: Option<usize>,
    /// The person.
    pub staff_id: i64,
    /// Full name.
    pub full_name: String,
    /// Their unit.
    pub unit_id: i64,
    /// Expected minutes.
    pub expected: i64,
    /// Credited minutes.
    pub credited: i64,
    /// Quantity in [0, 1].
    pub quantity: f64,
    /// Quality in [0, 1].
    pub quality: f64,
    /// Progress in [0, 1].
    pub progress: f64,
    /// Task results (≤ 70).
    pub task_score: f64,
    /// Common criteria (≤ 30); null until the evaluator scores them.
    pub common_score: Option<f64>,
    /// Total (≤ 100).
    pub total: f64,
    /// The grade the thresholds give (before quota, downgrade and decisions).
    pub grade: GradeView,
}

/// KPI average of a unit in one period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitKpiAverage {
    /// The unit.
    pub unit_id: i64,
    /// Mean total of the members who can be graded (null: nobody).
    pub average: Option<f64>,
    /// How many members that mean covers.
    pub people: usize,
}

/// The subtree's KPI in one month of the trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiTrendPoint {
    /// The month.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Mean total of the subtree's people who can be graded (null: nobody).
    pub average: Option<f64>,
    /// How many people that mean covers.
    pub people: usize,
    /// Per unit with members, in tree order.
    pub units: Vec<UnitKpiAverage>,
}

/// KPI ranking within units and the trend of the last six months.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiReport {
    /// The period.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Root unit (null: the whole organisation or several headed subtrees).
    pub root: Option<UnitRef>,
    /// Units of the subtree, in tree order.
    pub units: Vec<UnitRef>,
    /// Averages of the period per unit with members.
    pub averages: Vec<UnitKpiAverage>,
    /// People by unit (tree order), then place.
    pub people: Vec<KpiRankRow>,
    /// The six months ending with the period's last month, oldest first.
    pub trend: Vec<KpiTrendPoint>,
}

/// The months of a trend: `n` months ending with the period's last month.
pub fn trend_months(period: Period, n: usize) -> Vec<Period> {
    let last = period.last_day();
    let mut out: Vec<Period> = (0..n)
        .filter_map(|k| {
            let d = last.checked_sub_months(chrono::Months::new(u32::try_from(k).ok()?))?;
            Period::new_month(d.year(), d.month()).ok()
        })
        .collect();
    out.reverse();
    out
}

fn unit_averages(
    scope: &Scope,
    kpis: &HashMap<i64, (PersonKpi, Grade)>,
) -> (Vec<UnitKpiAverage>, Option<f64>, usize) {
    let units = scope
        .units
        .iter()
        .filter(|u| scope.has_members(u.id))
        .map(|u| {
            let (average, people) =
                kpi_average(scope.members(u.id).filter_map(|p| kpis.get(&p.id)));
            UnitKpiAverage {
                unit_id: u.id,
                average,
                people,
            }
        })
        .collect();
    let (average, people) = kpi_average(scope.people.iter().filter_map(|p| kpis.get(&p.id)));
    (units, average, people)
}

/// The trend: the six months' KPI sums per unit (`services::kpi_months`), averaged per unit
/// with members and over the subtree.
pub fn kpi_trend_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
    today: NaiveDate,
) -> AppResult<Vec<KpiTrendPoint>> {
    let months = trend_months(period, TREND_MONTHS);
    let by_month = kpi_months::unit_months(conn, &months, today)?;
    let empty = HashMap::new();
    Ok(months
        .iter()
        .map(|month| {
            let sums = by_month.get(month).unwrap_or(&empty);
            let mut overall = UnitKpi::default();
            let units = scope
                .units
                .iter()
                .filter(|u| scope.has_members(u.id))
                .map(|u| {
                    let k = sums.get(&u.id).copied().unwrap_or_default();
                    overall.add(&k);
                    let (average, people) = k.average();
                    UnitKpiAverage {
                        unit_id: u.id,
                        average,
                        people,
                    }
                })
                .collect();
            let (average, people) = overall.average();
            KpiTrendPoint {
                period: month.to_string(),
                average,
                people,
                units,
            }
        })
        .collect())
}

pub fn kpi_report_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
    kpis: &HashMap<i64, (PersonKpi, Grade)>,
    today: NaiveDate,
) -> AppResult<KpiReport> {
    let mut people = Vec::new();
    for u in &scope.units {
        let mut members: Vec<(&Staff, &(PersonKpi, Grade))> = scope
            .members(u.id)
            .filter_map(|p| kpis.get(&p.id).map(|k| (p, k)))
            .collect();
        members.sort_by_cached_key(|(p, (k, _))| {
            (
                k.breakdown.not_graded,
                std::cmp::Reverse((k.breakdown.total * 100.0).round() as i64),
                vietnamese_sort_key(&p.full_name),
                p.id,
            )
        });
        let mut previous: Option<(f64, usize)> = None;
        for (i, (p, (k, grade))) in members.into_iter().enumerate() {
            let b = &k.breakdown;
            let rank = if b.not_graded {
                None
            } else {
                let place = match previous {
                    Some((total, place)) if total == b.total => place,
                    _ => i + 1,
                };
                previous = Some((b.total, place));
                Some(place)
            };
            people.push(KpiRankRow {
                rank,
                staff_id: p.id,
                full_name: p.full_name.clone(),
                unit_id: u.id,
                expected: b.expected,
                credited: b.credited,
                quantity: b.quantity,
                quality: b.quality,
                progress: b.progress,
                task_score: b.task_score,
                common_score: (!b.common_missing).then_some(b.common_score),
                total: b.total,
                grade: GradeView::of(*grade),
            });
        }
    }
    let (averages, _, _) = unit_averages(scope, kpis);
    Ok(KpiReport {
        period: period.to_string(),
        root: scope.root_ref(),
        units: scope.units.iter().map(UnitRef::of).collect(),
        averages,
        people,
        trend: kpi_trend_in(conn, scope, period, today)?,
    })
}

/// The KPI report of a subtree.
pub fn kpi_report(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<Labeled<KpiReport>> {
    let scope = resolve_scope(conn, viewer, unit_id)?;
    let kpis = kpi_of_period(conn, &scope.people, period, today)?;
    Labeled::of(&scope, kpi_report_in(conn, &scope, period, &kpis, today)?)
}

pub fn kpi_sheets(r: &KpiReport, scope_name: &str) -> Vec<Sheet> {
    let unit_name = |id: i64| {
        r.units
            .iter()
            .find(|u| u.unit_id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let meta = vec![
        ("Đơn vị".to_owned(), scope_name.to_owned()),
        ("Kỳ".to_owned(), r.period.clone()),
    ];
    let ranking = Table {
        sheet_name: "Xếp hạng KPI".to_owned(),
        title: "XẾP HẠNG KPI TRONG ĐƠN VỊ".to_owned(),
        meta: meta.clone(),
        headers: [
            "Đơn vị",
            "Hạng",
            "Họ và tên",
            "Giờ định mức",
            "Giờ được tính",
            "Khối lượng",
            "Chất lượng",
            "Tiến độ",
            "Kết quả nhiệm vụ (70)",
            "Tiêu chí chung (30)",
            "Tổng điểm",
            "Xếp loại theo ngưỡng",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: r
            .people
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(unit_name(p.unit_id)),
                    p.rank.map(|n| Cell::Int(n as i64)).unwrap_or(Cell::Blank),
                    Cell::Text(p.full_name.clone()),
                    hours(p.expected),
                    hours(p.credited),
                    Cell::Ratio(p.quantity),
                    Cell::Ratio(p.quality),
                    Cell::Ratio(p.progress),
                    Cell::Score(p.task_score),
                    p.common_score.map(Cell::Score).unwrap_or(Cell::Blank),
                    Cell::Score(p.total),
                    Cell::Text(p.grade.code.label_vi().to_owned()),
                ]
            })
            .collect(),
        footer: None,
    };
    // Trend: one row per month, the subtree's average then one column per unit with members.
    let trend_units: Vec<i64> = r.averages.iter().map(|a| a.unit_id).collect();
    let mut headers = vec!["Kỳ".to_owned(), "Bình quân chung".to_owned()];
    headers.extend(trend_units.iter().map(|id| unit_name(*id)));
    let trend = Table {
        sheet_name: "Xu hướng KPI".to_owned(),
        title: "XU HƯỚNG KPI BÌNH QUÂN SÁU THÁNG".to_owned(),
        meta,
        headers,
        rows: r
            .trend
            .iter()
            .map(|t| {
                let mut row = vec![
                    Cell::Text(t.period.clone()),
                    t.average.map(Cell::Score).unwrap_or(Cell::Blank),
                ];
                for id in &trend_units {
                    row.push(
                        t.units
                            .iter()
                            .find(|u| u.unit_id == *id)
                            .and_then(|u| u.average)
                            .map(Cell::Score)
                            .unwrap_or(Cell::Blank),
                    );
                }
                row
            })
            .collect(),
        footer: None,
    };
    let value_cols = trend_chart_columns(&r.averages);
    vec![
        Sheet {
            table: ranking,
            charts: Vec::new(),
        },
        Sheet {
            table: trend,
            charts: vec![ChartSpec {
                kind: ChartKind::Line,
                title: if trend_units.len() > TREND_CHART_UNITS {
                    format!(
                        "KPI bình quân theo tháng: toàn bộ, {} đơn vị cao nhất và {} thấp nhất",
                        TREND_CHART_UNITS / 2,
                        TREND_CHART_UNITS / 2
                    )
                } else {
                    "KPI bình quân theo tháng".to_owned()
                },
                category_col: 0,
                value_cols,
                value_axis: Some("Điểm".to_owned()),
            }],
        },
    ]
}

/// Most unit lines a trend chart draws besides the overall average: with more units (a province
/// has ~600), the chart keeps the best and the worst halves of this many by the period's average,
/// so that it stays readable; the table beside it keeps every unit.
pub const TREND_CHART_UNITS: usize = 10;

/// Columns of the trend table the chart draws: the overall average (column 1), then every unit
/// (columns 2..) or, above [`TREND_CHART_UNITS`], the top and bottom units by the period's
/// average (units without an average are left out).
pub fn trend_chart_columns(averages: &[UnitKpiAverage]) -> Vec<u16> {
    let col = |i: usize| u16::try_from(i + 2).unwrap_or(u16::MAX);
    if averages.len() <= TREND_CHART_UNITS {
        return std::iter::once(1)
            .chain((0..averages.len()).map(col))
            .collect();
    }
    let mut ranked: Vec<(usize, f64)> = averages
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.average.map(|v| (i, v)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let half = TREND_CHART_UNITS / 2;
    let mut chosen: Vec<usize> = ranked.iter().take(half).map(|(i, _)| *i).collect();
    chosen.extend(ranked.iter().rev().take(half).map(|(i, _)| *i));
    chosen.sort_unstable();
    chosen.dedup();
    std::iter::once(1)
        .chain(chosen.into_iter().map(col))
        .collect()
}
