//! `seed-demo`: a deterministic demo organisation at a chosen scale (up to province scale:
//! 20,000 staff in ~600 units, 4 entries per person per working day, 3 months ≈ 5 million
//! entries), written with multi-row inserts so that it takes minutes, not hours.
//!
//! Everybody's password is [`DEMO_PASSWORD`], hashed once and shared (argon2 per person would
//! take hours). Usernames: `nv00001`, `nv00002`, … (the first person of each unit is its head) and
//! `tochuc` for the organisation department.

use std::time::Instant;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::password::hash_password;
use crate::db::entries::SeedEntry;
use crate::db::products::NewProduct;
use crate::db::staff::{NewContract, NewStaff};
use crate::db::units::NewUnit;
use crate::db::{self, DbConnection};
use crate::domain::diary::EntryState;

/// The password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "Demo-worklog-2026";
/// The organisation-department account of the demo.
pub const DEMO_ORG_USER: &str = "tochuc";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub staff: usize,
    pub units: usize,
    pub months: u32,
    pub entries_per_day: u32,
    pub seed: u64,
    pub force: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub units: usize,
    pub staff: usize,
    pub products: usize,
    pub working_days: usize,
    pub entries: usize,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The unit with the most members (for benchmarks).
    pub largest_unit_id: i64,
    pub largest_unit_head: String,
    pub largest_unit_members: usize,
}

const FAMILY: [&str; 16] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: [&str; 10] = [
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Hoàng",
];
const GIVEN: [&str; 30] = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quân", "Sơn", "Tâm",
    "Thảo", "Trang", "Trung", "Tuấn", "Vân", "Yến",
];
const DEPARTMENTS: [&str; 12] = [
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Tư pháp",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Dân tộc và Tôn giáo",
    "Thanh tra tỉnh",
];
const OFFICES: [&str; 8] = [
    "Văn phòng",
    "Phòng Tổ chức - Hành chính",
    "Phòng Kế hoạch - Tài chính",
    "Phòng Nghiệp vụ",
    "Phòng Pháp chế",
    "Phòng Thanh tra",
    "Phòng Quản lý chuyên ngành",
    "Trung tâm Dịch vụ công",
];
/// (name, measuring unit, standard minutes)
const PRODUCTS: [(&str, &str, i32); 30] = [
    ("Thẩm định hồ sơ cấp phép", "hồ sơ", 60),
    ("Tiếp nhận hồ sơ một cửa", "hồ sơ", 15),
    ("Trả kết quả thủ tục hành chính", "hồ sơ", 10),
    ("Soạn thảo văn bản hành chính", "văn bản", 90),
    ("Soạn thảo tờ trình", "văn bản", 120),
    ("Góp ý dự thảo văn bản", "văn bản", 60),
    ("Xử lý văn bản đến", "văn bản", 15),
    ("Lập báo cáo định kỳ", "báo cáo", 180),
    ("Lập báo cáo chuyên đề", "báo cáo", 240),
    ("Tổng hợp số liệu thống kê", "bảng", 90),
    ("Họp giao ban", "cuộc họp", 60),
    ("Tham dự hội nghị", "cuộc họp", 120),
    ("Tổ chức hội nghị", "cuộc họp", 240),
    ("Kiểm tra thực địa", "lượt", 180),
    ("Thanh tra, kiểm tra chuyên ngành", "cuộc", 240),
    ("Tiếp công dân", "lượt", 30),
    ("Giải quyết đơn thư", "đơn", 90),
    ("Hướng dẫn nghiệp vụ", "lượt", 45),
    ("Cập nhật cơ sở dữ liệu", "bản ghi", 5),
    ("Số hóa hồ sơ lưu trữ", "hồ sơ", 20),
    ("Lập dự toán", "bản", 180),
    ("Thẩm định dự toán", "bản", 120),
    ("Kiểm soát chi", "chứng từ", 10),
    ("Quyết toán", "bản", 240),
    ("Xây dựng kế hoạch", "kế hoạch", 180),
    ("Tuyên truyền, phổ biến pháp luật", "buổi", 120),
    ("Trực cơ quan", "ca", 240),
    ("Tập huấn, bồi dưỡng", "buổi", 240),
    ("Trả lời kiến nghị cử tri", "văn bản", 90),
    ("Công việc khác được giao", "việc", 60),
];

struct DemoUnit {
    id: i64,
    parent: Option<usize>,
    members: usize,
    /// Index in the people list of the head (the unit's first member).
    head: usize,
}

struct Person {
    unit: usize,
    id: i64,
}

fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN))
}

/// Fills the database with the demo organisation. `today` is the organisation's local date; the
/// diary covers the working days from `months` months ago to yesterday. `progress` receives one
/// line per step.
pub fn seed(
    conn: &mut DbConnection,
    opts: &DemoOptions,
    today: NaiveDate,
    totals_policy: &crate::services::totals::TotalsPolicy,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<DemoSummary> {
    let started = Instant::now();
    if opts.units < 2 {
        anyhow::bail!("--units must be at least 2");
    }
    if opts.staff < 2 * opts.units {
        anyhow::bail!("--staff must be at least twice --units (a head and one member per unit)");
    }
    if opts.entries_per_day == 0 || opts.entries_per_day > 16 {
        anyhow::bail!("--entries-per-day must be 1..=16");
    }
    let others = db::staff::count_non_admin(conn)?;
    if others > 0 && !opts.force {
        anyhow::bail!(
            "the database already has {others} account(s) besides administrators; \
             seed-demo fills empty databases only (use --force to add the demo anyway)"
        );
    }
    if db::staff::find_by_username(conn, "nv00001")?.is_some()
        || db::staff::find_by_username(conn, DEMO_ORG_USER)?.is_some()
    {
        anyhow::bail!("the demo is already seeded here (user nv00001 or {DEMO_ORG_USER} exists)");
    }

    crate::services::calendar::seed_statutory_holidays(conn)
        .map_err(|e| anyhow::anyhow!("seeding holidays: {e}"))?;
    crate::services::grading::seed_policies(conn)
        .map_err(|e| anyhow::anyhow!("seeding grading policies: {e}"))?;

    let mut rng = StdRng::seed_from_u64(opts.seed);
    let from = today
        .checked_sub_months(Months::new(opts.months))
        .ok_or_else(|| anyhow::anyhow!("--months out of range"))?;
    let to = today - Duration::days(1);
    let calendar = crate::services::calendar::load_calendar(conn, from, to)
        .map_err(|e| anyhow::anyhow!("loading the calendar: {e}"))?;
    let days = calendar.working_days(from, to);
    let joined = from - Duration::days(365);
    let created = at(joined, 1);

    // Unit tree: a province root, ~5 % departments/districts, the rest offices/wards under them.
    let n_top = ((opts.units as f64 * 0.05).round() as usize).clamp(1, opts.units - 1);
    let n_leaf = opts.units - 1 - n_top;
    let mut units: Vec<DemoUnit> = Vec::with_capacity(opts.units);
    let mut weights: Vec<u32> = Vec::with_capacity(opts.units);
    db::write_transaction::<_, anyhow::Error, _>(conn, |conn| {
        let root_id = db::units::insert(
            conn,
            NewUnit {
                code: "DEMO",
                name: "UBND tỉnh Demo",
                level: "province",
                parent_id: None,
                head_id: None,
                path: "",
                active: true,
                version: 1,
                created_at: created,
                updated_at: created,
            },
            None,
        )?;
        let root_path = crate::domain::org::unit_path(None, root_id);
        units.push(DemoUnit {
            id: root_id,
            parent: None,
            members: 0,
            head: 0,
        });
        weights.push(6);
        let mut top_paths = Vec::with_capacity(n_top);
        for t in 0..n_top {
            let district = t % 3 == 2;
            let (name, level) = if district {
                (format!("UBND huyện Demo {}", t + 1), "district")
            } else {
                let base = DEPARTMENTS[t % DEPARTMENTS.len()];
                let name = if t < DEPARTMENTS.len() {
                    base.to_string()
                } else {
                    format!("{base} ({})", t + 1)
                };
                (name, "department")
            };
            let code = format!("DEMO-{:03}", t + 1);
            let id = db::units::insert(
                conn,
                NewUnit {
                    code: &code,
                    name: &name,
                    level,
                    parent_id: Some(root_id),
                    head_id: None,
                    path: "",
                    active: true,
                    version: 1,
                    created_at: created,
                    updated_at: created,
                },
                Some(&root_path),
            )?;
            top_paths.push(crate::domain::org::unit_path(Some(&root_path), id));
            units.push(DemoUnit {
                id,
                parent: Some(0),
                members: 0,
                head: 0,
            });
            weights.push(rng.gen_range(3..=6));
        }
        for l in 0..n_leaf {
            let t = l % n_top;
            let k = l / n_top + 1;
            let district = t % 3 == 2;
            let (name, level) = if district {
                (
                    format!(
                        "UBND {} {k} (huyện {})",
                        if k.is_multiple_of(2) {
                            "phường"
                        } else {
                            "xã"
                        },
                        t + 1
                    ),
                    "ward",
                )
            } else {
                (
                    format!("{} {k} - {}", OFFICES[(k - 1) % OFFICES.len()], t + 1),
                    "office",
                )
            };
            let code = format!("DEMO-{:03}-{k:03}", t + 1);
            let parent_id = units[t + 1].id;
            let id = db::units::insert(
                conn,
                NewUnit {
                    code: &code,
                    name: &name,
                    level,
                    parent_id: Some(parent_id),
                    head_id: None,
                    path: "",
                    active: true,
                    version: 1,
                    created_at: created,
                    updated_at: created,
                },
                Some(&top_paths[t]),
            )?;
            units.push(DemoUnit {
                id,
                parent: Some(t + 1),
                members: 0,
                head: 0,
            });
            weights.push(rng.gen_range(1..=4));
        }
        Ok(())
    })?;
    progress(&format!(
        "units: {} ({} departments/districts) in {:.1}s",
        units.len(),
        n_top,
        started.elapsed().as_secs_f64()
    ));

    // Staff: at least two per unit, the rest by weight; the first member heads the unit.
    let total_w: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let spare = opts.staff - 2 * units.len();
    let mut assigned = 0;
    for (u, w) in units.iter_mut().zip(&weights) {
        u.members = 2 + (spare as u64 * u64::from(*w) / total_w) as usize;
        assigned += u.members;
    }
    let mut i = 0;
    let n_units = units.len();
    while assigned < opts.staff {
        units[i % n_units].members += 1;
        assigned += 1;
        i += 1;
    }
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut people: Vec<Person> = Vec::with_capacity(opts.staff);
    let mut rows: Vec<NewStaff> = Vec::with_capacity(opts.staff + 1);
    for (ui, u) in units.iter_mut().enumerate() {
        u.head = people.len();
        for m in 0..u.members {
            let n = people.len() + 1;
            let full_name = format!(
                "{} {} {}",
                FAMILY[rng.gen_range(0..FAMILY.len())],
                MIDDLE[rng.gen_range(0..MIDDLE.len())],
                GIVEN[rng.gen_range(0..GIVEN.len())]
            );
            let head = m == 0;
            rows.push(NewStaff {
                unit_id: Some(u.id),
                supervisor_id: None,
                username: format!("nv{n:05}"),
                password_hash: Some(hash.clone()),
                full_name,
                email: None,
                position: Some(
                    if head {
                        "Thủ trưởng"
                    } else {
                        "Chuyên viên"
                    }
                    .to_string(),
                ),
                roles: if head { "staff,head" } else { "staff" }.to_string(),
                is_leader: head,
                joined_on: Some(joined),
                left_on: None,
                active: true,
                version: 1,
                created_at: created,
                updated_at: created,
            });
            people.push(Person { unit: ui, id: 0 });
        }
    }
    rows.push(NewStaff {
        unit_id: None,
        supervisor_id: None,
        username: DEMO_ORG_USER.to_string(),
        password_hash: Some(hash.clone()),
        full_name: "Ban Tổ chức (demo)".to_string(),
        email: None,
        position: Some("Chuyên viên Ban Tổ chức".to_string()),
        roles: "organisation".to_string(),
        is_leader: false,
        joined_on: Some(joined),
        left_on: None,
        active: true,
        version: 1,
        created_at: created,
        updated_at: created,
    });
    let org_id = db::write_transaction::<_, anyhow::Error, _>(conn, |conn| {
        db::staff::insert_batch(conn, &rows)?;
        let names: Vec<String> = rows.iter().map(|r| r.username.clone()).collect();
        let ids: std::collections::HashMap<String, i64> =
            db::staff::ids_by_usernames(conn, &names)?
                .into_iter()
                .collect();
        for (p, r) in people.iter_mut().zip(&rows) {
            p.id = *ids
                .get(&r.username)
                .ok_or_else(|| anyhow::anyhow!("{} was not stored", r.username))?;
        }
        let contracts: Vec<NewContract> = people
            .iter()
            .map(|p| NewContract {
                staff_id: p.id,
                effective_from: joined,
                weekly_minutes: 2400,
            })
            .collect();
        db::staff::insert_contracts(conn, &contracts)?;
        for u in &units {
            db::units::set_head(conn, u.id, Some(people[u.head].id))?;
        }
        ids.get(DEMO_ORG_USER)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("{DEMO_ORG_USER} was not stored"))
    })?;
    drop(rows);
    progress(&format!(
        "staff: {} (+ {DEMO_ORG_USER}) in {:.1}s",
        people.len(),
        started.elapsed().as_secs_f64()
    ));

    // Product catalogue.
    let mut products: Vec<(i64, i32, &str)> = Vec::with_capacity(PRODUCTS.len());
    db::write_transaction::<_, anyhow::Error, _>(conn, |conn| {
        for (k, (name, measure, std)) in PRODUCTS.iter().enumerate() {
            let id = db::products::insert(
                conn,
                &NewProduct {
                    code: format!("DEMO-SP{:02}", k + 1),
                    name: (*name).to_string(),
                    measuring_unit: (*measure).to_string(),
                    standard_minutes: *std,
                    active: true,
                    version: 1,
                    created_at: created,
                    updated_at: created,
                },
            )?;
            products.push((id, *std, name));
        }
        Ok(())
    })?;

    // The diary: one transaction per 200 people, multi-row inserts.
    let head_of = |ui: usize| people[units[ui].head].id;
    let approver_of = |pi: usize| -> Option<i64> {
        let ui = people[pi].unit;
        if units[ui].head == pi {
            units[ui].parent.map(head_of)
        } else {
            Some(head_of(ui))
        }
    };
    let per_day = opts.entries_per_day as usize;
    let mut written = 0usize;
    let diary_started = Instant::now();
    let chunk_people = 200;
    let mut batch: Vec<SeedEntry> = Vec::with_capacity(chunk_people * days.len() * per_day);
    let mut last_report = Instant::now();
    for start in (0..people.len()).step_by(chunk_people) {
        batch.clear();
        let end = (start + chunk_people).min(people.len());
        for (pi, person) in people.iter().enumerate().take(end).skip(start) {
            let unit_id = units[person.unit].id;
            let approver = approver_of(pi);
            // A person's habits: some log less than the norm more often.
            let under_rate = if rng.gen_bool(0.1) { 0.45 } else { 0.1 };
            for &day in &days {
                let r: f64 = rng.gen();
                let total: i32 = if r < 0.015 {
                    rng.gen_range(660..=780) // anomaly: a very long day
                } else if r < 0.015 + under_rate {
                    rng.gen_range(240..=420) // under-logged
                } else {
                    rng.gen_range(465..=525)
                };
                let age = (today - day).num_days();
                let mut parts: Vec<i32> = (0..per_day).map(|_| rng.gen_range(1..=4)).collect();
                let wsum: i32 = parts.iter().sum();
                let mut left = total;
                for (k, part) in parts.iter_mut().enumerate() {
                    *part = if k + 1 == per_day {
                        left
                    } else {
                        (total * *part / wsum).max(1)
                    };
                    left -= *part;
                }
                for minutes in parts {
                    let minutes = minutes.clamp(1, 1440);
                    let (product_id, std, name) = products[rng.gen_range(0..products.len())];
                    let quantity = (minutes / std.max(1)).max(1);
                    let s: f64 = rng.gen();
                    let state = if age > 10 {
                        if s < 0.98 {
                            EntryState::Approved
                        } else {
                            EntryState::Submitted
                        }
                    } else if age > 3 {
                        if s < 0.7 {
                            EntryState::Approved
                        } else {
                            EntryState::Submitted
                        }
                    } else if s < 0.2 {
                        EntryState::Approved
                    } else if s < 0.7 {
                        EntryState::Submitted
                    } else {
                        EntryState::Draft
                    };
                    let created_at = at(day, 10);
                    let (approver_id, submitted_at, decided_at, decided_by) = match state {
                        EntryState::Draft => (None, None, None, None),
                        EntryState::Submitted => (approver, Some(created_at), None, None),
                        _ => {
                            let decided = at(day + Duration::days(1), 2);
                            (
                                approver,
                                Some(created_at),
                                Some(decided),
                                Some(approver.unwrap_or(org_id)),
                            )
                        }
                    };
                    batch.push(SeedEntry {
                        staff_id: person.id,
                        unit_id,
                        work_date: day,
                        product_id,
                        quantity,
                        minutes,
                        note: format!(
                            "{name} ({quantity}) ngày {:02}/{:02}",
                            day.day(),
                            day.month()
                        ),
                        state: state.as_str().to_string(),
                        approver_id,
                        rework_count: 0,
                        submitted_at,
                        decided_at,
                        decided_by,
                        version: 1,
                        created_at,
                        updated_at: decided_at.unwrap_or(created_at),
                    });
                }
            }
        }
        // The maintained daily totals of these people, in the same transaction as their lines.
        let ids: Vec<i64> = people[start..end].iter().map(|p| p.id).collect();
        written += db::write_transaction::<_, anyhow::Error, _>(conn, |conn| {
            let n = db::entries::insert_batch(conn, &batch)?;
            if let (Some(first), Some(last)) = (days.first(), days.last()) {
                crate::services::totals::refresh(conn, totals_policy, &ids, *first, *last)
                    .map_err(|e| anyhow::anyhow!("daily totals: {e}"))?;
            }
            Ok(n)
        })?;
        if last_report.elapsed().as_secs() >= 2 || end == people.len() {
            last_report = Instant::now();
            let secs = diary_started.elapsed().as_secs_f64();
            progress(&format!(
                "entries: {written} ({end}/{} people) — {:.0} rows/s, {:.1}s",
                people.len(),
                written as f64 / secs.max(1e-9),
                started.elapsed().as_secs_f64()
            ));
        }
    }

    // Planner statistics after the bulk load (PostgreSQL: tables never analysed plan a grouped read
    // of 250,000 rows as if it had 76).
    let analyse_started = Instant::now();
    if db::analyze_after_bulk_load(conn)? {
        progress(&format!(
            "planner statistics refreshed (ANALYZE) in {:.1}s",
            analyse_started.elapsed().as_secs_f64()
        ));
    }

    let lu = units
        .iter()
        .enumerate()
        .max_by_key(|(i, u)| (u.members, std::cmp::Reverse(*i)))
        .map(|(_, u)| u)
        .ok_or_else(|| anyhow::anyhow!("no units"))?;
    Ok(DemoSummary {
        units: units.len(),
        staff: people.len(),
        products: products.len(),
        working_days: days.len(),
        entries: written,
        from: days.first().copied(),
        to: days.last().copied(),
        largest_unit_id: lu.id,
        largest_unit_head: format!("nv{:05}", lu.head + 1),
        largest_unit_members: lu.members,
    })
}
