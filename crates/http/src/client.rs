//! Who is asking, as far as the configuration lets us believe it: the
//! client's address behind trusted proxies.
//!
//! `Forwarded` and `X-Forwarded-For` are written by whoever sends the
//! request, so they count only when the TCP peer is one of
//! `server.trusted_proxies`. The chain is then read from the right (the hop
//! nearest to us) and the first address that is not a trusted proxy is the
//! client: hops a client wrote itself, on the left, are never reached.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::http::header::{FORWARDED, HeaderMap};
use ipnet::IpNet;

/// The `X-Forwarded-For` header.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The peers whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// A `server.trusted_proxies` entry that is neither an address nor a CIDR block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR block")]
pub struct BadProxy(pub String);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.7`, `::1`) and CIDR blocks (`10.0.0.0/8`).
    ///
    /// # Errors
    /// [`BadProxy`] naming the first entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, BadProxy> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map_err(|_| BadProxy(entry.to_owned()))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `address` is a trusted proxy.
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut nearest = peer;
        for hop in forwarded_chain(headers).iter().rev() {
            match hop {
                // A hop a trusted proxy could not name: the client is hidden
                // behind it, so that proxy stands for it.
                None => return nearest,
                Some(address) if !self.trusts(*address) => return *address,
                Some(address) => nearest = *address,
            }
        }
        nearest
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they are.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// The hops the headers list, client first; `None` for a hop that is not an
/// address (`unknown`, an obfuscated name, garbage). `Forwarded` (RFC 7239)
/// wins over `X-Forwarded-For` when both are present.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<Option<IpAddr>> = headers
        .get_all(FORWARDED)
        .flat_map(|value| value.to_str().unwrap_or("for=unknown").split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim().eq_ignore_ascii_case("for").then(|| parse_node(value))
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all(X_FORWARDED_FOR)
        .flat_map(|value| value.to_str().unwrap_or("unknown").split(','))
        .map(parse_node)
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let node = raw.trim().trim_matches('"');
    if let Ok(address) = IpAddr::from_str(node) {
        return Some(canonical(address));
    }
    let host = match node.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.0,
        None => node.rsplit_once(':').map_or(node, |(host, _port)| host),
    };
    IpAddr::from_str(host).ok().map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_peers_and_only_up_to_the_first_untrusted_hop() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.1"]).unwrap();
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            // Untrusted peers: their headers are ignored.
            ("203.0.113.5", &[("x-forwarded-for", "198.51.100.9")], "203.0.113.5"),
            ("203.0.113.5", &[("forwarded", "for=198.51.100.9")], "203.0.113.5"),
            // A trusted peer: the right-most untrusted hop.
            ("10.1.2.3", &[("x-forwarded-for", "198.51.100.9")], "198.51.100.9"),
            ("10.1.2.3", &[("x-forwarded-for", "6.6.6.6, 198.51.100.9")], "198.51.100.9"),
            ("10.1.2.3", &[("x-forwarded-for", "6.6.6.6, 198.51.100.9, 10.9.9.9")], "198.51.100.9"),
            (
                "10.1.2.3",
                &[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "198.51.100.9")],
                "198.51.100.9",
            ),
            (
                "192.0.2.1",
                &[("forwarded", r#"for=6.6.6.6, for="[2001:db8::7]:4711";proto=https"#)],
                "2001:db8::7",
            ),
            ("10.1.2.3", &[("forwarded", "for=198.51.100.9:1234;by=10.1.2.3")], "198.51.100.9"),
            // Forwarded wins over X-Forwarded-For.
            (
                "10.1.2.3",
                &[("forwarded", "for=198.51.100.9"), ("x-forwarded-for", "6.6.6.6")],
                "198.51.100.9",
            ),
            // Only trusted hops: the left-most of them.
            ("10.1.2.3", &[("x-forwarded-for", "10.7.7.7")], "10.7.7.7"),
            // No header, or a hop that names no address: the nearest trusted hop.
            ("10.1.2.3", &[], "10.1.2.3"),
            ("10.1.2.3", &[("x-forwarded-for", "6.6.6.6, unknown")], "10.1.2.3"),
            ("10.1.2.3", &[("x-forwarded-for", "6.6.6.6, unknown, 10.4.4.4")], "10.4.4.4"),
            ("10.1.2.3", &[("forwarded", "for=_hidden")], "10.1.2.3"),
            // IPv4-mapped peers are IPv4.
            ("::ffff:10.1.2.3", &[("x-forwarded-for", "198.51.100.9")], "198.51.100.9"),
        ];
        for (peer, pairs, expected) in cases {
            assert_eq!(proxies.client(ip(peer), &headers(pairs)), ip(expected), "{peer} {pairs:?}");
        }
    }

    #[test]
    fn nobody_is_trusted_by_default() {
        let proxies = TrustedProxies::default();
        let sent = headers(&[("x-forwarded-for", "198.51.100.9"), ("forwarded", "for=198.51.100.9")]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &sent), ip("127.0.0.1"));
    }

    #[test]
    fn entries_are_addresses_or_blocks() {
        assert!(TrustedProxies::parse(&["10.0.0.0/8", "::1", "fd00::/8", " 127.0.0.1 "]).is_ok());
        for bad in ["", "10.0.0.0/33", "localhost", "10.0.0"] {
            assert_eq!(TrustedProxies::parse(&[bad]), Err(BadProxy(bad.trim().to_owned())), "{bad}");
        }
    }
}
