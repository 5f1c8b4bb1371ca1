//! Password checks are the most expensive thing a stranger can ask for (argon2: 19 MiB and tens of
//! milliseconds of CPU each). They run outside any database connection, at most one per core at
//! once (a semaphore), with a short bounded queue; a login beyond that answers 429 with
//! `Retry-After` instead of piling up memory and threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::config::AuthSettings;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;

pub struct HashGate {
    permits: Arc<Semaphore>,
    concurrency: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// Decrements the waiting count however the wait ends (also when the request is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashGate {
    pub fn new(settings: &AuthSettings) -> HashGate {
        let concurrency = if settings.hash_concurrency > 0 {
            settings.hash_concurrency
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        };
        let max_waiting = if settings.hash_queue > 0 {
            settings.hash_queue
        } else {
            4 * concurrency
        };
        HashGate {
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            waiting: AtomicUsize::new(0),
            max_waiting,
            max_wait: Duration::from_millis(settings.hash_wait_ms),
        }
    }

    /// How many checks may run at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn busy() -> AppError {
        AppError::TooManyRequests {
            retry_after_secs: 1,
            text: Text::new(
                "Máy chủ đang bận kiểm tra mật khẩu của nhiều lượt đăng nhập; hãy thử lại sau 1 giây.",
                "The server is busy checking passwords of many logins; retry in 1 second.",
            ),
        }
    }

    /// Runs `check` (a password hash or verification) on the blocking pool once a slot is free;
    /// 429 when the queue is full or no slot frees up within the wait.
    pub async fn run<T, F>(&self, check: F) -> AppResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(Self::busy());
                }
                let _waiting = Waiting(&self.waiting);
                match tokio::time::timeout(self.max_wait, Arc::clone(&self.permits).acquire_owned())
                    .await
                {
                    Ok(Ok(p)) => p,
                    _ => return Err(Self::busy()),
                }
            }
        };
        let out = actix_web::web::block(move || {
            let out = check();
            drop(permit);
            out
        })
        .await?;
        Ok(out)
    }
}

/// Most glibc malloc arenas of the server process (see [`tune_allocator`]).
pub const MALLOC_ARENAS: i32 = 2;

/// Blocks from this size up are mmapped by glibc's malloc (see [`tune_allocator`]).
pub const MMAP_THRESHOLD: i32 = 4 << 20;

/// glibc's malloc raises its mmap threshold to the size of the largest block freed (up to
/// 32 MiB), after which argon2's 19 MiB buffers come from per-thread arenas and stay resident
/// after a burst of logins. A fixed threshold keeps every large buffer on mmap, returned to the
/// system when freed.
///
/// glibc also gives each thread that allocates under contention an arena of its own, up to
/// 8 per core, and an arena keeps what its thread freed: every blocking thread that ran a large
/// report (the dashboard of a province) kept its tens of MiB after the answer, once per arena
/// (issue 14: 535 MiB peak, 222 MiB after). `MALLOC_ARENAS` arenas bound that; the database
/// work is serialised by the pool and the writer anyway. Called once by `serve`.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called before other threads run.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, MALLOC_ARENAS);
    }
}

/// Database work longer than this is followed by [`release_free_memory`].
pub const LARGE_WORK: std::time::Duration = std::time::Duration::from_millis(200);

/// Gives the memory malloc holds free back to the system (`malloc_trim`): after a large piece
/// of work (a province's dashboard, a reminder run over everyone) the freed blocks sit in the
/// middle of the heap, below blocks still in use, where glibc's own trimming (top of the heap
/// only) never reaches them; the process then keeps its peak for good (issue 14: 222 MiB after
/// the run, 69 MiB idle after the first reminder run at 20,000 staff). A few milliseconds, so
/// only after work that took longer than [`LARGE_WORK`].
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the system; any thread may call it.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[actix_web::test]
    async fn checks_beyond_the_slots_and_the_queue_are_refused_with_429() {
        let mut auth = Settings::for_database("sqlite://x.db").auth;
        auth.hash_concurrency = 1;
        auth.hash_queue = 1;
        auth.hash_wait_ms = 300;
        let gate = Arc::new(HashGate::new(&auth));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        // One check holds the only slot until released.
        let g = Arc::clone(&gate);
        let r = Arc::clone(&rx);
        let running = actix_web::rt::spawn(async move {
            g.run(move || {
                let _ = r.lock().map(|r| r.recv());
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // One may wait; it gives up after the wait.
        let g = Arc::clone(&gate);
        let queued = actix_web::rt::spawn(async move { g.run(|| ()).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The queue is full: refused at once.
        let started = std::time::Instant::now();
        let refused = gate.run(|| ()).await;
        assert!(matches!(refused, Err(AppError::TooManyRequests { .. })));
        assert!(started.elapsed() < Duration::from_millis(100));
        let queued = queued.await.expect("join");
        assert!(matches!(queued, Err(AppError::TooManyRequests { .. })));
        tx.send(()).expect("release");
        running.await.expect("join").expect("ran");
        // Free again.
        assert_eq!(gate.run(|| 7).await.expect("runs"), 7);
    }
}
