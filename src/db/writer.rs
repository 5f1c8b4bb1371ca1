//! The SQLite writer of a pool: one dedicated connection that runs every write transaction of
//! the process, with group commit.
//!
//! Why one connection: SQLite has one writer at a time anyway. When each request wrote on its
//! own pooled connection, every write transaction began by discarding that connection's page
//! cache (another connection had written since), re-reading the B-tree pages it touched, and
//! took the file locks anew. The writer's cache stays valid because nobody else writes.
//!
//! Group commit: writers queue first come, first served (a ticket lock). The first writer of a
//! batch begins `BEGIN IMMEDIATE` and runs its work in the transaction itself; when it is done and
//! others are queued, it leaves the transaction open and hands the connection to the next one,
//! which runs its work in a SAVEPOINT inside the same transaction. The last writer of the batch
//! (nobody queued behind it, or the batch is full or old) commits once for all of them and wakes
//! them. Nobody returns before the shared COMMIT has succeeded, so a response never announces
//! what is not committed: durability is exactly that of one commit per request (WAL,
//! `synchronous = NORMAL`). A writer whose work fails rolls back its savepoint only; the batch
//! goes on. Only a failure of the transaction itself (the COMMIT, a broken connection, a panic)
//! fails every member of the batch, and then nothing of the batch is committed.
//!
//! A batch closes after [`MAX_MEMBERS`] writers or [`MAX_OPEN`]: a writer never waits for the
//! commit longer than that plus the work queued before it.
//!
//! Checkpoints: a checkpointer thread with its own connection runs `wal_checkpoint(PASSIVE)` a
//! few times a second while there are commits, so that most of the copying from the WAL into
//! the database (and its fsyncs) happens off the commit path; a passive checkpoint never blocks
//! the writer. The writer's connection keeps SQLite's automatic checkpoint (at 1,000 WAL pages,
//! inside the COMMIT that crosses them): it then finds most frames already copied, and it is
//! what lets the next transaction restart the WAL from its beginning. With the automatic
//! checkpoint off, a passive checkpoint never catches up with a writer that keeps appending and
//! the WAL file grew without bound under load (650 MB in a 10 s wrk run). Durability is
//! unchanged (WAL with `synchronous = NORMAL`: a commit is in the WAL file when COMMIT returns
//! and survives a crash of the process; the WAL is fsynced at checkpoints, so a power loss may
//! lose the last commits before a checkpoint, never the database's consistency).
//!
use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, SqliteConnection};

use super::stats::{Counting, StatementCounter};
use super::DbConnection;

/// Writers in one batch at most.
pub const MAX_MEMBERS: u32 = 32;
/// A batch commits when its transaction has been open this long, writers queued or not.
pub const MAX_OPEN: Duration = Duration::from_millis(4);

/// The pragmas of every SQLite connection of the process (the architecture's: WAL, foreign
/// keys, busy timeout as the fallback for other processes, `synchronous = NORMAL`).
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";

/// Batches committed and writers served (tests and figures).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    pub commits: u64,
    pub members: u64,
}

/// The writer of one SQLite database (one per pool).
pub struct SqliteWriter {
    path: String,
    statements: Arc<StatementCounter>,
    gate: Gate,
    conn: Mutex<Option<DbConnection>>,
    batch: Mutex<BatchState>,
    settled: Condvar,
    commits: AtomicU64,
    members: AtomicU64,
    checkpointer: Arc<Checkpointer>,
}

/// What the writer and its checkpointer thread share.
#[derive(Default)]
struct Checkpointer {
    /// (commits not yet checkpointed, the writer is gone, the thread runs)
    state: Mutex<(u64, bool, bool)>,
    wake: Condvar,
}

/// Commits after which the checkpointer is woken at once (it also runs every
/// [`CHECKPOINT_EVERY`] while there were commits).
const CHECKPOINT_AFTER_COMMITS: u64 = 200;
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        lock(&self.checkpointer.state).1 = true;
        self.checkpointer.wake.notify_all();
    }
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct BatchState {
    /// The batch whose transaction is open on the connection.
    open: Option<u64>,
    opened_at: Option<Instant>,
    members: u32,
    next_id: u64,
    /// Every batch with a lower id has an outcome.
    settled_below: u64,
    /// Batches that failed as a whole, with the reason (removed by the last member reading it).
    failed: HashMap<u64, (String, u32)>,
}

/// A first-come-first-served lock: the writer that has waited longest goes next, so no writer
/// starves behind newcomers. Each waiter sleeps on its own (the thread is parked) and the one
/// leaving wakes exactly the next one, handing the lock over: with one condition variable for
/// all, every hand-over woke every waiter (16 connections: 15 wake-ups, 14 of them for
/// nothing, on a machine whose cores are the bottleneck).
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    /// Someone holds the lock (it passes from holder to the next waiter without being free).
    held: bool,
    /// Waiters in arrival order.
    waiting: std::collections::VecDeque<Arc<Waiter>>,
}

/// A waiting thread and whether the lock was handed to it.
struct Waiter {
    thread: std::thread::Thread,
    handed: std::sync::atomic::AtomicBool,
}

struct Turn<'a> {
    gate: &'a Gate,
}

impl Gate {
    fn enter(&self) -> Turn<'_> {
        let me = {
            let mut st = lock(&self.state);
            if !st.held {
                st.held = true;
                return Turn { gate: self };
            }
            let me = Arc::new(Waiter {
                thread: std::thread::current(),
                handed: std::sync::atomic::AtomicBool::new(false),
            });
            st.waiting.push_back(Arc::clone(&me));
            me
        };
        // Parks may end spuriously: the flag says whether the lock is ours.
        while !me.handed.load(Ordering::Acquire) {
            std::thread::park();
        }
        Turn { gate: self }
    }

    /// Writers waiting behind the one holding the lock.
    fn queued(&self) -> u64 {
        lock(&self.state).waiting.len() as u64
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let next = {
            let mut st = lock(&self.gate.state);
            let next = st.waiting.pop_front();
            if next.is_none() {
                st.held = false;
            }
            next
        };
        if let Some(w) = next {
            w.handed.store(true, Ordering::Release);
            w.thread.unpark();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

std::thread_local! {
    /// True while this thread runs work on a writer's connection (a write transaction nested
    /// on another connection then runs as before, without the writer).
    static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a writer's transaction.
pub(crate) fn inside() -> bool {
    INSIDE.with(|i| i.get())
}

struct InsideGuard;
impl InsideGuard {
    fn new() -> InsideGuard {
        INSIDE.with(|i| i.set(true));
        InsideGuard
    }
}
impl Drop for InsideGuard {
    fn drop(&mut self) {
        INSIDE.with(|i| i.set(false));
    }
}

/// How a member's work ended.
enum Outcome<T, E> {
    /// Done (its changes are in the batch's transaction), or refused (its savepoint, or the
    /// transaction it opened alone, was rolled back).
    Finished(Result<T, E>),
    /// The transaction is unusable: the whole batch is rolled back.
    Broken(Result<T, E>, String),
    Panicked(Box<dyn std::any::Any + Send>),
}

fn batch_error(reason: &str) -> DieselError {
    DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(reason.to_string()))
}

impl SqliteWriter {
    pub(crate) fn new(path: String, statements: Arc<StatementCounter>) -> SqliteWriter {
        SqliteWriter {
            path,
            statements,
            gate: Gate::default(),
            conn: Mutex::new(None),
            batch: Mutex::new(BatchState::default()),
            settled: Condvar::new(),
            commits: AtomicU64::new(0),
            members: AtomicU64::new(0),
            checkpointer: Arc::default(),
        }
    }

    /// Starts the checkpointer thread (once, with the writer's first connection).
    fn start_checkpointer(&self) {
        {
            let mut st = lock(&self.checkpointer.state);
            if st.2 {
                return;
            }
            st.2 = true;
        }
        let shared = Arc::clone(&self.checkpointer);
        let path = self.path.clone();
        let spawned = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&shared, &path));
        if let Err(e) = spawned {
            tracing::warn!("no checkpointer thread ({e}): the writer checkpoints on commit");
            lock(&self.checkpointer.state).2 = false;
        }
    }

    /// Counts a commit for the checkpointer.
    fn committed(&self) {
        let mut st = lock(&self.checkpointer.state);
        st.0 += 1;
        if st.0 >= CHECKPOINT_AFTER_COMMITS {
            self.checkpointer.wake.notify_all();
        }
    }

    pub fn stats(&self) -> WriterStats {
        WriterStats {
            commits: self.commits.load(Ordering::Relaxed),
            members: self.members.load(Ordering::Relaxed),
        }
    }

    fn connect(&self) -> Result<DbConnection, DieselError> {
        let mut c = SqliteConnection::establish(&self.path)
            .map_err(|e| batch_error(&format!("cannot open the database: {e}")))?;
        c.batch_execute(SQLITE_PRAGMAS)?;
        // The automatic checkpoint stays on (1,000 pages): see the module documentation.
        self.start_checkpointer();
        let mut conn = DbConnection::Sqlite(c);
        conn.set_instrumentation(Counting::new(Arc::clone(&self.statements), None));
        Ok(conn)
    }

    /// Runs `f` as one write transaction (see the module documentation).
    pub fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DieselError>,
    {
        let turn = self.gate.enter();
        let mut slot = lock(&self.conn);
        if slot.is_none() {
            *slot = Some(self.connect()?);
        }
        let (id, first) = {
            let mut b = lock(&self.batch);
            match b.open {
                Some(id) => {
                    b.members += 1;
                    (id, false)
                }
                None => {
                    let id = b.next_id;
                    b.next_id += 1;
                    b.open = Some(id);
                    b.opened_at = Some(Instant::now());
                    b.members = 1;
                    (id, true)
                }
            }
        };
        self.members.fetch_add(1, Ordering::Relaxed);
        let outcome = match slot.as_mut() {
            None => Outcome::Broken(
                Err(batch_error("the writer has no connection").into()),
                "the writer has no connection".to_string(),
            ),
            Some(conn) => {
                let begun = if first {
                    match conn {
                        DbConnection::Sqlite(c) => {
                            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                        }
                        DbConnection::Pg(_) => Err(batch_error(
                            "the SQLite writer holds a PostgreSQL connection",
                        )),
                    }
                } else {
                    Ok(())
                };
                match begun {
                    // Nothing of this batch exists yet: nobody else is in it.
                    Err(e) => {
                        let reason = e.to_string();
                        Outcome::Broken(Err(e.into()), reason)
                    }
                    Ok(()) => run_member(conn, first, f),
                }
            }
        };
        match outcome {
            Outcome::Panicked(panic) => {
                self.abort(id, &mut slot, "a writer of the batch panicked");
                drop(slot);
                drop(turn);
                resume_unwind(panic)
            }
            Outcome::Broken(result, reason) => {
                self.abort(id, &mut slot, &reason);
                drop(slot);
                drop(turn);
                match result {
                    Err(e) => Err(e),
                    Ok(_) => Err(batch_error(&reason).into()),
                }
            }
            Outcome::Finished(Err(e)) if first => {
                // The transaction holds this writer's work only: roll it back whole.
                let failure = match slot.as_mut() {
                    Some(conn) => DbConnection::rollback_transaction(conn)
                        .err()
                        .map(|e| e.to_string()),
                    None => None,
                };
                self.close(
                    id,
                    Some(failure.unwrap_or_else(|| "rolled back".into())),
                    &mut slot,
                );
                Err(e)
            }
            Outcome::Finished(result) => {
                let commit_now = {
                    let b = lock(&self.batch);
                    self.gate.queued() == 0
                        || b.members >= MAX_MEMBERS
                        || b.opened_at.is_some_and(|t| t.elapsed() >= MAX_OPEN)
                };
                let failure = if commit_now {
                    let failure = match slot.as_mut() {
                        Some(conn) => DbConnection::commit_transaction(conn)
                            .err()
                            .map(|e| e.to_string()),
                        None => Some("the writer has no connection".to_string()),
                    };
                    self.close(id, failure.clone(), &mut slot);
                    drop(slot);
                    drop(turn);
                    failure
                } else {
                    // Hand the open transaction to the next writer and wait for the commit.
                    drop(slot);
                    drop(turn);
                    self.wait(id)
                };
                match (result, failure) {
                    (Err(e), _) => Err(e),
                    (Ok(v), None) => Ok(v),
                    (Ok(_), Some(reason)) => Err(batch_error(&reason).into()),
                }
            }
        }
    }

    /// Rolls the whole batch back (its transaction is unusable) and fails its members.
    fn abort(&self, id: u64, slot: &mut Option<DbConnection>, reason: &str) {
        if let Some(conn) = slot.as_mut() {
            if in_transaction(conn) {
                let _ = DbConnection::rollback_transaction(conn);
            }
        }
        self.close(id, Some(reason.to_string()), slot);
    }

    /// Ends batch `id` (committed when `failure` is None) and wakes its members. A connection
    /// left in a transaction or with a broken transaction manager is dropped; the next writer
    /// opens a new one.
    fn close(&self, id: u64, failure: Option<String>, slot: &mut Option<DbConnection>) {
        if let Some(conn) = slot.as_mut() {
            if is_broken(conn) || in_transaction(conn) {
                *slot = None;
            }
        }
        {
            let mut b = lock(&self.batch);
            b.open = None;
            b.opened_at = None;
            let others = b.members.saturating_sub(1);
            match failure {
                Some(reason) if others > 0 => {
                    b.failed.insert(id, (reason, others));
                }
                Some(_) => {}
                None => {
                    self.commits.fetch_add(1, Ordering::Relaxed);
                    self.committed();
                }
            }
            b.members = 0;
            b.settled_below = id + 1;
        }
        self.settled.notify_all();
    }

    /// Waits for batch `id` to be settled; its failure, if it failed.
    fn wait(&self, id: u64) -> Option<String> {
        let mut b = lock(&self.batch);
        while b.settled_below <= id {
            b = self.settled.wait(b).unwrap_or_else(|p| p.into_inner());
        }
        let (reason, left) = b.failed.get_mut(&id).map(|(r, n)| {
            *n -= 1;
            (r.clone(), *n)
        })?;
        if left == 0 {
            b.failed.remove(&id);
        }
        Some(reason)
    }
}

/// The checkpointer thread: a passive checkpoint after commits, until the writer is dropped.
fn checkpoint_loop(shared: &Checkpointer, path: &str) {
    let mut conn: Option<SqliteConnection> = None;
    loop {
        {
            let mut st = lock(&shared.state);
            loop {
                if st.1 {
                    return;
                }
                if st.0 >= CHECKPOINT_AFTER_COMMITS {
                    break;
                }
                let (next, timeout) = shared
                    .wake
                    .wait_timeout(st, CHECKPOINT_EVERY)
                    .unwrap_or_else(|p| p.into_inner());
                st = next;
                if timeout.timed_out() && st.0 > 0 && !st.1 {
                    break;
                }
            }
            st.0 = 0;
        }
        if conn.is_none() {
            conn = SqliteConnection::establish(path)
                .ok()
                .and_then(|mut c| c.batch_execute(SQLITE_PRAGMAS).ok().map(|_| c));
        }
        if let Some(c) = conn.as_mut() {
            if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                tracing::warn!("WAL checkpoint failed: {e}");
                conn = None;
            }
        }
    }
}

/// Runs one member's work: the batch's first writer in the transaction itself, the others in a
/// savepoint.
fn run_member<T, E, F>(conn: &mut DbConnection, first: bool, f: F) -> Outcome<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    let _inside = InsideGuard::new();
    match catch_unwind(AssertUnwindSafe(|| {
        if first {
            f(conn)
        } else {
            // A savepoint: a refusal rolls back this writer's work only.
            conn.transaction(f)
        }
    })) {
        Err(panic) => Outcome::Panicked(panic),
        Ok(result) => {
            if is_broken(conn) || !in_transaction(conn) {
                let reason = match &result {
                    Err(_) => "the write transaction broke",
                    Ok(_) => "the write transaction ended early",
                };
                Outcome::Broken(result, reason.to_string())
            } else {
                Outcome::Finished(result)
            }
        }
    }
}

/// The transaction manager is in its error state (not merely inside a transaction, which
/// diesel's `is_broken_transaction_manager` also calls broken).
fn is_broken(conn: &mut DbConnection) -> bool {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .is_err(),
        DbConnection::Pg(_) => true,
    }
}

fn in_transaction(conn: &mut DbConnection) -> bool {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map(|d| d.is_some())
            .unwrap_or(true),
        DbConnection::Pg(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_query;
    use diesel::RunQueryDsl;

    fn writer() -> (tempfile::TempDir, Arc<SqliteWriter>) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("w.db").to_string_lossy().to_string();
        let mut c = SqliteConnection::establish(&path).expect("open");
        c.batch_execute(&format!(
            "{SQLITE_PRAGMAS} CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);"
        ))
        .expect("schema");
        let w = Arc::new(SqliteWriter::new(path, Arc::default()));
        (dir, w)
    }

    fn count(w: &SqliteWriter) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = SqliteConnection::establish(&w.path).expect("open");
        sql_query("SELECT COUNT(*) AS n FROM t")
            .get_result::<N>(&mut c)
            .expect("count")
            .n
    }

    #[test]
    fn queued_writers_share_commits_and_a_refusal_rolls_back_only_its_own_work() {
        let (_dir, w) = writer();
        let threads = 8;
        let per_thread = 60;
        let mut handles = Vec::new();
        for t in 0..threads {
            let w = Arc::clone(&w);
            handles.push(std::thread::spawn(move || {
                let mut refused = 0;
                for i in 0..per_thread {
                    let k = t * 1000 + i;
                    let r: Result<(), DieselError> = w.run(|conn| {
                        sql_query(format!("INSERT INTO t (k, v) VALUES ({k}, 'x')"))
                            .execute(conn)?;
                        if i % 5 == 0 {
                            // Refused after writing: nothing of it may stay.
                            sql_query(format!("INSERT INTO t (k, v) VALUES ({k}, 'again')"))
                                .execute(conn)?;
                        }
                        Ok(())
                    });
                    if r.is_err() {
                        refused += 1;
                    }
                }
                refused
            }));
        }
        let refused: i64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
        let all = (threads * per_thread) as i64;
        assert_eq!(refused, all / 5);
        assert_eq!(
            count(&w),
            all - refused,
            "exactly the accepted rows are committed"
        );
        let s = w.stats();
        assert_eq!(s.members, all as u64);
        assert!(
            s.commits < s.members,
            "queued writers share a commit: {s:?}"
        );
    }

    #[test]
    fn a_writer_alone_commits_its_own_transaction_and_a_panic_fails_only_its_batch() {
        let (_dir, w) = writer();
        let r: Result<i32, DieselError> = w.run(|conn| {
            sql_query("INSERT INTO t (k, v) VALUES (1, 'a')").execute(conn)?;
            Ok(7)
        });
        assert_eq!(r.expect("committed"), 7);
        assert_eq!(count(&w), 1);
        assert_eq!(w.stats().commits, 1);
        let w2 = Arc::clone(&w);
        let panicked = std::thread::spawn(move || {
            let _: Result<(), DieselError> = w2.run(|conn| {
                sql_query("INSERT INTO t (k, v) VALUES (2, 'b')").execute(conn)?;
                panic!("boom");
            });
        })
        .join();
        assert!(panicked.is_err());
        assert_eq!(count(&w), 1, "the panicking writer's row is rolled back");
        // The writer still works after the panic.
        let r: Result<(), DieselError> = w.run(|conn| {
            sql_query("INSERT INTO t (k, v) VALUES (3, 'c')").execute(conn)?;
            Ok(())
        });
        r.expect("writes after a panic");
        assert_eq!(count(&w), 2);
    }
}
