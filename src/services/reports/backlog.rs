//! Approval backlog.

use super::*;

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
    scope: &UnitScope,
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
    let scope = resolve_units(conn, viewer, unit_id)?;
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
