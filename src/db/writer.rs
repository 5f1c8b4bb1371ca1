//! The SQLite writer of a pool: one dedicated connection that runs every write transaction of
//! the process, with group commit.
//!
//! Why one connection: SQLite has one writer at a time anyway. When each request wrote on its
//! own pooled connection, every write transaction began by discarding that connection's page
//! cache (another connection had written since), re-reading the B-tree pages it touched, and
//! took the file locks anew. The writer's cache stays valid because nobody else writes.
//!
//! One thread: the connection belongs to a writer thread, and a caller's write transaction is
//! a job queued for it (first come, first served); the caller sleeps until its job's batch has
//! committed. Earlier the work ran on the caller's own thread and the connection was handed from
//! caller to caller: every hand-over waited for the next caller's thread to be scheduled, and on
//! a machine whose cores are busy (2 cores shared with the load client) those waits, one per
//! request and all on the one serial path, were most of a write's latency (the server used 0.7
//! of 2 cores at 16 connections while its writers queued). The writer thread goes from one job
//! to the next without waiting for anyone; callers are woken off that path.
//!
//! Group commit: the thread begins `BEGIN IMMEDIATE` and runs the first queued job in the
//! transaction itself; jobs queued meanwhile run next, each in a SAVEPOINT inside the same
//! transaction, until none is queued or the batch is full or old; then it commits once for all
//! of them and wakes them. Nobody returns before the shared COMMIT has succeeded, so a response
//! never announces what is not committed: durability is exactly that of one commit per request
//! (WAL, `synchronous = NORMAL`). A job whose work fails rolls back its savepoint only (the
//! batch's first job: the transaction, which holds only its work) and the batch goes on. Only a
//! failure of the transaction itself (the COMMIT, a broken connection, a panic) fails every
//! member of the batch, and then nothing of the batch is committed.
//!
//! A job's closure borrows from its caller's stack (it is `Send`, its lifetime erased): the
//! caller does not return before the thread has run or dropped it.
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
use std::collections::VecDeque;
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
/// keys, busy timeout as the fallback for other processes, `synchronous = NORMAL`). The busy
/// timeout comes first: `journal_mode` reads the database, and a connection opened while
/// another one holds a lock (the start-up migrations and rebuilds) failed at once with
/// "database is locked" before it had a timeout (four r2d2 errors in the log of every start at
/// province scale, each a connection thrown away).
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

/// The writer connection's own settings: a page cache of 32 MiB (SQLite's default is 2 MiB).
/// The writer's cache stays valid (nobody else writes), and at province scale (a 1.8 GB file;
/// a write touches the entries table, its indexes, the day, week and audit rows) the default
/// sent a large part of its time into re-reading pages from the OS (`pread`: 7 % of the
/// server's CPU under wrk at 16 connections). Temporary storage stays on files: with
/// `temp_store = MEMORY` the statement journals of a large transaction (the rollup builds) are
/// truncated by walking an in-memory list on every statement, which made the warmer's first
/// pass 2-3× slower (issue 14, docs/scaling.md).
pub(crate) const WRITER_PRAGMAS: &str = "PRAGMA cache_size = -32768;";

/// Batches committed and writers served (tests and figures).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    pub commits: u64,
    pub members: u64,
}

/// The writer of one SQLite database (one per pool).
pub struct SqliteWriter {
    path: String,
    shared: Arc<Shared>,
    checkpointer: Arc<Checkpointer>,
}

/// What callers and the writer thread share.
struct Shared {
    statements: Arc<StatementCounter>,
    /// (queued work, the writer is gone, the thread runs)
    queue: Mutex<(VecDeque<Job>, bool, bool)>,
    wake: Condvar,
    commits: AtomicU64,
    members: AtomicU64,
}

/// A job's work on the writer's connection (the flag: first of its batch).
type Work<'a> = Box<dyn FnOnce(&mut DbConnection, bool) -> Ran + Send + 'a>;

/// One caller's work, queued for the writer thread. Its closure borrows from the caller's
/// stack (its lifetime is erased, see [`SqliteWriter::run`]): the caller waits until `done` is
/// set, which happens only after the closure has run or been dropped.
struct Job {
    work: Option<Work<'static>>,
    done: Arc<Done>,
}

/// How a job's closure ended on the connection.
enum Ran {
    /// Its work is in the transaction (Ok) or was rolled back (Err: its savepoint, or the
    /// transaction it ran alone in).
    Finished {
        ok: bool,
    },
    /// The transaction is unusable.
    Broken(String),
    Panicked(Box<dyn std::any::Any + Send>),
}

/// A job's outcome, for its caller.
enum Settled {
    Committed,
    Failed(String),
    Panicked(Box<dyn std::any::Any + Send>),
}

#[derive(Default)]
struct Done {
    outcome: Mutex<Option<Settled>>,
    cv: Condvar,
}

impl Done {
    fn set(&self, s: Settled) {
        let mut o = lock(&self.outcome);
        if o.is_none() {
            *o = Some(s);
        }
        drop(o);
        self.cv.notify_all();
    }

    fn wait(&self) -> Settled {
        let mut o = lock(&self.outcome);
        loop {
            if let Some(s) = o.take() {
                return s;
            }
            o = self.cv.wait(o).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl Job {
    /// Runs the closure (once) on the connection.
    fn run(&mut self, conn: &mut DbConnection, first: bool) -> Ran {
        match self.work.take() {
            Some(work) => work(conn, first),
            None => Ran::Broken("the work ran already".into()),
        }
    }

    fn settle(mut self, s: Settled) {
        // The closure (and what it borrows) is gone before the caller is released.
        self.work = None;
        self.done.set(s);
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // Dropped without an outcome (the writer thread unwinding or gone): the caller must
        // not wait forever, and must not return before the closure is dropped.
        self.work = None;
        self.done.set(Settled::Failed("the writer stopped".into()));
    }
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
        lock(&self.shared.queue).1 = true;
        self.shared.wake.notify_all();
    }
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

std::thread_local! {
    /// True on the writer's thread (a write transaction nested on another connection then runs
    /// as before, without the writer).
    static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is the writer's (inside its transaction).
pub(crate) fn inside() -> bool {
    INSIDE.with(|i| i.get())
}

fn batch_error(reason: &str) -> DieselError {
    DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(reason.to_string()))
}

impl SqliteWriter {
    pub(crate) fn new(path: String, statements: Arc<StatementCounter>) -> SqliteWriter {
        SqliteWriter {
            path,
            shared: Arc::new(Shared {
                statements,
                queue: Mutex::new((VecDeque::new(), false, false)),
                wake: Condvar::new(),
                commits: AtomicU64::new(0),
                members: AtomicU64::new(0),
            }),
            checkpointer: Arc::default(),
        }
    }

    /// Starts the checkpointer thread (once, with the writer's first connection).
    fn start_checkpointer(path: &str, checkpointer: &Arc<Checkpointer>) {
        {
            let mut st = lock(&checkpointer.state);
            if st.2 {
                return;
            }
            st.2 = true;
        }
        let shared = Arc::clone(checkpointer);
        let path = path.to_string();
        let spawned = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&shared, &path));
        if let Err(e) = spawned {
            tracing::warn!("no checkpointer thread ({e}): the writer checkpoints on commit");
            lock(&checkpointer.state).2 = false;
        }
    }

    pub fn stats(&self) -> WriterStats {
        WriterStats {
            commits: self.shared.commits.load(Ordering::Relaxed),
            members: self.shared.members.load(Ordering::Relaxed),
        }
    }

    /// Runs `f` as one write transaction (see the module documentation): queued for the
    /// writer's thread, which runs it on the writer's connection; returns once its batch has
    /// committed (or failed).
    pub fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
        T: Send,
        E: From<DieselError> + Send,
    {
        let mut slot: Option<Result<T, E>> = None;
        let lang = crate::i18n::current();
        {
            let out = &mut slot;
            let work = move |conn: &mut DbConnection, first: bool| -> Ran {
                crate::i18n::with_lang(lang, || run_member(conn, first, f, out))
            };
            let work: Work<'_> = Box::new(work);
            // SAFETY: the closure borrows `slot` and what `f` borrows, all of which outlive
            // this block: `done.wait()` below returns only after the writer thread has run or
            // dropped the closure (`Job::settle` and `Job::drop` drop it before setting the
            // outcome), and nothing else keeps it.
            let work: Work<'static> = unsafe { std::mem::transmute(work) };
            let done = Arc::new(Done::default());
            let job = Job {
                work: Some(work),
                done: Arc::clone(&done),
            };
            if let Err(job) = self.submit(job) {
                drop(job);
                let _ = done.wait();
                return Err(batch_error("the writer thread could not start").into());
            }
            match done.wait() {
                Settled::Committed => {}
                Settled::Panicked(p) => resume_unwind(p),
                Settled::Failed(reason) => {
                    return match slot.take() {
                        Some(Err(e)) => Err(e),
                        _ => Err(batch_error(&reason).into()),
                    }
                }
            }
        }
        slot.unwrap_or_else(|| Err(batch_error("the work did not run").into()))
    }

    /// Queues a job, starting the writer thread with the first one.
    fn submit(&self, job: Job) -> Result<(), Job> {
        let mut q = lock(&self.shared.queue);
        if !q.2 {
            let shared = Arc::clone(&self.shared);
            let path = self.path.clone();
            let checkpointer = Arc::clone(&self.checkpointer);
            let spawned = std::thread::Builder::new()
                .name("sqlite-writer".into())
                .spawn(move || writer_loop(&shared, &path, &checkpointer));
            if let Err(e) = spawned {
                tracing::error!("no SQLite writer thread: {e}");
                return Err(job);
            }
            q.2 = true;
        }
        q.0.push_back(job);
        drop(q);
        self.shared.wake.notify_one();
        Ok(())
    }
}

fn connect(
    path: &str,
    shared: &Shared,
    checkpointer: &Arc<Checkpointer>,
) -> Result<DbConnection, DieselError> {
    let mut c = SqliteConnection::establish(path)
        .map_err(|e| batch_error(&format!("cannot open the database: {e}")))?;
    c.batch_execute(SQLITE_PRAGMAS)?;
    c.batch_execute(WRITER_PRAGMAS)?;
    // The automatic checkpoint stays on (1,000 pages): see the module documentation.
    SqliteWriter::start_checkpointer(path, checkpointer);
    let mut conn = DbConnection::Sqlite(c);
    conn.set_instrumentation(Counting::new(Arc::clone(&shared.statements), None));
    Ok(conn)
}

/// The next queued job, waiting for one; None when the writer is gone.
fn next_job(shared: &Shared) -> Option<Job> {
    let mut q = lock(&shared.queue);
    loop {
        if let Some(j) = q.0.pop_front() {
            return Some(j);
        }
        if q.1 {
            return None;
        }
        q = shared.wake.wait(q).unwrap_or_else(|p| p.into_inner());
    }
}

/// A queued job, if there is one now.
fn queued_job(shared: &Shared) -> Option<Job> {
    lock(&shared.queue).0.pop_front()
}

/// The writer thread: takes queued jobs first come, first served, and runs them in batches
/// (group commit, see the module documentation) until the writer is dropped.
fn writer_loop(shared: &Shared, path: &str, checkpointer: &Arc<Checkpointer>) {
    INSIDE.with(|i| i.set(true));
    let mut conn: Option<DbConnection> = None;
    let mut pending: Option<Job> = None;
    loop {
        let Some(mut first) = pending.take().or_else(|| next_job(shared)) else {
            break;
        };
        if conn.is_none() {
            match connect(path, shared, checkpointer) {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    first.settle(Settled::Failed(e.to_string()));
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        shared.members.fetch_add(1, Ordering::Relaxed);
        let begun = match c {
            DbConnection::Sqlite(s) => {
                AnsiTransactionManager::begin_transaction_sql(s, "BEGIN IMMEDIATE")
            }
            DbConnection::Pg(_) => Err(batch_error(
                "the SQLite writer holds a PostgreSQL connection",
            )),
        };
        if let Err(e) = begun {
            first.settle(Settled::Failed(e.to_string()));
            conn = None;
            continue;
        }
        let opened = Instant::now();
        // The batch's first job runs in the transaction itself.
        match first.run(c, true) {
            Ran::Finished { ok: false } => {
                // Only its own work is in the transaction: roll it back whole.
                let failure = DbConnection::rollback_transaction(c).err();
                let reason = failure
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "rolled back".into());
                if failure.is_some() || is_broken(c) || in_transaction(c) {
                    conn = None;
                }
                first.settle(Settled::Failed(reason));
                continue;
            }
            Ran::Broken(reason) => {
                abort(&mut conn);
                first.settle(Settled::Failed(reason));
                continue;
            }
            Ran::Panicked(p) => {
                abort(&mut conn);
                first.settle(Settled::Panicked(p));
                continue;
            }
            Ran::Finished { ok: true } => {}
        }
        let mut members = vec![first];
        let mut failure: Option<String> = None;
        let mut panicked: Option<(usize, Box<dyn std::any::Any + Send>)> = None;
        // Others queued meanwhile join, each in a savepoint, until the batch is full or old.
        while (members.len() as u32) < MAX_MEMBERS && opened.elapsed() < MAX_OPEN {
            let Some(mut job) = queued_job(shared) else {
                break;
            };
            let Some(c) = conn.as_mut() else { break };
            shared.members.fetch_add(1, Ordering::Relaxed);
            match job.run(c, false) {
                Ran::Finished { .. } => members.push(job),
                Ran::Broken(reason) => {
                    failure = Some(reason);
                    members.push(job);
                    break;
                }
                Ran::Panicked(p) => {
                    failure = Some("a writer of the batch panicked".into());
                    panicked = Some((members.len(), p));
                    members.push(job);
                    break;
                }
            }
        }
        if failure.is_none() {
            let committed = match conn.as_mut() {
                Some(c) => DbConnection::commit_transaction(c)
                    .err()
                    .map(|e| e.to_string()),
                None => Some("the writer has no connection".into()),
            };
            failure = committed;
        }
        match failure {
            None => {
                shared.commits.fetch_add(1, Ordering::Relaxed);
                committed(checkpointer);
                for m in members {
                    m.settle(Settled::Committed);
                }
            }
            Some(reason) => {
                abort(&mut conn);
                for (i, m) in members.into_iter().enumerate() {
                    match panicked.take_if(|(at, _)| *at == i) {
                        Some((_, p)) => m.settle(Settled::Panicked(p)),
                        None => m.settle(Settled::Failed(reason.clone())),
                    }
                }
            }
        }
    }
    // The writer is gone: whatever is still queued fails (Job::drop).
    let rest: Vec<Job> = lock(&shared.queue).0.drain(..).collect();
    drop(rest);
}

/// Rolls the open transaction back (it is unusable); a connection left in a transaction or
/// with a broken transaction manager is dropped, and the next batch opens a new one.
fn abort(conn: &mut Option<DbConnection>) {
    if let Some(c) = conn.as_mut() {
        if in_transaction(c) {
            let _ = DbConnection::rollback_transaction(c);
        }
        if is_broken(c) || in_transaction(c) {
            *conn = None;
        }
    }
}

/// Counts a commit for the checkpointer.
fn committed(checkpointer: &Checkpointer) {
    let mut st = lock(&checkpointer.state);
    st.0 += 1;
    if st.0 >= CHECKPOINT_AFTER_COMMITS {
        checkpointer.wake.notify_all();
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
/// savepoint. Its result goes to `out`.
fn run_member<T, E, F>(
    conn: &mut DbConnection,
    first: bool,
    f: F,
    out: &mut Option<Result<T, E>>,
) -> Ran
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    match catch_unwind(AssertUnwindSafe(|| {
        if first {
            f(conn)
        } else {
            // A savepoint: a refusal rolls back this writer's work only.
            conn.transaction(f)
        }
    })) {
        Err(panic) => Ran::Panicked(panic),
        Ok(result) => {
            let ok = result.is_ok();
            *out = Some(result);
            if is_broken(conn) || !in_transaction(conn) {
                Ran::Broken(
                    if ok {
                        "the write transaction ended early"
                    } else {
                        "the write transaction broke"
                    }
                    .to_string(),
                )
            } else {
                Ran::Finished { ok }
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
    fn a_connection_opened_while_the_database_is_locked_waits_instead_of_failing() {
        // A database still in rollback-journal mode, exclusively locked by another connection
        // (as the first connection of a start holds it while it migrates or recovers): the
        // pragmas of a new connection must wait for the lock, not fail at `journal_mode`.
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("l.db").to_string_lossy().to_string();
        let mut holder = SqliteConnection::establish(&path).expect("open");
        holder
            .batch_execute("CREATE TABLE t (k INTEGER PRIMARY KEY); BEGIN EXCLUSIVE;")
            .expect("lock");
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            holder.batch_execute("COMMIT;").expect("unlock");
        });
        let mut late = SqliteConnection::establish(&path).expect("open");
        let set_up = late.batch_execute(SQLITE_PRAGMAS);
        release.join().expect("release");
        set_up.expect("the pragmas wait for the lock");
    }

    #[test]
    fn the_writer_connection_keeps_a_large_page_cache() {
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            v: i64,
        }
        let (_dir, w) = writer();
        let read = |pragma: &'static str| -> i64 {
            w.run(|conn| {
                sql_query(format!("SELECT {pragma} AS v FROM pragma_{pragma}()"))
                    .get_result::<Setting>(conn)
                    .map(|s| s.v)
            })
            .expect("pragma")
        };
        // Negative: KiB (32 MiB). Temporary storage: the default (0), on files.
        assert_eq!(read("cache_size"), -32768);
        assert_eq!(read("temp_store"), 0);
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
