//! Slows down password guessing without letting a stranger lock a person out.
//!
//! Failed logins are counted over a window (15 minutes by default) three ways:
//! - per (username, client address): after `failures_per_client` failures that pair waits for the
//!   window to pass;
//! - per username, from any address: after `failures_per_account` failures, a client that has
//!   already failed on this username waits an exponential delay (1 s, 2 s, 4 s… up to the window)
//!   after the latest failure. A client with no failure on this username is never delayed: the
//!   owner's right password from their own device passes however much others guess;
//! - per client address, any usernames: after `failures_per_address` failures that address waits
//!   for the window (password spraying).
//!
//! Unknown usernames are counted like real ones, so answers do not reveal which exist. Kept in
//! memory per API node (a restart forgets it), bounded in size. The client address is
//! `net::client_addr`: behind a reverse proxy, configure `server.trusted_proxies`, or everyone
//! shares the proxy's address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::LoginLimits;

/// Keys kept per map at most (expired ones are dropped first, then the oldest).
const MAX_KEYS: usize = 100_000;

/// Failures within the window: how many, the first and the latest.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    last: Instant,
}

#[derive(Default)]
struct Maps {
    pair: HashMap<(String, IpAddr), Failures>,
    account: HashMap<String, Failures>,
    address: HashMap<IpAddr, Failures>,
}

pub struct LoginThrottle {
    limits: LoginLimits,
    maps: Mutex<Maps>,
}

fn normalise(username: &str) -> String {
    username.trim().to_lowercase()
}

fn live<K: std::hash::Hash + Eq>(
    map: &HashMap<K, Failures>,
    key: &K,
    window: Duration,
    now: Instant,
) -> Option<Failures> {
    map.get(key)
        .copied()
        .filter(|f| now.saturating_duration_since(f.first) < window)
}

fn bump<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, Failures>,
    key: K,
    window: Duration,
    now: Instant,
) {
    if map.len() >= MAX_KEYS {
        map.retain(|_, f| now.saturating_duration_since(f.first) < window);
        if map.len() >= MAX_KEYS {
            map.clear();
        }
    }
    let f = map.entry(key).or_insert(Failures {
        count: 0,
        first: now,
        last: now,
    });
    if now.saturating_duration_since(f.first) >= window {
        *f = Failures {
            count: 0,
            first: now,
            last: now,
        };
    }
    f.count += 1;
    f.last = now;
}

fn secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl LoginThrottle {
    pub fn new(limits: LoginLimits) -> LoginThrottle {
        LoginThrottle {
            limits,
            maps: Mutex::new(Maps::default()),
        }
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.limits.window_secs)
    }

    /// Seconds the client must wait before trying this username again, if any.
    pub fn blocked_for(&self, username: &str, client: IpAddr) -> Option<u64> {
        self.blocked_for_at(username, client, Instant::now())
    }

    pub fn blocked_for_at(&self, username: &str, client: IpAddr, now: Instant) -> Option<u64> {
        let maps = self.maps.lock().ok()?;
        let window = self.window();
        let user = normalise(username);
        let mut wait = Duration::ZERO;
        if let Some(f) = live(&maps.address, &client, window, now) {
            if f.count >= self.limits.failures_per_address {
                wait = wait.max(window.saturating_sub(now - f.first));
            }
        }
        let key = (user.clone(), client);
        if let Some(pair) = live(&maps.pair, &key, window, now) {
            if pair.count >= self.limits.failures_per_client {
                wait = wait.max(window.saturating_sub(now - pair.first));
            }
            // Only a client that already failed on this username feels the account's delay.
            if let Some(acc) = live(&maps.account, &user, window, now) {
                if acc.count >= self.limits.failures_per_account {
                    let exp = (acc.count - self.limits.failures_per_account).min(30);
                    let delay = Duration::from_secs(1u64 << exp).min(window);
                    wait = wait.max(delay.saturating_sub(now.saturating_duration_since(acc.last)));
                }
            }
        }
        (!wait.is_zero()).then(|| secs(wait))
    }

    pub fn record_failure(&self, username: &str, client: IpAddr) {
        self.record_failure_at(username, client, Instant::now());
    }

    pub fn record_failure_at(&self, username: &str, client: IpAddr, now: Instant) {
        let window = self.window();
        let Ok(mut maps) = self.maps.lock() else {
            return;
        };
        let user = normalise(username);
        bump(&mut maps.pair, (user.clone(), client), window, now);
        bump(&mut maps.account, user, window, now);
        bump(&mut maps.address, client, window, now);
    }

    /// The right password clears this client's failures on the username (not the username's
    /// failures from elsewhere: someone else may still be guessing).
    pub fn record_success(&self, username: &str, client: IpAddr) {
        if let Ok(mut maps) = self.maps.lock() {
            maps.pair.remove(&(normalise(username), client));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginLimits::default())
    }

    #[test]
    fn blocks_after_five_failures_per_user_and_address() {
        let t = throttle();
        let a = ip("10.0.0.1");
        for _ in 0..4 {
            t.record_failure("Admin", a);
        }
        assert_eq!(t.blocked_for("other", a), None, "another user");
        t.record_failure("admin", a);
        assert!(t
            .blocked_for("admin", a)
            .is_some_and(|s| s > 0 && s <= 15 * 60));
        assert_eq!(
            t.blocked_for("admin", ip("10.0.0.2")),
            None,
            "a fresh client"
        );
        assert_eq!(t.blocked_for("other", a), None, "another user");
        t.record_success("admin", a);
        assert_eq!(t.blocked_for("admin", a), None);
    }

    #[test]
    fn guessing_from_many_addresses_never_delays_a_fresh_client() {
        let t = throttle();
        let now = Instant::now();
        // 200 attackers, one failure each.
        for i in 0..200u32 {
            let attacker = IpAddr::from([198, 51, (i / 256) as u8, (i % 256) as u8]);
            t.record_failure_at("lan.nt", attacker, now);
        }
        assert_eq!(
            t.blocked_for_at("lan.nt", ip("203.0.113.5"), now),
            None,
            "the owner's own device is never delayed"
        );
        // An attacker who already failed waits the account's delay (capped at the window).
        let wait = t
            .blocked_for_at("lan.nt", ip("198.51.0.1"), now)
            .expect("delayed");
        assert_eq!(wait, 15 * 60);
    }

    #[test]
    fn the_account_delay_grows_exponentially() {
        let t = throttle();
        let now = Instant::now();
        let client = ip("192.0.2.1");
        for i in 0..5u32 {
            t.record_failure_at("x", IpAddr::from([192, 0, 2, 10 + i as u8]), now);
        }
        t.record_failure_at("x", client, now);
        // 6 failures on the account: 2^(6-5) = 2 s for a client that failed.
        assert_eq!(t.blocked_for_at("x", client, now), Some(2));
        assert_eq!(
            t.blocked_for_at("x", client, now + Duration::from_millis(1500)),
            Some(1)
        );
        assert_eq!(
            t.blocked_for_at("x", client, now + Duration::from_secs(2)),
            None
        );
        t.record_failure_at("x", client, now + Duration::from_secs(2));
        assert_eq!(
            t.blocked_for_at("x", client, now + Duration::from_secs(2)),
            Some(4)
        );
    }

    #[test]
    fn one_address_spraying_many_usernames_is_stopped() {
        let t = throttle();
        let now = Instant::now();
        let a = ip("192.0.2.77");
        for i in 0..49 {
            t.record_failure_at(&format!("user{i}"), a, now);
        }
        assert_eq!(t.blocked_for_at("fresh-name", a, now), None);
        t.record_failure_at("user49", a, now);
        assert!(t.blocked_for_at("fresh-name", a, now).is_some());
        assert_eq!(
            t.blocked_for_at("fresh-name", a, now + Duration::from_secs(15 * 60)),
            None,
            "the window passes"
        );
    }
}
