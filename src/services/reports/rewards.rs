//! Rewards of published rounds.

use super::*;

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
