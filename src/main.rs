//! Command line: `serve` (default), `migrate`, `create-admin`, `import`, `openapi`, `seed-demo`,
//! `check-totals`, `rebuild-totals`, `backup`, `restore`.

use std::net::TcpListener;

use clap::{Parser, Subcommand};
use worklog_kpi::config::Settings;
use worklog_kpi::{db, services, telemetry};

#[derive(Parser)]
#[command(
    name = "worklog-kpi",
    version,
    about = "Work diary, KPI and grading service"
)]
struct Cli {
    /// Directory of the configuration files.
    #[arg(long, global = true, env = "APP_CONFIG_DIR")]
    config_dir: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (migrations are applied first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator account.
    CreateAdmin {
        #[arg(long)]
        username: String,
        /// The password is read from the environment variable WORKLOG_ADMIN_PASSWORD only, never
        /// from the command line (where other users and the shell history would see it).
        #[arg(
            long,
            env = "WORKLOG_ADMIN_PASSWORD",
            hide_env_values = true,
            hide = true
        )]
        password: String,
        #[arg(long, default_value = "Quản trị hệ thống")]
        full_name: String,
    },
    /// Import units and staff from a CSV file as an administrator (all or nothing).
    Import {
        /// The CSV file (format: see POST /api/v1/staff/import).
        file: String,
        /// Username of the administrator the import is recorded under.
        #[arg(long)]
        as_user: String,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Write a consistent copy of the SQLite database to FILE, safe while the server runs
    /// (SQLite `VACUUM INTO`; FILE must not exist). PostgreSQL: use pg_dump (docs/operations.md).
    Backup {
        /// The backup file to create.
        file: String,
    },
    /// Replace the SQLite database with a backup made by `backup`. Refuses while a server uses
    /// the database; keeps the replaced file as `<db>.before-restore-<time>`.
    Restore {
        /// The backup file to restore.
        file: String,
    },
    /// Compare the maintained daily totals and weekly rollups with a recomputation from the diary
    /// entries; exits with status 1 and lists the differing rows when they drifted (drifted
    /// weekly rollups are also rewritten from the daily totals: they hold nothing else).
    CheckTotals,
    /// Rebuild the maintained daily totals from the diary entries.
    RebuildTotals,
    /// Fill the database with a deterministic demo organisation (benchmarks, demos). Every demo
    /// account's password is `Demo-worklog-2026`.
    SeedDemo {
        #[arg(long, default_value_t = 20000)]
        staff: usize,
        #[arg(long, default_value_t = 600)]
        units: usize,
        #[arg(long, default_value_t = 3)]
        months: u32,
        #[arg(long, default_value_t = 4)]
        entries_per_day: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Seed even though the database already has accounts besides administrators.
        #[arg(long)]
        force: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", worklog_kpi::openapi::spec_json());
            Ok(())
        }
        Command::Serve => {
            worklog_kpi::auth::hashing::tune_allocator();
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            serve(settings)
        }
        Command::Backup { file } => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            let r =
                services::ops::backup_sqlite(&settings.database.url, std::path::Path::new(&file))?;
            println!(
                "backup written to {} ({} bytes, {} diary entries) in {:.2}s",
                r.path.display(),
                r.bytes,
                r.entries,
                r.seconds
            );
            Ok(())
        }
        Command::Restore { file } => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            let r =
                services::ops::restore_sqlite(&settings.database.url, std::path::Path::new(&file))?;
            match &r.previous {
                Some(p) => println!(
                    "restored {} ({} diary entries); the replaced database was kept as {}",
                    file,
                    r.entries,
                    p.display()
                ),
                None => println!("restored {} ({} diary entries)", file, r.entries),
            }
            println!(
                "run `worklog-kpi check-totals` to confirm the daily totals, then start the server"
            );
            Ok(())
        }
        Command::CheckTotals => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            let pool = pool_of(&settings)?;
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn)?;
            let drift = services::totals::drift(&mut conn, &worklog_kpi::totals_policy(&settings))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if drift.is_empty() {
                println!(
                    "daily totals, weekly rollups, monthly KPI sums and backlog counters match the diary entries"
                );
                return Ok(());
            }
            for d in drift.iter().take(50) {
                println!("{d:?}");
            }
            let rollups = drift
                .iter()
                .filter(|d| {
                    matches!(
                        d,
                        services::totals::Drift::PersonWeek { .. }
                            | services::totals::Drift::UnitWeek { .. }
                    )
                })
                .count();
            if rollups > 0 {
                let rows = db::write_transaction(&mut conn, services::rollups::rebuild)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "{rollups} weekly rollup row(s) differed: the built weeks were rewritten ({rows} person-week rows)"
                );
            }
            let kpi = drift
                .iter()
                .filter(|d| matches!(d, services::totals::Drift::KpiMonth(_)))
                .count();
            if kpi > 0 {
                services::kpi_months::forget_all(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "{kpi} monthly KPI sum(s) differed: every month is forgotten (the next read rebuilds it)"
                );
            }
            let people = drift
                .iter()
                .filter(|d| matches!(d, services::totals::Drift::PeopleMonth(_)))
                .count();
            if people > 0 {
                services::people_months::forget_all(&mut conn)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "{people} monthly under-logging count(s) differed: every month is forgotten (the next read rebuilds it)"
                );
            }
            let backlog = drift
                .iter()
                .filter(|d| matches!(d, services::totals::Drift::Backlog { .. }))
                .count();
            if backlog > 0 {
                let rows = db::write_transaction(&mut conn, db::entries::rebuild_backlog_counters)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "{backlog} approval backlog counter(s) differed: the counters were rewritten ({rows} rows)"
                );
            }
            let anomalies = drift
                .iter()
                .filter(|d| matches!(d, services::totals::Drift::UnitDayAnomalies { .. }))
                .count();
            if anomalies > 0 {
                let rows = db::write_transaction(&mut conn, db::totals::rebuild_unit_day_anomalies)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "{anomalies} anomaly counter(s) per unit and day differed: the counters were rewritten ({rows} rows)"
                );
            }
            anyhow::bail!("{} daily total row(s) differ from the entries", drift.len())
        }
        Command::RebuildTotals => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            let pool = pool_of(&settings)?;
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn)?;
            let started = std::time::Instant::now();
            let rows =
                services::totals::rebuild_all(&mut conn, &worklog_kpi::totals_policy(&settings))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{rows} daily total row(s) rebuilt in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Migrate => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            let pool = pool_of(&settings)?;
            let mut conn = pool.get()?;
            let applied = db::run_migrations(&mut conn)?;
            println!("{applied} migration(s) applied");
            Ok(())
        }
        Command::CreateAdmin {
            username,
            password,
            full_name,
        } => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            if !worklog_kpi::domain::org::is_valid_username(&username) {
                anyhow::bail!("usernames are 2-64 lowercase letters, digits, '.', '_', '-', '@'");
            }
            if let Err(issue) = worklog_kpi::domain::password::check_password(
                &password,
                &username,
                settings.auth.min_password_length,
            ) {
                anyhow::bail!("WORKLOG_ADMIN_PASSWORD: {}", issue.message_en());
            }
            let pool = pool_of(&settings)?;
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn)?;
            let today = chrono::Utc::now().date_naive();
            let id =
                services::staff::create_admin(&mut conn, &username, &password, &full_name, today)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("administrator '{username}' created (id {id})");
            Ok(())
        }
        Command::SeedDemo {
            staff,
            units,
            months,
            entries_per_day,
            seed,
            force,
        } => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            let pool = pool_of(&settings)?;
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn)?;
            // Totals of what is already there first; the seed then keeps them with every batch.
            services::totals::ensure_current(&mut conn, &worklog_kpi::totals_policy(&settings))
                .map_err(|e| anyhow::anyhow!("daily totals: {e}"))?;
            let offset =
                chrono::Duration::minutes(i64::from(settings.organisation.utc_offset_minutes));
            let today = (chrono::Utc::now().naive_utc() + offset).date();
            let opts = services::demo::DemoOptions {
                staff,
                units,
                months,
                entries_per_day,
                seed,
                force,
            };
            let started = std::time::Instant::now();
            let s = services::demo::seed(
                &mut conn,
                &opts,
                today,
                &worklog_kpi::totals_policy(&settings),
                |line| println!("{line}"),
            )?;
            println!(
                "seeded {} units, {} staff, {} products, {} entries over {} working days ({:?}..{:?}) in {:.1}s",
                s.units,
                s.staff,
                s.products,
                s.entries,
                s.working_days,
                s.from,
                s.to,
                started.elapsed().as_secs_f64()
            );
            println!(
                "largest unit: id {} ({} members, head {}); organisation user: {}; password: {}",
                s.largest_unit_id,
                s.largest_unit_members,
                s.largest_unit_head,
                services::demo::DEMO_ORG_USER,
                services::demo::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::Import { file, as_user } => {
            telemetry::init();
            let settings = Settings::load(cli.config_dir.as_deref())?;
            let text = std::fs::read_to_string(&file)?;
            let pool = pool_of(&settings)?;
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn)?;
            let actor = db::staff::find_by_username(&mut conn, &as_user)?
                .ok_or_else(|| anyhow::anyhow!("no user '{as_user}'"))?;
            let viewer = services::access::load_viewer_trusted(&mut conn, actor.id)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let today = chrono::Utc::now().date_naive();
            match services::import::import(
                &mut conn,
                &viewer,
                &text,
                today,
                settings.auth.min_password_length,
            ) {
                Ok(s) => {
                    println!(
                        "units: {} created, {} updated; staff: {} created, {} updated",
                        s.units_created, s.units_updated, s.staff_created, s.staff_updated
                    );
                    Ok(())
                }
                Err(worklog_kpi::error::AppError::Validation(issues)) => {
                    for i in issues {
                        eprintln!("{}: {} ({})", i.field, i.message.en, i.code);
                    }
                    anyhow::bail!("import rejected: nothing was applied")
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }
}

fn pool_of(settings: &Settings) -> anyhow::Result<db::DbPool> {
    let timeout = std::time::Duration::from_secs(settings.database.connect_timeout_secs);
    db::check_connection(&settings.database.url, timeout)?;
    db::build_pool(
        &settings.database.url,
        2,
        std::time::Duration::from_secs(settings.database.connect_timeout_secs),
    )
}

async fn futures_join(
    a: actix_web::dev::Server,
    b: actix_web::dev::Server,
) -> (std::io::Result<()>, std::io::Result<()>) {
    let b = actix_web::rt::spawn(b);
    let ra = a.await;
    let rb = b.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
    (ra, rb)
}

#[actix_web::main]
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let address = format!("{}:{}", settings.server.host, settings.server.port);
    // One server per SQLite file: `restore` refuses while this lock is held.
    let _lock = services::ops::lock_sqlite(&settings.database.url)?;
    let admin_address = settings.server.admin_address.clone();
    let state = worklog_kpi::prepare_state(settings)?;
    let listener = TcpListener::bind(&address)
        .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
    let admin = match &admin_address {
        Some(a) => {
            Some(TcpListener::bind(a).map_err(|e| anyhow::anyhow!("cannot listen on {a}: {e}"))?)
        }
        None => None,
    };
    tracing::info!(%address, "worklog-kpi listening; API docs at /docs/");
    if let Some(a) = &admin_address {
        tracing::info!(address = %a, "admin listener: /metrics, /health, /ready");
    }
    let (server, admin_server) = worklog_kpi::run_servers(listener, admin, state)?;
    match admin_server {
        Some(admin_server) => {
            let (main, admin) = futures_join(server, admin_server).await;
            main?;
            admin?;
        }
        None => server.await?,
    }
    Ok(())
}
