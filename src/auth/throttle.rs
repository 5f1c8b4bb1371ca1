//! Slows down password guessing: after `MAX_FAILURES` failed logins for one username from one
//! address within `WINDOW`, further attempts are refused with 429 until the window ends. Kept in
//! memory per API node (a node restart forgets it); behind a load balancer each node throttles
//! on its own, which still bounds guessing to a few attempts per node and window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most (older ones are dropped first) so that memory stays bounded.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    fn key(username: &str, address: &str) -> String {
        format!("{}|{address}", username.trim().to_lowercase())
    }

    /// Seconds to wait when the key is blocked.
    pub fn blocked_for(&self, username: &str, address: &str) -> Option<u64> {
        let map = self.failures.lock().ok()?;
        let (count, since) = map.get(&Self::key(username, address))?;
        let elapsed = since.elapsed();
        if *count >= MAX_FAILURES && elapsed < WINDOW {
            Some((WINDOW - elapsed).as_secs().max(1))
        } else {
            None
        }
    }

    pub fn record_failure(&self, username: &str, address: &str) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= MAX_KEYS {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = map
            .entry(Self::key(username, address))
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, username: &str, address: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&Self::key(username, address));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_five_failures_per_user_and_address() {
        let t = LoginThrottle::default();
        for _ in 0..MAX_FAILURES - 1 {
            t.record_failure("Admin", "10.0.0.1");
        }
        assert_eq!(t.blocked_for("admin", "10.0.0.1"), None);
        t.record_failure("admin", "10.0.0.1");
        assert!(t
            .blocked_for("admin", "10.0.0.1")
            .is_some_and(|s| s > 0 && s <= WINDOW.as_secs()));
        assert_eq!(t.blocked_for("admin", "10.0.0.2"), None, "another address");
        assert_eq!(t.blocked_for("other", "10.0.0.1"), None, "another user");
        t.record_success("admin", "10.0.0.1");
        assert_eq!(t.blocked_for("admin", "10.0.0.1"), None);
    }
}
