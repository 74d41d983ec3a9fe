//! Which addresses webhooks may reach: public unicast ones only.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use profile_application::ports::webhooks::TargetRefused;
use profile_domain::webhook::WebhookUrl;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Host;

/// Why `ip` may not be reached, or `None` when it may.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("a multicast or broadcast address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (CGNAT) address")
    } else if (a == 192 && b == 0 && c == 0) || (a == 198 && (18..20).contains(&b)) || a >= 240 {
        Some("a reserved address")
    } else if ip.is_documentation() {
        Some("a documentation address")
    } else {
        None
    }
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if segments[0] & 0xfe00 == 0xfc00 {
        Some("a unique-local address")
    } else if segments[0] & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if let Some(v4) = ip.to_ipv4_mapped() {
        refusal_v4(v4)
    } else if segments[..6] == [0, 0, 0, 0, 0, 0] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated) and NAT64 addresses embed an IPv4 one.
        refusal_v4(Ipv4Addr::from(u32::from(segments[6]) << 16 | u32::from(segments[7])))
    } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
        Some("a documentation address")
    } else {
        None
    }
}

fn refused(host: &str, why: &str) -> TargetRefused {
    TargetRefused(format!("{host} is {why}"))
}

/// The refusal of a URL whose host is an address literal that may not be
/// reached; `None` for names and allowed addresses.
pub(super) fn literal(url: &WebhookUrl) -> Option<TargetRefused> {
    let ip = match url.host()? {
        Host::Ipv4(v4) => IpAddr::V4(v4),
        Host::Ipv6(v6) => IpAddr::V6(v6),
        Host::Domain(_) => return None,
    };
    refusal(ip).map(|why| refused(&ip.to_string(), why))
}

/// Every address `host` resolves to, or the refusal when one may not be reached.
async fn resolve(host: &str) -> Result<Vec<SocketAddr>, TargetRefused> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|_| TargetRefused(format!("{host} does not resolve")))?
        .collect();
    if let Some((ip, why)) = addresses.iter().find_map(|a| refusal(a.ip()).map(|why| (a.ip(), why))) {
        return Err(refused(host, &format!("{why} ({ip})")));
    }
    Ok(addresses)
}

/// Refuses `url` when its host is, or resolves to, an address that may not
/// be reached. A name that does not resolve (yet) is not refused: its
/// deliveries fail and are retried.
pub(super) async fn check(url: &WebhookUrl) -> Result<(), TargetRefused> {
    if let Some(refused) = literal(url) {
        return Err(refused);
    }
    let Some(Host::Domain(name)) = url.host() else { return Ok(()) };
    match resolve(name).await {
        Err(refused) if !refused.0.ends_with("does not resolve") => Err(refused),
        _ => Ok(()),
    }
}

/// The HTTP client's resolver: the connection goes only to addresses that
/// were checked.
pub(super) struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = resolve(&host).await?;
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_addresses_table() {
        let cases = [
            ("127.0.0.1", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("0.0.0.0", false),
            ("224.0.0.1", false),
            ("255.255.255.255", false),
            ("::1", false),
            ("::", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("ff02::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("64:ff9b::a00:1", false),
            ("93.184.216.34", true),
            ("100.128.0.1", true),
            ("2606:4700::1111", true),
            ("::ffff:93.184.216.34", true),
        ];
        for (ip, allowed) in cases {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(refusal(ip).is_none(), allowed, "{ip}: {:?}", refusal(ip));
        }
    }

    #[tokio::test]
    async fn literals_and_names_of_internal_addresses_are_refused() {
        for url in
            ["http://127.0.0.1:8080/", "http://[::1]/", "http://localhost/hook", "http://[::ffff:7f00:1]/"]
        {
            let url = WebhookUrl::try_from(url).unwrap();
            assert!(check(&url).await.is_err(), "{url}");
        }
        let unresolvable = WebhookUrl::try_from("https://no-such-host.invalid/").unwrap();
        assert_eq!(check(&unresolvable).await, Ok(()));
    }
}
