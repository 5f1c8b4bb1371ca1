//! The pure domain at province scale (architecture.md "What must be measured", aggregation):
//! a month's KPI of 20,000 people and the grading of a 600-unit province (~33 people per unit).
//! No database: inputs are built once, deterministically, in the shape `services::kpi` and
//! `services::grading` hand to the domain (one to three credited groups per person, a few on
//! leave, part-time or joining mid-month, one leader per unit, most scored by their evaluator).
//!
//!   CARGO_TARGET_DIR=/work/target-bench cargo bench --bench domain

use std::hint::black_box;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use worklog_kpi::domain::calendar::{
    daily_norm, period_norm, statutory_holidays, Calendar, ContractSpan, DayPortion, Employment,
    LeaveDay, LeaveKind,
};
use worklog_kpi::domain::grading::{grade_unit, preset, Candidate, DEFAULT_PRESET_CODE};
use worklog_kpi::domain::kpi::{
    compute, unit_factor, CreditedGroup, KpiBreakdown, KpiInputs, KpiPolicy, DECREE_COMMON_MAX,
};
use worklog_kpi::domain::period::Period;

const PEOPLE: usize = 20_000;
const UNITS: usize = 600;

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// One person as `services::kpi::compute_for` sees them after its queries.
struct Person {
    staff_id: i64,
    unit: usize,
    is_leader: bool,
    employment: Employment,
    leave: Vec<LeaveDay>,
    groups: Vec<CreditedGroup>,
    common_scores: Vec<f64>,
    ballot_votes: i32,
    rework: i64,
    disciplined: bool,
    first_submission: Option<NaiveDateTime>,
}

struct Province {
    period: Period,
    calendar: Calendar,
    working_days: Vec<NaiveDate>,
    people: Vec<Person>,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn province() -> Province {
    let period = Period::new_month(2026, 10).expect("period");
    let (first, last) = (period.first_day(), period.last_day());
    let calendar = Calendar::new(statutory_holidays().into_iter().map(|h| h.date));
    let working_days = calendar.working_days(first, last);
    let full_month = working_days.len() as i64 * 480;
    let mut rng = Rng(42);
    let people = (0..PEOPLE)
        .map(|i| {
            let unit = i % UNITS;
            let is_leader = i < UNITS; // the first person of each unit heads it
            let mut contracts = vec![ContractSpan {
                effective_from: day(2020, 1, 1),
                weekly_minutes: 2400,
            }];
            if rng.chance(20) {
                contracts.push(ContractSpan {
                    effective_from: day(2026, 10, 1 + rng.below(28) as u32),
                    weekly_minutes: 1200,
                });
            }
            let joined_on = if rng.chance(10) {
                day(2026, 10, 1 + rng.below(28) as u32)
            } else {
                day(2015 + rng.below(10) as i32, 1 + rng.below(12) as u32, 1)
            };
            let left_on = rng
                .chance(5)
                .then(|| day(2026, 10, 1 + rng.below(30) as u32));
            let mut leave = Vec::new();
            if rng.chance(120) {
                for _ in 0..1 + rng.below(3) {
                    let kind = match rng.below(10) {
                        0 => LeaveKind::Sick,
                        1 => LeaveKind::BusinessTrip,
                        _ => LeaveKind::Annual,
                    };
                    let portion = if rng.chance(200) {
                        DayPortion::Half
                    } else {
                        DayPortion::Full
                    };
                    let date = working_days[rng.below(working_days.len() as u64) as usize];
                    leave.push(LeaveDay {
                        date,
                        kind,
                        portion,
                    });
                }
            }
            if rng.chance(3) {
                leave.extend(working_days.iter().map(|&date| LeaveDay {
                    date,
                    kind: LeaveKind::Maternity,
                    portion: DayPortion::Full,
                }));
            }
            // Approved minutes: mostly about the norm, ~15 % under-logged, some over.
            let logged = match rng.below(100) {
                0..=14 => full_month * (50 + rng.below(40) as i64) / 100,
                15..=94 => full_month * (90 + rng.below(15) as i64) / 100,
                _ => full_month * (105 + rng.below(30) as i64) / 100,
            };
            let mut groups = Vec::new();
            let mut rest = logged;
            let mut rework = 0;
            if rng.chance(250) {
                let part = logged / (3 + rng.below(5) as i64);
                let count = 1 + rng.below(2) as i32;
                rework += i64::from(count) * 4;
                groups.push(CreditedGroup {
                    minutes: part,
                    norm_minutes: part * 9 / 10,
                    rework_count: count,
                    delays: 0,
                });
                rest -= part;
            }
            if rng.chance(150) {
                let part = rest / (4 + rng.below(6) as i64);
                groups.push(CreditedGroup {
                    minutes: part,
                    norm_minutes: part,
                    rework_count: 0,
                    delays: 1 + rng.below(3) as i32,
                });
                rest -= part;
            }
            groups.push(CreditedGroup {
                minutes: rest,
                norm_minutes: rest * (80 + rng.below(40) as i64) / 100,
                rework_count: 0,
                delays: 0,
            });
            let common_scores = if rng.chance(700) {
                (0..3).map(|_| 7.0 + rng.below(13) as f64 * 0.25).collect()
            } else {
                Vec::new()
            };
            let first_submission = (logged > 0).then(|| {
                first
                    .and_hms_opt(8 + rng.below(10) as u32, rng.below(60) as u32, 0)
                    .expect("time")
            });
            Person {
                staff_id: 1000 + i as i64,
                unit,
                is_leader,
                employment: Employment {
                    joined_on: Some(joined_on),
                    left_on,
                    contracts,
                },
                leave,
                groups,
                common_scores,
                ballot_votes: rng.below(12) as i32,
                rework,
                disciplined: rng.chance(5),
                first_submission,
            }
        })
        .collect();
    Province {
        period,
        calendar,
        working_days,
        people,
    }
}

/// The pure part of `services::kpi::compute_for` for one person: expected minutes and worked
/// days from the calendar, contracts and leave, then `kpi::compute`.
fn month_kpi(p: &Province, person: &Person, policy: &KpiPolicy) -> (KpiBreakdown, i64) {
    let (expected, worked_days) = period_norm(
        &p.calendar,
        &person.employment,
        &person.leave,
        &p.working_days,
    );
    let breakdown = compute(
        &KpiInputs {
            expected,
            groups: person.groups.clone(),
            is_leader: person.is_leader,
            unit_factor: person
                .is_leader
                .then(|| unit_factor(person.staff_id % 3 != 0)),
            common_scores: person.common_scores.clone(),
            common_max: DECREE_COMMON_MAX,
            bonus: 0.0,
        },
        policy,
    );
    (breakdown, worked_days)
}

fn kpi(c: &mut Criterion) {
    let p = province();
    let policy = KpiPolicy::default();
    let expected: Vec<i64> = p
        .people
        .iter()
        .map(|person| {
            p.working_days
                .iter()
                .map(|d| {
                    i64::from(daily_norm(
                        &p.calendar,
                        &person.employment,
                        &person.leave,
                        *d,
                    ))
                })
                .sum()
        })
        .collect();
    let inputs: Vec<KpiInputs> = p
        .people
        .iter()
        .zip(&expected)
        .map(|(person, &expected)| KpiInputs {
            expected,
            groups: person.groups.clone(),
            is_leader: person.is_leader,
            unit_factor: person
                .is_leader
                .then(|| unit_factor(person.staff_id % 3 != 0)),
            common_scores: person.common_scores.clone(),
            common_max: DECREE_COMMON_MAX,
            bonus: 0.0,
        })
        .collect();

    let mut group = c.benchmark_group("kpi");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(PEOPLE as u64));
    group.bench_function(BenchmarkId::new("compute", "20000_people"), |b| {
        b.iter(|| {
            for input in &inputs {
                black_box(compute(black_box(input), &policy));
            }
        })
    });
    group.bench_function(
        BenchmarkId::new(
            "expected_minutes_and_compute",
            format!("20000_people_{}", p.period),
        ),
        |b| {
            b.iter(|| {
                for person in &p.people {
                    black_box(month_kpi(&p, black_box(person), &policy));
                }
            })
        },
    );
    group.finish();
}

fn grading(c: &mut Criterion) {
    let p = province();
    let policy = KpiPolicy::default();
    let preset = preset(DEFAULT_PRESET_CODE).expect("default preset");
    let period_working_days = p.working_days.len() as i64;
    let mut units: Vec<Vec<Candidate>> = vec![Vec::new(); UNITS];
    let mut quantities: Vec<Vec<f64>> = vec![Vec::new(); UNITS];
    let kpis: Vec<(KpiBreakdown, i64)> = p
        .people
        .iter()
        .map(|person| month_kpi(&p, person, &policy))
        .collect();
    for (person, (k, _)) in p.people.iter().zip(&kpis) {
        if !k.not_graded {
            quantities[person.unit].push(k.quantity);
        }
    }
    for (person, (k, worked_days)) in p.people.iter().zip(&kpis) {
        let q = &quantities[person.unit];
        units[person.unit].push(Candidate {
            staff_id: person.staff_id,
            total: k.total,
            disciplined: person.disciplined,
            worked_days: *worked_days,
            period_working_days,
            ballot_votes: person.ballot_votes,
            rework: i32::try_from(person.rework).unwrap_or(i32::MAX),
            first_submission: person.first_submission,
            is_head: person.is_leader,
            unit_avg_quantity: if q.is_empty() {
                0.0
            } else {
                q.iter().sum::<f64>() / q.len() as f64
            },
        });
    }
    let largest = units.iter().map(Vec::len).max().unwrap_or(0);

    let mut group = c.benchmark_group("grading");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(units[0].len() as u64));
    group.bench_function(
        BenchmarkId::new("grade_unit", format!("one_unit_{}_people", units[0].len())),
        |b| b.iter(|| black_box(grade_unit(black_box(&units[0]), &preset))),
    );
    group.throughput(Throughput::Elements(PEOPLE as u64));
    group.bench_function(
        BenchmarkId::new(
            "grade_unit",
            format!("province_{UNITS}_units_{PEOPLE}_people_largest_{largest}"),
        ),
        |b| {
            b.iter(|| {
                for unit in &units {
                    black_box(grade_unit(black_box(unit), &preset));
                }
            })
        },
    );
    group.finish();
}

/// The leader pass of `services::kpi::compute_with_leaders` (issue 14: it must stay linear in
/// people) on a province of `n` people, ~33 per unit: each unit's head supervises its members,
/// the province leader (person 1) supervises every head; every head is a subordinate who heads a
/// unit, so the leader downgrade reads each unit's members once.
fn leaders(c: &mut Criterion) {
    use std::collections::HashMap;
    use worklog_kpi::services::kpi::{settle_leaders, KpiRun, PersonKpi, Supervision};
    let policy = KpiPolicy::default();
    let preset = preset(DEFAULT_PRESET_CODE).expect("default preset");
    let period = Period::new_month(2026, 10).expect("month");
    let mut group = c.benchmark_group("leaders");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for n in [2_000usize, 20_000] {
        let units = n / 33;
        let mut rng = Rng(n as u64);
        let mut all: HashMap<i64, PersonKpi> = HashMap::with_capacity(n);
        let mut s = Supervision::default();
        for i in 0..n {
            let id = i as i64 + 1;
            let unit = (i % units) as i64 + 1;
            let is_head = i < units;
            let groups = vec![CreditedGroup {
                minutes: 6_000 + rng.below(6_000) as i64,
                norm_minutes: 0,
                rework_count: i32::from(rng.chance(100)),
                delays: 0,
            }];
            let breakdown = compute(
                &KpiInputs {
                    expected: 10_560,
                    groups: groups.clone(),
                    is_leader: is_head,
                    unit_factor: None,
                    common_scores: vec![25.0],
                    common_max: DECREE_COMMON_MAX,
                    bonus: 0.0,
                },
                &policy,
            );
            all.insert(
                id,
                PersonKpi {
                    staff_id: id,
                    breakdown,
                    worked_days: 22,
                    period_working_days: 22,
                    rework: 0,
                    first_submission: None,
                    approved_entries: 10,
                    groups,
                    tasks: Vec::new(),
                },
            );
            s.leader_of.insert(id, is_head);
            s.members_by_unit.entry(unit).or_default().push(id);
            if is_head {
                s.headed_unit.insert(id, unit);
                if id != 1 {
                    s.children.entry(1).or_default().push(id);
                }
            } else {
                // Person `unit` (1-based, among the first `units`) heads that unit.
                s.children.entry(unit).or_default().push(id);
            }
            if rng.chance(5) {
                s.disciplined.insert(id);
            }
        }
        let common = HashMap::new();
        let factors = HashMap::new();
        let run = KpiRun {
            period,
            policy: &policy,
            common_max: DECREE_COMMON_MAX,
            common: &common,
            unit_factors: &factors,
            today: period.last_day(),
            preloaded: None,
        };
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(
            BenchmarkId::new("settle_leaders", format!("{n}_people")),
            |b| {
                b.iter_batched(
                    || all.clone(),
                    |mut all| {
                        settle_leaders(&mut all, black_box(&s), &run, &preset);
                        all
                    },
                    criterion::BatchSize::LargeInput,
                )
            },
        );
    }
    group.finish();
}

criterion_group!(benches, kpi, grading, leaders);
criterion_main!(benches);
