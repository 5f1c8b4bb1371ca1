//! Database access: the connection enum over SQLite and PostgreSQL, the pool, migrations, and one
//! module of queries per aggregate. Nothing here knows about HTTP.

pub mod audit;
pub mod backdate;
pub mod delegations;
pub mod entries;
pub mod grading;
pub mod holidays;
pub mod idempotency;
pub mod leaves;
pub mod locks;
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
/// timeout, synchronous=NORMAL), and PostgreSQL's `statement_timeout` when one is configured.
#[derive(Debug, Clone, Copy)]
struct ConnectionSetup {
    statement_timeout: Option<Duration>,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        match conn {
            DbConnection::Sqlite(c) => c
                .batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?,
            DbConnection::Pg(c) => {
                if let Some(t) = self.statement_timeout {
                    c.batch_execute(&format!("SET statement_timeout = {}", t.as_millis()))
                        .map_err(diesel::r2d2::Error::QueryError)?;
                }
            }
        }
        Ok(())
    }
}

/// How a pool connects and how long it may wait.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    pub max_size: u32,
    /// Waiting for a pooled connection (and PostgreSQL's `connect_timeout`, at least 2 s).
    pub connect_timeout: Duration,
    /// PostgreSQL `statement_timeout` of every connection.
    pub statement_timeout: Option<Duration>,
}

impl PoolOptions {
    /// The serving pool of `settings`.
    pub fn serving(settings: &crate::config::Settings) -> PoolOptions {
        let db = &settings.database;
        PoolOptions {
            max_size: db.pool_size,
            connect_timeout: Duration::from_secs(db.connect_timeout_secs),
            statement_timeout: (db.statement_timeout_secs > 0)
                .then(|| Duration::from_secs(db.statement_timeout_secs)),
        }
    }
}

/// Adds what keeps a PostgreSQL connection from hanging forever unless the URL sets it already:
/// `connect_timeout`, TCP keepalives, and `tcp_user_timeout` (a server that stops acknowledging
/// what was sent, e.g. a dead host, breaks the connection after 10 s).
pub fn pg_url_with_timeouts(url: &str, connect_timeout: Duration) -> String {
    let mut url = url.to_string();
    let params = [
        (
            "connect_timeout",
            connect_timeout.as_secs().max(2).to_string(),
        ),
        ("keepalives", "1".to_string()),
        ("keepalives_idle", "30".to_string()),
        ("keepalives_interval", "10".to_string()),
        ("keepalives_count", "3".to_string()),
        ("tcp_user_timeout", "10000".to_string()),
    ];
    for (key, value) in params {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
        if query.split('&').any(|kv| kv.split('=').next() == Some(key)) {
            continue;
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("{key}={value}"));
    }
    url
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
    build_pool_with(
        url,
        &PoolOptions {
            max_size,
            connect_timeout,
            statement_timeout: None,
        },
    )
}

/// `build_pool` with every option (the server's pool: `PoolOptions::serving`).
pub fn build_pool_with(url: &str, options: &PoolOptions) -> anyhow::Result<DbPool> {
    let mut url = prepare_url(url)?;
    if Backend::of_url(&url) == Backend::Postgres {
        url = pg_url_with_timeouts(&url, options.connect_timeout);
    }
    let manager = ConnectionManager::<DbConnection>::new(url);
    Ok(Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(0))
        .connection_timeout(options.connect_timeout)
        .connection_customizer(Box::new(ConnectionSetup {
            statement_timeout: options.statement_timeout,
        }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_get_timeouts_unless_they_set_them() {
        let url = pg_url_with_timeouts("postgres://u@h/db", Duration::from_secs(5));
        assert!(url.starts_with("postgres://u@h/db?connect_timeout=5&keepalives=1"));
        assert!(url.contains("&tcp_user_timeout=10000"));
        let url = pg_url_with_timeouts(
            "postgres://u@h/db?options=-csearch_path%3Dx&connect_timeout=9",
            Duration::from_secs(1),
        );
        assert!(url.contains("options=-csearch_path%3Dx&connect_timeout=9&keepalives=1"));
        assert_eq!(url.matches("connect_timeout").count(), 1);
    }
}
