//! Counting the statements a connection runs (diesel `Instrumentation`): every statement a
//! connection of the pool starts, and every statement it prepares into its cache. Each pool has
//! its own counter (the tests pin the number of statements of the hot writes with it; the
//! `/metrics` page may show it), and each thread keeps its own tally so that one unit of work can
//! be measured alone.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// Statements started and statements prepared by the connections of one pool.
#[derive(Debug, Default)]
pub struct StatementCounter {
    statements: AtomicU64,
    prepares: AtomicU64,
}

/// A reading of a counter: statements started and statements prepared (cached) so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatementCount {
    pub statements: u64,
    pub prepares: u64,
}

impl std::ops::Sub for StatementCount {
    type Output = StatementCount;
    fn sub(self, rhs: StatementCount) -> StatementCount {
        StatementCount {
            statements: self.statements.saturating_sub(rhs.statements),
            prepares: self.prepares.saturating_sub(rhs.prepares),
        }
    }
}

impl StatementCounter {
    pub fn read(&self) -> StatementCount {
        StatementCount {
            statements: self.statements.load(Ordering::Relaxed),
            prepares: self.prepares.load(Ordering::Relaxed),
        }
    }
}

thread_local! {
    static THREAD_STATEMENTS: Cell<StatementCount> = const {
        Cell::new(StatementCount { statements: 0, prepares: 0 })
    };
}

/// What the connections of this thread have run so far (all pools together).
pub fn on_this_thread() -> StatementCount {
    THREAD_STATEMENTS.with(|c| c.get())
}

/// The instrumentation installed on every pooled connection. It also carries the SQLite writer
/// of the connection's pool (`db::writer`), which the connection's write transactions go to.
pub(crate) struct Counting {
    statements: Arc<StatementCounter>,
    pub(crate) writer: Option<Arc<super::writer::SqliteWriter>>,
}

impl Counting {
    pub(crate) fn new(
        statements: Arc<StatementCounter>,
        writer: Option<Arc<super::writer::SqliteWriter>>,
    ) -> Counting {
        Counting { statements, writer }
    }
}

impl Instrumentation for Counting {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                tracing::trace!(target: "worklog_kpi::db::statements", "{query}");
                self.statements.statements.fetch_add(1, Ordering::Relaxed);
                THREAD_STATEMENTS.with(|c| {
                    let mut v = c.get();
                    v.statements += 1;
                    c.set(v);
                });
            }
            InstrumentationEvent::CacheQuery { .. } => {
                self.statements.prepares.fetch_add(1, Ordering::Relaxed);
                THREAD_STATEMENTS.with(|c| {
                    let mut v = c.get();
                    v.prepares += 1;
                    c.set(v);
                });
            }
            _ => {}
        }
    }
}
