//! Grade distribution of the published rounds of a period.

use super::*;

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

pub fn grade_distribution_in(
    conn: &mut DbConnection,
    scope: &UnitScope,
    period: Period,
) -> AppResult<GradeDistribution> {
    // The period's published rounds of the scope, in tree order, and how many of each round's
    // people hold each grade (grouped in the database: no person's row is loaded).
    let ids: HashSet<i64> = scope.unit_ids.iter().copied().collect();
    let rounds: Vec<db::grading::Round> = db::grading::published_rounds(conn, &period.to_string())?
        .into_iter()
        .filter(|r| ids.contains(&r.unit_id))
        .collect();
    let mut units: HashMap<i64, Unit> =
        db::units::find_many(conn, &rounds.iter().map(|r| r.unit_id).collect::<Vec<_>>())?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
    let mut graded: HashMap<i64, Vec<Grade>> = HashMap::new();
    for (round, decided, proposed, n) in
        db::grading::grade_counts_of_rounds(conn, &rounds.iter().map(|r| r.id).collect::<Vec<_>>())?
    {
        let grade = final_grade_of(decided.as_deref(), &proposed);
        graded
            .entry(round)
            .or_default()
            .extend(std::iter::repeat_n(grade, usize::try_from(n).unwrap_or(0)));
    }
    let mut rounds: Vec<(db::grading::Round, Unit, Vec<Grade>)> = rounds
        .into_iter()
        .filter_map(|r| {
            let unit = units.remove(&r.unit_id)?;
            let g = graded.remove(&r.id).unwrap_or_default();
            Some((r, unit, g))
        })
        .collect();
    rounds.sort_by(|a, b| a.1.path.cmp(&b.1.path));
    let mut all = Vec::new();
    let mut by_level: BTreeMap<usize, (String, Vec<Grade>)> = BTreeMap::new();
    let mut by_unit = Vec::new();
    for (round, unit, g) in &rounds {
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
            counts: grade_counts(g),
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
    let scope = resolve_units(conn, viewer, unit_id)?;
    Labeled::of(&scope, grade_distribution_in(conn, &scope, period)?)
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
