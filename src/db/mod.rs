//! Database access: the connection enum over SQLite and PostgreSQL, the pool, migrations, and one
//! module of queries per aggregate. Nothing here knows about HTTP.

pub mod audit;
pub mod backdate;
pub mod ballots;
pub mod delegations;
pub mod entries;
pub mod grading;
pub mod holidays;
pub mod idempotency;
pub mod leaves;
pub mod locks;
pub mod notes;
pub mod products;
pub mod schema;
pub mod staff;
pub mod tasks;
pub mod tokens;
pub mod totals;
pub mod units;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// One code path for both backends; SQLite last as diesel's docs advise.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConnection>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A transaction that writes. On SQLite it takes the database write lock before its first read:
/// a deferred transaction that reads and then writes fails at once with "database is locked"
/// when another connection committed in between (busy_timeout cannot help, its snapshot is
/// stale); taking the lock first makes it wait its turn instead. PostgreSQL needs nothing.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::{Connection, RunQueryDsl};
    conn.transaction(|conn| {
        if let DbConnection::Sqlite(c) = conn {
            // Matches no row, but an UPDATE opens the write transaction when it starts.
            diesel::sql_query("UPDATE seeds SET name = name WHERE 1 = 0").execute(c)?;
        }
        f(conn)
    })
}

/// Which engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Sets the per-connection SQLite pragmas the architecture requires (WAL, foreign keys, busy
/// timeout, synchronous=NORMAL). PostgreSQL connections need nothing.
#[derive(Debug, Clone, Copy)]
struct ConnectionSetup;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                 PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Normalises `sqlite://path` and plain paths to what diesel's SQLite driver opens, and creates
/// the parent directory of a database file.
pub fn prepare_url(url: &str) -> anyhow::Result<String> {
    match Backend::of_url(url) {
        Backend::Postgres => Ok(url.to_string()),
        Backend::Sqlite => {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            if path != ":memory:" {
                if let Some(parent) = std::path::Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent)?;
                    }
                }
            }
            Ok(path.to_string())
        }
    }
}

/// Builds the pool without connecting: a database that is down makes requests answer 503 rather
/// than the process failing later in odd ways.
pub fn build_pool(url: &str, max_size: u32, connect_timeout: Duration) -> anyhow::Result<DbPool> {
    let url = prepare_url(url)?;
    let manager = ConnectionManager::<DbConnection>::new(url);
    Ok(Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(connect_timeout)
        .connection_customizer(Box::new(ConnectionSetup))
        .build_unchecked(manager))
}

/// Applies every pending migration of the connection's backend.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConnection::Pg(c) => c
            .run_pending_migrations(PG_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?
            .len(),
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?
            .len(),
    };
    Ok(applied)
}

/// True when every embedded migration has been applied (readiness check).
pub fn migrations_up_to_date(conn: &mut DbConnection) -> bool {
    match conn {
        DbConnection::Pg(c) => c
            .has_pending_migration(PG_MIGRATIONS)
            .map(|p| !p)
            .unwrap_or(false),
        DbConnection::Sqlite(c) => c
            .has_pending_migration(SQLITE_MIGRATIONS)
            .map(|p| !p)
            .unwrap_or(false),
    }
}

/// The current UTC time without sub-microsecond noise (PostgreSQL keeps microseconds).
pub fn now_utc() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
