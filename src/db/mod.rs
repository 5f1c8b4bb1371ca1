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
pub mod kpi_months;
pub mod leaves;
pub mod locks;
pub mod notes;
pub mod people_months;
pub mod products;
pub mod rollups;
pub mod schema;
pub mod staff;
pub mod stats;
pub mod tasks;
pub mod tokens;
pub mod totals;
pub mod units;
pub mod versions;
pub mod writer;

use std::cell::Cell;
use std::sync::{Arc, Condvar, Mutex};
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

/// A transaction that writes. On SQLite:
///
/// - A connection of a pool hands the transaction to the pool's writer (`db::writer`): one
///   dedicated connection that runs every write transaction of the pool, first come first
///   served, and commits the transactions of queued writers together (group commit, each in its
///   own savepoint; nobody returns before the shared COMMIT). What follows describes connections
///   outside a pool (the command line's direct connections).
/// - Writers of this process queue on a process-wide, first-come-first-served gate before they
///   begin: SQLite has one writer at a time, and a writer that finds the database locked sleeps
///   in its busy handler with growing back-offs (up to 100 ms each), which made the p99 of the
///   write path. Queued on the gate, each writer starts the moment the previous one commits.
///   The gate is taken before the transaction begins, so a writer never holds SQLite's lock
///   while it waits for the gate. A write transaction nested in another is a savepoint and
///   passes through (the gate is re-entrant on one thread too). One gate for every SQLite database of the process: a server
///   serves one database; the tests, which open many, only serialise their short writes.
/// - The transaction begins `IMMEDIATE`, taking the database write lock before its first read:
///   a deferred transaction that reads and then writes fails at once with "database is locked"
///   when another connection committed in between (busy_timeout cannot help, its snapshot is
///   stale); taking the lock first makes it wait its turn instead. Other processes writing to
///   the same file still meet `busy_timeout`, which stays as the fallback.
///
/// PostgreSQL needs neither: its writers lock rows, not the database.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
    T: Send,
    E: From<diesel::result::Error> + Send,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    use diesel::Connection;
    let outermost = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()?
            .is_none(),
        DbConnection::Pg(_) => false,
    };
    if !outermost {
        // PostgreSQL, or nested in a transaction that already holds the lock: a plain
        // transaction (a savepoint when nested).
        return conn.transaction(f);
    }
    if !writer::inside() {
        if let Some(w) = writer_of(conn) {
            return w.run(f);
        }
    }
    let _turn = SQLITE_WRITE_GATE.enter();
    if let DbConnection::Sqlite(c) = conn {
        // IMMEDIATE takes the write lock at BEGIN, before the first read.
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    // From here on the same commit/rollback as `Connection::transaction`.
    match f(conn) {
        Ok(value) => {
            DbConnection::commit_transaction(conn)?;
            Ok(value)
        }
        Err(user_error) => match DbConnection::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(user_error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// Whether `conn` is inside a transaction (or, on SQLite, this thread is the pool's writer).
pub fn in_transaction(conn: &mut DbConnection) -> bool {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConnection::Pg(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    };
    writer::inside() || !matches!(depth, Ok(None))
}

/// A read-only transaction whose statements all see one snapshot of the database: on SQLite a
/// deferred transaction (WAL: the snapshot of its first read; writers go on meanwhile, its
/// connection is a reader's), on PostgreSQL `REPEATABLE READ, READ ONLY`. `f` must not write.
pub fn read_snapshot<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::{Connection, RunQueryDsl};
    conn.transaction(|conn| {
        if !is_sqlite(conn) {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(conn)?;
        }
        f(conn)
    })
}

/// The SQLite writer of the pool `conn` comes from, if any.
fn writer_of(conn: &mut DbConnection) -> Option<Arc<writer::SqliteWriter>> {
    use diesel::Connection;
    conn.instrumentation()
        .downcast_mut::<stats::Counting>()
        .and_then(|c| c.writer.clone())
}

/// Group-commit figures of the SQLite writer of `conn`'s pool (None on PostgreSQL and for
/// connections outside a pool).
pub fn writer_stats(conn: &mut DbConnection) -> Option<writer::WriterStats> {
    writer_of(conn).map(|w| w.stats())
}

/// True on SQLite, where a write transaction holds the database's only write lock from its
/// first statement (see [`write_transaction`]): row locks and re-reads under them add nothing.
pub fn is_sqlite(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Sqlite(_))
}

/// A first-come-first-served lock (a ticket lock): the writer that has waited longest goes
/// next, so no writer starves behind newcomers (the p99 is the point).
struct WriteGate {
    /// (next ticket to hand out, ticket being served)
    tickets: Mutex<(u64, u64)>,
    turn: Condvar,
}

static SQLITE_WRITE_GATE: WriteGate = WriteGate {
    tickets: Mutex::new((0, 0)),
    turn: Condvar::new(),
};

thread_local! {
    /// How deep this thread is inside the gate (re-entrance).
    static GATE_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// This thread's turn at the gate; the next writer goes when it is dropped.
struct GateTurn {
    gate: &'static WriteGate,
}

impl WriteGate {
    fn enter(&'static self) -> GateTurn {
        if GATE_DEPTH.with(|d| d.get()) > 0 {
            GATE_DEPTH.with(|d| d.set(d.get() + 1));
            return GateTurn { gate: self };
        }
        let mut t = self.tickets.lock().unwrap_or_else(|p| p.into_inner());
        let mine = t.0;
        t.0 += 1;
        while t.1 != mine {
            t = self.turn.wait(t).unwrap_or_else(|p| p.into_inner());
        }
        drop(t);
        GATE_DEPTH.with(|d| d.set(1));
        GateTurn { gate: self }
    }
}

impl Drop for GateTurn {
    fn drop(&mut self) {
        let depth = GATE_DEPTH.with(|d| {
            let v = d.get().saturating_sub(1);
            d.set(v);
            v
        });
        if depth == 0 {
            let mut t = self.gate.tickets.lock().unwrap_or_else(|p| p.into_inner());
            t.1 += 1;
            drop(t);
            self.gate.turn.notify_all();
        }
    }
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
/// timeout, synchronous=NORMAL), PostgreSQL's `statement_timeout` when one is configured, and
/// the pool's statement counter on every connection.
#[derive(Debug, Clone)]
struct ConnectionSetup {
    statement_timeout: Option<Duration>,
    statements: Arc<stats::StatementCounter>,
    /// The pool's SQLite writer (None on PostgreSQL and for `:memory:`, where every connection
    /// is its own database).
    writer: Option<Arc<writer::SqliteWriter>>,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::Connection;
        conn.set_instrumentation(stats::Counting::new(
            Arc::clone(&self.statements),
            self.writer.clone(),
        ));
        match conn {
            DbConnection::Sqlite(c) => c
                .batch_execute(writer::SQLITE_PRAGMAS)
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
    Ok(build_counted_pool(url, options)?.0)
}

/// [`build_pool_with`], with the counter of the statements its connections run.
pub fn build_counted_pool(
    url: &str,
    options: &PoolOptions,
) -> anyhow::Result<(DbPool, Arc<stats::StatementCounter>)> {
    let mut url = prepare_url(url)?;
    let postgres = Backend::of_url(&url) == Backend::Postgres;
    if postgres {
        url = pg_url_with_timeouts(&url, options.connect_timeout);
    }
    // A PostgreSQL connection can die with the server or the network: test it when it is
    // handed out. An SQLite connection is a file handle; the test would be a statement of every
    // request for nothing (a connection whose transaction broke is dropped on return anyway).
    let statements = Arc::new(stats::StatementCounter::default());
    let writer = (!postgres && url != ":memory:").then(|| {
        Arc::new(writer::SqliteWriter::new(
            url.clone(),
            Arc::clone(&statements),
        ))
    });
    let manager = ConnectionManager::<DbConnection>::new(url);
    let pool = Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(0))
        .test_on_check_out(postgres)
        .connection_timeout(options.connect_timeout)
        .connection_customizer(Box::new(ConnectionSetup {
            statement_timeout: options.statement_timeout,
            statements: Arc::clone(&statements),
            writer,
        }))
        .build_unchecked(manager);
    Ok((pool, statements))
}

/// Applies every pending migration of the connection's backend.
/// Refreshes the planner statistics after a bulk load: `ANALYZE` on PostgreSQL (autovacuum
/// catches up only later, and until then the planner works from empty-table estimates). Nothing on
/// SQLite, whose plans here do not depend on statistics (it keeps none unless asked). Returns
/// whether it ran.
pub fn analyze_after_bulk_load(conn: &mut DbConnection) -> diesel::QueryResult<bool> {
    if is_sqlite(conn) {
        return Ok(false);
    }
    diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), conn)?;
    Ok(true)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_write_gate_lets_one_writer_in_at_a_time_in_arrival_order_and_is_reentrant() {
        static GATE: WriteGate = WriteGate {
            tickets: Mutex::new((0, 0)),
            turn: Condvar::new(),
        };
        let inside = Arc::new(AtomicUsize::new(0));
        let order = Arc::new(Mutex::new(Vec::new()));
        // Hold the gate while eight writers queue, one after the other.
        let first = GATE.enter();
        let mut handles = Vec::new();
        for i in 0..8 {
            let (inside, order) = (Arc::clone(&inside), Arc::clone(&order));
            handles.push(std::thread::spawn(move || {
                let _turn = GATE.enter();
                assert_eq!(
                    inside.fetch_add(1, Ordering::SeqCst),
                    0,
                    "two writers inside"
                );
                {
                    // Nested: passes through on the same thread.
                    let _again = GATE.enter();
                }
                order.lock().expect("order").push(i);
                std::thread::sleep(Duration::from_millis(2));
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
            // Wait until writer i holds its ticket before starting the next one.
            while GATE.tickets.lock().expect("tickets").0 < i + 2 {
                std::thread::yield_now();
            }
        }
        drop(first);
        for h in handles {
            h.join().expect("writer");
        }
        assert_eq!(*order.lock().expect("order"), (0..8).collect::<Vec<_>>());
    }

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
