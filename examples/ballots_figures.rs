//! Figures of issue 13 on a seeded organisation (`worklog-kpi seed-demo` first):
//!
//! ```text
//! cargo run --example ballots_figures -- campaign sqlite:///tmp/org.db 0.7
//! cargo run --example ballots_figures -- reminders sqlite:///tmp/org.db
//! ```
//!
//! `campaign` opens a leader rating campaign over the whole tree, casts a ballot for the given
//! share of the roll (each ballot its own transaction, as through the API), closes it and
//! computes the published results, timing each step. `reminders` times one run of the reminder
//! job at the current time, then a second run (every note already there).

use std::time::Instant;

use rand::{Rng, SeedableRng};
use worklog_kpi::config::Settings;
use worklog_kpi::db;
use worklog_kpi::domain::roles::{Role, RoleSet};
use worklog_kpi::domain::scope::Viewer;
use worklog_kpi::services::{ballots, reminders};

fn viewer(staff_id: i64, roles: RoleSet) -> Viewer {
    Viewer {
        staff_id,
        roles,
        unit_id: None,
        unit_path: None,
        headed_paths: Vec::new(),
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(what), Some(url)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: ballots_figures campaign|reminders DATABASE_URL [turnout]");
    };
    let settings = Settings::for_database(url);
    let state = worklog_kpi::prepare_state(settings.clone())?;
    let mut conn = state.pool.get()?;
    let admin = db::staff::all_ids(&mut conn)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("empty database"))?;
    let org = viewer(admin, RoleSet::new([Role::Admin]));
    let people = db::staff::count_non_admin(&mut conn)?;
    match what.as_str() {
        "campaign" => {
            let turnout: f64 = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(0.7);
            let now = db::now_utc();
            let t = Instant::now();
            let (campaign, roll) = ballots::open_campaign(
                &mut conn,
                &org,
                ballots::NewCampaignInput {
                    title: "Lấy phiếu tín nhiệm lãnh đạo (đo đạc)".into(),
                    period_start: now.date(),
                    period_end: now.date(),
                    deadline: now + chrono::Duration::days(14),
                    criteria_set_id: None,
                },
                now,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let open_ms = t.elapsed().as_millis();
            let id = campaign.row.id;
            let pairs: Vec<(i64, i64)> = {
                use diesel::prelude::*;
                use worklog_kpi::db::schema::rating_electors as e;
                e::table
                    .filter(e::campaign_id.eq(id))
                    .select((e::candidate_id, e::voter_id))
                    .load(&mut *conn)?
            };
            let mut rng = rand::rngs::StdRng::seed_from_u64(7);
            let t = Instant::now();
            let mut cast = 0usize;
            for (candidate, voter) in &pairs {
                if rng.gen::<f64>() >= turnout {
                    continue;
                }
                let scores: Vec<i32> = (0..5).map(|_| rng.gen_range(2..=5)).collect();
                ballots::vote(
                    &mut conn,
                    &viewer(*voter, RoleSet::new([Role::Staff])),
                    id,
                    *candidate,
                    &scores,
                    None,
                    db::now_utc(),
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                cast += 1;
            }
            let vote_ms = t.elapsed().as_millis();
            let t = Instant::now();
            ballots::close_campaign(&mut conn, Some(&org), id, db::now_utc())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let close_ms = t.elapsed().as_millis();
            let t = Instant::now();
            let r = ballots::results(&mut conn, &org, id).map_err(|e| anyhow::anyhow!("{e}"))?;
            let results_ms = t.elapsed().as_millis();
            let shown = r.candidates.iter().filter(|c| c.shown).count();
            println!(
                "campaign: people {people}, roll pairs {roll}, candidates {}, eligible voters {}, \
                 voters {}, turnout {:.1} %, ballots {cast}, candidates with results shown {shown}; \
                 open {open_ms} ms, voting {vote_ms} ms ({:.2} ms/ballot), close (reshuffle) {close_ms} ms, \
                 results (publish) {results_ms} ms",
                r.candidates.len(),
                r.eligible_voters,
                r.voters,
                r.turnout * 100.0,
                vote_ms as f64 / cast.max(1) as f64,
            );
        }
        "reminders" => {
            let now = db::now_utc();
            let first = reminders::run_once(&mut conn, &settings, "figures", now)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let second = reminders::run_once(&mut conn, &settings, "figures", now)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("reminders: people {people}; first run {first:?}; second run {second:?}");
        }
        other => anyhow::bail!("unknown figure {other}"),
    }
    Ok(())
}
