//! Reports the organisation department pulls (rulebook "Reports the organisation department
//! pulls"), for a unit's subtree and a period: grade distribution of published rounds, under-logged
//! weeks, workload and staffing, anomalies, KPI ranking and trend, rewards, approval backlog.
//! The dashboard (`services::dashboard`) is these reports computed once and put side by side.
//!
//! No rule is re-implemented here: week summaries come from `services::weeks::summaries_for`,
//! KPI from `services::kpi::compute_with_leaders`, grades from the published rounds, rewards from
//! `services::exports::value_rewards`, anomaly flags from `domain::diary::anomalies`. Every input
//! is loaded in a fixed number of grouped queries (by unit, person or day; chunked over ids for
//! bind limits), never one query per person or unit and never the entries of a whole subtree.
//!
//! Decisions where the rulebook is silent:
//! - Scope: the organisation department and administrators read any unit; heads their own
//!   subtrees (another unit is 404); everyone else 403. Without `unit_id`: the whole organisation
//!   (organisation) or every subtree the caller heads.
//! - People are the subtree's *active* members today (the staff table keeps no membership
//!   history); a unit's figures are those of its direct members, subtree figures their sums.
//! - Entries count for hours and anomalies when submitted or approved ("logged"); drafts are not
//!   declared yet and returned entries were refused. Anomalies are counted per flagged entry and
//!   attributed to the entry's unit.
//! - Weeks of a period: the ISO weeks whose Thursday lies in it (the ISO rule for which month a
//!   week belongs to).
//! - Staffing: norm per person = the full-time 40-hour norm of the period's working days (contract
//!   hours, leave and joining dates are deliberately left out: staffing is about posts);
//!   workload = credited ÷ (norm × headcount); FTE needed = credited ÷ norm; surplus = headcount −
//!   FTE needed (positive: over-staffed).
//! - KPI averages: the mean total of the people who can be graded (not `not_graded`); ranks
//!   within a unit share a place on equal totals (1, 2, 2, 4); trends are monthly, the six months
//!   ending with the period's last month, live KPI with each unit's round policy and scores.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::staff::Staff;
use crate::db::units::Unit;
use crate::db::{self, DbConnection};
use crate::domain::calendar::{daily_norm, ContractSpan, Employment, UnderLogBasis};
use crate::domain::diary::{anomalies, Anomaly, DiaryPolicy, EntryFacts};
use crate::domain::grading::Grade;
use crate::domain::kpi::base_salary_on;
use crate::domain::org::in_subtree;
use crate::domain::period::{IsoWeek, Period};
use crate::domain::scope::Viewer;
use crate::domain::text::vietnamese_sort_key;
use crate::error::{AppError, AppResult};
use crate::i18n::GradeView;
use crate::services::exports::{
    thousands, value_rewards, Cell, ChartKind, ChartSpec, RewardLine, RewardPolicy, Sheet, Table,
};
use crate::services::kpi::{compute_with_leaders, threshold_grade, CommonInput, KpiRun, PersonKpi};
use crate::services::{calendar, weeks};

/// Months in a KPI trend.
pub const TREND_MONTHS: usize = 6;
/// People listed in a dashboard's "longest under-logged streaks".
pub const TOP_STREAKS: usize = 5;
/// Units listed as most over- and under-staffed.
pub const TOP_UNITS: usize = 3;

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 {
        n / d
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

/// A unit as reports show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    /// Unit id.
    pub unit_id: i64,
    /// Unit code.
    #[schema(example = "W1")]
    pub code: String,
    /// Unit name.
    #[schema(example = "Phường Một")]
    pub name: String,
    /// Level in the tree: `province`, `department`, `district`, `ward`, `office`.
    #[schema(example = "ward")]
    pub level: String,
    /// Parent unit (null for a root).
    pub parent_id: Option<i64>,
}

impl UnitRef {
    fn of(u: &Unit) -> UnitRef {
        UnitRef {
            unit_id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.clone(),
            parent_id: u.parent_id,
        }
    }
}

/// The part of the organisation a report covers, with its active people.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The subtree's root (None: the whole organisation, or several headed subtrees).
    pub root: Option<Unit>,
    /// Every unit of the subtree, parents before children.
    pub units: Vec<Unit>,
    pub unit_ids: Vec<i64>,
    /// Active people of those units, by id.
    pub people: Vec<Staff>,
    /// Positions in `people` of each unit's direct members.
    members: HashMap<i64, Vec<usize>>,
}

impl Scope {
    /// A unit's direct members.
    fn members(&self, unit_id: i64) -> impl Iterator<Item = &Staff> {
        self.members
            .get(&unit_id)
            .into_iter()
            .flatten()
            .filter_map(|i| self.people.get(*i))
    }

    fn has_members(&self, unit_id: i64) -> bool {
        self.members.contains_key(&unit_id)
    }

    fn unit(&self, id: i64) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    fn root_ref(&self) -> Option<UnitRef> {
        self.root.as_ref().map(UnitRef::of)
    }

    fn root_name(&self) -> String {
        self.root
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "Toàn tổ chức".to_owned())
    }

    fn root_code(&self) -> String {
        self.root
            .as_ref()
            .map(|u| u.code.clone())
            .unwrap_or_else(|| "all".to_owned())
    }
}

fn not_a_head() -> AppError {
    AppError::forbidden(
        "Chỉ thủ trưởng đơn vị và Ban Tổ chức được xem bảng điều khiển và báo cáo.",
        "Only unit heads and the organisation department may read dashboards and reports.",
    )
}

/// Resolves the subtree a caller asks for: 403 for plain staff, 404 for a unit that does not
/// exist or lies outside the caller's subtrees.
pub fn resolve_scope(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
) -> AppResult<Scope> {
    if !viewer.is_org_wide() && viewer.headed_paths.is_empty() {
        return Err(not_a_head());
    }
    let (root, units) = match unit_id {
        Some(id) => {
            let unit = db::units::find(conn, id)?.ok_or(AppError::NotFound)?;
            let visible = viewer.is_org_wide()
                || viewer
                    .headed_paths
                    .iter()
                    .any(|root| in_subtree(&unit.path, root));
            if !visible {
                return Err(AppError::NotFound);
            }
            let units = db::units::in_subtrees(conn, Some(std::slice::from_ref(&unit.path)))?;
            (Some(unit), units)
        }
        None if viewer.is_org_wide() => (None, db::units::in_subtrees(conn, None)?),
        None => {
            let units = db::units::in_subtrees(conn, Some(&viewer.headed_paths))?;
            // One outermost headed unit names the report; several leave it unnamed.
            let outer: Vec<&Unit> = units
                .iter()
                .filter(|u| viewer.headed_paths.contains(&u.path))
                .filter(|u| {
                    !viewer
                        .headed_paths
                        .iter()
                        .any(|p| p != &u.path && in_subtree(&u.path, p))
                })
                .collect();
            let root = match outer.as_slice() {
                [only] => Some((*only).clone()),
                _ => None,
            };
            (root, units)
        }
    };
    let unit_ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let people = if unit_ids.is_empty() {
        Vec::new()
    } else {
        db::staff::active_in_units(conn, Some(&unit_ids))?
    };
    let mut members: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        if let Some(u) = p.unit_id {
            members.entry(u).or_default().push(i);
        }
    }
    Ok(Scope {
        root,
        units,
        unit_ids,
        people,
        members,
    })
}

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
    use crate::services::grading::parse_body;
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
        for g in db::grading::grades_of_rounds(conn, &round_ids)? {
            let scores: Vec<f64> = g
                .evaluator_scores
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default();
            common.insert(
                (g.round_id, g.staff_id),
                CommonInput {
                    scores,
                    bonus: g.bonus,
                },
            );
        }
    }
    let default_policy = db::grading::default_policy(conn)?;
    let policies: HashMap<i64, db::grading::PolicyRow> = db::grading::policies_all(conn)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();

    // People grouped by the policy version that applies to them (None: built-in default).
    type Group = (Vec<Staff>, HashMap<i64, CommonInput>);
    let mut groups: BTreeMap<Option<i64>, Group> = BTreeMap::new();
    for p in people {
        let round = p.unit_id.and_then(|u| round_of_unit.get(&u).copied());
        let policy_id = round
            .map(|(_, pid)| pid)
            .or(default_policy.as_ref().map(|d| d.id));
        let group = groups.entry(policy_id).or_default();
        group.0.push(p.clone());
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
        };
        for (id, k) in compute_with_leaders(conn, &members, &run, &preset)? {
            let grade = threshold_grade(&k, &preset);
            out.insert(id, (k, grade));
        }
    }
    Ok(out)
}

/// Mean total of the people who can be graded, with their number.
fn kpi_average<'a>(kpis: impl Iterator<Item = &'a (PersonKpi, Grade)>) -> (Option<f64>, usize) {
    let totals: Vec<f64> = kpis
        .filter(|(k, _)| !k.breakdown.not_graded)
        .map(|(k, _)| k.breakdown.total)
        .collect();
    if totals.is_empty() {
        (None, 0)
    } else {
        // Not rounded: totals are already rounded once; display rounds the mean.
        (
            Some(totals.iter().sum::<f64>() / totals.len() as f64),
            totals.len(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Grade distribution (published rounds)
// ---------------------------------------------------------------------------------------------

/// How many people got one grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeCount {
    /// The grade `{code, label}` (label in the request language).
    pub grade: GradeView,
    /// People with this final grade.
    #[schema(example = 3)]
    pub count: usize,
    /// `count / total` in [0, 1] (0 when nobody was graded).
    #[schema(example = 0.5)]
    pub share: f64,
}

/// Counts of every grade, best first, `not_graded` last.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeCounts {
    /// People in published rounds.
    #[schema(example = 6)]
    pub total: usize,
    /// One item per grade (all five, zeros included).
    pub grades: Vec<GradeCount>,
}

fn grade_counts(grades: &[Grade]) -> GradeCounts {
    let total = grades.len();
    GradeCounts {
        total,
        grades: Grade::ALL
            .into_iter()
            .map(|g| {
                let count = grades.iter().filter(|x| **x == g).count();
                GradeCount {
                    grade: GradeView::of(g),
                    count,
                    share: ratio(count as f64, total as f64),
                }
            })
            .collect(),
    }
}

/// Grade counts of one level of the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelGrades {
    /// `province`, `department`, `district`, `ward` or `office`.
    #[schema(example = "ward")]
    pub level: String,
    /// Grades of people of units at that level.
    pub counts: GradeCounts,
}

/// Grade counts of one unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitGrades {
    /// The unit.
    pub unit: UnitRef,
    /// Its published round.
    pub round_id: i64,
    /// Grades of its people.
    pub counts: GradeCounts,
}

/// Grade distribution of the published rounds of a period in a subtree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeDistribution {
    /// The period.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Root unit (null: the whole organisation or several headed subtrees).
    pub root: Option<UnitRef>,
    /// The whole subtree.
    pub overall: GradeCounts,
    /// By level of the tree (levels with a published round only, in the order province,
    /// department, district, ward, office).
    pub by_level: Vec<LevelGrades>,
    /// By unit with a published round, in tree order.
    pub by_unit: Vec<UnitGrades>,
}

fn final_grade(g: &db::grading::GradeRow) -> Grade {
    Grade::parse(g.final_grade.as_deref().unwrap_or(&g.proposed_grade)).unwrap_or(Grade::NotGraded)
}

/// Published rounds of the scope's units, in tree order.
fn published_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
) -> AppResult<Vec<(db::grading::Round, Unit, Vec<db::grading::GradeRow>)>> {
    let ids: HashSet<i64> = scope.unit_ids.iter().copied().collect();
    let mut rounds: Vec<_> = crate::services::grading::published(conn, period)?
        .into_iter()
        .filter(|(r, _, _)| ids.contains(&r.unit_id))
        .collect();
    rounds.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    Ok(rounds)
}

pub fn grade_distribution_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
) -> AppResult<GradeDistribution> {
    let rounds = published_in(conn, scope, period)?;
    let mut all = Vec::new();
    let mut by_level: BTreeMap<usize, (String, Vec<Grade>)> = BTreeMap::new();
    let mut by_unit = Vec::new();
    for (round, unit, grades) in &rounds {
        let g: Vec<Grade> = grades.iter().map(final_grade).collect();
        let order = crate::domain::org::UnitLevel::parse(&unit.level)
            .and_then(|l| {
                crate::domain::org::UnitLevel::ALL
                    .iter()
                    .position(|x| *x == l)
            })
            .unwrap_or(usize::MAX);
        by_level
            .entry(order)
            .or_insert_with(|| (unit.level.clone(), Vec::new()))
            .1
            .extend(g.iter().copied());
        all.extend(g.iter().copied());
        by_unit.push(UnitGrades {
            unit: UnitRef::of(unit),
            round_id: round.id,
            counts: grade_counts(&g),
        });
    }
    Ok(GradeDistribution {
        period: period.to_string(),
        root: scope.root_ref(),
        overall: grade_counts(&all),
        by_level: by_level
            .into_values()
            .map(|(level, g)| LevelGrades {
                level,
                counts: grade_counts(&g),
            })
            .collect(),
        by_unit,
    })
}

/// The grade distribution report.
pub fn grade_distribution(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
) -> AppResult<Labeled<GradeDistribution>> {
    let scope = resolve_scope(conn, viewer, unit_id)?;
    Labeled::of(&scope, grade_distribution_in(conn, &scope, period)?)
}

fn level_vi(level: &str) -> &str {
    match level {
        "province" => "Cấp tỉnh",
        "department" => "Sở, ban, ngành",
        "district" => "Cấp huyện",
        "ward" => "Cấp xã",
        "office" => "Phòng, đơn vị trực thuộc",
        other => other,
    }
}

/// The distribution as sheets: the overall counts (with a column and a pie chart) and the counts
/// by level and by unit.
pub fn grade_distribution_sheets(d: &GradeDistribution, scope_name: &str) -> Vec<Sheet> {
    let meta = vec![
        ("Đơn vị".to_owned(), scope_name.to_owned()),
        ("Kỳ".to_owned(), d.period.clone()),
    ];
    let overall = Table {
        sheet_name: "Phân bố xếp loại".to_owned(),
        title: "PHÂN BỐ XẾP LOẠI CHẤT LƯỢNG (KẾT QUẢ ĐÃ CÔNG BỐ)".to_owned(),
        meta: meta.clone(),
        headers: vec!["Xếp loại".into(), "Số người".into(), "Tỷ lệ".into()],
        rows: d
            .overall
            .grades
            .iter()
            .map(|g| {
                vec![
                    Cell::Text(g.grade.code.label_vi().to_owned()),
                    Cell::Int(g.count as i64),
                    Cell::Ratio(g.share),
                ]
            })
            .collect(),
        footer: Some(vec![
            Cell::Text("Tổng cộng".into()),
            Cell::Int(d.overall.total as i64),
            Cell::Blank,
        ]),
    };
    let mut headers = vec!["Cấp / đơn vị".to_owned(), "Tổng số".to_owned()];
    for g in Grade::ALL {
        headers.push(g.label_vi().to_owned());
        headers.push(format!("Tỷ lệ {}", g.label_vi().to_lowercase()));
    }
    let counts_row = |name: String, c: &GradeCounts| {
        let mut row = vec![Cell::Text(name), Cell::Int(c.total as i64)];
        for g in &c.grades {
            row.push(Cell::Int(g.count as i64));
            row.push(Cell::Ratio(g.share));
        }
        row
    };
    let mut rows: Vec<Vec<Cell>> = d
        .by_level
        .iter()
        .map(|l| counts_row(level_vi(&l.level).to_owned(), &l.counts))
        .collect();
    rows.extend(
        d.by_unit
            .iter()
            .map(|u| counts_row(u.unit.name.clone(), &u.counts)),
    );
    let detail = Table {
        sheet_name: "Theo cấp và đơn vị".to_owned(),
        title: "PHÂN BỐ XẾP LOẠI THEO CẤP VÀ THEO ĐƠN VỊ".to_owned(),
        meta,
        headers,
        rows,
        footer: None,
    };
    vec![
        Sheet {
            table: overall,
            charts: vec![
                ChartSpec {
                    kind: ChartKind::Column,
                    title: "Số người theo xếp loại".to_owned(),
                    category_col: 0,
                    value_cols: vec![1],
                    value_axis: Some("Số người".to_owned()),
                },
                ChartSpec {
                    kind: ChartKind::Pie,
                    title: "Cơ cấu xếp loại".to_owned(),
                    category_col: 0,
                    value_cols: vec![1],
                    value_axis: None,
                },
            ],
        },
        Sheet {
            table: detail,
            charts: Vec::new(),
        },
    ]
}

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

pub fn staffing_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
    kpis: &HashMap<i64, (PersonKpi, Grade)>,
) -> AppResult<StaffingReport> {
    let cal = calendar::load_calendar(conn, period.first_day(), period.last_day())?;
    let (working_days, norm) = norm_per_person(&cal, period);
    let ids: Vec<i64> = scope.people.iter().map(|p| p.id).collect();
    // Logged (submitted + approved) and approved minutes by person, from the daily totals.
    let logged: HashMap<i64, (i64, i64)> =
        db::totals::minutes_by_person(conn, &ids, period.first_day(), period.last_day())?
            .into_iter()
            .map(|(staff, logged, approved)| (staff, (logged, approved)))
            .collect();
    let figures = |members: &[&Staff]| -> (Hours, (Option<f64>, usize)) {
        let mut h = Hours::default();
        for m in members {
            if let Some((k, _)) = kpis.get(&m.id) {
                h.expected += k.breakdown.expected;
                h.credited += k.breakdown.credited;
            }
            if let Some((l, a)) = logged.get(&m.id) {
                h.logged += l;
                h.approved += a;
            }
        }
        let avg = kpi_average(members.iter().filter_map(|m| kpis.get(&m.id)));
        (h, avg)
    };
    let staffing = |headcount: usize, credited: i64| {
        let s = crate::domain::staffing::staffing(credited, norm, headcount);
        (s.workload, s.fte_needed, s.surplus)
    };
    let mut units = Vec::new();
    for u in &scope.units {
        let members: Vec<&Staff> = scope.members(u.id).collect();
        let (hours, (kpi_average, kpi_people)) = figures(&members);
        let (workload, fte_needed, surplus) = staffing(members.len(), hours.credited);
        units.push(UnitStaffing {
            unit: UnitRef::of(u),
            headcount: members.len(),
            hours,
            workload,
            fte_needed,
            surplus,
            kpi_average,
            kpi_people,
        });
    }
    let everyone: Vec<&Staff> = scope.people.iter().collect();
    let (hours, _) = figures(&everyone);
    let (workload, fte_needed, surplus) = staffing(everyone.len(), hours.credited);
    // Only units with people or work can be over or under staffed.
    let mut ranked: Vec<&UnitStaffing> = units
        .iter()
        .filter(|u| u.headcount > 0 || u.hours.credited > 0)
        .collect();
    ranked.sort_by(|a, b| {
        b.surplus
            .total_cmp(&a.surplus)
            .then(a.unit.unit_id.cmp(&b.unit.unit_id))
    });
    let most_over_staffed = ranked
        .iter()
        .filter(|u| u.surplus > 0.0)
        .take(TOP_UNITS)
        .map(|u| u.unit.unit_id)
        .collect();
    let most_under_staffed = ranked
        .iter()
        .rev()
        .filter(|u| u.surplus < 0.0)
        .take(TOP_UNITS)
        .map(|u| u.unit.unit_id)
        .collect();
    Ok(StaffingReport {
        period: period.to_string(),
        root: scope.root_ref(),
        working_days,
        norm_per_person: norm,
        headcount: scope.people.len(),
        hours,
        workload,
        fte_needed,
        surplus,
        units,
        most_over_staffed,
        most_under_staffed,
    })
}

/// The staffing report of a subtree.
pub fn staffing(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<Labeled<StaffingReport>> {
    let scope = resolve_scope(conn, viewer, unit_id)?;
    let kpis = kpi_of_period(conn, &scope.people, period, today)?;
    Labeled::of(&scope, staffing_in(conn, &scope, period, &kpis)?)
}

fn hours(minutes: i64) -> Cell {
    Cell::Score(minutes as f64 / 60.0)
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
    scope: &Scope,
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
    let scope = resolve_scope(conn, viewer, unit_id)?;
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

/// The trend (the period's own KPI is passed in, the other five months are computed).
pub fn kpi_trend_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
    current: &HashMap<i64, (PersonKpi, Grade)>,
    today: NaiveDate,
) -> AppResult<Vec<KpiTrendPoint>> {
    let mut out = Vec::new();
    for month in trend_months(period, TREND_MONTHS) {
        let computed;
        let kpis = if month == period {
            current
        } else {
            computed = kpi_of_period(conn, &scope.people, month, today)?;
            &computed
        };
        let (units, average, people) = unit_averages(scope, kpis);
        out.push(KpiTrendPoint {
            period: month.to_string(),
            average,
            people,
            units,
        });
    }
    Ok(out)
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
        trend: kpi_trend_in(conn, scope, period, kpis, today)?,
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

// ---------------------------------------------------------------------------------------------
// Rewards of published rounds
// ---------------------------------------------------------------------------------------------

/// One person's reward.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RewardPerson {
    /// The person.
    pub staff_id: i64,
    /// Full name.
    pub full_name: String,
    /// Final grade.
    pub grade: GradeView,
    /// VND for the grade.
    pub grade_amount: i64,
    /// VND for initiatives.
    pub initiative_amount: i64,
    /// Sum (VND).
    pub total: i64,
}

impl RewardPerson {
    fn of(l: RewardLine) -> RewardPerson {
        RewardPerson {
            staff_id: l.staff_id,
            full_name: l.full_name,
            grade: GradeView::of(l.grade),
            grade_amount: l.grade_amount,
            initiative_amount: l.initiative_amount,
            total: l.total,
        }
    }
}

/// Rewards of one unit's published round.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRewards {
    /// The unit.
    pub unit: UnitRef,
    /// The round.
    pub round_id: i64,
    /// People in Vietnamese name order.
    pub people: Vec<RewardPerson>,
    /// Sum of the grade amounts (VND).
    pub grade_total: i64,
    /// Sum of the initiative amounts (VND).
    pub initiative_total: i64,
    /// The unit's total (VND).
    pub total: i64,
}

/// Rewards of the published rounds of a period across a subtree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RewardsReport {
    /// The period.
    #[schema(example = "2026-10")]
    pub period: String,
    /// Root unit (null: the whole organisation or several headed subtrees).
    pub root: Option<UnitRef>,
    /// The period's last day: the base salary in force that day values the rewards.
    pub valued_on: NaiveDate,
    /// Base salary in force on `valued_on` (VND).
    #[schema(example = 2_530_000)]
    pub base_salary: Option<i64>,
    /// Units with a published round, in tree order.
    pub units: Vec<UnitRewards>,
    /// Sum of the grade amounts (VND).
    pub grade_total: i64,
    /// Sum of the initiative amounts (VND).
    pub initiative_total: i64,
    /// Grand total (VND).
    pub total: i64,
}

fn checked_sum(mut values: impl Iterator<Item = i64>) -> AppResult<i64> {
    values.try_fold(0i64, |acc, v| {
        acc.checked_add(v)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("reward total overflows")))
    })
}

pub fn rewards_in(
    conn: &mut DbConnection,
    scope: &Scope,
    period: Period,
) -> AppResult<RewardsReport> {
    let rounds = published_in(conn, scope, period)?;
    let policies: HashMap<i64, db::grading::PolicyRow> = db::grading::policies_all(conn)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let ids: Vec<i64> = rounds
        .iter()
        .flat_map(|(_, _, g)| g.iter().map(|g| g.staff_id))
        .collect();
    let names: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        db::staff::names_of(conn, &ids)?.into_iter().collect()
    };
    let valued_on = period.last_day();
    let mut units = Vec::new();
    for (round, unit, grades) in rounds {
        let rules = match policies.get(&round.policy_id) {
            Some(p) => RewardPolicy::of(p)?,
            None => RewardPolicy::default(),
        };
        let mut people: Vec<(i64, String, Grade, f64)> = grades
            .iter()
            .map(|g| {
                (
                    g.staff_id,
                    names.get(&g.staff_id).cloned().unwrap_or_default(),
                    final_grade(g),
                    g.bonus,
                )
            })
            .collect();
        people.sort_by_cached_key(|(id, name, ..)| (vietnamese_sort_key(name), *id));
        let lines = value_rewards(&rules, valued_on, &people)?;
        let grade_total = checked_sum(lines.iter().map(|l| l.grade_amount))?;
        let initiative_total = checked_sum(lines.iter().map(|l| l.initiative_amount))?;
        let total = checked_sum(lines.iter().map(|l| l.total))?;
        units.push(UnitRewards {
            unit: UnitRef::of(&unit),
            round_id: round.id,
            people: lines.into_iter().map(RewardPerson::of).collect(),
            grade_total,
            initiative_total,
            total,
        });
    }
    Ok(RewardsReport {
        period: period.to_string(),
        root: scope.root_ref(),
        valued_on,
        base_salary: base_salary_on(valued_on),
        grade_total: checked_sum(units.iter().map(|u| u.grade_total))?,
        initiative_total: checked_sum(units.iter().map(|u| u.initiative_total))?,
        total: checked_sum(units.iter().map(|u| u.total))?,
        units,
    })
}

/// The rewards report of a subtree.
pub fn rewards_report(
    conn: &mut DbConnection,
    viewer: &Viewer,
    period: Period,
    unit_id: Option<i64>,
) -> AppResult<Labeled<RewardsReport>> {
    let scope = resolve_scope(conn, viewer, unit_id)?;
    Labeled::of(&scope, rewards_in(conn, &scope, period)?)
}

pub fn rewards_sheets(r: &RewardsReport, scope_name: &str) -> Vec<Sheet> {
    let mut rows = Vec::new();
    for u in &r.units {
        for p in &u.people {
            rows.push(vec![
                Cell::Text(u.unit.name.clone()),
                Cell::Text(p.full_name.clone()),
                Cell::Text(p.grade.code.label_vi().to_owned()),
                Cell::Money(p.grade_amount),
                Cell::Money(p.initiative_amount),
                Cell::Money(p.total),
            ]);
        }
        rows.push(vec![
            Cell::Text(format!("Cộng {}", u.unit.name)),
            Cell::Blank,
            Cell::Blank,
            Cell::Money(u.grade_total),
            Cell::Money(u.initiative_total),
            Cell::Money(u.total),
        ]);
    }
    vec![Sheet {
        table: Table {
            sheet_name: "Khen thưởng".to_owned(),
            title: "TỔNG HỢP TIỀN THƯỞNG THEO KẾT QUẢ XẾP LOẠI ĐÃ CÔNG BỐ".to_owned(),
            meta: vec![
                ("Đơn vị".to_owned(), scope_name.to_owned()),
                ("Kỳ".to_owned(), r.period.clone()),
                (
                    format!("Mức lương cơ sở ngày {}", r.valued_on.format("%d/%m/%Y")),
                    r.base_salary
                        .map(|b| format!("{} đồng", thousands(b, '.')))
                        .unwrap_or_else(|| "chưa có".to_owned()),
                ),
            ],
            headers: [
                "Đơn vị",
                "Họ và tên",
                "Xếp loại",
                "Thưởng xếp loại (đồng)",
                "Thưởng sáng kiến (đồng)",
                "Tổng tiền thưởng (đồng)",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows,
            footer: Some(vec![
                Cell::Text("Tổng cộng".to_owned()),
                Cell::Blank,
                Cell::Blank,
                Cell::Money(r.grade_total),
                Cell::Money(r.initiative_total),
                Cell::Money(r.total),
            ]),
        },
        charts: Vec::new(),
    }]
}

// ---------------------------------------------------------------------------------------------
// Approval backlog
// ---------------------------------------------------------------------------------------------

/// Entries waiting for one approver.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApproverBacklog {
    /// The approver (null: no approver could be resolved).
    pub approver_id: Option<i64>,
    /// Their name.
    pub approver_name: Option<String>,
    /// Submitted entries waiting.
    #[schema(example = 4)]
    pub waiting: i64,
    /// The earliest submission among them (RFC 3339, UTC).
    pub oldest_submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Days since that submission (organisation's local dates).
    #[schema(example = 3)]
    pub oldest_age_days: i64,
    /// The earliest work date among them.
    pub oldest_work_date: Option<NaiveDate>,
}

/// Submitted entries of a subtree waiting for a decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklogReport {
    /// Root unit (null: the whole organisation or several headed subtrees).
    pub root: Option<UnitRef>,
    /// The organisation's local date the ages are counted to.
    pub as_of: NaiveDate,
    /// Entries waiting.
    #[schema(example = 4)]
    pub waiting: i64,
    /// Age in days of the oldest waiting submission (0 when nothing waits).
    #[schema(example = 3)]
    pub oldest_age_days: i64,
    /// Per approver: most waiting first, then oldest first.
    pub approvers: Vec<ApproverBacklog>,
}

pub fn backlog_in(
    conn: &mut DbConnection,
    scope: &Scope,
    today: NaiveDate,
    utc_offset_minutes: i32,
) -> AppResult<BacklogReport> {
    let offset = Duration::minutes(i64::from(utc_offset_minutes));
    let mut merged: BTreeMap<Option<i64>, (i64, Option<NaiveDateTime>, Option<NaiveDate>)> =
        BTreeMap::new();
    for (approver, n, first_sub, first_day) in
        db::entries::backlog_by_approver(conn, &scope.unit_ids)?
    {
        let e = merged.entry(approver).or_default();
        e.0 += n;
        e.1 = match (e.1, first_sub) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        e.2 = match (e.2, first_day) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let ids: Vec<i64> = merged.keys().flatten().copied().collect();
    let names: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        db::staff::names_of(conn, &ids)?.into_iter().collect()
    };
    let mut approvers: Vec<ApproverBacklog> = merged
        .into_iter()
        .map(
            |(approver, (waiting, first_sub, first_day))| ApproverBacklog {
                approver_id: approver,
                approver_name: approver.and_then(|a| names.get(&a).cloned()),
                waiting,
                oldest_submitted_at: first_sub.map(|t| t.and_utc()),
                oldest_age_days: first_sub
                    .map(|t| (today - (t + offset).date()).num_days().max(0))
                    .unwrap_or(0),
                oldest_work_date: first_day,
            },
        )
        .collect();
    approvers.sort_by(|a, b| {
        b.waiting
            .cmp(&a.waiting)
            .then(b.oldest_age_days.cmp(&a.oldest_age_days))
            .then(a.approver_id.cmp(&b.approver_id))
    });
    Ok(BacklogReport {
        root: scope.root_ref(),
        as_of: today,
        waiting: approvers.iter().map(|a| a.waiting).sum(),
        oldest_age_days: approvers
            .iter()
            .map(|a| a.oldest_age_days)
            .max()
            .unwrap_or(0),
        approvers,
    })
}

/// The approval backlog of a subtree.
pub fn backlog_report(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: Option<i64>,
    today: NaiveDate,
    utc_offset_minutes: i32,
) -> AppResult<Labeled<BacklogReport>> {
    let scope = resolve_scope(conn, viewer, unit_id)?;
    Labeled::of(&scope, backlog_in(conn, &scope, today, utc_offset_minutes)?)
}

pub fn backlog_sheets(r: &BacklogReport, scope_name: &str) -> Vec<Sheet> {
    vec![Sheet {
        table: Table {
            sheet_name: "Tồn đọng phê duyệt".to_owned(),
            title: "NHẬT KÝ CHỜ PHÊ DUYỆT THEO NGƯỜI DUYỆT".to_owned(),
            meta: vec![
                ("Đơn vị".to_owned(), scope_name.to_owned()),
                (
                    "Tính đến ngày".to_owned(),
                    r.as_of.format("%d/%m/%Y").to_string(),
                ),
            ],
            headers: [
                "Người duyệt",
                "Số dòng chờ duyệt",
                "Ngày làm việc sớm nhất",
                "Số ngày chờ lâu nhất",
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows: r
                .approvers
                .iter()
                .map(|a| {
                    vec![
                        Cell::Text(
                            a.approver_name
                                .clone()
                                .unwrap_or_else(|| "Chưa xác định người duyệt".to_owned()),
                        ),
                        Cell::Int(a.waiting),
                        a.oldest_work_date
                            .map(|d| Cell::Text(d.format("%d/%m/%Y").to_string()))
                            .unwrap_or(Cell::Blank),
                        Cell::Int(a.oldest_age_days),
                    ]
                })
                .collect(),
            footer: Some(vec![
                Cell::Text("Tổng cộng".to_owned()),
                Cell::Int(r.waiting),
                Cell::Blank,
                Cell::Int(r.oldest_age_days),
            ]),
        },
        charts: Vec::new(),
    }]
}

/// A report with the name and code of the part of the organisation it covers (for titles and
/// file names).
#[derive(Debug, Clone)]
pub struct Labeled<T> {
    pub scope_name: String,
    pub scope_code: String,
    pub report: T,
}

impl<T> Labeled<T> {
    pub fn of(scope: &Scope, report: T) -> AppResult<Labeled<T>> {
        Ok(Labeled {
            scope_name: scope.root_name(),
            scope_code: scope.root_code(),
            report,
        })
    }
}

/// Unit lookup for the dashboard.
pub fn unit_ref(scope: &Scope, id: i64) -> Option<UnitRef> {
    scope.unit(id).map(UnitRef::of)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn month(s: &str) -> Period {
        Period::parse(s).expect("period")
    }

    #[test]
    fn weeks_of_a_month_are_those_whose_thursday_lies_in_it() {
        let w =
            |p: &str| -> Vec<String> { weeks_of(month(p)).iter().map(|w| w.to_string()).collect() };
        // October 2026: Thursdays 1, 8, 15, 22, 29.
        assert_eq!(
            w("2026-10"),
            ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
        );
        // November 2026: Thursdays 5, 12, 19, 26 (W44's Thursday is 29 October).
        assert_eq!(
            w("2026-11"),
            ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
        );
        // January 2027 starts on a Friday: its first days belong to 2026-W53.
        assert_eq!(w("2027-01").first().map(String::as_str), Some("2027-W01"));
    }

    #[test]
    fn trends_are_the_six_months_ending_with_the_period() {
        let t: Vec<String> = trend_months(month("2026-02"), 6)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            t,
            ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
        );
        // A quarter ends with its last month.
        assert_eq!(
            trend_months(month("2026-Q4"), 6)
                .last()
                .map(|p| p.to_string()),
            Some("2026-12".to_owned())
        );
    }

    #[test]
    fn ratios_of_nothing_are_zero() {
        assert_eq!(ratio(1.0, 0.0), 0.0);
        assert_eq!(ratio(1.0, 4.0), 0.25);
        let counts = grade_counts(&[Grade::Good, Grade::Good, Grade::Excellent, Grade::NotGraded]);
        assert_eq!(counts.total, 4);
        assert_eq!(counts.grades[1].count, 2);
        assert_eq!(counts.grades[1].share, 0.5);
        assert_eq!(grade_counts(&[]).grades[0].share, 0.0);
    }
}

#[cfg(test)]
mod trend_chart_tests {
    use super::*;

    fn averages(values: &[Option<f64>]) -> Vec<UnitKpiAverage> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| UnitKpiAverage {
                unit_id: i as i64 + 100,
                average: *v,
                people: 3,
            })
            .collect()
    }

    #[test]
    fn few_units_are_all_drawn() {
        let a = averages(&[Some(80.0), None, Some(70.0)]);
        assert_eq!(trend_chart_columns(&a), vec![1, 2, 3, 4]);
    }

    #[test]
    fn six_hundred_units_draw_the_average_and_the_five_best_and_worst() {
        // Unit i averages i / 10 points, except every 7th which has nobody gradeable.
        let values: Vec<Option<f64>> = (0..600)
            .map(|i| (i % 7 != 3).then_some(i as f64 / 10.0))
            .collect();
        let cols = trend_chart_columns(&averages(&values));
        assert_eq!(cols.len(), 1 + TREND_CHART_UNITS);
        assert_eq!(cols[0], 1, "the overall average first");
        // Worst: units 0, 1, 2, 4, 5 (3 has no average); best: 599, 597, 596, 595, 594 (598 has
        // none). Columns are unit index + 2.
        assert_eq!(&cols[1..], &[2, 3, 4, 6, 7, 596, 597, 598, 599, 601]);
    }
}
