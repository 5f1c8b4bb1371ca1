//! Shared by `benches/db_insert.rs` and `examples/insert_ceiling.rs`: a migrated database with
//! the one unit, person and product that diary entries need, and single-row inserts through
//! the layer the service uses (`db::build_pool` with its connection pragmas, then
//! `db::entries::insert`, one autocommit statement per row).

use std::time::Duration;

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use worklog_kpi::db::entries::NewEntry;
use worklog_kpi::db::products::NewProduct;
use worklog_kpi::db::staff::NewStaff;
use worklog_kpi::db::units::NewUnit;
use worklog_kpi::db::{self, DbConnection, DbPool};

/// A migrated database with the rows an entry refers to.
pub struct Fixture {
    pub pool: DbPool,
    pub staff_id: i64,
    pub unit_id: i64,
    pub product_id: i64,
    pub work_date: NaiveDate,
    pub now: NaiveDateTime,
}

/// Opens `url` with the crate's own pool (and SQLite pragmas), runs its migrations, and inserts
/// one unit, one person in it and one product, named after this process (so that several runs
/// can share a throw-away database). The database must exist (a fresh file is created).
pub fn prepare(url: &str, pool_size: u32) -> anyhow::Result<Fixture> {
    let pool = db::build_pool(url, pool_size.max(1), Duration::from_secs(10))?;
    let mut conn = pool.get().context("connecting to the bench database")?;
    db::run_migrations(&mut conn)?;
    let now = db::now_utc();
    let tag = format!("BENCH-{}", std::process::id());
    let unit_id = db::units::insert(
        &mut conn,
        NewUnit {
            code: &tag,
            name: "Đơn vị đo hiệu năng",
            level: "province",
            parent_id: None,
            head_id: None,
            path: "",
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        },
        None,
    )?;
    let staff_id = db::staff::insert(
        &mut conn,
        &NewStaff {
            unit_id: Some(unit_id),
            supervisor_id: None,
            username: tag.to_lowercase(),
            password_hash: None,
            full_name: "Người ghi nhật ký".to_string(),
            email: None,
            position: None,
            roles: "staff".to_string(),
            is_leader: false,
            joined_on: None,
            left_on: None,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    let product_id = db::products::insert(
        &mut conn,
        &NewProduct {
            code: format!("{tag}-P"),
            name: "Văn bản".to_string(),
            measuring_unit: "văn bản".to_string(),
            standard_minutes: 30,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok(Fixture {
        pool,
        staff_id,
        unit_id,
        product_id,
        work_date: now.date(),
        now,
    })
}

impl Fixture {
    /// The draft line `POST /api/v1/entries` would write, with client reference `n`.
    pub fn entry(&self, tag: &str, n: u64) -> NewEntry {
        NewEntry {
            staff_id: self.staff_id,
            unit_id: self.unit_id,
            work_date: self.work_date,
            product_id: self.product_id,
            quantity: 1,
            minutes: 30,
            note: "bench".to_string(),
            evidence: None,
            client_ref: Some(format!("{tag}-{n}")),
            state: "draft".to_string(),
            rework_count: 0,
            version: 1,
            created_at: self.now,
            updated_at: self.now,
            task_id: None,
        }
    }

    /// One autocommit `INSERT … RETURNING id`.
    pub fn insert(&self, conn: &mut DbConnection, tag: &str, n: u64) -> anyhow::Result<i64> {
        Ok(db::entries::insert(conn, &self.entry(tag, n))?)
    }
}

/// A PostgreSQL database made for one run and dropped by [`ScratchPg::drop_now`] (or on drop).
pub struct ScratchPg {
    server: String,
    pub name: String,
    pub url: String,
    dropped: bool,
}

/// `postgres://user@host:port[/db][?query]` without the database name (and query).
fn server_part(url: &str) -> &str {
    let url = url.split('?').next().unwrap_or(url);
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

impl ScratchPg {
    /// Creates database `name` on the server of `url` (any database of that server).
    pub fn create(url: &str, name: &str) -> anyhow::Result<ScratchPg> {
        let server = server_part(url).to_string();
        let mut admin = diesel::PgConnection::establish(&format!("{server}/postgres"))
            .with_context(|| format!("connecting to {server}/postgres"))?;
        // One statement per call: several would run as one implicit transaction, which
        // CREATE / DROP DATABASE refuse.
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(ScratchPg {
            url: format!("{server}/{name}"),
            server,
            name: name.to_string(),
            dropped: false,
        })
    }

    /// Drops the database (every pool using it should be dropped first).
    pub fn drop_now(&mut self) -> anyhow::Result<()> {
        if self.dropped {
            return Ok(());
        }
        self.dropped = true;
        let mut admin = diesel::PgConnection::establish(&format!("{}/postgres", self.server))?;
        admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))?;
        Ok(())
    }
}

impl Drop for ScratchPg {
    fn drop(&mut self) {
        if let Err(e) = self.drop_now() {
            eprintln!("could not drop database {}: {e}", self.name);
        }
    }
}
