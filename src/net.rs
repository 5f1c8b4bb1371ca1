//! Who is calling: the client address (the one place that reads `X-Forwarded-For`), and the
//! general per-client rate limit of the API.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpRequest, ResponseError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer};

use crate::config::{RateLimitSettings, Settings};
use crate::error::AppError;
use crate::i18n::Text;
use crate::AppState;

/// The address of the client that sent `req`. The TCP peer, unless the peer is one of
/// `server.trusted_proxies`: then `X-Forwarded-For` is read from the right (the entry the proxy
/// appended) and the first address that is not itself a trusted proxy is the client. A header
/// from an untrusted peer is ignored, so nobody can choose their own address.
pub fn client_addr(req: &HttpRequest, settings: &Settings) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let proxies = &settings.server.trusted_proxies;
    resolve(
        peer,
        req.headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok()),
        proxies,
    )
}

/// `client_addr` without the request: the peer and the `X-Forwarded-For` header values in order.
pub fn resolve<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    proxies: &[IpNet],
) -> IpAddr {
    let peer = canonical(peer);
    let trusted = |ip: &IpAddr| proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage in the chain: the last trustworthy hop is the answer.
            break;
        };
        client = ip;
        if !trusted(&ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Parses `10.0.0.0/8` or a single address (`10.0.0.1`, a /32 or /128).
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("`{text}` is neither an IP address nor a CIDR network"))
}

/// Reads a list of networks from a list or from one comma-separated string (environment
/// variables cannot carry lists).
pub fn deserialize_networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let items = match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        OneOrMany::Many(v) => v,
    };
    items
        .iter()
        .map(|s| parse_network(s).map_err(serde::de::Error::custom))
        .collect()
}

/// The general rate limit: one token bucket per client address (governor's GCRA).
pub struct RateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimiter {
    pub fn new(settings: &RateLimitSettings) -> RateLimiter {
        let limiter = NonZeroU32::new(settings.per_second).map(|rate| {
            let burst = NonZeroU32::new(settings.burst.max(settings.per_second)).unwrap_or(rate);
            governor::RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        RateLimiter { limiter }
    }

    /// `Err(seconds)` when `client` must wait before its next request.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        // Forget clients whose bucket is full again, so memory stays bounded.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Middleware: requests to the API beyond the client's rate answer 429 with `Retry-After`.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if req.path().starts_with("/api/") {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            let client = client_addr(req.request(), &state.settings);
            if let Err(wait) = state.rate_limiter.check(client) {
                let wait = wait.max(1);
                tracing::info!(%client, wait, "rate limited");
                let err = AppError::TooManyRequests {
                    retry_after_secs: wait,
                    text: Text::new(
                        format!("Quá nhiều yêu cầu; hãy thử lại sau {wait} giây."),
                        format!("Too many requests; retry in {wait} seconds."),
                    ),
                };
                return Ok(req
                    .into_response(err.error_response())
                    .map_into_right_body());
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxies = vec![
            parse_network("10.0.0.0/8").expect("net"),
            parse_network("::1").expect("net"),
        ];
        // An untrusted peer cannot choose its address.
        assert_eq!(
            resolve(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &proxies),
            ip("203.0.113.9")
        );
        // A trusted proxy: the rightmost untrusted hop is the client.
        assert_eq!(
            resolve(
                ip("10.0.0.2"),
                ["6.6.6.6, 198.51.100.7, 10.0.0.5"].into_iter(),
                &proxies
            ),
            ip("198.51.100.7"),
            "a forged leftmost entry is ignored"
        );
        assert_eq!(
            resolve(ip("::1"), ["198.51.100.7:5555"].into_iter(), &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), std::iter::empty(), &proxies),
            ip("10.0.0.2"),
            "no header: the proxy itself"
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), ["garbage"].into_iter(), &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            resolve(
                ip("::ffff:10.0.0.2"),
                ["198.51.100.7"].into_iter(),
                &proxies
            ),
            ip("198.51.100.7"),
            "IPv4-mapped peer"
        );
        // Nothing is trusted by default.
        assert_eq!(
            resolve(ip("10.0.0.2"), ["198.51.100.7"].into_iter(), &[]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn networks_parse_from_lists_and_strings() {
        assert!(parse_network("10.1.2.3/8")
            .expect("net")
            .contains(&ip("10.200.0.1")));
        assert!(parse_network("nonsense").is_err());
        let v: Vec<IpNet> =
            deserialize_networks(serde_json::json!("10.0.0.0/8, ::1")).expect("string");
        assert_eq!(v.len(), 2);
        let v: Vec<IpNet> = deserialize_networks(serde_json::json!(["192.168.0.1"])).expect("list");
        assert!(v[0].contains(&ip("192.168.0.1")));
        assert!(deserialize_networks(serde_json::json!(["x"])).is_err());
    }

    #[test]
    fn the_rate_limit_refuses_beyond_the_burst_per_client() {
        let limiter = RateLimiter::new(&RateLimitSettings {
            per_second: 1,
            burst: 3,
        });
        for _ in 0..3 {
            assert!(limiter.check(ip("192.0.2.1")).is_ok());
        }
        let wait = limiter.check(ip("192.0.2.1")).expect_err("limited");
        assert!((1..=2).contains(&wait), "{wait}");
        assert!(limiter.check(ip("192.0.2.2")).is_ok(), "another client");
        let off = RateLimiter::new(&RateLimitSettings {
            per_second: 0,
            burst: 0,
        });
        for _ in 0..10_000 {
            assert!(off.check(ip("192.0.2.1")).is_ok());
        }
    }
}
