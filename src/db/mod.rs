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
pub mod versions;

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

/// The parts of a PostgreSQL URL that error messages may name (never the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTarget {
    pub user: String,
    pub host: String,
    pub port: String,
    pub database: String,
}

impl PgTarget {
    /// Reads `postgres://user[:password]@host[:port]/database[?params]` (libpq's defaults for
    /// what is missing: user `postgres`... as libpq would take it from the environment, shown as
    /// "(default)").
    pub fn of_url(url: &str) -> PgTarget {
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .unwrap_or(url);
        let rest = rest.split('?').next().unwrap_or("");
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (u, h),
            None => ("", authority),
        };
        let user = userinfo.split(':').next().unwrap_or("");
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (h, p),
            _ => (hostport, ""),
        };
        let or_default = |s: &str| {
            if s.is_empty() {
                "(default)".to_string()
            } else {
                s.to_string()
            }
        };
        PgTarget {
            user: or_default(user),
            host: or_default(host),
            port: if port.is_empty() {
                "5432".into()
            } else {
                port.to_string()
            },
            database: or_default(database),
        }
    }
}

/// Turns libpq's connection error into a sentence that names the cause and what to check.
pub fn explain_pg_connect_error(url: &str, message: &str) -> String {
    let t = PgTarget::of_url(url);
    let m = message.to_ascii_lowercase();
    let cause = if m.contains("does not exist") && m.contains("database") {
        format!(
            "database \"{}\" does not exist on {}:{}: create it (CREATE DATABASE {} OWNER {}) or \
             fix the database name in the URL",
            t.database, t.host, t.port, t.database, t.user
        )
    } else if m.contains("role") && m.contains("does not exist") {
        format!(
            "role (user) \"{}\" does not exist on {}:{}: create it or fix the user in the URL",
            t.user, t.host, t.port
        )
    } else if m.contains("password authentication failed") || m.contains("authentication failed") {
        format!(
            "authentication failed for user \"{}\" on {}:{}: check the password in the URL and \
             pg_hba.conf",
            t.user, t.host, t.port
        )
    } else if m.contains("no password supplied") {
        format!(
            "the server asks user \"{}\" for a password and the URL has none",
            t.user
        )
    } else if m.contains("no pg_hba.conf entry") {
        format!(
            "the server's pg_hba.conf has no entry allowing user \"{}\" to reach database \"{}\" \
             from this host (or this sslmode)",
            t.user, t.database
        )
    } else if m.contains("connection refused") {
        format!(
            "connection refused by {}:{}: is PostgreSQL running and listening on that host and \
             port (listen_addresses, port)?",
            t.host, t.port
        )
    } else if m.contains("could not translate host name")
        || m.contains("name or service not known")
        || m.contains("temporary failure in name resolution")
    {
        format!(
            "host \"{}\" cannot be resolved (DNS): check the host in the URL",
            t.host
        )
    } else if m.contains("timeout expired")
        || m.contains("timed out")
        || m.contains("no route to host")
        || m.contains("network is unreachable")
    {
        format!(
            "host {}:{} is unreachable or does not answer (timeout, firewall or routing)",
            t.host, t.port
        )
    } else if m.contains("ssl") {
        format!(
            "TLS negotiation with {}:{} failed: check sslmode in the URL",
            t.host, t.port
        )
    } else if m.contains("too many clients") || m.contains("remaining connection slots") {
        format!(
            "{}:{} refuses more connections (max_connections reached): lower database.pool_size \
             or raise max_connections",
            t.host, t.port
        )
    } else {
        format!(
            "cannot connect to database \"{}\" on {}:{} as \"{}\"",
            t.database, t.host, t.port, t.user
        )
    };
    format!(
        "PostgreSQL: {cause} (server said: {})",
        message.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// Connects once, directly (not through the pool, whose multi-backend connection hides the cause
/// behind "Invalid connection url for multiconnection"), so that start-up fails with the cause
/// named. `timeout` bounds the attempt on PostgreSQL (libpq `connect_timeout`).
pub fn check_connection(url: &str, timeout: Duration) -> anyhow::Result<()> {
    use diesel::Connection;
    let prepared = prepare_url(url)?;
    match Backend::of_url(url) {
        Backend::Postgres => {
            let with_timeout = if prepared.contains("connect_timeout=") {
                prepared.clone()
            } else {
                let sep = if prepared.contains('?') { '&' } else { '?' };
                format!(
                    "{prepared}{sep}connect_timeout={}",
                    timeout.as_secs().max(1)
                )
            };
            PgConnection::establish(&with_timeout)
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!(explain_pg_connect_error(url, &e.to_string())))
        }
        Backend::Sqlite => SqliteConnection::establish(&prepared)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("SQLite: cannot open the database file {prepared}: {e}")),
    }
}

#[cfg(test)]
mod connect_tests {
    use super::*;

    #[test]
    fn urls_are_read_without_the_password() {
        let t = PgTarget::of_url("postgres://kpi:s3cret@db.example:6543/worklog?sslmode=require");
        assert_eq!(t.user, "kpi");
        assert_eq!(t.host, "db.example");
        assert_eq!(t.port, "6543");
        assert_eq!(t.database, "worklog");
        let msg = explain_pg_connect_error(
            "postgres://kpi:s3cret@db.example:6543/worklog",
            "password authentication failed for user \"kpi\"",
        );
        assert!(!msg.contains("s3cret"), "{msg}");
    }

    #[test]
    fn libpq_messages_name_the_cause() {
        let url = "postgres://kpi@127.0.0.1:5432/worklog";
        let cases = [
            ("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"worklog\" does not exist", "database \"worklog\" does not exist"),
            ("FATAL:  password authentication failed for user \"kpi\"", "authentication failed for user \"kpi\""),
            ("FATAL:  role \"kpi\" does not exist", "role (user) \"kpi\" does not exist"),
            ("connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n\tIs the server running", "connection refused by 127.0.0.1:5432"),
            ("could not translate host name \"dbx\" to address: Name or service not known", "cannot be resolved"),
            ("connection to server at \"10.0.0.9\", port 5432 failed: timeout expired", "unreachable or does not answer"),
            ("FATAL:  sorry, too many clients already", "max_connections"),
        ];
        for (said, expected) in cases {
            let msg = explain_pg_connect_error(url, said);
            assert!(msg.contains(expected), "{said} -> {msg}");
            assert!(!msg.contains("multiconnection"));
        }
    }
}
